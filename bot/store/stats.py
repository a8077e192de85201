"""Aggregate figures for `pregonero stats`, the web overview and the CSV export.

Everything is counted from `officers` (who is enrolled now), `events` (what happened, with
the person's role, region, port and language at the time) and `query_texts` (normalised query
texts per day, without any person or region). Nothing here returns a person id.

What is counted is declared once, in `MEASURES`: each measure's SQL, its heading, and the
views it appears in (under which name). The SQL sums, the weekly rows, the CSV export's
columns and the shares are all made from that table; `Filters` (bot.store.filters) say who
and when, through one `where()` for every query.

Weeks are ISO weeks (Monday to Sunday, UTC). Reporting rows for a region or any other group
of fewer than `MIN_GROUP` officers are suppressed (see `suppress`).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta

from sqlite_utils import Database

from bot.content.model import fold
from bot.store import events
from bot.store.filters import EVENTS, EVERYONE, OFFICERS, Filters, where

MIN_GROUP = 5
SUPPRESSED = "<5"
UNASSIGNED = "unassigned"
# Event types that show a person used the bot in a week (their "active" weeks).
# Questions are not among them: a `query` event carries no person (see `bot.store.events`).
INTERACTIONS = ("card_opened", "feedback", "quiz_answer", "ack")


def N_(message: str) -> str:
    """Marks a heading for the catalogs, as `bot.i18n.N_` does (the store does not import
    i18n): pages translate it where the reader's language is known."""
    return message


# Views: where a measure appears.
TOTALS = "totals"      # headline figures of a period (`pregonero stats`, the overview)
OFFICERS_NOW = "officers"  # people by status, now (totals, breakdowns by region, port...)
WEEKLY = "weekly"      # one row per week (and region): the overview's trend
EXPORT = "export"      # the weekly CSV's columns, picked from the weekly rows (stats --csv)
SENT = "sent"          # what a send did: delivered, failed, blocked
REACH = "reach"        # what people did with a sent card afterwards (overview, latest sends)
CAMPAIGN = "campaign"  # per card of a campaign
CARD = "card"          # per card, in the period (content page)
RATINGS = "ratings"    # cards rated not useful (gaps page)


@dataclass(frozen=True)
class Measure:
    """One figure. A count has `sql`, a condition summed over the rows (`e` an event, `o` an
    officer); a share has `of` = (part, *whole), names of counts; a weekly head count (people
    enrolled or active in a week) has neither and is counted by `weekly`. `views` maps each
    view the measure appears in to its name there. `activity`: it tells what people did, so
    it is hidden where they are fewer than `MIN_GROUP`."""

    name: str
    sql: str | None
    label: str
    views: dict[str, str] = field(hash=False)
    of: tuple[str, ...] = ()
    activity: bool = False

    @property
    def is_count(self) -> bool:
        return self.sql is not None


def measure(name: str, sql: str | None, label: str, *views: str, of: tuple[str, ...] = (),
            activity: bool = False, **renamed: str) -> Measure:
    """A row of `MEASURES`: positional views use `name`; keyword ones name it their way."""
    return Measure(name, sql, label, {**dict.fromkeys(views, name), **renamed}, of, activity)


MEASURES: tuple[Measure, ...] = (
    # people now, by status (officers o)
    measure("enrolled", "1", N_("Enrolled"), OFFICERS_NOW),
    measure("active", "o.status = 'active'", N_("Active"), OFFICERS_NOW),
    measure("left", "o.status = 'left'", N_("Left"), OFFICERS_NOW),
    measure("blocked", "o.status = 'blocked'", N_("Blocked the bot"), OFFICERS_NOW),
    # people in a week (counted by `weekly`)
    measure("officers_enrolled", None, N_("Enrolled"), WEEKLY, EXPORT),
    measure("officers_active", None, N_("Active"), WEEKLY, EXPORT),
    # events e, in the order of the CSV's columns
    measure("enrollments", "e.type = 'enrolled'", N_("Enrolled"), TOTALS),
    measure("departures", "e.type = 'left'", N_("Left"), TOTALS),
    measure("delivered", "e.type = 'delivered'", N_("Reminders delivered"),
            TOTALS, SENT, CAMPAIGN, weekly="reminders_delivered", export="reminders_delivered"),
    measure("failed", "e.type = 'failed'", N_("Failed"), TOTALS, SENT, CAMPAIGN),
    measure("blocked_bot", "e.type = 'blocked'", N_("Blocked"), SENT, CAMPAIGN,
            totals="delivery_blocked", sent="blocked", campaign="blocked"),
    measure("opens", "e.type = 'card_opened'", N_("Cards opened"), WEEKLY, EXPORT, CARD,
            totals="cards_opened", reach="opened", campaign="opened", activity=True),
    measure("useful", "e.type = 'feedback' AND e.value = 'useful'", N_("Useful"),
            TOTALS, WEEKLY, EXPORT, REACH, CAMPAIGN, CARD, RATINGS, activity=True),
    measure("not_useful", "e.type = 'feedback' AND e.value = 'not_useful'", N_("Not useful"),
            TOTALS, WEEKLY, EXPORT, REACH, CAMPAIGN, CARD, RATINGS, activity=True),
    measure("queries", "e.type = 'query'", N_("Queries"), TOTALS, WEEKLY, EXPORT,
            activity=True),
    measure("zero_result", "e.type = 'query' AND coalesce(e.count, 0) = 0",
            N_("Queries with no result"), WEEKLY, EXPORT, totals="zero_result_queries",
            activity=True),
    measure("quiz_answers", "e.type = 'quiz_answer'", N_("Knowledge-check answers"),
            TOTALS, WEEKLY, CAMPAIGN, CARD, activity=True),
    measure("quiz_correct", "e.type = 'quiz_answer' AND e.value = 'correct'",
            N_("Quiz correct"), TOTALS, WEEKLY, CAMPAIGN, CARD, activity=True),
    measure("quiz_correct_share", None, N_("Knowledge checks correct"),
            TOTALS, WEEKLY, EXPORT, CAMPAIGN, CARD, of=("quiz_correct", "quiz_answers"),
            activity=True),
    measure("acks", "e.type = 'ack'", N_("Read and understood"), WEEKLY, EXPORT, CARD,
            totals="acknowledgements", activity=True),
    # shares
    measure("useful_share", None, N_("Useful"), TOTALS, REACH, CAMPAIGN, CARD,
            of=("useful", "useful", "not_useful"), activity=True),
    measure("zero_result_share", None, N_("Queries with no result"), TOTALS,
            of=("zero_result", "queries")),
    measure("reach_share", None, N_("Delivered"), SENT,
            of=("delivered", "delivered", "failed", "blocked_bot")),
)
BY_NAME = {m.name: m for m in MEASURES}
WEEK_KEYS = ("week", "week_start", "region")  # what a weekly CSV row is about


def in_view(view: str) -> Iterator[tuple[str, Measure]]:
    """(name in the view, measure) of each measure the view shows, in the table's order."""
    for m in MEASURES:
        if view in m.views:
            yield m.views[view], m


def sums(*views: str) -> str:
    """The SQL select list of the views' counts: each one's SQL summed over the rows (0 when
    there are none), named as in its view."""
    return ",\n".join(f"coalesce(sum({m.sql}), 0) AS [{name}]"
                      for view in views for name, m in in_view(view) if m.is_count)


def add_shares(row: dict, view: str) -> dict:
    """The view's shares, from the counts the row holds (None when the whole is 0)."""
    for name, m in in_view(view):
        if m.of:
            part, *whole = (row[BY_NAME[c].views[view]] for c in m.of)
            row[name] = share(part, sum(whole))
    return row


def hide_activity(row: dict, view: str) -> dict:
    """What a few people did, hidden: the view's activity counts "<5", its shares blank."""
    for name, m in in_view(view):
        if m.activity and name in row:
            row[name] = SUPPRESSED if m.is_count else None
    return row


WEEKLY_COLUMNS = [*WEEK_KEYS, *(name for name, _m in in_view(EXPORT))]
# Cells that describe what the active officers did: blanked when fewer than 5 were active.
_ACTIVITY_COLUMNS = tuple(name for name, m in in_view(EXPORT) if m.activity)
COLUMN_LABELS = {"week": N_("Week"), "week_start": N_("Starts"), "region": N_("Region"),
                 **{name: m.label for name, m in in_view(EXPORT)}}


def small_group(db: Database, f: Filters) -> bool:
    """True when the people the page describes (all of them, or those the filters region,
    port, role and language keep) are 1-4: their figures, and the searches of the gaps list,
    would describe individuals. The same rule with and without filters."""
    cond, args = where(f, OFFICERS, "o")
    n = next(iter(db.query(f"SELECT count(*) AS n FROM officers o WHERE {cond}", args)))["n"]
    return 0 < n < MIN_GROUP


def share(part: int | float, whole: int | float) -> float | None:
    return round(part / whole, 4) if whole else None


def officer_totals(db: Database, f: Filters = EVERYONE) -> dict[str, int]:
    """People enrolled now (forgotten people are gone), by status."""
    cond, args = where(f, OFFICERS, "o")
    return dict(next(iter(db.query(
        f"SELECT {sums(OFFICERS_NOW)} FROM officers o WHERE {cond}", args))))


def event_totals(db: Database, f: Filters = EVERYONE) -> dict[str, int]:
    cond, args = where(f, EVENTS, "e")
    return dict(next(iter(db.query(f"SELECT {sums(TOTALS)} FROM events e WHERE {cond}", args))))


def totals(db: Database, f: Filters = EVERYONE) -> dict[str, int | float | None]:
    """Headline figures: people by status (now) and what happened in the period, with shares."""
    out: dict[str, int | float | None] = {}
    out.update(officer_totals(db, f))
    out.update(event_totals(db, f))
    return add_shares(out, TOTALS)


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _week_sql(column: str) -> str:
    """SQL for the Monday (UTC) of the ISO week of an ISO timestamp column."""
    return f"date({column}, 'weekday 0', '-6 days')"


def _weekly_events(db: Database, f: Filters, by_region: bool) -> dict[tuple[str, str], dict]:
    cond, args = where(f, EVENTS, "e")
    region = "coalesce(e.region, '')" if by_region else "''"
    out: dict[tuple[str, str], dict] = {}
    for r in db.query(
        f"""SELECT {_week_sql('e.at')} AS monday, {region} AS grp, {sums(WEEKLY)}
            FROM events e WHERE {cond}
            GROUP BY 1, 2""",
        args,
    ):
        out[(r["monday"], r["grp"])] = dict(r)
    # Distinct people per week: a separate pass over the (covering) interactions index.
    for r in db.query(
        f"""SELECT monday, grp, count(*) AS n FROM (
              SELECT DISTINCT {_week_sql('e.at')} AS monday, {region} AS grp, e.officer_id
              FROM events e
              WHERE e.type IN {INTERACTIONS} AND e.officer_id IS NOT NULL AND {cond})
            GROUP BY 1, 2""",
        args,
    ):
        out.setdefault((r["monday"], r["grp"]), {})["officers_active"] = r["n"]
    return out


def _enrolled_by_week(db: Database, f: Filters, mondays: list[date],
                      by_region: bool) -> dict[tuple[str, str], int]:
    """Officers enrolled during each week (joined before its end, not left before its start)."""
    cond, args = where(f, OFFICERS, "o")
    region = "coalesce(o.region, '')" if by_region else "''"
    groups = list(db.query(
        f"""SELECT {region} AS region, date(o.enrolled_at) AS joined,
                   CASE WHEN o.status = 'left' THEN date(o.left_at) END AS gone,
                   count(*) AS n
            FROM officers o WHERE {cond} GROUP BY 1, 2, 3""",
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
        first = f.since.astimezone(UTC).date()
    else:
        row = next(iter(db.query(
            "SELECT min(m) AS first FROM (SELECT min(at) AS m FROM events "
            "UNION ALL SELECT min(enrolled_at) FROM officers)"
        )))
        if not row["first"]:
            return []
        first = date.fromisoformat(row["first"][:10])
    last = f.until.astimezone(UTC).date() - timedelta(days=1) if f.until else now.date()
    weeks, m = [], monday(first)
    while m <= last:
        weeks.append(m)
        m += timedelta(days=7)
    return weeks


def _week_row(m_iso: str, region: str, counts: dict) -> dict:
    """A weekly row: the week, its region and every weekly measure (0 where nothing happened),
    its shares made from its counts."""
    row = {"week": iso_week(date.fromisoformat(m_iso)), "monday": m_iso, "region": region}
    for name, m in in_view(WEEKLY):
        if not m.of:
            row[name] = counts.get(name, 0)
    return add_shares(row, WEEKLY)


def weekly(db: Database, f: Filters, *, now: datetime, by_region: bool = False) -> list[dict]:
    """One row per ISO week (and region when `by_region`), oldest first, unsuppressed.

    Weeks are whole: a `since` inside a week counts from that week's Monday, so the first
    row is not a silently partial week under a full week's label.
    """
    if f.since:
        f = replace(f, since=datetime.combine(monday(f.since.astimezone(UTC).date()), time(),
                                              UTC))
    mondays = _week_range(db, f, now)
    weeks = {m.isoformat() for m in mondays}
    counts = _weekly_events(db, f, by_region)
    for key, n in _enrolled_by_week(db, f, mondays, by_region).items():
        counts.setdefault(key, {})["officers_enrolled"] = n
    if not by_region:  # a row for every week, so a chart has no holes
        for m_iso in weeks:
            counts.setdefault((m_iso, ""), {})
    return [_week_row(m_iso, (region or UNASSIGNED) if by_region else "", c)
            for (m_iso, region), c in sorted(counts.items()) if m_iso in weeks]


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
    for c in WEEKLY_COLUMNS:
        if out[c] is None:  # a share of nothing
            out[c] = ""
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


def reach(db: Database, f: Filters = EVERYONE, *, limit: int = 5) -> list[dict]:
    """The latest reminders and broadcasts (by campaign and card), newest first: delivered,
    failed, blocked, and what people did with the card from the first delivery on (opened,
    rated useful or not), in one query."""
    cond, args = where(f, EVENTS, "e")
    rows = db.query(
        f"""WITH sends AS (
              SELECT e.campaign_id, e.card_id, min(e.at) AS first_at, max(e.at) AS last_at,
                     {sums(SENT)}
              FROM events e
              WHERE e.type IN ('delivered', 'failed', 'blocked') AND {cond}
              GROUP BY e.campaign_id, e.card_id ORDER BY last_at DESC LIMIT ?)
            SELECT s.*, {sums(REACH)}
            FROM sends s LEFT JOIN events e
              ON e.card_id = s.card_id AND e.type IN ('card_opened', 'feedback')
              AND e.at >= s.first_at AND {cond}
            GROUP BY s.campaign_id, s.card_id ORDER BY s.last_at DESC""",
        [*args, limit, *args],
    )
    return [_hide_behaviour_of_few(add_shares(add_shares(dict(r), SENT), REACH), REACH)
            for r in rows]


def _hide_behaviour_of_few(item: dict, view: str) -> dict:
    """A send that reached 1-4 people shows how many it reached, but not what they did with
    it: opens, ratings and quiz answers become "<5" and their shares blank (`MIN_GROUP`)."""
    if 0 < item["delivered"] < MIN_GROUP:
        hide_activity(item, view)
    return item


def campaign_items(db: Database, campaign_id: int) -> list[dict]:
    """Per card of one campaign: delivered, opened, useful, quiz answers and correct ones."""
    cond, args = where(Filters(campaign_id=campaign_id), EVENTS, "e")
    rows = db.query(
        f"""SELECT e.card_id, {sums(CAMPAIGN)}
            FROM events e WHERE {cond} GROUP BY e.card_id ORDER BY min(e.at)""",
        args,
    )
    return [_hide_behaviour_of_few(add_shares(dict(r), CAMPAIGN), CAMPAIGN) for r in rows]


def acknowledgements(db: Database, f: Filters = EVERYONE) -> list[dict]:
    """Read-and-understood share per SOP and version (the cards' current ones and any that
    was acknowledged) among active officers (in the filter), with the number who have not yet
    acknowledged, per region; in one query."""
    ev_cond, ev_args = where(f.without_period(), EVENTS, "e")
    o_cond, o_args = where(f, OFFICERS, "o")
    rows = db.query(
        f"""WITH pairs AS (
              SELECT id AS card_id, version FROM cards WHERE kind = 'sop'
              UNION
              SELECT e.card_id, e.value FROM events e
              WHERE e.type = 'ack' AND e.card_id IS NOT NULL AND e.value IS NOT NULL
                AND {ev_cond}),
            audience AS (
              SELECT coalesce(o.region, '') AS region, count(*) AS n FROM officers o
              WHERE o.status = 'active' AND {o_cond} GROUP BY 1),
            acked AS (
              SELECT e.card_id, e.value AS version, coalesce(o.region, '') AS region,
                     count(DISTINCT o.id) AS n
              FROM events e JOIN officers o ON o.id = e.officer_id
              WHERE e.type = 'ack' AND o.status = 'active' AND {o_cond}
              GROUP BY 1, 2, 3)
            SELECT p.card_id, p.version, a.region, a.n AS audience, coalesce(k.n, 0) AS acked
            FROM pairs p LEFT JOIN audience a ON 1
              LEFT JOIN acked k ON k.card_id = p.card_id AND k.version = p.version
                AND k.region = a.region
            ORDER BY p.card_id, p.version, a.region""",
        [*ev_args, *o_args, *o_args],
    )
    out: dict[tuple[str, str], dict] = {}
    for r in rows:
        item = out.setdefault((r["card_id"], r["version"]), {
            "card_id": r["card_id"], "version": r["version"], "acknowledged": 0,
            "audience": 0, "share": None, "pending": []})
        if r["region"] is None:  # nobody active in the filter
            continue
        item["acknowledged"] += r["acked"]
        item["audience"] += r["audience"]
        # A region of 1-4 active people says that some have not confirmed, not how many.
        if r["audience"] - r["acked"] > 0:
            item["pending"].append({
                "region": r["region"] or UNASSIGNED,
                "not_acknowledged": r["audience"] - r["acked"] if r["audience"] >= MIN_GROUP
                else SUPPRESSED})
    for item in out.values():
        item["share"] = share(item["acknowledged"], item["audience"])
    return list(out.values())


def card_usage(db: Database, f: Filters = EVERYONE) -> list[dict]:
    """Per card: opens, useful, not useful, useful share, acknowledgements, quiz answers."""
    cond, args = where(f, EVENTS, "e")
    rows = db.query(
        f"""SELECT e.card_id, {sums(CARD)},
                  count(DISTINCT CASE WHEN e.type IN {INTERACTIONS}
                        THEN coalesce(e.officer_id, -e.id) END) AS people
            FROM events e WHERE e.card_id IS NOT NULL AND {cond}
            GROUP BY e.card_id""",
        args,
    )
    usage = []
    for r in rows:
        item = add_shares(dict(r), CARD)
        if r["people"] < MIN_GROUP:  # a card few people used: its figures are theirs
            hide_activity(item, CARD)
        usage.append(item)
    return sorted(usage, key=lambda u: (
        -(u["opens"] if isinstance(u["opens"], int) else 0), u["card_id"]))


# what people can be counted by: the officers' column for each
BREAKDOWNS = {"region": OFFICERS.region, "port": OFFICERS.port, "role": OFFICERS.role,
              "language": OFFICERS.lang}


def officer_breakdown(db: Database, by: str, f: Filters = EVERYONE) -> list[dict]:
    """Counts of people by region, port, role or language, with their status."""
    if by not in BREAKDOWNS:
        raise ValueError(f"cannot break officers down by {by!r}")
    cond, args = where(f, OFFICERS, "o")
    return [dict(r) for r in db.query(
        f"""SELECT coalesce(o.[{BREAKDOWNS[by]}], '') AS value, {sums(OFFICERS_NOW)}
            FROM officers o WHERE {cond} GROUP BY 1 ORDER BY enrolled DESC, value""",
        args,
    )]


def filter_choices(db: Database) -> dict[str, list[str]]:
    """Values seen for each filter (regions, ports, roles, languages) among the officers."""
    out = {}
    for key in ("region", "port", "role", "lang"):
        column = getattr(OFFICERS, key)
        out[key] = [r["v"] for r in db.query(
            f"SELECT DISTINCT [{column}] AS v FROM officers WHERE [{column}] IS NOT NULL "
            f"AND [{column}] != '' ORDER BY 1"
        )]
    return out


_WORD = re.compile(r"\w+")


def gap_key(text: str) -> str:
    """Group near-identical queries: case, accents, punctuation and word order ignored."""
    return " ".join(sorted(set(_WORD.findall(fold(text)))))


def zero_result_queries(db: Database, f: Filters = EVERYONE, *, limit: int = 50) -> list[dict]:
    """Queries that found nothing, grouped (see `gap_key`), most asked first.

    Privacy: texts are kept per day without any person or region (`events.query_texts`), so
    the region, port and role filters do not apply here; a group is listed only when it found
    nothing at least `MIN_GROUP` times in the period, and among its variants only those
    typed that often themselves are shown. Dates are days (UTC).
    """
    rows = events.zero_result_texts(db, f, min_count=1, limit=100_000)
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
        (top, _), *others = g["variants"].most_common()
        variants = [v for v, n in others if n >= MIN_GROUP][:5]
        out.append({"query": top, "count": g["count"], "last_at": g["last_at"],
                    "langs": sorted(x for x in g["langs"] if x), "variants": variants})
    out.sort(key=lambda g: (-g["count"], g["query"]))
    return out[:limit]


def not_useful_cards(db: Database, f: Filters = EVERYONE, *, limit: int = 50) -> list[dict]:
    """Cards rated not useful, most often first, with their useful count for comparison;
    only cards that at least `MIN_GROUP` people rated (fewer would show their ratings)."""
    cond, args = where(f, EVENTS, "e")
    return [dict(r) for r in db.query(
        f"""SELECT e.card_id, {sums(RATINGS)}
            FROM events e WHERE e.type = 'feedback' AND e.card_id IS NOT NULL AND {cond}
            GROUP BY e.card_id
            HAVING not_useful > 0 AND count(DISTINCT coalesce(e.officer_id, -e.id)) >= ?
            ORDER BY not_useful DESC, e.card_id LIMIT ?""",
        [*args, MIN_GROUP, limit],
    )]
