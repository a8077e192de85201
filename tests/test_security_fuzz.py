"""Fuzzing what outsiders can feed the bot: card files (front matter of any shape), button
data, segment expressions and command-line dates. Every input gives an answer or a one-line
refusal, never an exception, and content stays within bounded memory (aliases and sizes are
refused before anything big is built)."""

from __future__ import annotations

import tempfile
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import callbacks
from bot.cli.common import parse_duration
from bot.cli.stats import parse_since
from bot.content.model import Level
from bot.content.parse import KNOWN_KEYS, parse_file
from bot.delivery import campaigns, segments
from bot.errors import InvalidInput

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
MEMORY = 16 * 1024 * 1024  # what one card file may cost to check, at most

YAML_BITS = st.sampled_from([
    "title: ", "kind: ", "practice", "sop", "quiz", "keywords: ", "options: ", "answer: ",
    "question: ", "explanation: ", "summary: ", "version: ", "image: ", "document: ", "topic: ",
    "&a ", "*a", "&b ", "*b", "[", "]", "{", "}", ", ", ": ", "- ", "\n", "  ", "'", '"', "|",
    ">", "!!str ", "!!python/object:os.system ", "<<: ", "? ", "#", "%YAML 1.1\n", "---\n",
    "...\n", "\t", "\\", "é", "\u202e", "\x00", "9" * 30, "1e400", ".inf", "~", "null",
])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
                    st.text(max_size=50))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.text(max_size=10), inner, max_size=6)),
    max_leaves=40)
FRONT_MATTER = st.one_of(
    st.lists(YAML_BITS, max_size=60).map("".join),
    st.dictionaries(st.one_of(st.sampled_from(KNOWN_KEYS), st.text(max_size=20)), VALUES,
                    max_size=12).map(lambda d: yaml.safe_dump(d, allow_unicode=True)),
    st.text(max_size=500),
)


def _bomb(depth: int, width: int) -> str:
    lines = ["a0: &a0 [lol]"]
    for d in range(1, depth + 1):
        lines.append(f"a{d}: &a{d} [" + ", ".join([f"*a{d - 1}"] * width) + "]")
    return "title: x\nkind: practice\n" + "\n".join(lines) + f"\nkeywords: *a{depth}\n"


def _check(front_matter: str, body: str = "Texto.\n"):  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t" / "x.es.md"
        path.parent.mkdir()
        path.write_text(f"---\n{front_matter}\n---\n{body}", encoding="utf-8",
                        errors="surrogatepass")
        tracemalloc.start()
        try:
            translation, problems = parse_file(path, "t", "t/x.es.md", Path(folder))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return translation, problems, peak


@settings(max_examples=250, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(FRONT_MATTER, st.text(max_size=300))
def test_any_front_matter_gives_a_card_or_short_problems_in_bounded_memory(fm, body):
    translation, problems, peak = _check(fm, body)
    errors = [p for p in problems if p.level == Level.ERROR]
    assert (translation is None) == bool(errors) or translation is None
    assert translation is not None or problems
    assert all(p.line >= 1 and len(str(p)) < 500 for p in problems)
    assert peak < MEMORY


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 12), st.integers(1, 12))
def test_alias_bombs_of_any_shape_are_one_refusal(depth, width):
    translation, problems, peak = _check(_bomb(depth, width))
    assert translation is None
    assert len(problems) == 1 and "anchors and aliases" in problems[0].message
    assert peak < MEMORY


# --- button data ------------------------------------------------------------------------------

@given(st.one_of(st.text(max_size=300), st.binary(max_size=100).map(
    lambda b: b.decode("utf-8", "surrogateescape"))))
def test_any_button_data_decodes_to_an_action_or_none(data):
    decoded = callbacks.decode(data)
    assert decoded is None or isinstance(decoded, callbacks.Callback)


@given(st.sampled_from(["open", "fb", "quiz", "ack", "leave", "topics", "page"]),
       st.lists(st.text(max_size=20), max_size=4))
def test_forged_data_built_from_real_action_names_never_raises(action, args):
    callbacks.decode(":".join(["v1", action, *args]))


# --- segments -----------------------------------------------------------------------------------

SEGMENT_BITS = st.sampled_from(["role=", "region=", "port=", "lang=", "tz=", "officer", "comms",
                                "norte", "sur", "es", "en", "America/Tijuana", ",", " ", "=",
                                "all", "todos", "ñ", "../", "=HYPERLINK(", "\t", "\n", "x" * 60])


@given(st.one_of(st.lists(SEGMENT_BITS, max_size=20).map("".join), st.text(max_size=120)))
def test_any_segment_parses_or_is_refused_in_one_line(text):
    try:
        seg = segments.parse(text)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert segments.parse(str(seg)) == seg  # the canonical text means the same segment


# --- command-line dates ---------------------------------------------------------------------------

DATES = st.one_of(
    st.text(max_size=40),
    st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)).map(
        lambda d: d.isoformat(timespec="minutes")),
    st.dates().map(lambda d: d.isoformat()),
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2})?\Z"),
)


@given(DATES)
def test_any_at_is_a_time_ahead_within_ten_years_or_a_one_line_error(text):
    try:
        when = campaigns.parse_when(text, default_tz="America/Mexico_City", now=NOW)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert when.tzinfo is not None
    assert when.year <= NOW.year + campaigns.MAX_YEARS_AHEAD + 1


@given(DATES)
def test_any_series_date_is_a_day_or_a_one_line_error(text):
    try:
        day = campaigns.parse_date(text, "--start", NOW)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert campaigns.MIN_YEAR <= int(day[:4]) <= NOW.year + campaigns.MAX_YEARS_AHEAD


@given(DATES)
def test_any_since_is_a_day_or_a_one_line_error(text):
    try:
        since = parse_since(text)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert since is not None and since.isoformat().endswith("T00:00:00+00:00")
    assert 2000 <= since.year <= NOW.year + 11


@given(st.one_of(st.text(max_size=20), st.from_regex(r"\A[0-9]{1,30}[smhdwx]\Z")))
def test_any_duration_is_bounded_or_a_one_line_error(text):
    try:
        duration = parse_duration(text)
    except InvalidInput as exc:
        assert "\n" not in str(exc)
        return
    assert 0 < duration.total_seconds() <= 3650 * 86400


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30"])
def test_since_at_the_ends_of_the_calendar_is_a_one_line_error(text):
    with pytest.raises(InvalidInput) as refused:
        parse_since(text)  # year 1 would count 105,000 weeks one by one
    assert "\n" not in str(refused.value)
