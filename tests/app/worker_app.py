"""The WSGI app tests/app/test_worker.py serves with items_api's gunicorn worker.

Every answer names the serving process and the client's port. ``/hold?<path>`` answers only
once the file ``<path>`` exists (30 s at most), so a test decides when a request finishes;
``/exit`` raises SystemExit, as ``sys.exit()`` in a view would.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    """Answer 200 with a JSON body; /hold first waits for its release file."""
    path, query = environ["PATH_INFO"], environ.get("QUERY_STRING", "")
    if path == "/exit":
        raise SystemExit(3)  # what sys.exit() in a view does
    if path == "/hold":
        deadline = time.monotonic() + 30
        while not Path(query).exists() and time.monotonic() < deadline:
            time.sleep(0.01)
    body = json.dumps(
        {"pid": os.getpid(), "port": environ["REMOTE_PORT"], "path": path, "query": query}
    ).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
