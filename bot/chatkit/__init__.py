"""What every chat area (`bot.chat`, the chat side of `bot.delivery`) builds on, so that no
area imports another: the typed handler context, replies and keyboards, the command table and
a card as a Telegram message.

  context    ChatContext (store, settings, officer, lang, _) and CONTEXT_TYPES
  ui         esc, bilingual, button, keyboard, reply, answer, button_handler(routes)
  commands   the table of commands: menus, /ayuda, handler names
  cardview   render_card (pure) and send_card (with the file_id cache)
"""
