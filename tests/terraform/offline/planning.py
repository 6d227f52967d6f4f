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
from tests.terraform.offline.settled import placeholder


@dataclass(frozen=True)
class ProviderSettings:
    """What ConfigureProvider told us that plans depend on, and how to plan."""

    region: str | None = None
    default_tags: dict[str, Value] = field(default_factory=dict)
    # Settled mode (settled.py): computed values as apply would leave them, not unknown.
    settled_in: dict[str, str] | None = None  # partition, region, account_id


Rule = Callable[[dict[str, Value], ProviderSettings], dict[str, Value]]


def _computed(
    type_name: str, name: str, type_: Any, obj: dict[str, Value], settings: ProviderSettings
) -> Value:
    """A value only apply will know: unknown, or in settled mode a placeholder for it."""
    if settings.settled_in is None:
        return UNKNOWN
    return placeholder(type_name, name, type_, obj, settings.settled_in)


def _unknown_computed(
    type_name: str, obj: dict[str, Value], block: Block, settings: ProviderSettings
) -> dict[str, Value]:
    def rule(name: str, attribute: dict[str, Any], value: Value) -> Value:
        if attribute.get("write_only"):
            return None  # never in a plan or state
        if value is None and attribute.get("computed"):
            return _computed(type_name, name, attribute["type"], obj, settings)
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


def _acm_validation_options(
    planned: dict[str, Value], settings: ProviderSettings
) -> dict[str, Value]:
    """The provider plans one option per domain name; only the DNS record is unknown."""
    sans = planned.get("subject_alternative_names")
    named = [planned.get("domain_name"), *(sans if isinstance(sans, list) else [])]
    domains = [d for d in named if isinstance(d, str)]
    if len(domains) != len(named):
        return planned
    record = {
        name: _computed("aws_acm_certificate", name, "string", planned, settings)
        for name in ("resource_record_name", "resource_record_type", "resource_record_value")
    }
    planned["domain_validation_options"] = [
        {"domain_name": domain, **record} for domain in sorted(set(domains))
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
        return _unknown_computed(type_name, proposed, block, settings)
    planned = _unknown_computed(type_name, proposed, block, settings)
    for rule in [*COMMON_RULES, *RULES.get(type_name, [])]:
        planned = rule(planned, settings)
    return planned
