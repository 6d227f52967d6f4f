"""Settings: errors name the setting, passwords never show, SSM is read once."""

from __future__ import annotations

import boto3
import pytest
from items_api.config import ConfigError, load_settings
from moto import mock_aws

BASE = {"db_host": "db.internal", "db_name": "items", "db_user": "app"}


def test_database_url_is_normalised_to_psycopg() -> None:
    settings = load_settings(database_url="postgres://u:p@h:5433/d")
    assert settings.sqlalchemy_url.drivername == "postgresql+psycopg"
    assert settings.sqlalchemy_url.port == 5433


def test_missing_database_settings_name_what_to_set() -> None:
    with pytest.raises(ConfigError, match="set DATABASE_URL, or DB_HOST, DB_NAME and DB_USER"):
        load_settings(db_host="h")


def test_missing_password_names_both_sources() -> None:
    with pytest.raises(ConfigError, match="DB_PASSWORD or DB_PASSWORD_SSM_PARAM"):
        load_settings(**BASE)


@pytest.mark.parametrize(
    ("override", "name"),
    [
        ({"db_port": "70000"}, "DB_PORT"),
        ({"deployment_color": "Blue!"}, "DEPLOYMENT_COLOR"),
        ({"database_url": "mysql://u:hunter2@h/d"}, "DATABASE_URL"),
        ({"log_level": "LOUD"}, "LOG_LEVEL"),
    ],
)
def test_invalid_setting_is_named_and_password_not_shown(
    override: dict[str, str], name: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(**{**BASE, "db_password": "hunter2", **override})
    assert name in str(info.value)
    assert "hunter2" not in str(info.value)


def test_password_never_appears_in_repr() -> None:
    settings = load_settings(**BASE, db_password="hunter2")
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in repr(settings.sqlalchemy_url)


def test_ssm_param_requires_region() -> None:
    with pytest.raises(ConfigError, match="AWS_REGION"):
        load_settings(**BASE, db_password_ssm_param="/p")


@mock_aws
def test_password_is_read_from_ssm_securestring(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    boto3.client("ssm", region_name="eu-west-1").put_parameter(
        Name="/items/db/password", Value="from-ssm", Type="SecureString"
    )
    settings = load_settings(
        **BASE, db_password_ssm_param="/items/db/password", aws_region="eu-west-1"
    )
    assert settings.sqlalchemy_url.password == "from-ssm"


@mock_aws
def test_unreadable_ssm_param_stops_start_up_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with pytest.raises(ConfigError, match=r"DB_PASSWORD_SSM_PARAM.*ParameterNotFound"):
        load_settings(**BASE, db_password_ssm_param="/missing", aws_region="eu-west-1")
