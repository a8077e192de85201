"""Read-and-understood follow-ups for SOP cards. Pure decisions over rows the store gives.

- Re-ask: when an SOP's version changes, every active officer who acknowledged an older version
  (and not the new one) gets the card again with "Updated procedure: please read it and confirm
  again" (outbox key `ack:<card>:<version tag>`, once per version).
- Reminder: an officer who received an SOP and has not acknowledged its current version after
  N days (the campaign's `--ack-days`, else `DEFAULT_ACK_DAYS`) gets one reminder (key
  `ackrem:<card>:<version tag>`, once per version).

Both go through the outbox like every other send: quiet hours, rate limits, outcomes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from bot.delivery.planner import Send
from bot.delivery.timezones import QUIET, QuietHours, after_quiet_hours

DEFAULT_ACK_DAYS = 7


def version_tag(version: str) -> str:
    """The same short tag the card view puts on its "read and understood" button."""
    return hashlib.sha256(str(version).encode("utf-8")).hexdigest()[:10]


def reask_sends(rows: Iterable[tuple[int, str, str, str]], now: datetime, *,
                quiet: QuietHours = QUIET) -> list[Send]:
    """Rows (officer, card, version, tz) of stale acknowledgements -> re-ask sends."""
    return [Send(officer, f"ack:{card}:{version_tag(version)}", card, "ack_reask",
                 after_quiet_hours(now, tz, quiet))
            for officer, card, version, tz in rows]


def reminder_sends(rows: Iterable[tuple[int, str, str, str, int | None]], now: datetime, *,
                   quiet: QuietHours = QUIET) -> list[Send]:
    """Rows (officer, card, version, tz, campaign) not acknowledged in time -> one reminder."""
    return [Send(officer, f"ackrem:{card}:{version_tag(version)}", card, "ack_reminder",
                 after_quiet_hours(now, tz, quiet), campaign)
            for officer, card, version, tz, campaign in rows]
