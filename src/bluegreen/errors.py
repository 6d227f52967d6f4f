"""The small error hierarchy: each error maps to one clear message and one exit code at the top.

Exit codes (the CLI's contract):
  0 success; 1 deployment failed and traffic restored; 2 usage or configuration error, nothing
  changed; 3 another deployment holds the lock; 4 platform error (a component cannot be reached
  or started).
"""


class BluegreenError(Exception):
    """Base of every error the CLI turns into a message and an exit code."""

    exit_code = 4

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        # The history record that already tells of this error (set by the operation
        # lifecycle when it closed its run with it); None: no record yet, so the operation
        # leaves a refusal record of its own (`lifecycle.refusal_recorded`).
        self.record_id: str | None = None

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message}\n  hint: {self.hint}"


class ConfigError(BluegreenError):
    """Bad input or configuration: nothing was changed."""

    exit_code = 2


class LockError(BluegreenError):
    """Another deployment holds the lock (or left it behind)."""

    exit_code = 3


class DeployError(BluegreenError):
    """A deployment failed; traffic was restored to the previous colour."""

    exit_code = 1


class HealthCheckError(DeployError):
    """The new colour's targets did not become healthy in time (or died while starting)."""


class AnalysisError(DeployError):
    """The new colour breached a threshold while taking traffic and was rolled back."""


class PlatformError(BluegreenError):
    """A component (PostgreSQL, HAProxy, an AWS API) cannot be reached or started."""

    exit_code = 4
