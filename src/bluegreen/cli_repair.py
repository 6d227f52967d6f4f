"""The commands that repair what an interrupted or crashed run left: `reconcile` (one healthy
live colour, recorded) and `unlock` (a lock left behind). `cli` registers them."""

from __future__ import annotations

from pathlib import Path

import click

from bluegreen import operations
from bluegreen.cli_support import common_options, load
from bluegreen.console import RichProgress
from bluegreen.output import err_console
from bluegreen.request import RollbackRequest


@click.command()
@common_options
def reconcile(*, target: str | None, config_path: Path | None) -> None:
    """One healthy live colour, recorded where Terraform reads it.

    Restarts what died (locally), recovers an interrupted deployment, starts the last live
    release when no colour is healthy, and writes the live colour the load balancer shows
    when the recorded one (AWS: the SSM parameter) disagrees. Says what it did.
    """
    settings = load(target, config_path)
    restored = operations.restore(
        operations.provider_for(settings),
        RollbackRequest.from_settings(settings, reason="reconcile"),
        RichProgress(err_console),
        operation="reconcile",
    )
    for line in restored.actions:
        err_console.print(f"reconcile: {line}", highlight=False)
    if not restored.actions:
        err_console.print("reconcile: one healthy live colour, recorded (nothing changed)")


@click.command()
@common_options
@click.option("--force", is_flag=True, help="Also break a lock whose holder looks alive.")
def unlock(*, target: str | None, config_path: Path | None, force: bool) -> None:
    """Clear a deploy lock left behind (prefer `rollback`, which also restores traffic)."""
    settings = load(target, config_path)
    holder = operations.unlock(operations.provider_for(settings), force=force)
    if holder is None:
        err_console.print("the lock is free")
        return
    err_console.print(f"lock of {holder.deployment_id} cleared")


REPAIR_COMMANDS = (reconcile, unlock)
