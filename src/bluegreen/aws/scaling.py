"""The colours' Application Auto Scaling targets: read and set their SuspendedState only.

The procedure holds both colours' dynamic scale-in during a deployment and puts the previous
state back (`bluegreen.scaling`); Terraform registered the targets and owns their capacities,
so the request names SuspendedState alone (AWS leaves what a request does not name unchanged).
"""

from __future__ import annotations

from collections.abc import Sequence

from bluegreen.aws.client import AwsClient
from bluegreen.aws.requests import (
    describe_scalable_targets_request,
    scalable_target_id,
    suspend_scaling_request,
)
from bluegreen.aws.responses import scaling_states
from bluegreen.model import COLORS, Scaling


class ScalingClient(AwsClient):
    """The provider's autoscaling calls (DescribeScalableTargets, RegisterScalableTarget)."""

    def scaling(self) -> tuple[Scaling, ...]:
        """Each colour's scalable target's SuspendedState (DescribeScalableTargets, one call);
        a colour without a scalable target does not autoscale and is left out."""
        services = [self.resources.services[c] for c in COLORS]
        response = self._call(
            f"scalable targets of services {', '.join(services)}",
            self._autoscaling.describe_scalable_targets,
            **describe_scalable_targets_request(self.resources.cluster, services),
        )
        ids = {
            c: scalable_target_id(self.resources.cluster, self.resources.services[c])
            for c in COLORS
        }
        return scaling_states(list(response.get("ScalableTargets") or []), ids)

    def set_scaling(self, states: Sequence[Scaling]) -> None:
        """RegisterScalableTarget with SuspendedState only, per colour (capacities untouched)."""
        for state in states:
            service = self.resources.services[state.color]
            self._call(
                f"scalable target of service {service}",
                self._autoscaling.register_scalable_target,
                **suspend_scaling_request(self.resources.cluster, service, state),
            )
