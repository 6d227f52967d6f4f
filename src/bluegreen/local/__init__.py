"""Local platform pieces: the processes the local provider and the test fixtures run."""

from bluegreen.local.postgres import PostgresError, PostgresServer

__all__ = ["PostgresError", "PostgresServer"]
