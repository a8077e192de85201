"""The one table of commands: names in both languages, menus per language and role, parsing."""

from __future__ import annotations

import pytest

from bot.chatkit.commands import (
    COMMANDS,
    Command,
    bot_commands,
    help_lines,
    names,
    parse_command,
)
from bot.store.officers import Role


def test_every_command_has_a_spanish_and_an_english_name_telegram_accepts() -> None:
    for c in COMMANDS:
        assert c.name_es and c.name_en
    every = [n for c in COMMANDS for n in c.names]
    assert len(every) == len(set(every)), "two commands share a name"


def test_menus_use_the_names_of_their_language_and_translate_descriptions() -> None:
    es = {c.command: c.description for c in bot_commands("es", Role.OFFICER)}
    en = {c.command: c.description for c in bot_commands("en", Role.OFFICER)}
    assert list(es)[:4] == ["ayuda", "buscar", "temas", "recordatorios"]
    assert list(en)[:4] == ["help", "search", "topics", "reminders"]
    assert es["temas"] == "Ver las guías por tema"
    assert en["topics"] == "Browse the guides by topic"
    assert "start" not in es


def test_staff_see_the_comms_and_admin_commands_officers_do_not() -> None:
    officer = [c.command for c in bot_commands("es", Role.OFFICER)]
    comms = [c.command for c in bot_commands("es", Role.COMMS)]
    assert "proximos" not in officer and "panel" not in officer
    assert "proximos" in comms and "panel" in comms


def test_help_lines_come_from_the_same_table() -> None:
    assert help_lines("en", Role.OFFICER)[0] == "/help — What the bot does and how to use it"
    assert len(help_lines("es", Role.ADMIN)) == len(bot_commands("es", Role.ADMIN))


def test_both_names_of_a_command_are_handled() -> None:
    assert names("topics") == ("temas", "topics")
    assert names("panel") == ("panel",)


def test_a_name_telegram_refuses_is_refused_when_declared() -> None:
    with pytest.raises(ValueError, match="invalid"):
        Command("x", "Próximos", "next", "x")


def test_every_area_s_command_is_in_the_table_from_the_start() -> None:
    assert names("timezone") == ("zona", "timezone")
    assert names("directory") == ("directorio", "directory")


@pytest.mark.parametrize(("text", "expected"), [
    ("/buscar asilo político", ("buscar", "asilo político", None)),
    ("/buscar@PregoneroBot  asilo ", ("buscar", "asilo", "PregoneroBot")),
    ("/START abc", ("start", "abc", None)),
    ("/buscar\nasilo", ("buscar", "asilo", None)),
    ("/temas", ("temas", "", None)),
])
def test_commands_are_parsed_with_their_arguments(text: str, expected: tuple) -> None:
    parsed = parse_command(text)
    assert parsed is not None and (parsed.name, parsed.args, parsed.mention) == expected


@pytest.mark.parametrize("text", [None, "", "hola", "/", "/ñandú", "/a-b"])
def test_text_that_is_not_a_command_is_not_parsed(text: str | None) -> None:
    assert parse_command(text) is None


def test_the_chat_documentation_lists_every_command() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parent.parent / "README.md").read_text(
        encoding="utf-8")
    for c in COMMANDS:
        assert f"/{c.name_es} | /{c.name_en} |" in page, c.key


def test_a_mistyped_command_is_matched_to_the_closest_one_the_role_has() -> None:
    from bot.chatkit.commands import closest

    assert closest("idiomas", Role.OFFICER) == "idioma"
    assert closest("ayduda", Role.OFFICER) == "ayuda"
    assert closest("serch", Role.OFFICER) == "search"
    assert closest("proximo", Role.OFFICER) is None  # a staff command: not suggested
    assert closest("proximo", Role.COMMS) == "proximos"
    assert closest("hola", Role.OFFICER) is None
