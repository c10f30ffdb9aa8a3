"""The built-in thresholds and rules, and the monitored population (国办发〔2023〕39号 §二): the categories
that data can tell, derived set-based from enrolments and the 农业农村 防返贫 feed."""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names and enum constants; values are bound parameters

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from minzheng.divisions.models import Division
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.monitoring import rules
from minzheng.monitoring.models import FeedRecord, MonitoredPerson, WarningRule
from minzheng.monitoring.services.common import REGION
from minzheng.registry.models import Membership, Person

BUILTIN_PARAMETERS = Path(__file__).resolve().parent.parent / "builtin_parameters.json"
WATCH_FEED = "return_to_poverty_watch"  # 农业农村's 防止返贫监测对象 list (feed registry)
MANUAL_SOURCE = "manual"  # rows entered by hand: never closed by the refresh


def monitoring_parameters_load() -> int:
    """Load the built-in warning thresholds (``builtin_parameters.json``, all unconfirmed local figures)
    into the policy store; only (key, division, urban/rural) chains without any version are filled, so
    a deployment's own figures are never overwritten. Needs the region division; returns rows created."""
    from minzheng.policy.services import parameter_import

    if not Division.objects.filter(code=REGION).exists():
        return 0
    text = BUILTIN_PARAMETERS.read_text(encoding="utf-8")
    return parameter_import(actor=None, text=text, skip_existing_chains=True).created


def rule_builtin_load() -> int:
    """Publish version 1 of every built-in rule whose code has no version yet (idempotent)."""
    existing = set(WarningRule.objects.values_list("code", flat=True))
    now = timezone.now()
    created = [
        WarningRule(
            code=d.code,
            version=1,
            title=d.title,
            category=d.category,
            severity=d.severity.value,
            subject=d.subject.value,
            response_days=d.response_days,
            condition=dict(d.condition),
            basis=d.basis,
            disposal=d.disposal,
            status=WarningRule.Status.PUBLISHED,
            published_at=now,
        )
        for d in rules.BUILTIN_RULES
        if d.code not in existing
    ]
    WarningRule.objects.bulk_create(created, ignore_conflicts=True)
    return len(created)


# --- monitored population --------------------------------------------------------------------------------


def population_refresh(*, today: dt.date | None = None) -> tuple[int, int]:
    """Derive the categories that data can tell (active enrolments of 低保, 特困, 低保边缘, 刚性支出; the
    农业农村 防返贫 list) and bring ``MonitoredPerson`` in line set-based: close rows no longer derived,
    open the new ones. Manually entered rows (source ``manual``) are left alone. Returns (opened, closed)."""
    today = today or timezone.localdate()
    mp, e = MonitoredPerson._meta.db_table, Enrolment._meta.db_table
    m, p, f = Membership._meta.db_table, Person._meta.db_table, FeedRecord._meta.db_table
    categories = rules.PROGRAMME_CATEGORY
    cases = " ".join("WHEN %s THEN %s" for _ in categories)
    listed = ", ".join("%s" for _ in categories)
    enrolled = [
        *(str(value) for programme, category in categories.items() for value in (programme, category)),
        "enrolment:",
        EnrolmentStatus.ACTIVE.value,
        *(str(programme) for programme in categories),
    ]
    derived = (
        f"SELECT m.person_id, e.household_id, CASE e.programme {cases} END AS category, "
        f"%s || e.programme AS source FROM {e} e JOIN {m} m ON m.household_id = e.household_id "
        f"AND m.left_on IS NULL WHERE e.status = %s AND e.person_id IS NULL AND e.programme IN ({listed}) "
        f"UNION SELECT e.person_id, e.household_id, CASE e.programme {cases} END, %s || e.programme "
        f"FROM {e} e WHERE e.status = %s AND e.person_id IS NOT NULL AND e.programme IN ({listed}) "
        f"UNION SELECT DISTINCT f.person_id, p.household_id, %s, %s FROM {f} f JOIN {p} p ON p.id = f.person_id "
        f"WHERE f.feed = %s AND p.household_id IS NOT NULL"
    )
    watched = [rules.Category.RETURN_TO_POVERTY_WATCH.value, f"feed:{WATCH_FEED}", WATCH_FEED]
    derived_params = [*enrolled, *enrolled, *watched]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # the de-duplicating sort of ~500,000 rows stays in memory
            cursor.execute("SET LOCAL work_mem = '128MB'")
        # the derived rows once, for both statements: deriving them (the memberships of every enrolled
        # household) was half of each statement's time, and both read the same rows in one transaction
        cursor.execute("DROP TABLE IF EXISTS population_derived")
        cursor.execute(f"CREATE TEMP TABLE population_derived AS {derived}", derived_params)
        if connection.vendor == "postgresql":  # the anti-joins are planned on its real size
            cursor.execute("ANALYZE population_derived")
        cursor.execute(
            f"UPDATE {mp} SET valid_to = %s WHERE valid_to IS NULL AND source <> %s AND NOT EXISTS "
            f"(SELECT 1 FROM population_derived d WHERE d.person_id = {mp}.person_id "
            f"AND d.category = {mp}.category AND d.source = {mp}.source)",
            [today, MANUAL_SOURCE],
        )
        closed = cursor.rowcount
        cursor.execute(
            f"INSERT INTO {mp} (person_id, household_id, category, source, valid_from) "
            f"SELECT d.person_id, d.household_id, d.category, d.source, %s FROM population_derived d "
            f"WHERE NOT EXISTS (SELECT 1 FROM {mp} x WHERE x.person_id = d.person_id "
            f"AND x.category = d.category AND x.source = d.source AND x.valid_to IS NULL)",
            [today],
        )
        opened = cursor.rowcount
        cursor.execute("DROP TABLE population_derived")
    return opened, closed
