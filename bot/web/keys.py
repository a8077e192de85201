"""Typed state of the web app (`app[keys.STORE]`...)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.config import Settings
from bot.store import Store

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
APPLICATION = web.AppKey("application", Any)  # the python-telegram-bot Application, or None
CLOCK = web.AppKey("clock", Callable[[], datetime])
STARTED = web.AppKey("started", datetime)

# Per request: the signed-in person's session (None when signed out), set by `auth`.
SESSION = web.RequestKey("session", Any)
# The overview's figures for a minute, per filters and language (see views/overview.py).
OVERVIEW_CACHE = web.AppKey("overview_cache", dict)
# The content check's last result, by folder fingerprint (see views/content.py).
CONTENT_CHECK = web.AppKey("content_check", Any)
