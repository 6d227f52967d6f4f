"""Settings from the environment, checked once at start-up.

Either ``DATABASE_URL`` or ``DB_HOST``/``DB_NAME``/``DB_USER`` (+ ``DB_PORT``) with the password
from ``DB_PASSWORD`` (local use) or the SSM SecureString named by ``DB_PASSWORD_SSM_PARAM``
(read once, region from ``AWS_REGION``). Errors name the setting and never show a password.
"""

from __future__ import annotations

import re
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["ConfigError", "Settings", "load_settings"]

_DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parents[2] / "migrations"


def _package_version() -> str:
    try:
        return version("items-api")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "0.0.0"


class ConfigError(Exception):
    """A setting is missing or invalid; the message names it and what to do."""


class Settings(BaseSettings):
    """Every setting the service reads, by its environment variable name."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    service_name: str = Field(default="items-api", min_length=1, max_length=64)
    app_version: str = Field(default_factory=_package_version, min_length=1, max_length=64)
    deployment_color: str = Field(default="local", pattern=r"^[a-z][a-z0-9-]{0,31}$")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    database_url: SecretStr | None = None
    db_host: str | None = None
    db_port: Annotated[int, Field(ge=1, le=65535)] = 5432
    db_name: str | None = None
    db_user: str | None = None
    db_password: SecretStr | None = None
    db_password_ssm_param: str | None = None
    aws_region: str | None = None

    db_pool_size: Annotated[int, Field(ge=1, le=100)] = 5
    db_max_overflow: Annotated[int, Field(ge=0, le=100)] = 5
    db_pool_timeout_s: Annotated[float, Field(gt=0, le=60)] = 5.0
    db_connect_timeout_s: Annotated[int, Field(ge=1, le=60)] = 3
    db_statement_timeout_ms: Annotated[int, Field(ge=0)] = 10_000

    migrations_dir: Path = _DEFAULT_MIGRATIONS_DIR

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        raw = value.get_secret_value()
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme not in {"postgres", "postgresql", "postgresql+psycopg"}:
            raise ValueError(
                "must start with postgresql:// (or postgresql+psycopg://), "
                f"got scheme {scheme or '(none)'!r}"
            )
        try:
            url = make_url(re.sub(r"^postgres(ql)?://", "postgresql+psycopg://", raw))
        except ArgumentError:
            raise ValueError("is not a valid URL") from None
        if not url.host or not url.database:
            raise ValueError("must name a host and a database")
        return SecretStr(url.render_as_string(hide_password=False))

    @model_validator(mode="after")
    def _check_database_settings(self) -> Settings:
        if self.database_url is not None:
            return self
        missing = [
            name
            for name, value in (
                ("DB_HOST", self.db_host),
                ("DB_NAME", self.db_name),
                ("DB_USER", self.db_user),
            )
            if not value
        ]
        if missing:
            raise ValueError(
                f"set DATABASE_URL, or DB_HOST, DB_NAME and DB_USER (missing: {', '.join(missing)})"
            )
        if self.db_password is None and not self.db_password_ssm_param:
            raise ValueError("set DB_PASSWORD or DB_PASSWORD_SSM_PARAM (neither is set)")
        if self.db_password_ssm_param and not self.aws_region:
            raise ValueError("AWS_REGION is required with DB_PASSWORD_SSM_PARAM")
        return self

    @cached_property
    def sqlalchemy_url(self) -> URL:
        """The database URL; the SSM parameter, if any, is read here, once."""
        if self.database_url is not None:
            return make_url(self.database_url.get_secret_value())
        password = (
            self.db_password.get_secret_value()
            if self.db_password is not None
            else _read_ssm_password(str(self.db_password_ssm_param), str(self.aws_region))
        )
        return URL.create(
            "postgresql+psycopg",
            username=self.db_user,
            password=password,
            host=self.db_host,
            port=self.db_port,
            database=self.db_name,
        )


def _read_ssm_password(name: str, region: str) -> str:
    import boto3  # noqa: PLC0415 - only deployments on AWS pay for importing boto3
    from botocore.exceptions import BotoCoreError, ClientError  # noqa: PLC0415

    try:
        client = boto3.client("ssm", region_name=region)
        response = client.get_parameter(Name=name, WithDecryption=True)
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "error")
        raise ConfigError(
            f"DB_PASSWORD_SSM_PARAM: could not read SSM parameter {name!r} in {region}: {code}"
        ) from None
    except BotoCoreError as exc:
        raise ConfigError(
            f"DB_PASSWORD_SSM_PARAM: could not read SSM parameter {name!r} in {region}: "
            f"{type(exc).__name__}"
        ) from None
    value = response.get("Parameter", {}).get("Value")
    if not value:
        raise ConfigError(f"DB_PASSWORD_SSM_PARAM: SSM parameter {name!r} is empty")
    return value


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in item["loc"]).upper()
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{field}: {message}" if field else message)
    return "; ".join(lines)


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; raise ConfigError naming each bad one."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates them
    except ValidationError as exc:
        raise ConfigError(f"invalid configuration: {_describe(exc)}") from None
    _ = settings.sqlalchemy_url  # fail now, not at the first request, if SSM is unreadable
    if not (settings.migrations_dir / "versions").is_dir():
        raise ConfigError(
            f"MIGRATIONS_DIR: {settings.migrations_dir} has no versions/ directory; "
            "point MIGRATIONS_DIR at the service's migrations/ directory"
        )
    return settings
