"""Accounts: Flask-Login's user loader, password checks, and the extension's user factory."""
from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from .extensions import citizencare, db, login_manager
from .models import User

login_manager.login_view = "site.login"
login_manager.login_message = _l("Please log in to see this page.")
login_manager.login_message_category = "info"

# Checked against when the username is unknown, so a wrong username takes as
# long as a wrong password and response times do not reveal which accounts exist.
_DUMMY_HASH = generate_password_hash("not a real password")


@login_manager.user_loader  # type: ignore[untyped-decorator]
def load_user(user_id: str) -> User | None:
    try:
        return db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username))


def authenticate(username: str, password: str) -> User | None:
    """The account with these credentials, or None."""
    user = find_user(username.strip())
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password)
        return None
    return user if user.check_password(password) else None


@citizencare.user_factory
def create_or_update_user(username: str, display_name: str, email: str, password: str) -> str:
    """Create the account (or refresh an existing one with the same username).

    Called by the extension's ``demo-data`` and ``staff add`` commands. It only
    adds and flushes: the caller owns the transaction and commits.
    """
    user = find_user(username)
    if user is None:
        user = User(username=username)
        db.session.add(user)
    user.display_name = display_name
    user.email = email
    user.set_password(password)
    db.session.flush()
    return str(user.id)
