"""The site's extension objects, created once and bound to an app in ``create_app``."""
from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

from flask_citizencare import CitizenCare


class Base(DeclarativeBase):
    """Declarative base of the site's own tables (the extension keeps its tables apart)."""


db = SQLAlchemy(model_class=Base)
babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
citizencare = CitizenCare()
#: The site's own rate limiter (log-in). The extension keeps a limiter of its own, with its own
#: CITIZENCARE_RATELIMIT_* settings: the two do not share settings or hooks.
limiter = Limiter(key_func=get_remote_address)
