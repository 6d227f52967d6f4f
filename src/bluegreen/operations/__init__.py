"""What each command does, above the procedure and below the CLI.

One module per concern: `deploy` (and its dry run), `rollback`, `inspect` (status, promote,
history), `platforms` (which provider, `up`, `down`), `releases` (what the release flags
mean), `probing` (the probe around an operation and its cutover summary), `admin` (unlock).
The CLI only parses flags, calls one of these and prints what it returns.
"""

from bluegreen.operations.admin import unlock
from bluegreen.operations.deploy import DryRunResult, deploy, deploy_dry_run
from bluegreen.operations.inspect import history, promote, status
from bluegreen.operations.platforms import down, provider_for, up
from bluegreen.operations.restoring import restore
from bluegreen.operations.rollback import previous_release, rollback
from bluegreen.operations.watching import watch

__all__ = [
    "DryRunResult",
    "deploy",
    "deploy_dry_run",
    "down",
    "history",
    "previous_release",
    "promote",
    "provider_for",
    "restore",
    "rollback",
    "status",
    "unlock",
    "up",
    "watch",
]
