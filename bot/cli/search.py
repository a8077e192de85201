"""`pregonero search`: the same search officers get in chat, from the command line."""

from __future__ import annotations

import click

from bot.chatkit.outside import outside_text
from bot.cli.common import json_option, open_store, print_json
from bot.i18n import LANGS, gettext_for
from bot.search import SearchOutcome, search
from bot.store.cards import list_topics


def outcome_json(outcome: SearchOutcome) -> list[dict]:
    """The hits as JSON objects, best first (`[]` when nothing was found)."""
    return [{"id": h.card_id, "title": h.title, "score": h.score, "lang": h.lang,
             "topic": h.topic, "kind": h.kind, "other_language": h.other_language}
            for h in outcome.hits]


@click.command("search")
@click.option("--lang", type=click.Choice(LANGS), default="es", show_default=True,
              help="The officer's language: their cards come first.")
@click.option("--limit", type=click.IntRange(1, 50), default=5, show_default=True,
              help="How many cards at most.")
@json_option
@click.argument("query", nargs=-1, required=True)
def search_command(lang: str, limit: int, as_json: bool, query: tuple[str, ...]) -> None:
    """Search the cards as an officer would: pregonero search [--] QUERY..."""
    text = " ".join(query)
    with open_store() as store:
        outcome = search(store.db, text, lang, limit=limit)
        topics = [] if outcome.answered or as_json else list_topics(store.db, lang)
    if as_json:
        print_json(outcome_json(outcome))
        return
    _ = gettext_for(lang)
    if outcome.corrections:
        fixed = ", ".join(f"{k} → {v}" for k, v in outcome.corrections.items())
        click.echo(_("Corrected: %(words)s") % {"words": fixed})
    if not outcome.answered:
        hint = outside_text(outcome.outside, lang)
        if hint:  # as in the chat: where to ask instead, then "nothing found"
            click.echo(hint)
        click.echo(_("Nothing found."))
        if topics:
            click.echo(_("Topics:"))
            for topic in topics:
                click.echo(f"  - {topic.title} ({topic.count})")
        return
    other = {"es": _("in Spanish"), "en": _("in English")}
    for i, hit in enumerate(outcome.hits, 1):
        label = f" ({other[hit.lang]})" if hit.other_language else ""
        click.echo(f"{i}. {hit.title}{label}  [{hit.card_id} · {hit.topic} · {hit.score:.2f}]")


COMMANDS: list[click.Command] = [search_command]
