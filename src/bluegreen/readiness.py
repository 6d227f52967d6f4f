"""The live colour's readiness after a migration: one GET of its readiness path.

A migration that the live colour's code cannot serve on shows here before any traffic moves
(`steps.Migrate`, `approval`).
"""

from __future__ import annotations

from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit


def live_readiness_problem(base_url: str, path: str = "/ready") -> str | None:
    """Why the colour at `base_url` is not ready (None when it is, or has no such endpoint).

    One GET with the standard library (certificates checked against the system's store):
    httpx's import and client cost about 0.3 s of CPU, most of this step, which every deploy
    with a migration takes (docs/lead-time.md).
    """
    url = urlsplit(base_url.rstrip("/") + path)
    kind = HTTPSConnection if url.scheme == "https" else HTTPConnection
    connection = kind(url.hostname or "", url.port, timeout=5.0)
    try:
        connection.request("GET", url.path or "/")
        response = connection.getresponse()
        status, body = response.status, response.read(4096)
    except (OSError, HTTPException) as exc:
        return f"{path} unreachable: {exc.__class__.__name__}"
    finally:
        connection.close()
    if status >= 500:
        return f"{path} answered {status}: {body.decode(errors='replace').strip()[:200]}"
    return None
