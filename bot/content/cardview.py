"""A card as a Telegram message, decided without sending anything: `render_card` (pure) gives
the text and the buttons one officer sees (`bot.chatkit.cards.CardSender` sends it).

Every card carries buttons: 👍 useful / 👎 not useful, and a way back (to the search results,
to its topic). A quiz shows its options as buttons until the officer has answered; then their
answer, right or wrong, and the explanation. An SOP shows a one-tap "read and understood" button
tied to the card's version; once confirmed the card says so with the date, and when the SOP
changes the button comes back.

Materials: an image (infographic) and/or a document (the full SOP) go first; the card's text is
the caption of the last one when it fits Telegram's 1,024 characters, else a follow-up message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.callbacks import LABEL_FIT, MAX_BYTES, Button, actions_in, button, encode, keyboard
from bot.clock import parse_iso
from bot.content.model import MESSAGE_LIMIT, Card, CardState, Kind, Material, Quiz, QuizAnswer
from bot.content.render import escape as esc
from bot.content.render import telegram_length
from bot.i18n import format_day, gettext_for

TEXT_LIMIT = MESSAGE_LIMIT
CAPTION_LIMIT = 1024
OPTION_LETTERS = "ABCDEFGHIJ"


def version_tag(version: str, card_id: str = "") -> str:
    """A short hex tag of a card version, for the "read and understood" button's data: 10 hex
    digits, fewer for long card ids so the data fits Telegram's 64 bytes."""
    room = MAX_BYTES - len(encode("ack", card_id or "x", "0")) + 1
    return hashlib.sha256(str(version).encode("utf-8")).hexdigest()[:max(6, min(10, room))]


@dataclass(frozen=True)
class CardContext:
    """Where the card was opened from: decides the "back" button."""

    back: Literal["results", "topic", "none"] = "none"

    @classmethod
    def from_keyboard(cls, markup: InlineKeyboardMarkup | None) -> CardContext:
        """The context of a card already sent, read back from its buttons."""
        actions = [a for a, _args in actions_in(markup)]
        if "res" in actions:
            return cls("results")
        if "topic" in actions:
            return cls("topic")
        return cls("none")


@dataclass(frozen=True)
class CardMessage:
    card_id: str
    lang: str
    body_html: str  # title and body (and a quiz's question and options)
    status_html: str  # what this officer did with it (quiz answer, acknowledgement), or ""
    keyboard: InlineKeyboardMarkup | None
    image_path: str | None = None
    document_path: str | None = None
    image_sha256: str | None = None
    document_sha256: str | None = None

    @property
    def text_html(self) -> str:
        """The card's message: body and status together when they fit one message."""
        if not self.status_html:
            return self.body_html
        joined = f"{self.body_html}\n\n{self.status_html}"
        return joined if telegram_length(joined) <= TEXT_LIMIT else self.body_html

    @property
    def followup_html(self) -> str | None:
        """The status, when it does not fit the card's message and goes in its own."""
        if self.status_html and self.text_html == self.body_html:
            return self.status_html
        return None

    @property
    def texts(self) -> list[str]:
        return [t for t in (self.text_html, self.followup_html) if t]


def _material(value: Material | None) -> tuple[str | None, str | None]:
    """(path, sha256) of a card's image or document."""
    if value is None:
        return None, None
    return str(value.path), value.sha256


def _date(at: str, lang: str, tz: str | None) -> str:
    moment = parse_iso(at)
    if tz:
        moment = moment.astimezone(ZoneInfo(tz))
    return format_day(moment.date(), lang)


def _quiz_body(quiz: Quiz) -> str:
    question = quiz.question_html or esc(quiz.question)
    options = "\n".join(f"{OPTION_LETTERS[i]}) {esc(o)}" for i, o in enumerate(quiz.options))
    return f"{question}\n\n{options}"


def _quiz_status(quiz: Quiz, answer: QuizAnswer, lang: str) -> str:
    _ = gettext_for(lang)
    mine = answer.choice - 1
    letter = OPTION_LETTERS[mine] if 0 <= mine < len(quiz.options) else "?"
    if answer.correct:
        head = "✅ " + _("Your answer: %(letter)s. Correct!") % {"letter": letter}
    else:
        right = OPTION_LETTERS[quiz.answer - 1]
        head = "❌ " + _("Your answer: %(letter)s. The right answer is %(right)s.") % {
            "letter": letter, "right": right}
    explanation = quiz.explanation_html or esc(quiz.explanation)
    return f"<b>{head}</b>\n{explanation}" if explanation else f"<b>{head}</b>"


def _option_rows(card_id: str, options: Sequence[str]) -> list[list[Button]]:
    """A quiz's answer buttons: "A) option" one per row when every option fits a phone's
    button, else the letters alone side by side (the options are listed in the text)."""
    labels = [f"{OPTION_LETTERS[i]}) {' '.join(str(o).split())}" for i, o in enumerate(options)]
    if all(len(label) <= LABEL_FIT for label in labels):
        return [[button(label, "quiz", card_id, i + 1)] for i, label in enumerate(labels)]
    letters = [button(OPTION_LETTERS[i], "quiz", card_id, i + 1) for i in range(len(labels))]
    per_row = 5 if len(letters) > 5 else len(letters)
    return [letters[i:i + per_row] for i in range(0, len(letters), per_row)]


def render_card(
    card: Card,
    lang: str,
    *,
    officer_state: CardState | None = None,
    context: CardContext | None = None,
    timezone: str | None = None,
) -> CardMessage:
    """The message for one card, for one officer. Pure.

    `card` is the store's card (`bot.store.cards.get_card`); `lang` is the officer's language
    (for buttons and status lines), which differs from `card.lang` when it falls back.
    """
    _ = gettext_for(lang)
    state = officer_state or CardState()
    context = context or CardContext()
    card_id, kind = card.id, card.kind
    quiz = card.quiz if kind == Kind.QUIZ else None

    body = f"<b>{esc(card.title)}</b>"
    if card.body_html:
        body += f"\n\n{card.body_html}"
    if quiz is not None:
        with_quiz = f"{body}\n\n{_quiz_body(quiz)}"
        # the question and options must fit one message with the title; the intro may go
        body = with_quiz if telegram_length(with_quiz) <= TEXT_LIMIT else (
            f"<b>{esc(card.title)}</b>\n\n{_quiz_body(quiz)}")

    rows: list[list[Button]] = []
    status: list[str] = []
    if card.lang != lang:
        status.append("<i>" + esc(_("Available in Spanish only") if card.lang == "es"
                                  else _("Available in English only")) + "</i>")
    if quiz is not None:
        if state.quiz is None:
            rows.extend(_option_rows(card_id, quiz.options))
        else:
            status.append(_quiz_status(quiz, state.quiz, lang))
    if kind == Kind.SOP:
        version = card.version
        if state.ack is not None and state.ack.version == version:
            status.append("✓ " + esc(_("Read and understood (%(date)s)") % {
                "date": _date(state.ack.at, lang, timezone)}))
        else:
            if state.ack is not None:
                status.append("⚠️ " + esc(_(
                    "This procedure changed after you confirmed it on %(date)s. "
                    "Please read it again.") % {"date": _date(state.ack.at, lang, timezone)}))
            rows.append([button("✅ " + _("Read and understood"), "ack", card_id,
                                version_tag(version, card_id))])

    useful, not_useful = "👍 " + _("Useful"), "👎 " + _("Not useful")
    if state.feedback == "useful":
        useful = "✓ " + useful
    elif state.feedback == "not_useful":
        not_useful = "✓ " + not_useful
    rows.append([button(useful, "fb", card_id, "y"), button(not_useful, "fb", card_id, "n")])

    topic = card.topic
    if context.back == "results":
        rows.append([button("◀ " + _("Back to results"), "res")])
    elif topic:
        label = _("Back to topic") if context.back == "topic" else _("More on this topic")
        rows.append([button("📚 " + label, "topic", topic)])

    image_path, image_sha = _material(card.image)
    document_path, document_sha = _material(card.document)
    return CardMessage(
        card_id=card_id, lang=lang, body_html=body, status_html="\n\n".join(status),
        keyboard=keyboard(rows), image_path=image_path, document_path=document_path,
        image_sha256=image_sha, document_sha256=document_sha,
    )


def feedback_marked(markup: InlineKeyboardMarkup | None, value: str,
                    lang: str) -> InlineKeyboardMarkup | None:
    """The same keyboard with the officer's feedback choice ticked. Pure. The labels stay in
    the card's language (the officer may have switched language since it was sent)."""
    if markup is None:
        return None
    _ = gettext_for(lang)
    labels = {"y": "👍 " + _("Useful"), "n": "👎 " + _("Not useful")}
    chosen = "y" if value == "useful" else "n"
    rows = []
    for row in markup.inline_keyboard:
        new_row: list[Button] = []
        for b in row:
            data = b.callback_data if isinstance(b.callback_data, str) else ""
            found = actions_in(InlineKeyboardMarkup([[b]]))
            if found and found[0][0] == "fb":
                flag = found[0][1][1]
                label = b.text.removeprefix("✓ ") or labels[flag]
                new_row.append(("✓ " + label if flag == chosen else label, data))
            else:
                new_row.append((b.text, data))
        rows.append(new_row)
    return keyboard(rows)
