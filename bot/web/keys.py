"""Typed state of the web app (`app[keys.STORE]`...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from telegram.ext import Application

from bot.config import Settings
from bot.store import Store
from bot.store.web import Session

if TYPE_CHECKING:
    from bot.web.views.content import CheckCache

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
# The python-telegram-bot Application, or None when the web app runs without the bot.
APPLICATION: web.AppKey[Application[Any, Any, Any, Any, Any, Any] | None] = web.AppKey(
    "application")
CLOCK: web.AppKey[Callable[[], datetime]] = web.AppKey("clock")

# Per request: the signed-in person's session (None when signed out), set by `auth`.
SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
# The overview's figures for a minute, per filters and language (see views/overview.py):
# (filters, period, language) -> (when counted, figures).
OVERVIEW_CACHE: web.AppKey[dict[tuple[object, ...], tuple[datetime, dict[str, Any]]]] = (
    web.AppKey("overview_cache"))
# The content check's last result, by folder fingerprint (see views/content.py).
CONTENT_CHECK: web.AppKey[CheckCache] = web.AppKey("content_check")
