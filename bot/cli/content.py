"""`pregonero content check|import|gaps`: validate a content folder, load it into the store, and
list what officers asked and found nothing with (with glossary entries to consider)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli.common import init_option, json_option, now_utc, open_store, print_json
from bot.cli.progress import StagedProgress
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
@init_option
@json_option
def import_(folder: str, init: bool, as_json: bool) -> None:
    """Load a content folder into the store (checked first; refused when it has errors)."""
    with open_store(init=init) as store:
        progress = StagedProgress({"check": ("checking", "files"),
                                   "embed": ("embedding", "passages"),
                                   "store": ("storing", "steps")},
                                  quiet=as_json)
        try:
            report, result = import_folder(store.db, Path(folder), now_utc(), shown=folder,
                                           progress=progress)
        except ContentInvalid as exc:
            progress.close()
            if as_json:
                print_json({"ok": False, "errors": [p.as_dict() for p in exc.problems
                                                    if p.level == "error"]})
            else:
                for problem in exc.problems:
                    click.echo(str(problem))
            click.echo(f"pregonero: {exc}; the store is unchanged", err=True)
            sys.exit(1)
    progress.close()
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
        click.echo(f"no changes ({report.total} card{'s' if report.total != 1 else ''})")
    else:
        click.echo(f"{len(report.added)} added, {len(report.updated)} updated, "
                   f"{len(report.removed)} removed, {report.unchanged} unchanged"
                   + (", topic names updated" if report.topics_changed else ""))


@content.command("gaps")
@click.option("--suggest", is_flag=True,
              help="propose glossary entries from words the zero-result searches share")
@click.option("--min-count", type=click.IntRange(min=1), default=2, show_default=True,
              help="with --suggest: searches a word must come back in")
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
@json_option
def gaps(suggest: bool, min_count: int, limit: int, as_json: bool) -> None:
    """Searches that found nothing, most asked first; --suggest proposes glossary entries
    (for a person to check and add to the content folder's glossary.yml; nothing is written)."""
    from bot.search.gaps import suggest as suggest_entries
    from bot.store.events import zero_result_texts
    from bot.store.stats import zero_result_queries
    with open_store() as store:
        # The list shows what the web page shows: a search only after 5 times with no result
        # (privacy); suggestions count words over every such search, rare ones included.
        found = zero_result_queries(store.db, limit=limit) if not suggest else [
            {"query": t["normalized"], "langs": [t["lang"]] if t["lang"] else [],
             "count": t["count"]}
            for t in zero_result_texts(store.db, min_count=1, limit=10_000)]
        if not suggest:
            if as_json:
                print_json(found)
                return
            for g in found:
                click.echo(f"{g['count']:5}  {g['query']}")
            if not found:
                click.echo("no searches without results", err=True)
            return
        texts = [(v, ",".join(g["langs"]) or "es", g["count"]) for g in found
                 for v in [g["query"]]]
        proposals = suggest_entries(store.db, texts, min_count=min_count, limit=limit)
    if as_json:
        print_json([{"word": p.word, "lang": p.lang, "count": p.count, "meaning": p.meaning,
                     "example": p.example} for p in proposals])
        return
    if not proposals:
        click.echo("no word comes back often enough in searches without results", err=True)
        return
    click.echo("# Proposed glossary entries: check each one, complete or drop it, and add the"
               " ones you accept to glossary.yml in the content folder, then content import.")
    for p in proposals:
        click.echo(p.yaml())


COMMANDS = [content]
