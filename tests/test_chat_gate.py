"""The enrollment gate's decision: officers pass, /start <code> passes, everyone else is refused."""

from __future__ import annotations

import pytest

from bot.chat.gate import Decision, decide, membership_change, start_code


@pytest.mark.parametrize(("kind", "code", "expected"), [
    ("message", None, Decision.REFUSE_MESSAGE),
    ("command", None, Decision.REFUSE_MESSAGE),
    ("command", "abc", Decision.PASS),
    ("message", "abc", Decision.PASS),  # an invitation link pasted as text
    ("callback", None, Decision.REFUSE_TAP),
    ("my_chat_member", None, Decision.DROP),
    ("other", None, Decision.DROP),
])
def test_someone_not_enrolled_only_gets_through_with_an_invite_code(
        kind: str, code: str | None, expected: Decision) -> None:
    assert decide(private=True, is_officer=False, kind=kind, code=code) == expected


@pytest.mark.parametrize("kind", ["message", "command", "callback", "my_chat_member", "other"])
def test_an_officer_always_gets_through(kind: str) -> None:
    assert decide(private=True, is_officer=True, kind=kind, code=None) == Decision.PASS


def test_group_chats_are_ignored_even_for_officers() -> None:
    assert decide(private=False, is_officer=True, kind="message", code=None) == Decision.DROP


@pytest.mark.parametrize(("text", "code"), [
    ("/start abc_DEF-12", "abc_DEF-12"),
    ("/start@PregoneroBot abc", "abc"),
    ("/start", None),
    ("/start   ", None),
    ("/temas abc", None),
    ("start abc", None),
    (None, None),
    ("https://t.me/PregoneroBot?start=Xy7_a-B", "Xy7_a-B"),
    ("me mandaron esto t.me/PregoneroBot?start=abc123 gracias", "abc123"),
    ("/temas https://t.me/PregoneroBot?start=abc", None),
    ("https://t.me/PregoneroBot", None),
])
def test_the_invite_code_is_read_from_start(text: str | None, code: str | None) -> None:
    assert start_code(text) == code


@pytest.mark.parametrize(("old", "new", "change"), [
    ("member", "kicked", "blocked"),
    ("kicked", "member", "unblocked"),
    ("member", "member", None),
    ("left", "member", None),
])
def test_blocking_and_unblocking_the_bot_are_recognised(old: str, new: str,
                                                        change: str | None) -> None:
    assert membership_change(old, new) == change
