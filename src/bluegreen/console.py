"""How the CLI shows progress: one line per step, a spinner with live detail on long waits."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape


class RichProgress:
    """`Progress` on a rich console (stderr), each line stamped with the seconds since start."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()

    def _stamp(self) -> str:
        return f"[dim]{time.monotonic() - self.started:6.1f}s[/dim]"

    def info(self, message: str) -> None:
        """Print one step line."""
        self.console.print(f"{self._stamp()} {escape(message)}", highlight=False)

    @contextmanager
    def waiting(self, label: str) -> Iterator[Callable[[str], None]]:
        """A spinner with `label` and a detail the caller updates; a closing line after."""
        began = time.monotonic()
        last = [""]
        with self.console.status(escape(label)) as status:

            def update(detail: str) -> None:
                last[0] = detail
                seconds = time.monotonic() - began
                status.update(f"{escape(label)} [dim]({escape(detail)}, {seconds:.1f}s)[/dim]")

            yield update
        if not self.console.is_terminal and last[0]:
            self.info(f"{label}: {last[0]} after {time.monotonic() - began:.1f} s")
