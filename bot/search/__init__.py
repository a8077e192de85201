"""Search officers' questions against the cards (see docs/architecture.md).

Public interface (used by the content importer, the CLI and the bot):
  search(db, query, lang, limit=5) -> SearchOutcome
  rebuild_index(db) -> None                 # after cards or glossary change
  check_glossary(folder) -> list[ContentError]
  import_glossary(db, folder) -> list[ContentError]
"""
