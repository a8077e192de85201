"""Progress of long work on stderr: a bar redrawn in place on a terminal, a few plain lines
otherwise (a log or CI reads `importing: 50/200 files` at each quarter, never escape codes).

    bar = ProgressBar("checking", "files")
    bar.update(done, total)   # as often as you like: it redraws at most ~10 times a second
    bar.close()               # the final state, then a new line on a terminal
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 28  # the bar's cells


def bar_line(label: str, unit: str, done: int, total: int) -> str:
    """`checking [##########----------] 21/42 files  50%`. Pure."""
    total = max(total, 0)
    share = done / total if total else 1.0
    filled = round(WIDTH * min(max(share, 0.0), 1.0))
    return (f"{label} [{'#' * filled}{'-' * (WIDTH - filled)}] {done}/{total} {unit}  "
            f"{round(share * 100)}%")


def plain_line(label: str, unit: str, done: int, total: int) -> str:
    """`checking: 21/42 files`. Pure."""
    return f"{label}: {done}/{total} {unit}"


class ProgressBar:
    """One task's progress; `quiet` (e.g. with --json) prints nothing at all."""

    def __init__(self, label: str, unit: str, *, stream: TextIO | None = None,
                 tty: bool | None = None, quiet: bool = False) -> None:
        self.label, self.unit = label, unit
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.quiet = quiet
        self.done = self.total = 0
        self._drawn_at = 0.0
        self._quarter = -1  # the last quarter printed as a plain line

    def update(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        if self.quiet:
            return
        if self.tty:
            now = time.monotonic()
            if done < total and now - self._drawn_at < 0.1:
                return
            self._drawn_at = now
            self.stream.write("\r" + bar_line(self.label, self.unit, done, total) + "\x1b[K")
            self.stream.flush()
            return
        quarter = 4 if total <= 0 else min(4, done * 4 // total)
        if quarter > self._quarter:
            self._quarter = quarter
            self.stream.write(plain_line(self.label, self.unit, done, total) + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Show the last state (complete or not) and end the bar's line."""
        if self.quiet:
            return
        if self.tty:
            self._drawn_at = 0.0
            self.stream.write("\r" + bar_line(self.label, self.unit, self.done, self.total)
                              + "\x1b[K\n")
            self.stream.flush()
        elif self._quarter < 4 and self.total:
            self.stream.write(plain_line(self.label, self.unit, self.done, self.total) + "\n")
            self.stream.flush()


class StagedProgress:
    """A callable `progress(stage, done, total)` for work in stages: one bar per stage,
    `stages` giving each its (label, unit)."""

    def __init__(self, stages: dict[str, tuple[str, str]], *, stream: TextIO | None = None,
                 tty: bool | None = None, quiet: bool = False) -> None:
        self.stages = stages
        self.stream, self.tty, self.quiet = stream, tty, quiet
        self.current: tuple[str, ProgressBar] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.current is None or self.current[0] != stage:
            self.close()
            label, unit = self.stages.get(stage, (stage, ""))
            self.current = (stage, ProgressBar(label, unit, stream=self.stream, tty=self.tty,
                                               quiet=self.quiet))
        self.current[1].update(done, total)

    def close(self) -> None:
        if self.current is not None:
            self.current[1].close()
            self.current = None
