"""Faults the chaos bench injects: SIGKILL of HAProxy, a task, PostgreSQL or the controller.

Processes are found in /proc by what ties them to one platform, never by name alone (other
platforms run on this machine): HAProxy and PostgreSQL by the state directory in their command
line, a task's gunicorn master by the state directory's password file in its environment.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
from dataclasses import dataclass
from pathlib import Path

from bench.rig import Controller, Rig

KINDS = ("haproxy", "task", "postgres", "controller")


@dataclass(frozen=True)
class Proc:
    """A process of the platform."""

    pid: int
    argv: tuple[str, ...]
    color: str | None = None


def _argv(pid_dir: Path) -> tuple[str, ...]:
    try:
        raw = (pid_dir / "cmdline").read_bytes()
    except OSError:
        return ()
    return tuple(a.decode(errors="replace") for a in raw.split(b"\0") if a)


def _environ(pid_dir: Path) -> dict[str, str]:
    try:
        raw = (pid_dir / "environ").read_bytes()
    except OSError:
        return {}
    pairs = (item.decode(errors="replace").partition("=") for item in raw.split(b"\0") if item)
    return {key: value for key, _, value in pairs}


def _ppid(pid_dir: Path) -> int:
    try:
        stat = (pid_dir / "stat").read_text()
    except OSError:
        return 0
    return int(stat.rsplit(")", 1)[1].split()[1])


def _pids() -> list[Path]:
    return [p for p in Path("/proc").iterdir() if p.name.isdigit()]


def haproxy(rig: Rig) -> list[Proc]:
    """HAProxy processes started for `rig`."""
    marker = str(rig.state_dir)
    found = []
    for entry in _pids():
        argv = _argv(entry)
        if argv and argv[0].endswith("haproxy") and any(marker in a for a in argv):
            found.append(Proc(int(entry.name), argv))
    return found


def postmaster(rig: Rig) -> list[Proc]:
    """PostgreSQL's postmaster of `rig` (its children rename themselves "postgres: ...")."""
    data_dir = str(rig.state_dir / "postgres")
    found = []
    for entry in _pids():
        argv = _argv(entry)
        if argv and argv[0].endswith("/postgres") and data_dir in argv:
            found.append(Proc(int(entry.name), argv))
    return found


def task_masters(rig: Rig) -> list[Proc]:
    """The gunicorn master of each task of `rig` (workers share its environment)."""
    passfile = str(rig.state_dir / "pgpass")
    tasks = {}
    for entry in _pids():
        env = _environ(entry)
        if env.get("PGPASSFILE") == passfile and "DEPLOYMENT_COLOR" in env:
            tasks[int(entry.name)] = (entry, env["DEPLOYMENT_COLOR"])
    return [
        Proc(pid, _argv(entry), color)
        for pid, (entry, color) in sorted(tasks.items())
        if _ppid(entry) not in tasks
    ]


def _kill(procs: list[Proc], what: str) -> str:
    if not procs:
        return f"no {what} to kill"
    for proc in procs:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGKILL)
    return f"SIGKILL {what} pid {', '.join(str(p.pid) for p in procs)}"


def inject(
    kind: str,
    rig: Rig,
    controller: Controller | None,
    rng: random.Random,
    colour: str | None = None,
) -> str:
    """Inject fault `kind` (a task fault picks among `colour`'s tasks when given); a sentence
    saying what was done (or that there was nothing to do)."""
    if kind == "haproxy":
        return _kill(haproxy(rig), "HAProxy")
    if kind == "postgres":
        return _kill(postmaster(rig), "PostgreSQL's postmaster")
    if kind == "task":
        masters = [m for m in task_masters(rig) if colour is None or m.color == colour]
        if not masters:
            return f"no {colour or ''} task to kill".replace("  ", " ")
        victim = rng.choice(masters)
        return _kill([victim], f"{victim.color} task (gunicorn master)")
    if kind == "controller":
        if controller is None or controller.proc.poll() is not None:
            return "no controller running to kill"
        controller.proc.send_signal(signal.SIGKILL)
        return (
            f"SIGKILL controller `bluegreen {' '.join(controller.args)}` pid {controller.proc.pid}"
        )
    raise ValueError(f"unknown fault {kind!r}; known: {', '.join(KINDS)}")
