"""The journal of one deployment: typed events appended, numbered, to the state store.

Intent is recorded before each state change (invariant 3): a controller killed at any moment
leaves a trail that `status` reads and `rollback` or `deploy` recover from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bluegreen import event_codec, events
from bluegreen.clock import Clock, SystemClock
from bluegreen.events import DeploymentEvent, Kind
from bluegreen.state import JournalEntry, StateStore
from bluegreen.view import DeploymentView, Recorded


@dataclass
class Journal:
    """Appends numbered events of one deployment to the state store."""

    store: StateStore
    deployment_id: str
    clock: Clock = field(default_factory=SystemClock)
    seq: int = 0
    recorded: list[Recorded] = field(default_factory=list)

    def record(self, event: DeploymentEvent) -> Recorded:
        """Append `event` and return it with its number and time."""
        self.seq += 1
        step, data = event_codec.encode(event)
        at = self.clock.time()
        self.store.append_event(JournalEntry(self.deployment_id, self.seq, at, step, data))
        done = Recorded(self.seq, at, event)
        self.recorded.append(done)
        return done

    def signals(self) -> frozenset[Kind]:
        """Signals (promote, abort) other processes appended to this deployment's journal."""
        return read(self.store, self.deployment_id).signals

    def view(self) -> DeploymentView:
        """This deployment's journal as stored now (its own events and others' signals)."""
        return read(self.store, self.deployment_id)


def read(store: StateStore, deployment_id: str) -> DeploymentView:
    """The view of one deployment's journal as stored now."""
    return DeploymentView.of(deployment_id, store.events(deployment_id))


def send_signal(
    store: StateStore,
    deployment_id: str,
    signal: events.SignalPromote | events.SignalAbort,
    clock: Clock | None = None,
) -> None:
    """Append a signal to a running deployment's journal (it polls for signals).

    Signals carry number 0: they come from another process and are not steps.
    """
    step, data = event_codec.encode(signal)
    at = (clock or SystemClock()).time()
    store.append_event(JournalEntry(deployment_id, 0, at, step, data))
