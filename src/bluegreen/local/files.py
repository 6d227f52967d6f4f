"""`FileStateStore`: the deploy lock, journals and history as files under the state directory.

* ``lock.json``: created with O_CREAT|O_EXCL, so exactly one process takes it; it names the
  holder (pid, host, lease). A lock whose holder is gone is reported, never silently taken.
* ``deployments/<id>.jsonl``: the journal, one JSON event per line, appended and fsynced.
* ``history.jsonl``: append-only; each save appends the full record, the last line per id wins.

Files are 0600, directories 0700 (the state directory itself is left as found when it exists).
"""

from __future__ import annotations

import json
import os
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bluegreen.errors import LockError, PlatformError
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry, LockInfo

_FILE_MODE = 0o600
_DIR_MODE = 0o700


def write_atomic(path: Path, text: str) -> None:
    """Replace `path` with `text` (0600) through a fsynced temporary file and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _FILE_MODE)
    try:
        os.write(fd, text.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def append_line(path: Path, line: str) -> None:
    """Append one line to `path` (created 0600) and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, _FILE_MODE)
    try:
        os.write(fd, (line.rstrip("\n") + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None when it does not exist."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def pid_alive(pid: int) -> bool:  # noqa: PLR0911 - one answer per thing procfs can say
    """Whether a process `pid` exists on this host (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no procfs: trust kill(0)
    if stat[stat.rindex(")") + 2 :][:1] not in ("Z", "X"):
        return True
    # A multi-threaded process whose main thread ended first shows as a zombie while its other
    # threads still run and hold its sockets (HAProxy stopping): alive until the last one ends.
    try:
        return len(os.listdir(f"/proc/{pid}/task")) > 1
    except OSError:
        return False


class FileStateStore:
    """`bluegreen.state.StateStore` on local files."""

    def __init__(self, state_dir: Path) -> None:
        self.root = Path(state_dir)
        self.lock_path = self.root / "lock.json"
        self.history_path = self.root / "history.jsonl"
        self.journal_dir = self.root / "deployments"

    def _ensure_dirs(self) -> None:
        try:
            if not self.root.exists():
                self.root.mkdir(mode=_DIR_MODE, parents=True)
            self.journal_dir.mkdir(mode=_DIR_MODE, exist_ok=True)
        except OSError as exc:
            raise PlatformError(
                f"cannot create the state directory {self.root}: {exc.strerror}",
                hint="check its permissions or set local.state_dir in bluegreen.toml",
            ) from exc

    # ---------------------------------------------------------------- lock
    def acquire_lock(self, info: LockInfo) -> None:
        """Take the lock; raise LockError naming the holder when it is held (even if dead)."""
        self._ensure_dirs()
        try:
            fd = os.open(self.lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _FILE_MODE)
        except FileExistsError:
            holder = self.lock_holder()
            if holder is None:  # released in between: try once more
                return self.acquire_lock(info)
            raise self._held_error(holder) from None
        try:
            os.write(fd, json.dumps(info.to_dict()).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        return None

    def _held_error(self, holder: LockInfo) -> LockError:
        since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.acquired_at))
        who = (
            f"{holder.operation} {holder.deployment_id} by {holder.owner} "
            f"(pid {holder.pid} on {holder.host}, since {since})"
        )
        if self.holder_alive(holder):
            return LockError(
                f"another deployment holds the lock: {who}",
                hint="wait for it to finish, then run `bluegreen status`",
            )
        return LockError(
            f"the lock was left by a deployment whose process is gone: {who}",
            hint="run `bluegreen status` to see where it stopped, then `bluegreen rollback` "
            "or `bluegreen deploy` to recover",
        )

    def renew_lock(self, deployment_id: str, expires_at: float) -> None:
        """Extend the lease of the lock we hold."""
        holder = self._own(deployment_id)
        data = holder.to_dict() | {"expires_at": expires_at}
        write_atomic(self.lock_path, json.dumps(data))

    def hand_over(self, deployment_id: str, holder: LockInfo) -> None:
        """Rewrite our lock as `holder` (see `StateStore.hand_over`)."""
        self._own(deployment_id)
        write_atomic(self.lock_path, json.dumps(holder.to_dict()))

    def release_lock(self, deployment_id: str) -> None:
        """Give the lock back (only if `deployment_id` holds it)."""
        holder = self.lock_holder()
        if holder is not None and holder.deployment_id == deployment_id:
            self.lock_path.unlink(missing_ok=True)

    def break_lock(self, deployment_id: str) -> None:
        """Remove a lock left by `deployment_id` whose holder is gone."""
        holder = self.lock_holder()
        if holder is None or holder.deployment_id != deployment_id:
            return
        if self.holder_alive(holder):
            raise LockError(
                f"the lock of {deployment_id} is held by a running process (pid {holder.pid})",
                hint="wait for it to finish; a live holder's lock is never broken",
            )
        self.lock_path.unlink(missing_ok=True)

    def lock_holder(self) -> LockInfo | None:
        """The current holder, if any."""
        try:
            data = read_json(self.lock_path)
        except (json.JSONDecodeError, OSError):
            return None
        return LockInfo.from_dict(data) if isinstance(data, dict) else None

    def holder_alive(self, info: LockInfo) -> bool:
        """Same host, its process exists and its lease has not expired."""
        if info.host != socket.gethostname() or info.handed_back:
            # Cannot see its process, or no process holds it (a paused deployment): the lease.
            return time.time() < info.expires_at
        return pid_alive(info.pid) and time.time() < info.expires_at

    def _own(self, deployment_id: str) -> LockInfo:
        holder = self.lock_holder()
        if holder is None or holder.deployment_id != deployment_id:
            raise LockError(
                f"deployment {deployment_id} does not hold the lock any more",
                hint="run `bluegreen status`; another command may have recovered it",
            )
        return holder

    # ---------------------------------------------------------------- journal
    def _journal(self, deployment_id: str) -> Path:
        if not deployment_id or "/" in deployment_id or deployment_id.startswith("."):
            raise ValueError(f"invalid deployment id {deployment_id!r}")
        return self.journal_dir / f"{deployment_id}.jsonl"

    def append_event(self, event: JournalEntry) -> None:
        """Add to the journal of `event.deployment_id` (append-only, fsynced)."""
        self._ensure_dirs()
        append_line(self._journal(event.deployment_id), json.dumps(event.to_dict()))

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The journal of one deployment, in order (a torn last line is skipped)."""
        return [JournalEntry.from_dict(d) for d in _read_jsonl(self._journal(deployment_id))]

    # ---------------------------------------------------------------- history
    def save_record(self, record: DeploymentRecord) -> None:
        """Append the record; the last record saved for an id is the one that counts."""
        self._ensure_dirs()
        append_line(self.history_path, json.dumps(record.to_dict(), default=str))
        from bluegreen.local.kept_evidence import keep_evidence  # noqa: PLC0415 - tasks imports files

        keep_evidence(self.root, record)

    def _latest(self) -> dict[str, DeploymentRecord]:
        latest: dict[str, DeploymentRecord] = {}
        for data in _read_jsonl(self.history_path):
            if "id" in data:
                latest[str(data["id"])] = DeploymentRecord.from_dict(data)  # the last save wins
        return latest

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """History records, newest first (by the id, which sorts by start time)."""
        records = sorted(self._latest().values(), key=lambda r: r.id, reverse=True)
        return records[:limit]

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """One history record, or None."""
        return self._latest().get(deployment_id)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    rows = []
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line torn by a crash mid-write
        if isinstance(value, dict):
            rows.append(value)
    return rows
