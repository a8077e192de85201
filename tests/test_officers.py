"""Invites enroll people once each; expired, used-up, revoked and unknown codes say why."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.store import Store, officers
from bot.store.events import Event, EventType, record

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
LATER = datetime(2026, 12, 30, 12, tzinfo=UTC)


def _enroll(store: Store, user: int, code: str, now: datetime = NOW):
    return officers.enroll(store.db, user, code, language="es",
                           timezone="America/Mexico_City", now=now)


def test_a_valid_code_enrolls_with_the_invite_role_and_place(store: Store) -> None:
    inv = officers.create_invite(store.db, role=officers.Role.COMMS, region="norte",
                                 port="tijuana", now=NOW)
    result, officer = _enroll(store, 10, inv.code)
    assert result == officers.EnrollResult.ENROLLED
    assert officer is not None and officer.role == officers.Role.COMMS
    assert (officer.region, officer.port) == ("norte", "tijuana")
    assert _enroll(store, 10, inv.code)[0] == officers.EnrollResult.ALREADY
    assert officers.get_invite(store.db, inv.code).uses == 1


def test_unusable_codes_are_refused_with_their_reason(store: Store) -> None:
    once = officers.create_invite(store.db, max_uses=1, now=NOW)
    expiring = officers.create_invite(store.db, expires_at=datetime(2026, 12, 1, tzinfo=UTC),
                                       now=NOW)
    revoked = officers.create_invite(store.db, now=NOW)
    officers.revoke_invite(store.db, revoked.code, now=NOW)
    assert _enroll(store, 1, once.code)[0] == officers.EnrollResult.ENROLLED
    assert _enroll(store, 2, once.code) == (officers.EnrollResult.USED_UP, None)
    assert _enroll(store, 3, expiring.code, LATER) == (officers.EnrollResult.EXPIRED, None)
    assert _enroll(store, 4, revoked.code) == (officers.EnrollResult.REVOKED, None)
    assert _enroll(store, 5, "nope") == (officers.EnrollResult.UNKNOWN, None)
    assert officers.get_officer(store.db, 2) is None


def test_leaving_keeps_history_and_a_new_code_brings_the_officer_back(store: Store) -> None:
    inv = officers.create_invite(store.db, now=NOW)
    _enroll(store, 7, inv.code)
    officers.leave(store.db, 7, now=NOW)
    assert officers.active_officer(store.db, 7) is None
    assert _enroll(store, 7, inv.code)[0] == officers.EnrollResult.REJOINED


def test_forgetting_deletes_the_person_and_detaches_their_events(store: Store) -> None:
    inv = officers.create_invite(store.db, region="sur", now=NOW)
    _enroll(store, 8, inv.code)
    record(store.db, Event(EventType.ENROLLED, NOW, officer_id=8, region="sur"))
    officers.forget(store.db, 8)
    assert officers.get_officer(store.db, 8) is None
    rows = list(store.db.query("SELECT officer_id, region FROM events"))
    assert rows == [{"officer_id": None, "region": "sur"}]


def test_configured_admins_become_active_admins(store: Store) -> None:
    admin = officers.ensure_admin(store.db, 99, language="en", timezone="UTC", now=NOW)
    assert admin.role == officers.Role.ADMIN and admin.active
