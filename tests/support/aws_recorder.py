"""A recorder of the request shapes a boto3 session's clients build.

moto accepts some requests AWS rejects (a `TargetGroupArn` + `ForwardConfig` mix in one
listener action, measured with moto 5.2), so tests assert the request shapes, not just the
outcome.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import boto3


@dataclass(frozen=True)
class RecordedCall:
    """One request as the provider built it: IAM-style service prefix, operation, parameters."""

    service: str
    operation: str
    params: dict[str, Any]

    @property
    def name(self) -> str:
        """`elbv2:ModifyListener` style (boto3's service name, the API's operation name)."""
        return f"{self.service}:{self.operation}"


@dataclass
class RequestRecorder:
    """Every request a session's clients build, in order, with parameters deep-copied."""

    calls: list[RecordedCall] = field(default_factory=list)

    def install(self, session: boto3.Session) -> None:
        """Hook `before-parameter-build` on every client `session` makes."""
        session.events.register("before-parameter-build", self._record)

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        self.calls.append(RecordedCall(service, model.name, copy.deepcopy(params)))

    def named(self, name: str) -> list[dict[str, Any]]:
        """Parameters of every call to `name` (`ecs:UpdateService`), in order."""
        return [c.params for c in self.calls if c.name == name]

    def names(self) -> list[str]:
        """Every call's name, in order."""
        return [c.name for c in self.calls]

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.calls.clear()
