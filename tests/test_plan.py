"""The pure deployment decisions: idle colour, weight steps, live-state problems."""

from bluegreen.model import ColorState, Health, Release, Snapshot, Weights
from bluegreen.plan import (
    Strategy,
    drain_wait,
    idle_color,
    live_state_problems,
    shift_steps,
    unsplit_color,
)


def snapshot(
    weights: Weights, blue: tuple[int, int] = (2, 2), green: tuple[int, int] = (0, 0)
) -> Snapshot:
    def state(version: str, desired: int, healthy: int) -> ColorState:
        return ColorState(Release(version) if desired else None, Health(desired, desired, healthy))

    return Snapshot("t", "u", weights, {"blue": state("1", *blue), "green": state("2", *green)})


def test_idle_colour_is_the_one_not_live() -> None:
    assert idle_color(snapshot(Weights(100, 0))) == "green"
    assert idle_color(snapshot(Weights(0, 100), blue=(0, 0), green=(2, 2))) == "blue"


def test_empty_platform_deploys_blue_first() -> None:
    assert idle_color(snapshot(Weights(100, 0), blue=(0, 0))) == "blue"


def test_all_at_once_is_one_step() -> None:
    assert shift_steps(Strategy("all-at-once"), "green") == [Weights(0, 100)]


def test_canary_sends_the_canary_share_then_everything() -> None:
    assert shift_steps(Strategy("canary", canary_percent=10), "green") == [
        Weights(90, 10),
        Weights(0, 100),
    ]
    assert shift_steps(Strategy("canary", canary_percent=5), "blue") == [
        Weights(5, 95),
        Weights(100, 0),
    ]


def test_linear_moves_by_the_step_and_ends_at_100() -> None:
    assert shift_steps(Strategy("linear", step_percent=25), "green") == [
        Weights(75, 25),
        Weights(50, 50),
        Weights(25, 75),
        Weights(0, 100),
    ]
    assert [w.green for w in shift_steps(Strategy("linear", step_percent=40), "green")] == [
        40,
        80,
        100,
    ]


def test_healthy_single_live_colour_has_no_problems() -> None:
    assert live_state_problems(snapshot(Weights(100, 0))) == []


def test_split_traffic_is_refused() -> None:
    assert live_state_problems(snapshot(Weights(90, 10), green=(2, 2))) == [
        "traffic is split 90/10 (blue/green): a deployment is in progress or was interrupted"
    ]


def test_unhealthy_live_colour_is_refused() -> None:
    assert live_state_problems(snapshot(Weights(100, 0), blue=(2, 1))) == [
        "live colour blue has 1 of 2 targets healthy"
    ]


def test_split_traffic_goes_back_to_the_last_old_colour_when_it_is_healthy() -> None:
    both = snapshot(Weights(90, 10), green=(2, 2))
    assert unsplit_color(both, "blue") == "blue"
    assert unsplit_color(both, "green") == "green"
    assert unsplit_color(both, None) is None  # both healthy and no history: undecided
    only_blue = snapshot(Weights(90, 10), green=(2, 0))
    assert unsplit_color(only_blue, "green") == "blue"
    assert unsplit_color(snapshot(Weights(50, 50), blue=(2, 0), green=(2, 1)), None) is None


def test_drain_wait_counts_from_when_the_weight_left_and_skips_a_colour_that_never_served() -> None:
    assert drain_wait(300, left_at=1000.0, served=True, now=1100.0) == 200
    assert drain_wait(300, left_at=1000.0, served=True, now=1400.0) == 0
    assert drain_wait(300, left_at=None, served=True, now=1100.0) == 300  # unknown: all of it
    assert drain_wait(300, left_at=None, served=False, now=1100.0) == 0
