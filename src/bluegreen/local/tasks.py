"""Tasks of the local platform: a release's command run as N processes per colour.

Each task is its own session and process group (it outlives the controller: the CLI is one
process per command), listens on its own port (env ``PORT``), and logs stdout and stderr to
``<state_dir>/logs/<color>-<i>.log``. ``<state_dir>/tasks.json`` records pids (with the
kernel's start time, so a reused pid is not mistaken for our task), ports and the release, so
a later controller process can check and stop them. Stop is SIGTERM to the group, a graceful
wait, then SIGKILL (`wait_then_kill`, which `local.exiting` uses too).

gunicorn ≥ 23 opens a control socket at a fixed default path shared by every instance; when a
release's command is gunicorn itself (``…/gunicorn …``) and it knows ``--no-control-socket``,
that flag is added. A command that starts gunicorn indirectly (a shell script, ``python -m``)
should pass ``--no-control-socket`` or its own ``--control-socket`` itself.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bluegreen.errors import PlatformError
from bluegreen.local.files import read_json, write_atomic
from bluegreen.local.task_command import log_tail, task_argv
from bluegreen.model import Color, Release

# Children started by this controller process, so their exit codes can be reaped.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


@dataclass(frozen=True)
class TaskRecord:
    """One task as recorded in tasks.json."""

    name: str
    index: int
    port: int
    pid: int
    proc_start: int | None  # /proc/<pid>/stat field 22: tells our process from a reused pid
    started_at: float
    log: str

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "name": self.name,
            "index": self.index,
            "port": self.port,
            "pid": self.pid,
            "proc_start": self.proc_start,
            "started_at": self.started_at,
            "log": self.log,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskRecord:
        """Inverse of `to_dict`."""
        start = data.get("proc_start")
        return cls(
            name=str(data["name"]),
            index=int(data["index"]),
            port=int(data["port"]),
            pid=int(data["pid"]),
            proc_start=int(start) if start is not None else None,
            started_at=float(data["started_at"]),
            log=str(data["log"]),
        )


@dataclass(frozen=True)
class ColorTasks:
    """What one colour runs: the release and its tasks."""

    release: Release
    desired: int
    tasks: tuple[TaskRecord, ...]


@dataclass(frozen=True)
class TaskStatus:
    """A task now: running or exited (with its code when this process started it)."""

    task: TaskRecord
    running: bool
    exit_code: int | None = None

    def problem(self) -> str | None:
        """A fatal problem in words, with the log's last lines, or None while it runs."""
        if self.running:
            return None
        code = "an unknown code" if self.exit_code is None else f"code {self.exit_code}"
        tail = log_tail(Path(self.task.log), 5)
        return f"task {self.task.name} (pid {self.task.pid}) exited with {code}" + (
            f"; last log lines:\n{tail}" if tail else ""
        )


def _proc_start(pid: int) -> int | None:
    """Start time of `pid` in clock ticks since boot, or None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


class TaskRunner:
    """Starts, checks and stops the tasks of both colours; state in ``tasks.json``."""

    def __init__(self, state_dir: Path, *, graceful_timeout: float = 30.0) -> None:
        self.state_dir = Path(state_dir)
        self.state_path = self.state_dir / "tasks.json"
        self.log_dir = self.state_dir / "logs"
        self.graceful_timeout = graceful_timeout

    # ---------------------------------------------------------------- state
    def _load_all(self) -> dict[str, Any]:
        data = read_json(self.state_path)
        return data if isinstance(data, dict) else {}

    def _save(self, color: Color, value: ColorTasks | None) -> None:
        data = self._load_all()
        data[color] = (
            None
            if value is None
            else {
                "release": value.release.to_dict(),
                "desired": value.desired,
                "tasks": [t.to_dict() for t in value.tasks],
            }
        )
        self.state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_atomic(self.state_path, json.dumps(data, indent=1))

    def load(self, color: Color) -> ColorTasks | None:
        """What `color` runs according to the state file (None when nothing)."""
        entry = self._load_all().get(color)
        if not isinstance(entry, dict):
            return None
        return ColorTasks(
            release=Release.from_dict(entry["release"]),
            desired=int(entry["desired"]),
            tasks=tuple(TaskRecord.from_dict(t) for t in entry["tasks"]),
        )

    # ---------------------------------------------------------------- lifecycle
    def start(
        self,
        color: Color,
        release: Release,
        ports: Sequence[int],
        env_for: Mapping[int, Mapping[str, str]],
    ) -> ColorTasks:
        """Start one task per port (`env_for[port]` is its environment); record each at once.

        Raises PlatformError when a process cannot be started at all (command not found…).
        """
        if not release.command:
            raise PlatformError(f"release {release.version} has no command to run")
        started: list[TaskRecord] = []
        for index, port in enumerate(ports, start=1):
            try:
                started.append(self._spawn(color, index, port, release, env_for[port]))
            finally:
                self._save(color, ColorTasks(release, len(ports), tuple(started)))
        return ColorTasks(release, len(ports), tuple(started))

    def restart_exited(
        self, color: Color, env_for: Mapping[int, Mapping[str, str]]
    ) -> list[TaskStatus]:
        """Start again, on the same port (HAProxy's slot still points there), every recorded
        task of `color` whose process exited; the statuses of those that had exited."""
        current = self.load(color)
        if current is None:
            return []
        exited = [s for s in map(_status, current.tasks) if not s.running]
        tasks = {t.index: t for t in current.tasks}
        for status in exited:
            task = status.task
            _CHILDREN.pop(task.pid, None)
            signal_group(task.pid, signal.SIGKILL)  # workers a killed master left behind
            tasks[task.index] = self._spawn(
                color, task.index, task.port, current.release, env_for[task.port]
            )
            self._save(color, ColorTasks(current.release, current.desired, tuple(tasks.values())))
        return exited

    def _spawn(
        self, color: Color, index: int, port: int, release: Release, env: Mapping[str, str]
    ) -> TaskRecord:
        self.log_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        argv = task_argv(release.command)
        cwd = release.workdir or None
        name = f"{color}-{index}"
        log = self.log_dir / f"{name}.log"
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            stamp = time.strftime("%Y-%m-%d %H:%M:%S")
            os.write(fd, f"=== {stamp} {release.version} on port {port}\n".encode())
            proc = subprocess.Popen(
                argv,
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=fd,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise PlatformError(
                f"cannot start task {name} of {release.version}: {exc}",
                hint=f"check the release command {argv[0]!r} and its workdir {cwd!r}",
            ) from exc
        finally:
            os.close(fd)
        _CHILDREN[proc.pid] = proc
        return TaskRecord(
            name=name,
            index=index,
            port=port,
            pid=proc.pid,
            proc_start=_proc_start(proc.pid),
            started_at=time.time(),
            log=str(log),
        )

    def status(self, color: Color) -> list[TaskStatus]:
        """Each recorded task of `color`: running or exited."""
        current = self.load(color)
        return [] if current is None else [_status(t) for t in current.tasks]

    def terminate(self, color: Color) -> list[TaskRecord]:
        """SIGTERM `color`'s running tasks and forget them at once, without waiting for them to
        exit (the caller keeps them: `local.exiting`); those it sent SIGTERM to."""
        current = self.load(color)
        if current is None:
            return []
        statuses = [_status(t) for t in current.tasks]
        for status in statuses:
            if status.running:
                signal_group(status.task.pid, signal.SIGTERM)
            else:  # workers an exited master left behind
                signal_group(status.task.pid, signal.SIGKILL)
                forget_child(status.task.pid)
        self._save(color, None)
        return [s.task for s in statuses if s.running]

    def stop(self, color: Color, timeout: float | None = None) -> None:
        """SIGTERM `color`'s tasks, wait up to `timeout`, SIGKILL what remains; forget them."""
        current = self.load(color)
        if current is None:
            return
        wait = self.graceful_timeout if timeout is None else timeout
        wait_then_kill(current.tasks, time.time() + wait)
        for task in current.tasks:  # also workers left behind by a master that exited
            signal_group(task.pid, signal.SIGKILL)
        self._save(color, None)


def wait_then_kill(
    tasks: Sequence[TaskRecord], deadline: float, *, first: signal.Signals | None = signal.SIGTERM
) -> list[TaskRecord]:
    """Send `first` to the process group of each task that runs (None: they were told before),
    wait until they exited or `deadline` (``time.time()``) passed, SIGKILL the groups of those
    still running, reap every one of `tasks`; the tasks killed.

    Only a running task's group is killed: the group of a process that exited long ago may
    since belong to another session that was given the same number (`TaskRunner.stop` still
    kills its colour's groups afterwards, for workers left behind by a master that exited).
    """
    live = [t for t in tasks if is_running(t)]
    if first is not None:
        for task in live:
            signal_group(task.pid, first)
    delay = 0.02
    while live and time.time() < deadline:
        time.sleep(delay)
        delay = min(delay * 2, 0.25)
        live = [t for t in live if is_running(t)]
    killed = [t for t in live if is_running(t)]
    for task in killed:
        signal_group(task.pid, signal.SIGKILL)
    for task in tasks:
        forget_child(task.pid)
    return killed


def is_running(task: TaskRecord) -> bool:
    """Whether the task's process still runs (a child of this process is reaped once exited)."""
    return _status(task).running


def forget_child(pid: int) -> None:
    """Reap `pid` if this process started it (after it exited or was killed)."""
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)


def _status(task: TaskRecord) -> TaskStatus:
    child = _CHILDREN.get(task.pid)
    if child is not None:
        code = child.poll()
        return TaskStatus(task, running=code is None, exit_code=code)
    start = _proc_start(task.pid)
    running = start is not None and (task.proc_start is None or start == task.proc_start)
    return TaskStatus(task, running=running)


def signal_group(pgid: int, sig: signal.Signals) -> None:
    """Send `sig` to the process group `pgid` (nothing when it is gone)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
