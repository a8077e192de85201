"""Segment expressions: who a broadcast or a weekly series goes to.

A segment is a space-separated list of `key=value[,value...]` terms:

    role=officer region=norte,sur port=tijuana lang=es

Terms are ANDed; the values of one term are ORed (a key given twice adds its values, as a
comma list would: `region=norte region=sur` is `region=norte,sur`). The empty expression (or
`all`) means every active person enrolled. Keys: `role` (officer, comms, admin), `region`,
`port`, `lang` (es, en), `tz` (an IANA time zone such as America/Tijuana). Values are
compared case-insensitively. `parse()` raises `InvalidInput` with a one-line message for
anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

from bot.errors import InvalidInput
from bot.store.officers import PLACE

KEYS = ("role", "region", "port", "lang", "tz")
ROLES = ("officer", "comms", "admin")
LANGS = ("es", "en")
_SLUG = PLACE  # the same rule as invites' region and port


@cache
def _known_zones() -> frozenset[str]:
    """IANA zone names in lower case (segment values are compared case-insensitively)."""
    from zoneinfo import available_timezones

    return frozenset(z.lower() for z in available_timezones())


class Person(Protocol):
    """What a segment reads of a person (read-only: officers and recipients are immutable)."""

    @property
    def role(self) -> str: ...
    @property
    def region(self) -> str | None: ...
    @property
    def port(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def timezone(self) -> str: ...


@dataclass(frozen=True)
class Segment:
    """A parsed segment: for each key, the accepted values (lower case)."""

    terms: tuple[tuple[str, frozenset[str]], ...] = ()

    @property
    def is_everyone(self) -> bool:
        return not self.terms

    def matches(self, person: Person) -> bool:
        for key, values in self.terms:
            if _value(person, key) not in values:
                return False
        return True

    def __str__(self) -> str:
        """The canonical text: keys in a fixed order, values sorted; '' for everyone."""
        return " ".join(f"{key}={','.join(sorted(values))}" for key, values in self.terms)


def _value(person: Person, key: str) -> str:
    raw = {
        "role": person.role,
        "region": person.region,
        "port": person.port,
        "lang": person.language,
        "tz": person.timezone,
    }[key]
    return str(raw or "").lower()


def parse(text: str | None) -> Segment:
    """Parse a segment expression; raise InvalidInput with a one-line reason."""
    text = (text or "").strip()
    if text.lower() in ("", "all", "todos"):
        return Segment()
    found: dict[str, set[str]] = {}
    for term in text.split():
        key, sep, rest = term.partition("=")
        key = key.strip().lower()
        if not sep or not key:
            raise InvalidInput(
                f"segment: {term!r} is not key=value (e.g. region=norte,sur role=officer)"
            )
        if key not in KEYS:
            raise InvalidInput(f"segment: unknown key {key!r}; use one of {', '.join(KEYS)}")
        values = [v.strip().lower() for v in rest.split(",") if v.strip()]
        if not values:
            raise InvalidInput(f"segment: {key}= needs at least one value")
        for value in values:
            _check_value(key, value)
        found.setdefault(key, set()).update(values)
    return Segment(tuple((k, frozenset(found[k])) for k in KEYS if k in found))


def _check_value(key: str, value: str) -> None:
    if key == "role" and value not in ROLES:
        raise InvalidInput(f"segment: unknown role {value!r}; use one of {', '.join(ROLES)}")
    if key == "lang" and value not in LANGS:
        raise InvalidInput(f"segment: unknown language {value!r}; use es or en")
    if key == "tz" and value not in _known_zones():
        raise InvalidInput(f"segment: {value!r} is not a time zone (e.g. America/Tijuana)")
    if key in ("region", "port") and not _SLUG.match(value):
        raise InvalidInput(
            f"segment: {key} {value!r} may use only letters, digits, '-', '_' and '.'"
        )


def describe(segment: Segment) -> str:
    """A short text for listings: the canonical expression or 'everyone'."""
    return str(segment) or "everyone"
