"""Static checks: Dockerfile, gunicorn config, migrations."""

from __future__ import annotations

import ast
import importlib.util
import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from gunicorn.util import load_class
from gunicorn.workers.gthread import ThreadWorker
from sqlalchemy import create_engine, inspect

from tests.app.conftest import APP_DIR, migrate
from tests.conftest import DatabaseFactory

DOCKERFILE = (APP_DIR / "Dockerfile").read_text()


def _instructions(name: str) -> list[str]:
    joined = DOCKERFILE.replace("\\\n", " ")
    return [
        line.split(None, 1)[1]
        for line in joined.splitlines()
        if line.upper().startswith(name + " ")
    ]


def test_dockerfile_is_multi_stage_on_slim_python() -> None:
    froms = _instructions("FROM")
    assert len(froms) >= 2
    assert "python:3.11-slim" in DOCKERFILE


def test_dockerfile_runs_as_a_non_root_user() -> None:
    users = _instructions("USER")
    assert users
    assert users[-1].strip() not in {"root", "0", "0:0"}


def test_dockerfile_healthcheck_uses_python_not_curl() -> None:
    (check,) = _instructions("HEALTHCHECK")
    assert "curl" not in check
    assert "wget" not in check
    assert '"python"' in check
    assert "/health" in check


def test_dockerfile_runs_gunicorn_with_our_config_and_documents_migrations() -> None:
    (cmd,) = _instructions("CMD")
    assert cmd.startswith('["gunicorn", "-c", "/app/gunicorn.conf.py", "items_api:create_app()"]')
    assert "alembic -c alembic.ini upgrade head" in DOCKERFILE
    assert "BIND_HOST=0.0.0.0" in DOCKERFILE
    assert (APP_DIR / ".dockerignore").exists()


def _gunicorn_conf(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    for name in ("BIND_HOST", "PORT", "WEB_WORKERS", "WEB_THREADS", "GUNICORN_CONTROL_SOCKET"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(APP_DIR / "gunicorn.conf.py"))


def test_gunicorn_config_keeps_alive_past_the_balancer_and_has_no_shared_control_socket(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = _gunicorn_conf(monkeypatch)
    assert conf["keepalive"] > 60
    assert conf["graceful_timeout"] >= 10
    assert conf["control_socket_disable"] is True
    assert conf["bind"] == ["127.0.0.1:8000"]
    # gunicorn finds our worker by its dotted name, and it is gthread's kind (threads).
    worker = load_class(conf["worker_class"])
    assert issubclass(worker, ThreadWorker)


def test_gunicorn_config_reads_bind_workers_threads_and_socket_from_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    conf = _gunicorn_conf(
        monkeypatch,
        BIND_HOST="0.0.0.0",  # noqa: S104 - the container setting under test
        PORT="9001",
        WEB_WORKERS="3",
        WEB_THREADS="2",
        GUNICORN_CONTROL_SOCKET="/run/blue.ctl",
    )
    assert conf["bind"] == ["0.0.0.0:9001"]
    assert (conf["workers"], conf["threads"]) == (3, 2)
    assert conf["control_socket"] == "/run/blue.ctl"
    assert "control_socket_disable" not in conf


def test_gunicorn_config_rejects_a_bad_worker_count(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit, match="WEB_WORKERS must be an integer"):
        _gunicorn_conf(monkeypatch, WEB_WORKERS="many")


REVISIONS = sorted((APP_DIR / "migrations" / "versions").glob("*.py"))


@pytest.mark.parametrize("path", REVISIONS, ids=[p.name for p in REVISIONS])
def test_every_revision_declares_expand_or_contract(path: Path) -> None:
    assert re.fullmatch(r"[0-9a-z]+_[0-9a-z_]+\.py", path.name)
    tree = ast.parse(path.read_text())
    values = {
        node.targets[0].id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    change = values["bluegreen_change"]
    assert isinstance(change, ast.Constant)
    assert change.value in {"expand", "contract"}


def test_migrations_upgrade_downgrade_upgrade(database_factory: DatabaseFactory) -> None:
    url = database_factory()
    migrate(url)
    engine = create_engine(url)
    assert {"items", "idempotency_keys", "alembic_version"} <= set(
        inspect(engine).get_table_names()
    )
    migrate(url, "base", "downgrade")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(url)
    engine.dispose()


def test_first_revision_is_importable() -> None:
    spec = importlib.util.spec_from_file_location("rev0001", REVISIONS[0])
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.bluegreen_change == "expand"
