"""`deploy`: recover an interrupted deployment if there is one, then run this one; and its
dry run, the same procedure on a `DryRun` wrapper of the provider."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bluegreen.clock import Clock
from bluegreen.deployment import Deployment
from bluegreen.dryrun import Call, DryRun
from bluegreen.errors import ConfigError, DeployError
from bluegreen.lifecycle import check_lock_free, refusal_recorded
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.recovery import recover
from bluegreen.request import DeployRequest
from bluegreen.steps import HookRunner, SmokeRunner


def deploy(
    provider: Provider,
    request: DeployRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    clock: Clock | None = None,
    smoke: SmokeRunner | None = None,
    hook: HookRunner | None = None,
    judge: bool = True,
) -> DeploymentRecord:
    """Recover an interrupted deployment if there is one, then run this one; its record."""
    # Refused before its lifecycle (a live holder's lock): recorded all the same.
    with refusal_recorded(provider, request.operation, clock=clock, request_reason=request.reason):
        if request.smoke:
            # Before anything starts (no lock, no migration, no task): a smoke test that cannot
            # reach the new colour alone would only fail after those, or test the live colour.
            problem = provider.test_listener_problem()
            if problem is not None:
                raise ConfigError(
                    f"the smoke test cannot reach the new colour alone: {problem}",
                    hint="enable the test listener in Terraform (output test_listener_arn) or set "
                    "[aws] test_listener_arn, or deploy without --smoke; nothing was changed",
                )
        holder = check_lock_free(provider)
        if holder is not None:
            recover(provider, holder, progress, clock=clock)
        return Deployment(
            provider,
            request,
            progress,
            deployment_id=deployment_id,
            clock=clock,
            smoke=smoke,
            hook=hook,
            judge=judge,
        ).run()


@dataclass(frozen=True)
class DryRunResult:
    """What a dry run planned, and how the deployment would have ended."""

    plan: tuple[Call, ...]
    record: DeploymentRecord | None  # the record a real run would save (None: refused earlier)
    error: DeployError | None  # the deployment failed (traffic would have been restored)


def deploy_dry_run(
    provider: Provider,
    request: DeployRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    clock: Clock | None = None,
) -> DryRunResult:
    """Walk the whole deployment on `provider` without changing anything; the plan.

    Only the failure of the deployment itself is returned (its plan shows how far it got);
    bad input, a held lock or a platform error raise as they would for a real deploy.
    """
    if provider.target == "local":
        raise ConfigError(
            "--dry-run is for --target aws; the local platform is a rehearsal",
            hint="run the deploy locally: it changes only this machine",
        )
    # A pause is assumed promoted (dryrun.state), a handed-back one too: the plan goes on to
    # the final shift instead of ending at the pause.
    request = replace(request, detach=False)
    dry = DryRun(provider, clock=clock)
    record: DeploymentRecord | None = None
    error: DeployError | None = None
    try:
        record = deploy(
            dry,
            request,
            progress,
            deployment_id=deployment_id,
            clock=dry.clock,
            smoke=dry.smoke,
            hook=dry.hook,
            judge=False,
        )
    except DeployError as exc:
        error = exc
        record = dry.state.saved[-1] if dry.state.saved else None
    return DryRunResult(tuple(dry.calls), record, error)
