"""Writers of the audit trail. Called by services inside their transaction."""

from __future__ import annotations

from typing import Any

from minzheng.audit.models import Event, PersonalDataAccess


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
    return Event.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        verb=verb,
        object_type=object_type,
        object_id=str(object_id),
        division_code=division_code,
        summary=summary[:300],
        data=data or {},
        ip_address=ip_address,
    )


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
