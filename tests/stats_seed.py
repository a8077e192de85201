"""A seeded store for the stats and web tests: officers and events across weeks and regions.

Regions: norte has 6 officers (5 active, 1 left), sur has 3 (under the privacy threshold),
centro has 5 comms/admin/officer people. Weeks: 2026-W10 (2 Mar) to 2026-W12 (16 Mar).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from bot.clock import iso
from bot.store import events
from bot.store.events import Event, EventType

W10 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday of ISO week 10
NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)  # Wednesday of week 12
ADMIN_ID = 900
COMMS_ID = 901

PEOPLE = (
    # id, region, port, role, language, status
    [(100 + i, "norte", "tijuana", "officer", "es", "active") for i in range(5)]
    + [(105, "norte", "tijuana", "officer", "en", "left")]
    + [(200 + i, "sur", "tapachula", "officer", "es", "active") for i in range(3)]
    + [(300 + i, "centro", "aicm", "officer", "es", "active") for i in range(3)]
    + [(ADMIN_ID, "centro", "aicm", "admin", "es", "active"),
       (COMMS_ID, "centro", "aicm", "comms", "en", "active")]
)


def seed(db: Database) -> None:
    for pid, region, port, role, lang, status in PEOPLE:
        db["officers"].insert({
            "id": pid, "language": lang, "role": role, "region": region, "port": port,
            "timezone": "America/Mexico_City", "status": status, "reminders_paused": 0,
            "enrolled_at": iso(W10 - timedelta(days=3)),
            "left_at": iso(W10 + timedelta(days=9)) if status == "left" else None,
        })
    person = {p[0]: p for p in PEOPLE}

    def ev(kind: EventType, pid: int, at: datetime, **kw: object) -> None:
        _, region, port, role, lang, _ = person[pid]
        events.record(db, Event(kind, at, officer_id=pid, role=role, region=region,
                                port=port, lang=lang, **kw))

    norte = [100, 101, 102, 103, 104]
    for week in range(3):
        start = W10 + timedelta(weeks=week)
        for pid in [*norte, 200, 201, 202, 300, 301, 302]:
            ev(EventType.DELIVERED, pid, start, card_id="trato-digno", campaign_id=1)
        # norte: all five active each week
        for pid in norte:
            ev(EventType.QUERY, pid, start + timedelta(hours=1), count=3)
            ev(EventType.CARD_OPENED, pid, start + timedelta(hours=2), card_id="trato-digno")
        ev(EventType.QUERY, 100, start + timedelta(hours=3), count=0)
        ev(EventType.FEEDBACK, 100, start + timedelta(hours=4), card_id="trato-digno",
           value="useful")
        ev(EventType.FEEDBACK, 101, start + timedelta(hours=4), card_id="nna",
           value="not_useful")
        ev(EventType.QUIZ_ANSWER, 102, start + timedelta(hours=5), card_id="quiz-1",
           value="correct")
        ev(EventType.QUIZ_ANSWER, 103, start + timedelta(hours=5), card_id="quiz-1",
           value="wrong")
        # sur: two active people
        ev(EventType.QUERY, 200, start + timedelta(hours=1), count=0)
        ev(EventType.CARD_OPENED, 201, start + timedelta(hours=2), card_id="nna")
    ev(EventType.QUERY, 300, W10 + timedelta(weeks=1, hours=1), count=2)  # centro: 1 active
    ev(EventType.CARD_OPENED, 300, W10 + timedelta(weeks=1, hours=2), card_id="quiz-1")
    ev(EventType.FAILED, 300, W10 + timedelta(weeks=2), card_id="trato-digno", campaign_id=1)
    ev(EventType.BLOCKED, 301, W10 + timedelta(weeks=2), card_id="trato-digno", campaign_id=1)
    # read-and-understood of SOP nna, version abc: three in norte, one in sur
    for pid in (100, 101, 102, 200):
        ev(EventType.ACK, pid, W10 + timedelta(days=1), card_id="nna", value="abc")
    # asked with no result 5 times (listed as a content gap), and once (too few: hidden)
    for text, results in [("visa humanitaria", 0), ("visa humanitaria", 0),
                          ("visa humanitaria", 0), ("Visa  humanitaria", 0),
                          ("humanitaria visa", 0), ("comar cita", 0), ("nna", 4)]:
        events.log_query(db, normalized=text, results=results, lang="es", region="norte",
                         at=W10 + timedelta(days=2))
