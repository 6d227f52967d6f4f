"""FileStateStore: the lock, journals and history as files."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bluegreen.errors import LockError
from bluegreen.local.files import FileStateStore
from bluegreen.records import Outcome
from bluegreen.state import JournalEntry, LockInfo
from tests.support.records import make_record


def lock(deployment_id: str, *, pid: int | None = None, lease: float = 300.0) -> LockInfo:
    now = time.time()
    return LockInfo(
        deployment_id=deployment_id,
        owner="tester",
        operation="deploy",
        acquired_at=now,
        expires_at=now + lease,
        pid=os.getpid() if pid is None else pid,
    )


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_second_acquire_is_refused_naming_the_holder(tmp_path: Path) -> None:
    first, second = FileStateStore(tmp_path / "s"), FileStateStore(tmp_path / "s")
    first.acquire_lock(lock("d1"))
    with pytest.raises(LockError, match="another deployment holds the lock: deploy d1") as info:
        second.acquire_lock(lock("d2"))
    assert info.value.exit_code == 3
    holder = second.lock_holder()
    assert holder is not None
    assert holder.deployment_id == "d1"


def test_a_released_lock_can_be_taken_again(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    store.acquire_lock(lock("d1"))
    store.release_lock("d2")  # not ours: nothing happens
    assert store.lock_holder() is not None
    store.release_lock("d1")
    store.acquire_lock(lock("d2"))
    holder = store.lock_holder()
    assert holder is not None
    assert holder.deployment_id == "d2"


def test_a_lock_whose_process_is_gone_is_reported_not_taken(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    store.acquire_lock(lock("d1", pid=dead_pid()))
    holder = store.lock_holder()
    assert holder is not None
    assert not store.holder_alive(holder)
    with pytest.raises(LockError, match="process is gone") as info:
        store.acquire_lock(lock("d2"))
    assert info.value.hint is not None
    assert "rollback" in info.value.hint


def test_a_lock_with_an_expired_lease_is_not_alive(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    info = lock("d1", lease=-1)
    assert not store.holder_alive(info)
    assert store.holder_alive(lock("d2"))


def test_break_lock_removes_a_dead_holders_lock_but_never_a_live_one(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    store.acquire_lock(lock("live"))
    with pytest.raises(LockError, match="running process"):
        store.break_lock("live")
    store.release_lock("live")
    store.acquire_lock(lock("dead", pid=dead_pid()))
    store.break_lock("dead")
    assert store.lock_holder() is None


def test_renew_lock_extends_the_lease_of_the_holder_only(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    store.acquire_lock(lock("d1"))
    store.renew_lock("d1", 9_999_999_999.0)
    holder = store.lock_holder()
    assert holder is not None
    assert holder.expires_at == 9_999_999_999.0
    with pytest.raises(LockError):
        store.renew_lock("d2", 1.0)


def test_lock_holders_on_another_host_are_judged_by_their_lease(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    now = time.time()
    elsewhere = LockInfo("d", "o", "deploy", now, now + 60, host=socket.gethostname() + "-x", pid=1)
    assert store.holder_alive(elsewhere)


def test_the_journal_keeps_events_in_order_and_skips_a_torn_last_line(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    for seq, step in enumerate(["preflight", "start", "switch"]):
        store.append_event(JournalEntry("d1", seq, time.time(), step, {"color": "green"}))
    with (tmp_path / "deployments" / "d1.jsonl").open("a") as fh:
        fh.write('{"deployment_id": "d1", "se')
    events = store.events("d1")
    assert [e.step for e in events] == ["preflight", "start", "switch"]
    assert events[0].data == {"color": "green"}
    assert store.events("unknown") == []


def test_history_keeps_the_last_save_of_each_record_newest_first(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path)
    store.save_record(make_record("20261127T100000-aaaa", Outcome.INTERRUPTED))
    store.save_record(make_record("20261127T110000-bbbb", Outcome.INTERRUPTED))
    store.save_record(make_record("20261127T100000-aaaa", Outcome.SUCCEEDED))
    assert [(r.id, r.outcome) for r in store.history()] == [
        ("20261127T110000-bbbb", Outcome.INTERRUPTED),
        ("20261127T100000-aaaa", Outcome.SUCCEEDED),
    ]
    assert store.history(limit=1)[0].id == "20261127T110000-bbbb"
    record = store.load_record("20261127T100000-aaaa")
    assert record == make_record("20261127T100000-aaaa", Outcome.SUCCEEDED)
    assert store.load_record("nope") is None
    lines = (tmp_path / "history.jsonl").read_text().splitlines()
    assert len(lines) == 3  # append-only


def test_state_files_are_private(tmp_path: Path) -> None:
    store = FileStateStore(tmp_path / "new")
    store.acquire_lock(lock("d1"))
    store.append_event(JournalEntry("d1", 0, time.time(), "start"))
    store.save_record(make_record("d1"))
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700
    for path in ("lock.json", "history.jsonl", "deployments/d1.jsonl"):
        assert stat.S_IMODE((tmp_path / "new" / path).stat().st_mode) == 0o600
