"""`unlock`: clear a deploy lock left behind, with the policy that keeps a live one safe."""

from __future__ import annotations

from bluegreen.errors import ConfigError
from bluegreen.provider import Provider
from bluegreen.state import LockInfo


def unlock(provider: Provider, *, force: bool = False) -> LockInfo | None:
    """Break the lock and return whose it was; None when it was free.

    A holder that still looks alive keeps its lock unless `force` (the operator knows better,
    e.g. a CI runner that vanished on another machine).
    """
    holder = provider.state.lock_holder()
    if holder is None:
        return None
    if provider.state.holder_alive(holder) and not force:
        raise ConfigError(
            f"deployment {holder.deployment_id} is still running (pid {holder.pid} on "
            f"{holder.host})",
            hint="wait for it, or pass --force if you know it is gone",
        )
    provider.state.break_lock(holder.deployment_id)
    return holder
