"""Local platform pieces: the processes the local provider and the test fixtures run."""

from bluegreen.local.postgres import PostgresServer
from bluegreen.local.postgres_sql import PostgresError

__all__ = ["PostgresError", "PostgresServer"]
