"""The deployment events: one kind per step of the procedure, one frozen type per kind.

The journal writes and reads only these. On disk (a JSON line locally, a DynamoDB item on AWS)
an event is its kind's name (`event_kinds.Kind`) plus its fields; `event_codec` is the only
module that knows that shape, so a reader never parses a step name or digs in a dict.

The types live by phase in `event_prepare`, `event_traffic` and `event_close`; this module
is where every reader takes them from, with their union and the kind -> type table.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias, get_args

from bluegreen.event_close import (
    Drain,
    DrainTimeout,
    End,
    Failed,
    Live,
    Restore,
    Restored,
    ScalingResumed,
    SignalAbort,
    SignalPromote,
    Stop,
    Stopped,
    Stopping,
    UndoFailed,
)
from bluegreen.event_kinds import Kind
from bluegreen.event_prepare import (
    Begin,
    GuardSkipped,
    Healthy,
    HookRan,
    LiveChecked,
    Migrate,
    Migrated,
    MigrateSkipped,
    Reuse,
    ScaleInHeld,
    Smoke,
    SmokeDone,
    Start,
)
from bluegreen.event_traffic import (
    AwaitingApproval,
    Bake,
    Baked,
    Promoted,
    Shift,
    Shifted,
    Verdict,
)

__all__ = [
    "TYPES",
    "AwaitingApproval",
    "Bake",
    "Baked",
    "Begin",
    "DeploymentEvent",
    "Drain",
    "DrainTimeout",
    "End",
    "Failed",
    "GuardSkipped",
    "Healthy",
    "HookRan",
    "Kind",
    "Live",
    "LiveChecked",
    "Migrate",
    "MigrateSkipped",
    "Migrated",
    "Promoted",
    "Restore",
    "Restored",
    "Reuse",
    "ScaleInHeld",
    "ScalingResumed",
    "Shift",
    "Shifted",
    "SignalAbort",
    "SignalPromote",
    "Smoke",
    "SmokeDone",
    "Start",
    "Stop",
    "Stopped",
    "Stopping",
    "UndoFailed",
    "Verdict",
]

DeploymentEvent: TypeAlias = (
    Begin
    | ScaleInHeld
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
    | ScalingResumed
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
