"""The store's signatures keep their rule (issue 9): times go in as aware `datetime`s (the store
formats them for SQLite in one place, `bot.clock.iso`), and rows come out named (dataclasses,
NamedTuples or dicts), never as positional tuples read as `r[3]`.

Both checks read the annotations of every public function of `bot.store`, so a new function
that takes `now: str` or returns `list[tuple[int, str]]` fails here."""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import pkgutil
import types
import typing
from collections.abc import Callable, Iterator
from datetime import datetime

import bot.store

# parameters that hold a moment in time
TIME_NAMES = {"now", "before", "after", "since", "until", "at"}
# a positional tuple made of these says nothing about what each place means
PLAIN = (int, float, str, bytes, bool, type(None))


def _public_functions() -> Iterator[tuple[str, Callable[..., object]]]:
    modules = [bot.store] + [importlib.import_module(f"bot.store.{m.name}")
                             for m in pkgutil.iter_modules(bot.store.__path__)]
    for module in modules:
        for name, fn in vars(module).items():
            if (not name.startswith("_") and inspect.isfunction(fn)
                    and fn.__module__ == module.__name__):
                yield f"{module.__name__}.{name}", fn


def _mentions_str(hint: object) -> bool:
    if hint is str:
        return True
    return any(_mentions_str(arg) for arg in typing.get_args(hint))


def _is_time(name: str) -> bool:
    return name in TIME_NAMES or name.endswith("_at")


def text_times(fn: Callable[..., object]) -> list[str]:
    """The parameters of `fn` that hold a moment and are annotated as text."""
    hints = typing.get_type_hints(fn)
    return [name for name in inspect.signature(fn).parameters
            if _is_time(name) and _mentions_str(hints.get(name))]


def _plain(hint: object) -> bool:
    if hint in PLAIN:
        return True
    origin = typing.get_origin(hint)
    return origin in (typing.Union, types.UnionType) and all(
        _plain(arg) for arg in typing.get_args(hint))


def positional(hint: object) -> list[str]:
    """The positional tuples inside a return annotation: a bare `tuple`, or a `tuple[...]`
    that is not a NamedTuple and is not a pair holding at least one named thing (an outcome
    and a flag, a cookie and its session: `tuple[QuizAnswer, bool]` is fine, `tuple[int,
    str | None, str | None]` and `list[tuple[str, float]]` are not)."""
    if hint is tuple:
        return ["tuple"]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is tuple:
        pair = len(args) == 2 and Ellipsis not in args and not all(_plain(a) for a in args)
        inner = [p for a in args if a is not Ellipsis for p in positional(a)]
        return inner if pair else [str(hint), *inner]
    if origin is None:
        return []
    if origin in (collections.abc.Callable,):
        return []
    return [p for a in args if a is not Ellipsis for p in positional(a)]


def test_store_functions_take_times_as_datetimes() -> None:
    found = {name: bad for name, fn in _public_functions() if (bad := text_times(fn))}
    assert found == {}, f"pass an aware datetime, not ISO text: {found}"


def test_store_functions_return_named_rows() -> None:
    found = {name: bad for name, fn in _public_functions()
             if (bad := positional(typing.get_type_hints(fn).get("return")))}
    assert found == {}, f"return a dataclass, a NamedTuple or a dict: {found}"


class Row(typing.NamedTuple):
    id: int
    title: str


def test_the_checks_catch_what_they_guard_against() -> None:
    def old(db: object, now: str, *, expires_at: str | None = None) -> list[tuple[int, str]]:
        raise NotImplementedError

    def new(db: object, now: datetime) -> list[Row]:
        raise NotImplementedError

    assert text_times(old) == ["now", "expires_at"] and text_times(new) == []
    assert positional(typing.get_type_hints(old)["return"]) == ["tuple[int, str]"]
    assert positional(typing.get_type_hints(new)["return"]) == []
    assert positional(tuple) == ["tuple"]
    assert positional(tuple[int, str | None, str | None]) != []
    assert positional(tuple[Row, bool] | None) == []
    assert positional(dict[str, tuple[int, int]]) == ["tuple[int, int]"]
