"""Hand-written journals, probe files and an in-memory state store for the report's tests.

Times are chosen so that every difference is exact after rounding to milliseconds, which is
what lets the series tests compare whole structures with `==`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bluegreen.config import LocalSettings, Settings
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry

Row = tuple[float, str, dict[str, Any]]

BLUE_ALL = {"blue": 100, "green": 0}
CANARY = {"blue": 90, "green": 10}
GREEN_ALL = {"blue": 0, "green": 100}
V1 = {"version": "1.0.0", "command": ["gunicorn"], "env": {}}
V2 = {"version": "2.0.0", "command": ["gunicorn"], "env": {}}
BREACH = "5xx rate 10.0% over 50 requests exceeds 1.0%"


def journal(deployment_id: str, rows: Sequence[Row]) -> list[JournalEntry]:
    """Events numbered like Journal.record numbers them (signals from others carry seq 0)."""
    events, seq = [], 0
    for at, step, data in rows:
        if not step.startswith("signal:"):
            seq += 1
        events.append(
            JournalEntry(deployment_id, 0 if step.startswith("signal:") else seq, at, step, data)
        )
    return events


def begin(at: float, strategy: str) -> Row:
    """The `begin` event of a blue (1.0.0) to green (2.0.0) deployment."""
    return (
        at,
        "begin",
        {
            "operation": "deploy",
            "who": "ci@runner",
            "target": "local",
            "old": "blue",
            "new": "green",
            "old_release": V1,
            "new_release": V2,
            "strategy": strategy,
            "weights": BLUE_ALL,
            "reason": None,
        },
    )


def verdict(at: float, during: str, *, ok: bool, requests: int, errors: int) -> Row:
    """A `verdict` event as Watch records it."""
    return (
        at,
        "verdict",
        {
            "during": during,
            "ok": ok,
            "requests": requests,
            "errors": errors,
            "error_rate": errors / requests,
            "p99_ms": 12.5,
            "reason": None if ok else BREACH,
        },
    )


CANARY_OK_ID = "20261127T100000-aaaa"
# A canary with smoke test and bake that succeeds; an operator's signal is interleaved.
CANARY_OK: list[Row] = [
    begin(1000.0, "canary"),
    (1000.1, "start", {"color": "green", "release": V2, "tasks": 2}),
    (1001.6, "healthy", {"color": "green", "tasks": 2, "seconds": 1.5}),
    (1001.7, "smoke", {"color": "green", "url": "http://127.0.0.1:18002", "command": "true"}),
    (1002.2, "smoke-done", {"exit_code": 0}),
    (1002.25, "shift", {"weights": CANARY, "step": 1, "of": 2}),
    (1002.3, "shifted", {"weights": CANARY, "step": 1, "of": 2}),
    (1005.0, "signal:promote", {}),
    verdict(1007.3, "step 1/2", ok=True, requests=40, errors=0),
    (1007.35, "shift", {"weights": GREEN_ALL, "step": 2, "of": 2}),
    (1007.4, "shifted", {"weights": GREEN_ALL, "step": 2, "of": 2}),
    (1007.45, "bake", {"seconds": 5.0}),
    verdict(1012.45, "bake", ok=True, requests=400, errors=0),
    (1012.5, "baked", {}),
    (1012.5, "live", {"color": "green"}),
    (1012.55, "drain", {"color": "blue"}),
    (1013.0, "stop", {"color": "blue"}),
    (1013.4, "stopped", {"color": "blue"}),
    (1013.45, "end", {"outcome": "succeeded", "reason": None}),
]

CANARY_FAIL_ID = "20261127T110000-bbbb"
ROLLBACK_REASON = f"green rolled back during step 1/2: {BREACH}"
# A canary whose new release serves 5xx: the analysis rolls it back during the canary step.
CANARY_FAIL: list[Row] = [
    begin(2000.0, "canary"),
    (2000.5, "start", {"color": "green", "release": V2, "tasks": 2}),
    (2002.0, "healthy", {"color": "green", "tasks": 2, "seconds": 1.5}),
    (2002.1, "shift", {"weights": CANARY, "step": 1, "of": 2}),
    (2002.2, "shifted", {"weights": CANARY, "step": 1, "of": 2}),
    verdict(2004.2, "step 1/2", ok=False, requests=50, errors=5),
    (2004.25, "failed", {"reason": ROLLBACK_REASON}),
    (2004.3, "restore", {"weights": BLUE_ALL}),
    (2004.35, "restored", {"weights": BLUE_ALL}),
    (2004.4, "stop", {"color": "green"}),
    (2005.0, "stopped", {"color": "green"}),
    (2005.1, "end", {"outcome": "rolled_back", "reason": ROLLBACK_REASON}),
]

APPROVAL_ID = "20261127T120000-cccc"
# All at once after a migration and an approval; the old colour never drains.
APPROVAL: list[Row] = [
    begin(3000.0, "all-at-once"),
    (3000.5, "migrate", {"version": "2.0.0"}),
    (3002.0, "migrated", {}),
    (3002.125, "start", {"color": "green", "release": V2, "tasks": 1}),
    (3003.125, "healthy", {"color": "green", "tasks": 1, "seconds": 1.0}),
    (3003.25, "awaiting-approval", {"timeout": 60.0}),
    (3013.25, "promoted", {}),
    (3013.5, "shift", {"weights": GREEN_ALL, "step": 1, "of": 1}),
    (3013.75, "shifted", {"weights": GREEN_ALL, "step": 1, "of": 1}),
    (3013.75, "live", {"color": "green"}),
    (3014.0, "drain", {"color": "blue"}),
    (3074.0, "drain-timeout", {"color": "blue"}),
    (3074.5, "end", {"outcome": "succeeded", "reason": None}),
]


def record(deployment_id: str, rows: Sequence[Row], **changes: Any) -> DeploymentRecord:
    """The history record the deployment's lifecycle would save for `rows`."""
    end = rows[-1][2]
    base: dict[str, Any] = {
        "id": deployment_id,
        "operation": "deploy",
        "target": "local",
        "who": "ci@runner",
        "started_at": rows[0][0],
        "finished_at": rows[-1][0],
        "duration_s": round(rows[-1][0] - rows[0][0], 3),
        "from": {"color": "blue", "version": "1.0.0", "release": V1},
        "to": {"color": "green", "version": "2.0.0", "release": V2},
        "strategy": rows[0][2]["strategy"],
        "weights_before": BLUE_ALL,
        "outcome": end.get("outcome"),
        "reason": end.get("reason"),
        "verdicts": [],
        "notes": [],
        "request_reason": None,
    }
    return DeploymentRecord.from_dict({**base, **changes})


def probe_file(deployment_id: str, started_at: float) -> dict[str, Any]:
    """A probe file as ProbeReport.save writes it: 50 req/s across a canary and a cutover."""
    rows = [
        (50, 0, {"1.0.0": 50}, 2.0, 4.0),
        (50, 0, {"1.0.0": 45, "2.0.0": 5}, 2.5, 6.0),
        (50, 1, {"2.0.0": 49}, 3.0, 9.5),
        (2, 2, {}, None, None),
    ]
    series = [
        {
            "t": i,
            "at": started_at + i,
            "requests": requests,
            "failed": failed,
            "by_version": by_version,
            "p50_ms": p50,
            "p99_ms": p99,
        }
        for i, (requests, failed, by_version, p50, p99) in enumerate(rows)
    ]
    return {
        "url": "http://127.0.0.1:8080",
        "rps": 50.0,
        "duration_s": 3.5,
        "sent": 152,
        "failed": 3,
        "errors": {"502": 3},
        "by_version": {"1.0.0": 95, "2.0.0": 54},
        "p50_ms": 2.5,
        "p99_ms": 9.5,
        "started_at": started_at,
        "series": series,
        "deployment_id": deployment_id,
        "cutover": {"to_first_new_ms": 3.2, "to_last_old_ms": 41.7},
    }


class MemoryRecords:
    """The state store, as far as the report reads it, in memory."""

    def __init__(self) -> None:
        self.journals: dict[str, list[JournalEntry]] = {}
        self.records: dict[str, DeploymentRecord] = {}

    def add(self, deployment_id: str, rows: Sequence[Row], *, closed: bool = True) -> None:
        """A deployment's journal and (when `closed`) its history record."""
        self.journals[deployment_id] = journal(deployment_id, rows)
        if closed:
            self.records[deployment_id] = record(deployment_id, rows)

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The journal, or [] (as the file store answers for an unknown id)."""
        return self.journals.get(deployment_id, [])

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """Newest first, by id (ids sort by start time)."""
        return [self.records[k] for k in sorted(self.records, reverse=True)][:limit]

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """One record, or None."""
        return self.records.get(deployment_id)


class FakeProvider:
    """A provider whose only part the report uses is its state store."""

    def __init__(self, records: MemoryRecords) -> None:
        self._records = records

    @property
    def state(self) -> MemoryRecords:
        """The in-memory store."""
        return self._records


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings whose state directory is this test's own."""
    return Settings(local=LocalSettings(state_dir=tmp_path / ".bluegreen"))


@pytest.fixture
def provider() -> FakeProvider:
    """Three closed deployments: a canary that succeeded, one rolled back, an approval."""
    records = MemoryRecords()
    records.add(CANARY_OK_ID, CANARY_OK)
    records.add(CANARY_FAIL_ID, CANARY_FAIL)
    records.add(APPROVAL_ID, APPROVAL)
    return FakeProvider(records)
