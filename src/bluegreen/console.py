"""How the CLI shows progress: one line per step, a spinner with live detail on long waits.

Off a terminal (a CI log, a pipe) there is no spinner: each line carries the UTC time as
well as the seconds since start, and a long wait prints a line every `interval` seconds
(BLUEGREEN_PROGRESS_INTERVAL, default 15) so the log shows where a deployment stands.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape

DEFAULT_INTERVAL = 15.0
INTERVAL_ENV = "BLUEGREEN_PROGRESS_INTERVAL"


def interval_from_env(environ: dict[str, str] | None = None) -> float:
    """Seconds between the lines of a long wait off a terminal (a bad value: the default)."""
    raw = (environ if environ is not None else os.environ).get(INTERVAL_ENV, "")
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


class RichProgress:
    """`Progress` on a rich console (stderr), each line stamped with the seconds since start."""

    def __init__(
        self,
        console: Console,
        *,
        interval: float | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.console = console
        self.started = time.monotonic()
        self.interval = interval if interval is not None else interval_from_env()
        self.now = now
        self._lock = threading.Lock()  # the heartbeat thread prints too

    def _stamp(self) -> str:
        seconds = f"{time.monotonic() - self.started:6.1f}s"
        if self.console.is_terminal:
            return f"[dim]{seconds}[/dim]"
        return f"{self.now().strftime('%Y-%m-%dT%H:%M:%SZ')} {seconds}"

    def info(self, message: str) -> None:
        """Print one step line."""
        with self._lock:
            self.console.print(f"{self._stamp()} {escape(message)}", highlight=False)

    @contextmanager
    def waiting(self, label: str) -> Iterator[Callable[[str], None]]:
        """A spinner with `label` and a detail the caller updates; a closing line after.

        Off a terminal: a line when the wait starts, one every `interval` seconds, one at the end.
        """
        if not self.console.is_terminal:
            with self._heartbeat(label) as update:
                yield update
            return
        began = time.monotonic()
        with self.console.status(escape(label)) as status:

            def show(detail: str) -> None:
                seconds = time.monotonic() - began
                status.update(f"{escape(label)} [dim]({escape(detail)}, {seconds:.1f}s)[/dim]")

            yield show

    @contextmanager
    def _heartbeat(self, label: str) -> Iterator[Callable[[str], None]]:
        began = time.monotonic()
        last = [""]
        stop = threading.Event()

        def line(prefix: str) -> str:
            detail = f": {last[0]}" if last[0] else ""
            return f"{prefix}{label}{detail} after {time.monotonic() - began:.1f} s"

        def beat() -> None:
            while not stop.wait(self.interval):
                self.info(line("still "))

        self.info(label)
        thread = threading.Thread(target=beat, name="bluegreen-progress", daemon=True)
        thread.start()
        try:
            yield lambda detail: last.__setitem__(0, detail)
        finally:
            stop.set()
            thread.join()
        self.info(line(""))
