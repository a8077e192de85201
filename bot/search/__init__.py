"""Search officers' questions against the cards (see docs/architecture.md).

Public interface (used by `bot.library`, the CLI and the bot):
  search(db, query, lang, limit=5) -> SearchOutcome   # never raises; blocks on the model
  await search_async(store.run, query, lang, limit)   # the bot: the model off the loop
  await warm_async(store.run)               # at start-up: index, vectors and model, off the loop
  embed_changed(db, cards) -> vectors       # before an import's transaction (slow part)
  rebuild_index(db, vectors=None) -> None   # after cards or glossary change
  check_glossary(folder) -> list[ContentError]
  import_glossary(db, folder) -> list[ContentError]

Modules: analyze (folding, stop words, stemming), glossary (terms as data), correct (typos),
index (cards -> analysed index and passages), semantic (the embedding model and the passage
vectors), fusion (the learned combination of both layers), context (what is kept in memory
per database), query (what a query means: concepts and weights), engine (which cards answer
it), gaps (glossary suggestions from zero-result searches). SQL: bot/store/search.py.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlite_utils import Database

from bot.errors import ContentError
from bot.search import glossary
from bot.search.engine import Hit, SearchOutcome, search, search_async, warm_async
from bot.search.index import embed_missing, rebuild
from bot.store import search as store

__all__ = ["Hit", "SearchOutcome", "check_glossary", "embed_changed", "import_glossary",
           "rebuild_index", "search", "search_async", "warm_async"]


def rebuild_index(db: Database, vectors: dict[str, bytes] | None = None) -> None:
    """Rebuild the search index from the cards tables (`bot.library.import_folder` calls
    this), with the passage vectors from `embed_changed` (missing ones are embedded here)."""
    rebuild(db, vectors)


def embed_changed(db: Database, cards: list | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, bytes]:
    """Passage vectors the next `rebuild_index` needs and the store lacks (the passages of
    new or changed cards), computed outside any transaction and saved as they are computed
    (an interrupted import resumes); `cards` are ParsedCards about to be imported (default:
    the stored cards); `progress(done, total)` counts passages. Empty without the model."""
    rows = None
    if cards is not None:
        rows = [{"card_id": c.id, "lang": lang, "title": t.title, "summary": t.summary,
                 "keywords": list(t.keywords), "body_text": t.body_text}
                for c in cards for lang, t in c.translations.items()]
    return embed_missing(db, rows, progress)


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
