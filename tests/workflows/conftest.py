"""Fixtures for the deploy Action's tests: moto_server and its stacks (tests/aws's, by name), the
stack with its Terraform state object in moto's S3, an endpoint nothing listens on, bare outputs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws_stack import REGION, MotoServer, make_session

from ..aws.conftest import moto_server, quick_server_stack, server_stack
from ..aws.e2e_support import app_endpoint
from ..conftest import free_port
from .action_support import BUCKET, KEY

__all__ = ["moto_server", "quick_server_stack", "server_stack"]  # tests/aws fixtures, by name


@pytest.fixture
def stack(quick_server_stack: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The quick server stack, its app URL a local stand-in, its state object in moto's S3."""
    with app_endpoint() as url:
        outputs = {**quick_server_stack, "app_url": url}
        state = {
            "version": 4,
            "terraform_version": "1.11.4",
            "outputs": {
                **{
                    name: {"value": value, "type": "string" if isinstance(value, str) else "tuple"}
                    for name, value in outputs.items()
                },
                "database_password_arn": {
                    "value": "arn:secret",
                    "type": "string",
                    "sensitive": True,
                },
            },
            "resources": [],
        }
        s3 = make_session().client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_object(Bucket=BUCKET, Key=KEY, Body=json.dumps(state).encode())
        yield outputs


@pytest.fixture
def unreachable() -> MotoServer:
    """An AWS endpoint nothing listens on: a script that called AWS would exit 4, not 2."""
    return MotoServer(f"http://127.0.0.1:{free_port()}")


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    """Terraform outputs that name a region and no stack."""
    path = tmp_path / "outputs.json"
    path.write_text('{"aws_region": {"value": "eu-west-1"}}', encoding="utf-8")
    return path
