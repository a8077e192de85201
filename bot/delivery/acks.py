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
from bot.store.delivery import StaleAck, Unacknowledged

DEFAULT_ACK_DAYS = 7


def version_tag(version: str) -> str:
    """The same short tag the card view puts on its "read and understood" button."""
    return hashlib.sha256(str(version).encode("utf-8")).hexdigest()[:10]


def reask_sends(rows: Iterable[StaleAck], now: datetime, *,
                quiet: QuietHours = QUIET) -> list[Send]:
    """Stale acknowledgements -> re-ask sends."""
    return [Send(r.officer_id, f"ack:{r.card_id}:{version_tag(r.version)}", r.card_id,
                 "ack_reask", after_quiet_hours(now, r.timezone, quiet))
            for r in rows]


def reminder_sends(rows: Iterable[Unacknowledged], now: datetime, *,
                   quiet: QuietHours = QUIET) -> list[Send]:
    """SOPs not acknowledged in time -> one reminder each."""
    return [Send(r.officer_id, f"ackrem:{r.card_id}:{version_tag(r.version)}", r.card_id,
                 "ack_reminder", after_quiet_hours(now, r.timezone, quiet), r.campaign_id)
            for r in rows]
