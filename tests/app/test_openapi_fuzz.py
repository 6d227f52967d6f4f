"""Schemathesis against /openapi.json: generated requests never get a 5xx or an off-spec reply."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from items_api import create_app
from items_api.config import load_settings
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from tests.app.conftest import migrate
from tests.conftest import DatabaseFactory


@pytest.fixture(scope="module")
def fuzz_app(database_factory: DatabaseFactory) -> Any:
    url = database_factory()
    migrate(url)
    return create_app(load_settings(database_url=url))


def test_api_never_answers_5xx_and_stays_within_its_spec(fuzz_app: Any) -> None:
    schema = schemathesis.openapi.from_wsgi("/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]  # an Err fails the test, as it should
    assert len(operations) == 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: Any) -> None:
            response = case.call()
            assert response.status_code < 500, (case.method, case.path, response.text)
            case.validate_response(
                response, checks=[response_schema_conformance, status_code_conformance]
            )

        check()
