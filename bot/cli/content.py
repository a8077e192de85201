"""`pregonero content check|import`: validate a content folder, load it into the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import json_option, now_utc, open_store, print_json
from bot.content.model import ContentInvalid
from bot.library import check_folder, import_folder

DEFAULT_DIR = "messages"
_dir_argument = click.argument("folder", default=DEFAULT_DIR, required=False,
                               type=click.Path(file_okay=False, path_type=str))


@click.group("content")
def content() -> None:
    """Content cards: check a folder, import it into the store."""


@content.command("check")
@_dir_argument
@json_option
def check(folder: str, as_json: bool) -> None:
    """Validate a content folder (default messages/): every problem as path:line: message."""
    result = check_folder(Path(folder), shown=folder)
    if as_json:
        print_json({"ok": result.ok, "cards": len(result.cards), "files": result.files,
                    "errors": [p.as_dict() for p in result.errors],
                    "warnings": [p.as_dict() for p in result.warnings]})
    else:
        for problem in result.problems:
            click.echo(str(problem))
        click.echo(result.summary(), err=True)
    if not result.ok:
        sys.exit(1)


@content.command("import")
@_dir_argument
@json_option
def import_(folder: str, as_json: bool) -> None:
    """Load a content folder into the store (checked first; refused when it has errors)."""
    store = open_store()
    try:
        report, result = import_folder(store.db, Path(folder), now_utc(), shown=folder)
    except ContentInvalid as exc:
        if as_json:
            print_json({"ok": False, "errors": [p.as_dict() for p in exc.problems
                                                if p.level == "error"]})
        else:
            for problem in exc.problems:
                click.echo(str(problem))
        click.echo(f"pregonero: {exc}; the store is unchanged", err=True)
        sys.exit(1)
    finally:
        store.close()
    if as_json:
        print_json({"ok": True, **report.as_dict(),
                    "warnings": [p.as_dict() for p in result.warnings]})
        return
    for problem in result.warnings:
        click.echo(str(problem), err=True)
    for label, ids in (("added", report.added), ("updated", report.updated),
                       ("removed", report.removed)):
        if ids:
            click.echo(f"{label}: {', '.join(ids)}")
    if not report.changed:
        click.echo(f"no changes ({report.total} cards)")
    else:
        click.echo(f"{len(report.added)} added, {len(report.updated)} updated, "
                   f"{len(report.removed)} removed, {report.unchanged} unchanged"
                   + (", topic names updated" if report.topics_changed else ""))


COMMANDS = [content]
