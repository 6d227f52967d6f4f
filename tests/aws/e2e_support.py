"""Helpers shared by the AWS end-to-end tests: a stand-in app endpoint, the releases and
requests the procedure tests deploy, and state readers.

The procedure checks the live colour's `/ready` through `direct_url(live)`, which on AWS is the
public app URL; the seeded stack's `https://app.example.com` is not reachable from a test, so the
end-to-end configurations point `app_url` at `AppEndpoint`, a local HTTP server that answers
every GET with 200 (the live colour is healthy as far as the app is concerned).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
import pytest

from bluegreen import operations
from bluegreen.aws.provider import AwsProvider
from bluegreen.config import AnalysisSettings
from bluegreen.lifecycle import ApprovalPending
from bluegreen.model import Release
from bluegreen.plan import Strategy
from bluegreen.progress import SilentProgress
from bluegreen.request import DeployRequest
from tests.support.aws_doubles import RecordedCall, RequestRecorder
from tests.support.aws_stack import make_session
from tests.support.clock import FakeClock
from tests.support.cloudwatch_double import AlbMetricsDouble

MIGRATE = ("alembic", "upgrade", "head")
NEW = Release(
    version="2.0.0",
    image="registry.example/app:2.0.0",
    migrate_command=MIGRATE,
    source="registry.example/app:2.0.0",
)
BAD = Release(
    version="3.0.0",
    image="registry.example/app:3.0.0",
    migrate_command=MIGRATE,
    source="registry.example/app:3.0.0",
)
# moto serves no traffic, so a watched step here is inconclusive: these tests are about the
# procedure's calls and order, so they let it through; tests/aws/test_e2e_verdict.py judges
# steps on CloudWatch metrics.
ANALYSIS = AnalysisSettings(poll=0.2, on_inconclusive="promote")


class _Ready(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        """Quiet."""


@contextmanager
def app_endpoint() -> Iterator[str]:
    """A local server answering 200 to every GET; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ready)
    thread = threading.Thread(target=server.serve_forever, name="app-endpoint", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


MUTATING_CALLS = frozenset(
    {
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
        "ecs:UpdateService",
        "elbv2:ModifyListener",
        "ssm:PutParameter",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
)


def forward_action(stack: dict[str, Any], blue: int, green: int) -> list[dict[str, Any]]:
    """The exact DefaultActions a weight change must send: ForwardConfig with both groups."""
    return [
        {
            "Type": "forward",
            "ForwardConfig": {
                "TargetGroups": [
                    {"TargetGroupArn": stack["blue_target_group_arn"], "Weight": blue},
                    {"TargetGroupArn": stack["green_target_group_arn"], "Weight": green},
                ],
                "TargetGroupStickinessConfig": {"Enabled": False},
            },
        }
    ]


def production_weight_changes(
    recorder: RequestRecorder, stack: dict[str, Any]
) -> list[tuple[int, int]]:
    """(blue, green) of every ModifyListener on the production listener, in order.

    Asserts each one has exactly the ForwardConfig form with both target groups (never an
    action-level TargetGroupArn).
    """
    changes: list[tuple[int, int]] = []
    for params in recorder.named("elbv2:ModifyListener"):
        if params["ListenerArn"] != stack["listener_arn"]:
            continue
        groups = params["DefaultActions"][0]["ForwardConfig"]["TargetGroups"]
        blue, green = groups[0]["Weight"], groups[1]["Weight"]
        assert params == {
            "ListenerArn": stack["listener_arn"],
            "DefaultActions": forward_action(stack, blue, green),
        }
        changes.append((blue, green))
    return changes


def mutating(calls: list[RecordedCall]) -> list[str]:
    """Names of the calls that would change something."""
    return [c.name for c in calls if c.name in MUTATING_CALLS]


def world(stack: dict[str, Any], session: boto3.Session | None = None) -> dict[str, Any]:
    """Everything a deployment could change, read with a session no provider uses."""
    s = session or make_session()
    ecs, ddb, elb = s.client("ecs"), s.client("dynamodb"), s.client("elbv2")
    action = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
        "DefaultActions"
    ][0]
    services = ecs.describe_services(
        cluster=stack["ecs_cluster_name"],
        services=[stack["blue_service_name"], stack["green_service_name"]],
    )["services"]
    items = ddb.scan(TableName=stack["deploy_table_name"])["Items"]
    return {
        "weights": [
            (g["TargetGroupArn"], g["Weight"]) for g in action["ForwardConfig"]["TargetGroups"]
        ],
        "services": {
            str(svc["serviceName"]): (svc["desiredCount"], svc["taskDefinition"])
            for svc in services
        },
        "revisions": sorted(ecs.list_task_definitions()["taskDefinitionArns"]),
        "tasks": sorted(ecs.list_tasks(cluster=stack["ecs_cluster_name"])["taskArns"]),
        "live": s.client("ssm").get_parameter(Name=stack["live_color_parameter"])["Parameter"][
            "Value"
        ],
        "table": sorted(
            (item["pk"]["S"], item["sk"]["S"], item.get("record", {}).get("S")) for item in items
        ),
    }


def deploy_request(release: Release = NEW, **overrides: Any) -> DeployRequest:
    """A deploy of `release` with short waits and `ANALYSIS`; `overrides` change any field."""
    options: dict[str, Any] = {
        "release": release,
        "tasks": 2,
        "health_timeout": 5.0,
        "drain_timeout": 5.0,
        "analysis": ANALYSIS,
        **overrides,
    }
    return DeployRequest(**options)


def canary_strategy(interval: float = 1.0) -> Strategy:
    """10% on the new colour, then all of it after `interval` seconds."""
    return Strategy(name="canary", canary_percent=10, interval=interval)


def task_definition_arn(family: str, revision: int) -> str:
    """The ARN moto gives revision `revision` of `family`."""
    return f"arn:aws:ecs:eu-west-1:123456789012:task-definition/{family}:{revision}"


def lock_item(stack: dict[str, Any]) -> dict[str, Any] | None:
    """The deploy table's lock item, None when no deployment holds the lock."""
    ddb = make_session().client("dynamodb")
    response = ddb.get_item(
        TableName=stack["deploy_table_name"], Key={"pk": {"S": "LOCK"}, "sk": {"S": "LOCK"}}
    )
    item: dict[str, Any] | None = response.get("Item")
    return item


def assert_green_took_over(stack: dict[str, Any]) -> None:
    """All traffic on green at revision 2, blue scaled to 0, green recorded live, lock free."""
    state = world(stack)
    assert state["weights"] == [
        (stack["blue_target_group_arn"], 0),
        (stack["green_target_group_arn"], 100),
    ]
    assert state["services"] == {
        "app-blue": (0, task_definition_arn("app-blue", 1)),
        "app-green": (2, task_definition_arn("app-green", 2)),
    }
    assert state["live"] == "green"
    assert lock_item(stack) is None


RPS = 10.0
APPROVE_TIMEOUT = 3600.0


def play_traffic(
    stack: dict[str, Any], clock: FakeClock, *, green_errors: float, rps: float = RPS
) -> AlbMetricsDouble:
    """After each wait: serve the elapsed seconds at the current weights, publish late."""
    session = make_session()
    elb = session.client("elbv2")
    listener = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0]
    double = AlbMetricsDouble(
        cloudwatch=session.client("cloudwatch"),
        load_balancer_arn=listener["LoadBalancerArn"],
        target_groups={c: stack[f"{c}_target_group_arn"] for c in ("blue", "green")},
        clock=clock.time,
        publish_delay=90.0,
    )
    last = [clock.now]

    def hook(now: float) -> None:
        action = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
            "DefaultActions"
        ][0]
        weights = {
            g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]
        }
        for color in ("blue", "green"):
            share = weights.get(stack[f"{color}_target_group_arn"], 0) / 100
            if share and rps:
                errors = green_errors if color == "green" else 0.0
                double.serve_between(color, last[0], now, rps * share, error_share=errors)
        last[0] = now
        double.publish()

    clock.on_sleep.append(hook)
    return double


def pause_for_approval(provider: AwsProvider, clock: FakeClock) -> ApprovalPending:
    """Deploy a canary with `--approve --detach`: the pause handed back, as raised."""
    request = deploy_request(
        strategy=canary_strategy(interval=1.0),
        approve=True,
        approve_timeout=APPROVE_TIMEOUT,
        detach=True,
    )
    with pytest.raises(ApprovalPending) as paused:
        operations.deploy(provider, request, SilentProgress(), deployment_id="d-1", clock=clock)
    return paused.value


def split_history(state: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`world` without the history records, and those records (parsed): a refused operation
    changes nothing but the record that says why it was refused."""
    rest = [row for row in state["table"] if row[0] != "HISTORY"]
    records = [json.loads(row[2]) for row in state["table"] if row[0] == "HISTORY"]
    return {**state, "table": rest}, records


def run_deploy(
    provider: AwsProvider, clock: FakeClock, request: DeployRequest, deployment_id: str = "d-1"
) -> dict[str, Any]:
    """Deploy through the procedure on `clock`; the record in the JSON form `deploy --json`
    prints."""
    outcome = operations.deploy(
        provider, request, SilentProgress(), deployment_id=deployment_id, clock=clock
    )
    return outcome.to_dict()  # the JSON form `deploy --json` prints
