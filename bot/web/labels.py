"""Display names for values stored as codes (statuses, weekdays, roles, kinds), as msgids."""

from __future__ import annotations

from bot.i18n import N_
from bot.store.stats import COLUMN_LABELS

LABELS: dict[str, dict[str, str]] = {
    "status": {
        "scheduled": N_("scheduled"), "active": N_("active"), "sending": N_("sending"),
        "paused": N_("paused"), "cancelled": N_("cancelled"), "done": N_("done"),
    },
    "day": {
        "mon": N_("Monday"), "tue": N_("Tuesday"), "wed": N_("Wednesday"),
        "thu": N_("Thursday"), "fri": N_("Friday"), "sat": N_("Saturday"), "sun": N_("Sunday"),
    },
    "role": {"officer": N_("officer"), "comms": N_("comms"), "admin": N_("admin")},
    "kind": {"sop": N_("SOP"), "practice": N_("good practice"), "quiz": N_("knowledge check"),
             "contact": N_("contact")},
    # why a card is due for review (bot.content.check.Due.reason)
    "due": {"pending": N_("awaiting expert sign-off"), "stale": N_("review over a year old"),
            "missing": N_("no review recorded"), "verify": N_("phone and website to verify")},
    # The weekly CSV's columns, as the exports page heads them (from the measures table).
    "column": COLUMN_LABELS,
    "invite": {
        "active": N_("active"), "expired": N_("expired"), "used_up": N_("used up"),
        "revoked": N_("revoked"), "unknown": N_("unknown"),
    },
}


def label(group: str, value: object) -> str:
    """The msgid for a stored code (translate it with `_()`), or the code itself."""
    text = "" if value is None else str(value)
    return LABELS.get(group, {}).get(text, text)
