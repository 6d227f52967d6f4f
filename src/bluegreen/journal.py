"""The journal of one deployment and the polling helper every wait uses.

Intent is recorded before each state change (invariant 3): a controller killed at any moment
leaves a trail that `status` reads and `rollback` or `deploy` recover from.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from bluegreen.state import Event, StateStore

T = TypeVar("T")

# Steps another process may append to a running deployment's journal.
SIGNAL_PROMOTE = "signal:promote"
SIGNAL_ABORT = "signal:abort"


class Progress(Protocol):
    """Where the procedure tells a person what it does (rich in the CLI, a list in tests)."""

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


class Clock(Protocol):
    """Time as the procedure sees it (tests may drive it)."""

    def time(self) -> float:
        """Wall-clock seconds, as recorded in journals."""
        ...

    def monotonic(self) -> float:
        """Seconds for deadlines."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait."""
        ...


class SystemClock:
    """The real clock."""

    def time(self) -> float:
        """time.time()."""
        return time.time()

    def monotonic(self) -> float:
        """time.monotonic()."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """time.sleep()."""
        time.sleep(seconds)


class DryRunClock(SystemClock):
    """The real clock without waiting: a dry run walks every step at once."""

    def __init__(self) -> None:
        self.offset = 0.0

    def time(self) -> float:
        """Wall clock plus the time skipped."""
        return time.time() + self.offset

    def monotonic(self) -> float:
        """Monotonic clock plus the time skipped."""
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        """Skip the wait."""
        self.offset += seconds


@dataclass
class Journal:
    """Appends numbered events of one deployment to the state store."""

    store: StateStore
    deployment_id: str
    clock: Clock = field(default_factory=SystemClock)
    seq: int = 0
    events: list[Event] = field(default_factory=list)

    def record(self, step: str, /, **data: Any) -> Event:
        """Append `step` with its data and return the event."""
        self.seq += 1
        event = Event(self.deployment_id, self.seq, self.clock.time(), step, data)
        self.store.append_event(event)
        self.events.append(event)
        return event

    def signals(self) -> set[str]:
        """Signals (promote, abort) other processes appended to this deployment's journal."""
        return {
            e.step for e in self.store.events(self.deployment_id) if e.step.startswith("signal:")
        }


def poll(
    check: Callable[[], T | None],
    *,
    timeout: float,
    clock: Clock,
    first: float = 0.05,
    longest: float = 1.0,
) -> T | None:
    """Call `check` until it returns something other than None or `timeout` passes.

    Starts fast and backs off (x1.5 up to `longest`), so quick things are seen quickly and
    slow ones (AWS) are not asked too often. Returns None on timeout.
    """
    deadline = clock.monotonic() + timeout
    interval = first
    while True:
        result = check()
        if result is not None:
            return result
        remaining = deadline - clock.monotonic()
        if remaining <= 0:
            return None
        clock.sleep(min(interval, remaining))
        interval = min(interval * 1.5, longest)


def last_step(events: list[Event] | tuple[Event, ...], *names: str) -> Mapping[str, Any] | None:
    """Data of the newest event among `names`, or None."""
    for event in reversed(events):
        if event.step in names:
            return event.data
    return None
