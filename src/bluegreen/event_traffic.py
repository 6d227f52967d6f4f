"""Events of traffic moving to the new colour and being judged: shifts, verdicts, approval,
bake.

Every type is re-exported by `bluegreen.events`, which readers import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluegreen.event_kinds import Kind
from bluegreen.model import Weights


@dataclass(frozen=True)
class _ShiftStep:
    """Step `step` of `of` of a shift, with its weights."""

    weights: Weights
    step: int
    of: int

    @property
    def final(self) -> bool:
        """The step that puts all traffic on the new colour."""
        return self.step == self.of


@dataclass(frozen=True)
class Shift(_ShiftStep):
    """About to set the weights of a shift step."""

    kind: ClassVar[Kind] = Kind.SHIFT


@dataclass(frozen=True)
class Shifted(_ShiftStep):
    """The load balancer applied the weights of a shift step."""

    kind: ClassVar[Kind] = Kind.SHIFTED


@dataclass(frozen=True)
class Verdict:
    """The analysis's final verdict on a step or the bake (bluegreen.evidence.StepVerdict).

    `requests`/`errors` are the new colour's since the step began, `baseline_*` the old
    colour's over the same period, `window_*` the last `window` seconds; `covered` is how many
    seconds of the step the data spans. `state` is ok / failed / inconclusive (None in journals
    written before it existed: read `outcome`); `action` what the deployment did about it.
    """

    kind: ClassVar[Kind] = Kind.VERDICT
    during: str
    ok: bool
    requests: int
    errors: int
    error_rate: float | None = None
    p99_ms: float | None = None
    reason: str | None = None
    state: str | None = None
    action: str | None = None
    elapsed: float | None = None
    covered: float | None = None
    window: float | None = None
    baseline_requests: int | None = None
    baseline_errors: int | None = None
    baseline_error_rate: float | None = None
    window_requests: int | None = None
    window_errors: int | None = None
    window_error_rate: float | None = None
    window_baseline_requests: int | None = None
    window_baseline_errors: int | None = None
    window_baseline_error_rate: float | None = None

    @property
    def outcome(self) -> str:
        """ok, failed, inconclusive (older journals: ok or failed)."""
        return self.state or ("ok" if self.ok else "failed")


@dataclass(frozen=True)
class AwaitingApproval:
    """Paused before the final shift until `promote` (or the timeout)."""

    kind: ClassVar[Kind] = Kind.AWAITING_APPROVAL
    timeout: float
    # A pause handed back (`deploy --approve --detach`): the process exits and `promote` or
    # `rollback` in another process finishes; what that process needs to finish it is here.
    detached: bool = False
    deadline: float | None = None  # wall clock: past it, the next command rolls back
    bake: float = 0.0
    drain_timeout: float = 60.0


@dataclass(frozen=True)
class Promoted:
    """An operator approved the final shift."""

    kind: ClassVar[Kind] = Kind.PROMOTED


@dataclass(frozen=True)
class Bake:
    """The new colour takes all traffic; the old one stays warm for `seconds`."""

    kind: ClassVar[Kind] = Kind.BAKE
    seconds: float


@dataclass(frozen=True)
class Baked:
    """The bake passed."""

    kind: ClassVar[Kind] = Kind.BAKED
