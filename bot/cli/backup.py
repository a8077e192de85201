"""`pregonero backup PATH`: a consistent copy of the database while the bot runs."""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli.common import json_option, now_utc, print_json, settings
from bot.store.backup import backup as backup_database


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite PATH when it already exists.")
@json_option
def backup(path: Path, force: bool, as_json: bool) -> None:
    """Copy the database (PREGONERO_DB) to PATH, safely, while `pregonero run` keeps going.

    PATH may be a folder: the copy is then named pregonero-<UTC time>.db inside it.
    """
    s = settings()
    result = backup_database(s.db, path, now_utc(), force=force)
    if as_json:
        print_json({"path": str(result.path), "bytes": result.bytes})
    else:
        click.echo(f"backed up {s.db} to {result.path} ({result.bytes:,} bytes)")


COMMANDS = [backup]
