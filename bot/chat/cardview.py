"""Moved to `bot.content.cardview` (the rendering; sending is `bot.chatkit.cards.CardSender`);
this name stays importable, as the same module, while other work moves to the new one."""

import sys

from bot.content import cardview

sys.modules[__name__] = cardview
