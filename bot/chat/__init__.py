"""The Telegram bot: `app.build_application(settings, store)` and its handlers.

Follow a name from the factory down: `app` wires everything; `gate` (handler group -1) lets
only officers through; `commands` is the one table of commands (menus, /ayuda, README);
`start`, `help`, `searching`, `topics`, `opening`, `feedback`, `quiz`, `ack`, `language`,
`leave` answer one thing each; `cardview` renders and sends a card (also for the delivery
engine); `errors` is the one error handler; `fallbacks` answers what nothing else does.
`panel` (the web engineer's) sends sign-in links to the web app.
"""
