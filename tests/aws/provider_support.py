"""Releases and reads shared by the AwsProvider tests (tests/aws/test_provider_*.py)."""

from __future__ import annotations

from typing import Any

from bluegreen.model import Release
from tests.support.aws_stack import make_session

NEW = Release(version="2.0.0", image="registry.example/app:2.0.0")
OLD = Release(version="1.0.0", image="registry.example/app:1.0.0")


def listener_weights(stack: dict[str, Any]) -> list[tuple[str, int]]:
    """(target group ARN, weight) of the main listener, read with a session of its own."""
    elb = make_session().client("elbv2")
    action = elb.describe_listeners(ListenerArns=[stack["listener_arn"]])["Listeners"][0][
        "DefaultActions"
    ][0]
    return [(g["TargetGroupArn"], g["Weight"]) for g in action["ForwardConfig"]["TargetGroups"]]
