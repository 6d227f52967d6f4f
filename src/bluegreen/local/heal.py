"""Self-healing of the local platform: restart what died, with traffic only where it is safe.

Called by `up`, `up --watch`, `rollback`, and by a deployment that finds its platform broken
before it puts traffic back. HAProxy restarts from `haproxy.cfg` rendered from ``lb.json``; a
restarted HAProxy must not resume a split it can no longer watch, so its weights are first
rewritten to all on `keep` (the colour the journal or the history says was live).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from bluegreen.local.haproxy_config import BACKEND
from bluegreen.local.platform import LocalPlatform
from bluegreen.local.task_command import task_env
from bluegreen.model import COLORS, Color, Weights


def heal_platform(
    platform: LocalPlatform, keep: Color | None, report: Callable[[str], None]
) -> list[str]:
    """Start PostgreSQL, HAProxy and exited tasks that should run; one line per restart, each
    given to `report` as soon as it is done (a restarted task is said before a restarted
    HAProxy's checks are waited for)."""
    done: list[str] = []

    def did(line: str) -> None:
        done.append(line)
        report(line)

    if platform.settings.local.database and not platform.postgres.is_running():
        platform.start_postgres()
        did(f"restarted PostgreSQL on 127.0.0.1:{platform.postgres.port}")
    haproxy_down = not (platform.haproxy_running() and platform.api.reachable())
    if haproxy_down and keep is not None and platform.weights() != Weights.all_on(keep):
        platform.save_lb(weights=Weights.all_on(keep))
    for task in platform.exiting.reap():
        did(
            f"killed task {task.name} (pid {task.pid}): told to stop, it outlived its "
            "graceful timeout"
        )
    _restart_tasks(platform, did)
    if haproxy_down:
        platform.start_haproxy()
        _wait_for_checks(platform)
        where = f"all traffic on {keep}" if keep is not None else "the recorded weights"
        did(f"restarted HAProxy on 127.0.0.1:{platform.port} with {where}")
    return done


def _restart_tasks(platform: LocalPlatform, did: Callable[[str], None]) -> None:
    database = platform.database_env()
    for color in COLORS:
        current = platform.tasks.load(color)
        if current is None:
            continue
        env_for = {
            t.port: task_env(
                os.environ, current.release, color=color, port=t.port, database=database
            )
            for t in current.tasks
        }
        for status in platform.tasks.restart_exited(color, env_for):
            did(
                f"restarted task {status.task.name} ({current.release.version}, port "
                f"{status.task.port}), which had exited"
            )


def _wait_for_checks(platform: LocalPlatform, timeout: float = 6.0) -> None:
    """Give a restarted HAProxy's checks time to pass (rise 2 x inter), so a healthy task is
    not taken for a dead one and started again; returns early once all running tasks pass."""
    names = {s.task.name for color in COLORS for s in platform.tasks.status(color) if s.running}
    deadline = time.monotonic() + timeout
    while names and time.monotonic() < deadline:
        stats = {s.server: s for s in platform.api.show_stat() if s.backend == BACKEND}
        if all(n in stats and stats[n].healthy for n in names):
            return
        time.sleep(0.1)
