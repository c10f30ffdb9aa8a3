"""Writers of the audit trail. Called by services inside their transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from minzheng.audit.chain import HASHED_FIELDS, PURGED_VERB, chain_lock, event_hash
from minzheng.audit.models import Event, PersonalDataAccess

# 等保三级: audit records are kept at least six months.
MIN_RETENTION_DAYS = 180


def event_record(
    *,
    actor: Any,
    verb: str,
    object_type: str,
    object_id: object,
    division_code: str = "",
    summary: str = "",
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> Event:
    event = Event(
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        division_code=division_code,
        summary=summary[:300],
        data=data or {},
        ip_address=ip_address or None,
    )
    # One writer at a time extends the chain: the lock is held to the end of the caller's transaction, so
    # the next writer reads this event's hash only once it is committed (ADR 0026). Inside the caller's
    # transaction no savepoint is taken: a failed write fails the caller's transaction anyway.
    with transaction.atomic(savepoint=False):
        chain_lock()
        event.previous_hash = Event.objects.order_by("-pk").values_list("hash", flat=True).first() or ""
        event.hash = event_hash(event.previous_hash, {f: getattr(event, f) for f in HASHED_FIELDS})
        event.save(force_insert=True)
    return event


def personal_data_access_record(
    *,
    actor: Any,
    fields: list[str],
    purpose: str,
    person_id: int | None = None,
    household_id: int | None = None,
    record_count: int = 1,
    ip_address: str | None = None,
) -> PersonalDataAccess:
    return PersonalDataAccess.objects.create(
        actor=actor,
        person_id=person_id,
        household_id=household_id,
        fields=",".join(fields),
        purpose=purpose,
        record_count=record_count,
        ip_address=ip_address,
    )


def audit_retention_purge(*, actor: Any = None) -> dict[str, Any]:
    """Delete events and access records older than ``AUDIT_RETENTION_DAYS`` (never fewer than 180 days).

    The trigger allows these deletes only inside this transaction (``minzheng.audit_purge_days``). The
    ``audit.purged`` event names the first surviving event and its ``previous_hash``: ``audit-verify``
    accepts that as the chain's new start (ADR 0026).
    """
    days = max(MIN_RETENTION_DAYS, int(settings.AUDIT_RETENTION_DAYS))
    cutoff = timezone.now() - dt.timedelta(days=days)
    with transaction.atomic():
        chain_lock()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('minzheng.audit_purge_days', %s, true)", [str(days)])
        events, _ = Event.objects.filter(occurred_at__lt=cutoff).delete()
        accesses, _ = PersonalDataAccess.objects.filter(occurred_at__lt=cutoff).delete()
        first = Event.objects.order_by("pk").values("pk", "previous_hash").first()
        event_record(
            actor=actor,
            verb=PURGED_VERB,
            object_type="audit",
            object_id=first["pk"] if first else 0,
            summary=f"清理 {cutoff:%Y-%m-%d} 之前的审计记录（保存期 {days} 天）",
            data={
                "retention_days": days,
                "cutoff": cutoff.isoformat(),
                "events": events,
                "accesses": accesses,
                "anchor_id": first["pk"] if first else None,
                "anchor_previous_hash": first["previous_hash"] if first else "",
            },
        )
    return {"cutoff": f"{cutoff:%Y-%m-%d}", "events": events, "accesses": accesses}
