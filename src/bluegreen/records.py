"""The shape of a history record: one per deployment, rollback or recovery, written once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bluegreen.model import Release


def side(color: str | None, release: Release | None) -> dict[str, Any]:
    """One end of a deployment: its colour and release (`from` or `to`)."""
    return {
        "color": color,
        "version": release.version if release else None,
        "release": release.to_dict() if release else None,
    }


def history_record(
    *,
    deployment_id: str,
    operation: str,
    target: str,
    who: str,
    started_at: float,
    finished_at: float,
    duration_s: float,
    old: tuple[str | None, Release | None],
    new: tuple[str | None, Release | None],
    strategy: str | None,
    weights_before: Mapping[str, int] | None,
    outcome: str,
    reason: str | None,
    verdicts: Sequence[Mapping[str, Any]] = (),
    notes: Sequence[str] = (),
    request_reason: str | None = None,
) -> dict[str, Any]:
    """The record `history --json` shows and the report reads."""
    return {
        "id": deployment_id,
        "operation": operation,
        "target": target,
        "who": who,
        "started_at": started_at,
        "finished_at": finished_at,
        "duration_s": round(duration_s, 3),
        "from": side(*old),
        "to": side(*new),
        "strategy": strategy,
        "weights_before": dict(weights_before) if weights_before is not None else None,
        "outcome": outcome,
        "reason": reason,
        "verdicts": [dict(v) for v in verdicts],
        "notes": list(notes),
        "request_reason": request_reason,
    }
