"""Search officers' questions against the cards (see docs/architecture.md).

Public interface (used by the content importer, the CLI and the bot):
  search(db, query, lang, limit=5) -> SearchOutcome
  rebuild_index(db) -> None                 # after cards or glossary change
  check_glossary(folder) -> list[ContentError]
  import_glossary(db, folder) -> list[ContentError]
"""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from bot.errors import ContentError


def rebuild_index(db: Database) -> None:
    """Rebuild the search index from the cards table (placeholder until search lands)."""


def check_glossary(folder: Path) -> list[ContentError]:
    """Validate `glossary.yml` at the root of a content folder (placeholder)."""
    return []


def import_glossary(db: Database, folder: Path) -> list[ContentError]:
    """Store the content folder's glossary (placeholder)."""
    return []
