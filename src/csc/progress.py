"""How far long work has got, said as it goes.

On a terminal a bar is redrawn in place; anywhere else (a log, CI, cron) a whole line is
written at most every `every` seconds, and always at the end, so a log shows the work
moving without a line per item:

    pseudonymising: 120 of 480 files (25%), 31.2s

Lines go to standard error, so what a command prints as its result stays on standard
output.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

BAR_WIDTH = 30


class Progress:
    """Counts done items of `total` and says so; use as a context manager."""

    def __init__(
        self,
        what: str,
        total: int,
        unit: str = "files",
        every: float = 10.0,
        stream: TextIO | None = None,
        clock=time.monotonic,  # noqa: ANN001 - a function returning seconds
    ) -> None:
        self.what, self.total, self.unit, self.every = what, total, unit, every
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self.done = 0
        self.started = clock()
        self._said_at = self.started
        self._terminal = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def line(self) -> str:
        share = f" ({100 * self.done // self.total}%)" if self.total else ""
        unit = f" {self.unit}" if self.unit else ""
        return (
            f"{self.what}: {self.done:,} of {self.total:,}{unit}{share}, "
            f"{self.clock() - self.started:.1f}s"
        )

    def advance(self, count: int = 1) -> None:
        self.done += count
        now = self.clock()
        if self._terminal:
            filled = BAR_WIDTH * self.done // self.total if self.total else BAR_WIDTH
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.line()}")
            self.stream.flush()
        elif now - self._said_at >= self.every and self.done < self.total:
            self._said_at = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Say where the work ended (once)."""
        if self._terminal:
            self.stream.write("\r" + " " * (BAR_WIDTH + 3) + "\r")
        self.stream.write(self.line() + "\n")
        self.stream.flush()
        self._terminal = False
        self.close = lambda: None  # type: ignore[method-assign]


class Stages:
    """Progress of work in named stages, each told as (stage, done, total) (what csc.load
    reports): one Progress per stage, the last closed when another begins or at the end."""

    def __init__(self, stream: TextIO | None = None, every: float = 10.0) -> None:
        self.stream, self.every = stream, every
        self.current: Progress | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        current = self.current
        if current is None or current.what != stage or done < current.done:
            if current is not None:
                current.close()
            current = self.current = Progress(stage, total, "", self.every, self.stream)
        current.total = total
        if done > current.done:
            current.advance(done - current.done)

    def __enter__(self) -> Stages:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.current is not None:
            self.current.close()
