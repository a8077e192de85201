"""What a content folder holds once parsed: cards, their translations, quizzes and materials;
and what the store gives back: a `Card` in one language, an officer's `CardState` on it.

A card is one `<id>` in `messages/<topic>/<id>.<lang>.md`; each language file is one
`ParsedTranslation`. `ParsedCard` gathers the translations of one id and carries what belongs
to the card as a whole (topic, kind, version).
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path

from bot.errors import PregoneroError
from bot.i18n import gettext_for

LANGS = ("es", "en")  # the first present language is the card's primary one
CARD_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}$")
MESSAGE_LIMIT = 4096  # Telegram: 1-4096 characters after entities parsing
BUTTON_TEXT_LIMIT = 100  # a quiz option must fit a button
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")
IMAGE_LIMIT = 10 * 1024 * 1024  # sendPhoto: 10 MB
DOCUMENT_LIMIT = 50 * 1024 * 1024  # sendDocument: 50 MB


class Kind(StrEnum):
    SOP = "sop"
    PRACTICE = "practice"
    QUIZ = "quiz"
    CONTACT = "contact"  # an entry of the directory: whom to call


PENDING_PREFIXES = ("pendiente", "pending")  # `reviewed: {by: "pendiente: unidad jurídica"}`
REVIEW_MAX_DAYS = 365  # a review older than this is due again


@dataclass(frozen=True)
class Review:
    """`reviewed:` of a card: when, and by whom (a role). `by` starting with "pendiente" or
    "pending" means nobody has signed the card off yet; `on` is then the date of the text
    sent for review."""

    on: date
    by: str

    @property
    def pending(self) -> bool:
        return self.by.strip().lower().startswith(PENDING_PREFIXES)

    @property
    def reviewer(self) -> str:
        """The role alone: "pendiente: unidad jurídica INM" -> "unidad jurídica INM"."""
        if self.pending:
            rest = self.by.strip()
            for prefix in PENDING_PREFIXES:
                if rest.lower().startswith(prefix):
                    rest = rest[len(prefix):]
                    break
            return rest.lstrip(" :-—").strip()
        return self.by.strip()

    def age_days(self, today: date) -> int:
        return (today - self.on).days

    def stale(self, today: date) -> bool:
        return self.age_days(today) > REVIEW_MAX_DAYS


@dataclass(frozen=True)
class Contact:
    """What a `kind: contact` card adds: a phone and a website (either may be empty) and the
    date by which both must be checked again against the institution's official source."""

    phone: str = ""
    website: str = ""
    verify: date | None = None


class Level(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    """One finding of `content check`, shown as `path:line: message`.

    `message` is English (the command line, JSON); `msgid` and `params` let the web app show
    it in the reader's language with `localized(lang)`.
    """

    path: str
    line: int
    message: str
    level: Level = Level.ERROR
    msgid: str = ""
    params: tuple[tuple[str, object], ...] = ()

    def __str__(self) -> str:
        prefix = "warning: " if self.level == Level.WARNING else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"

    def text(self, lang: str) -> str:
        """The message alone, in `lang`."""
        if not self.msgid:
            return self.message
        _ = gettext_for(lang)
        return _(self.msgid) % dict(self.params) if self.params else _(self.msgid)

    def localized(self, lang: str) -> str:
        """`path:line: message` in `lang`."""
        _ = gettext_for(lang)
        prefix = _("warning:") + " " if self.level == Level.WARNING else ""
        return f"{self.path}:{self.line}: {prefix}{self.text(lang)}"

    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message,
                "level": str(self.level)}


EXCERPT = 60  # characters of a contributor's text quoted in a problem, at most
OWN_PARAMS = ("known", "keys", "types")  # parameters that list our own names, not the file's


class Excerpt:
    """A short stand-in for a long or structured value in a problem's message: `%s` and
    `%r` both show it as given (already quoted when it stands for a repr)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return str(other) == self.text

    def __hash__(self) -> int:
        return hash(self.text)


def excerpt(value: object) -> object:
    """`value` as a problem may quote it: numbers as they are, text and anything else cut
    to `EXCERPT` characters (a file can hold a key of a million characters)."""
    if isinstance(value, bool | int | float | Excerpt):
        return value
    if isinstance(value, str):
        return value if len(value) <= EXCERPT else value[:EXCERPT] + "…"
    text = repr(value)
    return Excerpt(text if len(text) <= EXCERPT else text[:EXCERPT] + "…")


def problem(path: str, line: int, msgid: str, level: Level = Level.ERROR,
            **params: object) -> Problem:
    """A Problem from an `N_()` msgid and its `%(name)s` parameters (long ones cut short)."""
    params = {k: v if k in OWN_PARAMS else excerpt(v) for k, v in params.items()}
    message = msgid % params if params else msgid
    return Problem(path, line, message, level, msgid, tuple(params.items()))


class ContentInvalid(PregoneroError):
    """A content folder has errors, so it was not imported."""

    def __init__(self, folder: str, problems: list[Problem]) -> None:
        self.problems = problems
        n = sum(1 for p in problems if p.level == Level.ERROR)
        super().__init__(f"not imported: {n} error{'s' if n != 1 else ''} in {folder}")


@dataclass(frozen=True)
class Quiz:
    """A knowledge check: the right option is `answer` (1-based)."""

    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    question_html: str = ""
    explanation_html: str = ""

    def as_dict(self) -> dict:
        return {"question": self.question, "options": list(self.options), "answer": self.answer,
                "explanation": self.explanation, "question_html": self.question_html,
                "explanation_html": self.explanation_html}

    @classmethod
    def from_dict(cls, data: dict) -> Quiz:
        return cls(question=data["question"], options=tuple(data["options"]),
                   answer=int(data["answer"]), explanation=data["explanation"],
                   question_html=data.get("question_html", ""),
                   explanation_html=data.get("explanation_html", ""))


@dataclass(frozen=True)
class Material:
    """A file sent with a card: its absolute path, sha256 (to reuse a file_id) and size."""

    path: str
    sha256: str
    size: int

    @property
    def name(self) -> str:
        return Path(self.path).name


@dataclass(frozen=True, kw_only=True)
class CardText:
    """What a card says in one language: its title, summary and keywords, and its body as
    written (Markdown), as Telegram HTML and as plain text. Shared by a parsed file and a
    stored card; keyword-only, so it adds no positional parameter."""

    title: str
    summary: str
    keywords: tuple[str, ...]
    body_md: str
    body_html: str
    body_text: str


@dataclass(frozen=True)
class ParsedTranslation(CardText):
    """One `<id>.<lang>.md` file, parsed and rendered."""

    card_id: str
    lang: str
    topic: str
    kind: Kind
    source: str  # the file's path as shown to people (relative to where check was run)
    version: str | None = None  # from front matter only
    quiz: Quiz | None = None
    image: Material | None = None
    document: Material | None = None
    legal_basis: tuple[str, ...] = ()  # instruments and articles, as written by the author
    reviewed: Review | None = None
    calls: tuple[str, ...] = ()  # `contacts:` the ids of the contact cards to call
    contact: Contact | None = None  # kind: contact only

    def content_hash(self) -> str:
        """A hash of what an officer reads (title, body, quiz): changes when the text does."""
        data = {"title": self.title, "body": self.body_md,
                "quiz": self.quiz.as_dict() if self.quiz else None}
        raw = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class ParsedCard:
    """One card: its translations (Spanish first) and what they share."""

    id: str
    topic: str
    kind: Kind
    translations: dict[str, ParsedTranslation] = field(default_factory=dict)

    @property
    def langs(self) -> tuple[str, ...]:
        return tuple(lang for lang in LANGS if lang in self.translations)

    @property
    def primary(self) -> ParsedTranslation:
        return self.translations[self.langs[0]]

    @property
    def version(self) -> str:
        """`version:` from front matter, else a 12-hex hash of the primary language's text."""
        for lang in self.langs:
            if self.translations[lang].version:
                return str(self.translations[lang].version)
        return self.primary.content_hash()[:12]


@dataclass(frozen=True)
class TopicName:
    slug: str
    titles: dict[str, str]  # lang -> display name


def fold(text: str) -> str:
    """Lower case without accents ("Niño ¿QUÉ?" -> "nino ¿que?"): how search compares words,
    titles sort and unanswered questions group. The one copy: the store and search import it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def topic_title(slug: str) -> str:
    """A readable name from a folder name: `derechos-humanos` -> "Derechos humanos"."""
    words = re.sub(r"[-_]+", " ", slug).strip()
    return words[:1].upper() + words[1:] if words else slug


@dataclass(frozen=True)
class Card(CardText):
    """A card in one language, ready to show. `lang` may differ from `requested_lang` when the
    card has no translation in the language asked for (see `fallback`)."""

    id: str
    topic: str
    kind: Kind
    version: str
    lang: str
    requested_lang: str
    langs: tuple[str, ...]
    quiz: Quiz | None
    image: Material | None
    document: Material | None
    source: str
    updated_at: str

    @property
    def fallback(self) -> bool:
        """True when shown in another language than asked ("available in Spanish only")."""
        return self.lang != self.requested_lang


@dataclass(frozen=True)
class QuizAnswer:
    choice: int
    correct: bool
    at: str


@dataclass(frozen=True)
class Ack:
    version: str
    at: str


@dataclass(frozen=True)
class CardState:
    """What one officer has done with one card: what the card view shows them."""

    feedback: str | None = None
    quiz: QuizAnswer | None = None
    ack: Ack | None = None  # their latest acknowledgement, of any version
