"""Writes of visits (探访关爱, issue 17 §5): the set-based schedule refresh, recording a visit (with an
alert into monitoring when it finds a safety risk), and the daily overdue scan (one monitoring run, alerts
written set-based, one open alert per person and kind).
"""
# ruff: noqa: S608 - SQL from model table names and rule constants; values are bound parameters

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Role
from minzheng.common.errors import NotFound, ValidationFailed
from minzheng.divisions.models import Division
from minzheng.eldercare.models import OlderPerson, VisitRecord, VisitSchedule
from minzheng.eldercare.rules import visits as rules
from minzheng.eldercare.services.care_common import capability_require
from minzheng.eldercare.services.photos import photos_read, photos_store
from minzheng.monitoring.models import MonitoringRun
from minzheng.monitoring.rules import Severity
from minzheng.monitoring.services.external import ExternalRule, external_alerts_raise
from minzheng.policy.models import Parameter
from minzheng.policy.rules import ParameterRow, missing_message, resolve_indexed
from minzheng.policy.selectors import ROW_FIELDS

ALERT_RULES = {
    rules.AlertKind.VISIT_OVERDUE: ExternalRule(
        rules.AlertKind.VISIT_OVERDUE.value,
        rules.ALERT_TITLES[rules.AlertKind.VISIT_OVERDUE],
        "探访关爱",
        Severity.YELLOW,
        rules.ALERT_RESPONSE_DAYS[rules.AlertKind.VISIT_OVERDUE],
        rules.ALERT_BASIS,
        "村（社区）协理员尽快入户探访并录入探访记录",
    ),
    rules.AlertKind.VISIT_RISK: ExternalRule(
        rules.AlertKind.VISIT_RISK.value,
        rules.ALERT_TITLES[rules.AlertKind.VISIT_RISK],
        "探访关爱",
        Severity.ORANGE,
        rules.ALERT_RESPONSE_DAYS[rules.AlertKind.VISIT_RISK],
        rules.ALERT_BASIS,
        "乡镇（街道）核实风险，联系家属或监护人，必要时转介服务或救助",
    ),
}


def _pg() -> bool:
    return connection.vendor == "postgresql"


def _group_concat(expression: str) -> str:
    return f"string_agg({expression}, '、')" if _pg() else f"group_concat({expression}, '、')"


def _date_plus(date_sql: str, days_sql: str) -> str:
    return f"({date_sql} + {days_sql})" if _pg() else f"date({date_sql}, '+' || {days_sql} || ' days')"


def _json_object(pairs: Sequence[tuple[str, str]]) -> str:
    args = ", ".join(f"'{label}', {sql}" for label, sql in pairs)
    return f"json_build_object({args})::text" if _pg() else f"json_object({args})"


# --- the schedule ----------------------------------------------------------------------------------------


def _intervals(day: dt.date) -> list[tuple[str, str, str, int | None, str]]:
    """(county code, category, label, interval days or None, missing message) for every county with older
    people and every visited category: the parameters resolved in memory from one query."""
    op, division = OlderPerson._meta.db_table, Division._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT substr(d.code, 1, 6), MIN(d.name) FROM {op} o JOIN {division} d ON d.id = o.division_id "
            "WHERE o.active GROUP BY substr(d.code, 1, 6)"
        )
        villages = cursor.fetchall()
    counties = dict(
        Division.objects.filter(code__in=[c + "000000" for c, _ in villages]).values_list("code", "name")
    )
    keys = [rules.interval_key(c) for c in rules.VisitCategory]
    rows = Parameter.objects.current().in_force_on(day).filter(key__in=keys).values_list(*ROW_FIELDS)
    index: dict[str, dict[tuple[str, str], ParameterRow]] = {}
    for values in rows:
        row = ParameterRow(*values)
        index.setdefault(row.key, {})[(row.division_code, row.urban_rural)] = row
    result = []
    for county, _name in villages:
        code = county + "000000"
        for category in rules.VisitCategory:
            key = rules.interval_key(category)
            found = resolve_indexed(index.get(key, {}), code, "")
            label = rules.CATEGORY_LABELS[category]
            message = "" if found else missing_message(key, f"{counties.get(code, code)}（{code}）", "", day)
            result.append((county, category.value, label, int(found.value) if found else None, message))
    return result


@dataclass(frozen=True)
class ScheduleCounts:
    people: int
    added: int
    removed: int
    manual: int  # people whose interval is 需人工核定


def visit_schedule_refresh(*, today: dt.date | None = None) -> ScheduleCounts:
    """Bring ``VisitSchedule`` in line with the older people in a visited category, set-based: remove those
    no longer in one, add the new ones (``since`` = today), update categories and interval, then recompute
    last visit and next due for everyone (next due = last visit, else ``since``, + the shortest interval of
    the person's categories). A category without an interval parameter in the person's county leaves the
    interval empty with the reason (需人工核定)."""
    today = today or timezone.localdate()
    schedule, op, division = VisitSchedule._meta.db_table, OlderPerson._meta.db_table, Division._meta.db_table
    visit = VisitRecord._meta.db_table
    intervals = _intervals(today)
    branches = " UNION ALL ".join(
        f"SELECT o.id AS older_person_id, o.division_id, vi.label, vi.days, vi.message FROM {op} o "
        f"JOIN {division} d ON d.id = o.division_id JOIN eldercare_visit_interval vi "
        f"ON vi.county = substr(d.code, 1, 6) AND vi.category = '{category.value}' "
        f"WHERE o.active AND o.{rules.CATEGORY_COLUMNS[category]}"
        for category in rules.VisitCategory
    )
    missing_text = _group_concat("CASE WHEN c.days IS NULL THEN c.message END")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS eldercare_visit_interval")
        cursor.execute("DROP TABLE IF EXISTS eldercare_visit_stage")
        cursor.execute(
            "CREATE TEMP TABLE eldercare_visit_interval "
            "(county varchar(6), category varchar(20), label varchar(40), days integer, message varchar(300))"
        )
        cursor.executemany("INSERT INTO eldercare_visit_interval VALUES (%s, %s, %s, %s, %s)", intervals)
        cursor.execute(
            "CREATE TEMP TABLE eldercare_visit_stage AS SELECT c.older_person_id, "
            "MIN(c.division_id) AS division_id, "
            f"{_group_concat('c.label')} AS categories, "
            "CASE WHEN COUNT(*) = COUNT(c.days) THEN MIN(c.days) END AS days, "
            f"{missing_text} AS missing FROM ({branches}) c GROUP BY c.older_person_id"
        )
        cursor.execute(
            f"DELETE FROM {schedule} WHERE NOT EXISTS "
            f"(SELECT 1 FROM eldercare_visit_stage s WHERE s.older_person_id = {schedule}.older_person_id)"
        )
        removed = cursor.rowcount
        staged = (
            "(SELECT s.{column} FROM eldercare_visit_stage s WHERE s.older_person_id = "
            + schedule
            + ".older_person_id)"
        )
        reason = "CASE WHEN {m} IS NULL THEN '' ELSE substr('需人工核定：' || {m}, 1, 300) END"
        cursor.execute(
            f"UPDATE {schedule} SET categories = {staged.format(column='categories')}, "
            f"division_id = {staged.format(column='division_id')}, "
            f"interval_days = {staged.format(column='days')}, "
            f"manual_reason = {reason.format(m=staged.format(column='missing'))}, refreshed_on = %s",
            [today],
        )
        cursor.execute(
            f"INSERT INTO {schedule} (older_person_id, division_id, categories, interval_days, since, "
            "manual_reason, refreshed_on) SELECT s.older_person_id, s.division_id, s.categories, s.days, %s, "
            f"{reason.format(m='s.missing')}, %s FROM eldercare_visit_stage s WHERE NOT EXISTS "
            f"(SELECT 1 FROM {schedule} x WHERE x.older_person_id = s.older_person_id)",
            [today, today],
        )
        added = cursor.rowcount
        cursor.execute(
            f"UPDATE {schedule} SET last_visited_on = "
            f"(SELECT MAX(v.visited_on) FROM {visit} v WHERE v.older_person_id = {schedule}.older_person_id)"
        )
        base = "COALESCE(last_visited_on, since)"
        cursor.execute(
            f"UPDATE {schedule} SET next_due_on = CASE WHEN interval_days IS NULL THEN NULL "
            f"ELSE {_date_plus(base, 'interval_days')} END"
        )
        cursor.execute("SELECT COUNT(*), COUNT(*) - COUNT(days) FROM eldercare_visit_stage")
        people, manual = cursor.fetchone()
        cursor.execute("DROP TABLE eldercare_visit_stage")
        cursor.execute("DROP TABLE eldercare_visit_interval")
    return ScheduleCounts(int(people), int(added), int(removed), int(manual))


# --- the overdue scan ------------------------------------------------------------------------------------


def visits_overdue_scan(*, today: dt.date | None = None, actor: User | None = None) -> MonitoringRun:
    """The daily scan: refresh the schedule, then one monitoring run raising an alert for every older person
    whose next visit was due before ``today`` — unless that person already has an open overdue alert."""
    today = today or timezone.localdate()
    visit_schedule_refresh(today=today)
    schedule, op = VisitSchedule._meta.db_table, OlderPerson._meta.db_table
    evidence = _json_object(
        [
            ("探访类别", "s.categories"),
            ("探访间隔（天）", "s.interval_days"),
            ("最近探访", "COALESCE(CAST(s.last_visited_on AS varchar(10)), '未探访')"),
            ("应探访日期", "CAST(s.next_due_on AS varchar(10))"),
        ]
    )
    subjects = (
        f"SELECT o.person_id, o.household_id, s.division_id, {evidence} AS evidence FROM {schedule} s "
        f"JOIN {op} o ON o.id = s.older_person_id WHERE s.next_due_on < %s AND o.active"
    )
    return external_alerts_raise(
        definition=ALERT_RULES[rules.AlertKind.VISIT_OVERDUE],
        subjects_sql=subjects,
        params=[today],
        raised_on=today,
        actor=actor,
    )


# --- recording a visit -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitData:
    visited_on: dt.date | None
    findings: str
    living_conditions: str = ""
    health: str = ""
    risk_found: bool = False
    safety_risks: str = ""
    needs: str = ""
    follow_up: str = ""


def _risk_alert(record: VisitRecord, actor: User) -> MonitoringRun:
    visit, op = VisitRecord._meta.db_table, OlderPerson._meta.db_table
    evidence = _json_object(
        [
            ("探访日期", "CAST(v.visited_on AS varchar(10))"),
            ("安全风险", "v.safety_risks"),
            ("探访发现", "v.findings"),
        ]
    )
    subjects = (
        f"SELECT o.person_id, o.household_id, v.division_id, {evidence} AS evidence FROM {visit} v "
        f"JOIN {op} o ON o.id = v.older_person_id WHERE v.id = %s"
    )
    return external_alerts_raise(
        definition=ALERT_RULES[rules.AlertKind.VISIT_RISK],
        subjects_sql=subjects,
        params=[record.pk],
        raised_on=record.visited_on,
        division_code=record.division.code,
        actor=actor,
    )


def visit_record(
    *,
    actor: User,
    older_person_id: int,
    data: VisitData,
    photos: Sequence[Any] = (),
    today: dt.date | None = None,
) -> VisitRecord:
    """Record one visit to an older person of the actor's jurisdiction; the person's schedule moves on
    (next due = this visit + interval) and a recorded safety risk raises an alert into monitoring, all in
    one transaction."""
    capability_require(actor, *rules.RECORD_CAPABILITIES)
    today = today or timezone.localdate()
    problems = rules.visit_problems(
        visited_on=data.visited_on,
        today=today,
        findings=data.findings,
        risk_found=data.risk_found,
        risks=data.safety_risks,
    )
    if problems:
        raise ValidationFailed("；".join(problems))
    assert data.visited_on is not None
    uploads = photos_read(photos)
    with transaction.atomic():
        older = (
            OlderPerson.objects.visible_to(actor)
            .select_related("division")
            .filter(pk=older_person_id)
            .first()
        )
        if older is None or not older.active:
            raise NotFound("老年人不存在、已移出或不在您的管辖范围内", field="older_person")
        kind = (
            rules.VisitorKind.VILLAGE_ASSISTANT
            if actor.role == Role.VILLAGE_ASSISTANT
            else rules.VisitorKind.CASEWORKER
        )
        record = VisitRecord.objects.create(
            older_person=older,
            division=older.division,
            visited_on=data.visited_on,
            visitor=actor,
            visitor_kind=kind.value,
            living_conditions=data.living_conditions.strip()[:300],
            health=data.health.strip()[:300],
            risk_found=data.risk_found,
            safety_risks=data.safety_risks.strip()[:300],
            needs=data.needs.strip()[:300],
            findings=data.findings.strip()[:500],
            follow_up=data.follow_up.strip()[:300],
        )
        schedule = VisitSchedule.objects.select_for_update(of=("self",)).filter(older_person=older).first()
        if schedule is not None and (
            schedule.last_visited_on is None or schedule.last_visited_on <= data.visited_on
        ):
            schedule.last_visited_on = data.visited_on
            if schedule.interval_days:
                schedule.next_due_on = data.visited_on + dt.timedelta(days=schedule.interval_days)
            schedule.save(update_fields=["last_visited_on", "next_due_on"])
        event_record(
            actor=actor,
            verb="eldercare.visit.record",
            object_type="eldercare.visit",
            object_id=record.pk,
            division_code=older.division.code,
            summary=f"探访关爱记录（{data.visited_on}）" + ("：发现安全风险" if data.risk_found else ""),
        )
        if data.risk_found:
            _risk_alert(record, actor)
        photos_store(actor=actor, division=older.division, uploads=uploads, visit=record)
    return record
