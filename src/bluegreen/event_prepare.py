"""Events of the new colour being made ready: lock taken, migration, start, health, smoke.

Every type is re-exported by `bluegreen.events`, which readers import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from bluegreen.event_kinds import Kind
from bluegreen.model import Color, Release, Scaling, Weights


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
class ScaleInHeld:
    """About to suspend the colours' dynamic scale-in for the deployment: `previous` is each
    colour's suspension before it, which every way out of the deployment puts back."""

    kind: ClassVar[Kind] = Kind.SCALE_IN_HELD
    previous: tuple[Scaling, ...] = ()
