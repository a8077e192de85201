"""The README documents every CLI verb and every setting, and starts with the two commands."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from bot.cli import cli
from bot.config import SETTINGS

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _verbs(group: click.Group, prefix: str = "pregonero") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append(path)
        if isinstance(command, click.Group):
            found.extend(_verbs(command, path))
    return found


def test_the_readme_opens_with_the_run_and_test_commands() -> None:
    head = README[:600]
    assert "scripts/run" in head and "scripts/test" in head


@pytest.mark.parametrize("verb", _verbs(cli))
def test_every_cli_verb_is_documented(verb: str) -> None:
    words = verb.split()
    if len(words) == 3:  # a subcommand: documented as "pregonero group a|b|c" or on its own
        group, sub = " ".join(words[:2]), words[2]
        listed = any(
            line.count(group) and sub in line.split(group, 1)[1].split("`")[0].replace("\\", "")
            for line in README.splitlines()
        )
        assert listed or verb in README, verb
    else:
        assert verb in README, verb


@pytest.mark.parametrize("setting", [s.name for s in SETTINGS])
def test_every_setting_is_documented(setting: str) -> None:
    assert f"`{setting}`" in README
