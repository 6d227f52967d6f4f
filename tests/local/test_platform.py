"""LocalPlatform: `up` starts PostgreSQL and HAProxy once, `down` stops everything."""

from __future__ import annotations

import json
import stat
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bluegreen.local.platform import LocalPlatform
from tests.local.conftest import local_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def fresh_platform(short_dir: Path) -> Iterator[LocalPlatform]:
    """A platform that is not up yet; brought down and purged afterwards."""
    plat = LocalPlatform(local_settings(short_dir))
    try:
        yield plat
    finally:
        plat.down(purge=True)


def test_up_starts_private_localhost_services_and_a_second_up_is_a_no_op(
    fresh_platform: LocalPlatform,
) -> None:
    assert fresh_platform.up() is True
    assert fresh_platform.is_up()
    pid = fresh_platform.pid_path.read_text()
    assert fresh_platform.up() is False
    assert fresh_platform.pid_path.read_text() == pid
    db_env = fresh_platform.database_env()
    # no secret in the environment: the URL has no password, libpq reads the 0600 passfile
    assert "@" in db_env["DATABASE_URL"]
    assert fresh_platform._db_password() not in db_env["DATABASE_URL"]
    assert stat.S_IMODE(Path(db_env["PGPASSFILE"]).stat().st_mode) == 0o600
    url = db_env["DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url, passfile=db_env["PGPASSFILE"]) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    # the secret is private and everything binds 127.0.0.1
    secrets_file = fresh_platform.secrets_path
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    assert len(json.loads(secrets_file.read_text())["db_password"]) >= 24
    assert stat.S_IMODE(fresh_platform.socket_path.stat().st_mode) == 0o600
    config = fresh_platform.config_path.read_text()
    binds = [line.split()[1] for line in config.splitlines() if line.strip().startswith("bind")]
    assert binds
    assert all(b.startswith("127.0.0.1:") for b in binds)


def test_down_stops_everything_and_purge_deletes_the_state(fresh_platform: LocalPlatform) -> None:
    fresh_platform.up()
    fresh_platform.down()
    assert not fresh_platform.is_up()
    assert not fresh_platform.postgres.is_running()
    assert fresh_platform.secrets_path.exists()  # kept across runs without --purge
    assert fresh_platform.up() is True  # and it comes back with the same data
    fresh_platform.down(purge=True)
    assert not fresh_platform.state_dir.exists()


def test_up_after_haproxy_died_restarts_only_haproxy(fresh_platform: LocalPlatform) -> None:
    fresh_platform.up()
    fresh_platform._stop_haproxy()
    assert not fresh_platform.is_up()
    assert fresh_platform.up() is True
    assert fresh_platform.is_up()
