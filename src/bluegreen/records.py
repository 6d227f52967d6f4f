"""The history: one `DeploymentRecord` per deployment, rollback or recovery, written once.

Its JSON form (`to_dict`) is what `history --json` prints, what the state stores keep and what
the report reads; `from_dict` is the only reader of that shape.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bluegreen import event_codec, events
from bluegreen.model import Color, Release, Weights, parse_color


class Outcome(StrEnum):
    """How an operation ended."""

    SUCCEEDED = "succeeded"
    ROLLED_BACK = "rolled_back"  # failed, and traffic is back on the old colour
    FAILED = "failed"  # failed with no old colour to go back to
    INTERRUPTED = "interrupted"  # its controller died; closed by recovery
    REFUSED = "refused"  # refused at preflight: nothing changed


@dataclass(frozen=True)
class Side:
    """One end of a deployment: a colour and the release it runs (`from` or `to`)."""

    color: Color | None = None
    release: Release | None = None

    @property
    def version(self) -> str | None:
        """The release's version, if there is a release."""
        return self.release.version if self.release else None

    def to_dict(self) -> dict[str, Any]:
        """JSON form: colour, version and the whole release."""
        return {
            "color": self.color,
            "version": self.version,
            "release": self.release.to_dict() if self.release else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Side:
        """Inverse of `to_dict` (a missing side is empty)."""
        data = data or {}
        release = data.get("release")
        color = data.get("color")
        return cls(
            color=parse_color(color) if color else None,
            release=Release.from_dict(release) if release else None,
        )


@dataclass(frozen=True)
class DeploymentRecord:
    """What one operation did, from start to end, as the history keeps it."""

    id: str
    operation: str
    target: str
    who: str
    started_at: float
    finished_at: float
    duration_s: float
    old: Side
    new: Side
    strategy: str | None
    weights_before: Weights | None
    outcome: Outcome
    reason: str | None = None
    verdicts: tuple[events.Verdict, ...] = ()
    notes: tuple[str, ...] = ()
    request_reason: str | None = None

    @property
    def succeeded(self) -> bool:
        """The operation did what it was asked."""
        return self.outcome is Outcome.SUCCEEDED

    def to_dict(self) -> dict[str, Any]:
        """The JSON form `history --json` shows and the stores keep."""
        return {
            "id": self.id,
            "operation": self.operation,
            "target": self.target,
            "who": self.who,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "duration_s": round(self.duration_s, 3),
            "from": self.old.to_dict(),
            "to": self.new.to_dict(),
            "strategy": self.strategy,
            "weights_before": self.weights_before.as_dict() if self.weights_before else None,
            "outcome": self.outcome.value,
            "reason": self.reason,
            "verdicts": [event_codec.encode(v)[1] for v in self.verdicts],
            "notes": list(self.notes),
            "request_reason": self.request_reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeploymentRecord:
        """Inverse of `to_dict`."""
        weights = data.get("weights_before")
        verdicts = (event_codec.decode(events.Kind.VERDICT, v) for v in data.get("verdicts") or ())
        return cls(
            id=str(data["id"]),
            operation=str(data.get("operation") or "deploy"),
            target=str(data.get("target") or ""),
            who=str(data.get("who") or ""),
            started_at=float(data.get("started_at") or 0.0),
            finished_at=float(data.get("finished_at") or 0.0),
            duration_s=float(data.get("duration_s") or 0.0),
            old=Side.from_dict(data.get("from")),
            new=Side.from_dict(data.get("to")),
            strategy=data.get("strategy"),
            weights_before=Weights(int(weights["blue"]), int(weights["green"]))
            if weights
            else None,
            outcome=Outcome(data.get("outcome") or Outcome.FAILED),
            reason=data.get("reason"),
            verdicts=tuple(v for v in verdicts if isinstance(v, events.Verdict)),
            notes=tuple(str(n) for n in data.get("notes") or ()),
            request_reason=data.get("request_reason"),
        )
