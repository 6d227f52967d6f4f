"""What the controller and the app rely on, read from the modules."""

from __future__ import annotations

import re

import pytest

from tests.terraform.tfhelpers import Body, Module, sub_blocks, unquote


def forward_weights(listener: Body) -> list[tuple[str, object]]:
    (action,) = sub_blocks(listener, "default_action")
    assert "target_group_arn" not in action  # always the ForwardConfig form, as the controller's
    (forward,) = sub_blocks(action, "forward")
    return [(g["arn"], g["weight"]) for g in sub_blocks(forward, "target_group")]


BLUE = '${aws_lb_target_group.this["blue"].arn}'
GREEN = '${aws_lb_target_group.this["green"].arn}'


@pytest.mark.parametrize(
    ("listener", "weights"),
    [("https", (100, 0)), ("http", (100, 0)), ("test", (0, 100))],
    ids=["production-https", "production-http-without-domain", "test-on-the-idle-colour"],
)
def test_listeners_start_on_one_colour_and_leave_their_weights_to_the_controller(
    listener: str, weights: tuple[int, int], modules: dict[str, Module]
) -> None:
    block = modules["alb"].resource("aws_lb_listener", listener)
    assert forward_weights(block) == [(BLUE, weights[0]), (GREEN, weights[1])]
    (lifecycle,) = sub_blocks(block, "lifecycle")
    assert lifecycle["ignore_changes"] == ["default_action"]


def test_one_production_listener_https_with_a_certificate_else_http(
    modules: dict[str, Module],
) -> None:
    alb = modules["alb"]
    assert alb.resource("aws_lb_listener", "https")["count"] == "${local.https ? 1 : 0}"
    assert alb.resource("aws_lb_listener", "http_redirect")["count"] == "${local.https ? 1 : 0}"
    assert alb.resource("aws_lb_listener", "http")["count"] == "${local.https ? 0 : 1}"
    assert alb.locals["https"] == "${var.certificate_arn != null || local.create_certificate}"
    assert "local.production_listener_arn" in str(alb.outputs["listener_arn"]["value"])
    assert "local.scheme" in str(alb.outputs["app_url"]["value"])


def test_services_wait_for_the_listeners_through_the_target_group_outputs(
    modules: dict[str, Module],
) -> None:
    outputs = modules["alb"].outputs
    for color in ("blue", "green"):
        assert outputs[f"{color}_target_group_arn"]["depends_on"] == [
            "${aws_lb_listener.https}",
            "${aws_lb_listener.http}",
            "${aws_lb_listener.test}",
        ]


def test_https_listener_uses_a_tls13_policy_and_http_only_redirects(
    modules: dict[str, Module],
) -> None:
    alb = modules["alb"]
    assert str(unquote(alb.variables["ssl_policy"]["default"])).startswith(
        "ELBSecurityPolicy-TLS13-"
    )
    (action,) = sub_blocks(alb.resource("aws_lb_listener", "http_redirect"), "default_action")
    assert unquote(action["type"]) == "redirect"
    assert alb.resource("aws_lb", "this")["drop_invalid_header_fields"] is True


def test_health_check_defaults_give_a_fast_cutover(modules: dict[str, Module]) -> None:
    variables = modules["alb"].variables
    interval = variables["health_check_interval"]["default"]
    healthy = variables["healthy_threshold"]["default"]
    unhealthy = variables["unhealthy_threshold"]["default"]
    timeout = variables["health_check_timeout"]["default"]
    assert timeout < interval
    assert interval + healthy * interval <= 15  # worst case to healthy, as the README states
    assert unhealthy * interval + timeout <= 18  # worst case to unhealthy
    assert variables["deregistration_delay"]["default"] <= 30  # drained


def test_services_leave_desired_count_and_task_definition_to_the_controller(
    modules: dict[str, Module],
) -> None:
    service = modules["ecs"].resource("aws_ecs_service", "this")
    (lifecycle,) = sub_blocks(service, "lifecycle")
    assert set(lifecycle["ignore_changes"]) == {"desired_count", "task_definition"}
    (breaker,) = sub_blocks(service, "deployment_circuit_breaker")
    assert breaker == {"enable": True, "rollback": True, "__is_block__": True}
    assert "health_check_grace_period_seconds" in service


def test_deploy_table_has_the_controllers_key_schema(modules: dict[str, Module]) -> None:
    table = modules["deploy_state"].resource("aws_dynamodb_table", "this")
    assert (unquote(table["hash_key"]), unquote(table["range_key"])) == ("pk", "sk")
    assert unquote(table["billing_mode"]) == "PAY_PER_REQUEST"
    assert {(unquote(a["name"]), unquote(a["type"])) for a in sub_blocks(table, "attribute")} == {
        ("pk", "S"),
        ("sk", "S"),
    }
    (ttl,) = sub_blocks(table, "ttl")
    assert unquote(ttl["attribute_name"]) == "expires_at"
    assert sub_blocks(table, "point_in_time_recovery")[0]["enabled"] is True
    (sse,) = sub_blocks(table, "server_side_encryption")
    assert sse["enabled"] is True
    assert str(sse["kms_key_arn"]) == "${module.key.key_arn}"


def test_live_colour_parameter_starts_blue_and_belongs_to_the_controller(
    modules: dict[str, Module],
) -> None:
    parameter = modules["deploy_state"].resource("aws_ssm_parameter", "live_color")
    assert (unquote(parameter["type"]), unquote(parameter["value"])) == ("String", "blue")
    (lifecycle,) = sub_blocks(parameter, "lifecycle")
    assert lifecycle["ignore_changes"] == ["value"]


def test_database_password_never_reaches_state(modules: dict[str, Module]) -> None:
    rds = modules["rds"]
    instance = rds.resource("aws_db_instance", "this")
    assert "password" not in instance
    assert "ephemeral.random_password.master.result" in str(instance["password_wo"])
    parameter = rds.resource("aws_ssm_parameter", "db_password")
    assert unquote(parameter["type"]) == "SecureString"
    assert "value" not in parameter
    assert "ephemeral.random_password.master.result" in str(parameter["value_wo"])
    assert 'resource "random_password"' not in rds.texts["main.tf"]


def test_database_pins_the_major_version_only_and_forces_tls(modules: dict[str, Module]) -> None:
    rds = modules["rds"]
    assert re.fullmatch(r"\d+", str(unquote(rds.variables["engine_major_version"]["default"])))
    assert (
        rds.resource("aws_db_instance", "this")["engine_version"] == "${var.engine_major_version}"
    )
    parameters = {
        unquote(p["name"]): unquote(p["value"])
        for p in sub_blocks(rds.resource("aws_db_parameter_group", "this"), "parameter")
    }
    assert parameters["rds.force_ssl"] == "1"
    assert "log_min_duration_statement" in parameters
    assert rds.resource("aws_db_instance", "this")["publicly_accessible"] is False


def test_ecr_tags_are_immutable_and_scanned(modules: dict[str, Module]) -> None:
    repository = modules["ecr"].resource("aws_ecr_repository", "this")
    assert unquote(repository["image_tag_mutability"]) == "IMMUTABLE"
    assert sub_blocks(repository, "image_scanning_configuration")[0]["scan_on_push"] is True


def test_low_cost_mode_is_staging_and_prod_keeps_tasks_private(
    environments: dict[str, Module],
) -> None:
    staging = environments["staging"].module_calls["platform"]
    prod = environments["prod"].module_calls["platform"]
    assert unquote(staging["network"]["task_egress"]) == "public_ip"
    assert unquote(prod["network"]["task_egress"]) == "nat_gateway"
    assert prod["database"]["multi_az"] is True
    assert "deletion_protection" not in prod  # the platform's default: on
    assert staging["deletion_protection"] is False
