"""The state store of a dry run: reads the real lock, journals and history; writes nothing.

Every write (lock, journal event, history record) is recorded in the plan and kept in an
overlay, and later reads answer from the real store with the overlay on top, so the procedure
sees its own lock, journal and record as a real run would.

One assumption is made where a real run would wait for a person: a deployment that pauses for
approval (`--approve`) is assumed promoted, so the plan goes on to the final shift.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

from bluegreen import event_codec, events
from bluegreen.dryrun.calls import (
    BreakLock,
    Call,
    GiveBackLock,
    HandOverLock,
    RenewLease,
    SaveRecord,
    TakeLock,
    WriteEvent,
)
from bluegreen.errors import LockError
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry, LockInfo, StateStore

_REAL = object()  # the overlay has not touched the lock: the real store answers


class DryRunState:
    """StateStore that records writes and answers reads from the real store plus an overlay."""

    def __init__(self, real: StateStore, record: Callable[[Call], None]) -> None:
        self.real = real
        self._record = record
        self._lock: LockInfo | object | None = _REAL
        self._journals: dict[str, list[JournalEntry]] = {}
        self._records: list[DeploymentRecord] = []

    # -- the lock

    def lock_holder(self) -> LockInfo | None:
        """The lock as a real run would find it now."""
        if self._lock is _REAL:
            return self.real.lock_holder()
        return self._lock if isinstance(self._lock, LockInfo) else None

    def holder_alive(self, info: LockInfo) -> bool:
        """A lock this dry run took is alive; any other is asked of the real store."""
        if isinstance(self._lock, LockInfo) and self._lock.deployment_id == info.deployment_id:
            return True
        return self.real.holder_alive(info)

    def acquire_lock(self, info: LockInfo) -> None:
        """Refused as the real store would refuse it (someone holds it); else recorded."""
        holder = self.lock_holder()
        if holder is not None:
            raise LockError(
                f"deployment {holder.deployment_id} ({holder.operation}) by {holder.owner} "
                "holds the deploy lock",
                hint="wait for it to finish; `bluegreen status` shows its progress",
            )
        self._record(
            TakeLock(info.deployment_id, info.operation, round(info.expires_at - info.acquired_at))
        )
        self._lock = info

    def renew_lock(self, deployment_id: str, expires_at: float) -> None:
        """Recorded; the overlay's lock gets the new expiry."""
        self._record(RenewLease(deployment_id))
        holder = self.lock_holder()
        if holder is not None and holder.deployment_id == deployment_id:
            self._lock = replace(holder, expires_at=expires_at)

    def hand_over(self, deployment_id: str, holder: LockInfo) -> None:
        """Recorded; the overlay's lock is `holder`."""
        current = self.lock_holder()
        if current is None or current.deployment_id != deployment_id:
            raise LockError(f"deployment {deployment_id} no longer holds the deploy lock")
        self._record(HandOverLock(deployment_id))
        self._lock = holder

    def release_lock(self, deployment_id: str) -> None:
        """Recorded; the overlay's lock is free."""
        self._record(GiveBackLock(deployment_id))
        self._drop_lock_of(deployment_id)

    def break_lock(self, deployment_id: str) -> None:
        """Recorded; the overlay's lock is free."""
        self._record(BreakLock(deployment_id))
        self._drop_lock_of(deployment_id)

    def _drop_lock_of(self, deployment_id: str) -> None:
        holder = self.lock_holder()
        if holder is not None and holder.deployment_id == deployment_id:
            self._lock = None

    # -- the journal

    def append_event(self, event: JournalEntry) -> None:
        """Recorded as its typed event; an approval pause is answered by an assumed promote."""
        decoded = event_codec.decode(event.step, event.data)
        self._record(WriteEvent(event.deployment_id, event.step, decoded))
        journal = self._journals.setdefault(event.deployment_id, [])
        journal.append(event)
        if isinstance(decoded, events.AwaitingApproval):
            step, data = event_codec.encode(events.SignalPromote())
            journal.append(JournalEntry(event.deployment_id, 0, event.at, step, data))

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The real journal, then what this dry run appended."""
        return [*self.real.events(deployment_id), *self._journals.get(deployment_id, [])]

    # -- the history

    @property
    def saved(self) -> tuple[DeploymentRecord, ...]:
        """The records this dry run would have saved, oldest first."""
        return tuple(self._records)

    def save_record(self, record: DeploymentRecord) -> None:
        """Recorded; later history reads include it."""
        self._record(SaveRecord(record))
        self._records.append(record)

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """This dry run's records (newest first), then the real history."""
        return [*reversed(self._records), *self.real.history(limit)][:limit]

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """From the overlay, else the real store."""
        mine = next((r for r in self._records if r.id == deployment_id), None)
        return mine or self.real.load_record(deployment_id)
