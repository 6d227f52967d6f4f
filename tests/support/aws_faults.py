"""Errors AWS answers that moto never does, injected before moto sees the request: an operation
throttled or denied a few times (`FaultInjector`), and credentials that expire mid-run
(`ExpiringCredentials`, with the codes each service answers an expired STS session with).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse


def _error_response(code: str, message: str, status: int) -> tuple[AWSResponse, dict[str, Any]]:
    http = AWSResponse(url="https://moto.invalid", status_code=status, headers={}, raw=None)  # type: ignore[arg-type]  # no body is read from an injected response
    parsed = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return http, parsed


@dataclass
class FaultInjector:
    """Answers the first `times` calls of an operation with an error, before moto sees them."""

    session: boto3.Session
    injected: int = 0

    def fail(
        self, event: str, *, code: str, times: int, status: int = 400, message: str = ""
    ) -> None:
        """`event` like `ecs.UpdateService`; `before-call` answers short-circuit the request.

        Clients copy the session's hooks when they are made: inject before building the provider.
        """
        remaining = [times]

        def answer(**_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
            if remaining[0] <= 0:
                return None
            remaining[0] -= 1
            self.injected += 1
            return _error_response(code, message or f"injected {code}", status)

        # A before-call handler may return a response; the stub types handlers as returning None.
        self.session.events.register(f"before-call.{event}", answer)  # type: ignore[arg-type]


# What each service answers a request signed with an expired STS session (AWS's own codes).
EXPIRED_TOKEN_CODES = {
    "ecs": "ExpiredTokenException",
    "dynamodb": "ExpiredTokenException",
    "ssm": "ExpiredTokenException",
    "elasticloadbalancing": "ExpiredToken",
    "monitoring": "ExpiredToken",
}


@dataclass
class ExpiringCredentials:
    """A session's credentials that expire at `expires_at` (on `clock`): from then on every call
    is answered as AWS answers a request signed with an expired session token, before moto sees
    it. Clients copy the session's hooks when made: install before building the provider."""

    clock: Any  # bluegreen.clock.Clock
    expires_at: float
    refused: list[str] = field(default_factory=list)

    def install(self, session: boto3.Session) -> None:
        """Hook `before-call` on every client `session` makes."""
        session.events.register("before-call", self._answer)  # type: ignore[arg-type]  # a before-call handler may return a response

    def _answer(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.clock.time() < self.expires_at:
            return None
        endpoint = model.service_model.endpoint_prefix
        self.refused.append(f"{endpoint}:{model.name}")
        code = EXPIRED_TOKEN_CODES.get(endpoint, "ExpiredTokenException")
        return _error_response(code, "The security token included in the request is expired", 400)
