"""The analysis verdict over a sliding window of cumulative counters."""

from bluegreen.analysis import judge, window_start
from bluegreen.config import AnalysisSettings
from bluegreen.model import TrafficCounters as C

SETTINGS = AnalysisSettings(max_error_rate=0.01, min_requests=20, window=10)


def test_error_rate_above_threshold_fails_with_the_figures() -> None:
    verdict = judge(C(0, 100, 0), C(5, 200, 3), SETTINGS)
    assert not verdict.ok
    assert (verdict.requests, verdict.errors) == (100, 3)
    assert verdict.reason == "5xx rate 3.0% over 100 requests exceeds 1.0%"


def test_error_rate_at_threshold_passes() -> None:
    assert judge(C(0, 0, 0), C(5, 100, 1), SETTINGS).ok


def test_too_few_requests_are_not_judged_on_rate() -> None:
    verdict = judge(C(0, 0, 0), C(5, 19, 19), SETTINGS)
    assert verdict.ok
    assert verdict.error_rate == 1.0


def test_unhealthy_targets_fail_even_without_traffic() -> None:
    verdict = judge(C(0, 0, 0), C(5, 0, 0), SETTINGS, unhealthy=1)
    assert verdict.reason == "1 target(s) failed the health check"


def test_firing_alarm_fails_first() -> None:
    verdict = judge(C(0, 0, 0), C(5, 100, 50), SETTINGS, alarms=["green-5xx"])
    assert verdict.reason == "alarm firing: green-5xx"


def test_p99_bound_applies_only_when_set() -> None:
    slow = C(5, 100, 0, p99_ms=900.0)
    assert judge(C(0, 0, 0), slow, SETTINGS).ok
    bounded = AnalysisSettings(max_p99_ms=500)
    assert judge(C(0, 0, 0), slow, bounded).reason == "p99 latency 900 ms exceeds 500 ms"


def test_window_starts_at_the_oldest_sample_inside_it() -> None:
    samples = [C(0, 0, 0), C(4, 10, 0), C(8, 20, 0), C(12, 30, 0)]
    assert window_start(samples, now=12, window=10) == C(4, 10, 0)
    assert window_start(samples[:1], now=100, window=10) == C(0, 0, 0)
