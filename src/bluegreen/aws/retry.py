"""Every AWS call goes through `AwsCaller`: counted, retried, errors made clear.

- Throttling and transient errors (5xx, connection resets, timeouts) are retried with
  exponential backoff and full jitter (stamina), within a deadline. botocore's own retries are
  switched off (`BOTO_CONFIG`), so there is one retry policy and every attempt is counted.
- Access denied becomes one PlatformError naming the IAM action and the resource, e.g.
  "ecs:UpdateService denied on service app-green: grant it to the deploy role (see
  docs/iam.md)"; a missing resource becomes a ConfigError naming it and the setting to check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import stamina
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    NoCredentialsError,
    ReadTimeoutError,
)

from bluegreen.errors import BluegreenError, ConfigError, PlatformError

P = ParamSpec("P")
R = TypeVar("R")

# boto3 service name -> IAM action prefix (they differ for ELBv2 and CloudWatch's endpoint).
IAM_PREFIXES = {
    "ecs": "ecs",
    "elbv2": "elasticloadbalancing",
    "cloudwatch": "cloudwatch",
    "dynamodb": "dynamodb",
    "ssm": "ssm",
    "sts": "sts",
}

THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceededException",
        "SlowDown",
    }
)
TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServerException",  # ECS's name for its own 5xx
        "PriorRequestNotComplete",
        "TransactionInProgressException",
    }
)
ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "AuthorizationError",
        "UnauthorizedException",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "ClusterNotFoundException",
        "ServiceNotFoundException",
        "ServiceNotActiveException",
        "ListenerNotFound",
        "TargetGroupNotFound",
        "LoadBalancerNotFound",
        "ResourceNotFoundException",
        "ParameterNotFound",
    }
)
CREDENTIAL_CODES = frozenset({"UnrecognizedClientException", "InvalidClientTokenId"})
EXPIRED_CODES = frozenset({"ExpiredToken", "ExpiredTokenException", "RequestExpired"})

# botocore retries nothing itself: AwsCaller owns the policy, so attempts are counted once.
BOTO_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1},
    connect_timeout=10,
    read_timeout=30,
    user_agent_extra="bluegreen",
)


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to retry throttled and transient calls: attempts, backoff, deadline (seconds)."""

    attempts: int = 8
    wait_initial: float = 0.2
    wait_max: float = 10.0
    wait_jitter: float = 1.0
    timeout: float = 90.0


def error_code(exc: ClientError) -> str:
    """The AWS error code of `exc` ("" when the response has none)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def is_transient(exc: Exception) -> bool:
    """Worth retrying: throttling, a 5xx, or a connection that broke or timed out."""
    if isinstance(
        exc,
        EndpointConnectionError | ConnectionClosedError | ReadTimeoutError | ConnectTimeoutError,
    ):
        return True
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in THROTTLING_CODES or code in TRANSIENT_CODES or status >= 500
    return False


def iam_action(client: Any, method_name: str) -> str:
    """`ecs:UpdateService` for `ecs_client.update_service`."""
    service = client.meta.service_model.service_name
    operation = client.meta.method_to_api_mapping[method_name]
    return f"{IAM_PREFIXES.get(service, service)}:{operation}"


def translate_error(  # noqa: PLR0911  # one early return per kind of failure reads best
    exc: Exception, action: str, resource: str
) -> BluegreenError:
    """One clear error for a call that failed for good."""
    if isinstance(exc, NoCredentialsError):
        return ConfigError(
            f"no AWS credentials for {action} on {resource}",
            hint="configure credentials (AWS_PROFILE, environment, or the CI role) and retry",
        )
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = str(exc.response.get("Error", {}).get("Message", "")).strip()
        if code in ACCESS_DENIED_CODES:
            return PlatformError(
                f"{action} denied on {resource}: grant it to the deploy role (see docs/iam.md)",
                hint=message or None,
            )
        if code in EXPIRED_CODES:
            # Mid-deployment this is not "nothing changed": say what is left and how to end it.
            return PlatformError(
                f"AWS credentials expired during {action} on {resource} ({code})",
                hint="a deployment this process ran stays journaled and locked until its lease "
                "runs out; with fresh credentials `bluegreen status` shows where it stopped and "
                "`bluegreen rollback` restores the previous colour (use `deploy --approve "
                "--detach` so no pause outlives a job's credentials)",
            )
        if code in CREDENTIAL_CODES:
            return ConfigError(
                f"AWS rejected the credentials for {action} on {resource}: {code}",
                hint="refresh the credentials (expired session?) and retry",
            )
        if code in NOT_FOUND_CODES:
            return ConfigError(
                f"{resource} not found ({action}: {code})",
                hint="check the [aws] keys or the Terraform outputs that name it",
            )
        if is_transient(exc):
            return PlatformError(f"{action} on {resource} kept failing after retries: {code}")
        return PlatformError(f"{action} on {resource} failed: {code}: {message}")
    return PlatformError(f"{action} on {resource} failed: {exc}")


class AwsCaller:
    """Sends AWS calls; counts every attempt by IAM action."""

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        self.policy = policy or RetryPolicy()
        self._attempts: Counter[str] = Counter()

    @property
    def calls(self) -> Mapping[str, int]:
        """Requests sent so far, by IAM action (retries included)."""
        return dict(self._attempts)

    @property
    def total(self) -> int:
        """All requests sent so far."""
        return sum(self._attempts.values())

    def __call__(
        self, resource: str, method: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """`method(*args, **kwargs)` with retries; `resource` names what it acts on, for errors."""
        client = getattr(method, "__self__", None)
        action = iam_action(client, getattr(method, "__name__", ""))
        policy = self.policy
        try:
            for attempt in stamina.retry_context(
                on=is_transient,
                attempts=policy.attempts,
                timeout=policy.timeout,
                wait_initial=policy.wait_initial,
                wait_max=policy.wait_max,
                wait_jitter=policy.wait_jitter,
            ):
                with attempt:
                    self._attempts[action] += 1
                    return method(*args, **kwargs)
        except (ClientError, NoCredentialsError, EndpointConnectionError) as exc:
            raise translate_error(exc, action, resource) from exc
        except (ConnectionClosedError, ReadTimeoutError, ConnectTimeoutError) as exc:
            raise translate_error(exc, action, resource) from exc
        raise PlatformError(f"{action} on {resource}: no attempt was made")  # attempts >= 1
