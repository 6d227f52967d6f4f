"""The verdict on one step: pass only on evidence, fail fast, and say when it cannot tell.

One look at a time, the caller passes the evidence gathered so far (see `readings`) and the
time; `judge_step` answers with a `StepVerdict` whose `action` says what to do next:

- failed (rollback): an alarm fires, a target fails its health check twice in a row, or the 5xx
  rate breaches `max_error_rate`, on the whole step (cumulative since it began) or on the
  sliding window (the fast abort). With fewer than `min_requests` the step fails only once its
  5xx alone already exceed the limit for `min_requests` requests: that outcome is settled.
- ok (proceed): the interval has passed, the new colour served at least `min_requests` during
  the step, the data for the whole interval is complete, and the cumulative rate is within.
- inconclusive: that evidence has not arrived within `max_wait`; the action follows
  `on_inconclusive` (rollback by default), and the state stays "inconclusive" whatever the
  action, so a promotion without evidence is never recorded as a pass.
- waiting (wait): none of the above yet; look again.

Every verdict carries both colours' figures; when the old colour (the baseline, same period)
breaches too, the reason says the platform is failing, not only the release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bluegreen.evidence.readings import Evidence, Tally
from bluegreen.evidence.settings import EvidenceSettings, OnInconclusive

State = Literal["ok", "failed", "inconclusive", "waiting"]
Action = Literal["proceed", "rollback", "pause", "wait"]

_ACTION_WHEN_INCONCLUSIVE: dict[OnInconclusive, Action] = {
    "rollback": "rollback",
    "promote": "proceed",
    "pause": "pause",
}


@dataclass(frozen=True)
class StepVerdict:
    """One look's verdict on a step, with the evidence behind it (journal and report record).

    `new`/`baseline` are cumulative since the step began, `window_new`/`window_baseline` over
    the last `window` seconds of complete data; `covered` is how many seconds of the step that
    data spans, `elapsed` how long the step has run.
    """

    step: str
    state: State
    action: Action
    reason: str
    elapsed: float
    covered: float
    window: float
    new: Tally
    baseline: Tally | None
    window_new: Tally
    window_baseline: Tally | None

    @property
    def ok(self) -> bool:
        """True only for a pass on evidence (an inconclusive promotion is not ok)."""
        return self.state == "ok"

    @property
    def final(self) -> bool:
        """True when the step is decided: stop looking and act on `action`."""
        return self.action != "wait"

    def to_dict(self) -> dict[str, object]:
        """Flat JSON form for the journal (`record("verdict", **v.to_dict())`) and the report.

        Keeps the keys the report already reads (`during`, `ok`, `requests`, `errors`,
        `error_rate`, `p99_ms`, `reason`), the new colour's cumulative figures.
        """

        def figures(prefix: str, tally: Tally | None) -> dict[str, object]:
            if tally is None:
                return {
                    f"{prefix}requests": None,
                    f"{prefix}errors": None,
                    f"{prefix}error_rate": None,
                }
            return {
                f"{prefix}requests": tally.requests,
                f"{prefix}errors": tally.errors,
                f"{prefix}error_rate": tally.rate,
            }

        return {
            "during": self.step,
            "ok": self.ok,
            "state": self.state,
            "action": self.action,
            "reason": self.reason,
            "elapsed": self.elapsed,
            "covered": self.covered,
            "window": self.window,
            **figures("", self.new),
            **figures("baseline_", self.baseline),
            **figures("window_", self.window_new),
            **figures("window_baseline_", self.window_baseline),
            "p99_ms": None,
        }


def percent(rate: float | None) -> str:
    """A rate as shown to people: one decimal, `n/a` with no requests."""
    return "n/a" if rate is None else f"{rate:.1%}"


def describe(verdict: StepVerdict) -> str:
    """One progress line: the new colour's figures, the baseline's rate, the data so far."""
    line = f"{verdict.new.requests} req, 5xx {percent(verdict.new.rate)}"
    if verdict.baseline is not None:
        line += f" (old colour {percent(verdict.baseline.rate)})"
    return f"{line}, {verdict.covered:.0f} s of data, {verdict.state}"


def _breaches(tally: Tally | None, settings: EvidenceSettings) -> bool:
    """A judged rate above the limit (only with enough requests to judge a rate at all)."""
    if tally is None or tally.requests < settings.min_requests:
        return False
    return tally.errors > settings.max_error_rate * tally.requests


def _settled_failure(tally: Tally, settings: EvidenceSettings) -> bool:
    """The 5xx so far exceed the limit even for `min_requests` (or more) requests.

    Errors never decrease, so such a step would fail the moment it reached `min_requests`:
    failing now is the same outcome, sooner.
    """
    return tally.errors > settings.max_error_rate * max(tally.requests, settings.min_requests)


def _platform_note(baseline: Tally | None, old: str, settings: EvidenceSettings) -> str:
    if baseline is None or not _breaches(baseline, settings):
        return ""
    return (
        f"; {old} fails too: 5xx rate {percent(baseline.rate)} over {baseline.requests} "
        f"requests: the platform is failing, not only the release"
    )


def _failure(evidence: Evidence, settings: EvidenceSettings, old: str) -> str | None:
    """Why the traffic so far fails the step, or None."""
    limit = percent(settings.max_error_rate)
    new = evidence.new
    if _breaches(new, settings):
        return (
            f"5xx rate {percent(new.rate)} over {new.requests} requests since the step began "
            f"exceeds {limit}" + _platform_note(evidence.baseline, old, settings)
        )
    if _settled_failure(new, settings):
        return (
            f"{new.errors} of {new.requests} requests answered 5xx since the step began: more "
            f"than {limit} of the {settings.min_requests} needed to judge"
            + _platform_note(evidence.baseline, old, settings)
        )
    recent = evidence.window_new
    if _breaches(recent, settings):
        return (
            f"5xx rate {percent(recent.rate)} over {recent.requests} requests in the last "
            f"{evidence.window:g} s exceeds {limit}"
            + _platform_note(evidence.window_baseline, old, settings)
        )
    return None


def judge_step(
    evidence: Evidence,
    settings: EvidenceSettings,
    *,
    step: str,
    now: float,
    old: str | None = None,
    alarms: Sequence[str] = (),
    unhealthy: int = 0,
) -> StepVerdict:
    """The verdict on the step that began at `evidence.since`, looked at `now`.

    `old` names the old colour in reasons (e.g. "blue"); `alarms` are those firing for the new
    colour; `unhealthy` its targets failing the health check (the caller forgives one blip).
    """
    old_name = "the old colour" if old is None else f"{old} (the old colour)"
    elapsed = max(now - evidence.since, 0.0)

    def verdict(state: State, action: Action, reason: str) -> StepVerdict:
        return StepVerdict(
            step=step,
            state=state,
            action=action,
            reason=reason,
            elapsed=elapsed,
            covered=evidence.covered,
            window=evidence.window,
            new=evidence.new,
            baseline=evidence.baseline,
            window_new=evidence.window_new,
            window_baseline=evidence.window_baseline,
        )

    if alarms:
        return verdict("failed", "rollback", f"alarm firing: {', '.join(alarms)}")
    if unhealthy:
        return verdict("failed", "rollback", f"{unhealthy} target(s) failed the health check")
    failure = _failure(evidence, settings, old_name)
    if failure is not None:
        return verdict("failed", "rollback", failure)

    new = evidence.new
    missing: list[str] = []
    if elapsed < settings.interval:
        missing.append(f"{elapsed:.0f} of {settings.interval:.0f} s elapsed")
    if new.requests < settings.min_requests:
        missing.append(f"{new.requests} of {settings.min_requests} requests")
    if evidence.covered < settings.interval <= elapsed:  # before that, time is what is missing
        missing.append(f"data complete for {evidence.covered:.0f} of {settings.interval:.0f} s")
    if not missing:
        reason = (
            f"5xx rate {percent(new.rate)} over {new.requests} requests in "
            f"{evidence.covered:.0f} s is within {percent(settings.max_error_rate)}"
        )
        if evidence.baseline is not None:
            reason += (
                f"; {old_name}: {percent(evidence.baseline.rate)} over "
                f"{evidence.baseline.requests} requests"
            )
        return verdict("ok", "proceed", reason)
    if elapsed < settings.wait_limit:
        return verdict("waiting", "wait", "waiting for evidence: " + ", ".join(missing))

    reasons: list[str] = []
    if new.requests < settings.min_requests:
        reasons.append(
            f"not enough traffic to judge: {new.requests} requests in "
            f"{evidence.covered:.0f} s, need {settings.min_requests}"
        )
    if evidence.covered < settings.interval:
        reasons.append(
            f"data incomplete: only {evidence.covered:.0f} s of the {settings.interval:.0f} s "
            f"step published after {elapsed:.0f} s"
        )
    action = _ACTION_WHEN_INCONCLUSIVE[settings.on_inconclusive]
    return verdict("inconclusive", action, "; ".join(reasons))
