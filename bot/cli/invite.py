"""`pregonero invite create|list|revoke`: enrollment codes and their t.me deep links."""

from __future__ import annotations

import click

from bot.cli.common import json_option, now_utc, open_store, parse_duration, print_json
from bot.enroll import deep_link
from bot.errors import InvalidInput
from bot.store import officers

MAX_USES = 1_000_000  # a poster at a busy port, many times over; bigger is a typo


@click.group("invite")
def invite() -> None:
    """Enrollment codes: create, list, revoke."""


@invite.command("create")
@click.option("--role", type=click.Choice([r.value for r in officers.Role]), default="officer",
              show_default=True, help="Role given to whoever enrolls with the code.")
@click.option("--uses", type=click.IntRange(1, MAX_USES), default=None,
              help="How many people may use it (default: unlimited).")
@click.option("--expires", default=None, metavar="DURATION",
              help="Valid for this long: 30m, 12h, 7d, 2w (default: never expires).")
@click.option("--region", default=None, help="Region given to whoever enrolls (e.g. norte).")
@click.option("--port", default=None, help="Port of entry given to whoever enrolls.")
@json_option
def create(role: str, uses: int | None, expires: str | None, region: str | None,
           port: str | None, as_json: bool) -> None:
    """Create an enrollment code and print its deep link."""
    if role != "officer" and uses is None:
        article = "an" if role[0] in "aeiou" else "a"
        raise InvalidInput(f"--role {role}: give --uses (1 for one person): {article} {role} "
                           "invite opens the web app to whoever has the link")
    now = now_utc()
    expires_at = now + parse_duration(expires) if expires else None
    with open_store() as store:
        inv = officers.create_invite(
            store.db, role=officers.Role(role), max_uses=uses, expires_at=expires_at,
            region=region, port=port, now=now,
        )
        link = deep_link(store.db, inv.code)
    if as_json:
        print_json({"code": inv.code, "link": link, "role": str(inv.role), "uses": inv.max_uses,
                    "expires_at": inv.expires_at, "region": inv.region, "port": inv.port})
        return
    click.echo(link)
    click.echo(f"code {inv.code} · role {inv.role} · uses {inv.max_uses or 'unlimited'} · "
               f"expires {inv.expires_at or 'never'}", err=True)


@invite.command("list")
@json_option
def list_(as_json: bool) -> None:
    """List invites with their uses and state."""
    with open_store() as store:
        rows = officers.list_invites(store.db)
    now = now_utc()
    # The state as the web page shows it: active, revoked, expired or used up.
    data = [
        {"code": i.code, "role": str(i.role), "uses": i.uses, "max_uses": i.max_uses,
         "expires_at": i.expires_at, "revoked": i.revoked_at is not None, "region": i.region,
         "port": i.port, "state": str(officers.check_invite(i, now) or "active")}
        for i in rows
    ]
    if as_json:
        print_json(data)
        return
    for d in data:
        state = str(d["state"]).replace("_", " ")
        click.echo(f"{d['code']}  {d['role']:<8} {d['uses']}/{d['max_uses'] or '∞'}  "
                   f"expires {d['expires_at'] or 'never'}  {state}")


@invite.command("revoke")
@click.argument("code")
@json_option
def revoke(code: str, as_json: bool) -> None:
    """Revoke an invite so nobody else can enroll with it."""
    with open_store() as store:
        inv = officers.revoke_invite(store.db, code, now=now_utc())
    if as_json:
        print_json({"code": inv.code, "revoked_at": inv.revoked_at})
    else:
        click.echo(f"revoked {inv.code}")


COMMANDS = [invite]
