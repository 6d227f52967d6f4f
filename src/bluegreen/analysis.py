"""Pure analysis of a colour's traffic while it takes a share: is it failing?

The verdict is computed from two cumulative counter readings (start and end of a sliding
window), so it is the same function locally (HAProxy counters) and on AWS (CloudWatch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bluegreen.config import AnalysisSettings
from bluegreen.model import TrafficCounters


@dataclass(frozen=True)
class Verdict:
    """The outcome of one look at the new colour."""

    ok: bool
    requests: int
    errors: int
    error_rate: float | None
    p99_ms: float | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, object]:
        """JSON form, for the journal and the report."""
        return {
            "ok": self.ok,
            "requests": self.requests,
            "errors": self.errors,
            "error_rate": self.error_rate,
            "p99_ms": self.p99_ms,
            "reason": self.reason,
        }


def window_start(samples: Sequence[TrafficCounters], now: float, window: float) -> TrafficCounters:
    """The oldest sample still inside the sliding window ending at `now` (or the first)."""
    inside = [s for s in samples if s.at >= now - window]
    return inside[0] if inside else samples[0]


def judge(
    before: TrafficCounters,
    after: TrafficCounters,
    settings: AnalysisSettings,
    *,
    unhealthy: int = 0,
    alarms: Sequence[str] = (),
) -> Verdict:
    """Verdict on the traffic between two readings, the targets' health and firing alarms."""
    requests = max(after.requests - before.requests, 0)
    errors = max(after.errors_5xx - before.errors_5xx, 0)
    rate = errors / requests if requests else None
    p99 = after.p99_ms

    def failed(reason: str) -> Verdict:
        return Verdict(False, requests, errors, rate, p99, reason)

    if alarms:
        return failed(f"alarm firing: {', '.join(alarms)}")
    if unhealthy:
        return failed(f"{unhealthy} target(s) failed the health check")
    if rate is not None and requests >= settings.min_requests and rate > settings.max_error_rate:
        return failed(
            f"5xx rate {rate:.1%} over {requests} requests exceeds {settings.max_error_rate:.1%}"
        )
    if settings.max_p99_ms is not None and p99 is not None and p99 > settings.max_p99_ms:
        return failed(f"p99 latency {p99:.0f} ms exceeds {settings.max_p99_ms:.0f} ms")
    return Verdict(True, requests, errors, rate, p99)
