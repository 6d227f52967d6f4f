"""Running a local release's migration command: one process, with the tasks' database
settings, bounded by MIGRATE_TIMEOUT, its output's tail in the error when it fails."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping

from bluegreen.errors import DeployError
from bluegreen.local.task_command import task_env
from bluegreen.model import Release

MIGRATE_TIMEOUT = 600.0


def run_migration(release: Release, database: Mapping[str, str]) -> None:
    """Run `release`'s migrate command with `database` (how a task reaches the database);
    DeployError when it cannot run, times out or exits non-zero."""
    env = task_env(
        os.environ,
        release,
        color="blue",
        port=0,
        database=database,
    )
    for key in ("PORT", "DEPLOYMENT_COLOR"):
        env.pop(key, None)
    try:
        result = subprocess.run(
            list(release.migrate_command),
            cwd=release.workdir or None,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=MIGRATE_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DeployError(
            f"the migration of {release.version} could not run: {exc}",
            hint="check the release's migrate command; no traffic was moved",
        ) from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-20:])
        raise DeployError(
            f"the migration of {release.version} failed (exit {result.returncode}):\n{tail}",
            hint="fix the migration and deploy again; no traffic was moved",
        )
