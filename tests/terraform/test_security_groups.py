"""The security-group graph has exactly the intended paths, in every task_egress mode."""

from __future__ import annotations

import re

import pytest

from tests.terraform.tfhelpers import Body, Module, parse, typed, unquote

Rule = tuple[str, str, str, int]  # (direction, group, peer, port)

PORTS = {"${var.app_port}": 8000, "${var.db_port}": 5432, "${var.test_listener_port}": 9000}
TEST_LISTENER: Rule = ("ingress", "alb", "test-cidrs", 9000)
DATABASE: set[Rule] = {
    ("egress", "tasks", "database", 5432),
    ("ingress", "database", "tasks", 5432),
}

BASE: set[Rule] = {
    ("ingress", "alb", "internet", 443),
    ("ingress", "alb", "internet", 80),
    ("egress", "alb", "tasks", 8000),
    ("ingress", "tasks", "alb", 8000),
    ("egress", "tasks", "database", 5432),
    ("ingress", "database", "tasks", 5432),
}
EXPECTED: dict[str, set[Rule]] = {
    "nat_gateway": BASE | {("egress", "tasks", "internet", 443)},
    "public_ip": BASE | {("egress", "tasks", "internet", 443)},
    "vpc_endpoints": BASE
    | {
        ("egress", "tasks", "endpoints", 443),
        ("ingress", "endpoints", "tasks", 443),
        ("egress", "tasks", "s3-prefix-list", 443),
    },
}


def active(block: Body, mode: str, test_listener: bool = False, database: bool = True) -> bool:
    for_each = block.get("for_each")
    if for_each is not None:
        assert for_each == (
            "${var.test_listener_port == null ? toset([]) : toset(var.test_listener_cidrs)}"
        ), f"for_each expression the graph test cannot evaluate: {for_each}"
        return test_listener
    count = block.get("count")
    if count is None:
        return True
    if count == "${var.database_enabled ? 1 : 0}":
        return database
    match = re.fullmatch(r'\$\{var\.task_egress == "(\w+)" \? (\d) : (\d)\}', str(count))
    assert match, f"count expression the graph test cannot evaluate: {count}"
    return int(match.group(2) if mode == match.group(1) else match.group(3)) > 0


def group(reference: object) -> str:
    match = re.fullmatch(r"\$\{aws_security_group\.(\w+)(?:\[0\])?\.id\}", str(reference))
    assert match, f"security group reference the graph test cannot resolve: {reference}"
    return match.group(1)


def rules(body: Body, mode: str, test_listener: bool = False, database: bool = True) -> set[Rule]:
    found: set[Rule] = set()
    for type_, name, block in typed(body, "resource"):
        if type_ == "aws_security_group_rule":
            raise AssertionError(f"{name}: use aws_vpc_security_group_*_rule resources")
        if type_ == "aws_security_group":
            assert "ingress" not in block, f"{name} has inline rules"
            assert "egress" not in block, f"{name} has inline rules"
        if type_ not in (
            "aws_vpc_security_group_ingress_rule",
            "aws_vpc_security_group_egress_rule",
        ):
            continue
        if not active(block, mode, test_listener, database):
            continue
        assert "description" in block, f"{name} has no description"
        assert unquote(block["ip_protocol"]) == "tcp", f"{name} is not TCP-only"
        raw = block["from_port"]
        port = PORTS[raw] if raw in PORTS else int(raw)
        assert block["to_port"] == block["from_port"], f"{name} opens a port range"
        if block.get("cidr_ipv4") == "${each.key}":
            peer = "test-cidrs"  # the variable's validation refuses 0.0.0.0/0
        elif "cidr_ipv4" in block:
            assert unquote(block["cidr_ipv4"]) == "0.0.0.0/0", f"{name}: unexpected CIDR"
            peer = "internet"
        elif "prefix_list_id" in block:
            assert "aws_vpc_endpoint.s3" in str(block["prefix_list_id"]), name
            peer = "s3-prefix-list"
        else:
            peer = group(block["referenced_security_group_id"])
        direction = "ingress" if type_.endswith("ingress_rule") else "egress"
        found.add((direction, group(block["security_group_id"]), peer, port))
    return found


def paths(found: set[Rule]) -> set[tuple[str, str, int]]:
    """Connections that both ends allow: a group-to-group path needs egress on one side and
    ingress on the other; the internet and AWS endpoints outside the VPC need one side only."""
    outside = {"internet", "s3-prefix-list", "test-cidrs"}
    result: set[tuple[str, str, int]] = set()
    for direction, sg, peer, port in found:
        if direction == "ingress" and peer in outside:
            result.add((peer, sg, port))
        elif (direction == "egress" and peer in outside) or (
            direction == "egress" and ("ingress", peer, sg, port) in found
        ):
            result.add((sg, peer, port))
    return result


@pytest.mark.parametrize("test_listener", [False, True], ids=["no-test-listener", "test-listener"])
@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_security_group_rules_are_exactly_the_intended_ones(
    mode: str, test_listener: bool, modules: dict[str, Module]
) -> None:
    expected = EXPECTED[mode] | ({TEST_LISTENER} if test_listener else set())
    assert rules(modules["networking"].body, mode, test_listener) == expected


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_without_a_database_the_tasks_reach_no_database_port(
    mode: str, modules: dict[str, Module]
) -> None:
    found = rules(modules["networking"].body, mode, database=False)
    assert found == EXPECTED[mode] - DATABASE
    platform = modules["platform"].module_calls["networking"]
    assert platform["database_enabled"] == "${local.database}"


def test_test_listener_ranges_refuse_the_whole_internet(modules: dict[str, Module]) -> None:
    (validation,) = modules["networking"].variables["test_listener_cidrs"]["validation"]
    assert '!= "0.0.0.0/0"' in str(validation["condition"]).replace('\\"', '"')


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_traffic_flows_only_internet_to_alb_to_tasks_to_database(
    mode: str, modules: dict[str, Module]
) -> None:
    reachable = paths(rules(modules["networking"].body, mode))
    chain = {
        ("internet", "alb", 443),
        ("internet", "alb", 80),
        ("alb", "tasks", 8000),
        ("tasks", "database", 5432),
    }
    aws_apis = (
        {("tasks", "endpoints", 443), ("tasks", "s3-prefix-list", 443)}
        if mode == "vpc_endpoints"
        else {("tasks", "internet", 443)}
    )
    assert reachable == chain | aws_apis
    assert not any(source == "database" for source, _, _ in reachable)


def test_graph_check_flags_a_database_opened_to_the_internet(modules: dict[str, Module]) -> None:
    extra = parse(
        'resource "aws_vpc_security_group_ingress_rule" "oops" {\n'
        "  security_group_id = aws_security_group.database.id\n"
        '  description       = "debugging"\n'
        '  ip_protocol       = "tcp"\n'
        "  from_port         = 5432\n"
        "  to_port           = 5432\n"
        '  cidr_ipv4         = "0.0.0.0/0"\n'
        "}\n"
    )
    body = dict(modules["networking"].body)
    body["resource"] = [*body["resource"], *extra["resource"]]
    found = rules(body, "nat_gateway")
    assert found != EXPECTED["nat_gateway"]
    assert ("internet", "database", 5432) in paths(found)


def test_default_security_group_is_taken_over_with_no_rules(modules: dict[str, Module]) -> None:
    block = modules["networking"].resource("aws_default_security_group", "this")
    assert "ingress" not in block
    assert "egress" not in block


def test_each_tier_gets_its_own_security_group(modules: dict[str, Module]) -> None:
    calls = modules["platform"].module_calls
    assert calls["alb"]["security_group_id"] == "${module.networking.alb_security_group_id}"
    assert calls["ecs"]["security_group_id"] == "${module.networking.tasks_security_group_id}"
    assert calls["rds"]["security_group_id"] == "${module.networking.database_security_group_id}"
    assert calls["rds"]["subnet_ids"] == "${module.networking.database_subnet_ids}"
