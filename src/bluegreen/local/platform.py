"""The local platform's long-running parts: PostgreSQL and HAProxy, started by `up`.

Layout of the state directory (``local.state_dir``, default ``.bluegreen``)::

    postgres/        PostgreSQL data (owned by the ``postgres`` OS user when we are root)
    secrets.json     the random DB password (0600)
    haproxy.cfg      rendered from lb.json + tasks.json on every HAProxy start
    haproxy.sock     HAProxy runtime API (0600)
    haproxy.pid, haproxy.log
    lb.json          the weights in percent (intent, written before each change)
    tasks.json, logs/  see bluegreen.local.tasks
    exiting.json     tasks told to stop that may still be exiting (bluegreen.local.exiting)
    lock.json, deployments/, history.jsonl   see bluegreen.local.files

The state directory is 0711 (others may traverse, not list) because the ``postgres`` OS user
must reach its data directory inside; every file in it is 0600.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time

from bluegreen.config import Settings
from bluegreen.errors import PlatformError
from bluegreen.local import ports
from bluegreen.local.exiting import ExitingTasks
from bluegreen.local.files import pid_alive, read_json, write_atomic
from bluegreen.local.haproxy import RuntimeApi
from bluegreen.local.haproxy_config import DEFAULT_SLOTS, ServerSlot, render_config, server_weights
from bluegreen.local.postgres import PostgresServer
from bluegreen.local.postgres_sql import PostgresError
from bluegreen.local.tasks import TaskRunner
from bluegreen.model import COLORS, Color, Weights

HAPROXY = "/usr/sbin/haproxy"
DB_USER = "bluegreen"
DB_NAME = "bluegreen"
_SOCKET_PATH_MAX = 107


class LocalPlatform:
    """PostgreSQL + HAProxy (+ the tasks) of one state directory."""

    def __init__(self, settings: Settings, *, slots: int = DEFAULT_SLOTS) -> None:
        self.settings = settings
        local = settings.local
        self.state_dir = local.state_dir.absolute()
        self.port = local.port
        self.test_ports: dict[Color, int] = {"blue": local.port + 1, "green": local.port + 2}
        self.slots = slots
        self.postgres = PostgresServer(self.state_dir / "postgres", local.db_port)
        self.tasks = TaskRunner(self.state_dir)
        self.exiting = ExitingTasks(self.state_dir)
        self.config_path = self.state_dir / "haproxy.cfg"
        self.pid_path = self.state_dir / "haproxy.pid"
        self.socket_path = self.state_dir / "haproxy.sock"
        self.log_path = self.state_dir / "haproxy.log"
        self.lb_path = self.state_dir / "lb.json"
        self.secrets_path = self.state_dir / "secrets.json"
        self.pgpass_path = self.state_dir / "pgpass"
        self.api = RuntimeApi(self.socket_path)

    # ---------------------------------------------------------------- lifecycle
    def is_up(self) -> bool:
        """PostgreSQL runs and HAProxy answers on its socket."""
        database = self.postgres.is_running() if self.settings.local.database else True
        return database and self.haproxy_running() and self.api.reachable()

    def up(self, timeout: float = 30.0) -> bool:
        """Start what is not running; False (nothing done) when everything already runs."""
        if self.is_up():
            return False
        self._prepare_state_dir()
        haproxy_needed = not (self.haproxy_running() and self.api.reachable())
        database = self.settings.local.database  # local.database = false: a service without one
        # Every port is checked before anything starts, so a taken one changes nothing and
        # its message names who holds it (a TIME_WAIT is waited for briefly).
        ports.ensure_free(
            self.postgres.host,
            self._ports(not database or self.postgres.is_running(), haproxy_needed),
        )
        if database:
            self._start_postgres(timeout)
        if haproxy_needed:
            self._start_haproxy(timeout)
        return True

    def _ports(self, postgres_running: bool, haproxy_needed: bool) -> list[tuple[int, str]]:
        """(port, the setting that chooses it) of what `up` is about to start."""
        wanted = [] if postgres_running else [(self.postgres.port, "local.db_port")]
        if haproxy_needed:
            wanted += [
                (self.port, "local.port"),
                (self.test_ports["blue"], "local.port (port + 1 reaches blue)"),
                (self.test_ports["green"], "local.port (port + 2 reaches green)"),
            ]
            if self.settings.local.stats_port is not None:
                wanted.append((self.settings.local.stats_port, "local.stats_port"))
        return wanted

    def down(self, purge: bool = False) -> None:
        """Stop the tasks, HAProxy and PostgreSQL; with `purge`, delete the state directory."""
        for color in COLORS:
            self.tasks.stop(color, timeout=10)
        self.exiting.finish(timeout=10)
        self._stop_haproxy()
        try:
            self.postgres.stop()
        except PostgresError as exc:
            raise PlatformError(f"PostgreSQL did not stop: {exc}") from exc
        if purge and self.state_dir.exists():
            shutil.rmtree(self.state_dir)

    def start_postgres(self, timeout: float = 30.0) -> None:
        """Start PostgreSQL with its role and database (self-healing; `up` starts it too)."""
        self._prepare_state_dir()
        self._start_postgres(timeout)

    def start_haproxy(self, timeout: float = 30.0) -> None:
        """Start HAProxy from lb.json and tasks.json (self-healing; `up` starts it too)."""
        self._prepare_state_dir()
        self._start_haproxy(timeout)

    # ---------------------------------------------------------------- state
    def weights(self) -> Weights:
        """The weights last asked for (blue 100 before any deployment)."""
        data = read_json(self.lb_path)
        if isinstance(data, dict) and isinstance(data.get("weights"), dict):
            w = data["weights"]
            return Weights(int(w["blue"]), int(w["green"]))
        return Weights.all_on("blue")

    def save_lb(self, *, weights: Weights | None = None, live: Color | None = None) -> None:
        """Record the weights (before they are applied) and the live colour."""
        data = read_json(self.lb_path)
        data = data if isinstance(data, dict) else {}
        if weights is not None:
            data["weights"] = weights.as_dict()
        if live is not None:
            data["live"] = live
        self.state_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        write_atomic(self.lb_path, json.dumps(data))

    def database_env(self) -> dict[str, str]:
        """How a task reaches the database, with no secret in its environment.

        DATABASE_URL names no password; libpq reads it from PGPASSFILE (a 0600 file in the
        state directory), which any release that uses libpq (psycopg) understands.
        """
        if not self.settings.local.database:
            return {}
        password = self._db_password()
        self.state_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        line = f"{self.postgres.host}:{self.postgres.port}:{DB_NAME}:{DB_USER}:{password}\n"
        if not self.pgpass_path.exists() or self.pgpass_path.read_text() != line:
            write_atomic(self.pgpass_path, line)
        return {
            "DATABASE_URL": self.postgres.url(user=DB_USER, password=None, database=DB_NAME),
            "PGPASSFILE": str(self.pgpass_path),
        }

    def desired_servers(self) -> list[ServerSlot]:
        """Every slot as HAProxy should have it now: tasks that run get their port and weight."""
        running: dict[Color, dict[int, int]] = {}
        for color in COLORS:
            running[color] = {
                s.task.index: s.task.port for s in self.tasks.status(color) if s.running
            }
        counts = {c: len(running[c]) for c in COLORS}
        weights = server_weights(self.weights(), counts) if any(counts.values()) else {}
        servers = []
        for color in COLORS:
            for index in range(1, self.slots + 1):
                port = running[color].get(index)
                if port is None:
                    servers.append(ServerSlot(color, index))
                else:
                    weight = weights.get(f"{color}-{index}", 0)
                    servers.append(ServerSlot(color, index, port, weight, enabled=True))
        return servers

    # ---------------------------------------------------------------- internals
    def _prepare_state_dir(self) -> None:
        self.state_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        self.state_dir.chmod(0o711)
        if len(str(self.socket_path)) > _SOCKET_PATH_MAX:
            raise PlatformError(
                f"the state directory path {self.state_dir} is too long for HAProxy's socket",
                hint="set a shorter local.state_dir in bluegreen.toml",
            )

    def _db_password(self) -> str:
        data = read_json(self.secrets_path)
        if isinstance(data, dict) and isinstance(data.get("db_password"), str):
            return str(data["db_password"])
        password = secrets.token_urlsafe(24)
        self.state_dir.mkdir(mode=0o711, parents=True, exist_ok=True)
        write_atomic(self.secrets_path, json.dumps({"db_password": password}))
        return password

    def _start_postgres(self, timeout: float) -> None:
        try:
            self.postgres.start(timeout)
            self.postgres.ensure_role_and_database(
                user=DB_USER, password=self._db_password(), database=DB_NAME
            )
        except PostgresError as exc:
            taken = ports.holders(self.postgres.port)
            why = (
                "\n"
                + ports.describe(
                    self.postgres.host, self.postgres.port, taken, ports.ephemeral_range()
                )
                if taken and not self.postgres.is_running()
                else ""
            )
            raise PlatformError(
                f"PostgreSQL cannot start: {exc}{why}",
                hint=f"see {self.postgres.log_path}; check local.db_port "
                f"({self.postgres.port}) is free",
            ) from exc

    def haproxy_running(self) -> bool:
        """The pid in haproxy.pid is alive."""
        try:
            pid = int(self.pid_path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        return pid_alive(pid)

    def _start_haproxy(self, timeout: float) -> None:
        text = render_config(
            port=self.port,
            test_ports=self.test_ports,
            socket_path=self.socket_path,
            servers=self.desired_servers(),
            stats_port=self.settings.local.stats_port,
            health_path=self.settings.local.health_path,
        )
        write_atomic(self.config_path, text)
        self.socket_path.unlink(missing_ok=True)
        with self.log_path.open("ab") as log:
            check = subprocess.run(
                [HAPROXY, "-c", "-q", "-f", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
            started = check.returncode == 0 and (
                subprocess.run(
                    [HAPROXY, "-D", "-f", str(self.config_path), "-p", str(self.pid_path)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    check=False,
                ).returncode
                == 0
            )
        if started:
            deadline = time.monotonic() + timeout
            delay = 0.01
            while time.monotonic() < deadline:
                if self.api.reachable():
                    return
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-10:])
        raise PlatformError(
            f"HAProxy cannot start on 127.0.0.1:{self.port} "
            f"(and {self.test_ports['blue']}, {self.test_ports['green']}):\n{tail}",
            hint="check that these ports are free (local.port in bluegreen.toml)",
        )

    def _stop_haproxy(self) -> None:
        try:
            pid = int(self.pid_path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        delay = 0.01
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.25)
        if pid_alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.pid_path.unlink(missing_ok=True)
        self.socket_path.unlink(missing_ok=True)
