"""One lifecycle for every operation that changes the platform.

`operation_lifecycle` takes the lock (or adopts the lock of a dead holder, for recovery), opens
the journal, renews the lease when asked, and always closes with exactly one `end` event and
one history record: on success, on error and on Ctrl-C/SIGTERM (which the CLI turns into
KeyboardInterrupt). Deploy, rollback, the split-traffic repair and recovery all run inside it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace

from bluegreen import events
from bluegreen.clock import Clock, SystemClock
from bluegreen.errors import BluegreenError, ConfigError, DeployError, LockError
from bluegreen.journal import Journal
from bluegreen.model import Weights
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord, Outcome, Side
from bluegreen.state import LockInfo, StateStore, new_deployment_id, whoami


class ApprovalPending(Exception):  # noqa: N818 - not an error: the deployment paused
    """A deployment paused for approval and handed control back: its lock is kept (no process,
    alive until `deadline`), its journal says where it stands, and no history record is written
    yet: `promote` or `rollback` in another process finishes it."""

    def __init__(self, deployment_id: str, deadline: float) -> None:
        super().__init__(f"deployment {deployment_id} awaits approval until {deadline:.0f}")
        self.deployment_id = deployment_id
        self.deadline = deadline


@dataclass
class Run:
    """One operation in progress: its lock, its journal, and what its record will say."""

    provider: Provider
    journal: Journal
    lock: LockInfo
    clock: Clock
    lease: float
    operation: str
    old: Side = field(default_factory=Side)
    new: Side = field(default_factory=Side)
    strategy: str | None = None
    weights_before: Weights | None = None
    request_reason: str | None = None
    verdicts: list[events.Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    outcome: Outcome | None = None  # set by the operation when it is not plain success
    reason: str | None = None
    # The outcome when an error escapes: ROLLED_BACK once there is an old colour to go back to.
    outcome_on_error: Outcome = Outcome.FAILED
    record: DeploymentRecord | None = None

    @property
    def id(self) -> str:
        """The deployment id (the lock's and the journal's)."""
        return self.lock.deployment_id

    def renew(self) -> None:
        """Extend the lease when half of it is gone (call it between polls of every long wait)."""
        now = self.clock.time()
        if now > self.lock.expires_at - self.lease / 2:
            expires = now + self.lease
            self.provider.state.renew_lock(self.id, expires)
            self.lock = replace(self.lock, expires_at=expires)

    def _close(self, outcome: Outcome, reason: str | None) -> DeploymentRecord:
        self.journal.record(events.End(outcome=outcome.value, reason=reason))
        finished = self.clock.time()
        record = DeploymentRecord(
            id=self.id,
            operation=self.operation,
            target=self.provider.target,
            who=self.lock.owner,
            started_at=self.lock.acquired_at,
            finished_at=finished,
            duration_s=round(finished - self.lock.acquired_at, 3),
            old=self.old,
            new=self.new,
            strategy=self.strategy,
            weights_before=self.weights_before,
            outcome=outcome,
            reason=reason,
            verdicts=tuple(self.verdicts),
            notes=tuple(self.notes),
            request_reason=self.request_reason,
        )
        self.provider.state.save_record(record)
        self.record = record
        return record


@contextmanager
def operation_lifecycle(
    provider: Provider,
    operation: str,
    *,
    lease: float,
    clock: Clock | None = None,
    deployment_id: str | None = None,
    adopt: LockInfo | None = None,
) -> Iterator[Run]:
    """Lock, journal, lease and exactly one history record around one operation.

    With `adopt`, the lock of a dead holder is taken over (recovery): its journal continues
    and the lock is broken at the end instead of released.
    """
    clock = clock or SystemClock()
    store = provider.state
    lock, release = _take_lock(
        store, clock, operation=operation, lease=lease, deployment_id=deployment_id, adopt=adopt
    )
    paused = False
    try:
        journal = Journal(store, lock.deployment_id, clock)
        if adopt is not None:
            journal.seq = max((e.seq for e in store.events(lock.deployment_id)), default=0)
        run = Run(provider, journal, lock, clock, lease, operation)
        try:
            yield run
        except ApprovalPending as pending:
            paused = True
            store.hand_over(
                lock.deployment_id, replace(run.lock, pid=0, expires_at=pending.deadline)
            )
            raise
        except BluegreenError as exc:
            run._close(run.outcome or run.outcome_on_error, run.reason or exc.message)
            exc.record_id = run.id
            raise
        except KeyboardInterrupt:
            run._close(run.outcome or run.outcome_on_error, run.reason or "interrupted")
            raise
        except Exception as exc:  # a bug: still leave the record, then let it surface
            run._close(run.outcome or run.outcome_on_error, f"unexpected error: {exc!r}")
            raise
        else:
            run._close(run.outcome or Outcome.SUCCEEDED, run.reason)
    finally:
        if paused:
            pass  # the lock stays, handed back, until promote, rollback or its deadline
        elif release:
            store.release_lock(lock.deployment_id)
        else:
            store.break_lock(lock.deployment_id)


@contextmanager
def refusal_recorded(
    provider: Provider,
    operation: str,
    *,
    clock: Clock | None = None,
    request_reason: str | None = None,
) -> Iterator[None]:
    """Around a whole operation: an error that no lifecycle recorded (refused before it took
    the lock: another deployment holds it, no healthy colour and no release to start, the
    platform not running) still leaves a history record with its reason, then surfaces.

    Bad input or configuration (ConfigError, exit 2) is not recorded: its contract is that
    nothing was changed or written, and its message is the whole story.
    """
    try:
        yield
    except BluegreenError as exc:
        if exc.record_id is None and not isinstance(exc, ConfigError):
            record = save_refusal(
                provider, operation, exc.message, clock=clock, request_reason=request_reason
            )
            exc.record_id = record.id if record is not None else None
        raise


def save_refusal(
    provider: Provider,
    operation: str,
    reason: str,
    *,
    clock: Clock | None = None,
    request_reason: str | None = None,
) -> DeploymentRecord | None:
    """The history record (outcome `refused`) of an operation that never held the lock.

    Written without the lock, safely: it has an id of its own and no journal, so it cannot
    touch the journal or the record of the deployment that holds the lock (locally one
    appended line, on AWS one new item). When the store cannot take it (the store is what
    failed) the refusal's own error still reaches the user; None then.
    """
    now = (clock or SystemClock()).time()
    record = DeploymentRecord(
        id=new_deployment_id(now),
        operation=operation,
        target=provider.target,
        who=whoami(),
        started_at=now,
        finished_at=now,
        duration_s=0.0,
        old=Side(),
        new=Side(),
        strategy=None,
        weights_before=None,
        outcome=Outcome.REFUSED,
        reason=reason,
        notes=("refused before it took the lock: nothing was changed",),
        request_reason=request_reason,
    )
    try:
        provider.state.save_record(record)
    except (BluegreenError, OSError):
        return None
    return record


def _take_lock(
    store: StateStore,
    clock: Clock,
    *,
    operation: str,
    lease: float,
    deployment_id: str | None,
    adopt: LockInfo | None,
) -> tuple[LockInfo, bool]:
    """The lock this operation holds, and whether it gives it back at the end (else breaks it)."""
    now = clock.time()
    if adopt is None:
        lock = LockInfo(
            deployment_id or new_deployment_id(now), whoami(), operation, now, now + lease
        )
        store.acquire_lock(lock)
        return lock, True
    if adopt.handed_back:
        # A pause handed back: this process takes the lock over (its lease renewed as ours)
        # and gives it back at the end like any holder.
        lock = replace(
            adopt,
            host=socket.gethostname(),
            pid=os.getpid(),
            expires_at=now + max(lease, 60.0),
        )
        store.hand_over(adopt.deployment_id, lock)
        return lock, True
    return adopt, False


def check_lock_free(provider: Provider) -> LockInfo | None:
    """The holder of a lock left by a dead process (to recover), or None when free.

    Raises LockError when a live deployment holds it.
    """
    holder = provider.state.lock_holder()
    if holder is None:
        return None
    if provider.state.holder_alive(holder):
        raise LockError(
            f"deployment {holder.deployment_id} ({holder.operation} by {holder.owner}) holds the "
            "lock",
            hint="wait for it to finish; `bluegreen status` shows its progress",
        )
    return holder


def restored_error(error: BluegreenError) -> DeployError:
    """A lock or platform error in the middle of a deployment, after traffic was restored."""
    if isinstance(error, DeployError):
        return error
    restored = DeployError(f"{error.message} (traffic restored)", hint=error.hint)
    restored.__cause__ = error
    return restored
