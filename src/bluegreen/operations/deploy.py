"""`deploy`: recover an interrupted deployment if there is one, then run this one."""

from __future__ import annotations

from bluegreen.clock import Clock
from bluegreen.deployment import Deployment
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
    holder = check_lock_free(provider)
    if holder is not None:
        recover(provider, holder, progress, clock=clock)
    return Deployment(provider, request, progress, deployment_id=deployment_id, clock=clock).run()
