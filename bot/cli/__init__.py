"""The `pregonero` command line: verbs parse, call one library function, print.

Every verb shares the output options (`--json`, and `--csv` where it makes sense) and the
error rule: a library error (`PregoneroError`) or a usage error becomes one line on stderr
and a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from bot.errors import PregoneroError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pregonero", prog_name="pregonero")
def cli() -> None:
    """Pregonero: the campaign's Telegram bot for frontline border officers."""


def _register() -> None:
    from bot.cli import backup, campaign, content, demo, invite, run, search, stats

    for module in (run, demo, content, search, invite, campaign, stats, backup):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning every expected error into one line."""
    try:
        cli.main(args=argv, prog_name="pregonero", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("pregonero: aborted", err=True)
        sys.exit(130)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        sys.exit(2)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "pregonero"
        click.echo(f"{command}: {exc.format_message()} (see --help)", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        click.echo(f"pregonero: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code or 1)
    except PregoneroError as exc:
        click.echo(f"pregonero: {exc}", err=True)
        sys.exit(1)
    except sqlite3.Error as exc:
        click.echo(f"pregonero: {_database_error(exc)}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except OverflowError:
        click.echo("pregonero: a number is too large (ids, counts and days fit in 18 digits)",
                   err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"pregonero: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "),
                   err=True)
        sys.exit(1)


def _database_error(exc: sqlite3.Error) -> str:
    """A locked, read-only, full or damaged database as one line naming the file."""
    from bot.config import load_settings
    from bot.store import describe_error

    try:
        path = load_settings().db
    except PregoneroError:
        path = None
    return describe_error(exc, path)
