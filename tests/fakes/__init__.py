"""Fake releases for the local platform: tiny WSGI apps run by gunicorn, one misbehaviour each.

Every fake is started by `command(app)`, which gives the argv of a local release::

    .venv/bin/gunicorn -c tests/fakes/gunicorn_conf.py --chdir <repo> tests.fakes.<app>:app

The config binds 127.0.0.1:$PORT (gunicorn alone would bind 0.0.0.0 when PORT is set), with
one gthread worker of 8 threads and gunicorn's default 2 s keep-alive (the trap the load
balancer must tolerate). Environment knobs (pass them as the release's env):

* ``FAKE_KEEPALIVE``: keep-alive seconds (default 2);
* ``FAKE_BIND_OFFSET``: bind PORT + offset instead of PORT (the ``wrong port`` release);
* ``FAKE_ERROR_RATE``: fraction of non-health requests answered 500 by ``flaky`` (default 0.2).

The apps (``tests.fakes.<module>:app``):

* ``ok``: healthy; ``GET /`` answers ``{"version", "color", "pid"}``, ``/slow?ms=N`` sleeps;
* ``unhealthy``: serves ``/`` but ``/health`` always answers 503;
* ``crash``: exits with code 3 while importing (gunicorn then exits: "worker failed to boot");
* ``hang``: sleeps for an hour while importing (never serves, never exits quickly);
* ``flaky``: healthy, but ``FAKE_ERROR_RATE`` of other requests get 500;
* ``broken``: ``/health`` passes, every other answer is 500 (the broken-writes release);
* wrong port: ``ok`` with ``FAKE_BIND_OFFSET=1000`` in the env (see `WRONG_PORT_ENV`).

By hand: ``PORT=8123 APP_VERSION=1 DEPLOYMENT_COLOR=blue .venv/bin/gunicorn -c
tests/fakes/gunicorn_conf.py tests.fakes.ok:app`` (from the repository root).
"""

from __future__ import annotations

from pathlib import Path

FAKES_DIR = Path(__file__).resolve().parent
REPO = FAKES_DIR.parent.parent
GUNICORN = REPO / ".venv" / "bin" / "gunicorn"
WRONG_PORT_ENV = {"FAKE_BIND_OFFSET": "1000"}


def command(app: str, *extra: str) -> tuple[str, ...]:
    """The argv of a release running fake `app` (``ok``, ``crash``…) under gunicorn."""
    return (
        str(GUNICORN),
        "-c",
        str(FAKES_DIR / "gunicorn_conf.py"),
        "--chdir",
        str(REPO),
        *extra,
        f"tests.fakes.{app}:app",
    )
