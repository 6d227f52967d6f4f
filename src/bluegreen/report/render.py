"""The report's figure: weights, probe traffic and latency on one shared time axis.

Drawn with matplotlib's object API (Figure + Agg canvas, no pyplot): no global state, no
display needed, so it runs the same in a CI job, a headless server and a test.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import replace

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bluegreen.report.data import ProbeSeries, ReportData

FLEET = {"blue": "#2f6fde", "green": "#2e9e5b"}
FAILED = "#d62728"
UNKNOWN = "#888888"
P50 = "#555555"
P99 = "#e07b00"
MARKER_COLORS = {"rollback": FAILED, "promote": "#8a3ffc", "approval": "#8a3ffc"}


def plain(text: str) -> str:
    """Text shown as typed: matplotlib reads `$...$` as math, so a `$` in a version would not."""
    return text.replace("$", r"\$")


def _nan(value: float | None) -> float:
    # No successful request in that second: a gap in the line, not a zero latency.
    return math.nan if value is None else value


def _extend(t: Sequence[float], values: Sequence[float]) -> tuple[list[float], list[float]]:
    """Per-second buckets as a post-step line: the last bucket also lasts one second."""
    if not t:
        return [], []
    return [*t, t[-1] + 1.0], [*values, values[-1]]


def _draw_weights(ax: Axes, data: ReportData, x0: float) -> None:
    points = list(data.timeline.weights)
    if points and x0 < points[0].t:
        # Before `begin` the weights were the ones `begin` recorded; the probe may start earlier.
        points.insert(0, replace(points[0], t=x0))
    t = [p.t for p in points]
    blue = [p.blue for p in points]
    ax.fill_between(t, 0, blue, step="post", color=FLEET["blue"], alpha=0.85, label="blue")
    ax.fill_between(t, blue, 100, step="post", color=FLEET["green"], alpha=0.85, label="green")
    ax.set_ylim(0, 100)
    ax.set_ylabel("weight %")
    ax.legend(loc="lower left", fontsize=8, framealpha=0.9)


def _draw_traffic(ax: Axes, probe: ProbeSeries, colors: dict[str, str]) -> None:
    for version in probe.versions:
        t, rps = _extend(probe.t, [float(v) for v in probe.rps[version]])
        fleet = colors.get(version)
        ax.step(
            t,
            rps,
            where="post",
            color=FLEET.get(fleet or "", UNKNOWN),
            linewidth=1.6,
            label=plain(f"{version} ({fleet})" if fleet else version),
        )
    if any(probe.failed):
        ax.bar(
            probe.t,
            probe.failed,
            width=1.0,
            align="edge",
            color=FAILED,
            alpha=0.7,
            label="failed",
        )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("requests/s")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def _draw_latency(ax: Axes, probe: ProbeSeries) -> None:
    for name, values, color in (("p50", probe.p50_ms, P50), ("p99", probe.p99_ms, P99)):
        t, ms = _extend(probe.t, [_nan(v) for v in values])
        ax.step(t, ms, where="post", color=color, linewidth=1.4, label=name)
    ax.set_ylim(bottom=0)
    ax.set_ylabel("latency ms")
    ax.legend(loc="upper left", fontsize=8, framealpha=0.9)


def label_levels(times: Sequence[float], span: float, levels: int = 4) -> list[int]:
    """A height level per label so that labels closer than 8% of the axis do not overlap."""
    gap = span * 0.08
    last: list[float | None] = [None] * levels
    chosen = []
    for t in times:
        level = next(
            (i for i, seen in enumerate(last) if seen is None or t - seen > gap),
            min(range(levels), key=lambda i: last[i] or 0.0),
        )
        last[level] = t
        chosen.append(level)
    return chosen


def _draw_markers(axes: Sequence[Axes], data: ReportData, span: float) -> None:
    markers = data.timeline.markers
    levels = label_levels([m.t for m in markers], span)
    for marker, level in zip(markers, levels, strict=True):
        color = MARKER_COLORS.get(marker.kind, "#333333")
        for ax in axes:
            ax.axvline(marker.t, color=color, linewidth=0.8, linestyle="--", alpha=0.7)
        # Labels above the top panel, staggered in height so close steps stay readable.
        axes[0].annotate(
            plain(marker.label),
            xy=(marker.t, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(2, 3 + 10 * level),
            textcoords="offset points",
            fontsize=7,
            color=color,
            ha="left",
            va="bottom",
        )


def _title(data: ReportData) -> str:
    s = data.summary
    versions = f"{s.old_version or '-'} ({s.old_color or '-'}) → {s.new_version or '-'}"
    return plain(
        f"{s.deployment_id}: {s.operation or 'deploy'} {versions} ({s.new_color or '-'}), "
        f"{s.strategy or '-'}: {s.outcome}"
    )


def figure(data: ReportData) -> Figure:
    """The figure: weights on top, then requests/s per version and failures, then latency."""
    probe = data.probe
    panels = 3 if probe is not None else 1
    fig = Figure(figsize=(11, 8.5 if probe else 3.6), dpi=100, layout="constrained")
    ratios = [1.0, 1.3, 1.0] if probe else [1.0]
    axes = list(fig.subplots(panels, 1, sharex=True, height_ratios=ratios, squeeze=False)[:, 0])
    starts, ends = [0.0], [data.timeline.end_t, 0.0]
    if probe is not None and probe.t:
        starts.append(probe.t[0])
        ends.append(probe.t[-1] + 1.0)
    x0 = min(starts)
    _draw_weights(axes[0], data, x0)
    if probe is not None:
        _draw_traffic(axes[1], probe, dict(data.colors))
        _draw_latency(axes[2], probe)
    x1 = max(ends) or 1.0
    _draw_markers(axes, data, x1 - x0)
    axes[0].set_xlim(x0, x1)
    for ax in axes:
        ax.grid(True, alpha=0.25)
    axes[-1].set_xlabel("seconds since the deployment began")
    fig.suptitle(_title(data), fontsize=11)
    return fig


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG (for --png, a pull request or a job summary)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def svg_text(fig: Figure) -> str:
    """The figure as an `<svg>` element to inline in HTML (XML prolog and metadata dropped).

    Text is drawn as paths (matplotlib's default), so the page needs no font from anywhere.
    """
    buffer = io.StringIO()
    fig.savefig(
        buffer,
        format="svg",
        metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
    )
    text = buffer.getvalue()
    return text[text.index("<svg") :]
