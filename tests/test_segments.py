"""Segment expressions: AND across keys, OR within a list, one-line errors for bad input."""

from __future__ import annotations

import pytest

from bot.delivery import segments
from bot.delivery.planner import Recipient
from bot.errors import InvalidInput


def person(role="officer", region="norte", port="tijuana", lang="es",
           tz="America/Tijuana") -> Recipient:
    return Recipient(1, role, region, port, lang, tz)


def test_an_empty_segment_or_all_means_everyone() -> None:
    assert segments.parse("").is_everyone
    assert segments.parse("all").is_everyone
    assert segments.parse(None).matches(person())
    assert segments.describe(segments.parse("")) == "everyone"


def test_terms_are_anded_and_values_in_a_list_are_ored() -> None:
    seg = segments.parse("role=officer region=norte,sur")
    assert seg.matches(person(region="norte"))
    assert seg.matches(person(region="SUR"))
    assert not seg.matches(person(region="centro"))
    assert not seg.matches(person(role="comms"))


def test_port_language_and_time_zone_keys_match_case_insensitively() -> None:
    seg = segments.parse("port=Tijuana lang=es tz=America/Tijuana")
    assert seg.matches(person())
    assert not seg.matches(person(lang="en"))
    assert not seg.matches(person(tz="America/Mexico_City"))


def test_a_person_without_a_region_does_not_match_a_region_term() -> None:
    assert not segments.parse("region=norte").matches(person(region=None))


def test_the_canonical_text_orders_keys_and_values() -> None:
    assert str(segments.parse("region=sur,norte role=officer")) == \
        "role=officer region=norte,sur"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("zone=norte", "unknown key 'zone'"),
        ("region", "is not key=value"),
        ("role=chief", "unknown role 'chief'"),
        ("lang=fr", "unknown language 'fr'"),
        ("region=", "needs at least one value"),
        ("port=ti juana", "is not key=value"),
        ("region=no*rte", "may use only"),
        ("tz=Tijuana", "is not a time zone"),
        ("tz=Mars/Base", "is not a time zone"),
    ],
)
def test_bad_expressions_give_a_one_line_error(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as err:
        segments.parse(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_key_given_twice_adds_its_values_like_a_comma_list() -> None:
    assert segments.parse("region=norte region=sur") == segments.parse("region=norte,sur")
