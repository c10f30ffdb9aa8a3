"""Alerts raised from outside the rule engine (issue 17 §5: an eldercare visit overdue or finding a risk).

Monitoring's ``Alert`` needs a warning rule and a run: each outside kind is a built-in rule row (published
version 1, condition ``{"external": <code>}`` so the engine's runs skip it) and each scan or event is a run of
kind ``external``. Alerts are written set-based from the caller's SELECT and deduplicated by the open-alert
unique index (one open alert per rule and person), so a scan run twice raises nothing new.
"""
# ruff: noqa: S608 - SQL from model table names; the caller's SELECT is code, values are bound parameters

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import WorkingDays, due_date
from minzheng.monitoring import rules
from minzheng.monitoring.models import Alert, MonitoringRun, WarningRule

EXTERNAL = "external"  # the condition key and the run kind of outside alerts


@dataclass(frozen=True)
class ExternalRule:
    code: str
    title: str
    category: str  # a short Chinese label of the hardship watched
    severity: rules.Severity
    response_days: int
    basis: str
    disposal: str = ""


def external_rule_ensure(definition: ExternalRule) -> WarningRule:
    """The published rule row of an outside alert kind, created once (version 1) if the code has none."""
    rule = WarningRule.objects.filter(code=definition.code, status=WarningRule.Status.PUBLISHED).first()
    if rule is not None:
        return rule
    WarningRule.objects.bulk_create(
        [
            WarningRule(
                code=definition.code,
                version=1,
                title=definition.title,
                category=definition.category,
                severity=definition.severity.value,
                subject=rules.Subject.PERSON.value,
                response_days=definition.response_days,
                condition={EXTERNAL: definition.code},
                basis=definition.basis,
                disposal=definition.disposal,
                status=WarningRule.Status.PUBLISHED,
                published_at=timezone.now(),
            )
        ],
        ignore_conflicts=True,
    )
    return WarningRule.objects.get(code=definition.code, status=WarningRule.Status.PUBLISHED)


def external_alerts_raise(
    *,
    definition: ExternalRule,
    subjects_sql: str,
    params: Sequence[Any],
    raised_on: dt.date,
    division_code: str = "",
    actor: Any = None,
) -> MonitoringRun:
    """One run of an outside alert kind: ``subjects_sql`` selects ``person_id, household_id, division_id,
    evidence`` (evidence a JSON object as text); each row becomes an alert routed to ``division_id``, unless
    the person already has an open alert of this kind. The run row keeps hits and new alerts."""
    rule = external_rule_ensure(definition)
    due = due_date(raised_on, WorkingDays(rule.response_days), working_calendar())
    alert = Alert._meta.db_table
    open_list = ", ".join(f"'{s}'" for s in sorted(s.value for s in rules.OPEN_STATUSES))
    evidence = "s.evidence::jsonb" if connection.vendor == "postgresql" else "s.evidence"
    with transaction.atomic():
        run = MonitoringRun.objects.create(
            kind=EXTERNAL, as_of=raised_on, division_code=division_code, started_by=actor
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({subjects_sql}) s", list(params))
            hits = int(cursor.fetchone()[0])
            cursor.execute(
                f"INSERT INTO {alert} (number, rule_id, rule_code, rule_version, severity, subject_key, "
                "household_id, person_id, division_id, run_id, evidence, status, raised_on, due_on, "
                "due_provisional, escalated_to, reason, created_at) "
                "SELECT %s || ROW_NUMBER() OVER (ORDER BY s.person_id), %s, %s, %s, %s, 'p:' || s.person_id, "
                f"s.household_id, s.person_id, s.division_id, %s, {evidence}, %s, %s, %s, %s, '', '', %s "
                f"FROM ({subjects_sql}) s WHERE 1 = 1 "
                f"ON CONFLICT (rule_code, subject_key) WHERE status IN ({open_list}) DO NOTHING",
                [
                    f"YJ{run.pk}-",
                    rule.pk,
                    rule.code,
                    rule.version,
                    rule.severity,
                    run.pk,
                    rules.AlertStatus.PUSHED.value,
                    raised_on,
                    due.due_on,
                    due.provisional,
                    timezone.now(),
                    *params,
                ],
            )
            new = int(cursor.rowcount)
        run.hits, run.alerts_new, run.alerts_duplicate = hits, new, hits - new
        run.status, run.finished_at = MonitoringRun.Status.SUCCEEDED, timezone.now()
        run.message = f"{definition.title}：命中 {hits}，新增预警 {new}"
        run.save()
    return run
