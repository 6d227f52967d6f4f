"""`DynamoStateStore`: the deploy lock, the journal and the history in one DynamoDB table.

Table: partition key `pk` (S), sort key `sk` (S). Items:

- the lock: pk `LOCK`, sk `LOCK`; PutItem if `attribute_not_exists(pk)`; renew, release and
  break are conditional on `deployment_id`;
- a journal event: pk `DEPLOYMENT#<id>`, sk `EVENT#<seq, 10 digits>`; PutItem if
  `attribute_not_exists(sk)` (append-only);
- a history record: pk `HISTORY`, sk `<id>` (ids sort by time); PutItem (rewritten as the
  deployment completes).

The lock's lease is `expires_at` (epoch seconds), also the table's TTL attribute: a holder that
stops renewing is "not alive" once it passes (`holder_alive`), and DynamoDB removes the item
some time later. Until then `acquire_lock` refuses and names the holder, so a dead holder is
reported, never silently replaced; after TTL removal the dead deployment's journal still tells
`status` it was interrupted. JournalEntry data and records are stored as JSON strings (`data`,
`record`) so floats and nested values round-trip exactly (DynamoDB numbers would be Decimals).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from bluegreen.aws.retry import AwsCaller
from bluegreen.clock import Clock, SystemClock
from bluegreen.errors import LockError, PlatformError
from bluegreen.records import DeploymentRecord
from bluegreen.state import JournalEntry, LockInfo

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

LOCK_KEY = {"pk": {"S": "LOCK"}, "sk": {"S": "LOCK"}}
HISTORY_PK = "HISTORY"
TTL_ATTRIBUTE = "expires_at"


def _deployment_pk(deployment_id: str) -> str:
    return f"DEPLOYMENT#{deployment_id}"


def _event_sk(seq: int) -> str:
    return f"EVENT#{seq:010d}"


def _condition_failed(exc: BaseException) -> bool:
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    return (
        isinstance(cause, ClientError)
        and cause.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
    )


def lock_item(info: LockInfo) -> dict[str, Any]:
    """The lock as a DynamoDB item."""
    return {
        **LOCK_KEY,
        "deployment_id": {"S": info.deployment_id},
        "owner": {"S": info.owner},
        "operation": {"S": info.operation},
        "acquired_at": {"N": repr(info.acquired_at)},
        TTL_ATTRIBUTE: {"N": str(int(info.expires_at))},
        "expires_at_exact": {"N": repr(info.expires_at)},
        "host": {"S": info.host},
        "pid": {"N": str(info.pid)},
    }


def lock_from_item(item: Mapping[str, Any]) -> LockInfo:
    """Inverse of `lock_item`."""
    expires = item.get("expires_at_exact") or item[TTL_ATTRIBUTE]
    return LockInfo(
        deployment_id=item["deployment_id"]["S"],
        owner=item["owner"]["S"],
        operation=item["operation"]["S"],
        acquired_at=float(item["acquired_at"]["N"]),
        expires_at=float(expires["N"]),
        host=item.get("host", {}).get("S", ""),
        pid=int(item.get("pid", {}).get("N", "0")),
    )


def _same_lock(stored: LockInfo, ours: LockInfo) -> bool:
    """Whether the stored lock is the one we wrote: same deployment, owner, process, start."""
    return (stored.deployment_id, stored.owner, stored.host, stored.pid, stored.acquired_at) == (
        ours.deployment_id,
        ours.owner,
        ours.host,
        ours.pid,
        ours.acquired_at,
    )


class DynamoStateStore:
    """`bluegreen.state.StateStore` on a DynamoDB table (pk/sk strings, TTL on `expires_at`)."""

    def __init__(
        self,
        table: str,
        client: DynamoDBClient,
        *,
        caller: AwsCaller | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.table = table
        self._client = client
        self._call = caller or AwsCaller()
        self._clock: Clock = clock or SystemClock()

    @property
    def _where(self) -> str:
        return f"DynamoDB table {self.table}"

    def acquire_lock(self, info: LockInfo) -> None:
        """Take the lock; raise LockError naming the holder when it is held (even if expired)."""
        try:
            self._call(
                self._where,
                self._client.put_item,
                TableName=self.table,
                Item=lock_item(info),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except PlatformError as exc:
            if not _condition_failed(exc):
                raise
            holder = self.lock_holder()
            if holder is None:  # released between our write and our read: one more try
                self.acquire_lock(info)
                return
            if _same_lock(holder, info):
                # Our own write landed, and its answer was lost (a timeout the caller retried):
                # the lock is ours, not someone else's.
                return
            raise self._held_error(holder) from None

    def _held_error(self, holder: LockInfo) -> LockError:
        if self.holder_alive(holder):
            return LockError(
                f"deployment {holder.deployment_id} ({holder.operation}) by {holder.owner} "
                f"holds the deploy lock until {_utc(holder.expires_at)}",
                hint="wait for it to finish; `bluegreen status` shows its progress",
            )
        return LockError(
            f"deployment {holder.deployment_id} ({holder.operation}) by {holder.owner} left the "
            f"deploy lock behind: its lease expired at {_utc(holder.expires_at)}, so its "
            "controller is gone",
            hint="`bluegreen status` shows where it stopped; `bluegreen rollback` or a new "
            "`deploy` recovers once the lock is broken",
        )

    def renew_lock(self, deployment_id: str, expires_at: float) -> None:
        """Extend the lease of the lock we hold; LockError if it is no longer ours."""
        try:
            self._call(
                self._where,
                self._client.update_item,
                TableName=self.table,
                Key=LOCK_KEY,
                UpdateExpression="SET #ttl = :ttl, expires_at_exact = :exact",
                ConditionExpression="deployment_id = :id",
                ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                ExpressionAttributeValues={
                    ":ttl": {"N": str(int(expires_at))},
                    ":exact": {"N": repr(expires_at)},
                    ":id": {"S": deployment_id},
                },
            )
        except PlatformError as exc:
            if not _condition_failed(exc):
                raise
            raise LockError(
                f"deployment {deployment_id} no longer holds the deploy lock (its lease ran out "
                "and someone broke it)",
                hint="`bluegreen status` shows who holds it now",
            ) from None

    def hand_over(self, deployment_id: str, holder: LockInfo) -> None:
        """Rewrite our lock as `holder` (see `StateStore.hand_over`), only while it is ours."""
        try:
            self._call(
                self._where,
                self._client.put_item,
                TableName=self.table,
                Item=lock_item(holder),
                ConditionExpression="deployment_id = :id",
                ExpressionAttributeValues={":id": {"S": deployment_id}},
            )
        except PlatformError as exc:
            if not _condition_failed(exc):
                raise
            raise LockError(
                f"deployment {deployment_id} no longer holds the deploy lock",
                hint="`bluegreen status` shows who holds it now",
            ) from None

    def release_lock(self, deployment_id: str) -> None:
        """Give the lock back, only if `deployment_id` holds it."""
        self._delete_lock_of(deployment_id)

    def break_lock(self, deployment_id: str) -> None:
        """Remove a lock left by `deployment_id` (and only that one)."""
        self._delete_lock_of(deployment_id)

    def _delete_lock_of(self, deployment_id: str) -> None:
        try:
            self._call(
                self._where,
                self._client.delete_item,
                TableName=self.table,
                Key=LOCK_KEY,
                ConditionExpression="deployment_id = :id",
                ExpressionAttributeValues={":id": {"S": deployment_id}},
            )
        except PlatformError as exc:
            if not _condition_failed(exc):
                raise
            # Not ours (or already gone): leaving someone else's lock alone is the point.

    def lock_holder(self) -> LockInfo | None:
        """The current holder, if any (read consistently: a lock is no place for stale reads)."""
        response = self._call(
            self._where,
            self._client.get_item,
            TableName=self.table,
            Key=LOCK_KEY,
            ConsistentRead=True,
        )
        item = response.get("Item")
        return lock_from_item(item) if item else None

    def holder_alive(self, info: LockInfo) -> bool:
        """Whether the holder's lease is still running (a live controller renews it)."""
        return info.expires_at > self._clock.time()

    def append_event(self, event: JournalEntry) -> None:
        """Add to the journal of `event.deployment_id`; a repeated seq is refused."""
        try:
            self._call(
                self._where,
                self._client.put_item,
                TableName=self.table,
                Item={
                    "pk": {"S": _deployment_pk(event.deployment_id)},
                    "sk": {"S": _event_sk(event.seq)},
                    "step": {"S": event.step},
                    "at": {"N": repr(event.at)},
                    "event": {"S": json.dumps(event.to_dict(), sort_keys=True)},
                },
                ConditionExpression="attribute_not_exists(sk)",
            )
        except PlatformError as exc:
            if not _condition_failed(exc):
                raise
            raise PlatformError(
                f"journal of {event.deployment_id} already has event {event.seq}: the journal "
                "is append-only"
            ) from None

    def events(self, deployment_id: str) -> Sequence[JournalEntry]:
        """The journal of one deployment, in order."""
        items = self._query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={
                ":pk": {"S": _deployment_pk(deployment_id)},
                ":prefix": {"S": "EVENT#"},
            },
        )
        return [JournalEntry.from_dict(json.loads(item["event"]["S"])) for item in items]

    def save_record(self, record: DeploymentRecord) -> None:
        """Write (or rewrite) the history record of a deployment."""
        deployment_id = record.id
        self._call(
            self._where,
            self._client.put_item,
            TableName=self.table,
            Item={
                "pk": {"S": HISTORY_PK},
                "sk": {"S": deployment_id},
                "outcome": {"S": record.outcome.value},
                "record": {"S": json.dumps(record.to_dict(), sort_keys=True, default=str)},
            },
        )

    def history(self, limit: int = 50) -> Sequence[DeploymentRecord]:
        """History records, newest first."""
        items = self._query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": HISTORY_PK}},
            ScanIndexForward=False,
            limit=limit,
        )
        return [DeploymentRecord.from_dict(json.loads(item["record"]["S"])) for item in items]

    def load_record(self, deployment_id: str) -> DeploymentRecord | None:
        """One history record, or None."""
        response = self._call(
            self._where,
            self._client.get_item,
            TableName=self.table,
            Key={"pk": {"S": HISTORY_PK}, "sk": {"S": deployment_id}},
        )
        item = response.get("Item")
        return DeploymentRecord.from_dict(json.loads(item["record"]["S"])) if item else None

    def _query(self, *, limit: int | None = None, **params: Any) -> list[dict[str, Any]]:
        """All items of one query, following pages (up to `limit` items)."""
        items: list[dict[str, Any]] = []
        start: dict[str, Any] | None = None
        while limit is None or len(items) < limit:
            page_params = dict(params)
            if start is not None:
                page_params["ExclusiveStartKey"] = start
            if limit is not None:
                page_params["Limit"] = limit - len(items)
            response = self._call(
                self._where, self._client.query, TableName=self.table, **page_params
            )
            items.extend(response.get("Items") or [])
            start = response.get("LastEvaluatedKey")
            if not start:
                break
        return items


def _utc(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(epoch))
