"""Process lifecycle: a flag the gunicorn config raises when shutdown begins (SIGTERM)."""

import threading

_shutting_down = threading.Event()


def begin_shutdown() -> None:
    """Mark this process as shutting down: /ready answers 503 from now on."""
    _shutting_down.set()


def is_shutting_down() -> bool:
    """True once shutdown has begun."""
    return _shutting_down.is_set()
