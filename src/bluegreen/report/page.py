"""The report as ONE self-contained HTML page: inline CSS, inline SVG chart, no script.

The page must open from a CI artifact or an e-mail with no network, so nothing is fetched:
the Content-Security-Policy forbids it, and every piece of recorded text (versions, reasons,
commands, who) is escaped, since a release's version or a smoke command is operator input.
Each summary row carries `data-key` so tools and tests can read the figures back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from html import escape

from bluegreen.report.data import Marker, ReportData, Summary, VerdictRow
from bluegreen.report.labels import VERDICT_HEAD, baseline_text, verdict_word

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #1d1d1f; margin: 24px auto;
       max-width: 1150px; padding: 0 16px; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.sub { color: #666; margin: 0 0 16px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff;
         font-size: 12px; vertical-align: middle; }
.succeeded { background: #2e9e5b; } .rolled_back { background: #d62728; }
.failed { background: #d62728; } .interrupted, .other { background: #888; }
.reason { border-left: 4px solid #d62728; background: #fdf0f0; padding: 8px 12px; }
table { border-collapse: collapse; margin: 4px 0; }
th, td { border-bottom: 1px solid #e3e3e3; padding: 4px 10px; text-align: left;
         vertical-align: top; }
th { background: #f6f6f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { color: #b00; }
.chart svg { width: 100%; height: auto; }
footer { color: #888; margin-top: 32px; font-size: 12px; }
"""


def number(value: float | int | None, unit: str = "") -> str:
    """A recorded figure as recorded (up to 3 decimals, no trailing zeros), or `-`."""
    if value is None:
        return "-"
    # Integers (request counts) as they are; recorded floats carry at most 3 decimals.
    text = str(value) if isinstance(value, int) else f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".rstrip()


def utc(timestamp: float | None) -> str:
    """A journal time as UTC text."""
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _side(color: str | None, version: str | None) -> str:
    return f"{version or '-'} ({color or '-'})"


def summary_rows(s: Summary) -> list[tuple[str, str, str]]:
    """(data-key, label, text) of each summary row."""
    per_version = ", ".join(f"{v}: {n}" for v, n in s.by_version.items()) or "-"
    return [
        ("id", "Deployment", s.deployment_id),
        ("operation", "Operation", s.operation or "-"),
        ("outcome", "Outcome", s.outcome or "-"),
        ("reason", "Reason", s.reason or "-"),
        ("target", "Target", s.target or "-"),
        ("who", "Who", s.who or "-"),
        ("strategy", "Strategy", s.strategy or "-"),
        ("from", "From", _side(s.old_color, s.old_version)),
        ("to", "To", _side(s.new_color, s.new_version)),
        ("started_at", "Started", utc(s.started_at)),
        ("duration_s", "Duration", number(s.duration_s, "s")),
        ("time_to_healthy_s", "New colour healthy after", number(s.time_to_healthy_s, "s")),
        ("shift_s", "Traffic shift (first shift to all moved)", number(s.shift_s, "s")),
        ("requests", "Probe requests", number(s.requests)),
        ("failed", "Probe failed requests", number(s.failed)),
        ("by_version", "Probe answers per version", per_version),
        ("p50_ms", "Probe p50 latency", number(s.p50_ms, "ms")),
        ("p99_ms", "Probe p99 latency", number(s.p99_ms, "ms")),
        (
            "cutover_first_new_ms",
            "Cutover: first answer from new",
            number(s.cutover_first_new_ms, "ms"),
        ),
        (
            "cutover_last_old_ms",
            "Cutover: last answer from old",
            number(s.cutover_last_old_ms, "ms"),
        ),
    ]


def _table(head: Sequence[str], rows: Iterable[str]) -> str:
    header = "".join(f"<th>{escape(h)}</th>" for h in head)
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _summary_table(s: Summary) -> str:
    rows = (
        f'<tr data-key="{escape(key)}"><th>{escape(label)}</th><td>{escape(text)}</td></tr>'
        for key, label, text in summary_rows(s)
    )
    return f"<table class='summary'><tbody>{''.join(rows)}</tbody></table>"


def _step_row(marker: Marker) -> str:
    bad = ' class="bad"' if marker.kind == "rollback" else ""
    return (
        f'<tr data-kind="{escape(marker.kind)}"{bad}><td>{escape(marker.label)}</td>'
        f'<td class="num">{escape(number(marker.t, "s"))}</td>'
        f'<td class="num">{escape(number(marker.duration_s, "s"))}</td>'
        f"<td>{escape(marker.detail)}</td></tr>"
    )


def _rate(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.2f}%"


def _verdict_row(v: VerdictRow) -> str:
    bad = ' class="bad"' if not v.ok else ""
    return (
        f"<tr{bad}><td class='num'>{escape(number(v.t, 's'))}</td><td>{escape(v.during)}</td>"
        f"<td>{escape(verdict_word(v.outcome, v.ok))}</td><td class='num'>{v.requests}</td>"
        f"<td class='num'>{v.errors}</td><td class='num'>{escape(_rate(v.error_rate))}</td>"
        f"<td class='num'>{escape(baseline_text(v.baseline_requests, v.baseline_error_rate))}</td>"
        f"<td class='num'>{escape(number(v.p99_ms, 'ms'))}</td>"
        f"<td>{escape(v.reason or '')}</td></tr>"
    )


def render_page(data: ReportData, chart_svg: str, generated: str) -> str:
    """The whole page. `chart_svg` is matplotlib's own output (trusted); all else is escaped."""
    s = data.summary
    outcome = s.outcome or "other"
    badge_class = (
        outcome if outcome in {"succeeded", "rolled_back", "failed", "interrupted"} else "other"
    )
    reason = (
        f'<p class="reason"><strong>Why it was rolled back:</strong> {escape(s.reason)}</p>'
        if s.reason
        else ""
    )
    notes = "".join(f"<li>{escape(n)}</li>" for n in s.notes)
    verdicts = (
        _table(
            VERDICT_HEAD,
            (_verdict_row(v) for v in data.timeline.verdicts),
        )
        if data.timeline.verdicts
        else "<p>No analysis ran (all-at-once, no bake).</p>"
    )
    probe_note = (
        ""
        if data.probe is not None
        else "<p>No probe ran with this deployment: run it with <code>--probe R</code> to see "
        "the traffic the users saw.</p>"
    )
    title = f"{s.deployment_id}: {s.old_version or '-'} → {s.new_version or '-'}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bluegreen report {escape(title)}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{escape(title)} <span class="badge {badge_class}">{escape(outcome)}</span></h1>
<p class="sub">{escape(s.operation or "deploy")} of {escape(s.new_version or "-")} to \
{escape(s.new_color or "-")}, strategy {escape(s.strategy or "-")}, \
started {escape(utc(s.started_at))}</p>
{reason}
<h2>Timeline</h2>
<div class="chart">{chart_svg}</div>
{probe_note}
<h2>Summary</h2>
{_summary_table(s)}
<h2>Steps</h2>
{_table(["step", "at", "duration", "detail"], (_step_row(m) for m in data.timeline.markers))}
<h2>Analysis verdicts</h2>
{verdicts}
{f"<h2>Notes</h2><ul>{notes}</ul>" if notes else ""}
<footer>Written by bluegreen {escape(generated)}. Times are seconds since the deployment \
began; each step lasts until the next one starts.</footer>
</body>
</html>
"""
