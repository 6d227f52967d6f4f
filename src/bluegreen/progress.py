"""Where the procedure tells a person what it does: rich in the CLI, a list in tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class Progress(Protocol):
    """One line per step; a wait with live detail."""

    def info(self, message: str) -> None:
        """One line: a step started or ended."""
        ...

    def waiting(self, label: str) -> AbstractContextManager[Callable[[str], None]]:
        """A long wait; the callable updates its detail text ("1/2 healthy")."""
        ...


class SilentProgress:
    """Progress that keeps the lines (for tests and --json output)."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, message: str) -> None:
        """Keep the line."""
        self.lines.append(message)

    @contextmanager
    def waiting(self, label: str) -> Iterator[Callable[[str], None]]:
        """Keep the label; ignore the updates."""
        self.lines.append(label)
        yield lambda _detail: None
