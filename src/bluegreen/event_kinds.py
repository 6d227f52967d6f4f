"""The names of the deployment events: the closed set a journal can hold, as stored on disk.

`events` gives each kind its frozen type; a reader that only asks "did this happen" (a signal,
a step) compares kinds and never a string.
"""

from __future__ import annotations

from enum import StrEnum


class Kind(StrEnum):
    """Every event a deployment journal can hold (the value is its name on disk)."""

    BEGIN = "begin"
    SCALE_IN_HELD = "scale-in-held"
    SCALING_RESUMED = "scaling-resumed"
    GUARD_SKIPPED = "guard-skipped"
    MIGRATE = "migrate"
    MIGRATE_SKIPPED = "migrate-skipped"
    MIGRATED = "migrated"
    LIVE_CHECKED = "live-checked"
    START = "start"
    REUSE = "reuse"
    HEALTHY = "healthy"
    SMOKE = "smoke"
    SMOKE_DONE = "smoke-done"
    HOOK = "hook"
    SHIFT = "shift"
    SHIFTED = "shifted"
    VERDICT = "verdict"
    AWAITING_APPROVAL = "awaiting-approval"
    PROMOTED = "promoted"
    BAKE = "bake"
    BAKED = "baked"
    LIVE = "live"
    DRAIN = "drain"
    DRAIN_TIMEOUT = "drain-timeout"
    STOP = "stop"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"
    UNDO_FAILED = "undo-failed"
    RESTORE = "restore"
    RESTORED = "restored"
    END = "end"
    # Appended by another process (`promote`, `rollback`) to a running deployment's journal.
    SIGNAL_PROMOTE = "signal:promote"
    SIGNAL_ABORT = "signal:abort"

    @property
    def is_signal(self) -> bool:
        """Written by another process, not a step of the deployment itself."""
        return self.value.startswith("signal:")
