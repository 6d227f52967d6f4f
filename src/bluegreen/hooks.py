"""Hooks, as Kamal has them: the operator's commands at fixed points of a deployment.

- `pre_deploy`: after the preflight, before anything changes. Fails: the deployment stops,
  nothing changed.
- `pre_shift`: the new colour is healthy (and smoke-tested), no traffic on it yet. Fails: the
  new colour is stopped; traffic never moved.
- `post_shift` (all traffic on the new colour), `post_deploy` (the deployment succeeded) and
  `on_rollback` (traffic went back: a rollback, or a deployment that failed after starting
  tasks). Fails: journaled, kept in the history record's notes, printed as a warning.

Pre hooks run only for deployments: a rollback must never be blocked by a script. A failing
post hook cannot undo what already happened (the traffic moved, the users saw it), so it does
not turn a successful deployment into exit 1 ("failed, traffic restored" would be untrue); it
is never silent either: the journal, the history record's notes and a warning on stderr say so.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from bluegreen import events
from bluegreen.config import HookSettings
from bluegreen.errors import DeployError
from bluegreen.model import Color, Weights
from bluegreen.steps import Context

HookPoint = Literal["pre_deploy", "pre_shift", "post_shift", "post_deploy", "on_rollback"]
PRE_HOOKS: tuple[HookPoint, ...] = ("pre_deploy", "pre_shift")


@dataclass(frozen=True)
class HookFacts:
    """What a hook is told about the operation it runs in."""

    operation: str
    deployment_id: str
    target: str
    old_color: Color | None
    new_color: Color
    old_version: str | None
    new_version: str
    weights: Weights
    url: str
    target_url: str | None = None  # pre_shift: the new colour alone (test listener)


def hook_environment(point: HookPoint, facts: HookFacts) -> dict[str, str]:
    """The BLUEGREEN_* variables a hook gets (added to the controller's own environment)."""
    env = {
        "BLUEGREEN_HOOK": point,
        "BLUEGREEN_OPERATION": facts.operation,
        "BLUEGREEN_DEPLOYMENT_ID": facts.deployment_id,
        "BLUEGREEN_PLATFORM": facts.target,
        "BLUEGREEN_OLD_COLOR": facts.old_color or "",
        "BLUEGREEN_NEW_COLOR": facts.new_color,
        "BLUEGREEN_OLD_VERSION": facts.old_version or "",
        "BLUEGREEN_NEW_VERSION": facts.new_version,
        "BLUEGREEN_BLUE_WEIGHT": str(facts.weights.blue),
        "BLUEGREEN_GREEN_WEIGHT": str(facts.weights.green),
        "BLUEGREEN_URL": facts.url,
    }
    if facts.target_url is not None:
        env["BLUEGREEN_TARGET_URL"] = facts.target_url
    return env


def command_for(settings: HookSettings, point: HookPoint) -> str | None:
    """The configured command of `point`, or None."""
    command: str | None = getattr(settings, point)
    return command or None


def run_hook(command: str, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
    """Run one hook through the shell; its exit code (124 on timeout) and output's tail."""
    try:
        done = subprocess.run(  # noqa: S602 - the operator's own hook command from bluegreen.toml
            command,
            shell=True,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return 124, f"timed out after {timeout:.0f} s"
    return done.returncode, (done.stdout + done.stderr)[-2000:]


def run_hook_at(
    point: str, command: str, env: Mapping[str, str], timeout: float
) -> tuple[int, str]:
    """`run_hook` as a deployment's `Context.hook` calls it (`point` is for a dry run's plan)."""
    del point
    return run_hook(command, env, timeout)


def hook_failure(point: HookPoint, code: int, output: str) -> str:
    """One line saying which hook failed, how, and its output's tail."""
    tail = output.strip()[-300:]
    return f"{point} hook failed with exit code {code}" + (f": {tail}" if tail else "")


def ran_event(point: HookPoint, code: int, output: str) -> events.HookRan:
    """The journal event of one hook run."""
    return events.HookRan(hook=point, exit_code=code, output=output.strip()[-500:])


def pre_hook_error(point: HookPoint, code: int, output: str) -> DeployError:
    """The error a failing pre hook raises (the deployment stops before traffic moves)."""
    return DeployError(
        hook_failure(point, code, output),
        hint=f"fix the hook (hooks.{point} in bluegreen.toml) or what it checks, then deploy again",
    )


def run_point(ctx: Context, point: HookPoint) -> None:
    """Run `point`'s hook, if configured, inside a deployment.

    A failing pre hook raises (the runner undoes what ran); a failing post hook is journaled,
    kept in the record's notes and shown as a warning.
    """
    command = command_for(ctx.request.hooks, point)
    if command is None:
        return
    snapshot = ctx.provider.snapshot()
    facts = HookFacts(
        operation=ctx.request.operation,
        deployment_id=ctx.run.id,
        target=ctx.provider.target,
        old_color=ctx.old,
        new_color=ctx.new,
        old_version=ctx.old_release.version if ctx.old_release else None,
        new_version=ctx.request.release.version,
        weights=snapshot.weights,
        url=snapshot.url,
        target_url=ctx.provider.route_test_listener(ctx.new) if point == "pre_shift" else None,
    )
    ctx.progress.info(f"running the {point} hook: {command}")
    env = hook_environment(point, facts)
    code, output = ctx.hook(point, command, env, ctx.request.hooks.timeout)
    ctx.journal.record(ran_event(point, code, output))
    if code == 0:
        return
    if point in PRE_HOOKS:
        raise pre_hook_error(point, code, output)
    message = hook_failure(point, code, output)
    ctx.run.notes.append(message)
    ctx.progress.info(f"warning: {message}")


class Hook:
    """A step that runs one hook (nothing to undo: a hook's effects are the operator's)."""

    def __init__(self, point: HookPoint) -> None:
        self.point = point
        self.name = f"hook:{point}"

    def run(self, ctx: Context) -> None:
        """Run the hook when one is configured."""
        run_point(ctx, self.point)

    def undo(self, ctx: Context) -> None:
        """Nothing to put back."""
