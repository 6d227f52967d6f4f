"""`render` and `diff`: the task-definition revision a deploy would register, and how it
differs from what runs (AWS only; nothing is changed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.model import Color, Release
from bluegreen.plan import idle_color


@dataclass(frozen=True)
class Rendered:
    """The revision a deploy of a release would register on `color`."""

    color: Color
    body: dict[str, Any]
    from_template: bool
    running: dict[str, Any] | None  # what `color` runs now (None: nothing registered yet)


def render(settings: Settings, release: Release, color: Color | None = None) -> Rendered:
    """What `deploy` would register for `release` on `color` (default: the idle colour)."""
    if settings.target != "aws":
        raise ConfigError(
            "render and diff show an ECS task definition: use --target aws",
            hint="locally a release is a command and its environment (`bluegreen status`)",
        )
    from bluegreen.aws.provider import AwsProvider  # noqa: PLC0415 - boto3 only for aws

    provider = AwsProvider(settings)
    chosen = color or idle_color(provider.snapshot())
    running = provider.running_task_definition(chosen)
    body = provider.revision_body(release, chosen, running)
    return Rendered(chosen, body, settings.aws.task_definition_template is not None, running)
