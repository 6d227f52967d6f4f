"""Which provider a target means, and the local platform's `up` and `down`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.operations.deploy import deploy
from bluegreen.operations.releases import resolve_release
from bluegreen.operations.restoring import restore, safe_color
from bluegreen.progress import Progress
from bluegreen.provider import Provider
from bluegreen.records import DeploymentRecord
from bluegreen.request import DeployRequest, RollbackRequest


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
    record: DeploymentRecord | None  # the first deployment or the restoration, if any
    actions: tuple[str, ...] = ()  # what was started again (empty: nothing was missing)


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

    When there is a recorded state (a history, tasks), nothing is deployed: what is missing
    of it is started again (PostgreSQL, HAProxy with all traffic on the last live colour,
    crashed tasks, the last live release when no colour is healthy) and an interrupted
    deployment is recovered; nothing changes when everything already runs.
    """
    if settings.target != "local":
        raise ConfigError("`up` starts the local platform; on AWS, Terraform creates it")
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415 - local only

    provider = provider_for(settings)
    if safe_color(provider) is None and provider.state.lock_holder() is None:
        LocalPlatform(settings).up()
        snapshot = provider.snapshot()
        if snapshot.live is None or snapshot.colors[snapshot.live].release is None:
            release = resolve_release(settings, version=version, command=command, env=env, ref=ref)
            record = deploy(provider, DeployRequest.from_settings(settings, release), progress)
            return UpResult(snapshot.url, release.version, record.new.color, record)
    restored = restore(provider, RollbackRequest.from_settings(settings), progress, operation="up")
    snapshot = provider.snapshot()
    live = snapshot.colors[snapshot.live].release if snapshot.live else None
    return UpResult(
        snapshot.url,
        live.version if live else None,
        snapshot.live,
        restored.record,
        restored.actions,
    )


def down(settings: Settings, *, purge: bool = False) -> tuple[Path, int] | None:
    """Stop the local platform (tasks, HAProxy, PostgreSQL); data is kept unless `purge`.

    Returns the evidence directory, which even `purge` keeps, and how many failed operations it
    holds (None when it holds none).
    """
    if settings.target != "local":
        raise ConfigError("`down` stops the local platform; on AWS use `terraform destroy`")
    from bluegreen.local.kept_evidence import kept_evidence  # noqa: PLC0415 - local only
    from bluegreen.local.platform import LocalPlatform  # noqa: PLC0415 - local only

    LocalPlatform(settings).down(purge=purge)
    return kept_evidence(settings.local.state_dir)
