"""The moto_server fixture the end-to-end CLI tests build on: seeded stack plus agent thread."""

from __future__ import annotations

from typing import Any

from bluegreen.aws.provider import AwsProvider
from bluegreen.aws.retry import RetryPolicy
from bluegreen.config import AwsSettings, Settings
from bluegreen.model import Release, Weights
from tests.support.aws_stack import make_session


def test_a_provider_on_moto_server_sees_the_agent_register_the_started_colour(
    server_stack: dict[str, Any],
) -> None:
    settings = Settings(target="aws", aws=AwsSettings.model_validate(server_stack))
    provider = AwsProvider(settings, session=make_session(), retry=RetryPolicy(wait_initial=0.05))
    assert provider.snapshot().weights == Weights(100, 0)
    provider.start("green", Release(version="2.0.0", image="registry.example/app:2.0.0"), 2)
    polls = 0
    while not provider.health("green").ready:  # the agent thread registers within ~50 ms
        polls += 1
        assert polls < 200, "the ECS agent double never registered green's targets"
    assert provider.snapshot().colors["green"].to_dict()["version"] == "2.0.0"
