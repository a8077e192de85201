"""Moved to `bot.chatkit.cardview` (delivery uses it too, and may not import the chat package);
this name stays importable, as the same module, while other work moves to the new one."""

import sys

from bot.chatkit import cardview

sys.modules[__name__] = cardview
