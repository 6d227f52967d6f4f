"""A whole deploy's AwsProvider calls: under a dry run (recorded in order, none sent, its own
changes read back), how many there are, and each allowed by the deploy role's IAM actions."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from bluegreen.aws.provider import AwsProvider
from bluegreen.dryrun import DryRun
from bluegreen.dryrun import calls as planned
from bluegreen.model import Release, Weights
from bluegreen.provider import Provider
from bluegreen.state import JournalEntry, LockInfo
from tests.support.aws_recorder import RequestRecorder
from tests.support.aws_stack import REPO, make_session
from tests.support.records import make_record

from .e2e_support import MUTATING_CALLS
from .provider_support import NEW, OLD, listener_weights


def _world(stack: dict[str, Any]) -> dict[str, Any]:
    """Everything a deployment could change, read with a session the provider does not use."""
    s = make_session()
    ecs, ddb = s.client("ecs"), s.client("dynamodb")
    return {
        "weights": listener_weights(stack),
        "services": [
            (svc["desiredCount"], svc["taskDefinition"])
            for svc in ecs.describe_services(cluster="app", services=["app-blue", "app-green"])[
                "services"
            ]
        ],
        "revisions": ecs.list_task_definitions()["taskDefinitionArns"],
        "tasks": ecs.list_tasks(cluster="app")["taskArns"],
        "live": s.client("ssm").get_parameter(Name="/app/live-color")["Parameter"]["Value"],
        "table": ddb.scan(TableName="app-deploy")["Items"],
    }


def _deploy(provider: Provider, release: Release = NEW) -> None:
    """The provider calls of a canary deploy, in the procedure's order (lock to history)."""
    state = provider.state
    lock = LockInfo("d1", "ci", "deploy", 0.0, 10_000_000_000.0)
    state.acquire_lock(lock)
    seq = iter(range(1, 100))
    state.append_event(JournalEntry("d1", next(seq), 0.0, "preflight"))
    before = provider.snapshot()
    assert before.live == "blue"
    provider.migrate(release, "green")
    state.append_event(JournalEntry("d1", next(seq), 0.0, "start"))
    provider.start("green", release, 2)
    assert provider.health("green").ready
    for green in (10, 100):
        state.append_event(JournalEntry("d1", next(seq), 0.0, "shift", {"green": green}))
        provider.set_weights(Weights.split("green", green))
        provider.traffic("green")
        provider.alarms("green")
    provider.record_live("green")
    provider.in_flight("blue")
    provider.stop("blue")
    state.save_record(make_record("d1"))
    state.release_lock("d1")


def _rollback(provider: AwsProvider) -> None:
    """The provider calls of a rollback after the old colour was stopped."""
    provider.snapshot()
    provider.start("blue", OLD, 2)
    assert provider.health("blue").ready
    provider.set_weights(Weights.all_on("blue"))
    provider.record_live("blue")
    provider.stop("green")


def test_a_dry_run_records_every_change_in_order_sends_none_and_reads_its_own_changes(
    make_provider: Callable[..., AwsProvider], recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    dry = DryRun(make_provider())
    before = _world(stack)
    _deploy(dry)
    assert _world(stack) == before
    sent = set(recorder.names())
    assert sent  # the reads went to AWS
    assert not sent & MUTATING_CALLS
    assert [call.name for call in dry.calls] == [
        "take-lock",
        "journal",  # preflight
        "migrate",
        "journal",  # start
        "start",
        "journal",  # shift 10
        "set-weights",
        "journal",  # shift 100
        "set-weights",
        "record-live",
        "stop",
        "save-record",
        "give-back-lock",
    ]
    assert dry.calls[0] == planned.TakeLock("d1", "deploy", 10_000_000_000)
    assert dry.calls[2] == planned.Migrate(NEW, "green")
    assert dry.calls[4] == planned.Start("green", NEW, 2)
    assert dry.calls[6] == planned.SetWeights(Weights(blue=90, green=10))
    assert dry.calls[9] == planned.RecordLive("green")
    assert dry.calls[10] == planned.Stop("blue")
    # Later reads answer from the overlay: the weights set, green started, blue stopped, the
    # journal and the record written, the lock given back; AWS still says otherwise.
    after = dry.snapshot()
    assert after.weights == Weights.all_on("green")
    assert after.colors["green"].release == NEW
    assert after.colors["blue"].release is None
    assert [e.step for e in dry.state.events("d1")] == ["preflight", "start", "shift", "shift"]
    assert [r.id for r in dry.state.history()][:1] == ["d1"]
    assert dry.state.lock_holder() is None
    real = dry.real.snapshot()
    assert (real.weights, real.colors["green"].health.desired) == (Weights.all_on("blue"), 0)


CONTROLLER_ACTIONS = REPO / "terraform" / "modules" / "cicd" / "controller-actions.json"


# Actions implied by a call rather than named by it: registering a revision and running it hand
# the task and execution roles to ECS, which IAM checks as iam:PassRole.
IMPLIED_ACTIONS = {"ecs:RegisterTaskDefinition": ["iam:PassRole"], "ecs:RunTask": ["iam:PassRole"]}


def _declared_actions(document: Any) -> set[str]:
    """Action strings of controller-actions.json: a flat list, or statements with "actions"."""
    if isinstance(document, list):
        return {str(action) for action in document}
    return {str(a) for statement in document.values() for a in statement["actions"]}


def test_a_deploy_makes_a_modest_number_of_aws_calls(provider: AwsProvider) -> None:
    _deploy(provider)
    calls = provider.calls
    print(json.dumps(calls, indent=2, sort_keys=True), "total", provider.call_count)
    assert provider.call_count <= 40
    assert calls["elasticloadbalancing:ModifyListener"] == 2
    assert calls["ecs:RegisterTaskDefinition"] == 1


def test_every_operation_of_a_deploy_and_rollback_is_in_the_deploy_roles_action_list(
    provider: AwsProvider, recorder: RequestRecorder, stack: dict[str, Any]
) -> None:
    if not CONTROLLER_ACTIONS.exists():
        pytest.skip(f"{CONTROLLER_ACTIONS.relative_to(REPO)} does not exist yet (Terraform's part)")
    _deploy(provider)
    _rollback(provider)
    provider.route_test_listener("green")
    used = set(provider.calls)
    used |= {a for action in list(used) for a in IMPLIED_ACTIONS.get(action, [])}
    allowed = _declared_actions(json.loads(CONTROLLER_ACTIONS.read_text(encoding="utf-8")))
    assert sorted(used - allowed) == []
