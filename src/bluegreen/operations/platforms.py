"""Which provider a target means, and the local platform's `up` and `down`."""

from __future__ import annotations

from dataclasses import dataclass

from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.operations.deploy import deploy
from bluegreen.operations.releases import resolve_release
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest


def provider_for(settings: Settings) -> Provider:
    """The provider of `settings.target` (boto3 and the local platform load only when used)."""
    if settings.target == "aws":
        from bluegreen.aws.provider import AwsProvider  # noqa: PLC0415 - boto3 only for aws

        return AwsProvider(settings)
    from bluegreen.local.provider import LocalProvider  # noqa: PLC0415 - lazy like aws

    return LocalProvider(settings)


@dataclass(frozen=True)
class UpResult:
    """What `up` found or did."""

    url: str
    version: str | None  # the live version
    color: str | None  # the live colour
    record: DeploymentRecord | None  # the first deployment; None when it was already up


def up(
    settings: Settings,
    progress: Progress,
    *,
    version: str,
    command: str | None = None,
    env: dict[str, str] | None = None,
    ref: str | None = None,
) -> UpResult:
    """Start the local platform and deploy the first release as blue at 100%.

    When the platform already runs with a live colour, nothing changes.
    """
    if settings.target != "local":
        raise ConfigError("`up` starts the local platform; on AWS, Terraform creates it")
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415 - local only

    started = LocalPlatform(settings).up()
    provider = provider_for(settings)
    snapshot = provider.snapshot()
    if not started and snapshot.live is not None:
        live = snapshot.colors[snapshot.live].release
        return UpResult(snapshot.url, live.version if live else None, snapshot.live, None)
    release = resolve_release(settings, version=version, command=command, env=env, ref=ref)
    record = deploy(provider, DeployRequest.from_settings(settings, release), progress)
    return UpResult(snapshot.url, release.version, record.new.color, record)


def down(settings: Settings, *, purge: bool = False) -> None:
    """Stop the local platform (tasks, HAProxy, PostgreSQL); data is kept unless `purge`."""
    if settings.target != "local":
        raise ConfigError("`down` stops the local platform; on AWS use `terraform destroy`")
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415 - local only

    LocalPlatform(settings).down(purge=purge)
