"""What the report draws and prints for one deployment, as frozen types: filled by the pure
builders in `report.series`, read by the page, the figure and the Markdown summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class WeightPoint:
    """From `t` on, `blue`% and `green`% of the traffic (until the next point)."""

    t: float
    blue: int
    green: int


@dataclass(frozen=True)
class Marker:
    """One step of the deployment: when it began and how long it lasted (until the next one)."""

    t: float
    kind: str
    label: str
    detail: str
    duration_s: float | None


@dataclass(frozen=True)
class VerdictRow:
    """One look of the analysis at the new colour."""

    t: float
    during: str
    ok: bool
    requests: int
    errors: int
    error_rate: float | None
    p99_ms: float | None
    reason: str | None
    outcome: str = ""  # ok, failed, inconclusive
    baseline_requests: int | None = None
    baseline_error_rate: float | None = None
    covered: float | None = None


@dataclass(frozen=True)
class Timeline:
    """What the journal says: weights over time, steps, verdicts."""

    begin_at: float
    end_t: float
    weights: tuple[WeightPoint, ...]
    markers: tuple[Marker, ...]
    verdicts: tuple[VerdictRow, ...]


@dataclass(frozen=True)
class ProbeSeries:
    """The probe's per-second buckets, columnar, on the deployment's time axis."""

    t: tuple[float, ...]
    versions: tuple[str, ...]
    rps: Mapping[str, tuple[int, ...]]
    failed: tuple[int, ...]
    p50_ms: tuple[float | None, ...]
    p99_ms: tuple[float | None, ...]


@dataclass(frozen=True)
class Summary:
    """The figures a person reads first."""

    deployment_id: str
    operation: str | None
    target: str | None
    who: str | None
    strategy: str | None
    old_color: str | None
    old_version: str | None
    new_color: str | None
    new_version: str | None
    outcome: str | None
    reason: str | None
    started_at: float | None
    duration_s: float | None
    time_to_healthy_s: float | None
    shift_s: float | None
    requests: int | None
    failed: int | None
    by_version: Mapping[str, int] = field(default_factory=dict)
    p50_ms: float | None = None
    p99_ms: float | None = None
    cutover_first_new_ms: float | None = None
    cutover_last_old_ms: float | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything the figure and the page show for one deployment."""

    summary: Summary
    timeline: Timeline
    probe: ProbeSeries | None
    colors: Mapping[str, str]  # version -> colour it ran as, so both panels agree on colours
