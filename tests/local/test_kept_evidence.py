"""Evidence that survives: a failed or refused operation leaves its record, journal and log
tails beside the state directory, where `down --purge` does not reach."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bluegreen.local.files import FileStateStore
from bluegreen.local.kept_evidence import evidence_dir, kept_evidence
from bluegreen.model import Release
from bluegreen.plan import last_live
from bluegreen.records import Outcome, Side
from tests.support.records import make_record


def _state(tmp_path: Path) -> Path:
    state = tmp_path / ".bluegreen"
    (state / "logs").mkdir(parents=True)
    (state / "logs" / "green-1.log").write_text("".join(f"line {i}\n" for i in range(500)))
    (state / "haproxy.log").write_text("Server app/green-1 is DOWN\n")
    (state / "deployments").mkdir()
    (state / "deployments" / "d-1.jsonl").write_text('{"seq": 1, "kind": "begin"}\n')
    return state


def test_a_refused_operation_keeps_record_journal_and_log_tails_after_a_purge(
    tmp_path: Path,
) -> None:
    state = _state(tmp_path)
    FileStateStore(state).save_record(
        make_record("d-1", Outcome.REFUSED, reason="live colour green has 1 of 2 targets healthy")
    )
    shutil.rmtree(state)  # what `down --purge` does

    kept = evidence_dir(state) / "d-1"
    assert kept.parent == tmp_path / ".bluegreen-evidence"
    record = json.loads((kept / "record.json").read_text())
    assert record["outcome"] == "refused"
    assert record["reason"] == "live colour green has 1 of 2 targets healthy"
    assert (kept / "journal.jsonl").read_text() == '{"seq": 1, "kind": "begin"}\n'
    tail = (kept / "logs" / "green-1.log").read_text().splitlines()
    assert tail[0] == "line 300"
    assert tail[-1] == "line 499"
    assert (kept / "logs" / "haproxy.log").read_text() == "Server app/green-1 is DOWN\n"


def test_a_succeeded_operation_leaves_no_evidence(tmp_path: Path) -> None:
    state = _state(tmp_path)
    FileStateStore(state).save_record(make_record("d-1"))
    assert not evidence_dir(state).exists()
    assert kept_evidence(state) is None  # so `down` claims no evidence


def test_kept_evidence_counts_the_operations_it_keeps(tmp_path: Path) -> None:
    state = _state(tmp_path)
    store = FileStateStore(state)
    store.save_record(make_record("d-1", Outcome.REFUSED))
    store.save_record(make_record("d-2", Outcome.ROLLED_BACK))
    store.save_record(make_record("d-3"))
    assert kept_evidence(state) == (evidence_dir(state), 2)


def test_last_live_is_where_each_outcome_left_the_traffic() -> None:
    blue, green = Release("1.0.0"), Release("2.0.0")
    ok = make_record("d-1")
    rolled_back = make_record("d-2", Outcome.ROLLED_BACK)
    recovered_to_blue = make_record(
        "d-3", Outcome.INTERRUPTED, old=Side("green", green), new=Side("blue", blue)
    )
    first_failed = make_record("d-4", Outcome.FAILED, old=Side())
    assert last_live([ok]) == ("green", green)
    assert last_live([rolled_back, ok]) == ("blue", blue)
    assert last_live([recovered_to_blue, ok]) == ("blue", blue)
    assert last_live([first_failed]) is None
