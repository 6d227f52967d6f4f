"""The task-definition template filled in: exact outputs, and clear errors for bad templates."""

from __future__ import annotations

import json

import pytest

from bluegreen.aws.taskdef_template import (
    fill,
    render_task_definition,
    task_definition_diff,
    template_values,
)
from bluegreen.errors import ConfigError

TEMPLATE = """{
  "family": "${family}-${color}",
  "cpu": "${cpu}",
  "executionRoleArn": "${execution_role_arn}",
  "containerDefinitions": [{
    "name": "app", "image": "${image}",
    "portMappings": [{"containerPort": ${port}}],
    "environment": [{"name": "APP_VERSION", "value": "old"}, {"name": "A", "value": "1"}],
    "command": ["sh", "-c", "echo $${HOME}"]
  }]
}"""


def values() -> dict[str, str]:
    return template_values(
        {"execution_role_arn": "arn:role/x", "blue_alarm_names": ["a"], "test_listener_arn": None},
        {"family": "svc", "cpu": "256", "port": 3000},
        image="repo/svc:2.0.0",
        version="2.0.0",
        color="green",
    )


def test_values_come_from_outputs_then_the_values_file_then_the_release() -> None:
    assert values() == {
        "execution_role_arn": "arn:role/x",
        "blue_alarm_names": '["a"]',
        "family": "svc",
        "cpu": "256",
        "port": "3000",
        "image": "repo/svc:2.0.0",
        "version": "2.0.0",
        "color": "green",
    }


def test_render_fills_the_template_and_sets_env_and_app_version_on_the_app_container() -> None:
    body = render_task_definition(
        TEMPLATE, values(), where="t.json", container_name=None, env={"A": "2", "B": "3"}
    )
    assert body == {
        "family": "svc-green",
        "cpu": "256",
        "executionRoleArn": "arn:role/x",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "repo/svc:2.0.0",
                "portMappings": [{"containerPort": 3000}],
                "environment": [
                    {"name": "A", "value": "2"},
                    {"name": "B", "value": "3"},
                    {"name": "APP_VERSION", "value": "2.0.0"},
                ],
                "command": ["sh", "-c", "echo ${HOME}"],  # `$${` is a literal `${`
            }
        ],
    }


def test_an_unknown_placeholder_is_named_with_where_values_come_from() -> None:
    with pytest.raises(ConfigError, match=r"t\.json: no value for \$\{log_group_name\}") as info:
        fill('{"x": "${log_group_name}"}', values(), "t.json")
    assert "aws.task_definition_values" in (info.value.hint or "")


def test_a_template_that_is_not_json_once_filled_names_the_line() -> None:
    with pytest.raises(ConfigError, match="not JSON once filled in"):
        render_task_definition(
            '{"family": ${family}}', values(), where="t.json", container_name=None, env={}
        )


def test_a_template_may_not_set_what_aws_sets() -> None:
    text = json.dumps({"family": "f", "revision": 3, "containerDefinitions": [{"name": "app"}]})
    with pytest.raises(ConfigError, match="revision are set by AWS"):
        render_task_definition(text, values(), where="t.json", container_name=None, env={})


def test_diff_ignores_what_aws_adds_and_shows_what_changes() -> None:
    rendered = {"family": "f", "containerDefinitions": [{"name": "app", "image": "i:2"}]}
    running = {
        "taskDefinitionArn": "arn:td/f:1",
        "revision": 1,
        "family": "f",
        "volumes": [],
        "containerDefinitions": [{"name": "app", "image": "i:1", "mountPoints": []}],
    }
    assert task_definition_diff(running, {**running, "revision": 2}, running_name="r") == []
    lines = task_definition_diff(running, rendered, running_name="arn:td/f:1")
    assert [line for line in lines if line[:1] in "+-" and line[:3] not in ("+++", "---")] == [
        '-      "image": "i:1",',
        '+      "image": "i:2",',
    ]


def test_diff_ignores_the_order_of_environment_and_secrets() -> None:
    env = [{"name": "APP_VERSION", "value": "1"}, {"name": "PORT", "value": "3000"}]
    secrets = [{"name": "B", "valueFrom": "arn:b"}, {"name": "A", "valueFrom": "arn:a"}]
    running = {
        "family": "f",
        "containerDefinitions": [{"name": "app", "environment": env, "secrets": secrets}],
    }
    reordered = {
        "family": "f",
        "containerDefinitions": [
            {"name": "app", "environment": env[::-1], "secrets": secrets[::-1]}
        ],
    }
    assert task_definition_diff(running, reordered, running_name="r") == []
    changed = {
        "family": "f",
        "containerDefinitions": [
            {"name": "app", "environment": [env[1], {"name": "APP_VERSION", "value": "2"}]}
        ],
    }
    assert task_definition_diff(running, changed, running_name="r") != []
