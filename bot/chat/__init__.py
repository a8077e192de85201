"""The Telegram bot: `app.build_application(settings, store, areas)` and its handlers.

Follow a name from the factory down: `app` wires the gate, the areas the runtime gives it and
the fallbacks; `gate` (handler group -1) lets only officers through; `start`, `help`,
`searching`, `topics`, `opening`, `feedback`, `quiz`, `ack`, `language`, `leave`, `directory`
answer one thing each; `errors` is the one error handler; `fallbacks` answers what nothing
else does; `panel` sends sign-in links to the web app. What these handlers build on (context,
replies, the command table, sending cards) is `bot.chatkit`; how a card looks is
`bot.content.cardview`.
"""
