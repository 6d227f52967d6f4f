"""Process lifecycle: the shutdown flag, and what each serving thread does once it is idle."""

import threading
from collections.abc import Callable

_shutting_down = threading.Event()
_thread_idle_hooks: dict[str, Callable[[], None]] = {}


def begin_shutdown() -> None:
    """Mark this process as shutting down: /ready answers 503 from now on."""
    _shutting_down.set()


def is_shutting_down() -> bool:
    """True once shutdown has begun."""
    return _shutting_down.is_set()


def on_serving_thread_idle(name: str, hook: Callable[[], None]) -> None:
    """Run ``hook`` in each serving thread the first time it is idle (items_api.worker does).

    One app per process: a later hook of the same ``name`` replaces the earlier one.
    """
    _thread_idle_hooks[name] = hook


def serving_thread_idle() -> None:
    """Run the hooks; the calling serving thread has nothing to serve for the first time."""
    for hook in list(_thread_idle_hooks.values()):
        hook()
