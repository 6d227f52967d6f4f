"""Timing settings that can judge: each platform's defaults judge its shortest step; a window,
interval or `max_wait` that could not is refused naming the keys (exit code 2)."""

from __future__ import annotations

import pytest

from bluegreen.errors import ConfigError
from bluegreen.evidence import (
    AWS_TIMING,
    LOCAL_TIMING,
    check_timing,
    timing_problems,
)


def test_each_platforms_defaults_can_judge_its_shortest_step() -> None:
    for platform, timing in (("local", LOCAL_TIMING), ("aws", AWS_TIMING)):
        assert (
            timing_problems(
                platform,  # type: ignore[arg-type]  # loop over the two Literal values
                interval=max(timing.shortest_interval, 1),
                window=timing.window,
                poll=timing.poll,
                publish_delay=timing.publish_delay,
            )
            == []
        )
    assert AWS_TIMING.shortest_interval == 240
    assert LOCAL_TIMING.shortest_interval == 0


def test_todays_aws_window_and_a_short_interval_are_refused_naming_the_keys() -> None:
    problems = timing_problems("aws", interval=30, window=10, poll=15, publish_delay=180)

    assert problems == [
        "analysis.window = 10 s is shorter than two looks (analysis.poll = 15 s): every look "
        "would compare a reading with itself; set analysis.window to at least 30 s or lower "
        "analysis.poll",
        "analysis.window = 10 s is shorter than CloudWatch's 60 s period: it would never hold a "
        "whole minute; set analysis.window to at least 60 s (default 120)",
        "deploy.interval = 30 s is shorter than the publishing delay plus one period (180 + 60 "
        "s): the step's metrics could not be complete in time; set deploy.interval to at least "
        "240 s (or lower analysis.publish_delay if your metrics arrive sooner)",
    ]


def test_a_max_wait_below_the_interval_is_refused() -> None:
    assert timing_problems(
        "local", interval=30, window=10, poll=0.5, publish_delay=0, max_wait=20
    ) == [
        "analysis.max_wait = 20 s is shorter than deploy.interval = 30 s: no step could ever "
        "pass; set analysis.max_wait to at least 30 s or leave it unset (3 x the interval)"
    ]


def test_check_timing_raises_a_config_error_with_exit_code_2() -> None:
    with pytest.raises(ConfigError) as caught:
        check_timing("aws", interval=60, window=120, poll=15, publish_delay=180)

    assert caught.value.exit_code == 2
    assert "deploy.interval = 60 s" in caught.value.message
    assert "docs/verdict.md" in str(caught.value)  # the hint
    check_timing("aws", interval=0, window=120, poll=15, publish_delay=180)  # no watch: fine
