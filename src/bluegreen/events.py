"""The deployment events: one kind per step of the procedure, one frozen type per kind.

The journal writes and reads only these. On disk (a JSON line locally, a DynamoDB item on AWS)
an event is its kind's name (`event_kinds.Kind`) plus its fields; `event_codec` is the only
module that knows that shape, so a reader never parses a step name or digs in a dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar, TypeAlias, get_args

from bluegreen.event_kinds import Kind as Kind  # noqa: PLC0414 - re-exported as events.Kind
from bluegreen.model import Color, Release, Scaling, Weights


@dataclass(frozen=True)
class _OnColor:
    """An event about one colour."""

    color: Color


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
class _AllBack:
    """All traffic back on the old colour: these weights."""

    weights: Weights


@dataclass(frozen=True)
class Begin:
    """The deployment took the lock: what it moves from and to."""

    kind: ClassVar[Kind] = Kind.BEGIN
    # Every field has a default so that recovery still finds the colours in a damaged entry.
    operation: str = "deploy"
    who: str = ""
    target: str = ""
    old: Color | None = None
    new: Color | None = None
    old_release: Release | None = None
    new_release: Release | None = None
    strategy: str | None = None
    weights: Weights | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ScaleInHeld:
    """About to suspend the colours' dynamic scale-in for the deployment: `previous` is each
    colour's suspension before it, which every way out of the deployment puts back."""

    kind: ClassVar[Kind] = Kind.SCALE_IN_HELD
    previous: tuple[Scaling, ...] = ()


@dataclass(frozen=True)
class ScalingResumed:
    """The colours' autoscaling is back as it was before the deployment (`previous`)."""

    kind: ClassVar[Kind] = Kind.SCALING_RESUMED
    previous: tuple[Scaling, ...] = ()


@dataclass(frozen=True)
class GuardSkipped:
    """Nobody could report the release's revisions: the expand/contract guard did not run."""

    kind: ClassVar[Kind] = Kind.GUARD_SKIPPED
    reason: str


@dataclass(frozen=True)
class Migrate:
    """About to run the release's migration (the revisions it brings, where readable)."""

    kind: ClassVar[Kind] = Kind.MIGRATE
    version: str
    revisions: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrateSkipped:
    """The live release already has every revision: no migration to run."""

    kind: ClassVar[Kind] = Kind.MIGRATE_SKIPPED
    version: str


@dataclass(frozen=True)
class Migrated:
    """The migration finished with success."""

    kind: ClassVar[Kind] = Kind.MIGRATED


@dataclass(frozen=True)
class LiveChecked:
    """After migrating, the live colour was checked on the new schema."""

    kind: ClassVar[Kind] = Kind.LIVE_CHECKED
    color: Color
    problem: str | None = None


@dataclass(frozen=True)
class Start:
    """About to start `tasks` tasks of `release` as `color`."""

    kind: ClassVar[Kind] = Kind.START
    color: Color
    release: Release | None = None
    tasks: int = 0


@dataclass(frozen=True)
class Reuse:
    """`color` already runs the release warm: a rollback reuses it."""

    kind: ClassVar[Kind] = Kind.REUSE
    color: Color
    version: str


@dataclass(frozen=True)
class Healthy:
    """Every new task passes the load balancer's check."""

    kind: ClassVar[Kind] = Kind.HEALTHY
    color: Color
    tasks: int
    seconds: float


@dataclass(frozen=True)
class Smoke:
    """About to run the smoke test against `color`."""

    kind: ClassVar[Kind] = Kind.SMOKE
    color: Color
    url: str
    command: str


@dataclass(frozen=True)
class SmokeDone:
    """The smoke test's exit code."""

    kind: ClassVar[Kind] = Kind.SMOKE_DONE
    exit_code: int


@dataclass(frozen=True)
class HookRan:
    """An operator's hook ran (`hooks.<hook>`): its exit code and the tail of its output."""

    kind: ClassVar[Kind] = Kind.HOOK
    hook: str
    exit_code: int
    output: str = ""


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


DeploymentEvent: TypeAlias = (
    Begin
    | ScaleInHeld
    | ScalingResumed
    | GuardSkipped
    | Migrate
    | MigrateSkipped
    | Migrated
    | LiveChecked
    | Start
    | Reuse
    | Healthy
    | Smoke
    | SmokeDone
    | HookRan
    | Shift
    | Shifted
    | Verdict
    | AwaitingApproval
    | Promoted
    | Bake
    | Baked
    | Live
    | Drain
    | DrainTimeout
    | Stop
    | Stopping
    | Stopped
    | Failed
    | UndoFailed
    | Restore
    | Restored
    | End
    | SignalPromote
    | SignalAbort
)

TYPES: Mapping[Kind, type[DeploymentEvent]] = {t.kind: t for t in get_args(DeploymentEvent)}
