"""Mexico's time zones, officers' local time and quiet hours. Pure functions.

Every time is computed with `zoneinfo`, so a weekly "Monday 09:00" stays 09:00 on the wall
clock of each officer across the March and November changes of the northern border zones that
keep US daylight saving time (Tijuana, Ciudad Juárez, Ojinaga, Matamoros...), while Mexico City
has no daylight saving time since 2022.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from bot.i18n import N_


@dataclass(frozen=True)
class Zone:
    code: str  # short name used in buttons and commands
    name: str  # IANA name
    label: str  # N_() msgid: where it applies


ZONES: tuple[Zone, ...] = (
    Zone("cdmx", "America/Mexico_City", N_("Central: Mexico City, most of the country")),
    Zone("tijuana", "America/Tijuana", N_("Baja California: Tijuana, Mexicali (US DST)")),
    Zone("hermosillo", "America/Hermosillo", N_("Sonora: Hermosillo, Nogales (no DST)")),
    Zone("mazatlan", "America/Mazatlan", N_("Pacific: Sinaloa, Nayarit, Baja California Sur")),
    Zone("juarez", "America/Ciudad_Juarez", N_("Ciudad Juárez (US DST)")),
    Zone("ojinaga", "America/Ojinaga", N_("Ojinaga and Chihuahua border strip (US DST)")),
    Zone("chihuahua", "America/Chihuahua", N_("Chihuahua city and the rest of the state")),
    Zone("matamoros", "America/Matamoros", N_("Tamaulipas and Coahuila border (US DST)")),
    Zone("monterrey", "America/Monterrey", N_("Nuevo León, Coahuila, Tamaulipas (no DST)")),
    Zone("cancun", "America/Cancun", N_("Quintana Roo: Cancún, Chetumal")),
)
ZONE_BY_CODE = {z.code: z for z in ZONES}
ZONE_BY_NAME = {z.name: z for z in ZONES}

QUIET_START = time(21, 0)
QUIET_END = time(7, 0)


@dataclass(frozen=True)
class QuietHours:
    """A nightly window [start, end) in local time during which nothing is sent."""

    start: time = QUIET_START
    end: time = QUIET_END

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end


QUIET = QuietHours()
NO_QUIET = QuietHours(time(0, 0), time(0, 0))


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local(now: datetime, tz: str) -> datetime:
    return now.astimezone(zone(tz))


def at_local(day: date, clock: time, tz: str) -> datetime:
    """The UTC instant of `day` at wall-clock `clock` in `tz`.

    A wall time that does not exist (skipped by a spring-forward change) is moved forward by
    the gap; an ambiguous one (repeated in autumn) takes its first occurrence.
    """
    # fold=0 takes the offset in force before a change: the first of two repeated times,
    # and for a skipped time the instant that many minutes past the gap's start.
    return datetime.combine(day, clock, tzinfo=zone(tz)).replace(fold=0).astimezone(UTC)


def after_quiet_hours(due: datetime, tz: str, quiet: QuietHours = QUIET) -> datetime:
    """`due` itself, or the end of the quiet window it falls in (in the officer's zone)."""
    here = local(due, tz)
    if not quiet.contains(here.time().replace(tzinfo=None)):
        return due
    day = here.date()
    if quiet.start > quiet.end and here.time().replace(tzinfo=None) >= quiet.start:
        day += timedelta(days=1)
    return max(due, at_local(day, quiet.end, tz))


def parse_hhmm(text: str) -> time:
    """'09:00' or '9:30' -> time; raises ValueError."""
    hh, sep, mm = text.strip().partition(":")
    if not sep or not hh.isdigit() or not mm.isdigit() or len(mm) != 2:
        raise ValueError(text)
    return time(int(hh), int(mm))
