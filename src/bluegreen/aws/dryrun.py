"""`--dry-run`: every mutating AWS call is printed, in order, instead of sent.

Reads still happen, so the plan is computed from the real state; mutating calls return a
simulated response just rich enough for the next step to go on (a made-up revision ARN, a
made-up task), and the provider overlays their intended effect (weights, desired counts) on what
it reads, so the deployment procedure walks through every step and the printed list is the
deployment that would run. Nothing changes on AWS.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# IAM actions that change something; every other call the provider makes only reads.
MUTATING_ACTIONS = frozenset(
    {
        "ecs:RegisterTaskDefinition",
        "ecs:RunTask",
        "ecs:UpdateService",
        "elasticloadbalancing:ModifyListener",
        "ssm:PutParameter",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
    }
)

DRY_RUN_MARK = "(dry-run)"


def _echo_stdout(line: str) -> None:
    print(line, file=sys.stdout, flush=True)  # printing the plan is the feature


@dataclass(frozen=True)
class PlannedCall:
    """One mutating call that dry-run printed instead of sending."""

    action: str
    params: Mapping[str, Any]

    def render(self) -> str:
        """`[dry-run] ecs:UpdateService {"cluster": …}` with stable key order."""
        return f"[dry-run] {self.action} {json.dumps(self.params, sort_keys=True, default=str)}"


@dataclass
class DryRunLog:
    """The calls a dry run printed, in order; also where notes about skipped waits go."""

    echo: Callable[[str], None] = _echo_stdout
    planned: list[PlannedCall] = field(default_factory=list)

    def record(self, action: str, params: Mapping[str, Any]) -> PlannedCall:
        """Print and remember one mutating call."""
        call = PlannedCall(action=action, params=dict(params))
        self.planned.append(call)
        self.echo(call.render())
        return call

    def note(self, text: str) -> None:
        """Print what a real run would wait for here."""
        self.echo(f"[dry-run] {text}")


def simulated_response(action: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """What the provider needs back from a mutating call that was not sent."""
    if action == "ecs:RegisterTaskDefinition":
        family = params.get("family", "task")
        return {
            "taskDefinition": {
                **params,
                "taskDefinitionArn": f"{DRY_RUN_MARK} {family}:next-revision",
            }
        }
    if action == "ecs:RunTask":
        return {"tasks": [{"taskArn": f"{DRY_RUN_MARK} migration-task"}], "failures": []}
    return {}
