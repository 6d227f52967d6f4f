"""Hooks at pre_deploy, pre_shift, post_shift, post_deploy and on_rollback, on the in-memory
platform with real shell commands: what they are told, and what their failure does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from bluegreen.config import HookSettings
from bluegreen.deployment import Deployment
from bluegreen.errors import DeployError
from bluegreen.hooks import HookFacts, hook_environment
from bluegreen.model import Release, Weights
from bluegreen.progress import SilentProgress
from bluegreen.records import DeploymentRecord, Outcome
from bluegreen.request import DeployRequest, RollbackRequest
from tests.support.clock import FakeClock
from tests.support.memory import MemoryProvider

NEW = Release("2.0.0")


def recorder(log: Path, point: str, exit_code: int = 0) -> str:
    """A hook command that appends its BLUEGREEN_* variables to `log` as one JSON line."""
    script = (
        "import json, os, sys; "
        f"open({str(log)!r}, 'a').write(json.dumps({{'point': {point!r}, "
        "**{k: v for k, v in os.environ.items() if k.startswith('BLUEGREEN_')}}) + '\\n'); "
        f"print('hook output {point}'); sys.exit({exit_code})"
    )
    return f'{sys.executable} -c "{script}"'


def calls(log: Path) -> list[dict[str, str]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def deploy(
    platform: MemoryProvider, clock: FakeClock, hooks: HookSettings, release: Release = NEW
) -> DeploymentRecord:
    request = DeployRequest(release=release, tasks=2, hooks=hooks)
    return Deployment(
        platform, request, SilentProgress(), clock=clock, readiness=lambda _u: None
    ).run()


def all_hooks(log: Path, failing: str | None = None) -> HookSettings:
    points = ("pre_deploy", "pre_shift", "post_shift", "post_deploy", "on_rollback")
    return HookSettings(**{p: recorder(log, p, 7 if p == failing else 0) for p in points})


def test_a_deploy_runs_its_hooks_in_order_with_the_operations_facts(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    record = deploy(platform, clock, all_hooks(log))
    seen = calls(log)
    assert [c["point"] for c in seen] == ["pre_deploy", "pre_shift", "post_shift", "post_deploy"]
    assert all(c["BLUEGREEN_DEPLOYMENT_ID"] == record.id for c in seen)
    first, shifted = seen[0], seen[2]
    assert first["BLUEGREEN_OPERATION"] == "deploy"
    assert (first["BLUEGREEN_OLD_COLOR"], first["BLUEGREEN_NEW_COLOR"]) == ("blue", "green")
    assert (first["BLUEGREEN_OLD_VERSION"], first["BLUEGREEN_NEW_VERSION"]) == ("1.0.0", "2.0.0")
    assert (first["BLUEGREEN_BLUE_WEIGHT"], first["BLUEGREEN_GREEN_WEIGHT"]) == ("100", "0")
    assert (shifted["BLUEGREEN_BLUE_WEIGHT"], shifted["BLUEGREEN_GREEN_WEIGHT"]) == ("0", "100")
    assert seen[1]["BLUEGREEN_TARGET_URL"]  # pre_shift reaches the new colour alone
    assert record.outcome is Outcome.SUCCEEDED
    assert record.notes == ()
    hooks = [e for e in platform.state.events(record.id) if e.step == "hook"]
    assert [h.data["hook"] for h in hooks] == [
        "pre_deploy",
        "pre_shift",
        "post_shift",
        "post_deploy",
    ]


def test_a_failing_pre_deploy_hook_aborts_before_anything_changes(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    with pytest.raises(DeployError, match="pre_deploy hook failed with exit code 7: hook output"):
        deploy(platform, clock, all_hooks(log, failing="pre_deploy"))
    assert platform.calls == []  # no migration, no task, no weight
    assert [c["point"] for c in calls(log)] == ["pre_deploy"]  # nothing went back: no on_rollback
    assert platform.state.lock is None


def test_a_failing_pre_shift_hook_stops_the_new_colour_before_traffic_moves(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    with pytest.raises(DeployError, match="pre_shift hook failed with exit code 7"):
        deploy(platform, clock, all_hooks(log, failing="pre_shift"))
    assert not any(call[0] == "weights" for call in platform.calls)
    assert ("stop", "green") in platform.calls
    assert [c["point"] for c in calls(log)] == ["pre_deploy", "pre_shift", "on_rollback"]
    assert platform.snapshot().live == "blue"


def test_a_failing_post_hook_is_journaled_and_noted_but_the_deploy_stands(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    record = deploy(platform, clock, all_hooks(log, failing="post_deploy"))
    assert record.outcome is Outcome.SUCCEEDED
    assert platform.snapshot().live == "green"
    assert record.notes == ("post_deploy hook failed with exit code 7: hook output post_deploy",)
    [ran] = [e for e in platform.state.events(record.id) if e.data.get("hook") == "post_deploy"]
    assert ran.data["exit_code"] == 7


def test_a_rollback_runs_on_rollback_and_never_a_pre_hook(
    platform: MemoryProvider, clock: FakeClock, tmp_path: Path
) -> None:
    log = tmp_path / "hooks.log"
    deploy(platform, clock, HookSettings())
    request = RollbackRequest(hooks=all_hooks(log, failing="pre_deploy")).deploy_of(
        Release("1.0.0"), 2
    )
    record = Deployment(platform, request, SilentProgress(), clock=clock).run()
    assert record.outcome is Outcome.SUCCEEDED
    [only] = calls(log)
    assert (only["point"], only["BLUEGREEN_OPERATION"]) == ("on_rollback", "rollback")
    assert only["BLUEGREEN_NEW_VERSION"] == "1.0.0"


def test_hook_environment_names_every_fact() -> None:
    facts = HookFacts(
        operation="deploy",
        deployment_id="d-1",
        target="local",
        old_color=None,
        new_color="blue",
        old_version=None,
        new_version="1.0.0",
        weights=Weights(100, 0),
        url="http://127.0.0.1:8080",
    )
    assert hook_environment("post_deploy", facts) == {
        "BLUEGREEN_HOOK": "post_deploy",
        "BLUEGREEN_OPERATION": "deploy",
        "BLUEGREEN_DEPLOYMENT_ID": "d-1",
        "BLUEGREEN_PLATFORM": "local",
        "BLUEGREEN_OLD_COLOR": "",
        "BLUEGREEN_NEW_COLOR": "blue",
        "BLUEGREEN_OLD_VERSION": "",
        "BLUEGREEN_NEW_VERSION": "1.0.0",
        "BLUEGREEN_BLUE_WEIGHT": "100",
        "BLUEGREEN_GREEN_WEIGHT": "0",
        "BLUEGREEN_URL": "http://127.0.0.1:8080",
    }
