"""Parse one card file, `<topic>/<id>.<lang>.md`: YAML front matter, then a Markdown body.

`parse_file` never raises for a problem in the file: it returns what it could parse and the
list of problems, each with the line of the front-matter key at fault (1 when unknown).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content import safeyaml
from bot.content.model import (
    BUTTON_TEXT_LIMIT,
    CARD_ID,
    DOCUMENT_LIMIT,
    IMAGE_LIMIT,
    IMAGE_SUFFIXES,
    LANGS,
    MESSAGE_LIMIT,
    Contact,
    Kind,
    Level,
    Material,
    ParsedTranslation,
    Problem,
    Quiz,
    Review,
    problem,
)
from bot.content.render import (
    card_message_html,
    render_both,
    render_html,
    render_text,
    telegram_length,
)
from bot.i18n import N_

KNOWN_KEYS = ("title", "kind", "keywords", "summary", "topic", "image", "document", "version",
              "question", "options", "answer", "explanation", "legal_basis", "reviewed",
              "contacts", "phone", "website", "verify")
CONTACT_KEYS = ("phone", "website", "verify")
LEGAL_BASIS_LIMIT = 600
PHONE = re.compile(r"^\+?[0-9][0-9 ]{1,23}$")
QUIZ_KEYS = ("question", "options", "answer", "explanation")
TITLE_LIMIT = 150
SUMMARY_LIMIT = 300
QUESTION_LIMIT = 1024
EXPLANATION_LIMIT = 1024
MIN_OPTIONS, MAX_OPTIONS = 2, 6
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~10x faster
# A card is one Telegram message (4096 characters) and its front matter: a file over this
# is a mistake or an attack, refused before it is read.
CARD_FILE_LIMIT = 256 * 1024


def too_big(shown: str, size: int, limit: int) -> Problem:
    return problem(shown, 1, N_("the file is %(size)s KB: content files may be at most "
                                "%(limit)s KB"), size=f"{size / 1024:,.0f}", limit=limit // 1024)


@dataclass(frozen=True)
class FileName:
    card_id: str
    lang: str


def parse_name(name: str) -> tuple[FileName | None, tuple[str, dict] | None]:
    """`nna.es.md` -> FileName("nna", "es"); else None and why (a msgid and its parameters)."""
    stem = name[:-3] if name.endswith(".md") else name
    card_id, dot, lang = stem.rpartition(".")
    if not dot:
        return None, (N_("no language in the file name: call it %(stem)s.es.md or "
                         "%(stem)s.en.md"), {"stem": stem})
    if lang not in LANGS:
        return None, (N_("unknown language %(lang)r in the file name (use es or en)"),
                      {"lang": lang})
    if not CARD_ID.match(card_id):
        return None, (N_("bad card id %(id)r: use 1-48 lowercase letters, digits, - or _, "
                         "starting with a letter or digit"), {"id": card_id})
    return FileName(card_id, lang), None


NO_FRONT_MATTER = N_("missing front matter: start the file with a line '---', then title: and "
                     "kind:, then '---'")
UNCLOSED_FRONT_MATTER = N_("the front matter is not closed: add a line '---' after it")


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(yaml text, body, line number where the body starts). Raises ValueError with a msgid."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError(NO_FRONT_MATTER)
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise ValueError(UNCLOSED_FRONT_MATTER)


def _python_yaml_error(yaml_text: str) -> yaml.YAMLError:
    try:
        yaml.compose(yaml_text, Loader=yaml.SafeLoader)  # composing builds nothing big
    except yaml.YAMLError as exc:
        return exc
    return yaml.YAMLError("cannot be read")


def _yaml_problem(exc: yaml.YAMLError, shown: str, body_line: int) -> Problem:
    """A YAML error in words a content writer knows, at the line where it starts."""
    problem_text = str(getattr(exc, "problem", None) or str(exc).split("\n")[0])
    context = str(getattr(exc, "context", None) or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    last = max(2, body_line - 2)  # the last line of the front matter

    def at(m: Any) -> int:
        return min(m.line + 2, last) if m is not None else 1

    if "quoted scalar" in context:
        return problem(shown, at(context_mark or mark), N_(
            "bad YAML in the front matter: a quote is not closed; end the text with the "
            "same quote it starts with (\" or ')"))
    if "flow sequence" in context or "flow mapping" in context:
        return problem(shown, at(context_mark or mark), N_(
            "bad YAML in the front matter: a list [...] or {...} is not closed with ] or }"))
    if "mapping values are not allowed" in problem_text:
        return problem(shown, at(mark), N_(
            "bad YAML in the front matter: a ':' where none is expected; put a value that "
            "has ': ' in quotes, and check that the line above is 'key: value'"))
    if "could not find expected ':'" in problem_text or "expected <block end>" in problem_text:
        return problem(shown, at(context_mark or mark), N_(
            "bad YAML in the front matter: a line is not 'key: value' (check the colon and "
            "the indentation)"))
    if "found character '\\t'" in problem_text:
        return problem(shown, at(mark), N_(
            "bad YAML in the front matter: a tab; indent with spaces"))
    return problem(shown, at(mark), N_("bad YAML in the front matter: %(reason)s"),
                   reason=problem_text)


def _key_lines(yaml_text: str) -> dict[str, int]:
    """Line (1-based, in the file) of each top-level key of the front matter."""
    try:
        node = safeyaml.compose(yaml_text)
    except yaml.YAMLError:
        return {}
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(k.value): k.start_mark.line + 2 for k, _ in node.value}


class _Collector:
    def __init__(self, shown: str, key_lines: dict[str, int]) -> None:
        self.shown = shown
        self.key_lines = key_lines
        self.problems: list[Problem] = []

    def error(self, msgid: str, at: str | None = None, /, *, line: int | None = None,
              **params: object) -> None:
        """An error at the line of front-matter key `at` (or `line`, else 1)."""
        self.add(msgid, at, line, Level.ERROR, params)

    def warn(self, msgid: str, at: str | None = None, /, *, line: int | None = None,
             **params: object) -> None:
        self.add(msgid, at, line, Level.WARNING, params)

    def add(self, msgid: str, at: str | None, line: int | None, level: Level,
            params: dict[str, object]) -> None:
        where = line if line is not None else self.key_lines.get(at or "", 1)
        self.problems.append(problem(self.shown, where, msgid, level, **params))


def parse_file(path: Path, topic_folder: str | None, shown: str, root: Path | None = None
               ) -> tuple[ParsedTranslation | None, list[Problem]]:
    """Parse and validate one card file. `topic_folder`: the folder it sits in under `root`
    (the content folder, which materials may not leave)."""
    name, why = parse_name(path.name)
    if name is None:
        msgid, params = why or (N_("bad file name"), {})
        return None, [problem(shown, 1, msgid, **params)]
    try:
        size = path.stat().st_size
        if size > CARD_FILE_LIMIT:
            return None, [too_big(shown, size, CARD_FILE_LIMIT)]
        with path.open("rb") as fh:
            raw = fh.read(CARD_FILE_LIMIT + 1)
    except OSError as exc:
        return None, [problem(shown, 1, N_("cannot read the file: %(reason)s"),
                              reason=exc.strerror or str(exc))]
    if len(raw) > CARD_FILE_LIMIT:  # it grew while being read
        return None, [too_big(shown, len(raw), CARD_FILE_LIMIT)]
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [problem(shown, line, N_("not UTF-8 text: save the file as UTF-8"))]
    try:
        yaml_text, body, body_line = split_front_matter(text)
    except ValueError as exc:
        return None, [problem(shown, 1, str(exc))]
    error: yaml.YAMLError | None = None
    try:
        meta = safeyaml.load(yaml_text) if yaml_text.strip() else None
    except safeyaml.RefusedYaml as refused:
        meta, error = None, refused
    except yaml.YAMLError:
        meta = None
        error = _python_yaml_error(yaml_text)  # the pure-Python parser points at better lines
    if error is not None:
        return None, [_yaml_problem(error, shown, body_line)]
    if meta is None:
        return None, [problem(shown, 1, N_("empty front matter: it needs at least title: and "
                                           "kind:"))]
    if not isinstance(meta, dict):
        return None, [problem(shown, 2, N_("the front matter must be key: value lines"))]
    out = _Collector(shown, _key_lines(yaml_text))
    # The body's first line, or the file's last line when nothing follows the front matter
    # (an "empty body" is reported on a line the file has).
    last_line = text.count("\n") + (0 if text.endswith("\n") else 1)
    translation = _validate(meta, name, topic_folder, body, min(body_line, last_line), path,
                            out, (root or path.parent).resolve())
    return translation, out.problems


def _validate(meta: dict[str, Any], name: FileName, topic_folder: str | None, body: str,
              body_line: int, path: Path, out: _Collector, root: Path
              ) -> ParsedTranslation | None:
    for key in meta:
        if str(key) not in KNOWN_KEYS:
            out.warn(N_("unknown front-matter key %(key)r is ignored (known: %(known)s)"),
                     str(key), key=str(key), known=", ".join(KNOWN_KEYS))
    title = _text_field(meta, "title", out, required=True, limit=TITLE_LIMIT)
    if title and "\n" in title.strip():
        out.error(N_("title must be one line"), "title")
    kind = _kind(meta, out)
    summary = _text_field(meta, "summary", out, limit=SUMMARY_LIMIT) or ""
    keywords = _keywords(meta, out)
    topic = _topic(meta, topic_folder, out)
    version = _version(meta, out)
    body = body.strip("\n")
    body_html, body_text = render_both(body)
    needs_body = kind in (Kind.SOP, Kind.PRACTICE) or (
        kind == Kind.QUIZ and not any(k in meta for k in QUIZ_KEYS))
    if needs_body and not body_text.strip():
        out.error(N_("empty body: %(kind)s cards need text after the front matter"),
                  line=body_line, kind=str(kind))
    if title:
        length = telegram_length(card_message_html(title.strip(), body_html))
        if length > MESSAGE_LIMIT:
            out.error(N_("too long for one Telegram message: %(length)s characters with the "
                         "title after rendering (limit %(limit)s)"),
                      line=body_line, length=length, limit=MESSAGE_LIMIT)
    quiz = _quiz(meta, kind, out)
    legal_basis = _legal_basis(meta, out)
    reviewed = _reviewed(meta, out)
    calls = _calls(meta, out)
    contact = _contact(meta, kind, out)
    if kind == Kind.SOP:
        if not legal_basis and "legal_basis" not in meta:
            out.warn(N_("an SOP needs legal_basis: the instrument and article it rests on, "
                        "e.g. legal_basis: \"Ley de Migración, art. 68\""), "kind")
        if reviewed is None and "reviewed" not in meta:
            out.warn(N_("an SOP needs reviewed: {date: YYYY-MM-DD, by: role}; write by: "
                        "\"pendiente: unidad jurídica INM\" until an expert signs it off"),
                     "kind")
    if title and quiz is not None:
        options = "\n".join(f"A) {option}" for option in quiz.options)
        whole = f"{card_message_html(title.strip(), body_html)}\n\n{quiz.question_html}\n\n"
        if telegram_length(whole) + len(options) > MESSAGE_LIMIT:
            out.warn(N_("with its question and options the quiz is over %(limit)s characters: "
                        "the body will be left out when it is sent"),
                     line=body_line, limit=MESSAGE_LIMIT)
    image = _material(meta, "image", path, root, out)
    document = _material(meta, "document", path, root, out)
    if title is None or kind is None or topic is None:
        return None
    if any(p.level == Level.ERROR for p in out.problems):
        return None
    return ParsedTranslation(
        card_id=name.card_id, lang=name.lang, topic=topic, kind=kind, title=title.strip(),
        summary=summary.strip(), keywords=keywords, body_md=body, body_html=body_html,
        body_text=body_text, source=out.shown, version=version, quiz=quiz, image=image,
        document=document, legal_basis=legal_basis, reviewed=reviewed, calls=calls,
        contact=contact,
    )


def _text_field(meta: dict, key: str, out: _Collector, *, required: bool = False,
                limit: int | None = None) -> str | None:
    value = meta.get(key)
    if value is None:
        if required:
            out.error(N_("missing %(key)s: add a line '%(key)s: ...' to the front matter"),
                      key if key in meta else None, key=key)
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        out.error(N_("%(key)s must be text"), key, key=key)
        return None
    text = str(value)
    if required and not text.strip():
        out.error(N_("%(key)s is empty"), key, key=key)
        return None
    if limit is not None and len(text) > limit:
        out.error(N_("%(key)s is %(length)s characters long (limit %(limit)s)"), key, key=key,
                  length=len(text), limit=limit)
    return text


def _kind(meta: dict, out: _Collector) -> Kind | None:
    value = meta.get("kind")
    if value is None:
        out.error(N_("missing kind: add 'kind: sop', 'kind: practice' or 'kind: quiz'"),
                  "kind" if "kind" in meta else None)
        return None
    try:
        return Kind(str(value).strip().lower())
    except ValueError:
        out.error(N_("unknown kind %(kind)r: use sop, practice, quiz or contact"), "kind",
                  kind=value)
        return None


def _keywords(meta: dict, out: _Collector) -> tuple[str, ...]:
    value = meta.get("keywords")
    if value is None:
        return ()
    if not isinstance(value, list):
        out.error(N_("keywords must be a list of strings, e.g. keywords: [NNA, menor solo]"),
                  "keywords")
        return ()
    words = []
    for i, word in enumerate(value, 1):
        if not isinstance(word, str) or not word.strip():
            out.error(N_("keywords: item %(n)s (%(word)r) is not text (put it in quotes)"),
                      "keywords", n=i, word=word)
            continue
        words.append(word.strip())
    return tuple(words)


def _topic(meta: dict, topic_folder: str | None, out: _Collector) -> str | None:
    value = meta.get("topic", topic_folder)
    if value is None:
        out.error(N_("no topic: put the file in a topic folder (messages/<topic>/) or set "
                     "topic:"))
        return None
    topic = str(value).strip()
    if not CARD_ID.match(topic):
        out.error(N_("bad topic name %(topic)r: use 1-48 lowercase letters, digits, - or _"),
                  "topic" if "topic" in meta else None, topic=topic)
        return None
    return topic


def _version(meta: dict, out: _Collector) -> str | None:
    value = meta.get("version")
    if value is None:
        return None
    if isinstance(value, list | dict | bool):
        out.error(N_("version must be a short text such as 2 or 2026-03"), "version")
        return None
    text = str(value).strip()
    if not text or len(text) > 32:
        out.error(N_("version must be 1-32 characters"), "version")
        return None
    return text


def _quiz(meta: dict, kind: Kind | None, out: _Collector) -> Quiz | None:
    present = [k for k in QUIZ_KEYS if k in meta]
    if kind != Kind.QUIZ:
        for key in present:
            out.error(N_("%(key)s: only quiz cards (kind: quiz) take %(keys)s"), key, key=key,
                      keys=", ".join(QUIZ_KEYS))
        return None
    if not present:  # a quiz written out in its body: shown as text, no answer buttons
        out.warn(N_("quiz without question:, options:, answer: and explanation: is shown as "
                    "text, without answer buttons"), "kind")
        return None
    question = _text_field(meta, "question", out, required=True, limit=QUESTION_LIMIT)
    explanation = _text_field(meta, "explanation", out, required=True,
                              limit=EXPLANATION_LIMIT)
    options = _options(meta, out)
    # The answer is checked against the options as written, even when some option is wrong,
    # so that every problem shows in one run (not one more after each fix).
    listed = meta.get("options")
    n_listed = len(listed) if isinstance(listed, list) else 0
    answer = meta.get("answer")
    if answer is None:
        out.error(N_("missing answer: the number of the right option (1 for the first)"),
                  "answer" if "answer" in meta else None)
    elif isinstance(answer, bool) or not isinstance(answer, int):
        out.error(N_("answer must be the number of the right option, not %(answer)r"),
                  "answer", answer=answer)
        answer = None
    elif n_listed and not 1 <= answer <= n_listed:
        out.error(N_("answer %(answer)s is not an option number (1-%(n)s)"), "answer",
                  answer=answer, n=n_listed)
        answer = None
    if question is None or explanation is None or not options or answer is None:
        return None
    return Quiz(question=render_text(question), options=tuple(options), answer=answer,
                explanation=render_text(explanation), question_html=render_html(question),
                explanation_html=render_html(explanation))


def _options(meta: dict, out: _Collector) -> list[str]:
    value = meta.get("options")
    if value is None:
        out.error(N_("missing options: a list of %(min)s-%(max)s answers"),
                  "options" if "options" in meta else None, min=MIN_OPTIONS, max=MAX_OPTIONS)
        return []
    if not isinstance(value, list):
        out.error(N_("options must be a list, e.g. options: [Sí, No]"), "options")
        return []
    if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        out.error(N_("a quiz needs %(min)s-%(max)s options, this one has %(n)s"), "options",
                  min=MIN_OPTIONS, max=MAX_OPTIONS, n=len(value))
        return []
    options: list[str] = []
    wrong = False  # every option is checked, so all their problems show at once
    for i, option in enumerate(value, 1):
        if isinstance(option, bool) or not isinstance(option, str | int | float):
            out.error(N_("option %(n)s is not text (put it in quotes)"), "options", n=i)
            wrong = True
            continue
        text = str(option).strip()
        if not text:
            out.error(N_("option %(n)s is empty"), "options", n=i)
            wrong = True
        elif len(text) > BUTTON_TEXT_LIMIT:
            out.error(N_("option %(n)s is %(length)s characters long: a button takes "
                         "%(limit)s"), "options", n=i, length=len(text),
                      limit=BUTTON_TEXT_LIMIT)
            wrong = True
        elif text in options:
            out.error(N_("option %(n)s repeats option %(other)s"), "options", n=i,
                      other=options.index(text) + 1)
            wrong = True
        options.append(text)
    return [] if wrong else options


def _material(meta: dict, key: str, path: Path, root: Path, out: _Collector
              ) -> Material | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        out.error(N_("%(key)s must be a file name next to the card, e.g. %(key)s: file.png"),
                  key, key=key)
        return None
    target = (path.parent / value.strip()).resolve()
    if not target.is_relative_to(root):
        out.error(N_("%(key)s %(file)r is outside the content folder"), key, key=key,
                  file=value)
        return None
    if not target.exists():
        out.error(N_("%(key)s %(file)r not found (looked for %(target)s)"), key, key=key,
                  file=value, target=str(target))
        return None
    if not target.is_file():
        out.error(N_("%(key)s %(file)r is not a file"), key, key=key, file=value)
        return None
    size = target.stat().st_size
    if key == "image":
        if target.suffix.lower() not in IMAGE_SUFFIXES:
            out.error(N_("image %(file)r must be %(types)s (send other files as document:)"),
                      key, file=value, types=", ".join(IMAGE_SUFFIXES))
            return None
        limit = IMAGE_LIMIT
    else:
        limit = DOCUMENT_LIMIT
    if size > limit:
        out.error(N_("%(key)s %(file)r is %(size)s MB: Telegram takes up to %(limit)s MB"),
                  key, key=key, file=value, size=f"{size / 1048576:.1f}",
                  limit=limit // 1048576)
        return None
    if size == 0:
        out.error(N_("%(key)s %(file)r is empty"), key, key=key, file=value)
        return None
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return Material(path=str(target), sha256=digest, size=size)


def _legal_basis(meta: dict, out: _Collector) -> tuple[str, ...]:
    """`legal_basis:` one text, or a list of texts (one per instrument)."""
    value = meta.get("legal_basis")
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    found: list[str] = []
    for item in items:
        if isinstance(item, bool) or not isinstance(item, str | int | float) or not str(
                item).strip():
            out.error(N_("legal_basis must be a text or a list of texts, e.g. legal_basis: "
                         "[\"Ley de Migración, art. 68\", \"Constitución, art. 1\"]"),
                      "legal_basis")
            return ()
        found.append(" ".join(str(item).split()))
    if sum(len(x) for x in found) > LEGAL_BASIS_LIMIT:
        out.error(N_("legal_basis is over %(limit)s characters: cite the instruments and "
                     "articles, not their text"), "legal_basis", limit=LEGAL_BASIS_LIMIT)
        return ()
    return tuple(found)


def _date(value: object) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _reviewed(meta: dict, out: _Collector) -> Review | None:
    """`reviewed: {date: 2026-12-03, by: unidad jurídica INM}`."""
    value = meta.get("reviewed")
    if value is None:
        return None
    hint = N_("reviewed must be {date: YYYY-MM-DD, by: role}, e.g. reviewed: {date: 2026-12-03, "
              "by: \"pendiente: unidad jurídica INM\"}")
    if not isinstance(value, dict):
        out.error(hint, "reviewed")
        return None
    on = _date(value.get("date"))
    by = value.get("by")
    if on is None or not isinstance(by, str) or not by.strip() or set(value) - {"date", "by"}:
        out.error(hint, "reviewed")
        return None
    return Review(on=on, by=" ".join(by.split()))


def _calls(meta: dict, out: _Collector) -> tuple[str, ...]:
    """`contacts:` the ids of the directory's contact cards this card tells officers to call."""
    value = meta.get("contacts")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(
            isinstance(v, str) and CARD_ID.match(v.strip()) for v in value):
        out.error(N_("contacts must be a list of contact card ids, e.g. contacts: [comar, "
                     "procuraduria-federal]"), "contacts")
        return ()
    return tuple(dict.fromkeys(v.strip() for v in value))


def _contact(meta: dict, kind: Kind | None, out: _Collector) -> Contact | None:
    present = [k for k in CONTACT_KEYS if k in meta]
    if kind != Kind.CONTACT:
        for key in present:
            out.error(N_("%(key)s: only contact cards (kind: contact) take %(keys)s"), key,
                      key=key, keys=", ".join(CONTACT_KEYS))
        return None
    phone = meta.get("phone")
    if phone is not None:
        phone = str(phone).strip() if isinstance(phone, str | int) else ""
        if not PHONE.match(phone):
            out.error(N_("phone must be digits and spaces, e.g. phone: \"800 911 2000\""),
                      "phone")
            phone = ""
    website = meta.get("website")
    if website is not None:
        website = website.strip() if isinstance(website, str) else ""
        if not website.startswith("https://") or " " in website:
            out.error(N_("website must be an https:// address"), "website")
            website = ""
    if not phone and not website:
        out.warn(N_("a contact needs a phone: or a website: (give the official website when "
                    "you are not sure of a number)"), "kind")
    verify = None
    if "verify" not in meta:
        out.warn(N_("a contact needs verify: YYYY-MM-DD, the date by which its phone and "
                    "website must be checked again against the official source"), "kind")
    else:
        verify = _date(meta.get("verify"))
        if verify is None:
            out.error(N_("verify must be a date, YYYY-MM-DD"), "verify")
    return Contact(phone=phone or "", website=website or "", verify=verify)
