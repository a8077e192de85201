"""Parse one card file, `<topic>/<id>.<lang>.md`: YAML front matter, then a Markdown body.

`parse_file` never raises for a problem in the file: it returns what it could parse and the
list of problems, each with the line of the front-matter key at fault (1 when unknown).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.content.model import (
    BUTTON_TEXT_LIMIT,
    CARD_ID,
    DOCUMENT_LIMIT,
    IMAGE_LIMIT,
    IMAGE_SUFFIXES,
    LANGS,
    MESSAGE_LIMIT,
    Kind,
    Level,
    Material,
    ParsedTranslation,
    Problem,
    Quiz,
)
from bot.content.render import (
    card_message_html,
    render_both,
    render_html,
    render_text,
    telegram_length,
)

KNOWN_KEYS = ("title", "kind", "keywords", "summary", "topic", "image", "document", "version",
              "question", "options", "answer", "explanation")
QUIZ_KEYS = ("question", "options", "answer", "explanation")
TITLE_LIMIT = 150
SUMMARY_LIMIT = 300
QUESTION_LIMIT = 1024
EXPLANATION_LIMIT = 1024
MIN_OPTIONS, MAX_OPTIONS = 2, 6
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed: ~10x faster


@dataclass(frozen=True)
class FileName:
    card_id: str
    lang: str


def parse_name(name: str) -> tuple[FileName | None, str | None]:
    """`nna.es.md` -> FileName("nna", "es"); else None and why."""
    stem = name[:-3] if name.endswith(".md") else name
    card_id, dot, lang = stem.rpartition(".")
    if not dot:
        return None, (f"no language in the file name: call it {stem}.es.md or {stem}.en.md")
    if lang not in LANGS:
        return None, f"unknown language {lang!r} in the file name (use es or en)"
    if not CARD_ID.match(card_id):
        return None, (f"bad card id {card_id!r}: use 1-48 lowercase letters, digits, - or _, "
                      "starting with a letter or digit")
    return FileName(card_id, lang), None


def split_front_matter(text: str) -> tuple[str, str, int]:
    """(yaml text, body, line number where the body starts). Raises ValueError with a reason."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise ValueError("missing front matter: start the file with a line '---', then "
                         "title: and kind:, then '---'")
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return "\n".join(lines[1:i]), "\n".join(lines[i + 1:]), i + 2
    raise ValueError("the front matter is not closed: add a line '---' after it")


def _python_yaml_error(yaml_text: str) -> yaml.YAMLError:
    try:
        yaml.safe_load(yaml_text)
    except yaml.YAMLError as exc:
        return exc
    return yaml.YAMLError("cannot be read")


def _key_lines(yaml_text: str) -> dict[str, int]:
    """Line (1-based, in the file) of each top-level key of the front matter."""
    try:
        node = yaml.compose(yaml_text, Loader=_Loader)
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

    def error(self, message: str, key: str | None = None, line: int | None = None) -> None:
        self.add(message, key, line, Level.ERROR)

    def warn(self, message: str, key: str | None = None, line: int | None = None) -> None:
        self.add(message, key, line, Level.WARNING)

    def add(self, message: str, key: str | None, line: int | None, level: Level) -> None:
        where = line if line is not None else self.key_lines.get(key or "", 1)
        self.problems.append(Problem(self.shown, where, message, level))


def parse_file(path: Path, topic_folder: str | None, shown: str
               ) -> tuple[ParsedTranslation | None, list[Problem]]:
    """Parse and validate one card file. `topic_folder`: the folder it sits in under the root."""
    name, why = parse_name(path.name)
    if name is None:
        return None, [Problem(shown, 1, why or "bad file name")]
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem(shown, 1, f"cannot read the file: {exc.strerror or exc}")]
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(shown, line, "not UTF-8 text: save the file as UTF-8")]
    try:
        yaml_text, body, body_line = split_front_matter(text)
    except ValueError as exc:
        return None, [Problem(shown, 1, str(exc))]
    try:
        meta = yaml.load(yaml_text, Loader=_Loader) if yaml_text.strip() else None
    except yaml.YAMLError:
        meta = None
        exc = _python_yaml_error(yaml_text)  # the pure-Python parser points at better lines
    else:
        exc = None
    if exc is not None:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = min(mark.line + 2, max(2, body_line - 2)) if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc).split("\n")[0]
        return None, [Problem(shown, line, f"bad YAML in the front matter: {problem}")]
    if meta is None:
        return None, [Problem(shown, 1, "empty front matter: it needs at least title: and kind:")]
    if not isinstance(meta, dict):
        return None, [Problem(shown, 2, "the front matter must be key: value lines")]
    out = _Collector(shown, _key_lines(yaml_text))
    translation = _validate(meta, name, topic_folder, body, body_line, path, out)
    return translation, out.problems


def _validate(meta: dict[str, Any], name: FileName, topic_folder: str | None, body: str,
              body_line: int, path: Path, out: _Collector) -> ParsedTranslation | None:
    for key in meta:
        if str(key) not in KNOWN_KEYS:
            out.warn(f"unknown front-matter key {key!r} is ignored (known: "
                     f"{', '.join(KNOWN_KEYS)})", str(key))
    title = _text_field(meta, "title", out, required=True, limit=TITLE_LIMIT)
    if title and "\n" in title.strip():
        out.error("title must be one line", "title")
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
        out.error(f"empty body: {kind} cards need text after the front matter",
                  line=body_line)
    if title:
        length = telegram_length(card_message_html(title.strip(), body_html))
        if length > MESSAGE_LIMIT:
            out.error(f"too long for one Telegram message: {length} characters with the title "
                      f"after rendering (limit {MESSAGE_LIMIT})", line=body_line)
    quiz = _quiz(meta, kind, out)
    image = _material(meta, "image", path, out)
    document = _material(meta, "document", path, out)
    if title is None or kind is None or topic is None:
        return None
    if any(p.level == Level.ERROR for p in out.problems):
        return None
    return ParsedTranslation(
        card_id=name.card_id, lang=name.lang, topic=topic, kind=kind, title=title.strip(),
        summary=summary.strip(), keywords=keywords, body_md=body, body_html=body_html,
        body_text=body_text, source=out.shown, version=version, quiz=quiz, image=image,
        document=document,
    )


def _text_field(meta: dict, key: str, out: _Collector, *, required: bool = False,
                limit: int | None = None) -> str | None:
    value = meta.get(key)
    if value is None:
        if required:
            out.error(f"missing {key}: add a line '{key}: ...' to the front matter",
                      key if key in meta else None)
        return None
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        out.error(f"{key} must be text", key)
        return None
    text = str(value)
    if required and not text.strip():
        out.error(f"{key} is empty", key)
        return None
    if limit is not None and len(text) > limit:
        out.error(f"{key} is {len(text)} characters long (limit {limit})", key)
    return text


def _kind(meta: dict, out: _Collector) -> Kind | None:
    value = meta.get("kind")
    if value is None:
        out.error("missing kind: add 'kind: sop', 'kind: practice' or 'kind: quiz'",
                  "kind" if "kind" in meta else None)
        return None
    try:
        return Kind(str(value).strip().lower())
    except ValueError:
        out.error(f"unknown kind {value!r}: use sop, practice or quiz", "kind")
        return None


def _keywords(meta: dict, out: _Collector) -> tuple[str, ...]:
    value = meta.get("keywords")
    if value is None:
        return ()
    if not isinstance(value, list):
        out.error("keywords must be a list of strings, e.g. keywords: [NNA, menor solo]",
                  "keywords")
        return ()
    words = []
    for i, word in enumerate(value, 1):
        if not isinstance(word, str) or not word.strip():
            out.error(f"keywords: item {i} ({word!r}) is not text (put it in quotes)",
                      "keywords")
            continue
        words.append(word.strip())
    return tuple(words)


def _topic(meta: dict, topic_folder: str | None, out: _Collector) -> str | None:
    value = meta.get("topic", topic_folder)
    if value is None:
        out.error("no topic: put the file in a topic folder (messages/<topic>/) or set topic:")
        return None
    topic = str(value).strip()
    if not CARD_ID.match(topic):
        out.error(f"bad topic name {topic!r}: use 1-48 lowercase letters, digits, - or _",
                  "topic" if "topic" in meta else None)
        return None
    return topic


def _version(meta: dict, out: _Collector) -> str | None:
    value = meta.get("version")
    if value is None:
        return None
    if isinstance(value, list | dict | bool):
        out.error("version must be a short text such as 2 or 2026-03", "version")
        return None
    text = str(value).strip()
    if not text or len(text) > 32:
        out.error("version must be 1-32 characters", "version")
        return None
    return text


def _quiz(meta: dict, kind: Kind | None, out: _Collector) -> Quiz | None:
    present = [k for k in QUIZ_KEYS if k in meta]
    if kind != Kind.QUIZ:
        for key in present:
            out.error(f"{key}: only quiz cards (kind: quiz) take {', '.join(QUIZ_KEYS)}", key)
        return None
    if not present:  # a quiz written out in its body: shown as text, no answer buttons
        out.warn("quiz without question:, options:, answer: and explanation: is shown as "
                 "text, without answer buttons", "kind")
        return None
    question = _text_field(meta, "question", out, required=True, limit=QUESTION_LIMIT)
    explanation = _text_field(meta, "explanation", out, required=True,
                              limit=EXPLANATION_LIMIT)
    options = _options(meta, out)
    answer = meta.get("answer")
    if answer is None:
        out.error("missing answer: the number of the right option (1 for the first)",
                  "answer" if "answer" in meta else None)
    elif isinstance(answer, bool) or not isinstance(answer, int):
        out.error(f"answer must be the number of the right option, not {answer!r}", "answer")
        answer = None
    elif options and not 1 <= answer <= len(options):
        out.error(f"answer {answer} is not an option number (1-{len(options)})", "answer")
        answer = None
    if question is None or explanation is None or not options or answer is None:
        return None
    return Quiz(question=render_text(question), options=tuple(options), answer=answer,
                explanation=render_text(explanation), question_html=render_html(question),
                explanation_html=render_html(explanation))


def _options(meta: dict, out: _Collector) -> list[str]:
    value = meta.get("options")
    if value is None:
        out.error(f"missing options: a list of {MIN_OPTIONS}-{MAX_OPTIONS} answers",
                  "options" if "options" in meta else None)
        return []
    if not isinstance(value, list):
        out.error("options must be a list, e.g. options: [Sí, No]", "options")
        return []
    if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        out.error(f"a quiz needs {MIN_OPTIONS}-{MAX_OPTIONS} options, this one has {len(value)}",
                  "options")
        return []
    options: list[str] = []
    for i, option in enumerate(value, 1):
        if isinstance(option, bool) or not isinstance(option, str | int | float):
            out.error(f"option {i} is not text (put it in quotes)", "options")
            return []
        text = str(option).strip()
        if not text:
            out.error(f"option {i} is empty", "options")
            return []
        if len(text) > BUTTON_TEXT_LIMIT:
            out.error(f"option {i} is {len(text)} characters long: a button takes "
                      f"{BUTTON_TEXT_LIMIT}", "options")
            return []
        if text in options:
            out.error(f"option {i} repeats option {options.index(text) + 1}", "options")
            return []
        options.append(text)
    return options


def _material(meta: dict, key: str, path: Path, out: _Collector) -> Material | None:
    value = meta.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        out.error(f"{key} must be a file name next to the card, e.g. {key}: file.png", key)
        return None
    target = (path.parent / value.strip()).resolve()
    if not target.exists():
        out.error(f"{key} {value!r} not found (looked for {target})", key)
        return None
    if not target.is_file():
        out.error(f"{key} {value!r} is not a file", key)
        return None
    size = target.stat().st_size
    if key == "image":
        if target.suffix.lower() not in IMAGE_SUFFIXES:
            out.error(f"image {value!r} must be {', '.join(IMAGE_SUFFIXES)} "
                      "(send other files as document:)", key)
            return None
        limit = IMAGE_LIMIT
    else:
        limit = DOCUMENT_LIMIT
    if size > limit:
        out.error(f"{key} {value!r} is {size / 1048576:.1f} MB: Telegram takes up to "
                  f"{limit // 1048576} MB", key)
        return None
    if size == 0:
        out.error(f"{key} {value!r} is empty", key)
        return None
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return Material(path=str(target), sha256=digest, size=size)
