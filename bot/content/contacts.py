"""The directory of whom to call: national entries in `messages/directorio/`, regional ones in
`messages/directorio-<region>/` (the region as given to officers by their invite, e.g.
`directorio-sur`). An officer sees the national entries and those of their own region. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeVar

DIRECTORY_TOPIC = "directorio"
REGIONAL_PREFIX = DIRECTORY_TOPIC + "-"


def regional_topic(region: str | None) -> str | None:
    """`sur` -> `directorio-sur`; None without a region."""
    region = (region or "").strip().lower()
    return REGIONAL_PREFIX + region if region else None


def directory_topics(region: str | None) -> list[str]:
    """The directory topics an officer of `region` sees: national first, then their region's."""
    mine = regional_topic(region)
    return [DIRECTORY_TOPIC] + ([mine] if mine else [])


def region_of_topic(slug: str) -> str | None:
    """`directorio-sur` -> `sur`; None for any other topic (the national directory included)."""
    return slug[len(REGIONAL_PREFIX):] if slug.startswith(REGIONAL_PREFIX) else None


def visible_topic(slug: str, region: str | None) -> bool:
    """False for another region's directory: officers browse their own region's entries only."""
    other = region_of_topic(slug)
    return other is None or other == (region or "").strip().lower()


class _HasTopic(Protocol):
    @property
    def topic(self) -> str: ...


T = TypeVar("T", bound=_HasTopic)


def select(entries: Iterable[T], region: str | None) -> list[T]:
    """The contact entries for an officer of `region`: national ones, then their region's,
    each group in the order given."""
    wanted = directory_topics(region)
    chosen: Sequence[T] = [e for e in entries if e.topic in wanted]
    return sorted(chosen, key=lambda e: wanted.index(e.topic))
