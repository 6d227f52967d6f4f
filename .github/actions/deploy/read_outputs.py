"""Write an environment's Terraform outputs, read from its state in S3, as `terraform output -json`.

Run with the read-only outputs role (`<name>-outputs-reader`: s3:GetObject on the state object
and kms:Decrypt, nothing else), so a deploy job always sees the outputs of the last apply and
no one pastes them into a variable that goes stale. It reads the state object the S3 backend
writes and keeps only its `outputs` section: no `terraform init`, no provider download, no lock
taken. Sensitive outputs are left out (the controller needs none).

    python read_outputs.py --bucket B --key bluegreen/prod/terraform.tfstate --region R --out F

Exit codes as bluegreen's: 0 written, 2 no such state or not a state (nothing to deploy to
yet), 4 AWS refused or failed (credentials, permissions, network).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "404"}


class OutputsError(Exception):
    """Reading the outputs failed; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def outputs_from_state(state: Any, where: str) -> dict[str, dict[str, Any]]:
    """The `outputs` of a Terraform state document in `terraform output -json`'s shape."""
    if not isinstance(state, dict) or not isinstance(state.get("outputs"), dict):
        raise OutputsError(f"{where} is not a Terraform state (no `outputs` object)", 2)
    result: dict[str, dict[str, Any]] = {}
    for name, entry in sorted(state["outputs"].items()):
        if not isinstance(entry, dict) or "value" not in entry or entry.get("sensitive"):
            continue
        result[name] = {"sensitive": False, "type": entry.get("type"), "value": entry["value"]}
    if not result:
        raise OutputsError(
            f"{where} has no outputs: run terraform apply for this environment first", 2
        )
    return result


def read_state(bucket: str, key: str, region: str) -> Any:
    """The state document at s3://bucket/key."""
    where = f"s3://{bucket}/{key}"
    client = boto3.client("s3", region_name=region)
    try:
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in NOT_FOUND:
            raise OutputsError(
                f"no Terraform state at {where}: check the state bucket and key, "
                "or run terraform apply for this environment first",
                2,
            ) from exc
        raise OutputsError(
            f"reading {where} failed: {code}: {exc}. The outputs-reader role needs "
            "s3:GetObject on the state object (and kms:Decrypt if the bucket uses KMS)",
            4,
        ) from exc
    except BotoCoreError as exc:
        raise OutputsError(f"reading {where} failed: {exc}", 4) from exc
    try:
        return json.loads(body)
    except ValueError as exc:
        raise OutputsError(f"{where} is not JSON: {exc}", 2) from exc


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, read the state, write the outputs; return the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bucket", required=True, help="S3 bucket of the Terraform state")
    parser.add_argument("--key", required=True, help="state object key")
    parser.add_argument("--region", required=True, help="region of the state bucket")
    parser.add_argument("--out", required=True, type=Path, help="file to write")
    args = parser.parse_args(argv)
    where = f"s3://{args.bucket}/{args.key}"
    try:
        outputs = outputs_from_state(read_state(args.bucket, args.key, args.region), where)
    except OutputsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    args.out.write_text(json.dumps(outputs, indent=2) + "\n", encoding="utf-8")
    print(f"read {len(outputs)} Terraform outputs from {where}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
