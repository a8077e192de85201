"""What every chat area (`bot.chat`, the chat side of `bot.delivery`) builds on, so that no
area imports another: the typed handler context, replies, the command table and sending a card.

  context    ChatContext (store, settings, officer, lang, _, cards) and CONTEXT_TYPES
  ui         esc, bilingual, short_label, reply, answer, button_handler(routes)
  commands   the table of commands: menus, /ayuda, handler names
  cards      CardSender: sends a rendered card (bot.content.cardview), file_id cache

Buttons and keyboards are `bot.callbacks.button` and `bot.callbacks.keyboard`.
"""
