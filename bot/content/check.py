"""Check a content folder: every file parsed, translations gathered into cards, all problems found.

`check_folder(folder)` reads everything and never stops at the first problem. The folder's
glossary is search's business: `bot.library.check_folder` adds its problems, and
`bot.library.import_folder` refuses to load a folder that has errors.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from bot.content import safeyaml
from bot.content.footer import footer_lines, with_footer
from bot.content.model import (
    CARD_ID,
    LANGS,
    MESSAGE_LIMIT,
    Kind,
    Level,
    ParsedCard,
    ParsedTranslation,
    Problem,
    TopicName,
    problem,
    topic_title,
)
from bot.content.parse import parse_file, parse_name, too_big
from bot.content.render import card_message_html, telegram_length
from bot.errors import InvalidInput
from bot.i18n import N_, gettext_for

TOPICS_FILE = "topics.yml"
GLOSSARY_FILE = "glossary.yml"


@dataclass(frozen=True)
class Due:
    """A card the comms team must have looked at: `reason` is "pending" (nobody signed it
    off yet), "stale" (signed off over a year ago), "missing" (an SOP without `reviewed:`)
    or "verify" (a contact whose `verify:` date has come)."""

    card_id: str
    title: str
    kind: str
    reason: str
    since: date | None
    by: str
    source: str


@dataclass
class CheckResult:
    folder: Path
    cards: list[ParsedCard] = field(default_factory=list)
    topics: list[TopicName] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: int = 0
    due: list[Due] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == Level.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == Level.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, lang: str | None = None) -> str:
        """"21 cards, 42 files, 0 errors" (English, for the command line), or in `lang`."""
        n_err, n_warn = len(self.errors), len(self.warnings)
        if lang is not None:
            _ = gettext_for(lang)
            text = _("Cards: %(cards)s · files: %(files)s · errors: %(errors)s") % {
                "cards": len(self.cards), "files": self.files, "errors": n_err}
            if n_warn:
                text += " · " + _("warnings: %(n)s") % {"n": n_warn}
            return text
        n_cards = len(self.cards)
        text = (f"{n_cards} card{'s' if n_cards != 1 else ''}, "
                f"{self.files} file{'s' if self.files != 1 else ''}, "
                f"{n_err} error{'s' if n_err != 1 else ''}")
        if n_warn:
            text += f", {n_warn} warning{'s' if n_warn != 1 else ''}"
        return text


MAX_PROBLEMS_PER_FILE = 20
YAML_FILE_LIMIT = 1024 * 1024  # topics.yml and glossary.yml


def _inside(path: Path, root: Path) -> bool:
    """Whether the file, links followed, is inside the content folder."""
    try:
        return path.resolve().is_relative_to(root)
    except (OSError, RuntimeError):  # a link loop
        return False


def _unsafe_extra(path: Path, root: Path, shown: str) -> Problem | None:
    """Why topics.yml or glossary.yml may not be read (a link out, too big), or None."""
    if not _inside(path, root):
        return problem(shown, 1, N_("a link to a file outside the content folder: refused "
                                    "(copy the file in)"))
    size = path.stat().st_size
    if size > YAML_FILE_LIMIT:
        return too_big(shown, size, YAML_FILE_LIMIT)
    return None


def card_files(folder: Path) -> list[Path]:
    """The card files under a folder: `*.md`, skipping hidden paths, `_*` files and READMEs."""
    found = []
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        if path.name.startswith("_") or path.name.lower() == "readme.md":
            continue
        if path.is_file():
            found.append(path)
    return found


Progress = Callable[[str, int, int], None]  # (stage, done, total): for long imports


def check_folder(folder: Path | str, shown: str | None = None, today: date | None = None,
                 progress: Progress | None = None) -> CheckResult:
    """Validate a content folder. `shown`: how to print its path (default: as given);
    `today`: the date reviews and contacts are judged against (default: today, UTC);
    `progress("check", files done, files)` is called as files are read."""
    today = today or datetime.now(UTC).date()
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInput(f"no content folder at {folder}")
    base = Path(shown) if shown is not None else folder
    result = CheckResult(folder=folder)
    root = folder.resolve()
    files = card_files(folder)
    result.files = len(files)
    if not files:
        result.problems.append(problem(str(base), 1, N_(
            "no card files found: cards go in <topic>/<id>.<lang>.md, e.g. ninez/nna.es.md")))
    seen: dict[tuple[str, str], str] = {}  # (id, lang) -> shown path
    folders: dict[str, tuple[str, str]] = {}  # id -> (folder, shown path)
    parsed: list[ParsedTranslation] = []
    for done, path in enumerate(files):
        if progress is not None:
            progress("check", done, len(files))
        rel = path.relative_to(folder)
        path_shown = str(base / rel)
        topic_folder = rel.parts[0] if len(rel.parts) > 1 else None
        name, _ = parse_name(path.name)
        if name is not None:
            other = seen.get((name.card_id, name.lang))
            if other is not None:
                result.problems.append(problem(path_shown, 1, N_(
                    "duplicate card id %(id)r in %(lang)s: also in %(other)s"),
                    id=name.card_id, lang=name.lang, other=other))
                continue
            seen[(name.card_id, name.lang)] = path_shown
            where = str(rel.parent)
            first = folders.setdefault(name.card_id, (where, path_shown))
            if first[0] != where:
                result.problems.append(problem(path_shown, 1, N_(
                    "duplicate card id %(id)r: also used in %(other)s (card ids are unique "
                    "across topics)"), id=name.card_id, other=first[1]))
                continue
        if not _inside(path, root):
            result.problems.append(problem(path_shown, 1, N_(
                "a link to a file outside the content folder: refused (copy the file in)")))
            continue
        translation, problems = parse_file(path, topic_folder, path_shown, folder)
        problems = sorted(problems, key=lambda p: p.line)  # top to bottom
        if len(problems) > MAX_PROBLEMS_PER_FILE:
            more = len(problems) - MAX_PROBLEMS_PER_FILE
            problems = [*problems[:MAX_PROBLEMS_PER_FILE], problem(
                path_shown, problems[MAX_PROBLEMS_PER_FILE].line,
                N_("%(n)s more problems in this file are not shown"), n=more)]
        result.problems.extend(problems)
        if translation is not None:
            parsed.append(translation)
    if progress is not None:
        progress("check", len(files), len(files))
    result.cards = _gather(parsed, result.problems)
    result.cards, result.due = _finish(result.cards, result.problems, today)
    result.topics = _topics(folder, base, result)
    return result


def _gather(parsed: list[ParsedTranslation], problems: list[Problem]) -> list[ParsedCard]:
    by_id: dict[str, dict[str, ParsedTranslation]] = {}
    for t in parsed:
        by_id.setdefault(t.card_id, {})[t.lang] = t
    cards = []
    for card_id in sorted(by_id):
        translations = {lang: by_id[card_id][lang] for lang in LANGS if lang in by_id[card_id]}
        first = next(iter(translations.values()))
        consistent = True
        for t in list(translations.values())[1:]:
            for attr in ("kind", "topic", "version"):
                mine, theirs = getattr(t, attr), getattr(first, attr)
                mine, theirs = (str(v) if v is not None else None for v in (mine, theirs))
                if attr == "version" and (mine is None or theirs is None):
                    continue  # one translation may carry the card's version for both
                if mine != theirs:
                    problems.append(problem(t.source, 1, N_(
                        "%(key)s %(mine)r differs from the %(lang)s translation (%(theirs)r in "
                        "%(other)s): translations of a card must agree"), key=attr, mine=mine,
                        lang=first.lang, theirs=theirs, other=first.source))
                    consistent = False
            if t.quiz and first.quiz and (len(t.quiz.options) != len(first.quiz.options)
                                          or t.quiz.answer != first.quiz.answer):
                problems.append(problem(t.source, 1, N_(
                    "quiz differs from the %(lang)s translation: options %(n)s vs %(other_n)s, "
                    "answer %(answer)s vs %(other_answer)s"), lang=first.lang,
                    n=len(t.quiz.options), other_n=len(first.quiz.options),
                    answer=t.quiz.answer, other_answer=first.quiz.answer))
                consistent = False
        if consistent:
            cards.append(ParsedCard(id=card_id, topic=first.topic, kind=first.kind,
                                    translations=translations))
    return cards


def _finish(cards: list[ParsedCard], problems: list[Problem], today: date
            ) -> tuple[list[ParsedCard], list[Due]]:
    """Resolve `contacts:`, judge reviews and contacts against `today`, append the footers."""
    directory = {c.id: c for c in cards if c.kind == Kind.CONTACT}
    finished: list[ParsedCard] = []
    due: list[Due] = []
    for card in cards:
        translations = {}
        for lang, t in card.translations.items():
            for call in t.calls:
                if call not in directory:
                    other = next((c for c in cards if c.id == call), None)
                    problems.append(problem(t.source, 1, N_(
                        "contacts: %(id)r is not a contact card (kind: contact)") if other else
                        N_("contacts: no contact card %(id)r in the folder"), id=call))
            if t.reviewed is not None and t.reviewed.stale(today):
                problems.append(problem(t.source, 1, N_(
                    "the review of %(date)s is %(days)s days old: have the card reviewed "
                    "again (every year at least) and update reviewed:"), Level.WARNING,
                    date=t.reviewed.on.isoformat(), days=t.reviewed.age_days(today)))
            if t.contact is not None and t.contact.verify is not None \
                    and t.contact.verify <= today:
                problems.append(problem(t.source, 1, N_(
                    "verify: %(date)s has come: check the phone and website against the "
                    "official source, then set a new date"), Level.WARNING,
                    date=t.contact.verify.isoformat()))
            sources = {c: directory[c].translations.get(lang) or directory[c].primary
                       for c in t.calls if c in directory}
            lines = footer_lines(t, sources)
            body_html = with_footer(t.body_html, lines)
            length = telegram_length(card_message_html(t.title, body_html))
            if lines and length > MESSAGE_LIMIT:
                problems.append(problem(t.source, 1, N_(
                    "too long for one Telegram message with its footer (call, legal basis, "
                    "review): %(length)s characters (limit %(limit)s)"), length=length,
                    limit=MESSAGE_LIMIT))
            translations[lang] = replace(t, body_html=body_html)
        finished.append(replace(card, translations=translations))
        due.extend(_due(finished[-1], today))
    return finished, due


def _due(card: ParsedCard, today: date) -> list[Due]:
    t = card.primary
    found = []
    review = t.reviewed
    if review is None:
        if card.kind == Kind.SOP:
            found.append(Due(card.id, t.title, str(card.kind), "missing", None, "", t.source))
    elif review.pending:
        found.append(Due(card.id, t.title, str(card.kind), "pending", review.on,
                         review.reviewer, t.source))
    elif review.stale(today):
        found.append(Due(card.id, t.title, str(card.kind), "stale", review.on, review.reviewer,
                         t.source))
    if t.contact is not None and t.contact.verify is not None and t.contact.verify <= today:
        found.append(Due(card.id, t.title, str(card.kind), "verify", t.contact.verify, "",
                         t.source))
    return found


def _topics(folder: Path, base: Path, result: CheckResult) -> list[TopicName]:
    """Display names: `topics.yml` (slug: {es: ..., en: ...}) or derived from the slug."""
    used = sorted({card.topic for card in result.cards})
    names: dict[str, dict[str, str]] = {}
    path = folder / TOPICS_FILE
    shown = str(base / TOPICS_FILE)
    unsafe = _unsafe_extra(path, folder.resolve(), shown) if path.is_file() else None
    if unsafe is not None:
        result.problems.append(unsafe)
    elif path.is_file():
        names = _read_topics(path, shown, result.problems)
        lines = _key_lines(path)
        for slug in sorted(set(names) - set(used)):
            result.problems.append(problem(shown, lines.get(slug, 1),
                                           N_("topic %(topic)r has no cards"), Level.WARNING,
                                           topic=slug))
    topics = []
    for slug in used:
        given = names.get(slug, {})
        default = given.get("es") or given.get("en") or topic_title(slug)
        topics.append(TopicName(slug, {lang: given.get(lang, default) for lang in LANGS}))
    return topics


def _read_topics(path: Path, shown: str, problems: list[Problem]) -> dict[str, dict[str, str]]:
    try:
        data = safeyaml.load(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError:
        problems.append(problem(shown, 1, N_("not UTF-8 text: save the file as UTF-8")))
        return {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(problem(shown, mark.line + 1 if mark else 1, N_("bad YAML: %(reason)s"),
                                reason=str(getattr(exc, "problem", None) or exc)))
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(problem(shown, 1, N_(
            "topics.yml maps each topic folder to its names: "
            "derechos-humanos: {es: Derechos humanos, en: Human rights}")))
        return {}
    lines = _key_lines(path)
    names: dict[str, dict[str, str]] = {}
    for slug, value in data.items():
        line = lines.get(str(slug), 1)
        if not isinstance(slug, str) or not CARD_ID.match(slug):
            problems.append(problem(shown, line, N_("bad topic name %(topic)r"), topic=slug))
            continue
        if isinstance(value, str):
            names[slug] = {lang: value for lang in LANGS}
        elif isinstance(value, dict) and all(
                k in LANGS and isinstance(v, str) and v.strip() for k, v in value.items()):
            names[slug] = {k: v.strip() for k, v in value.items()}
        else:
            problems.append(problem(shown, line, N_(
                "topic %(topic)r: give a name or {es: ..., en: ...}"), topic=slug))
    return names


def _key_lines(path: Path) -> dict[str, int]:
    try:
        node = safeyaml.compose(path.read_text(encoding="utf-8-sig"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 1 for k, _ in node.value}

