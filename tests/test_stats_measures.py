"""The measures table (bot.store.stats.MEASURES) is the one place the figures are declared:
the SQL sums, the weekly rows, the CSV header and the exports page's headings come from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.store import stats
from bot.store.filters import EVENTS, OFFICERS, QUERY_TEXTS, Filters, where
from bot.store.stats import EXPORT, MEASURES, WEEKLY, WEEKLY_COLUMNS
from bot.web.labels import LABELS
from tests.stats_seed import NOW, seed

STATS_SOURCE = Path(stats.__file__).read_text(encoding="utf-8")


def exported() -> list[str]:
    return [m.views[EXPORT] for m in MEASURES if EXPORT in m.views]


def test_the_csv_header_is_the_week_and_region_then_the_exported_measures_in_table_order():
    assert WEEKLY_COLUMNS == ["week", "week_start", "region", *exported()]


def test_the_exports_page_heads_exactly_the_csv_columns_with_the_tables_labels():
    assert list(LABELS["column"]) == WEEKLY_COLUMNS
    for m in MEASURES:
        if EXPORT in m.views:
            assert LABELS["column"][m.views[EXPORT]] == m.label


def test_the_sql_sums_are_written_once_and_generated_for_every_count_of_a_view():
    assert STATS_SOURCE.count("coalesce(sum(") == 1  # in `sums`, nowhere else
    generated = stats.sums(WEEKLY)
    counts = [(name, m) for name, m in stats.in_view(WEEKLY) if m.sql]
    assert re.findall(r"AS \[(\w+)\]", generated) == [name for name, _m in counts]
    for _name, m in counts:
        assert f"sum({m.sql})" in generated


def test_a_share_is_made_of_counts_its_views_also_show():
    for m in MEASURES:
        for view in set(m.views) - {EXPORT} if m.of else ():
            for part in m.of:
                assert view in stats.BY_NAME[part].views, (m.name, view, part)


def test_the_csv_columns_are_weekly_measures_under_the_same_name():
    for m in MEASURES:
        if EXPORT in m.views:
            assert m.views[EXPORT] == m.views[WEEKLY]


@pytest.fixture
def seeded(store):
    seed(store.db)
    return store


def test_a_weekly_row_holds_exactly_the_weekly_measures(seeded):
    rows = stats.weekly(seeded.db, Filters(), now=NOW)
    names = {name for name, _m in stats.in_view(WEEKLY)}
    assert rows and all(set(r) == {"week", "monday", "region", *names} for r in rows)


def test_each_weekly_count_adds_up_to_its_sql_over_all_events(seeded):
    rows = stats.weekly(seeded.db, Filters(), now=NOW)
    for name, m in stats.in_view(WEEKLY):
        if m.sql:
            (expected,) = seeded.db.execute(
                f"SELECT count(*) FROM events e WHERE {m.sql}").fetchone()
            assert sum(r[name] for r in rows) == expected, name


def test_the_csv_rows_carry_the_csv_columns_in_order(seeded):
    rows = stats.weekly_report(seeded.db, Filters(), now=NOW)
    assert rows and all(list(r) == WEEKLY_COLUMNS for r in rows)


def test_one_filter_builder_compares_each_table_by_its_own_columns():
    since = datetime(2026, 3, 2, tzinfo=UTC)
    until = datetime(2026, 3, 9, 12, tzinfo=UTC)
    f = Filters(region="norte", lang="es", campaign_id=3, since=since, until=until)
    assert where(f, EVENTS, "e") == (
        "e.region = ? AND e.lang = ? AND e.campaign_id = ? AND e.at >= ? AND e.at < ?",
        ["norte", "es", 3, "2026-03-02T00:00:00+00:00", "2026-03-09T12:00:00+00:00"])
    # officers: counted as enrolled now, in their own language column, with no campaign
    assert where(f, OFFICERS, "o") == ("o.region = ? AND o.language = ?", ["norte", "es"])
    # query texts: no person, region or campaign; a day, counted until the day `until` falls in
    assert where(f, QUERY_TEXTS) == ("lang = ? AND day >= ? AND day <= ?",
                                     ["es", "2026-03-02", "2026-03-09"])
    assert where(Filters(until=since), QUERY_TEXTS) == ("day < ?", ["2026-03-02"])
    assert where(Filters(), EVENTS) == ("1", [])
