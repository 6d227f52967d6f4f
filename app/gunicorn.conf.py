"""gunicorn settings for the items API: `gunicorn -c gunicorn.conf.py "items_api:create_app()"`.

Environment: PORT (default 8000), BIND_HOST (default 127.0.0.1; 0.0.0.0 in the container),
WEB_WORKERS (default 2), WEB_THREADS (default 2), GRACEFUL_TIMEOUT (default 30 s),
GUNICORN_CONTROL_SOCKET (unset: no control socket).
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from typing import Any


def _int_env(name: str, default: int, low: int, high: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        sys.exit(f"gunicorn.conf.py: {name} must be an integer, got {raw!r}")
    if not low <= value <= high:
        sys.exit(f"gunicorn.conf.py: {name} must be between {low} and {high}, got {value}")
    return value


bind = [f"{os.environ.get('BIND_HOST', '127.0.0.1')}:{_int_env('PORT', 8000, 1, 65535)}"]
# Each worker listens on a socket of its own (SO_REUSEPORT) and the kernel spreads new
# connections over them. On one shared socket epoll wakes the last waiter first, so one worker
# took most of wrk's kept-alive connections (seen with `ss -tnp`) and served them on one core
# while the other idled. `on_starting` below keeps a busy port an error.
reuse_port = True
workers = _int_env("WEB_WORKERS", 2, 1, 64)
# Threads overlap database waits, and unlike sync workers they keep connections alive, so
# a load balancer reuses them instead of opening one per request. Our worker is gthread's
# request handling, served by whichever thread sees a request arrive: gthread's hand-off of
# every request between two threads cost more CPU than our app adds (see
# items_api/worker.py). Two threads per worker: on 2 cores with a nearby database, 4 served
# fewer requests per second (each extra thread adds context switches, measured with
# bench/bench_app.py); raise WEB_THREADS when the database is far enough that requests
# mostly wait, or when slow requests are common.
worker_class = "items_api.worker.ThreadLoopWorker"
threads = _int_env("WEB_THREADS", 2, 1, 64)

# Keep idle connections longer than any load balancer in front of us (ALB and our HAProxy:
# 60 s). If we closed first, the balancer could send a request on a connection we are
# closing, and that request would fail at every traffic switch.
keepalive = 75
# Worker silent this long is killed and replaced (a hung request, not a slow one).
timeout = 30
# SIGTERM: stop accepting, let in-flight requests finish for up to this long, then exit.
graceful_timeout = _int_env("GRACEFUL_TIMEOUT", 30, 1, 600)

# Load the app once in the master: configuration errors stop start-up at once, with one
# message, and the SSM password is read once. Connections are opened after fork only.
preload_app = True

# gunicorn >= 25.1 opens a control socket at a fixed per-user path by default, which two
# instances on one machine (blue and green) would share. One per instance, or none.
_control = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
if _control:
    control_socket = _control
else:
    control_socket_disable = True

accesslog = None  # the app logs one JSON access line per request
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = f"items-api-{os.environ.get('DEPLOYMENT_COLOR', 'local')}"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server: Any) -> None:
    """Fail at once when something already listens on our port.

    With reuse_port the workers bind, each with SO_REUSEPORT, and a second instance of this
    service on the same port would silently share its connections. A bind without that flag
    fails on any listener, ours or not, so a busy port stops the start with one clear line.
    """
    for address in server.cfg.address:
        if not isinstance(address, tuple):
            continue  # a unix socket path: not used by this service
        host, port = address[0], address[1]
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                sys.exit(
                    f"gunicorn.conf.py: cannot listen on {host}:{port}: {exc.strerror}; "
                    "another process (another instance of this service?) listens there"
                )


def when_ready(server: Any) -> None:
    """Serve / and /health once in the master, before it forks the workers.

    A worker's first request builds what Flask and werkzeug build lazily (the URL matcher,
    compiled patterns, imported codecs); done here once, every worker inherits it, and the
    first answers of a new colour after a switch come sooner (bench/bench_deploy.py's
    cutover). Neither route touches the database. Logged with request id ``warm-up``.
    """
    from werkzeug.test import EnvironBuilder  # noqa: PLC0415 - only the master needs it

    app = server.app.wsgi()  # the preloaded app (preload_app)
    for path in ("/", "/health"):
        environ = EnvironBuilder(path=path, headers=[("X-Request-ID", "warm-up")]).get_environ()
        body = app(environ, lambda *_args: None)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()


def post_fork(server: Any, worker: Any) -> None:
    """Give each worker its own connections: drop any pool inherited from the master."""
    app = getattr(worker, "app", None)
    wsgi = app.callable if app is not None and hasattr(app, "callable") else None
    extensions = getattr(wsgi, "extensions", {})
    database = extensions.get("items_api.db")
    if database is not None:
        database.engine.dispose(close=False)


def post_worker_init(worker: Any) -> None:
    """On SIGTERM, turn /ready to 503 before gunicorn starts its graceful stop."""
    from items_api.lifecycle import begin_shutdown  # noqa: PLC0415 - imported in the worker

    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum: int, frame: Any) -> None:
        begin_shutdown()
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, on_term)
    signal.siginterrupt(signal.SIGTERM, False)
