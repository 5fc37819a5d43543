"""``flask citizencare ...``: the command group; each command or group of commands has its module here."""

from __future__ import annotations

from flask.cli import AppGroup

from .alerts import alerts_group
from .apikeys import apikey_group
from .bulk_load import after_bulk_load_command
from .catalogue import catalogue_group
from .db import db_group
from .demo import demo_data_command
from .doctor import doctor_command
from .imports import import_group
from .mail import mail_group
from .map_cells import map_group
from .notices import notices_group
from .outbox import outbox_group
from .retention import erase, retention_group
from .settings import settings_command
from .sla import sla_group
from .staff import staff_group
from .stats import stats_group
from .storage import storage_group
from .suggest import suggest_group

__all__ = ["citizencare_cli"]

citizencare_cli = AppGroup("citizencare", help="Citizen care: database, demo data, settings.")

citizencare_cli.add_command(db_group)
citizencare_cli.add_command(storage_group)
citizencare_cli.add_command(staff_group)
citizencare_cli.add_command(sla_group)
citizencare_cli.add_command(doctor_command)
citizencare_cli.add_command(settings_command)
citizencare_cli.add_command(demo_data_command)
citizencare_cli.add_command(after_bulk_load_command)
citizencare_cli.add_command(catalogue_group)
citizencare_cli.add_command(stats_group)
citizencare_cli.add_command(map_group)
citizencare_cli.add_command(retention_group)
citizencare_cli.add_command(erase)
citizencare_cli.add_command(outbox_group)
citizencare_cli.add_command(mail_group)
citizencare_cli.add_command(import_group)
citizencare_cli.add_command(apikey_group)
citizencare_cli.add_command(notices_group)
citizencare_cli.add_command(alerts_group)
citizencare_cli.add_command(suggest_group)
