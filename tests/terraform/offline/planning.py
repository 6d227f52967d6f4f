"""PlanResourceChange for the fake providers: the proposed state, computed values unknown.

Terraform hands the provider the proposed new state (configuration merged with prior state,
computed attributes null where nothing is known). A real provider answers with what it knows at
plan time and marks the rest unknown; the rules below are the few things the AWS provider knows
before apply and that our configuration depends on (for_each keys, tags).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.terraform.offline.cty import (
    UNKNOWN,
    Block,
    Value,
    is_unknown,
    is_wholly_known,
    map_block,
)


@dataclass(frozen=True)
class ProviderSettings:
    """What ConfigureProvider told us that plans depend on."""

    region: str | None = None
    default_tags: dict[str, Value] = field(default_factory=dict)


Rule = Callable[[dict[str, Value], ProviderSettings], dict[str, Value]]


def _unknown_computed(obj: dict[str, Value], block: Block) -> dict[str, Value]:
    def rule(_name: str, attribute: dict[str, Any], value: Value) -> Value:
        if attribute.get("write_only"):
            return None  # never in a plan or state
        if value is None and attribute.get("computed"):
            return UNKNOWN
        return value

    return map_block(obj, block, rule)


def _tags_all(planned: dict[str, Value], settings: ProviderSettings) -> dict[str, Value]:
    """tags_all = provider default_tags merged with the resource's tags, known at plan time."""
    if "tags_all" not in planned:
        return planned
    tags = planned.get("tags")
    if is_unknown(tags) or not is_wholly_known(settings.default_tags):
        planned["tags_all"] = UNKNOWN
        return planned
    merged = {**settings.default_tags, **(tags or {})}
    planned["tags_all"] = {k: v for k, v in merged.items() if v is not None}
    return planned


def _region(planned: dict[str, Value], settings: ProviderSettings) -> dict[str, Value]:
    """Provider 6.x: every regional resource has `region`, the provider's unless set."""
    if is_unknown(planned.get("region")) and settings.region:
        planned["region"] = settings.region
    return planned


def _acm_validation_options(planned: dict[str, Value], _: ProviderSettings) -> dict[str, Value]:
    """The provider plans one option per domain name; only the DNS record is unknown."""
    sans = planned.get("subject_alternative_names")
    named = [planned.get("domain_name"), *(sans if isinstance(sans, list) else [])]
    domains = [d for d in named if isinstance(d, str)]
    if len(domains) != len(named):
        return planned
    planned["domain_validation_options"] = [
        {
            "domain_name": domain,
            "resource_record_name": UNKNOWN,
            "resource_record_type": UNKNOWN,
            "resource_record_value": UNKNOWN,
        }
        for domain in sorted(set(domains))
    ]
    if is_unknown(sans):
        planned["subject_alternative_names"] = sorted(set(domains) - {planned["domain_name"]})
    return planned


RULES: dict[str, list[Rule]] = {"aws_acm_certificate": [_acm_validation_options]}
COMMON_RULES: list[Rule] = [_tags_all, _region]


def plan_resource(
    type_name: str,
    block: Block,
    prior: Value,
    proposed: Value,
    settings: ProviderSettings,
) -> Value:
    if proposed is None:  # destroy
        return None
    if prior is not None:  # update: the proposal already carries the prior computed values
        return _unknown_computed(proposed, block)
    planned = _unknown_computed(proposed, block)
    for rule in [*COMMON_RULES, *RULES.get(type_name, [])]:
        planned = rule(planned, settings)
    return planned
