"""Button data round-trips, stays within 64 bytes and rejects anything forged or stale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import callbacks


def test_encoded_data_decodes_to_the_same_action() -> None:
    data = callbacks.encode("fb", "nna-no-acompanados", "y")
    assert callbacks.decode(data) == callbacks.Callback("fb", ("nna-no-acompanados", "y"))


@pytest.mark.parametrize(
    "data",
    ["", "v0:open:x", "v1:nope:x", "v1:open", "v1:open:a:b", "v1:open:../etc", "v1:fb:x:maybe",
     "v1:" + "a" * 80, None],
)
def test_forged_or_stale_data_decodes_to_none(data: str | None) -> None:
    assert callbacks.decode(data) is None


def test_data_longer_than_64_bytes_is_refused_when_encoding() -> None:
    with pytest.raises(ValueError):
        callbacks.encode("open", "a" * 60)


@given(st.text(max_size=200))
def test_any_text_decodes_without_raising(data: str) -> None:
    callbacks.decode(data)
