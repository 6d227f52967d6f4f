"""What the release flags mean: `--version`, `--image`, `--ref`, `--command`, `--env`.

A release is data (`model.Release`); this turns the flags of `deploy` and `up` into one,
checking what each platform needs before anything changes (exit 2 otherwise).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from bluegreen.config import Settings
from bluegreen.errors import ConfigError
from bluegreen.model import Release, image_tag


def parse_env(pairs: Sequence[str]) -> dict[str, str]:
    """`KEY=VALUE` pairs as a mapping; ConfigError naming the bad pair."""
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key or not key.replace("_", "a").isalnum():
            raise ConfigError(
                f"--env {pair!r}: expected KEY=VALUE with a KEY of letters, digits, _"
            )
        env[key] = value
    return env


def resolve_release(
    settings: Settings,
    *,
    version: str | None,
    image: str | None = None,
    command: str | None = None,
    env: dict[str, str] | None = None,
    ref: str | None = None,
) -> Release:
    """The release the flags describe, for the target in `settings`."""
    env = env or {}
    if settings.target == "aws":
        if not image:
            raise ConfigError("--image is required with --target aws (an image URI with a tag)")
        resolved = version or image_tag(image)
        if not resolved:
            raise ConfigError("--version is required when the image has no tag")
        return Release(
            version=resolved,
            image=image,
            env=env,
            migrate_command=settings.aws.migrate_command,
            source=image,
        )
    if image:
        raise ConfigError("--image is for --target aws; locally use --version (and --command)")
    if ref:
        from bluegreen.local.releases import release_from_ref  # noqa: PLC0415 - git, local only

        return release_from_ref(settings, ref, version=version, env=env)
    if not version:
        raise ConfigError("--version is required (the version the release reports)")
    from bluegreen.local.releases import default_release  # noqa: PLC0415 - local only

    parsed = tuple(shlex.split(command)) if command else None
    return default_release(settings, version, command=parsed, env=env)
