"""The deployment state store: one lock with a lease, a per-deployment journal, the history.

Invariant: intent is recorded before each state change, so a controller killed at any moment
leaves a journal that `status` reads and `rollback` or `deploy` recover from.
"""

from __future__ import annotations

import getpass
import os
import socket
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Protocol

from bluegreen.records import DeploymentRecord


def new_deployment_id(now: float | None = None) -> str:
    """Sortable, unique id: UTC time to the millisecond plus a random suffix, e.g.
    20261127T134501.042-3fa2. Milliseconds, because history is ordered by id: two operations
    that start in the same second (a refused deploy, then the next) must sort as they ran."""
    now = now if now is not None else time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now))
    millis = int(now * 1000) % 1000
    return f"{stamp}.{millis:03d}-{uuid.uuid4().hex[:4]}"


def whoami() -> str:
    """Who runs this deployment, for the lock and the history."""
    actor = os.environ.get("GITHUB_ACTOR")
    return f"{actor} (github)" if actor else f"{getpass.getuser()}@{socket.gethostname()}"


@dataclass(frozen=True)
class LockInfo:
    """Who holds the deploy lock, since when, until when the lease runs."""

    deployment_id: str
    owner: str
    operation: str
    acquired_at: float
    expires_at: float
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)  # 0: no process (a pause handed back)

    @property
    def handed_back(self) -> bool:
        """No process holds it: a deployment paused for approval, alive while its lease runs."""
        return self.pid == 0

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "deployment_id": self.deployment_id,
            "owner": self.owner,
            "operation": self.operation,
            "acquired_at": self.acquired_at,
            "expires_at": self.expires_at,
            "host": self.host,
            "pid": self.pid,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LockInfo:
        """Inverse of `to_dict`."""
        return cls(
            deployment_id=str(data["deployment_id"]),
            owner=str(data["owner"]),
            operation=str(data["operation"]),
            acquired_at=float(data["acquired_at"]),
            expires_at=float(data["expires_at"]),
            host=str(data.get("host", "")),
            pid=int(data.get("pid", 0)),
        )


@dataclass(frozen=True)
class JournalEntry:
    """One step of one deployment: what is about to happen or has happened, with its data."""

    deployment_id: str
    seq: int
    at: float
    step: str
    data: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "deployment_id": self.deployment_id,
            "seq": self.seq,
            "at": self.at,
            "step": self.step,
            "data": dict(self.data),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> JournalEntry:
        """Inverse of `to_dict`."""
        return cls(
            deployment_id=str(data["deployment_id"]),
            seq=int(data["seq"]),
            at=float(data["at"]),
            step=str(data["step"]),
            data=dict(data.get("data") or {}),
        )


class StateStore(Protocol):
    """Lock, journal and history; files under .bluegreen/ locally, a DynamoDB table on AWS."""

    def acquire_lock(self, info: LockInfo) -> None:
        """Take the lock; raise LockError naming the holder when it is held (even if expired)."""
        ...

    def renew_lock(self, deployment_id: str, expires_at: float) -> None:
        """Extend the lease of the lock we hold."""
        ...

    def hand_over(self, deployment_id: str, holder: LockInfo) -> None:
        """Rewrite the lock `deployment_id` holds as `holder` (same deployment): a deployment
        paused for approval hands it back (pid 0: no process, alive while its lease runs) and
        `promote` takes it over to finish; LockError when `deployment_id` no longer holds it."""
        ...

    def release_lock(self, deployment_id: str) -> None:
        """Give the lock back (only if `deployment_id` holds it)."""
        ...

    def break_lock(self, deployment_id: str) -> None:
        """Remove a lock left by `deployment_id` whose holder is gone."""
        ...

    def lock_holder(self) -> LockInfo | None:
        """The current holder, if any."""
        ...

    def holder_alive(self, info: LockInfo) -> bool:
        """Whether the holder still runs (its process exists, or its lease has not expired)."""
        ...

    def append_event(self, event: JournalEntry) -> None:
        """Add to the journal of `event.deployment_id` (append-only)."""
        ...

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The journal of one deployment, in order."""
        ...

    def save_record(self, record: DeploymentRecord) -> None:
        """Append the final history record of a deployment (id, who, when, from/to, outcome, …).

        Called once per deployment, when it ends (or when an interrupted one is recovered):
        the history is append-only.
        """
        ...

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """History records, newest first."""
        ...

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """One history record, or None."""
        ...
