"""Search officers' questions against the cards (see docs/architecture.md).

Public interface (used by `bot.library`, the CLI and the bot):
  search(db, query, lang, limit=5) -> SearchOutcome   # never raises
  rebuild_index(db) -> None                 # after cards or glossary change
  check_glossary(folder) -> list[ContentError]
  import_glossary(db, folder) -> list[ContentError]

Modules: analyze (folding, stop words, stemming), glossary (terms as data), correct (typos),
index (cards -> analysed index), context (what is kept in memory per database), query (what a
query means: concepts and weights), engine (which cards answer it). SQL: bot/store/search.py.
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.errors import ContentError
from bot.search import glossary
from bot.search.engine import Hit, SearchOutcome, search
from bot.search.index import rebuild
from bot.store import search as store

__all__ = ["Hit", "SearchOutcome", "check_glossary", "import_glossary", "rebuild_index",
           "search"]


def rebuild_index(db: Database) -> None:
    """Rebuild the search index from the cards tables (`bot.library.import_folder` calls this)."""
    rebuild(db)


def check_glossary(folder: Path) -> list[ContentError]:
    """Problems in `glossary.yml` at the root of a content folder, as `path:line: message`."""
    return glossary.check_folder(Path(folder))


def import_glossary(db: Database, folder: Path) -> list[ContentError]:
    """Store the content folder's glossary (it extends the base one); nothing on errors."""
    path = Path(folder) / glossary.FILENAME
    if not path.is_file():
        store.replace_glossary(db, [])
        return []
    entries, errors = glossary.load_file(path)
    if errors:
        return errors
    store.replace_glossary(db, [(glossary.FILENAME, e.line, {k: list(v) for k, v in
                                                             e.terms.items()})
                                for e in entries])
    return []
