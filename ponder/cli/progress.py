"""Progress for long commands: a live bar on a terminal; in a log or a pipe, a short line at most every
`interval` seconds and one at the end, so `ponder demo | tee log` stays a few lines long."""

from __future__ import annotations

import sys
import time
from typing import IO, Any, Mapping


class Progress:
    def __init__(self, desc: str, unit: str, total: int | None = None, *, stream: IO[str] | None = None,
                 interval: float = 10.0, live: bool | None = None):
        self.desc, self.unit, self.total = desc, unit, total
        self.stream = stream or sys.stderr
        self.done = 0
        self.postfix: dict[str, Any] = {}
        self.interval = interval
        self.started = self.last = time.monotonic()
        self.bar = None
        self.closed = False
        if self.stream.isatty() if live is None else live:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, file=self.stream, dynamic_ncols=True)

    def update(self, done: int | None = None, *, total: int | None = None, advance: int = 0, postfix: Mapping[str, Any] | None = None) -> None:
        """Set the count (or advance it), the total and the figures shown beside it."""
        self.done = self.done + advance if done is None else done
        self.total = total if total is not None else self.total
        if postfix is not None:
            self.postfix = dict(postfix)
        if self.bar is not None:
            self.bar.total, self.bar.n = self.total, self.done
            self.bar.set_postfix(self.postfix, refresh=False)
            self.bar.refresh()
        elif time.monotonic() - self.last >= self.interval:
            self._line()

    def line(self) -> str:
        of = f"/{self.total}" if self.total else ""
        percent = f" ({self.done / self.total:.0%})" if self.total else ""
        figures = "".join(f", {k} {v}" for k, v in self.postfix.items())
        units = self.unit + ("es" if self.unit.endswith(("s", "ch", "sh", "x")) else "s")
        return f"{self.desc}: {self.done}{of} {units}{percent}{figures}, {time.monotonic() - self.started:.0f}s"

    def _line(self) -> None:
        self.last = time.monotonic()
        print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        """Finish: close the bar, or print the final line (once, however often it is called)."""
        if self.closed:
            return
        self.closed = True
        if self.bar is not None:
            self.bar.close()
        elif self.done or self.total:
            self._line()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Bars:
    """A `types.ProgressListener` drawn as one `Progress` per phase (a new phase closes the one before)."""

    def __init__(self, unit: str = "step", **options: Any):
        self.unit, self.options = unit, options
        self.phase: str | None = None
        self.bar: Progress | None = None

    def __call__(self, phase: str, done: int, total: int | None, figures: Mapping[str, Any]) -> None:
        if phase != self.phase:
            self.close()
            self.phase, self.bar = phase, Progress(phase, self.unit, total, **self.options)
        if self.bar is not None:
            self.bar.update(done, total=total, postfix=figures)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        self.phase, self.bar = None, None

    def __enter__(self) -> Bars:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
