"""The admin and comms web app (aiohttp, server-rendered): `bot.web.app.init_app`.

Modules: `app` (factory and routes), `auth` (session cookie, roles), `csrf`, `middlewares`
(the one error middleware), `render` (templates per language), `charts` (SVG), `labels`,
`telegram_html` (preview bubbles), `views/` (one module per page).
"""
