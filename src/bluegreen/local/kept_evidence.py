"""Evidence that survives `down --purge`: what a failed operation leaves beside the state dir.

For every operation that did not succeed (refused at preflight, rolled back, failed,
interrupted), ``<state_dir>-evidence/<id>/`` keeps its history record, its journal, and the
last lines of each task's log and of HAProxy's log as they were when it ended. `down --purge`
deletes the state directory only; the evidence directory is the operator's to delete.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from bluegreen.local.task_command import log_tail
from bluegreen.records import DeploymentRecord, Outcome

LOG_LINES = 200


def evidence_dir(state_dir: Path) -> Path:
    """``.bluegreen`` -> ``.bluegreen-evidence`` (a sibling, outside what --purge deletes)."""
    state_dir = state_dir.absolute()
    return state_dir.with_name(state_dir.name + "-evidence")


def kept_evidence(state_dir: Path) -> tuple[Path, int] | None:
    """The evidence directory and how many operations it keeps (None: it keeps none)."""
    kept = evidence_dir(state_dir)
    count = sum(1 for p in kept.iterdir() if p.is_dir()) if kept.is_dir() else 0
    return (kept, count) if count else None


def keep_evidence(state_dir: Path, record: DeploymentRecord) -> Path | None:
    """Copy the evidence of a record that is not a success; its directory (None: nothing)."""
    if record.outcome is Outcome.SUCCEEDED:
        return None
    target = evidence_dir(state_dir) / record.id
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    (target / "record.json").write_text(json.dumps(record.to_dict(), indent=1, default=str))
    journal = state_dir / "deployments" / f"{record.id}.jsonl"
    if journal.exists():
        shutil.copyfile(journal, target / "journal.jsonl")
    logs = target / "logs"
    logs.mkdir(mode=0o700, exist_ok=True)
    sources = [*sorted((state_dir / "logs").glob("*.log")), state_dir / "haproxy.log"]
    for log in sources:
        tail = log_tail(log, LOG_LINES)
        if tail:
            (logs / log.name).write_text(tail + "\n")
    return target
