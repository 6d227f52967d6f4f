"""Items API: the reference service that bluegreen deploys.

Run it with ``gunicorn -c gunicorn.conf.py "items_api:create_app()"`` and migrate with
``alembic -c alembic.ini upgrade head``; both read the same environment (see config.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from items_api.factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    """`create_app`, imported on first use (PEP 562).

    The migration's env.py imports `items_api.config` and `items_api.models`, which runs this
    package first: importing the factory here would load Flask, APIFlask and marshmallow
    (about half of Alembic's start-up) into every `alembic upgrade` for nothing.
    """
    if name == "create_app":
        from items_api.factory import create_app  # noqa: PLC0415 - the point: on first use

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
