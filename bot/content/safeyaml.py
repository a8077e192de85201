"""YAML from content contributors, read as untrusted input.

Anchors and aliases (`&a`, `*a`) are refused before anything is built: a 700-byte front
matter of nested aliases (a "billion laughs") expands to tens of millions of items. Content
files never need them. Documents with more than `MAX_NODES` scalars, lists and mappings are
refused too. Files are size-capped by their readers (`bot.content.parse`, `check`).
"""

from __future__ import annotations

from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when installed
MAX_NODES = 20_000


class RefusedYaml(yaml.YAMLError):
    """A YAML document refused before loading: `problem` says why, `problem_mark` where."""

    def __init__(self, problem: str, mark: Any = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = mark
        self.context_mark = None


ALIASES = "anchors and aliases (& and *) are not allowed"
TOO_BIG = f"more than {MAX_NODES} items"


def screen(text: str) -> None:
    """Raise RefusedYaml for anchors, aliases or too many nodes; YAMLError when unreadable."""
    nodes = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise RefusedYaml(ALIASES, event.start_mark)
        if isinstance(event, yaml.ScalarEvent | yaml.CollectionStartEvent):
            nodes += 1
            if nodes > MAX_NODES:
                raise RefusedYaml(TOO_BIG, event.start_mark)


def load(text: str) -> Any:
    """`yaml.safe_load`, after `screen`."""
    screen(text)
    return yaml.load(text, Loader=_Loader)


def compose(text: str) -> yaml.Node | None:
    """`yaml.compose` (for line numbers), after `screen`."""
    screen(text)
    return yaml.compose(text, Loader=_Loader)
