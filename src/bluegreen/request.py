"""What an operation is asked to do: validated, frozen, built from the settings by one function."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from bluegreen.config import AnalysisSettings, HookSettings, Settings
from bluegreen.model import Release
from bluegreen.plan import Strategy

Operation = Literal["deploy", "rollback", "recover"]


@dataclass(frozen=True)
class DeployRequest:
    """Everything one deployment needs to know, validated before anything changes."""

    release: Release
    tasks: int
    strategy: Strategy = field(default_factory=Strategy)
    bake: float = 0.0
    approve: bool = False
    approve_timeout: float = 3600.0
    health_timeout: float = 60.0
    drain_timeout: float = 60.0
    smoke: str | None = None
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    lock_lease: float = 300.0
    operation: Operation = "deploy"
    migrate: bool = True
    reason: str | None = None
    hooks: HookSettings = field(default_factory=HookSettings)
    # `deploy.migrate_check_command`: the expand/contract guard's report for non-Alembic tools.
    migrate_check: str | None = None
    # Hand the approval pause back (journaled, lock kept until the approve timeout) instead of
    # waiting in this process: no deployment depends on one job's credentials outliving it.
    detach: bool = False

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        release: Release,
        *,
        reason: str | None = None,
        detach: bool = False,
    ) -> DeployRequest:
        """The request `deploy` (and `up`) make from the effective settings."""
        d = settings.deploy
        return cls(
            release=release,
            tasks=d.tasks,
            strategy=Strategy.from_settings(d),
            bake=d.bake,
            approve=d.approve,
            approve_timeout=d.approve_timeout,
            health_timeout=d.health_timeout_for(settings.target),
            drain_timeout=d.drain_timeout,
            smoke=d.smoke,
            analysis=settings.analysis,
            lock_lease=d.lock_lease,
            reason=reason,
            hooks=settings.hooks,
            migrate_check=d.migrate_check_command,
            detach=detach,
        )


@dataclass(frozen=True)
class RollbackRequest:
    """A rollback: the release it returns to is chosen from the platform and the history."""

    tasks: int = 2  # when the live colour's own count is unknown
    health_timeout: float = 60.0
    drain_timeout: float = 60.0
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    lock_lease: float = 300.0
    reason: str | None = None
    wait_timeout: float = 600.0  # for a running deployment told to roll back
    hooks: HookSettings = field(default_factory=HookSettings)
    to_version: str | None = None  # `rollback --to VERSION`: any release still in the history

    @classmethod
    def from_settings(
        cls, settings: Settings, *, reason: str | None = None, to_version: str | None = None
    ) -> RollbackRequest:
        """The request `rollback` makes from the effective settings."""
        d = settings.deploy
        return cls(
            tasks=d.tasks,
            health_timeout=d.health_timeout_for(settings.target),
            drain_timeout=d.drain_timeout,
            analysis=settings.analysis,
            lock_lease=d.lock_lease,
            reason=reason,
            hooks=settings.hooks,
            to_version=to_version,
        )

    def deploy_of(self, release: Release, tasks: int | None) -> DeployRequest:
        """The deployment that puts `release` back: all at once, never migrating."""
        return DeployRequest(
            release=release,
            tasks=tasks or self.tasks,
            strategy=Strategy(),
            health_timeout=self.health_timeout,
            drain_timeout=self.drain_timeout,
            analysis=self.analysis,
            lock_lease=self.lock_lease,
            operation="rollback",
            migrate=False,  # an older release must not run migrations: the schema only expanded
            reason=self.reason,
            hooks=self.hooks,
        )
