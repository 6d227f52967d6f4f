"""AWS identifiers and a DescribeTaskDefinition answer, as AWS writes them, for the exact-output
tests of the pure request builders and response readers (test_requests.py, test_responses.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bluegreen.model import Color

BLUE_TG = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app-blue/aaa"
GREEN_TG = "arn:aws:elasticloadbalancing:eu-west-1:1:targetgroup/app-green/bbb"
LB = "arn:aws:elasticloadbalancing:eu-west-1:1:loadbalancer/app/app/ccc"
GROUPS: dict[Color, str] = {"blue": BLUE_TG, "green": GREEN_TG}


CURRENT_TASK_DEFINITION: dict[str, Any] = {
    "taskDefinitionArn": "arn:aws:ecs:eu-west-1:1:task-definition/app-green:7",
    "family": "app-green",
    "revision": 7,
    "status": "ACTIVE",
    "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.task-iam-role"}],
    "compatibilities": ["EC2", "FARGATE"],
    "registeredAt": datetime(2026, 11, 1, tzinfo=UTC),
    "registeredBy": "arn:aws:iam::1:role/ci",
    "taskRoleArn": "arn:aws:iam::1:role/app-task",
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [
        {
            "name": "app",
            "image": "registry.example/app:1.0.0",
            "environment": [
                {"name": "APP_VERSION", "value": "1.0.0"},
                {"name": "DEPLOYMENT_COLOR", "value": "green"},
            ],
        }
    ],
}
