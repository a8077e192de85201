"""Questions: plain text and `/buscar` (`/search`) are search queries.

The reply names the best cards by title, one button per card. Nothing found: a polite answer
and the topics to browse. Every query is logged twice, apart: its normalised text with the
result count and language in `query_texts` (content gaps: a daily count per text, no person
or region), and a `query` event with the count and the officer's role, region, port and
language (no text, and no officer id: `bot.store.events.record` drops it). The last results
stay in memory (per user) so a card's "back to results" button and the page buttons work;
after a restart they say so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from telegram import InlineKeyboardMarkup, Update

from bot.callbacks import Button, actions_in, button, keyboard
from bot.chat.gate import start_code
from bot.chat.help import show_help
from bot.chat.topics import show_topics, topic_rows
from bot.chat.track import track
from bot.chatkit.commands import command, parse_command
from bot.chatkit.context import ChatContext, requires_officer
from bot.chatkit.outside import outside_text
from bot.chatkit.ui import answer, esc, reply, short_label, stale_text
from bot.clock import utcnow
from bot.i18n import format_number, gettext_for
from bot.metrics import SEARCH_LATENCY
from bot.search import search_async
from bot.store import cards, events
from bot.store.events import EventType
from bot.store.officers import Officer

MAX_RESULTS = 10
PAGE_SIZE = 5
MAX_QUERY_CHARS = 1000
MAX_CORRECTED_SHOWN = 5
RESULTS_KEY = "pregonero.results"
KIND_ICONS = {"sop": "📋", "practice": "💡", "quiz": "❓", "contact": "📞"}


@dataclass(frozen=True)
class Result:
    card_id: str
    title: str
    kind: str
    other_language: bool
    lang: str = "es"  # the language the card will be shown in


@dataclass(frozen=True)
class Results:
    """The officer's last search results (ids and titles only)."""

    items: tuple[Result, ...]
    corrected: tuple[str, ...] = ()  # words the search read differently (typos fixed)
    understood: tuple[str, ...] = ()  # what a long question was taken to mean

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.items) // PAGE_SIZE))


def results_view(results: Results, page: int, lang: str) -> tuple[str, list[list[Button]]]:
    """The results message for one page: a count line and one button per card. Pure."""
    _ = gettext_for(lang)
    page = min(max(page, 0), results.pages - 1)
    shown = results.items[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    n = len(results.items)
    head = (_("I found one guide:") if n == 1
            else _("I found %(n)s guides:") % {"n": format_number(n, lang)})
    lines = [f"<b>{esc(head)}</b>"]
    if results.corrected:  # a few words: a long message with many typos stays short
        words = ", ".join(results.corrected[:MAX_CORRECTED_SHOWN])
        if len(results.corrected) > MAX_CORRECTED_SHOWN:
            words += "…"
        lines.insert(0, "<i>" + esc(_("I searched for: %(words)s") % {"words": words}) + "</i>")
    if results.understood:  # a long question: what it was taken to mean, to correct it
        lines.insert(0, "<i>" + esc(_("I understood: %(words)s") % {
            "words": ", ".join(results.understood)}) + "</i>")
    rows: list[list[Button]] = []
    for i, item in enumerate(shown, start=page * PAGE_SIZE + 1):
        icon = KIND_ICONS.get(item.kind, "•")
        other = ""
        if item.other_language:
            other = " " + (_("(in English)") if item.lang == "en" else _("(in Spanish)"))
        lines.append(f"{i}. {icon} {esc(item.title)}{esc(other)}")
        rows.append([button(short_label(f"{icon} {item.title}"), "open", item.card_id)])
    nav: list[Button] = []
    if page > 0:
        nav.append(button("◀ " + _("Previous"), "page", page - 1))
    if page < results.pages - 1:
        nav.append(button(_("More") + " ▶", "page", page + 1))
    rows.append(nav)
    lines.append(esc(_("Tap a guide to open it.")))
    return "\n".join(lines), rows


def nothing_found_text(lang: str, outside: str = "") -> str:
    """"Nothing found", after a word on where to ask when the question looks like a subject
    the guides do not cover (`outside`: its topic in bot/search/off_topic.yml)."""
    _ = gettext_for(lang)
    text = esc(_("I found nothing for that. Try other words (for example: %(example)s), or "
                 "browse the topics:") % {"example": _("asylum request")})
    hint = outside_text(outside, lang)
    return f"{esc(hint)}\n\n{text}" if hint else text


@requires_officer
async def search_command(update: Update, context: ChatContext, officer: Officer) -> None:
    """`/buscar words`: search; `/buscar` alone: ask for the words."""
    message = update.effective_message
    if message is None:
        return
    parsed = parse_command(message.text)
    query = parsed.args if parsed else ""
    if not query:
        _ = context._
        await reply(update, esc(_("What are you looking for? Write a few words, for example: "
                                  "%(example)s") % {"example": _("unaccompanied minor")}))
        return
    await run_search(update, context, query)


GREETINGS = frozenset({
    "hola", "holi", "buenas", "buen dia", "buenos dias", "buenas tardes", "buenas noches",
    "que tal", "hi", "hello", "hey", "good morning", "good afternoon", "good evening",
})
THANKS = frozenset({
    "gracias", "muchas gracias", "mil gracias", "ok gracias", "ok", "okay", "vale", "listo",
    "de acuerdo", "perfecto", "thanks", "thank you", "thanks a lot", "ok thanks", "great",
})
_SMALL_TALK_CHARS = str.maketrans("áéíóúü", "aeiouu", "¡!¿?.,;:👋🙏👍😀🙂😊")


# A command's name typed without its slash, alone ("ayuda", "Menú"): what the officer wants.
WORD_COMMANDS = {"ayuda": "help", "help": "help", "menu": "help", "inicio": "help",
                 "temas": "topics", "topics": "topics"}


def small_talk(text: str) -> str | None:
    """"greeting" or "thanks" when the whole message is only that (no question), "help" or
    "topics" when it is only such a command's name without its slash, else None. Pure."""
    words = " ".join(text.lower().translate(_SMALL_TALK_CHARS).split())
    if words in GREETINGS:
        return "greeting"
    if words in THANKS:
        return "thanks"
    return WORD_COMMANDS.get(words)


async def search_text(update: Update, context: ChatContext) -> None:
    """Plain text from an officer: a question (a bare "hola" or "gracias" gets a short answer,
    not a search: it is no content gap)."""
    message = update.effective_message
    if message is None or not message.text:
        return
    if start_code(message.text) is not None:  # an invitation link pasted instead of opened
        from bot.chat.start import start

        await start(update, context)
        return
    if context.officer is None:
        return
    talk = small_talk(message.text)
    if talk in ("help", "topics"):
        await (show_help if talk == "help" else show_topics)(update, context)
        return
    if talk is not None:
        _ = context._
        text = (_("Hello! Write your question in your own words, for example: %(example)s. "
                  "Or browse the guides with /%(topics)s.") % {
                      "example": _("asylum request"), "topics": command("topics").name(
                          context.lang)}
                if talk == "greeting" else
                _("You are welcome! I am here whenever you need a guide."))
        await reply(update, esc(text))
        return
    await run_search(update, context, message.text)


async def run_search(update: Update, context: ChatContext, query: str, *,
                     nothing_html: str | None = None) -> None:
    """Search, log the query (apart from the officer), and reply with the results; when
    nothing matches, `nothing_html` if given, else "nothing found" with the topics."""
    officer = context.officer
    assert officer is not None
    lang, store = officer.language, context.store
    started = time.perf_counter()
    outcome = await search_async(store.run, query[:MAX_QUERY_CHARS], lang, limit=MAX_RESULTS)
    SEARCH_LATENCY.observe(time.perf_counter() - started)
    hits = list(outcome.hits)
    await store.record(events.log_query, normalized=outcome.normalized or "", results=len(hits),
                    lang=lang, region=officer.region, at=utcnow())
    await track(context, EventType.QUERY, count=len(hits))
    if not hits and nothing_html is not None:
        await reply(update, nothing_html)
        return
    if not hits:
        topics = await store.run(cards.list_topics, lang)
        await reply(update, nothing_found_text(lang, outcome.outside),
                    keyboard(topic_rows(topics)))
        return
    results = Results(tuple(
        Result(h.card_id, h.title, str(h.kind), bool(h.other_language), h.lang)
        for h in hits
    ), corrected=tuple(dict.fromkeys((outcome.corrections or {}).values())),
        understood=tuple(outcome.understood))
    if context.user_data is not None:
        context.user_data[RESULTS_KEY] = results
    text, rows = results_view(results, 0, lang)
    await reply(update, text, keyboard(rows))


def last_results(context: ChatContext) -> Results | None:
    data = context.user_data
    return data.get(RESULTS_KEY) if data is not None else None


def shows_page_of(markup: InlineKeyboardMarkup | None, results: Results) -> bool:
    """Whether a results message (its keyboard) shows a page of these results, and not of an
    earlier search: only then may its page buttons turn the page. Pure."""
    shown = [args[0] for action, args in actions_in(markup) if action == "open"]
    ids = [item.card_id for item in results.items]
    return any(ids[p * PAGE_SIZE:(p + 1) * PAGE_SIZE] == shown for p in range(results.pages))


async def show_page(update: Update, context: ChatContext, page: int) -> None:
    """Page buttons: show another page of the last results, in place. The page buttons of an
    older search's message say they expired (they would show the newer search's results)."""
    results = last_results(context)
    query = update.callback_query
    markup = getattr(query.message, "reply_markup", None) if query and query.message else None
    if results is None or page >= results.pages or not shows_page_of(markup, results):
        await answer(update, stale_text(context.lang))
        return
    await answer(update)
    text, rows = results_view(results, page, context.lang)
    await reply(update, text, keyboard(rows), edit=True)


async def back_to_results(update: Update, context: ChatContext) -> None:
    """A card's "back to results" button: the last results again, in a new message."""
    results = last_results(context)
    if results is None:
        await answer(update, stale_text(context.lang))
        return
    await answer(update)
    text, rows = results_view(results, 0, context.lang)
    await reply(update, text, keyboard(rows))
