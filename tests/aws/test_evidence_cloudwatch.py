"""The ALB's own 5xx in the AWS verdict: CloudWatch (moto) fed per minute, 90 s late.

`HTTPCode_ELB_5XX_Count` has no target group dimension, so the verdict shares it between the
colours by listener weight (docs/verdict.md). This plays one canary step at 10% with the AWS
defaults (interval 240 s, window 120 s, a look every 15 s, publishing delay 180 s): traffic goes
into the double as time passes, the double publishes what is old enough, and each look reads
GetMetricData back with the provider's own request and judges it. The three canary cases on
target metrics (half failing, healthy, no traffic) run end to end through the procedure against
moto_server in `test_e2e_verdict.py`.
"""

from __future__ import annotations

from typing import Any

from bluegreen.evidence import (
    AWS_TIMING,
    EvidenceSettings,
    MinuteMetrics,
    StepVerdict,
    judge_step,
    minute_evidence,
)
from bluegreen.evidence.cloudwatch import minutes_from_metric_data, step_metrics_request
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.cloudwatch_double import AlbMetricsDouble

START = 1_794_999_990.0  # mid-minute, as a real step begins
STEP = EvidenceSettings(interval=AWS_TIMING.shortest_interval, window=AWS_TIMING.window)


def _double(stack: dict[str, Any], clock: FakeClock) -> AlbMetricsDouble:
    session = make_session()
    listener = session.client("elbv2").describe_listeners(ListenerArns=[stack["listener_arn"]])
    return AlbMetricsDouble(
        cloudwatch=session.client("cloudwatch"),
        load_balancer_arn=listener["Listeners"][0]["LoadBalancerArn"],
        target_groups={c: stack[f"{c}_target_group_arn"] for c in ("blue", "green")},
        clock=clock.time,
        publish_delay=90.0,
    )


def _read(double: AlbMetricsDouble, now: float) -> list[MinuteMetrics]:
    request = step_metrics_request(
        target_groups={
            "blue": double.target_groups["blue"],
            "green": double.target_groups["green"],
        },
        load_balancer_arn=double.load_balancer_arn,
        start=START,
        end=now,
    )
    results: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = double.cloudwatch.get_metric_data(
            **request, **({"NextToken": token} if token else {})
        )
        results.extend(page["MetricDataResults"])
        token = page.get("NextToken")
        if not token:
            return minutes_from_metric_data(results, new="green", old="blue", new_share=0.1)


def _play(
    stack: dict[str, Any], *, rps: float, green_errors: float, elb_5xx_per_minute: int = 0
) -> tuple[StepVerdict, int]:
    """Run the step look by look until its verdict is final; return it and the looks taken."""
    clock = FakeClock(now=START)
    double = _double(stack, clock)
    looks = 0
    while True:
        before = clock.now
        clock.sleep(AWS_TIMING.poll)
        double.serve_between("green", before, clock.now, rps * 0.1, error_share=green_errors)
        double.serve_between("blue", before, clock.now, rps * 0.9)
        if elb_5xx_per_minute and int(clock.now) % 60 < AWS_TIMING.poll:
            double.elb_error(clock.now - 1, elb_5xx_per_minute)
        double.publish()
        evidence = minute_evidence(
            _read(double, clock.now),
            step_start=START,
            now=clock.now,
            window=STEP.window,
            publish_delay=AWS_TIMING.publish_delay,
            with_baseline=True,
        )
        verdict = judge_step(evidence, STEP, step="step 1/2", now=clock.now, old="blue")
        looks += 1
        if verdict.final:
            return verdict, looks


def test_the_albs_own_5xx_count_against_the_canary_by_its_weight(stack: dict[str, Any]) -> None:
    # 60 req/min, 6 on green; 20 ALB-answered 5xx a minute: green's share is ceil(2.0) = 2
    verdict, _ = _play(stack, rps=1, green_errors=0.0, elb_5xx_per_minute=20)

    assert verdict.state == "failed"
    assert verdict.reason.endswith("the platform is failing, not only the release")
