"""A content folder as a whole: its cards (`bot.content`) and its glossary (`bot.search`),
checked together and imported into the store with the search index rebuilt.

This module sits above both packages: `bot.content` reads and checks cards knowing nothing of
search or the store, and the glossary's terms are checked with search's own analysis.

  check_folder(folder, shown=None, today=None) -> CheckResult   # cards, topics, glossary
  import_folder(db, folder, now, shown=None) -> (ImportReport, CheckResult)
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlite_utils import Database

from bot import search
from bot.content import check
from bot.content.check import CheckResult, Progress
from bot.content.model import ContentInvalid, Problem
from bot.store.cards import ImportReport, import_cards


def check_folder(folder: Path | str, shown: str | None = None,
                 today: date | None = None, progress: Progress | None = None) -> CheckResult:
    """Every problem of the folder's cards, topics and glossary (`shown`: how to print its
    path, default as given; `today`: what reviews are judged against). Reads only."""
    folder = Path(folder)
    result = check.check_folder(folder, shown, today, progress)
    base = Path(shown) if shown is not None else folder
    result.problems.extend(_glossary_problems(folder, base))
    return result


def import_folder(db: Database, folder: Path | str, now: datetime,
                  shown: str | None = None, progress: Progress | None = None
                  ) -> tuple[ImportReport, CheckResult]:
    """Check `folder` and load it: the store ends up holding exactly the folder's cards (cards
    whose files are gone are removed), its topic names and its glossary, and the search index
    is rebuilt, all in one transaction (the passages of new or changed cards are embedded for
    the semantic search before it). Raises ContentInvalid (store unchanged) on errors.
    `progress(stage, done, total)`: "check" per file, "embed" per passage embedded (when
    there are any), then "store" for its four steps."""
    result = check_folder(folder, shown, progress=progress)
    if not result.ok:
        raise ContentInvalid(shown or str(folder), result.problems)

    def step(done: int) -> None:
        if progress is not None:
            progress("store", done, 4)

    # the slow part, outside the transaction: passages of new or changed cards
    vectors = search.embed_changed(
        db, result.cards,
        None if progress is None else lambda done, total: progress("embed", done, total))
    step(0)
    step(1)
    with db.atomic():
        report = import_cards(db, result.cards, now, result.topics)
        step(2)
        search.import_glossary(db, Path(folder))
        step(3)
        search.rebuild_index(db, vectors)
    step(4)
    return report, result


def _glossary_problems(folder: Path, base: Path) -> list[Problem]:
    """The glossary's problems, their paths shown under `base` like the cards' ones."""
    found = []
    for err in search.check_glossary(folder):
        path = getattr(err, "path", None) or str(base / check.GLOSSARY_FILE)
        if path and not str(path).startswith(str(base)):
            try:
                path = str(base / Path(path).resolve().relative_to(folder.resolve()))
            except ValueError:
                pass
        found.append(Problem(str(path), getattr(err, "line", 1) or 1,
                             getattr(err, "message", str(err))))
    return found
