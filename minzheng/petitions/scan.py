"""The daily limit scan of the 信访 register (issue 20 §2) and the built-in time limits.

``petitions_scan`` is set-based: per region one UPDATE flags due-soon and overdue matters from their stored
``current_due_on``, one UPDATE escalates the overdue ones not yet escalated to the level above (the parent of
the responsible unit), and one INSERT … SELECT writes their timeline rows. Running it twice on a day changes
nothing the second time (idempotent).
"""
# ruff: noqa: S608 - SQL from model table names; values are bound parameters

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, transaction
from django.db.models import Case, OuterRef, Subquery, Value, When
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.petitions import rules
from minzheng.petitions.models import Petition, PetitionEvent
from minzheng.petitions.selectors import limit_in_force

BUILTIN_PARAMETERS = Path(__file__).resolve().parent / "builtin_parameters.json"
DEFAULT_SOON_DAYS = 3  # used only when the parameter is missing; the run's summary says so
ESCALATE_MESSAGE = "超过办理时限未办结，已上报上一级"


@dataclass(frozen=True)
class ScanResult:
    flagged: int
    escalated: int
    note: str = ""


def petitions_parameters_load() -> int:
    """Load the built-in limits of 《信访工作条例》 into the policy store; only chains without any version are
    filled, so local figures are never overwritten. Needs the region division; returns rows created."""
    from minzheng.policy.services import parameter_import

    if not Division.objects.filter(code="150000000000").exists():
        return 0
    text = BUILTIN_PARAMETERS.read_text(encoding="utf-8")
    return parameter_import(actor=None, text=text, skip_existing_chains=True).created


def petitions_scan(*, today: dt.date | None = None) -> ScanResult:
    today = today or timezone.localdate()
    now = timezone.now()
    running = [s.value for s in rules.RUNNING]
    flagged = escalated = 0
    notes: list[str] = []
    with transaction.atomic():
        for region in Division.objects.filter(level=Level.REGION):
            soon = limit_in_force("due_soon_days", region, today)
            if soon is None:
                soon = DEFAULT_SOON_DAYS
                notes.append(f"{region.name}未设置“到期前提醒天数”，按{soon}日提醒（需人工核定）")
            rows = Petition.objects.filter(
                status__in=running, current_due_on__isnull=False, division__code__startswith=region.short_code
            )
            flagged += rows.update(
                due_state=Case(
                    When(current_due_on__lt=today, then=Value(rules.DueState.OVERDUE.value)),
                    When(
                        current_due_on__lte=today + dt.timedelta(days=soon),
                        then=Value(rules.DueState.DUE_SOON.value),
                    ),
                    default=Value(""),
                )
            )
        parent = Division.objects.filter(pk=OuterRef("division_id")).values("parent_id")[:1]
        escalated = Petition.objects.filter(
            status__in=running, current_due_on__lt=today, escalated_at__isnull=True
        ).update(escalated_at=now, escalated_to=Subquery(parent))
        if escalated:
            table, events = Petition._meta.db_table, PetitionEvent._meta.db_table
            stamp = connection.ops.adapt_datetimefield_value(now)  # as the ORM stored it (SQLite: text)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {events} (petition_id, at, action, from_status, to_status, message, basis) "
                    f"SELECT id, %s, 'escalate', status, status, %s, %s FROM {table} WHERE escalated_at = %s",
                    [stamp, ESCALATE_MESSAGE, f"{rules.BASIS}第三十四条", stamp],
                )
            event_record(
                actor=None,
                verb="petitions.escalated",
                object_type="petitions.scan",
                object_id=today.isoformat(),
                summary=f"信访期限巡检（{today}）：超期上报 {escalated} 件",
            )
    return ScanResult(flagged, escalated, "；".join(notes))
