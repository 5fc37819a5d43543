"""``flask citizencare staff add | remove | list``: staff members and their roles."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..context import db_session
from ..models import StaffMember
from ..services.staff import deactivate_staff_member, save_staff_member

staff_group = AppGroup("staff", help="Staff members and their roles (the default role loader reads them).")


@staff_group.command("add")
@click.argument("user_id")
@click.option("--role", type=click.Choice(["operator", "technician", "manager", "admin"]), required=True)
@click.option(
    "--name",
    "display_name",
    required=True,
    help="Name shown to colleagues and, for technicians, to citizens.",
)
@click.option("--email", default=None)
@click.option("--office", "offices", multiple=True, help="Office code; repeat for several.")
def staff_add(
    user_id: str, role: str, display_name: str, email: str | None, offices: tuple[str, ...]
) -> None:
    """Give the host user USER_ID a staff role (or change it)."""
    try:
        member = save_staff_member(
            user_id, role=role, display_name=display_name, email=email, office_codes=offices
        )
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    office_list = ", ".join(o.code for o in member.offices) or "-"
    click.echo(f"{member.user_id}: {member.display_name}, {member.role}, {office_list}")


@staff_group.command("remove")
@click.argument("user_id")
def staff_remove(user_id: str) -> None:
    """Take the staff role away (the member's past actions keep their name)."""
    if not deactivate_staff_member(user_id):
        raise click.ClickException(f"no active staff member with user id {user_id}")
    click.echo(f"{user_id}: removed")


@staff_group.command("list")
def staff_list() -> None:
    """Active staff members."""
    for member in db_session().scalars(
        sa.select(StaffMember)
        .where(StaffMember.active.is_(True))
        .order_by(StaffMember.role, StaffMember.display_name)
    ):
        offices = ", ".join(o.code for o in member.offices) or "-"
        click.echo(
            f"{member.user_id}\t{member.role}\t{member.display_name}\t{member.email or '-'}\t{offices}"
        )
