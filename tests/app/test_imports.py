"""What the migration loads: its env.py imports the settings and the models, not the web app.

Every deploy with a pending revision starts Alembic, whose start-up is part of the deploy's
lead time (docs/lead-time.md); Flask, APIFlask and marshmallow are only the factory's.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

WEB_STACK = ("flask", "apiflask", "marshmallow", "flask_marshmallow")


def loaded_after(code: str) -> set[str]:
    """The modules of WEB_STACK that running `code` loads, in a fresh interpreter."""
    script = (
        "import json, sys\n"
        f"{code}\n"
        f"print(json.dumps([m for m in {list(WEB_STACK)!r} if m in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_the_migration_environments_imports_load_no_web_framework() -> None:
    assert loaded_after("import items_api.config, items_api.models") == set()


def test_create_app_is_still_the_packages_attribute_gunicorn_finds() -> None:
    # gunicorn's "items_api:create_app()" is getattr(items_api, "create_app")
    code = (
        "import items_api\n"
        "factory = getattr(items_api, 'create_app')\n"
        "assert factory.__module__ == 'items_api.factory', factory.__module__"
    )
    assert loaded_after(code) >= {"flask", "apiflask"}


def test_an_unknown_name_of_the_package_is_an_attribute_error() -> None:
    import items_api  # noqa: PLC0415 - the package itself, as gunicorn imports it

    with pytest.raises(AttributeError, match="module 'items_api' has no attribute 'create_ap'"):
        items_api.create_ap  # noqa: B018 - the lookup is the test
