"""Content cards: Markdown files in `messages/<topic>/<id>.<lang>.md` (README: Writing content).

  model     ParsedCard, ParsedTranslation, Quiz, Material, Problem, ContentInvalid
  parse     parse_file(path, topic_folder, shown, root) -> (ParsedTranslation | None, problems)
  render    render_html(md), render_text(md), telegram_length(html), card_message_html(...)
  check     check_folder(folder, shown=None) -> CheckResult

The store side (tables, get_card, list_topics, ...) is `bot.store.cards`; checking a folder with
its glossary and importing it is `bot.library`. This package imports neither.
"""
