"""Pure builders: a deployment's journal (and probe file) turned into what the report draws.

Nothing is recomputed from logs: the weight timeline, the step markers and the verdicts come
from the events the deployment recorded; the traffic the users saw comes from the probe's
per-second series. Every time is in seconds since the deployment's `begin` event, so the
panels of the figure share one x axis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bluegreen.state import Event

# Journal steps that open a phase of the deployment, with the kind of marker they draw.
# Steps not listed (shifted, smoke-done, baked, live, stopped, restore(d), verdict, signals)
# close a phase or carry data; they appear through the next marker, the weights or the verdicts.
MARKER_KINDS: Mapping[str, str] = {
    "migrate": "migrate",
    "start": "start",
    "reuse": "reuse",
    "healthy": "healthy",
    "smoke": "smoke",
    "shift": "shift",
    "awaiting-approval": "approval",
    "promoted": "promote",
    "bake": "bake",
    "failed": "rollback",
    "drain": "drain",
    "drain-timeout": "drain-timeout",
    "stop": "stop",
    "end": "end",
}

# The events after which the load balancer's weights are what their data says.
WEIGHT_STEPS = ("shifted", "restored")


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


def _t(at: float, origin: float) -> float:
    return round(at - origin, 3)


def _steps(events: Sequence[Event]) -> list[Event]:
    # Signals are appended by other processes with seq 0; they are not steps of the deployment.
    return [e for e in events if not e.step.startswith("signal:")]


def _weights(data: Mapping[str, Any]) -> tuple[int, int] | None:
    weights = data.get("weights")
    if not isinstance(weights, Mapping):
        return None
    return int(weights.get("blue", 0)), int(weights.get("green", 0))


def weight_timeline(events: Sequence[Event]) -> tuple[WeightPoint, ...]:
    """The step function of the weights: `begin.weights` at 0, then each change, then the end.

    The last point repeats the last weights at the time of the last event, so the function is
    drawn up to the end of the deployment.
    """
    steps = _steps(events)
    if not steps or steps[0].step != "begin":
        return ()
    origin = steps[0].at
    start = _weights(steps[0].data) or (0, 0)
    points = [WeightPoint(0.0, *start)]
    for event in steps[1:]:
        weights = _weights(event.data) if event.step in WEIGHT_STEPS else None
        if weights is None or weights == (points[-1].blue, points[-1].green):
            continue
        points.append(WeightPoint(_t(event.at, origin), *weights))
    end = _t(steps[-1].at, origin)
    points.append(WeightPoint(end, points[-1].blue, points[-1].green))
    return tuple(points)


def _version(release: Any) -> str | None:
    if isinstance(release, Mapping) and release.get("version") is not None:
        return str(release["version"])
    return None


def _shift_text(d: Mapping[str, Any], new: str | None) -> tuple[str, str]:
    raw = d.get("weights")
    weights: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    share = weights.get(new, "?") if new else "?"
    return (
        f"shift {d.get('step', '?')}/{d.get('of', '?')}",
        f"{new or 'new colour'} to {share}% (blue {weights.get('blue', '?')}% / "
        f"green {weights.get('green', '?')}%)",
    )


def _end_text(d: Mapping[str, Any]) -> str:
    reason = f": {d['reason']}" if d.get("reason") else ""
    return f"{d.get('outcome', '?')}{reason}"


# (label on the chart, detail in the steps table) of each marker, from its event's data.
_TEXTS: Mapping[str, Callable[[Mapping[str, Any]], tuple[str, str]]] = {
    "migrate": lambda d: ("migrate", f"database migration for {d.get('version', '?')}"),
    "start": lambda d: (
        f"start {d.get('color', '')}".strip(),
        f"{d.get('tasks', '?')} task(s) of {_version(d.get('release')) or '?'} "
        f"as {d.get('color', '?')}",
    ),
    "reuse": lambda d: ("reuse", f"{d.get('color', '?')} still runs {d.get('version', '?')} warm"),
    "healthy": lambda d: (
        "healthy",
        f"{d.get('tasks', '?')} task(s) healthy after {d.get('seconds', '?')} s",
    ),
    "smoke": lambda d: ("smoke", f"{d.get('command', '')} against {d.get('url', '')}"),
    "awaiting-approval": lambda d: (
        "approval",
        f"paused for `bluegreen promote` (timeout {d.get('timeout', '?')} s)",
    ),
    "promoted": lambda _d: ("promote", "approved: final shift"),
    "bake": lambda d: ("bake", f"old colour kept warm for {d.get('seconds', '?')} s"),
    "failed": lambda d: ("rollback", str(d.get("reason") or "failed")),
    "drain": lambda d: (
        f"drain {d.get('color', '')}".strip(),
        "waiting for requests in flight to finish",
    ),
    "drain-timeout": lambda d: (
        "drain timeout",
        f"{d.get('color', '?')} left running with requests in flight",
    ),
    "stop": lambda d: (
        f"stop {d.get('color', '')}".strip(),
        f"stopping the tasks of {d.get('color', '?')}",
    ),
    "end": lambda d: ("end", _end_text(d)),
}


def _marker_text(event: Event, new: str | None) -> tuple[str, str]:
    """Short label for the chart, longer detail for the table."""
    if event.step == "shift":
        return _shift_text(event.data, new)
    text = _TEXTS.get(event.step)
    return text(event.data) if text else (event.step, "")


def step_markers(events: Sequence[Event]) -> tuple[Marker, ...]:
    """One marker per phase-opening event; each lasts until the next marker (the end: None)."""
    steps = _steps(events)
    if not steps or steps[0].step != "begin":
        return ()
    origin = steps[0].at
    new = steps[0].data.get("new")
    opening = [e for e in steps if e.step in MARKER_KINDS]
    markers = []
    for index, event in enumerate(opening):
        following = opening[index + 1] if index + 1 < len(opening) else None
        label, detail = _marker_text(event, str(new) if new else None)
        markers.append(
            Marker(
                t=_t(event.at, origin),
                kind=MARKER_KINDS[event.step],
                label=label,
                detail=detail,
                duration_s=round(following.at - event.at, 3) if following else None,
            )
        )
    return tuple(markers)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def verdict_rows(events: Sequence[Event]) -> tuple[VerdictRow, ...]:
    """The verdicts the analysis recorded, in order."""
    steps = _steps(events)
    if not steps:
        return ()
    origin = steps[0].at
    return tuple(
        VerdictRow(
            t=_t(e.at, origin),
            during=str(e.data.get("during", "")),
            ok=bool(e.data.get("ok")),
            requests=int(e.data.get("requests") or 0),
            errors=int(e.data.get("errors") or 0),
            error_rate=_float(e.data.get("error_rate")),
            p99_ms=_float(e.data.get("p99_ms")),
            reason=e.data.get("reason"),
        )
        for e in steps
        if e.step == "verdict"
    )


def timeline(events: Sequence[Event]) -> Timeline:
    """Weights, markers and verdicts of one journal."""
    steps = _steps(events)
    begin_at = steps[0].at if steps else 0.0
    return Timeline(
        begin_at=begin_at,
        end_t=_t(steps[-1].at, begin_at) if steps else 0.0,
        weights=weight_timeline(events),
        markers=step_markers(events),
        verdicts=verdict_rows(events),
    )


def probe_series(probe: Mapping[str, Any], begin_at: float) -> ProbeSeries:
    """The probe's per-second buckets on the deployment's axis (t = bucket start - begin).

    Each bucket is one second, so its count per version is that version's requests per second.
    Versions come in order of first appearance; every version has a value in every bucket.
    """
    rows = [r for r in probe.get("series") or [] if isinstance(r, Mapping)]
    versions: list[str] = []
    for row in rows:
        for version in row.get("by_version") or {}:
            if version not in versions:
                versions.append(str(version))
    return ProbeSeries(
        t=tuple(_t(float(r["at"]), begin_at) for r in rows),
        versions=tuple(versions),
        rps={v: tuple(int((r.get("by_version") or {}).get(v, 0)) for r in rows) for v in versions},
        failed=tuple(int(r.get("failed") or 0) for r in rows),
        p50_ms=tuple(_float(r.get("p50_ms")) for r in rows),
        p99_ms=tuple(_float(r.get("p99_ms")) for r in rows),
    )


def _shift_seconds(events: Sequence[Event]) -> float | None:
    """From the first `shift` call to the final `shifted` (all traffic moved); None if never."""
    steps = _steps(events)
    shifts = [e for e in steps if e.step == "shift"]
    done = [e for e in steps if e.step == "shifted" and e.data.get("step") == e.data.get("of")]
    if not shifts or not done:
        return None
    return round(done[-1].at - shifts[0].at, 3)


def _side(record: Mapping[str, Any] | None, key: str) -> Mapping[str, Any]:
    side = (record or {}).get(key)
    return side if isinstance(side, Mapping) else {}


def summary(
    deployment_id: str,
    events: Sequence[Event],
    record: Mapping[str, Any] | None,
    probe: Mapping[str, Any] | None,
) -> Summary:
    """The summary table: the history record wins where it exists (it is what `history` shows),
    the journal fills in a deployment still running or never closed, the probe adds the traffic.
    """
    steps = _steps(events)
    begin = steps[0].data if steps and steps[0].step == "begin" else {}
    end = steps[-1].data if steps and steps[-1].step == "end" else {}
    old, new = _side(record, "from"), _side(record, "to")
    healthy = next((e.data.get("seconds") for e in steps if e.step == "healthy"), None)
    cutover = (probe or {}).get("cutover") or {}
    duration = (record or {}).get("duration_s")
    if duration is None and end:
        duration = round(steps[-1].at - steps[0].at, 3)
    return Summary(
        deployment_id=deployment_id,
        operation=(record or {}).get("operation") or begin.get("operation"),
        target=(record or {}).get("target") or begin.get("target"),
        who=(record or {}).get("who") or begin.get("who"),
        strategy=(record or {}).get("strategy") or begin.get("strategy"),
        old_color=old.get("color") or begin.get("old"),
        old_version=old.get("version") or _version(begin.get("old_release")),
        new_color=new.get("color") or begin.get("new"),
        new_version=new.get("version") or _version(begin.get("new_release")),
        outcome=(record or {}).get("outcome") or end.get("outcome") or "in progress",
        reason=(record or {}).get("reason") or end.get("reason"),
        started_at=steps[0].at if steps else (record or {}).get("started_at"),
        duration_s=_float(duration),
        time_to_healthy_s=_float(healthy) if healthy is not None else None,
        shift_s=_shift_seconds(events),
        requests=int(probe["sent"]) if probe and probe.get("sent") is not None else None,
        failed=int(probe["failed"]) if probe and probe.get("failed") is not None else None,
        by_version={str(k): int(v) for k, v in ((probe or {}).get("by_version") or {}).items()},
        p50_ms=_float((probe or {}).get("p50_ms")),
        p99_ms=_float((probe or {}).get("p99_ms")),
        cutover_first_new_ms=_float(cutover.get("to_first_new_ms")),
        cutover_last_old_ms=_float(cutover.get("to_last_old_ms")),
        notes=tuple(str(n) for n in (record or {}).get("notes") or ()),
    )


def version_colors(summary: Summary) -> dict[str, str]:
    """Which colour each version ran as, so the rps lines take the colour of their fleet."""
    colors: dict[str, str] = {}
    if summary.old_version and summary.old_color:
        colors[summary.old_version] = summary.old_color
    if summary.new_version and summary.new_color:
        colors.setdefault(summary.new_version, summary.new_color)
    return colors


def build(
    deployment_id: str,
    events: Sequence[Event],
    record: Mapping[str, Any] | None,
    probe: Mapping[str, Any] | None,
) -> ReportData:
    """All the report's data for one deployment."""
    line = timeline(events)
    begin_at = line.begin_at if events else float((record or {}).get("started_at") or 0.0)
    head = summary(deployment_id, events, record, probe)
    return ReportData(
        summary=head,
        timeline=line,
        probe=probe_series(probe, begin_at) if probe and probe.get("series") else None,
        colors=version_colors(head),
    )
