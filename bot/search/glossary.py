"""The glossary: the words officers type and the words cards use, as data.

A glossary file is a YAML list of entries. Each entry is one concept with its terms in
Spanish (`es`) and English (`en`); a term may be several words, an abbreviation or slang:

    - es: [pollero, coyote, traficante de personas]
      en: [smuggler, people smuggler, coyote]
      note: optional, for the people who maintain the file

Typing any term of an entry also searches the entry's other terms, in the officer's
language and, for cards that exist only in the other language, in that one. The base
glossary (`bot/search/glossary.yml`) ships with the package; a content folder's
`glossary.yml` adds entries to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from bot.errors import ContentError
from bot.search.analyze import LANGS, analyze

FILENAME = "glossary.yml"
BASE_PATH = Path(__file__).with_name(FILENAME)
_KEYS = {*LANGS, "note"}


@dataclass(frozen=True)
class Entry:
    """One concept: its terms per language, and where it was written."""

    terms: dict[str, tuple[str, ...]]
    source: str = ""
    line: int = 0

    def phrases(self, lang: str) -> list[tuple[str, ...]]:
        """The entry's terms in `lang`, each analysed to its stems (empty ones dropped)."""
        found = []
        for term in self.terms.get(lang, ()):
            stems = tuple(analyze(term, lang))
            if stems and stems not in found:
                found.append(stems)
        return found


def parse(text: str, source: str) -> tuple[list[Entry], list[ContentError]]:
    """Entries of a glossary text, and every problem as `source:line: message`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(exc, "problem", None) or "not valid YAML"
        return [], [ContentError(source, line, f"invalid YAML: {problem}")]
    if root is None:
        return [], []
    if not isinstance(root, yaml.SequenceNode):
        return [], [ContentError(source, _line(root), "a glossary is a list of entries")]
    entries: list[Entry] = []
    errors: list[ContentError] = []
    for node in root.value:
        entry, problems = _entry(node, source)
        errors.extend(problems)
        if entry is not None:
            entries.append(entry)
    return entries, errors


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _entry(node: yaml.Node, source: str) -> tuple[Entry | None, list[ContentError]]:
    line = _line(node)
    if not isinstance(node, yaml.MappingNode):
        return None, [ContentError(source, line, "an entry is a mapping with es: and en: lists")]
    errors: list[ContentError] = []
    terms: dict[str, tuple[str, ...]] = {}
    for key_node, value_node in node.value:
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key not in _KEYS:
            errors.append(ContentError(source, _line(key_node),
                                       f"unknown key {key!r}: use es, en or note"))
            continue
        if key == "note":
            continue
        values = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        found = []
        for item in values:
            if not isinstance(item, yaml.ScalarNode) or not str(item.value).strip():
                errors.append(ContentError(source, _line(item),
                                           f"{key}: every term must be a non-empty text"))
                continue
            term = str(item.value).strip()
            if not analyze(term, key):
                errors.append(ContentError(source, _line(item),
                                           f"{key}: {term!r} has no searchable word"))
                continue
            found.append(term)
        terms[key] = tuple(found)
    if not errors and sum(len(t) for t in terms.values()) < 2:
        errors.append(ContentError(source, line, "an entry needs at least two terms"))
    if errors:
        return None, errors
    return Entry(terms=terms, source=source, line=line), []


FILE_LIMIT = 1024 * 1024


def load_file(path: Path, label: str | None = None) -> tuple[list[Entry], list[ContentError]]:
    """Entries of one glossary file (`label` names it in messages; default the path)."""
    label = label or str(path)
    try:
        size = path.stat().st_size
        if size > FILE_LIMIT:  # content is untrusted input: refused before it is read
            return [], [ContentError(label, 1, f"the file is {size / 1024:,.0f} KB: a glossary "
                                               f"may be at most {FILE_LIMIT // 1024} KB")]
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return [], [ContentError(label, 1, "not UTF-8 text")]
    return parse(text, label)


@cache
def base_entries() -> tuple[Entry, ...]:
    """The glossary shipped with the package (it applies to every content folder)."""
    entries, errors = load_file(BASE_PATH, "bot/search/glossary.yml")
    if errors:
        raise RuntimeError(f"the base glossary is invalid: {errors[0]}")
    return tuple(entries)


def check_folder(folder: Path) -> list[ContentError]:
    """Problems in `<folder>/glossary.yml` (none when there is no such file)."""
    path = Path(folder) / FILENAME
    if not path.is_file():
        return []
    if not path.resolve().is_relative_to(Path(folder).resolve()):
        return [ContentError(str(path), 1, "a link to a file outside the content folder: "
                                           "refused (copy the file in)")]
    return load_file(path)[1]
