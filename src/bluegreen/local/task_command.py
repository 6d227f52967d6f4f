"""How a local task is launched and read: its command line, environment and port, and the
tail of its log. `tasks.TaskRunner` runs what these build; the controller's other local
modules (healing, migration, kept evidence) build the same environment and read the same logs.
"""

from __future__ import annotations

import contextlib
import functools
import os
import socket
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from bluegreen.errors import PlatformError
from bluegreen.model import Color, Release

# Variables of the controller's own environment a task does not get (see task_env).
_NOT_INHERITED = frozenset({"PYTHONDONTWRITEBYTECODE"})


def task_env(
    base: Mapping[str, str],
    release: Release,
    *,
    color: Color,
    port: int,
    database: Mapping[str, str],
) -> dict[str, str]:
    """A task's environment: `base`, the DB settings, the release's env, then ours (which win).

    PYTHONDONTWRITEBYTECODE is not inherited from `base`: with it, every task start compiles
    the service's modules again (seconds of CPU per task); the release's env may still set it.
    """
    inherited = {k: v for k, v in base.items() if k not in _NOT_INHERITED}
    env = {**inherited, **database, **release.env}
    env.update({"PORT": str(port), "APP_VERSION": release.version, "DEPLOYMENT_COLOR": color})
    return env


def task_argv(command: Sequence[str]) -> list[str]:
    """The command, with ``--no-control-socket`` added when it is a gunicorn that knows it."""
    argv = list(command)
    is_gunicorn = bool(argv) and Path(argv[0]).name.startswith("gunicorn")
    chosen = any(a.startswith(("--control-socket", "--no-control-socket")) for a in argv)
    if is_gunicorn and not chosen and _knows_no_control_socket(argv[0]):
        argv.insert(1, "--no-control-socket")
    return argv


@functools.lru_cache(maxsize=8)
def _knows_no_control_socket(executable: str) -> bool:
    # A gunicorn installed in a virtualenv or prefix (``<prefix>/bin/gunicorn``): its option
    # table is read as text, instead of starting Python and gunicorn once more (most of a
    # second on a busy machine) before the first task of every deployment starts.
    prefix = Path(executable).absolute().parent.parent
    for config in prefix.glob("lib/python3*/site-packages/gunicorn/config.py"):
        with contextlib.suppress(OSError):
            return '["--no-control-socket"]' in config.read_text(encoding="utf-8")
    try:
        result = subprocess.run(
            [executable, "--help"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--no-control-socket" in result.stdout


def pick_port(preferred: int | None = None) -> int:
    """`preferred` when it can be bound on 127.0.0.1 now, else a free port from the OS."""
    for candidate in ([preferred] if preferred else []) + [0]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                continue
            port: int = sock.getsockname()[1]
            return port
    raise PlatformError("no free TCP port on 127.0.0.1")


def log_tail(path: Path, lines: int = 20) -> str:
    """The last `lines` lines of a log file ('' when there is none)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
