"""A private PostgreSQL server for the local platform and the test fixtures.

PostgreSQL refuses to run as root, so when we are root every server command runs as an
unprivileged OS user (``postgres`` by default) through ``runuser``. Clients reach the server
over TCP on ``host`` only, with SCRAM password authentication. Administration (roles,
databases) goes through a unix socket inside the data directory, where the OS user is
trusted by peer authentication: no superuser password exists, so none can leak. The SQL and
the settings file it sends are built in `postgres_sql`.
"""

from __future__ import annotations

import getpass
import glob
import os
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from bluegreen.local.files import pid_alive
from bluegreen.local.postgres_sql import (
    PostgresError,
    conf_settings,
    drop_database_sql,
    role_and_database_sql,
)

__all__ = ["PostgresServer", "find_pg_bin_dir"]

_SOCKET_PATH_MAX = 107  # sun_path is 108 bytes on Linux, including the NUL
_CONF_FILE = "bluegreen.conf"


def find_pg_bin_dir() -> Path:
    """Return the directory of the newest installed PostgreSQL server binaries."""
    candidates = glob.glob("/usr/lib/postgresql/*/bin/pg_ctl")
    if candidates:
        newest = max(candidates, key=lambda p: int(Path(p).parent.parent.name.split(".")[0]))
        return Path(newest).parent
    on_path = shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise PostgresError(
        "PostgreSQL server binaries not found (looked in /usr/lib/postgresql/*/bin and PATH); "
        "install them with: apt-get install -y postgresql"
    )


class PostgresServer:
    """One PostgreSQL cluster in ``data_dir``, listening on ``host:port``."""

    def __init__(
        self, data_dir: Path, port: int, *, os_user: str = "postgres", host: str = "127.0.0.1"
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port
        self.host = host
        self._as_root = os.geteuid() == 0
        # Without root we cannot switch users: the server runs as whoever we are.
        self.os_user = os_user if self._as_root else getpass.getuser()
        self._bin_dir: Path | None = None

    # ------------------------------------------------------------------ paths
    @property
    def socket_dir(self) -> Path:
        """Directory of the admin unix socket (inside the data directory)."""
        return self.data_dir / "run"

    @property
    def log_path(self) -> Path:
        """The server's log file."""
        return self.data_dir / "postgresql.log"

    @property
    def bin_dir(self) -> Path:
        """Directory of the server binaries (found on first use)."""
        if self._bin_dir is None:
            self._bin_dir = find_pg_bin_dir()
        return self._bin_dir

    # ------------------------------------------------------------------ lifecycle
    def ensure_initialised(self) -> None:
        """Create the cluster if ``data_dir`` is empty, and (re)write our settings."""
        self._prepare_data_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            if any(self.data_dir.iterdir()):
                raise PostgresError(
                    f"{self.data_dir} is neither empty nor a PostgreSQL data directory; "
                    "choose another directory or empty it"
                )
            self._run_as_user(
                [
                    str(self.bin_dir / "initdb"),
                    "--pgdata",
                    str(self.data_dir),
                    "--username",
                    self.os_user,
                    "--auth-local",
                    "peer",
                    "--auth-host",
                    "scram-sha-256",
                    "--encoding",
                    "UTF8",
                    "--no-locale",
                    "--no-instructions",
                ],
                what="initdb",
                timeout=120,
            )
            conf = self.data_dir / "postgresql.conf"
            with conf.open("a", encoding="utf-8") as fh:
                fh.write(f"\n# Added by bluegreen: our settings live in {_CONF_FILE}.\n")
                fh.write(f"include '{_CONF_FILE}'\n")
        self._write_settings()

    def start(self, timeout: float = 30.0) -> None:
        """Start the server (no-op when it runs) and wait until it accepts connections."""
        if self.is_running():
            return
        # A postmaster killed by SIGKILL stays a zombie when nothing reaps it (a container
        # without an init); PostgreSQL's own stale-lock check (kill(pid, 0)) takes the zombie
        # for a live server and refuses to start. is_running() counts a zombie as gone, so
        # its lock files (data directory and socket) are stale.
        (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        (self.socket_dir / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)
        self.ensure_initialised()
        result = self._run_as_user(
            [
                str(self.bin_dir / "pg_ctl"),
                "start",
                "--pgdata",
                str(self.data_dir),
                "--log",
                str(self.log_path),
                "--wait",
                "--timeout",
                str(max(1, int(timeout))),
            ],
            what="pg_ctl start",
            timeout=timeout + 15,
            check=False,
        )
        if result.returncode != 0 or not self._wait_accepting(time.monotonic() + timeout):
            raise PostgresError(
                f"PostgreSQL did not start on {self.host}:{self.port} within {timeout:.0f} s "
                f"(data directory {self.data_dir}).\n"
                f"pg_ctl said: {result.stdout.strip()} {result.stderr.strip()}\n"
                f"Last lines of {self.log_path}:\n{self.log_tail()}"
            )

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (no-op when it is not running)."""
        if mode not in {"smart", "fast", "immediate"}:
            raise PostgresError(f"invalid stop mode {mode!r}: use smart, fast or immediate")
        if not self.is_running():
            return
        result = self._run_as_user(
            [
                str(self.bin_dir / "pg_ctl"),
                "stop",
                "--pgdata",
                str(self.data_dir),
                "--mode",
                mode,
                "--wait",
                "--timeout",
                "60",
            ],
            what="pg_ctl stop",
            timeout=75,
            check=False,
        )
        if result.returncode != 0 and self.is_running():
            raise PostgresError(
                f"PostgreSQL in {self.data_dir} did not stop: {result.stderr.strip()}\n"
                f"Last lines of {self.log_path}:\n{self.log_tail()}"
            )

    def is_running(self) -> bool:
        """True when the postmaster of this data directory is alive."""
        try:
            first_line = (self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0]
            pid = int(first_line)
        except (OSError, ValueError):
            return False
        return pid_alive(pid)

    # ------------------------------------------------------------------ administration
    def ensure_role_and_database(self, *, user: str, password: str, database: str) -> None:
        """Create (or update the password of) a login role and its own database."""
        self.run_sql(role_and_database_sql(user=user, password=password, database=database))

    def drop_database(self, database: str) -> None:
        """Drop ``database`` if it exists, disconnecting its sessions."""
        self.run_sql(drop_database_sql(database))

    def run_sql(self, sql: str, *, database: str = "postgres") -> str:
        """Run SQL (psql syntax, from stdin, never argv) as the superuser; return the output."""
        if not self.is_running():
            raise PostgresError(f"PostgreSQL in {self.data_dir} is not running; start it first")
        result = self._run_as_user(
            [
                str(self.bin_dir / "psql"),
                "--no-psqlrc",
                "--quiet",
                "--tuples-only",
                "--no-align",
                "--set",
                "ON_ERROR_STOP=1",
                "--host",
                str(self.socket_dir),
                "--port",
                str(self.port),
                "--username",
                self.os_user,
                "--dbname",
                database,
            ],
            what="psql",
            input_text=sql,
            timeout=60,
        )
        return result.stdout

    def url(self, *, user: str, password: str | None, database: str) -> str:
        """SQLAlchemy URL for ``user`` on ``database`` over TCP (without a password: libpq
        then takes it from PGPASSFILE)."""
        secret = "" if password is None else f":{quote(password, safe='')}"
        return (
            f"postgresql+psycopg://{quote(user, safe='')}{secret}"
            f"@{self.host}:{self.port}/{quote(database, safe='')}"
        )

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the server log (empty when there is none)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log yet)"
        return "\n".join(text.splitlines()[-lines:])

    # ------------------------------------------------------------------ internals
    def _prepare_data_dir(self) -> None:
        if len(str(self.socket_dir / f".s.PGSQL.{self.port}")) > _SOCKET_PATH_MAX:
            raise PostgresError(
                f"data directory path {self.data_dir} is too long for a unix socket inside it "
                f"(at most {_SOCKET_PATH_MAX - 25} characters); choose a shorter path"
            )
        missing = [p for p in [self.data_dir, *self.data_dir.parents] if not p.exists()]
        for path in reversed(missing):
            path.mkdir(mode=0o755)
            self._chown(path)
        self._chown(self.data_dir)
        self.data_dir.chmod(0o700)
        if self._as_root:
            probe = subprocess.run(
                ["runuser", "-u", self.os_user, "--", "test", "-w", str(self.data_dir)],
                capture_output=True,
                check=False,
            )
            if probe.returncode != 0:
                raise PostgresError(
                    f"OS user {self.os_user!r} cannot reach {self.data_dir}: a parent directory "
                    "is not searchable by it; choose a directory under one it can traverse "
                    "(for example under /tmp or /var/lib)"
                )

    def _chown(self, path: Path) -> None:
        if self._as_root:
            shutil.chown(path, user=self.os_user, group=None)

    def _write_settings(self) -> None:
        self.socket_dir.mkdir(mode=0o700, exist_ok=True)
        self._chown(self.socket_dir)
        text = conf_settings(host=self.host, port=self.port, socket_dir=str(self.socket_dir))
        conf = self.data_dir / _CONF_FILE
        conf.write_text(text, encoding="utf-8")
        self._chown(conf)
        conf.chmod(0o600)

    def _wait_accepting(self, deadline: float) -> bool:
        delay = 0.05
        while True:
            probe = self._run_as_user(
                [
                    str(self.bin_dir / "pg_isready"),
                    "--quiet",
                    "--host",
                    self.host,
                    "--port",
                    str(self.port),
                ],
                what="pg_isready",
                timeout=10,
                check=False,
            )
            if probe.returncode == 0:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _run_as_user(
        self,
        argv: list[str],
        *,
        what: str,
        timeout: float,
        check: bool = True,
        input_text: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        command = ["runuser", "-u", self.os_user, "--", *argv] if self._as_root else argv
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
                input=input_text,
                cwd=self.data_dir if self.data_dir.is_dir() else "/",
                env={**os.environ, "LC_ALL": "C", "PGAPPNAME": "bluegreen"},
            )
        except subprocess.TimeoutExpired as exc:
            raise PostgresError(f"{what} did not finish within {timeout:.0f} s") from exc
        if check and result.returncode != 0:
            raise PostgresError(
                f"{what} failed (exit {result.returncode}): {result.stderr.strip()}"
            )
        return result
