"""The report as Markdown: the same summary, steps and verdicts, for a CI job summary."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bluegreen.report.data import ReportData, VerdictRow
from bluegreen.report.labels import VERDICT_HEAD, baseline_text, verdict_word
from bluegreen.report.page import number, summary_rows


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _verdict(v: VerdictRow) -> list[str]:
    rate = "-" if v.error_rate is None else f"{v.error_rate * 100:.2f}%"
    return [
        number(v.t, "s"),
        v.during,
        verdict_word(v.outcome, v.ok),
        str(v.requests),
        str(v.errors),
        rate,
        baseline_text(v.baseline_requests, v.baseline_error_rate),
        number(v.p99_ms, "ms"),
        v.reason or "",
    ]


def render_markdown(data: ReportData) -> str:
    """Summary table, steps with their weights and durations, and the analysis verdicts."""
    s = data.summary
    lines = [
        f"### bluegreen {s.operation or 'deploy'} {s.deployment_id}: "
        f"{s.old_version or '-'} → {s.new_version or '-'} ({s.outcome or '-'})",
        "",
    ]
    if s.reason:
        lines += [f"**Why it was rolled back:** {_cell(s.reason)}", ""]
    lines += _table(["", ""], ([label, text] for _key, label, text in summary_rows(s)))
    lines += ["", "#### Steps", ""]
    lines += _table(
        ["step", "at", "duration", "detail"],
        (
            [m.label, number(m.t, "s"), number(m.duration_s, "s"), m.detail]
            for m in data.timeline.markers
        ),
    )
    lines += ["", "#### Analysis", ""]
    if data.timeline.verdicts:
        lines += _table(
            VERDICT_HEAD,
            (_verdict(v) for v in data.timeline.verdicts),
        )
    else:
        lines.append("No analysis ran (all-at-once, no bake).")
    return "\n".join(lines) + "\n"
