"""What the report writes for each step: a short label on the chart, a detail in the table."""

from __future__ import annotations

from bluegreen import events as ev


def _shift_text(event: ev.Shift, new: str | None) -> tuple[str, str]:
    w = event.weights
    share = w.of(new) if new in ("blue", "green") else "?"  # type: ignore[arg-type]  # checked
    return (
        f"shift {event.step}/{event.of}",
        f"{new or 'new colour'} to {share}% (blue {w.blue}% / green {w.green}%)",
    )


def marker_text(  # noqa: PLR0911, PLR0912 - one branch per kind of marker
    event: ev.DeploymentEvent, new: str | None
) -> tuple[str, str]:
    """Short label for the chart, longer detail for the table."""
    match event:
        case ev.Shift():
            return _shift_text(event, new)
        case ev.Migrate():
            return "migrate", f"database migration for {event.version}"
        case ev.Start():
            version = event.release.version if event.release else "?"
            return f"start {event.color}", f"{event.tasks} task(s) of {version} as {event.color}"
        case ev.Reuse():
            return "reuse", f"{event.color} still runs {event.version} warm"
        case ev.Healthy():
            return "healthy", f"{event.tasks} task(s) healthy after {event.seconds} s"
        case ev.Smoke():
            return "smoke", f"{event.command} against {event.url}"
        case ev.AwaitingApproval():
            return "approval", f"paused for `bluegreen promote` (timeout {event.timeout} s)"
        case ev.Promoted():
            return "promote", "approved: final shift"
        case ev.Bake():
            return "bake", f"old colour kept warm for {event.seconds} s"
        case ev.Failed():
            return "rollback", event.reason or "failed"
        case ev.Drain():
            return f"drain {event.color}", "waiting for requests in flight to finish"
        case ev.DrainTimeout():
            return "drain timeout", f"{event.color} left running with requests in flight"
        case ev.Stop():
            return f"stop {event.color}", f"stopping the tasks of {event.color}"
        case ev.End():
            return "end", event.outcome + (f": {event.reason}" if event.reason else "")
    return event.kind.value, ""


VERDICT_HEAD = [
    "at",
    "during",
    "verdict",
    "requests",
    "5xx",
    "error rate",
    "old colour",
    "p99",
    "reason",
]
"""The columns of the analysis table, on the page and in Markdown."""


def verdict_word(outcome: str, ok: bool) -> str:
    """pass / FAIL / inconclusive: the verdict on a step as people read it."""
    if outcome == "inconclusive":
        return "inconclusive"
    return "pass" if ok else "FAIL"


def baseline_text(requests: int | None, rate: float | None) -> str:
    """The old colour over the same period: `0.10% of 1800`, or `-` without one."""
    if requests is None:
        return "-"
    shown = "-" if rate is None else f"{rate * 100:.2f}%"
    return f"{shown} of {requests}"
