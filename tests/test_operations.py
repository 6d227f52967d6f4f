"""Operations above the procedure (rollback's choices, release flags, unlock, history, the
probe file), on the in-memory platform."""

from pathlib import Path

import pytest

from bluegreen.config import Settings
from bluegreen.errors import ConfigError, DeployError
from bluegreen.model import Release, Weights
from bluegreen.operations import deploy, down, history, rollback, unlock, up
from bluegreen.operations.probing import ProbeRun
from bluegreen.operations.releases import parse_env, resolve_release
from bluegreen.probe import ProbeReport, Sample
from bluegreen.progress import SilentProgress
from bluegreen.records import Outcome
from bluegreen.request import DeployRequest, RollbackRequest
from bluegreen.state import LockInfo
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider
from tests.support.records import record_with_old

TEMPLATE = RollbackRequest(tasks=2, reason="why")


def test_rollback_of_split_traffic_with_no_deployment_running_restores_the_old_colour() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.weights = Weights(70, 30)  # an undo that could not finish
    platform.state.records.append(record_with_old("blue", Outcome.ROLLED_BACK))
    record = rollback(platform, TEMPLATE, SilentProgress())
    assert platform.weights == Weights(100, 0)
    assert platform.calls == [
        ("weights", {"blue": 100, "green": 0}),
        ("record_live", "blue"),
        ("stop", "green"),
    ]
    assert record is not None
    assert record.outcome is Outcome.SUCCEEDED
    assert record.request_reason == "why"
    assert platform.state.lock is None
    assert platform.state.records[-1] == record


def test_rollback_of_split_traffic_without_a_healthy_colour_changes_nothing() -> None:
    platform = MemoryProvider()
    platform.seed("green", "2.0.0")
    platform.seed("blue", "1.0.0")
    platform.colors["blue"].healthy = platform.colors["green"].healthy = 0
    platform.weights = Weights(70, 30)
    with pytest.raises(DeployError, match="no colour is healthy"):
        rollback(platform, TEMPLATE, SilentProgress())
    assert platform.calls == []


def test_rollback_of_the_first_release_has_nothing_to_go_back_to() -> None:
    platform = MemoryProvider()
    platform.seed("blue", "1.0.0")
    with pytest.raises(ConfigError, match="nothing to roll back to"):
        rollback(platform, TEMPLATE, SilentProgress())
    assert platform.calls == []


# -- release resolution (what the release flags mean) -------------------------------------------


def test_an_aws_release_takes_its_version_from_the_image_tag_unless_given() -> None:
    aws = Settings(target="aws")
    release = resolve_release(aws, version=None, image="1234.dkr.ecr/app:2.1.0")
    assert (release.version, release.image, release.source) == (
        "2.1.0",
        "1234.dkr.ecr/app:2.1.0",
        "1234.dkr.ecr/app:2.1.0",
    )
    assert resolve_release(aws, version="v9", image="repo/app:2.1.0").version == "v9"


@pytest.mark.parametrize(
    ("image", "message"),
    [
        (None, "--image is required with --target aws"),
        ("registry:5000/app", "--version is required when the image has no tag"),
        ("repo/app@sha256:abc", "--version is required when the image has no tag"),
    ],
)
def test_an_aws_release_without_an_image_or_a_version_is_refused(
    image: str | None, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve_release(Settings(target="aws"), version=None, image=image)


def test_a_local_release_refuses_an_image_and_needs_a_version() -> None:
    with pytest.raises(ConfigError, match="--image is for --target aws"):
        resolve_release(Settings(), version="2", image="app:2")
    with pytest.raises(ConfigError, match="--version is required"):
        resolve_release(Settings(), version=None)


def test_a_local_release_runs_the_given_command_with_its_env() -> None:
    release = resolve_release(
        Settings(), version="2.0.0", command="node server.js --port 1", env={"A": "b"}
    )
    assert release.command == ("node", "server.js", "--port", "1")
    assert dict(release.env) == {"A": "b"}
    assert release.migrate_command == ()  # a custom command brings its own migration or none


@pytest.mark.parametrize("pair", ["NOEQUALS", "=value", "BAD-KEY=1"])
def test_env_pairs_must_be_key_equals_value(pair: str) -> None:
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_env([pair])
    assert parse_env(["A=1", "B_2=x=y"]) == {"A": "1", "B_2": "x=y"}


# -- unlock, history, up -----------------------------------------------------------------------


def test_unlock_frees_a_dead_holders_lock_but_not_a_live_one_unless_forced() -> None:
    platform = MemoryProvider()
    assert unlock(platform) is None
    platform.state.lock = LockInfo("d1", "someone", "deploy", 0.0, 10.0)
    with pytest.raises(ConfigError, match="d1 is still running"):
        unlock(platform)
    assert platform.state.lock is not None
    platform.state.alive = False
    assert unlock(platform) == LockInfo("d1", "someone", "deploy", 0.0, 10.0)
    assert platform.state.lock_holder() is None
    platform.state.lock = LockInfo("d2", "someone", "deploy", 0.0, 10.0)
    platform.state.alive = True
    assert unlock(platform, force=True) is not None
    assert platform.state.lock_holder() is None


def test_history_is_newest_first_and_limited() -> None:
    platform = MemoryProvider()
    platform.state.records += [record_with_old("blue", Outcome.SUCCEEDED) for _ in range(3)]
    platform.state.records.append(record_with_old("green", Outcome.ROLLED_BACK))
    newest = history(platform, limit=2)
    assert [r.old.color for r in newest] == ["green", "blue"]


def test_up_and_down_are_refused_on_aws_before_anything_starts() -> None:
    with pytest.raises(ConfigError, match="`up` starts the local platform"):
        up(Settings(target="aws"), SilentProgress(), version="1.0.0")
    with pytest.raises(ConfigError, match="`down` stops the local platform"):
        down(Settings(target="aws"))


# -- the probe around an operation ---------------------------------------------------------------


def _report(at: float) -> ProbeReport:
    samples = (
        Sample(at + 0.1, 2.0, 200, "1.0.0", "blue"),
        Sample(at + 1.1, 2.0, 200, "2.0.0", "green"),
        Sample(at + 1.2, 5.0, 200, "1.0.0", "blue"),
    )
    return ProbeReport("http://memory", 10.0, at, 2.0, samples)


def test_the_probe_file_is_written_once_under_the_deployment_that_ran(tmp_path: Path) -> None:
    clock = FakeClock()
    platform = MemoryProvider(clock=clock)
    platform.seed("blue", "1.0.0")
    record = deploy(
        platform,
        DeployRequest(release=Release("2.0.0"), tasks=2),
        SilentProgress(),
        deployment_id="d-1",
        clock=clock,
    )
    probe = ProbeRun(probe=None, report=_report(clock.now - 1.0))
    summary = probe.save(platform.state, tmp_path, record.id)
    assert summary is not None
    assert summary["deployment_id"] == "d-1"
    # the final shift was journaled at clock.now: green answered 0.1 s + 2 ms after it
    assert summary["cutover"] == {"to_first_new_ms": 102.0, "to_last_old_ms": 205.0}
    assert [p.name for p in (tmp_path / "probes").iterdir()] == ["d-1.json"]
    assert ProbeRun(probe=None).save(platform.state, tmp_path, "d-2") is None
