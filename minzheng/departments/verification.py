"""Automatic verification (issue 23 §1): the members of the applications at 信息核对 matched against the
department feed records by blind index, one ``SourceCheck`` per source with its evidence rows.

Set-based: per chunk of applications one ``INSERT … SELECT`` of the members, then per source one
``INSERT … SELECT`` of the checks (aggregates and the declared figures as correlated subqueries) and one of
the evidence links; the outcome (``rules.outcome_of`` in SQL) is computed in the same INSERT. No query
per row.
The feed records are matched to persons by the ID number's blind index when imported; the run first matches
the records of persons registered since (``feeds.feed_records_match``, one ``UPDATE``) and then joins on
the person.

Exactly once and restartable: a chunk commits as one transaction and advances ``done_through``; a killed run
is resumed with ``verification_run(run=…)`` and takes the next chunk, so no application is checked twice
and none is skipped. Works on PostgreSQL and on SQLite (portable SQL, no vendor functions).
"""
# ruff: noqa: S608 - SQL from model table names and rule constants; every value is a bound parameter

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application, ApplicationEvent, ExpenseRecord
from minzheng.applications.rules import Record, Step, record_roles
from minzheng.audit.services import event_record
from minzheng.benefits.facts import RigidExpenseKind
from minzheng.common.errors import NotFound, PermissionDenied, ValidationFailed
from minzheng.departments import rules
from minzheng.departments.models import CheckedMember, CheckEvidence, SourceCheck, VerificationRun
from minzheng.departments.rules import Comparison, Declared, Source
from minzheng.monitoring.feeds import feed_records_match
from minzheng.monitoring.models import FeedRecord
from minzheng.registry.choices import AssetCategory, IncomeCategory, IncomeSource
from minzheng.registry.models import AssetRecord, IncomeRecord, Membership, Person

logger = logging.getLogger(__name__)
CHUNK = 5_000  # applications per transaction
ANALYZE_FROM = 1_000  # applications in a run from which the statistics are refreshed (PostgreSQL)
INCOME_CATEGORIES = (
    IncomeCategory.WAGE,
    IncomeCategory.PENSION,
    IncomeCategory.BASIC_PENSION,
    IncomeCategory.UNEMPLOYMENT_INSURANCE,
)
ASSET_CATEGORIES: dict[Declared, tuple[str, ...]] = {
    Declared.HOUSES: (AssetCategory.HOUSING, AssetCategory.NON_RESIDENTIAL_PROPERTY),
    Declared.VEHICLES: (AssetCategory.VEHICLE,),
    Declared.BUSINESSES: (AssetCategory.BUSINESS_ENTITY,),
}
# typed NULLs: in the INSERT's derived table PostgreSQL would take a bare NULL for text
NO_AMOUNT, NO_COUNT = "CAST(NULL AS NUMERIC)", "CAST(NULL AS INTEGER)"
KNOWN_ASSET_SOURCES = (IncomeSource.DECLARED, IncomeSource.INVESTIGATED)  # what the family told us


def _t(model: Any) -> str:
    return str(model._meta.db_table)


def _marks(values: tuple[str, ...] | list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _feeds_condition(source: Source) -> tuple[str, list[Any]]:
    if not source.feeds:
        return "1 = 0", []
    return f"r.feed IN ({_marks(source.feeds)})", list(source.feeds)


def _flag_condition(source: Source) -> tuple[str, list[Any]]:
    """The records that count in the comparison: ``death|code:move_out`` → a death record or a move-out."""
    if not source.flag:
        return "1 = 1", []
    parts, params = [], []
    for part in source.flag.split("|"):
        column, value = ("r.code", part[5:]) if part.startswith("code:") else ("r.feed", part)
        parts.append(f"{column} = %s")
        params.append(value)
    return "(" + " OR ".join(parts) + ")", params


def _declared(source: Source, run_id: int, start: dt.date, end: dt.date) -> tuple[str, str, list[Any]]:
    """(declared amount SQL, declared count SQL, params), correlated on ``a`` (the application)."""
    d = source.declared
    if d == Declared.INCOME:
        sql = (
            f"(SELECT sum(i.amount) FROM {_t(IncomeRecord)} i WHERE i.household_id = a.household_id "
            f"AND i.source = %s AND i.category IN ({_marks(INCOME_CATEGORIES)}) "
            "AND i.period_end >= %s AND i.period_start <= %s)"
        )
        return sql, NO_COUNT, [IncomeSource.DECLARED, *INCOME_CATEGORIES, start, end]
    if d == Declared.MEDICAL_EXPENSE:
        sql = (
            f"(SELECT sum(e.amount) FROM {_t(ExpenseRecord)} e WHERE e.application_id = a.id AND e.kind = %s)"
        )
        return sql, NO_COUNT, [RigidExpenseKind.MEDICAL]
    if d == Declared.DISABLED_MEMBERS:
        sql = (
            f"(SELECT count(*) FROM {_t(CheckedMember)} m2 JOIN {_t(Person)} p ON p.id = m2.person_id "
            "WHERE m2.run_id = %s AND m2.application_id = a.id AND p.disability_grade IS NOT NULL)"
        )
        return NO_AMOUNT, sql, [run_id]
    if d in ASSET_CATEGORIES:
        categories = ASSET_CATEGORIES[d]
        sql = (
            f"(SELECT count(*) FROM {_t(AssetRecord)} s WHERE s.household_id = a.household_id "
            f"AND s.category IN ({_marks(categories)}) AND s.source IN ({_marks(KNOWN_ASSET_SOURCES)}))"
        )
        return NO_AMOUNT, sql, [*categories, *KNOWN_ASSET_SOURCES]
    return NO_AMOUNT, NO_COUNT, []


def _difference_sql(comparison: Comparison) -> str:
    """``rules.differs`` in SQL, over the columns of a ``SourceCheck`` row."""
    found, declared = "COALESCE(found_amount, 0)", "COALESCE(declared_amount, 0)"
    return {
        Comparison.AMOUNT: f"ROUND({found} - {declared}, 2) <> 0",
        Comparison.PRESENCE: "flagged_count > COALESCE(declared_count, 0)",
        Comparison.EVENT: "flagged_count > 0",
        Comparison.EXPENSE: f"ROUND({declared} - {found}, 2) > 0",
        Comparison.NONE: "1 = 0",
    }[comparison]


def _outcome_sql(source: Source) -> tuple[str, list[Any]]:
    """``rules.outcome_of`` over the columns of a check row, for the INSERT's outer SELECT."""
    sql = (
        "CASE WHEN members_with_data = 0 THEN %s "
        f"WHEN {_difference_sql(source.comparison)} THEN %s "
        "WHEN members_with_data < members_total THEN %s ELSE %s END"
    )
    outcomes = [
        rules.Outcome.NO_DATA,
        rules.Outcome.INCONSISTENT,
        rules.Outcome.PARTIAL,
        rules.Outcome.CONSISTENT,
    ]
    return sql, list(outcomes)


def _source_insert(cursor: Any, source: Source, run: VerificationRun, lo: int, hi: int) -> int:
    """One source's checks of the chunk (one row per application) and their evidence links; returns the
    evidence rows written."""
    start, end = rules.window_start(source, run.as_of), run.as_of
    feeds, feed_params = _feeds_condition(source)
    flag, flag_params = _flag_condition(source)
    declared_amount, declared_count, declared_params = _declared(source, run.pk, start, end)
    join = f"r.person_id = m.person_id AND {feeds} AND r.event_date >= %s AND r.event_date <= %s"
    outcome, outcome_params = _outcome_sql(source)
    columns = (
        "run_id, application_id, source, current, members_total, members_with_data, found_count, "
        "flagged_count, "
        "found_amount, declared_amount, declared_count, first_on, last_on, status, decided_outcome, reason, "
        "returned_note, created_at"
    )
    # the figures in a derived table, the outcome from them in the outer SELECT: each row written once
    cursor.execute(
        f"INSERT INTO {_t(SourceCheck)} ({columns}, outcome) SELECT {columns}, {outcome} FROM ("
        "SELECT %s AS run_id, a.id AS application_id, %s AS source, %s AS current, "
        "count(DISTINCT m.person_id) AS members_total, count(DISTINCT r.person_id) AS members_with_data, "
        "count(r.id) AS found_count, "
        f"COALESCE(sum(CASE WHEN r.id IS NOT NULL AND {flag} THEN 1 ELSE 0 END), 0) AS flagged_count, "
        f"sum(r.amount) AS found_amount, {declared_amount} AS declared_amount, "
        f"{declared_count} AS declared_count, "
        "min(r.event_date) AS first_on, max(r.event_date) AS last_on, %s AS status, '' AS decided_outcome, "
        "'' AS reason, '' AS returned_note, %s AS created_at "
        f"FROM {_t(Application)} a JOIN {_t(CheckedMember)} m ON m.application_id = a.id AND m.run_id = %s "
        f"LEFT JOIN {_t(FeedRecord)} r ON {join} "
        "WHERE a.id BETWEEN %s AND %s GROUP BY a.id, a.household_id) x",
        [
            *outcome_params,
            run.pk,
            source.code,
            True,
            *flag_params,
            *declared_params,
            rules.CheckStatus.PENDING,
            timezone.now(),
            run.pk,
            *feed_params,
            start,
            end,
            lo,
            hi,
        ],
    )
    if not source.feeds:
        return 0
    cursor.execute(
        f"INSERT INTO {_t(CheckEvidence)} (check_row_id, record_id, person_id) "
        f"SELECT c.id, r.id, r.person_id FROM {_t(SourceCheck)} c "
        f"JOIN {_t(CheckedMember)} m ON m.run_id = c.run_id AND m.application_id = c.application_id "
        f"JOIN {_t(FeedRecord)} r ON {join} "
        "WHERE c.run_id = %s AND c.source = %s AND c.application_id BETWEEN %s AND %s",
        [*feed_params, start, end, run.pk, source.code, lo, hi],
    )
    return int(cursor.rowcount)


@contextmanager
def _phase(run: VerificationRun, name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    run.phase_seconds[name] = round(run.phase_seconds.get(name, 0.0) + time.perf_counter() - started, 3)


def _chunk(run: VerificationRun, lo: int, hi: int, analyze: bool = False) -> None:
    """Check the applications at 信息核对 with ids in [lo, hi]: one transaction. ``analyze``: refresh the
    planner's statistics of the members just written (a batch run on PostgreSQL: without them the planner
    expects one member and probes the feed records per member, measured 6× slower at 2,000 applications)."""
    with transaction.atomic(), connection.cursor() as cursor:
        with _phase(run, "members"):
            cursor.execute(
                f"UPDATE {_t(SourceCheck)} SET current = %s WHERE current = %s AND application_id IN "
                f"(SELECT id FROM {_t(Application)} WHERE id BETWEEN %s AND %s AND step = %s)",
                [False, True, lo, hi, Step.VERIFYING],
            )
            cursor.execute(
                f"INSERT INTO {_t(CheckedMember)} (run_id, application_id, person_id) "
                f"SELECT %s, a.id, ms.person_id FROM {_t(Application)} a JOIN {_t(Membership)} ms "
                "ON ms.household_id = a.household_id AND ms.left_on IS NULL "
                "WHERE a.id BETWEEN %s AND %s AND a.step = %s",
                [run.pk, lo, hi, Step.VERIFYING],
            )
            cursor.execute(
                f"SELECT count(DISTINCT application_id) FROM {_t(CheckedMember)} "
                "WHERE run_id = %s AND application_id BETWEEN %s AND %s",
                [run.pk, lo, hi],
            )
            applications = int(cursor.fetchone()[0])
            if analyze:
                cursor.execute(f"ANALYZE {_t(CheckedMember)}")
        evidence = 0
        for source in rules.SOURCES:
            with _phase(run, source.code):
                evidence += _source_insert(cursor, source, run, lo, hi)
        run.applications += applications
        run.checks += applications * len(rules.SOURCES)
        run.evidence += evidence
        run.done_through = hi
        run.save(update_fields=["applications", "checks", "evidence", "done_through", "phase_seconds"])


def _ids(first_id: int, last_id: int) -> list[int]:
    return list(
        Application.objects.filter(step=Step.VERIFYING, id__gte=first_id, id__lte=last_id)
        .order_by("id")
        .values_list("id", flat=True)
    )


def verification_run(
    *,
    actor: User | None = None,
    kind: str = "batch",
    first_id: int = 0,
    last_id: int | None = None,
    as_of: dt.date | None = None,
    chunk: int = CHUNK,
    run: VerificationRun | None = None,
    stop_after_chunks: int | None = None,
) -> VerificationRun:
    """Check the applications at 信息核对 with ids in [first_id, last_id] (all when ``last_id`` is None), in
    chunks of ``chunk``; ``run`` resumes an unfinished run from its ``done_through``. ``stop_after_chunks``
    stops early (a planned pause, or the kill of the restart test); the run is then resumable."""
    started = time.perf_counter()
    if run is None:
        last = (
            last_id
            if last_id is not None
            else (Application.objects.order_by("-id").values_list("id", flat=True).first() or 0)
        )
        run = VerificationRun.objects.create(
            kind=kind,
            as_of=as_of or timezone.localdate(),
            first_id=first_id,
            last_id=last,
            done_through=first_id - 1,
            started_by=actor,
        )
    with _phase(run, "match"):
        feed_records_match()
    ids = _ids(max(run.first_id, run.done_through + 1), run.last_id)
    analyze = connection.vendor == "postgresql" and len(ids) >= ANALYZE_FROM
    if analyze:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {_t(Application)}")
    for n, offset in enumerate(range(0, len(ids), chunk)):
        if stop_after_chunks is not None and n >= stop_after_chunks:
            run.save(update_fields=["phase_seconds"])
            return run
        part = ids[offset : offset + chunk]
        _chunk(run, part[0], part[-1], analyze)
    run.finished = True
    run.seconds = Decimal(str(round(time.perf_counter() - started, 3))) + (run.seconds or Decimal(0))
    run.save(update_fields=["finished", "seconds", "phase_seconds"])
    event_record(
        actor=actor,
        verb="departments.verification_run",
        object_type="departments.verification_run",
        object_id=run.pk,
        summary=f"自动核对 {run.applications} 件申请：{run.checks} 项核对结果，{run.evidence} 条依据记录",
    )
    return run


def _auto_start(application_id: int) -> None:
    try:
        verification_run(kind="auto", first_id=application_id, last_id=application_id)
    except Exception:  # the check can be started again from the page; the transition stands
        logger.exception("automatic verification of application %s failed", application_id)


def on_timeline_recorded(sender: Any, event: ApplicationEvent, **kwargs: Any) -> None:
    """Receiver of ``applications.signals.timeline_recorded``: an application that has just reached 信息核对
    is checked once the transition is committed (never inside the staff member's transaction)."""
    if event.kind == "transition" and event.to_step == Step.VERIFYING:
        application_id = event.application_id
        transaction.on_commit(lambda: _auto_start(application_id))


def application_check_start(*, actor: User, application_id: int) -> VerificationRun:
    """Check one application again now (e.g. after a department delivered new data): the staff who record
    verification results, for an application at 信息核对 in their jurisdiction."""
    if actor.role not in record_roles(Record.VERIFICATION):
        raise PermissionDenied("您的角色不能发起信息核对")
    application = Application.objects.visible_to(actor).filter(pk=application_id).first()
    if application is None:
        raise NotFound("申请不存在或不在您的管辖范围内")
    if application.step != Step.VERIFYING:
        raise ValidationFailed("只有处于“信息核对”环节的申请可以自动核对", field="step")
    return verification_run(actor=actor, kind="manual", first_id=application_id, last_id=application_id)
