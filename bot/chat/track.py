"""Engagement events from the chat: ids and categories of the officer, never message texts."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from bot.chatkit.context import ChatContext
from bot.clock import utcnow
from bot.store import events
from bot.store.events import Event, EventType
from bot.store.officers import Officer


class EventFields(TypedDict, total=False):
    """What an event says beyond who did it (the columns of `Event` after `lang`)."""

    card_id: str | None
    campaign_id: int | None
    value: str | None
    count: int | None


def event_for(officer: Officer, type_: EventType, *, at: datetime | None = None,
              **fields: Unpack[EventFields]) -> Event:
    """An event about what this officer did, with their role, region, port and language."""
    return Event(
        type=type_, at=at or utcnow(), officer_id=officer.id, role=str(officer.role),
        region=officer.region, port=officer.port, lang=officer.language, **fields,
    )


async def track(context: ChatContext, type_: EventType, *, officer: Officer | None = None,
                **fields: Unpack[EventFields]) -> None:
    """Record one event for the context's officer (or the one given). A database that refuses
    the write (full disk) is logged: the officer's answer does not depend on it."""
    who = officer or context.officer
    if who is None:
        return
    await context.store.record(events.record, event_for(who, type_, **fields))
