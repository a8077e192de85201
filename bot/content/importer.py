"""Import a content folder into the store: check it, refuse it on errors, else load it atomically.

The store ends up holding exactly the folder's cards (cards whose files are gone are removed),
its topic names and its glossary; the search index is rebuilt in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from bot import search
from bot.content.check import CheckResult, check_folder
from bot.content.model import ContentInvalid
from bot.store.cards import ImportReport, import_cards


def import_folder(db: Database, folder: Path | str, now: datetime | str,
                  shown: str | None = None) -> tuple[ImportReport, CheckResult]:
    """Check `folder` and load it; raises ContentInvalid (store unchanged) when it has errors."""
    result = check_folder(folder, shown)
    if not result.ok:
        raise ContentInvalid(shown or str(folder), result.problems)
    with db.atomic():
        report = import_cards(db, result.cards, now, result.topics)
        search.import_glossary(db, Path(folder))
        search.rebuild_index(db)
    return report, result
