"""CloudWatch reads of the AWS provider: a colour's cumulative traffic and a step's minutes.

CloudWatch publishes per-minute sums, 1-3 minutes late, not counters. `step_traffic` reads
every minute of the step so far, each value keyed by its own timestamp, for both target
groups and the ALB's own 5xx; the watch counts only minutes old enough to be complete
(`analysis.publish_delay`, docs/verdict.md). `traffic` is kept for the p99 bound only
(`analysis.max_p99_ms`): the latest minute's TargetResponseTime p99.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from bluegreen.aws.client import AwsClient, merge_pages
from bluegreen.aws.requests import target_group_metrics_request
from bluegreen.aws.responses import traffic_from_metrics
from bluegreen.evidence.cloudwatch import minutes_from_metric_data, step_metrics_request
from bluegreen.evidence.step import MinuteBatch
from bluegreen.model import Color, TrafficCounters


class MetricsClient(AwsClient):
    """GetMetricData for the watch: every page of one request, as AWS returns them."""

    def _metric_pages(self, what: str, request: dict[str, Any]) -> list[list[dict[str, Any]]]:
        """Each page's MetricDataResults, in order (a series may continue on the next page)."""
        pages: list[list[dict[str, Any]]] = []
        token: str | None = None
        while True:
            page_request = dict(request, NextToken=token) if token else request
            response = self._call(what, self._cloudwatch.get_metric_data, **page_request)
            pages.append([dict(r) for r in response.get("MetricDataResults") or []])
            token = response.get("NextToken")
            if not token:
                return pages

    def traffic(self, color: Color) -> TrafficCounters:
        """Requests, 5xx and p99 of `color`'s target group from CloudWatch, since the origin."""
        now = self._clock.time()
        end = math.ceil(now / 60) * 60 + 60  # include the minute in progress
        request = target_group_metrics_request(
            target_group_arn=self.resources.target_groups[color],
            load_balancer_arn=self._load_balancer(),
            start=datetime.fromtimestamp(self._traffic_origin, tz=UTC),
            end=datetime.fromtimestamp(end, tz=UTC),
        )
        results: list[dict[str, Any]] = []
        what = f"metrics of target group {self.resources.target_groups[color]}"
        for page in self._metric_pages(what, request):
            results.extend(merge_pages(results, page))
        return traffic_from_metrics(results, at=now)

    def step_traffic(
        self, new: Color, old: Color | None, since: float, new_share: float
    ) -> MinuteBatch:
        """Every minute of the step CloudWatch has so far, each keyed by its own timestamp:
        one GetMetricData (all pages) for both target groups and the ALB's own 5xx."""
        now = self._clock.time()
        groups = {c: self.resources.target_groups[c] for c in (new, old) if c is not None}
        request = step_metrics_request(
            target_groups=groups, load_balancer_arn=self._load_balancer(), start=since, end=now
        )
        pages = self._metric_pages("metrics of the step", request)
        results = [result for page in pages for result in page]
        minutes = minutes_from_metric_data(results, new=new, old=old, new_share=new_share)
        return MinuteBatch(at=now, minutes=tuple(minutes))
