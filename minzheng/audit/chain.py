"""The hash chain over the business events (issue 16, 等保三级 audit controls; ADR 0026).

Each ``Event`` stores ``hash = SHA-256(previous_hash + canonical JSON of its fields)`` and the hash of the
event before it (by id). Events are written under one lock (a transaction-scoped PostgreSQL advisory lock;
SQLite's IMMEDIATE transactions already admit one writer), so ids and the chain agree. A database trigger
refuses UPDATE and DELETE (migration 0002), and ``audit-verify`` walks the chain: a row changed or removed
behind the application's back no longer matches its hash or its successor's ``previous_hash``.

A retention purge (``audit-purge``) deletes only rows older than ``AUDIT_RETENTION_DAYS`` (≥ 180) and
records an ``audit.purged`` event naming the new first row and its ``previous_hash``: the re-anchored start.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

# Any constant key shared by every writer of the chain (pg_advisory_xact_lock takes a bigint).
CHAIN_LOCK_KEY = 0x6D7A_6175_6469_74  # "mzaudit"
PURGED_VERB = "audit.purged"
VERIFY_CHUNK = 5000


def _plain(value: Any) -> Any:
    """JSON as PostgreSQL's jsonb gives it back: integral floats come back as integers."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _ip(value: str | None) -> str | None:
    return str(ipaddress.ip_address(value)) if value else None


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_hash(previous_hash: str, fields: dict[str, Any]) -> str:
    """SHA-256 over the previous hash and the canonical JSON (sorted keys, no spaces) of the fields."""
    canonical = {
        "occurred_at": _utc(fields["occurred_at"]),
        "actor_id": fields["actor_id"],
        "verb": fields["verb"],
        "object_type": fields["object_type"],
        "object_id": fields["object_id"],
        "division_code": fields["division_code"],
        "summary": fields["summary"],
        "data": _plain(fields["data"]),
        "ip_address": _ip(fields["ip_address"]),
    }
    text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((previous_hash + text).encode()).hexdigest()


HASHED_FIELDS = (
    "occurred_at",
    "actor_id",
    "verb",
    "object_type",
    "object_id",
    "division_code",
    "summary",
    "data",
    "ip_address",
)


def chain_lock() -> None:
    """Take the chain's lock until the end of the current transaction (caller is inside ``atomic``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


@dataclass(frozen=True)
class Verdict:
    checked: int
    broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def _rows(model: Any) -> Iterator[dict[str, Any]]:
    """All events by id, in chunks (keyset pagination: one query per ``VERIFY_CHUNK`` rows)."""
    last = 0
    while True:
        chunk = list(
            model.objects.filter(pk__gt=last)
            .order_by("pk")
            .values("pk", "previous_hash", "hash", *HASHED_FIELDS)[:VERIFY_CHUNK]
        )
        if not chunk:
            return
        yield from chunk
        last = chunk[-1]["pk"]


def anchors(model: Any) -> set[str]:
    """Previous hashes the first row may carry: the genesis (empty) and each purge's re-anchor."""
    recorded = model.objects.filter(verb=PURGED_VERB).values_list("data", flat=True)
    return {""} | {str(d.get("anchor_previous_hash", "")) for d in recorded if isinstance(d, dict)}


def verify(model: Any) -> Verdict:
    """Walk the chain from the first row; the first row whose link or hash does not hold is reported."""
    allowed_start = anchors(model)
    expected: str | None = None
    checked = 0
    for row in _rows(model):
        if expected is None and row["previous_hash"] not in allowed_start:
            return Verdict(checked, row["pk"], "链首的前序哈希不是创世值，也不是任何一次清理记录的锚点")
        if expected is not None and row["previous_hash"] != expected:
            return Verdict(checked, row["pk"], "前序哈希与上一条记录的哈希不符（记录被删除或插入）")
        if event_hash(row["previous_hash"], row) != row["hash"]:
            return Verdict(checked, row["pk"], "记录内容与其哈希不符（记录被修改）")
        expected = row["hash"]
        checked += 1
    return Verdict(checked)
