"""Pure builders: a deployment's journal (and probe file) turned into what the report draws.

Nothing is recomputed from logs: the weight timeline, the step markers and the verdicts come
from the events the deployment recorded; the traffic the users saw comes from the probe's
per-second series. Every time is in seconds since the deployment's `begin` event, so the
panels of the figure share one x axis. The types they fill are in `report.data`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from bluegreen import events as ev
from bluegreen.model import Release
from bluegreen.records import DeploymentRecord
from bluegreen.report.data import (
    Marker,
    ProbeSeries,
    ReportData,
    Summary,
    Timeline,
    VerdictRow,
    WeightPoint,
)
from bluegreen.report.labels import marker_text
from bluegreen.view import DeploymentView, Recorded

if TYPE_CHECKING:
    from bluegreen.state import JournalEntry

# Events that open a phase of the deployment, with the kind of marker they draw. Events not
# listed (shifted, smoke-done, baked, live, stopped, restore(d), verdict, signals) close a phase
# or carry data; they appear through the next marker, the weights or the verdicts.
MARKER_KINDS: Mapping[ev.Kind, str] = {
    ev.Kind.MIGRATE: "migrate",
    ev.Kind.START: "start",
    ev.Kind.REUSE: "reuse",
    ev.Kind.HEALTHY: "healthy",
    ev.Kind.SMOKE: "smoke",
    ev.Kind.SHIFT: "shift",
    ev.Kind.AWAITING_APPROVAL: "approval",
    ev.Kind.PROMOTED: "promote",
    ev.Kind.BAKE: "bake",
    ev.Kind.FAILED: "rollback",
    ev.Kind.DRAIN: "drain",
    ev.Kind.DRAIN_TIMEOUT: "drain-timeout",
    ev.Kind.STOP: "stop",
    ev.Kind.END: "end",
}


def _t(at: float, origin: float) -> float:
    return round(at - origin, 3)


# A view, or the stored entries of one journal (read into a view here).
Journal: TypeAlias = "DeploymentView | Sequence[JournalEntry]"


def _view(journal: Journal) -> DeploymentView:
    if isinstance(journal, DeploymentView):
        return journal
    return DeploymentView.of(journal[0].deployment_id if journal else "", journal)


def _begun(view: DeploymentView) -> tuple[tuple[Recorded, ...], ev.Begin | None]:
    """The steps, and the `begin` event when the journal starts with one."""
    steps = view.steps
    if not steps or not isinstance(steps[0].event, ev.Begin):
        return steps, None
    return steps, steps[0].event


def weight_timeline(journal: Journal) -> tuple[WeightPoint, ...]:
    """The step function of the weights: `begin.weights` at 0, then each change, then the end.

    The last point repeats the last weights at the time of the last event, so the function is
    drawn up to the end of the deployment.
    """
    view = _view(journal)
    steps, begin = _begun(view)
    if begin is None:
        return ()
    origin = steps[0].at
    start = begin.weights or None
    points = [WeightPoint(0.0, start.blue if start else 0, start.green if start else 0)]
    for at, weights in view.weights:
        if (weights.blue, weights.green) == (points[-1].blue, points[-1].green):
            continue
        points.append(WeightPoint(_t(at, origin), weights.blue, weights.green))
    end = _t(steps[-1].at, origin)
    points.append(WeightPoint(end, points[-1].blue, points[-1].green))
    return tuple(points)


def step_markers(journal: Journal) -> tuple[Marker, ...]:
    """One marker per phase-opening event; each lasts until the next marker (the end: None)."""
    steps, begin = _begun(_view(journal))
    if begin is None:
        return ()
    origin = steps[0].at
    opening = [r for r in steps if r.event.kind in MARKER_KINDS]
    markers = []
    for index, recorded in enumerate(opening):
        following = opening[index + 1] if index + 1 < len(opening) else None
        label, detail = marker_text(recorded.event, begin.new)
        markers.append(
            Marker(
                t=_t(recorded.at, origin),
                kind=MARKER_KINDS[recorded.event.kind],
                label=label,
                detail=detail,
                duration_s=round(following.at - recorded.at, 3) if following else None,
            )
        )
    return tuple(markers)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def verdict_rows(journal: Journal) -> tuple[VerdictRow, ...]:
    """The verdicts the analysis recorded, in order."""
    view = _view(journal)
    origin = view.started_at
    if origin is None:
        return ()
    return tuple(
        VerdictRow(
            t=_t(at, origin),
            during=v.during,
            ok=v.ok,
            requests=v.requests,
            errors=v.errors,
            error_rate=v.error_rate,
            p99_ms=v.p99_ms,
            reason=v.reason,
            outcome=v.outcome,
            baseline_requests=v.baseline_requests,
            baseline_error_rate=v.baseline_error_rate,
            covered=v.covered,
        )
        for at, v in view.verdicts
    )


def timeline(journal: Journal) -> Timeline:
    """Weights, markers and verdicts of one journal."""
    view = _view(journal)
    steps = view.steps
    begin_at = steps[0].at if steps else 0.0
    return Timeline(
        begin_at=begin_at,
        end_t=_t(steps[-1].at, begin_at) if steps else 0.0,
        weights=weight_timeline(view),
        markers=step_markers(view),
        verdicts=verdict_rows(view),
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


def summary(
    deployment_id: str,
    journal: Journal,
    record: DeploymentRecord | None,
    probe: Mapping[str, Any] | None,
) -> Summary:
    """The summary table: the history record wins where it exists (it is what `history` shows),
    the journal fills in a deployment still running or never closed, the probe adds the traffic.
    """
    view = _view(journal)
    steps, begin = _begun(view)
    end = view.end if steps and isinstance(steps[-1].event, ev.End) else None
    cutover = (probe or {}).get("cutover") or {}
    duration = record.duration_s if record else None
    if duration is None and end:
        duration = round(steps[-1].at - steps[0].at, 3)
    old = record.old if record else None
    new = record.new if record else None
    return Summary(
        deployment_id=deployment_id,
        operation=record.operation if record else (begin.operation if begin else None),
        target=record.target if record else (begin.target if begin else None),
        who=record.who if record else (begin.who if begin else None),
        strategy=(record.strategy if record else None) or (begin.strategy if begin else None),
        old_color=(old.color if old else None) or (begin.old if begin else None),
        old_version=(old.version if old else None)
        or _version(begin.old_release if begin else None),
        new_color=(new.color if new else None) or (begin.new if begin else None),
        new_version=(new.version if new else None)
        or _version(begin.new_release if begin else None),
        outcome=(record.outcome.value if record else None)
        or (end.outcome if end else None)
        or "in progress",
        reason=(record.reason if record else None) or (end.reason if end else None),
        started_at=steps[0].at if steps else (record.started_at if record else None),
        duration_s=_float(duration),
        time_to_healthy_s=view.healthy_seconds,
        shift_s=view.shift_seconds,
        requests=int(probe["sent"]) if probe and probe.get("sent") is not None else None,
        failed=int(probe["failed"]) if probe and probe.get("failed") is not None else None,
        by_version={str(k): int(v) for k, v in ((probe or {}).get("by_version") or {}).items()},
        p50_ms=_float((probe or {}).get("p50_ms")),
        p99_ms=_float((probe or {}).get("p99_ms")),
        cutover_first_new_ms=_float(cutover.get("to_first_new_ms")),
        cutover_last_old_ms=_float(cutover.get("to_last_old_ms")),
        notes=record.notes if record else (),
    )


def _version(release: Release | None) -> str | None:
    return release.version if release else None


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
    journal: Journal,
    record: DeploymentRecord | None,
    probe: Mapping[str, Any] | None,
) -> ReportData:
    """All the report's data for one deployment."""
    view = _view(journal)
    line = timeline(view)
    begin_at = line.begin_at if view.steps else (record.started_at if record else 0.0)
    head = summary(deployment_id, view, record, probe)
    return ReportData(
        summary=head,
        timeline=line,
        probe=probe_series(probe, begin_at) if probe and probe.get("series") else None,
        colors=version_colors(head),
    )
