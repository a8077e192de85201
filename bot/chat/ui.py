"""Moved to `bot.chatkit.ui` (delivery uses it too, and may not import the chat package);
this name stays importable, as the same module, while other work moves to the new one."""

import sys

from bot.chatkit import ui

sys.modules[__name__] = ui
