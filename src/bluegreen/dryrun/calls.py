"""What a dry run would have done: one frozen type per change it did not make, and the waits.

The plan of a dry run is a list of these, in the order the procedure asked for them. Each says
in one line what a real run would do (`describe`), and has a JSON form for `--json`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, TypeAlias

from bluegreen.events import DeploymentEvent
from bluegreen.model import Color, Release, Scaling, Weights
from bluegreen.plan import describe_weights
from bluegreen.records import DeploymentRecord


def _release(release: Release) -> str:
    return f"{release.version} ({release.image})" if release.image else release.version


# -- the state store: lock, journal, history ------------------------------------------------------


@dataclass(frozen=True)
class TakeLock:
    """Take the deploy lock for a new operation."""

    name: ClassVar[str] = "take-lock"
    deployment_id: str
    operation: str
    lease: float

    def describe(self) -> str:
        """One line for people."""
        return (
            f"take the deploy lock for {self.operation} {self.deployment_id} "
            f"(lease {self.lease:.0f} s)"
        )


@dataclass(frozen=True)
class RenewLease:
    """Extend the lease of the lock this run holds."""

    name: ClassVar[str] = "renew-lease"
    deployment_id: str

    def describe(self) -> str:
        """One line for people."""
        return f"renew the lease of the deploy lock of {self.deployment_id}"


@dataclass(frozen=True)
class HandOverLock:
    """Rewrite the lock this run holds for another holder (a pause handed back)."""

    name: ClassVar[str] = "hand-over-lock"
    deployment_id: str

    def describe(self) -> str:
        """One line for people."""
        return f"hand the deploy lock of {self.deployment_id} over (kept while paused)"


@dataclass(frozen=True)
class GiveBackLock:
    """Release the lock at the end of the operation."""

    name: ClassVar[str] = "give-back-lock"
    deployment_id: str

    def describe(self) -> str:
        """One line for people."""
        return f"give back the deploy lock of {self.deployment_id}"


@dataclass(frozen=True)
class BreakLock:
    """Remove the lock a dead deployment left (recovery)."""

    name: ClassVar[str] = "break-lock"
    deployment_id: str

    def describe(self) -> str:
        """One line for people."""
        return f"break the deploy lock left by {self.deployment_id}"


@dataclass(frozen=True)
class WriteEvent:
    """Append one event to a deployment's journal."""

    name: ClassVar[str] = "journal"
    deployment_id: str
    step: str  # the event's name as stored
    event: DeploymentEvent | None  # None for a name this controller does not know

    def describe(self) -> str:
        """One line for people."""
        return f"journal {self.step}"


@dataclass(frozen=True)
class SaveRecord:
    """Append the operation's history record."""

    name: ClassVar[str] = "save-record"
    record: DeploymentRecord

    def describe(self) -> str:
        """One line for people."""
        return f"save the history record of {self.record.id} ({self.record.outcome.value})"


# -- the platform ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Migrate:
    """Run the release's one-off migration as `color` would run it, and wait for it."""

    name: ClassVar[str] = "migrate"
    release: Release
    color: Color

    def describe(self) -> str:
        """One line for people."""
        return f"run the migration of {_release(self.release)} as {self.color}, wait for exit 0"


@dataclass(frozen=True)
class Start:
    """Start `tasks` tasks of `release` as `color`."""

    name: ClassVar[str] = "start"
    color: Color
    release: Release
    tasks: int

    def describe(self) -> str:
        """One line for people."""
        return f"start {self.tasks} task(s) of {_release(self.release)} as {self.color}"


@dataclass(frozen=True)
class SetWeights:
    """One change of the load balancer's weights."""

    name: ClassVar[str] = "set-weights"
    weights: Weights

    def describe(self) -> str:
        """One line for people."""
        return f"set the weights to {describe_weights(self.weights)}"


@dataclass(frozen=True)
class RouteTestListener:
    """Point the test listener at `color`."""

    name: ClassVar[str] = "route-test-listener"
    color: Color

    def describe(self) -> str:
        """One line for people."""
        return f"route the test listener to {self.color}"


@dataclass(frozen=True)
class RunSmoke:
    """Run the smoke-test command against `color`."""

    name: ClassVar[str] = "smoke"
    command: str
    url: str

    def describe(self) -> str:
        """One line for people."""
        return f"run the smoke test `{self.command}` against {self.url}"


@dataclass(frozen=True)
class RunHook:
    """Run the operator's hook command at `point` (hooks.<point> in bluegreen.toml)."""

    name: ClassVar[str] = "hook"
    point: str
    command: str

    def describe(self) -> str:
        """One line for people."""
        return f"run the {self.point} hook `{self.command}`"


@dataclass(frozen=True)
class Stop:
    """Stop every task of `color`."""

    name: ClassVar[str] = "stop"
    color: Color

    def describe(self) -> str:
        """One line for people."""
        return f"stop every task of {self.color}"


@dataclass(frozen=True)
class RecordLive:
    """Record `color` as live where infrastructure code reads it."""

    name: ClassVar[str] = "record-live"
    color: Color

    def describe(self) -> str:
        """One line for people."""
        return f"record {self.color} as the live colour"


@dataclass(frozen=True)
class SetScaling:
    """Suspend or resume the colours' autoscaling activities."""

    name: ClassVar[str] = "set-scaling"
    states: tuple[Scaling, ...]

    def describe(self) -> str:
        """One line for people."""

        def one(state: Scaling) -> str:
            held = [
                what
                for what, on in (
                    ("dynamic scale-in", state.dynamic_in),
                    ("dynamic scale-out", state.dynamic_out),
                    ("scheduled scaling", state.scheduled),
                )
                if on
            ]
            return f"{state.color}: " + (", ".join(held) + " suspended" if held else "all resumed")

        return "set the autoscaling suspension of " + "; ".join(one(s) for s in self.states)


# -- time -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """Time a real run would spend waiting here (polls, watches, the drain delay)."""

    name: ClassVar[str] = "wait"
    seconds: float

    def describe(self) -> str:
        """One line for people."""
        return f"wait {self.seconds:.0f} s"


Call: TypeAlias = (
    TakeLock
    | RenewLease
    | HandOverLock
    | GiveBackLock
    | BreakLock
    | WriteEvent
    | SaveRecord
    | Migrate
    | Start
    | SetWeights
    | RouteTestListener
    | RunSmoke
    | RunHook
    | Stop
    | RecordLive
    | SetScaling
    | Wait
)


def call_json(call: Call) -> dict[str, Any]:
    """`{"call": "set-weights", "detail": "set the weights to blue 90% / green 10%"}`."""
    return {"call": call.name, "detail": call.describe()}
