"""Settings: environment first, then pregonero.toml, then defaults; bad values say why."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError


def test_defaults_follow_the_contract(tmp_path: Path) -> None:
    s = load_settings({}, tmp_path / "none.toml")
    assert s.api_url == "https://api.telegram.org/bot"
    assert s.db == Path("pregonero.db")
    assert s.web == ("127.0.0.1", 8080)
    assert s.timezone == "America/Mexico_City"
    assert s.admins == ()


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    toml = tmp_path / "pregonero.toml"
    toml.write_text('db = "file.db"\nadmins = [1, 2]\ntimezone = "America/Tijuana"\n')
    s = load_settings({"PREGONERO_DB": "env.db"}, toml)
    assert s.db == Path("env.db")
    assert s.admins == (1, 2)
    assert s.timezone == "America/Tijuana"


@pytest.mark.parametrize(
    ("name", "value", "fragment"),
    [
        ("PREGONERO_ADMINS", "12,abc", "not a Telegram user id"),
        ("PREGONERO_WEB", "localhost", "host:port"),
        ("PREGONERO_TIMEZONE", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_bad_values_get_a_clear_error(tmp_path: Path, name: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        load_settings({name: value}, tmp_path / "none.toml")


def test_running_without_a_token_says_how_to_get_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="BotFather"):
        load_settings({}, tmp_path / "none.toml").require_token()
