"""Helpers shared by the AWS end-to-end tests: a stand-in app endpoint and state readers.

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

from tests.support.aws_doubles import RecordedCall, RequestRecorder
from tests.support.aws_stack import make_session


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


def split_history(state: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """`world` without the history records, and those records (parsed): a refused operation
    changes nothing but the record that says why it was refused."""
    rest = [row for row in state["table"] if row[0] != "HISTORY"]
    records = [json.loads(row[2]) for row in state["table"] if row[0] == "HISTORY"]
    return {**state, "table": rest}, records
