"""Fixtures for the items API: migrated databases, the Flask app, real gunicorn processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask.testing import FlaskClient
from items_api import create_app
from items_api.config import load_settings

from tests.conftest import DatabaseFactory, free_port
from tests.support.platform import stop_process, wait_until

APP_DIR = Path(__file__).resolve().parents[2] / "app"
BIN = Path(sys.executable).parent


def migrate(database_url: str, target: str = "head", command: str = "upgrade") -> None:
    """Run the real migration command against ``database_url``."""
    subprocess.run(
        [str(BIN / "alembic"), "-c", str(APP_DIR / "alembic.ini"), command, target],
        env={**os.environ, "DATABASE_URL": database_url},
        check=True,
        capture_output=True,
        timeout=60,
    )


@pytest.fixture(scope="module")
def migrated_url(database_factory: DatabaseFactory) -> str:
    """A database migrated to head, shared by a test module."""
    url = database_factory()
    migrate(url)
    return url


@pytest.fixture(scope="module")
def app(migrated_url: str) -> Any:
    """The Flask app on the module's migrated database."""
    settings = load_settings(
        database_url=migrated_url, app_version="9.9.9", deployment_color="blue"
    )
    application = create_app(settings)
    application.config["TESTING"] = True
    yield application
    application.extensions["items_api.db"].engine.dispose()


@pytest.fixture
def client(app: Any) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()  # type: ignore[no-any-return]


class Gunicorn:
    """The service as the controller runs it: gunicorn with our config, env only."""

    def __init__(self, database_url: str, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "DATABASE_URL": database_url,
            "APP_VERSION": "2.0.0",
            "DEPLOYMENT_COLOR": "green",
            "WEB_WORKERS": "2",
            "WEB_THREADS": "2",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start gunicorn and wait until /health answers."""
        self.start_process()
        wait_until(lambda: self.status("/health") == 200, 60, f"gunicorn on {self.base_url}")

    def start_process(self) -> None:
        """Start gunicorn without waiting for it."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    str(APP_DIR / "gunicorn.conf.py"),
                    "items_api:create_app()",
                ],
                env=self.env,
                cwd=APP_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def status(self, path: str) -> int | None:
        """The status of GET ``path``, or None when nothing answers."""
        try:
            return httpx.get(self.base_url + path, timeout=2).status_code
        except httpx.HTTPError:
            return None

    def stop(self) -> None:
        """SIGTERM, then wait for exit."""
        stop_process(self.process, timeout=40)

    def log(self) -> str:
        """Everything the process wrote so far."""
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def gunicorn_factory(tmp_path: Path) -> Iterator[Any]:
    """Call with a database URL (and env) to start a real gunicorn; stopped after the test."""
    started: list[Gunicorn] = []

    def start(database_url: str, *, wait: bool = True, **env: str) -> Gunicorn:
        server = Gunicorn(database_url, tmp_path / f"gunicorn-{len(started)}.log", **env)
        started.append(server)
        if wait:
            server.start()
        return server

    yield start
    for server in started:
        server.stop()
