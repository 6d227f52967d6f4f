"""`deploy`: recover an interrupted deployment if there is one, then run this one."""

from __future__ import annotations

from bluegreen.clock import Clock
from bluegreen.deployment import Deployment
from bluegreen.errors import ConfigError
from bluegreen.lifecycle import check_lock_free
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.recovery import recover
from bluegreen.request import DeployRequest


def deploy(
    provider: Provider,
    request: DeployRequest,
    progress: Progress,
    *,
    deployment_id: str | None = None,
    clock: Clock | None = None,
) -> DeploymentRecord:
    """Recover an interrupted deployment if there is one, then run this one; its record."""
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
    return Deployment(provider, request, progress, deployment_id=deployment_id, clock=clock).run()
