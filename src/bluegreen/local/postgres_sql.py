"""What the local PostgreSQL server is sent: administration SQL and its settings file, built
as text from checked names and quoted values (pure; `postgres.PostgresServer` runs them)."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresError(RuntimeError):
    """PostgreSQL could not be set up, started, stopped or administered."""


def _literal(value: str) -> str:
    """Quote ``value`` as an SQL string literal (standard_conforming_strings is on)."""
    if "\x00" in value:
        raise PostgresError("a PostgreSQL string cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str, what: str) -> str:
    """Check ``name`` is a plain identifier and return it double-quoted."""
    if not _NAME.fullmatch(name):
        raise PostgresError(
            f"invalid {what} {name!r}: use letters, digits and underscores, "
            "starting with a letter or underscore, at most 63 characters"
        )
    return f'"{name}"'


def role_and_database_sql(*, user: str, password: str, database: str) -> str:
    """psql input that creates (or sets the password of) a login role and its own database."""
    role = _identifier(user, "role name")
    db = _identifier(database, "database name")
    name_lit = _literal(user)
    db_lit = _literal(database)
    pw_lit = _literal(password)
    return (
        f"SELECT 'CREATE ROLE {role} LOGIN' "  # noqa: S608 - checked names, quoted values
        f"WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name_lit}) \\gexec\n"
        f"ALTER ROLE {role} WITH LOGIN PASSWORD {pw_lit};\n"
        f"SELECT 'CREATE DATABASE {db} OWNER {role}' "
        f"WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = {db_lit}) \\gexec\n"
    )


def drop_database_sql(database: str) -> str:
    """SQL that drops ``database`` if it exists, disconnecting its sessions."""
    db = _identifier(database, "database name")
    return f"DROP DATABASE IF EXISTS {db} WITH (FORCE);\n"


def conf_settings(*, host: str, port: int, socket_dir: str) -> str:
    """Our settings file (included by postgresql.conf): TCP on `host` only, SCRAM passwords,
    the admin socket in `socket_dir`."""
    settings = {
        "listen_addresses": host,
        "port": str(port),
        "unix_socket_directories": socket_dir,
        "unix_socket_permissions": "0700",
        "password_encryption": "scram-sha-256",
        "log_line_prefix": "%m [%p] %q%u@%d ",
    }
    text = "# Written by bluegreen.local.postgres on every start; edits are replaced.\n"
    return text + "".join(f"{key} = {_literal(value)}\n" for key, value in settings.items())
