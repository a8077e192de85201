"""Aggregate figures for `pregonero stats`, the web overview and the CSV export.

Everything is counted from `officers` (who is enrolled now), `events` (what happened, with
the person's role, region, port and language at the time) and `query_texts` (normalised query
texts per day, without any person or region). Nothing here returns a person id.

Weeks are ISO weeks (Monday to Sunday, UTC). Reporting rows for a region or any other group
of fewer than `MIN_GROUP` officers are suppressed (see `suppress`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlite_utils import Database

from bot.store import events
from bot.store.cards import fold

MIN_GROUP = 5
SUPPRESSED = "<5"
UNASSIGNED = "unassigned"
# Event types that show a person used the bot in a week (their "active" weeks).
# Questions are not among them: a `query` event carries no person (see `bot.store.events`).
INTERACTIONS = ("card_opened", "feedback", "quiz_answer", "ack")

WEEKLY_COLUMNS = [
    "week", "week_start", "region", "officers_enrolled", "officers_active",
    "reminders_delivered", "opens", "useful", "not_useful", "queries", "zero_result",
    "quiz_correct_share", "acks",
]
# Cells that describe what the active officers did: blanked when fewer than 5 were active.
_ACTIVITY_COLUMNS = ("opens", "useful", "not_useful", "queries", "zero_result",
                     "quiz_correct_share", "acks")


@dataclass(frozen=True)
class Filters:
    """Who and when to count. Times are ISO strings (UTC); None means no limit."""

    region: str | None = None
    port: str | None = None
    role: str | None = None
    lang: str | None = None
    since: str | None = None
    until: str | None = None

    def without_period(self) -> Filters:
        return replace(self, since=None, until=None)


def _event_where(f: Filters, alias: str = "e") -> tuple[str, list[object]]:
    clauses, args = [], []
    for column, value in (("region", f.region), ("port", f.port), ("role", f.role),
                          ("lang", f.lang)):
        if value:
            clauses.append(f"{alias}.{column} = ?")
            args.append(value)
    if f.since:
        clauses.append(f"{alias}.at >= ?")
        args.append(f.since)
    if f.until:
        clauses.append(f"{alias}.at < ?")
        args.append(f.until)
    return (" AND ".join(clauses) or "1"), args


def _officer_where(f: Filters, alias: str = "o") -> tuple[str, list[object]]:
    clauses, args = [], []
    for column, value in (("region", f.region), ("port", f.port), ("role", f.role),
                          ("language", f.lang)):
        if value:
            clauses.append(f"{alias}.{column} = ?")
            args.append(value)
    return (" AND ".join(clauses) or "1"), args


def small_group(db: Database, f: Filters) -> bool:
    """True when the people the page describes (all of them, or those the filters region,
    port, role and language keep) are 1-4: their figures, and the searches of the gaps list,
    would describe individuals. The same rule with and without filters."""
    where, args = _officer_where(f)
    n = next(iter(db.query(f"SELECT count(*) AS n FROM officers o WHERE {where}", args)))["n"]
    return 0 < n < MIN_GROUP


def share(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 4) if whole else None


def officer_totals(db: Database, f: Filters = Filters()) -> dict[str, int]:
    """People enrolled now (forgotten people are gone), by status."""
    where, args = _officer_where(f)
    row = next(iter(db.query(
        f"""SELECT count(*) AS enrolled,
                   coalesce(sum(status = 'active'), 0) AS active,
                   coalesce(sum(status = 'left'), 0) AS "left",
                   coalesce(sum(status = 'blocked'), 0) AS blocked
            FROM officers o WHERE {where}""",
        args,
    )))
    return dict(row)


def event_totals(db: Database, f: Filters = Filters()) -> dict[str, int]:
    where, args = _event_where(f)
    row = next(iter(db.query(
        f"""SELECT
              coalesce(sum(type = 'enrolled'), 0) AS enrollments,
              coalesce(sum(type = 'left'), 0) AS departures,
              coalesce(sum(type = 'query'), 0) AS queries,
              coalesce(sum(type = 'query' AND coalesce(count, 0) = 0), 0) AS zero_result_queries,
              coalesce(sum(type = 'card_opened'), 0) AS cards_opened,
              coalesce(sum(type = 'feedback' AND value = 'useful'), 0) AS useful,
              coalesce(sum(type = 'feedback' AND value = 'not_useful'), 0) AS not_useful,
              coalesce(sum(type = 'delivered'), 0) AS delivered,
              coalesce(sum(type = 'failed'), 0) AS failed,
              coalesce(sum(type = 'blocked'), 0) AS delivery_blocked,
              coalesce(sum(type = 'ack'), 0) AS acknowledgements,
              coalesce(sum(type = 'quiz_answer'), 0) AS quiz_answers,
              coalesce(sum(type = 'quiz_answer' AND value = 'correct'), 0) AS quiz_correct
            FROM events e WHERE {where}""",
        args,
    )))
    return dict(row)


def totals(db: Database, f: Filters = Filters()) -> dict[str, int | float | None]:
    """Headline figures: people by status (now) and what happened in the period, with shares."""
    out: dict[str, int | float | None] = {}
    out.update(officer_totals(db, f))
    out.update(event_totals(db, f))
    out["useful_share"] = share(out["useful"] or 0, (out["useful"] or 0) + (out["not_useful"] or 0))
    out["zero_result_share"] = share(out["zero_result_queries"] or 0, out["queries"] or 0)
    out["quiz_correct_share"] = share(out["quiz_correct"] or 0, out["quiz_answers"] or 0)
    return out


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_sql(column: str) -> str:
    """SQL for the Monday (UTC) of the ISO week of an ISO timestamp column."""
    return f"date({column}, 'weekday 0', '-6 days')"


def _weekly_events(db: Database, f: Filters, by_region: bool) -> dict[tuple[str, str], dict]:
    where, args = _event_where(f)
    region = "coalesce(e.region, '')" if by_region else "''"
    out: dict[tuple[str, str], dict] = {}
    for r in db.query(
        f"""SELECT {_week_sql('e.at')} AS monday, {region} AS grp,
              coalesce(sum(e.type = 'delivered'), 0) AS reminders_delivered,
              coalesce(sum(e.type = 'card_opened'), 0) AS opens,
              coalesce(sum(e.type = 'feedback' AND e.value = 'useful'), 0) AS useful,
              coalesce(sum(e.type = 'feedback' AND e.value = 'not_useful'), 0) AS not_useful,
              coalesce(sum(e.type = 'query'), 0) AS queries,
              coalesce(sum(e.type = 'query' AND coalesce(e.count, 0) = 0), 0) AS zero_result,
              coalesce(sum(e.type = 'quiz_answer'), 0) AS quiz_answers,
              coalesce(sum(e.type = 'quiz_answer' AND e.value = 'correct'), 0) AS quiz_correct,
              coalesce(sum(e.type = 'ack'), 0) AS acks
            FROM events e WHERE {where}
            GROUP BY 1, 2""",
        args,
    ):
        out[(r["monday"], r["grp"])] = dict(r, officers_active=0)
    # Distinct people per week: a separate pass over the (covering) interactions index.
    for r in db.query(
        f"""SELECT monday, grp, count(*) AS n FROM (
              SELECT DISTINCT {_week_sql('e.at')} AS monday, {region} AS grp, e.officer_id
              FROM events e
              WHERE e.type IN {INTERACTIONS} AND e.officer_id IS NOT NULL AND {where})
            GROUP BY 1, 2""",
        args,
    ):
        out.setdefault((r["monday"], r["grp"]), {})["officers_active"] = r["n"]
    return out


def _enrolled_by_week(db: Database, f: Filters, mondays: list[date],
                      by_region: bool) -> dict[tuple[str, str], int]:
    """Officers enrolled during each week (joined before its end, not left before its start)."""
    where, args = _officer_where(f)
    region = "coalesce(o.region, '')" if by_region else "''"
    groups = list(db.query(
        f"""SELECT {region} AS region, date(o.enrolled_at) AS joined,
                   CASE WHEN o.status = 'left' THEN date(o.left_at) END AS gone,
                   count(*) AS n
            FROM officers o WHERE {where} GROUP BY 1, 2, 3""",
        args,
    ))
    out: dict[tuple[str, str], int] = defaultdict(int)
    for m in mondays:
        start, end = m.isoformat(), (m + timedelta(days=7)).isoformat()
        for g in groups:
            if g["joined"] < end and (g["gone"] is None or g["gone"] >= start):
                out[(start, g["region"])] += g["n"]
    return out


def _week_range(db: Database, f: Filters, now: datetime) -> list[date]:
    if f.since:
        first = date.fromisoformat(f.since[:10])
    else:
        row = next(iter(db.query(
            "SELECT min(m) AS first FROM (SELECT min(at) AS m FROM events "
            "UNION ALL SELECT min(enrolled_at) FROM officers)"
        )))
        if not row["first"]:
            return []
        first = date.fromisoformat(row["first"][:10])
    last = date.fromisoformat(f.until[:10]) - timedelta(days=1) if f.until else now.date()
    weeks, m = [], monday(first)
    while m <= last:
        weeks.append(m)
        m += timedelta(days=7)
    return weeks


def weekly(db: Database, f: Filters, *, now: datetime, by_region: bool = False) -> list[dict]:
    """One row per ISO week (and region when `by_region`), oldest first, unsuppressed.

    Weeks are whole: a `since` inside a week counts from that week's Monday, so the first
    row is not a silently partial week under a full week's label.
    """
    if f.since:
        f = replace(f, since=monday(date.fromisoformat(f.since[:10])).isoformat()
                    + "T00:00:00+00:00")
    mondays = _week_range(db, f, now)
    events = _weekly_events(db, f, by_region)
    enrolled = _enrolled_by_week(db, f, mondays, by_region)
    keys = {k for k in list(events) + list(enrolled) if k[0] in {m.isoformat() for m in mondays}}
    rows = []
    for m_iso, region in sorted(keys):
        ev = events.get((m_iso, region), {})
        row: dict = {
            "week": iso_week(date.fromisoformat(m_iso)),
            "monday": m_iso,
            "region": (region or UNASSIGNED) if by_region else "",
            "officers_enrolled": enrolled.get((m_iso, region), 0),
        }
        for column in ("officers_active", "reminders_delivered", "opens", "useful", "not_useful",
                       "queries", "zero_result", "quiz_answers", "quiz_correct", "acks"):
            row[column] = ev.get(column, 0)
        row["quiz_correct_share"] = share(row["quiz_correct"], row["quiz_answers"])
        rows.append(row)
    if not by_region:  # a row for every week, so a chart has no holes
        have = {r["monday"] for r in rows}
        for m in mondays:
            if m.isoformat() not in have:
                rows.append({"week": iso_week(m), "monday": m.isoformat(), "region": "",
                             "officers_enrolled": 0, "officers_active": 0,
                             "reminders_delivered": 0, "opens": 0, "useful": 0, "not_useful": 0,
                             "queries": 0, "zero_result": 0, "quiz_answers": 0,
                             "quiz_correct": 0, "acks": 0, "quiz_correct_share": None})
        rows.sort(key=lambda r: r["monday"])
    return rows


def suppress(row: dict) -> dict:
    """Privacy rule for reporting rows (a breakdown cell under 5 officers is not shown).

    Fewer than 5 officers enrolled: the row shows `<5` and every other cell is blank.
    Fewer than 5 officers active (but some): `<5` and what they did is blank.
    """
    out = {c: row.get(c) for c in WEEKLY_COLUMNS}
    out["week_start"] = row["monday"]  # the ISO week's Monday, for spreadsheets
    enrolled, active = row["officers_enrolled"], row["officers_active"]
    if enrolled < MIN_GROUP:
        for c in WEEKLY_COLUMNS[WEEKLY_COLUMNS.index("officers_enrolled"):]:
            out[c] = ""
        out["officers_enrolled"] = SUPPRESSED
        return out
    if 0 < active < MIN_GROUP:
        out["officers_active"] = SUPPRESSED
        for c in _ACTIVITY_COLUMNS:
            out[c] = ""
    if out["quiz_correct_share"] is None:
        out["quiz_correct_share"] = ""
    return out


def _hidden_activity(row: dict) -> bool:
    return row["officers_enrolled"] == SUPPRESSED or row["officers_active"] == SUPPRESSED


def complementary(raw: list[dict], out: list[dict]) -> None:
    """Secondary suppression, week by week: the overview's totals minus the rows a week shows
    must not give back a hidden row's figures.

    When a week hides what the people of some regions did (primary suppression) and the
    hidden regions are a single one, or together fewer than `MIN_GROUP` active people, the
    activity of the next smallest visible regions (fewest active people first) is blanked
    too (their `officers_active` stays: it is 5 or more), until the hidden ones are at least
    two with at least `MIN_GROUP` active people between them (or nothing is left to hide).
    `raw` and `out` are the same rows before and after `suppress`, in the same order.
    """
    weeks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(raw):
        weeks[r["monday"]].append(i)
    for rows in weeks.values():
        hidden = [i for i in rows if _hidden_activity(out[i]) and raw[i]["officers_active"]]
        if not hidden:
            continue
        visible = sorted((i for i in rows if i not in hidden and raw[i]["officers_active"]),
                         key=lambda i: (raw[i]["officers_active"], raw[i]["region"]))

        while visible and not (
                len(hidden) >= 2
                and sum(raw[i]["officers_active"] for i in hidden) >= MIN_GROUP):
            i = visible.pop(0)
            hidden.append(i)
            for c in _ACTIVITY_COLUMNS:
                out[i][c] = ""


def weekly_report(db: Database, f: Filters, *, now: datetime) -> list[dict]:
    """Weekly indicators per region, suppressed (primary, then secondary: `complementary`),
    in `WEEKLY_COLUMNS` order (CSV export)."""
    raw = weekly(db, f, now=now, by_region=True)
    out = [suppress(r) for r in raw]
    complementary(raw, out)
    return out


def reach(db: Database, f: Filters = Filters(), *, limit: int = 5) -> list[dict]:
    """The latest reminders and broadcasts (by campaign and card): delivered, failed, blocked,
    opened and rated useful, newest first."""
    where, args = _event_where(f)
    rows = list(db.query(
        f"""SELECT e.campaign_id, e.card_id, min(e.at) AS first_at, max(e.at) AS last_at,
                   coalesce(sum(e.type = 'delivered'), 0) AS delivered,
                   coalesce(sum(e.type = 'failed'), 0) AS failed,
                   coalesce(sum(e.type = 'blocked'), 0) AS blocked
            FROM events e
            WHERE e.type IN ('delivered', 'failed', 'blocked') AND {where}
            GROUP BY e.campaign_id, e.card_id ORDER BY last_at DESC LIMIT ?""",
        [*args, limit],
    ))
    out = []
    for r in rows:
        opened = next(iter(db.query(
            f"""SELECT coalesce(sum(e.type = 'card_opened'), 0) AS opened,
                       coalesce(sum(e.type = 'feedback' AND e.value = 'useful'), 0) AS useful,
                       coalesce(sum(e.type = 'feedback'), 0) AS rated
                FROM events e
                WHERE e.card_id = ? AND e.type IN ('card_opened', 'feedback')
                  AND e.at >= ? AND {where}""",
            [r["card_id"], r["first_at"], *args],
        )))
        item = dict(r)
        item.update(opened)
        item["reach_share"] = share(r["delivered"], r["delivered"] + r["failed"] + r["blocked"])
        item["useful_share"] = share(opened["useful"], opened["rated"])
        out.append(_hide_behaviour_of_few(item))
    return out


BEHAVIOUR = ("opened", "useful", "not_useful", "rated", "quiz_answers", "quiz_correct")


def _hide_behaviour_of_few(item: dict) -> dict:
    """A send that reached 1-4 people shows how many it reached, but not what they did with
    it: opens, ratings and quiz answers become "<5" and their shares blank (`MIN_GROUP`)."""
    if 0 < item["delivered"] < MIN_GROUP:
        item.update({k: SUPPRESSED for k in BEHAVIOUR if k in item})
        item.update(useful_share=None, quiz_correct_share=None)
    return item


def campaign_items(db: Database, campaign_id: int) -> list[dict]:
    """Per card of one campaign: delivered, opened, useful, quiz answers and correct ones."""
    rows = db.query(
        """SELECT card_id,
                  coalesce(sum(type = 'delivered'), 0) AS delivered,
                  coalesce(sum(type = 'failed'), 0) AS failed,
                  coalesce(sum(type = 'blocked'), 0) AS blocked,
                  coalesce(sum(type = 'card_opened'), 0) AS opened,
                  coalesce(sum(type = 'feedback' AND value = 'useful'), 0) AS useful,
                  coalesce(sum(type = 'feedback' AND value = 'not_useful'), 0) AS not_useful,
                  coalesce(sum(type = 'quiz_answer'), 0) AS quiz_answers,
                  coalesce(sum(type = 'quiz_answer' AND value = 'correct'), 0) AS quiz_correct
           FROM events WHERE campaign_id = ? GROUP BY card_id ORDER BY min(at)""",
        [campaign_id],
    )
    out = []
    for r in rows:
        item = dict(r)
        item["quiz_correct_share"] = share(r["quiz_correct"], r["quiz_answers"])
        item["useful_share"] = share(r["useful"], r["useful"] + r["not_useful"])
        out.append(_hide_behaviour_of_few(item))
    return out


def _current_sop_versions(db: Database) -> list[tuple[str, str]]:
    """(card id, version) of the SOP cards in the content store, when it has them."""
    if "cards" not in db.table_names():
        return []
    columns = {c.name for c in db["cards"].columns}
    if not {"id", "kind", "version"} <= columns:
        return []
    return [(r["id"], r["version"]) for r in db.query(
        "SELECT id, version FROM cards WHERE kind = 'sop' AND version IS NOT NULL ORDER BY id"
    )]


def acknowledgements(db: Database, f: Filters = Filters()) -> list[dict]:
    """Read-and-understood share per SOP and version among active officers (in the filter),
    with the number who have not yet acknowledged, per region."""
    pairs = set(_current_sop_versions(db))
    ev_where, ev_args = _event_where(f.without_period())
    pairs |= {(r["card_id"], r["value"]) for r in db.query(
        f"SELECT DISTINCT e.card_id, e.value FROM events e "
        f"WHERE e.type = 'ack' AND e.card_id IS NOT NULL AND e.value IS NOT NULL AND {ev_where}",
        ev_args,
    )}
    o_where, o_args = _officer_where(f)
    audience = {r["region"]: r["n"] for r in db.query(
        f"SELECT coalesce(o.region, '') AS region, count(*) AS n FROM officers o "
        f"WHERE o.status = 'active' AND {o_where} GROUP BY 1",
        o_args,
    )}
    total = sum(audience.values())
    out = []
    for card_id, version in sorted(pairs):
        acked = {r["region"]: r["n"] for r in db.query(
            f"""SELECT coalesce(o.region, '') AS region, count(DISTINCT o.id) AS n
                FROM events e JOIN officers o ON o.id = e.officer_id
                WHERE e.type = 'ack' AND e.card_id = ? AND e.value = ?
                  AND o.status = 'active' AND {o_where}
                GROUP BY 1""",
            [card_id, version, *o_args],
        )}
        done = sum(acked.values())
        # A region of 1-4 active people says that some have not confirmed, not how many.
        pending = [{"region": region or UNASSIGNED,
                    "not_acknowledged": n - acked.get(region, 0) if n >= MIN_GROUP
                    else SUPPRESSED}
                   for region, n in sorted(audience.items())
                   if n - acked.get(region, 0) > 0]
        out.append({"card_id": card_id, "version": version, "acknowledged": done,
                    "audience": total, "share": share(done, total), "pending": pending})
    return out


def card_usage(db: Database, f: Filters = Filters()) -> list[dict]:
    """Per card: opens, useful, not useful, useful share, acknowledgements, quiz answers."""
    where, args = _event_where(f)
    rows = db.query(
        f"""SELECT e.card_id,
                  coalesce(sum(e.type = 'card_opened'), 0) AS opens,
                  coalesce(sum(e.type = 'feedback' AND e.value = 'useful'), 0) AS useful,
                  coalesce(sum(e.type = 'feedback' AND e.value = 'not_useful'), 0) AS not_useful,
                  coalesce(sum(e.type = 'ack'), 0) AS acks,
                  coalesce(sum(e.type = 'quiz_answer'), 0) AS quiz_answers,
                  coalesce(sum(e.type = 'quiz_answer' AND e.value = 'correct'), 0) AS quiz_correct,
                  count(DISTINCT CASE WHEN e.type IN {INTERACTIONS}
                        THEN coalesce(e.officer_id, -e.id) END) AS people
            FROM events e WHERE e.card_id IS NOT NULL AND {where}
            GROUP BY e.card_id""",
        args,
    )
    usage = {}
    for r in rows:
        item = dict(r)
        item["useful_share"] = share(r["useful"], r["useful"] + r["not_useful"])
        item["quiz_correct_share"] = share(r["quiz_correct"], r["quiz_answers"])
        if r["people"] < MIN_GROUP:  # a card few people used: its figures are theirs
            for c in ("opens", "useful", "not_useful", "acks", "quiz_answers", "quiz_correct"):
                item[c] = SUPPRESSED
            item["useful_share"] = item["quiz_correct_share"] = None
        usage[r["card_id"]] = item
    return sorted(usage.values(), key=lambda u: (
        -(u["opens"] if isinstance(u["opens"], int) else 0), u["card_id"]))


def officer_breakdown(db: Database, by: str, f: Filters = Filters()) -> list[dict]:
    """Counts of people by region, port, role or language, with their status."""
    if by not in ("region", "port", "role", "language"):
        raise ValueError(f"cannot break officers down by {by!r}")
    where, args = _officer_where(f)
    return [dict(r) for r in db.query(
        f"""SELECT coalesce(o.[{by}], '') AS value, count(*) AS enrolled,
                   coalesce(sum(o.status = 'active'), 0) AS active,
                   coalesce(sum(o.status = 'left'), 0) AS "left",
                   coalesce(sum(o.status = 'blocked'), 0) AS blocked
            FROM officers o WHERE {where} GROUP BY 1 ORDER BY enrolled DESC, value""",
        args,
    )]


def filter_choices(db: Database) -> dict[str, list[str]]:
    """Values seen for each filter (regions, ports, roles, languages)."""
    out = {}
    for column, key in (("region", "region"), ("port", "port"), ("role", "role"),
                        ("language", "lang")):
        out[key] = [r["v"] for r in db.query(
            f"SELECT DISTINCT [{column}] AS v FROM officers WHERE [{column}] IS NOT NULL "
            f"AND [{column}] != '' ORDER BY 1"
        )]
    return out


_WORD = re.compile(r"\w+")


def gap_key(text: str) -> str:
    """Group near-identical queries: case, accents, punctuation and word order ignored."""
    return " ".join(sorted(set(_WORD.findall(fold(text)))))


def zero_result_queries(db: Database, f: Filters = Filters(), *, limit: int = 50) -> list[dict]:
    """Queries that found nothing, grouped (see `gap_key`), most asked first.

    Privacy: texts are kept per day without any person or region (`events.query_texts`), so
    the region, port and role filters do not apply here; a group is listed only when it found
    nothing at least `MIN_GROUP` times in the period, and among its variants only those
    typed that often themselves are shown. Dates are days (UTC).
    """
    rows = events.zero_result_texts(db, since=f.since, until=f.until, lang=f.lang,
                                    min_count=1, limit=100_000)
    groups: dict[str, dict] = {}
    for r in rows:
        key = gap_key(r["normalized"])
        if not key:
            continue
        g = groups.setdefault(key, {"count": 0, "last_at": "", "langs": set(),
                                    "variants": Counter()})
        g["count"] += r["count"]
        g["last_at"] = max(g["last_at"], r["last_day"])
        g["langs"].add(r["lang"] or "")
        g["variants"][r["normalized"]] += r["count"]
    out = []
    for g in groups.values():
        if g["count"] < MIN_GROUP:
            continue
        ranked = g["variants"].most_common()
        variants = [v for v, n in ranked[1:] if n >= MIN_GROUP][:5]
        out.append({"query": ranked[0][0], "count": g["count"], "last_at": g["last_at"],
                    "langs": sorted(x for x in g["langs"] if x), "variants": variants})
    out.sort(key=lambda g: (-g["count"], g["query"]))
    return out[:limit]


def not_useful_cards(db: Database, f: Filters = Filters(), *, limit: int = 50) -> list[dict]:
    """Cards rated not useful, most often first, with their useful count for comparison;
    only cards that at least `MIN_GROUP` people rated (fewer would show their ratings)."""
    where, args = _event_where(f)
    return [dict(r) for r in db.query(
        f"""SELECT e.card_id,
                   coalesce(sum(e.value = 'not_useful'), 0) AS not_useful,
                   coalesce(sum(e.value = 'useful'), 0) AS useful
            FROM events e WHERE e.type = 'feedback' AND e.card_id IS NOT NULL AND {where}
            GROUP BY e.card_id
            HAVING not_useful > 0 AND count(DISTINCT coalesce(e.officer_id, -e.id)) >= ?
            ORDER BY not_useful DESC, e.card_id LIMIT ?""",
        [*args, MIN_GROUP, limit],
    )]

