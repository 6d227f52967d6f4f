"""One read view of a deployment's journal: its steps, weights over time, verdicts and end.

`status`, `promote`, recovery, the probe's cutover and the report all read a deployment through
this view, so none of them parses the journal on its own. Pure: it works on entries already read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from bluegreen import event_codec, events
from bluegreen.events import DeploymentEvent, Kind
from bluegreen.model import Color, Weights

if TYPE_CHECKING:
    from bluegreen.state import JournalEntry

E = TypeVar("E", bound=DeploymentEvent)


@dataclass(frozen=True)
class Recorded:
    """One typed event with its place in the journal: number and wall-clock time."""

    seq: int
    at: float
    event: DeploymentEvent


def read_entries(entries: Iterable[JournalEntry]) -> tuple[Recorded, ...]:
    """The typed events of stored entries (entries this version does not know are skipped)."""
    typed = []
    for entry in entries:
        event = event_codec.decode(entry.step, entry.data)
        if event is not None:
            typed.append(Recorded(entry.seq, entry.at, event))
    return tuple(typed)


@dataclass(frozen=True)
class Cutover:
    """The moment traffic was switched for good, and between which colours."""

    at: float
    old: Color | None
    new: Color


@dataclass(frozen=True)
class DeploymentView:
    """What one deployment's journal says."""

    deployment_id: str
    recorded: tuple[Recorded, ...]

    @classmethod
    def of(cls, deployment_id: str, entries: Iterable[JournalEntry]) -> DeploymentView:
        """The view of the stored entries of `deployment_id`."""
        return cls(deployment_id, read_entries(entries))

    @property
    def steps(self) -> tuple[Recorded, ...]:
        """The deployment's own events (signals from other processes left out)."""
        return tuple(r for r in self.recorded if not r.event.kind.is_signal)

    def all_of(self, kind: type[E]) -> tuple[E, ...]:
        """Every event of one type, in order."""
        return tuple(r.event for r in self.steps if isinstance(r.event, kind))

    def first(self, kind: type[E]) -> E | None:
        """The first event of one type, or None."""
        found = self.all_of(kind)
        return found[0] if found else None

    @property
    def begin(self) -> events.Begin | None:
        """The `begin` event: operation, colours, releases, weights before."""
        return self.first(events.Begin)

    @property
    def end(self) -> events.End | None:
        """The `end` event, once the deployment is over."""
        ends = self.all_of(events.End)
        return ends[-1] if ends else None

    @property
    def last_kind(self) -> Kind | None:
        """The newest step, or None before the first."""
        steps = self.steps
        return steps[-1].event.kind if steps else None

    @property
    def started_at(self) -> float | None:
        """When the first step was recorded."""
        steps = self.steps
        return steps[0].at if steps else None

    @property
    def signals(self) -> frozenset[Kind]:
        """Signals other processes appended (promote, abort)."""
        return frozenset(r.event.kind for r in self.recorded if r.event.kind.is_signal)

    @property
    def promote_signals(self) -> int:
        """How many `promote` signals were sent (each approves one pause)."""
        return sum(1 for r in self.recorded if r.event.kind is Kind.SIGNAL_PROMOTE)

    @property
    def awaiting_approval(self) -> bool:
        """The deployment is paused for approval: a pause no `promote` was sent for yet."""
        return len(self.all_of(events.AwaitingApproval)) > self.promote_signals

    @property
    def handed_back_pause(self) -> events.AwaitingApproval | None:
        """The approval pause this deployment handed back and still sits in (else None)."""
        steps = self.steps
        last = steps[-1].event if steps else None
        if isinstance(last, events.AwaitingApproval) and last.detached:
            return last
        return None

    @property
    def weights(self) -> tuple[tuple[float, Weights], ...]:
        """The load balancer's weights after each change the deployment made."""
        return tuple(
            (r.at, r.event.weights)
            for r in self.steps
            if isinstance(r.event, events.Shifted | events.Restored)
        )

    @property
    def verdicts(self) -> tuple[tuple[float, events.Verdict], ...]:
        """Each look of the analysis, with its time."""
        return tuple((r.at, r.event) for r in self.steps if isinstance(r.event, events.Verdict))

    @property
    def healthy_seconds(self) -> float | None:
        """How long the new colour took to pass its health checks."""
        healthy = self.first(events.Healthy)
        return healthy.seconds if healthy else None

    @property
    def shift_seconds(self) -> float | None:
        """From the first shift call to the final shifted (all traffic moved); None if never."""
        shifts = [r for r in self.steps if isinstance(r.event, events.Shift)]
        done = [r for r in self.steps if isinstance(r.event, events.Shifted) and r.event.final]
        if not shifts or not done:
            return None
        return round(done[-1].at - shifts[0].at, 3)

    def cutover(self) -> Cutover | None:
        """The last switch of all traffic: the final shift, or the restore of a rollback."""
        begin = self.begin
        if begin is None:
            return None
        switches = [
            r
            for r in self.steps
            if (isinstance(r.event, events.Shift) and r.event.final)
            or isinstance(r.event, events.Restore)
        ]
        if not switches:
            return None
        last = switches[-1]
        old, new = begin.old, begin.new
        if isinstance(last.event, events.Restore):
            old, new = new, old
        return Cutover(last.at, old, new) if new else None
