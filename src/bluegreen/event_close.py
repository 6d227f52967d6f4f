"""Events that close a deployment: the old colour drained and stopped, or the new one undone;
the end; and the signals another process sends to a running deployment.

Every type is re-exported by `bluegreen.events`, which readers import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluegreen.event_kinds import Kind
from bluegreen.model import Color, Scaling, Weights


@dataclass(frozen=True)
class _OnColor:
    """An event about one colour."""

    color: Color


@dataclass(frozen=True)
class _AllBack:
    """All traffic back on the old colour: these weights."""

    weights: Weights


@dataclass(frozen=True)
class Live(_OnColor):
    """`color` is recorded as live."""

    kind: ClassVar[Kind] = Kind.LIVE


@dataclass(frozen=True)
class Drain(_OnColor):
    """Waiting for the old colour's requests in flight to finish."""

    kind: ClassVar[Kind] = Kind.DRAIN


@dataclass(frozen=True)
class DrainTimeout(_OnColor):
    """The old colour still had requests in flight: left running."""

    kind: ClassVar[Kind] = Kind.DRAIN_TIMEOUT


@dataclass(frozen=True)
class Stop(_OnColor):
    """About to stop the tasks of `color`."""

    kind: ClassVar[Kind] = Kind.STOP


@dataclass(frozen=True)
class Stopping(_OnColor):
    """The tasks of `color` were told to stop and no longer count as the colour's, but
    `exiting` of them had not exited yet: they finish on their own (nothing in flight)."""

    kind: ClassVar[Kind] = Kind.STOPPING
    exiting: int = 0


@dataclass(frozen=True)
class Stopped(_OnColor):
    """The tasks of `color` are stopped: every process exited."""

    kind: ClassVar[Kind] = Kind.STOPPED


@dataclass(frozen=True)
class Failed:
    """A step failed: what ran is undone next."""

    kind: ClassVar[Kind] = Kind.FAILED
    reason: str


@dataclass(frozen=True)
class UndoFailed:
    """Undoing a step failed; the history record says what is left."""

    kind: ClassVar[Kind] = Kind.UNDO_FAILED
    step: str
    error: str


@dataclass(frozen=True)
class Restore(_AllBack):
    """About to put all traffic back on the old colour."""

    kind: ClassVar[Kind] = Kind.RESTORE


@dataclass(frozen=True)
class Restored(_AllBack):
    """All traffic is back on the old colour."""

    kind: ClassVar[Kind] = Kind.RESTORED


@dataclass(frozen=True)
class End:
    """The deployment is over: its outcome (the history record has the rest)."""

    kind: ClassVar[Kind] = Kind.END
    outcome: str
    reason: str | None = None


@dataclass(frozen=True)
class SignalPromote:
    """Another process asks a paused deployment to make its final shift."""

    kind: ClassVar[Kind] = Kind.SIGNAL_PROMOTE


@dataclass(frozen=True)
class SignalAbort:
    """Another process asks a running deployment to roll back."""

    kind: ClassVar[Kind] = Kind.SIGNAL_ABORT


@dataclass(frozen=True)
class ScalingResumed:
    """The colours' autoscaling is back as it was before the deployment (`previous`)."""

    kind: ClassVar[Kind] = Kind.SCALING_RESUMED
    previous: tuple[Scaling, ...] = ()
