"""``flask citizencare apikey create | list | revoke``: the keys of Open311 clients."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..context import db_session
from ..domain.open311.rates import normalise_rate
from ..queries.api_keys import list_keys
from ..services.api_keys import ApiKeyError, create_key, revoke_key
from ..web.limiter import parse_rates

apikey_group = AppGroup("apikey", help="Keys of the programs that use the Open311 API.")

_MESSAGES = {
    "name_missing": "give the key a name (who uses it)",
    "name_too_long": "the name may have at most 120 characters",
    "name_taken": "a key with this name exists: choose another name or revoke that one",
    "unknown": "no key with this id or name",
    "already_revoked": "this key was already revoked",
}


def _rate(text: str | None) -> str | None:
    if text is None:
        return None
    rate = normalise_rate(text)
    try:
        if not parse_rates(rate):
            raise ValueError
    except ValueError:
        example = "120/min or '60 per minute; 5000 per day'"
        raise click.BadParameter(f"{text!r} is not a rate such as {example}") from None
    return rate


@apikey_group.command("create")
@click.argument("name")
@click.option("--can-post", is_flag=True, help="The key may file requests and add updates (POST).")
@click.option(
    "--rate",
    default=None,
    help="The key's own limit (120/min); default CITIZENCARE_RATELIMIT_OPEN311_PER_KEY.",
)
def apikey_create(name: str, can_post: bool, rate: str | None) -> None:
    """Create a key for the client NAME and print it: it is shown this once, only its hash is kept."""
    try:
        api_key, key = create_key(db_session(), name, can_post=can_post, rate=_rate(rate))
    except ApiKeyError as error:
        raise click.ClickException(_MESSAGES[error.code]) from None
    click.echo(key)
    rights = "read and post" if api_key.can_post else "read"
    click.echo(
        f"# key {api_key.id} {api_key.name!r}: {rights}; store it now, it cannot be shown again", err=True
    )


@apikey_group.command("list")
def apikey_list() -> None:
    """Every key: id, name, prefix, rights, rate, uses, last use, revoked."""
    for api_key in list_keys(db_session()):
        last = api_key.last_used_at.isoformat(timespec="seconds") if api_key.last_used_at else "never"
        state = f"revoked {api_key.revoked_at:%Y-%m-%d}" if api_key.revoked_at else "live"
        rights = "post" if api_key.can_post else "read"
        click.echo(
            f"{api_key.id}\t{api_key.name}\t{api_key.prefix}…\t{rights}\t{api_key.rate or 'default'}\t"
            f"{api_key.uses} uses\tlast {last}\t{state}"
        )


@apikey_group.command("revoke")
@click.argument("key")
def apikey_revoke(key: str) -> None:
    """Revoke the key KEY (its id or name): it is refused from now on."""
    target: int | str = int(key) if key.isdigit() and len(key) < 10 else key
    try:
        api_key = revoke_key(db_session(), target)
    except ApiKeyError as error:
        raise click.ClickException(_MESSAGES[error.code]) from None
    click.echo(f"{api_key.id} {api_key.name}: revoked")
