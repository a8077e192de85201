"""`/panel`: a one-time sign-in link to the web app, for comms and admin people only.

The link (`<public web url>/login/<token>`) works once, for `bot.store.web.LOGIN_TTL`; only the
token's hash is stored. Officers get a short answer and no link. This module also keeps the
time of the last update the bot handled, for the web app's `/healthz`.
"""

from __future__ import annotations

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.ext import Application, TypeHandler

from bot.chatkit.commands import command_handlers
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.ui import esc
from bot.clock import utcnow
from bot.store import web as web_store
from bot.store.officers import Officer

LAST_UPDATE_KEY = "pregonero.last_update_at"
TRACK_GROUP = -2  # before the enrollment gate, so every update counts


def login_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/login/{token}"


@requires_officer
async def panel(update: Update, context: ChatContext, officer: Officer) -> None:
    """Send a comms or admin person a one-time sign-in link to the web app."""
    chat = update.effective_chat
    if chat is None:
        return
    _ = context._
    if not officer.can_manage_content:
        await chat.send_message(_("The web panel is for the comms team and administrators."))
        return
    token = await context.store.run(web_store.create_login_token, officer.id, now=utcnow())
    url = login_url(context.settings.public_web_url, token)
    minutes = int(web_store.LOGIN_TTL.total_seconds() // 60)
    text = _("Your sign-in link to the web panel. It works once, for %(minutes)s minutes; "
             "do not share it.") % {"minutes": minutes}
    await chat.send_message(f"{esc(text)}\n\n{esc(url)}", parse_mode=ParseMode.HTML,
                            link_preview_options=LinkPreviewOptions(is_disabled=True))


async def track_update(update: Update, context: ChatContext) -> None:
    """Remember when the bot last received an update (shown by /healthz)."""
    context.application.bot_data[LAST_UPDATE_KEY] = utcnow()


def register(application: Application) -> None:
    """Add /panel (group 0) and the last-update tracker (group -2)."""
    application.add_handler(TypeHandler(Update, track_update, block=False), group=TRACK_GROUP)
    application.add_handlers(command_handlers({"panel": panel}))
