"""The expand/contract guard, before a release's migration runs (docs/migrations.md).

Who reports the pending revisions, in this order:
1. `deploy.migrate_check_command`, for any migration tool: its output is parsed by
   `migration_check` (the command runs in the release's working directory, or the
   controller's on AWS, with BLUEGREEN_* variables);
2. the Alembic revision files of both releases (`migration_files`), when both are readable here;
3. nobody: the guard is skipped, and a notice says so and why (printed, journaled, kept in the
   history record's notes). It never says a check happened that did not.

Either way the same rule (`migrations.refused_contracts`) decides.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Container, Mapping
from typing import TYPE_CHECKING

from bluegreen import events
from bluegreen.errors import DeployError
from bluegreen.migration_check import NotPending, parse_check_output
from bluegreen.migration_files import read_chain, versions_dir
from bluegreen.migrations import EXPAND_CONTRACT_HINT, Revision, new_revisions, refused_contracts

if TYPE_CHECKING:
    from bluegreen.steps import Context

CHECK_TIMEOUT = 300.0
"""Seconds the check command may run (the lease is renewed meanwhile)."""


def guard(ctx: Context) -> list[Revision] | None:
    """The revisions the release brings (None when nobody can tell); DeployError when one
    would break the live colour's code."""
    command = ctx.request.migrate_check
    live_has: Container[str]
    if command:
        output = run_check_command(
            command, check_environment(ctx), ctx.request.release.workdir, heartbeat=ctx.run.renew
        )
        pending = parse_check_output(output, command)
        live_has = NotPending.of(pending)
    else:
        found = _alembic(ctx)
        if isinstance(found, str):
            _skipped(ctx, found)
            return None
        pending, live_has = found
    if ctx.old is not None and ctx.old_release is not None:
        who = f"{ctx.old} ({ctx.old_release.version})"
        problems = refused_contracts(pending, live_has, who)
        if problems:
            raise DeployError(
                "refusing to migrate: " + "; ".join(problems), hint=EXPAND_CONTRACT_HINT
            )
    return pending


def _alembic(ctx: Context) -> tuple[list[Revision], set[str]] | str:
    """The pending Alembic revisions and the live release's, or why they cannot be read."""
    release = ctx.request.release
    new_dir = versions_dir(release.workdir)
    if new_dir is None:
        where = (
            f"{release.version} is an image, whose files the controller does not open"
            if release.workdir is None
            else f"{release.workdir} has no migrations/versions/"
        )
        return f"no Alembic revisions to read ({where}) and no deploy.migrate_check_command"
    old = ctx.old_release
    live_dir = versions_dir(old.workdir) if old is not None else None
    if old is not None and live_dir is None:
        return f"the live release {old.version} has no Alembic revisions readable here"
    live = read_chain(live_dir) if live_dir is not None else []
    return new_revisions(read_chain(new_dir), live), {r.id for r in live}


def _skipped(ctx: Context, reason: str) -> None:
    """The notice: only when a colour serves, since the guard only ever protects one."""
    if ctx.old is None or ctx.old_release is None:
        return
    note = (
        f"expand/contract guard skipped: {reason}; the migration is not checked against "
        f"{ctx.old} ({ctx.old_release.version})"
    )
    ctx.journal.record(events.GuardSkipped(reason=reason))
    ctx.run.notes.append(note)
    ctx.progress.info(f"notice: {note} (set deploy.migrate_check_command: docs/migrations.md)")


def check_environment(ctx: Context) -> dict[str, str]:
    """The BLUEGREEN_* variables the check command gets (as a hook does)."""
    old = ctx.old_release
    return {
        "BLUEGREEN_OPERATION": ctx.request.operation,
        "BLUEGREEN_DEPLOYMENT_ID": ctx.run.id,
        "BLUEGREEN_PLATFORM": ctx.provider.target,
        "BLUEGREEN_OLD_COLOR": ctx.old or "",
        "BLUEGREEN_NEW_COLOR": ctx.new,
        "BLUEGREEN_OLD_VERSION": old.version if old else "",
        "BLUEGREEN_NEW_VERSION": ctx.request.release.version,
    }


def run_check_command(
    command: str,
    env: Mapping[str, str],
    cwd: str | None,
    *,
    heartbeat: Callable[[], None] | None = None,
    timeout: float = CHECK_TIMEOUT,
) -> str:
    """Run the check command through the shell; its standard output, or DeployError when it
    cannot run, fails or times out (nothing has changed yet: it runs before the migration)."""
    hint = "fix deploy.migrate_check_command or what it reads; nothing was migrated"
    try:
        proc = subprocess.Popen(  # noqa: S602 - the operator's own command from bluegreen.toml
            command,
            shell=True,
            cwd=cwd,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        raise DeployError(
            f"the migration check `{command}` could not run: {exc}", hint=hint
        ) from exc
    waited = 0.0
    while True:
        try:
            out, err = proc.communicate(timeout=1.0)
            break
        except subprocess.TimeoutExpired:
            waited += 1.0
            if waited >= timeout:
                proc.kill()
                proc.communicate()
                raise DeployError(
                    f"the migration check `{command}` timed out after {timeout:.0f} s", hint=hint
                ) from None
            if heartbeat is not None:
                heartbeat()
    if proc.returncode != 0:
        tail = "\n".join((out + err).strip().splitlines()[-10:])
        raise DeployError(
            f"the migration check `{command}` failed (exit {proc.returncode})"
            + (f":\n{tail}" if tail else ""),
            hint=hint,
        )
    return out
