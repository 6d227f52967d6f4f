"""The watch of a partial step or the bake: it lasts until the step's verdict is final.

Each look reads the health of the new colour, its alarms and both colours' traffic
(`Provider.step_traffic`), keeps the reading in a `StepLog`, and asks the pure
`evidence.judge_step` for the verdict on the whole step so far and on the sliding window
(docs/verdict.md). Waiting means look again; a final verdict is journaled and acted on:
proceed, roll back (AnalysisError), or pause for `bluegreen promote`.
"""

from __future__ import annotations

import dataclasses
from contextlib import AbstractContextManager, nullcontext

from bluegreen import events
from bluegreen.analysis_load import AnalysisTraffic
from bluegreen.errors import AnalysisError
from bluegreen.evidence import (
    EvidenceSettings,
    StepLog,
    StepVerdict,
    Tally,
    describe,
    judge_step,
)
from bluegreen.pause import await_approval
from bluegreen.steps import Context


def verdict_event(verdict: StepVerdict) -> events.Verdict:
    """The journal's record of a final verdict: every figure of both colours and why."""

    def figures(tally: Tally | None) -> tuple[int | None, int | None, float | None]:
        if tally is None:
            return None, None, None
        return tally.requests, tally.errors, tally.rate

    baseline = figures(verdict.baseline)
    window_baseline = figures(verdict.window_baseline)
    return events.Verdict(
        during=verdict.step,
        ok=verdict.ok,
        requests=verdict.new.requests,
        errors=verdict.new.errors,
        error_rate=verdict.new.rate,
        reason=verdict.reason,
        state=verdict.state,
        action=verdict.action,
        elapsed=round(verdict.elapsed, 3),
        covered=round(verdict.covered, 3),
        window=verdict.window,
        baseline_requests=baseline[0],
        baseline_errors=baseline[1],
        baseline_error_rate=baseline[2],
        window_requests=verdict.window_new.requests,
        window_errors=verdict.window_new.errors,
        window_error_rate=verdict.window_new.rate,
        window_baseline_requests=window_baseline[0],
        window_baseline_errors=window_baseline[1],
        window_baseline_error_rate=window_baseline[2],
    )


class Watch:
    """Judge the new colour during one step that gives it `share` (0..1) of the traffic."""

    def __init__(self, ctx: Context, label: str, share: float) -> None:
        self.ctx = ctx
        self.label = label
        self.share = share

    def judge(self, interval: float) -> StepVerdict | None:
        """Look until the verdict is final, record it and act on it; return it.

        Raises AnalysisError on a failed step, and on an inconclusive one unless
        `analysis.on_inconclusive` says promote or pause. Unjudged (`Context.judge` false: a
        dry run, where no traffic moved), one look and the step's least wait; None.
        """
        ctx = self.ctx
        if not ctx.judge:
            self._look_once(interval)
            return None
        verdict = self._watch(interval)
        event = verdict_event(verdict)
        ctx.run.verdicts.append(event)
        ctx.journal.record(event)
        if verdict.action == "rollback":
            state = "" if verdict.state == "failed" else f"{verdict.state}: "
            raise AnalysisError(
                f"{ctx.new} rolled back during {self.label}: {state}{verdict.reason}"
            )
        if verdict.state == "inconclusive":
            note = f"{self.label} was inconclusive: {verdict.reason}"
            ctx.run.notes.append(note)
            if verdict.action == "pause":
                await_approval(ctx, f"after {self.label}: {note}")
            else:
                ctx.progress.info(f"{note}; promoted anyway (analysis.on_inconclusive)")
        else:
            ctx.progress.info(f"{self.label} ok: {verdict.reason}")
        return verdict

    def _look_once(self, interval: float) -> None:
        """Read what a judged watch reads (a read the platform refuses fails here too), then
        wait the step's interval, the least a real run waits; judge nothing."""
        ctx = self.ctx
        ctx.checkpoint()
        ctx.provider.health(ctx.new)
        ctx.provider.step_traffic(ctx.new, ctx.old, ctx.clock.time(), self.share)
        ctx.provider.alarms(ctx.new)
        ctx.progress.info(
            f"{self.label}: not judged (dry run); a real run watches {ctx.new} for at least "
            f"{interval:.0f} s and {ctx.request.analysis.min_requests} requests"
        )
        ctx.clock.sleep(interval)

    def _watch(self, interval: float) -> StepVerdict:
        ctx = self.ctx
        provider = ctx.provider
        analysis = ctx.request.analysis
        target = provider.target
        settings = EvidenceSettings(
            interval=interval,
            min_requests=analysis.min_requests,
            max_error_rate=analysis.max_error_rate,
            window=analysis.window_for(target),
            max_wait=analysis.max_wait,
            on_inconclusive=analysis.on_inconclusive,
        )
        began = ctx.clock.time()
        log = StepLog(
            since=began,
            window=settings.window,
            publish_delay=analysis.publish_delay_for(target),
            with_baseline=ctx.old is not None,
        )
        unhealthy_before = 0
        label = (
            f"{self.label}: judging {ctx.new} (at least {interval:.0f} s and "
            f"{settings.min_requests} requests, at most {settings.wait_limit:.0f} s)"
        )
        with self._load(), ctx.progress.waiting(label) as update:
            while True:
                ctx.checkpoint()
                health = provider.health(ctx.new)
                log.add(provider.step_traffic(ctx.new, ctx.old, began, self.share))
                now = ctx.clock.time()
                # Only tasks past their grace count: a scale-out's new tasks are pending, not
                # failed, until the load balancer and ECS judge them (Health.pending).
                unhealthy = health.failing
                verdict = judge_step(
                    log.evidence(now),
                    settings,
                    step=self.label,
                    now=now,
                    old=ctx.old,
                    alarms=provider.alarms(ctx.new),
                    # A target counts as failed when it fails two looks in a row: one missed
                    # check is a blip the load balancer itself forgives (HAProxy `fall 2`).
                    unhealthy=min(unhealthy, unhealthy_before),
                )
                unhealthy_before = unhealthy
                verdict = self._latency(verdict)
                update(describe(verdict))
                if verdict.final:
                    return verdict
                ctx.clock.sleep(analysis.poll_for(target))

    def _latency(self, verdict: StepVerdict) -> StepVerdict:
        """Fail on `analysis.max_p99_ms` where the platform measures p99 (AWS: CloudWatch's
        TargetResponseTime; locally HAProxy has no percentiles, so it is not checked)."""
        bound = self.ctx.request.analysis.max_p99_ms
        if bound is None or verdict.state == "failed":
            return verdict
        p99 = self.ctx.provider.traffic(self.ctx.new).p99_ms
        if p99 is None or p99 <= bound:
            return verdict
        reason = f"p99 latency {p99:.0f} ms exceeds {bound:.0f} ms"
        return dataclasses.replace(verdict, state="failed", action="rollback", reason=reason)

    def _load(self) -> AbstractContextManager[object]:
        """Analysis traffic to the new colour alone for the step, when `analysis.load` asks."""
        load = self.ctx.request.analysis.load
        if load is None:
            return nullcontext()
        url = self.ctx.provider.route_test_listener(self.ctx.new)
        return AnalysisTraffic(url, load)
