"""The SQL that writes a payroll's lines: three INSERT … SELECT statements, never a query per line
(ADR 0007, ADR 0018). Called only by ``services.payroll_generate`` inside its transaction.

What is owed for an enrolment and month is the ``EntitlementPeriod`` covering the month; what is booked
is the sum of the lines of *approved* payrolls for that enrolment and month that did not fail at the bank
(plus the retry lines of the payroll being generated). The statements:

1. regular — one line per enrolment of the county's townships not suspended whose period covers the
   payroll month with a positive amount, except a month another payroll already pays (``ON CONFLICT DO
   NOTHING`` against the unique index on (enrolment, entitlement month) of regular lines), so a month paid
   elsewhere is never paid again. That clause is added only when another payroll of the month exists (a
   regular line is always in its own month's payroll): its speculative insertion (every unique index
   probed, then a confirmation record per line) cost a fifth of the statement at region scale (issue 21,
   bench/speed-payments.md), and a county's payroll is usually the first or only one of its month. Periods
   of one enrolment never overlap, so the SELECT yields one row per enrolment (were they to overlap, the
   unique index refuses the second line and the generation fails instead of keeping either);
2. retry — one line per failed line of an approved payroll of the county not yet retried;
3. adjustment — for every earlier month from the county's first payroll month where owed ≠ booked: the
   difference; deductions (negative) are capped so the enrolment's net in this payroll is never below
   zero (oldest month first, ``rules.capped_deduction``); what is not carried stays owed-minus-booked and
   reappears in the next payroll.

Each line carries the payee as the bank will pay them — the household head's name and the household's
bank account (encrypted, blind index, masked), copied by the same statement (issue 16 §2, ADR 0022).

The statements are portable (ADR 0022): they run on PostgreSQL and on the embedded SQLite database alike —
bound dates without casts, the months as a ``VALUES`` calendar instead of ``generate_series``, amounts
added and compared in whole fen (``sqlportable.fen``) and written back as ``fen / 100.0``.

**Regenerating a draft** (issue 21) does not delete and re-insert its lines: the same statements write the
new lines into a temporary table (``STAGE``) and only the difference is applied to the draft
(``stage_apply``): its lines that vanished are deleted, the changed ones updated in place, the new ones
inserted. The draft ends with exactly the lines a full regeneration writes (tested); unchanged lines keep
their ids. Deleting and re-inserting 2.2 million lines took 520 s, mostly unique checks meeting the
just-deleted index entries of the same keys (bench/speed-payments.md).
"""

# ruff: noqa: S608 - the statements are composed of module constants; values are bound parameters
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Final

from django.db import connection, transaction

from minzheng.payments import sqlnames as n
from minzheng.payments.sqlportable import calendar, fen, is_postgresql

_COLUMNS = """payroll_id, enrolment_id, household_id, township_id, programme, kind, entitlement_month, owed,
    booked_before, amount, retry_of_id, payment_status, bank_reason, paid_method, paid_note,
    payee_name, bank_name, bank_account_encrypted, bank_account_index, bank_account_masked"""

# The payee snapshot: household ``h`` and its head ``hp`` (joined by each statement's final SELECT).
_PAYEE = "COALESCE(hp.name, ''), h.bank_name, " + ", ".join(
    f"h.bank_account_{part}" for part in ("encrypted", "index", "masked")
)
_PAYEE_JOIN = f"JOIN {n.HOUSEHOLD} h ON h.id = {{household}} LEFT JOIN {n.PERSON} hp ON hp.id = h.head_id"

_ENROLMENTS = f"""
    SELECT e.id, e.household_id, e.division_id, e.programme, e.ends_month
    FROM {n.ENROLMENT} e JOIN {n.DIVISION} d ON d.id = e.division_id
    WHERE d.code LIKE %(prefix)s AND e.status <> '{n.SUSPENDED}'
"""

# Placeholders filled by ``_target``: ``{target}`` the table the statement writes (the lines, or the stage
# when a draft is regenerated); ``{own}`` the table holding this payroll's lines written so far;
STAGE = "payroll_line_stage"

REGULAR = f"""
INSERT INTO {{target}} ({_COLUMNS})
SELECT %(payroll)s, e.id, e.household_id, e.division_id, e.programme, '{n.REGULAR}', %(month)s,
       p.monthly_amount, 0, p.monthly_amount, NULL, '{n.PENDING}', '', '', '', {_PAYEE}
FROM ({_ENROLMENTS}) e
JOIN {n.PERIOD} p ON p.enrolment_id = e.id
 AND p.from_month <= %(month)s AND (p.until_month IS NULL OR p.until_month > %(month)s)
{_PAYEE_JOIN.format(household="e.household_id")}
WHERE p.monthly_amount > 0 AND (e.ends_month IS NULL OR e.ends_month >= %(month)s){{part}}{{others}}
"""

# ``{part}`` in ``REGULAR`` when the lines are written in parts (``regular_in_parts``): the enrolments of
# one range of ids. A range, not a remainder: the planner estimates a range from its histogram (half the
# rows: hash joins), a remainder as a few rows — nested loops over every row, each part costing as much as
# the whole statement (bench/speed-payments.md, session 12). On the periods as well, so each part reads
# only its own through their enrolment index.
_PART = """
  AND e.id >= %(from_id)s AND e.id < %(until_id)s
  AND p.enrolment_id >= %(from_id)s AND p.enrolment_id < %(until_id)s"""

# ``{others}`` in ``REGULAR`` when another payroll of the month exists (``_others_exist``): it skips
# what another payroll already pays — ``ON CONFLICT DO NOTHING`` on the lines table; in the stage, which
# holds only this payroll's lines, an anti-join on the other payrolls' regular lines as well.
_OTHERS = f"""
  AND NOT EXISTS (SELECT 1 FROM {n.LINE} x WHERE x.enrolment_id = e.id AND x.entitlement_month = %(month)s
                  AND x.kind = '{n.REGULAR}' AND x.payroll_id <> %(payroll)s)"""
_SKIP = "\nON CONFLICT DO NOTHING"

# ``f.bank_reason <> ''`` adds nothing to ``f.payment_status = 'failed'`` (a failed line always has a reason,
# CHECK ``payroll_line_failed_has_reason``); it is there so the planner reads the failed lines through the
# partial index ``line_bank_reason`` instead of every line of the county's history. No index names
# ``payment_status``, so that the result import's bulk UPDATE is HOT (models.PayrollLine).
RETRY = f"""
INSERT INTO {{target}} ({_COLUMNS})
SELECT %(payroll)s, f.enrolment_id, f.household_id, f.township_id, f.programme, '{n.RETRY}',
       f.entitlement_month, f.owed, f.booked_before, f.amount, f.id, '{n.PENDING}', '', '', '', {_PAYEE}
FROM {n.LINE} f
JOIN {n.PAYROLL} p ON p.id = f.payroll_id AND p.status = '{n.APPROVED}' AND p.county_id = %(county)s
JOIN {n.ENROLMENT} e ON e.id = f.enrolment_id AND e.status <> '{n.SUSPENDED}'
{_PAYEE_JOIN.format(household="f.household_id")}
WHERE f.payment_status = '{n.FAILED}' AND f.bank_reason <> '' AND f.amount > 0
  AND NOT EXISTS (SELECT 1 FROM {n.LINE} r WHERE r.retry_of_id = f.id AND r.payroll_id <> %(payroll)s)
ON CONFLICT DO NOTHING
"""

# ``{calendar}``: the months from the county's first payroll month up to (not including) this one.
# Amounts in fen from ``owed`` on; ``room`` is what the payroll still pays the enrolment before this
# month's deduction (its positive lines minus the deductions of earlier months, oldest first). Booked:
# the lines of approved payrolls that did not fail, plus this payroll's own (retry) lines.
ADJUSTMENT = f"""
WITH calendar(m) AS (VALUES {{calendar}}),
enr AS ({_ENROLMENTS}),
owed AS (
    SELECT p.enrolment_id, c.m, {fen("p.monthly_amount")} AS owed, 0 AS booked
    FROM {n.PERIOD} p JOIN enr ON enr.id = p.enrolment_id
    JOIN calendar c ON c.m >= p.from_month AND (p.until_month IS NULL OR c.m < p.until_month)
     AND (enr.ends_month IS NULL OR c.m <= enr.ends_month)
),
booked AS (
    SELECT l.enrolment_id, l.entitlement_month AS m, 0 AS owed, {fen("l.amount")} AS booked
    FROM {n.LINE} l
    JOIN enr ON enr.id = l.enrolment_id
    JOIN {n.PAYROLL} p ON p.id = l.payroll_id
    WHERE l.entitlement_month >= %(first)s AND l.entitlement_month < %(month)s
      AND p.status = '{n.APPROVED}' AND l.payment_status <> '{n.FAILED}'
    UNION ALL
    SELECT o.enrolment_id, o.entitlement_month, 0, {fen("o.amount")}
    FROM {{own}} o JOIN enr ON enr.id = o.enrolment_id
    WHERE o.payroll_id = %(payroll)s AND o.entitlement_month >= %(first)s AND o.entitlement_month < %(month)s
),
diff AS (
    SELECT enrolment_id, m, sum(owed) AS owed, sum(booked) AS booked, sum(owed) - sum(booked) AS delta
    FROM (SELECT * FROM owed UNION ALL SELECT * FROM booked) x
    GROUP BY enrolment_id, m
    HAVING sum(owed) <> sum(booked)
),
positive AS (
    SELECT enrolment_id, sum(amount) AS total
    FROM (SELECT enrolment_id, {fen("amount")} AS amount FROM {{own}} WHERE payroll_id = %(payroll)s
          UNION ALL SELECT enrolment_id, delta FROM diff WHERE delta > 0) t
    GROUP BY enrolment_id
),
ranked AS (
    SELECT d.enrolment_id, d.m, d.owed, d.booked, d.delta,
           COALESCE(pos.total, 0) - COALESCE(
               sum(CASE WHEN d.delta < 0 THEN -d.delta ELSE 0 END) OVER (
                   PARTITION BY d.enrolment_id ORDER BY d.m ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
               ), 0) AS room
    FROM diff d LEFT JOIN positive pos ON pos.enrolment_id = d.enrolment_id
),
capped AS (
    SELECT enrolment_id, m, owed, booked, delta,
           CASE WHEN room <= 0 THEN 0 WHEN -delta < room THEN -delta ELSE room END AS carried_deduction
    FROM ranked
)
INSERT INTO {{target}} ({_COLUMNS})
SELECT %(payroll)s, r.enrolment_id, enr.household_id, enr.division_id, enr.programme, '{n.ADJUSTMENT}', r.m,
       r.owed / 100.0, r.booked / 100.0,
       (CASE WHEN r.delta > 0 THEN r.delta ELSE -r.carried_deduction END) / 100.0,
       NULL, '{n.PENDING}', '', '', '', {_PAYEE}
FROM capped r JOIN enr ON enr.id = r.enrolment_id
{_PAYEE_JOIN.format(household="enr.household_id")}
WHERE r.delta > 0 OR r.carried_deduction > 0
"""

STAGES = (("regular", REGULAR), ("retry", RETRY), ("adjustment", ADJUSTMENT))


def _target(sql: str, *, staged: bool) -> str:
    table = STAGE if staged else n.LINE
    return sql.replace("{target}", table).replace("{own}", table)


def stage_run(
    sql: str,
    *,
    payroll_id: int,
    county_id: int,
    county_prefix: str,
    month: dt.date,
    first_month: dt.date,
    staged: bool = False,
    ids: tuple[int, int] | None = None,
) -> int:
    """Run one statement into the lines table, or into the stage (``staged``: regenerating a draft);
    returns the number of lines it wrote. ``ids``: only ``REGULAR``'s enrolments with ids in that range
    (from, until)."""
    params: dict[str, Any] = {
        "payroll": payroll_id,
        "county": county_id,
        "prefix": f"{county_prefix}%",
        "month": month,
        "first": first_month,
        "from_id": ids[0] if ids else None,
        "until_id": ids[1] if ids else None,
    }
    sql = _target(sql, staged=staged).replace("{part}", "" if ids is None else _PART)
    if "{others}" in sql:
        others = _others_exist(payroll_id, month)
        sql = sql.replace("{others}", ((_OTHERS if staged else "") + _SKIP) if others else "")
    if "{calendar}" in sql:
        months, calendar_params = calendar(first_month, month)
        if not months:
            return 0  # the county's first payroll: no earlier month to adjust
        sql = sql.replace("{calendar}", months)
        params.update(calendar_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# --- a first generation in parts (PostgreSQL) ---------------------------------------------------------------

# Two: the machines the region runs on have two cores or more, and a single INSERT … SELECT uses one of them
# (PostgreSQL plans no parallel query for an INSERT). The regular lines are most of a payroll.
PARTS: Final = 2


def parts_possible() -> bool:
    """Whether a first generation may write its regular lines in parts, each committed on its own
    connection: on PostgreSQL (the embedded SQLite database has one writer), and not inside a caller's
    transaction — other connections would not see its uncommitted rows, nor would its rollback undo
    their parts."""
    return is_postgresql() and not connection.in_atomic_block


def regular_in_parts(**params: Any) -> int:
    """Write ``REGULAR``'s lines in ``PARTS`` parts at once, by ranges of enrolment ids: the first on this
    connection, in the caller's transaction; the others each on a connection of its own (a thread),
    committed when done. Returns the lines written. A part that fails fails the whole: the caller's
    transaction rolls back, and what the other parts committed stays in a payroll still "generating",
    which the next generation regenerates (``services.payroll_generate``). ``params``: ``stage_run``'s."""
    ranges = _id_ranges(params["county_prefix"])
    if not ranges:
        return 0  # no enrolment in the county
    with ThreadPoolExecutor(max_workers=PARTS - 1) as pool:
        others = [pool.submit(_part_committed, ids, params) for ids in ranges[1:]]
        written = stage_run(REGULAR, ids=ranges[0], **params)
        return written + sum(other.result() for other in others)


def _id_ranges(county_prefix: str) -> list[tuple[int, int]]:
    """``PARTS`` ranges of equal width covering the ids of the county's enrolments, in order. Equal width
    is near equal size where a county's enrolments accrue evenly; an uneven split costs only time."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT min(e.id), max(e.id) FROM {n.ENROLMENT} e JOIN {n.DIVISION} d ON d.id = e.division_id"
            " WHERE d.code LIKE %s",
            [f"{county_prefix}%"],
        )
        low, high = cursor.fetchone()
    if low is None:
        return []
    bounds = [low + (high + 1 - low) * k // PARTS for k in range(PARTS)] + [high + 1]
    return list(zip(bounds, bounds[1:], strict=False))


def _part_committed(ids: tuple[int, int], params: dict[str, Any]) -> int:
    """One part in its own transaction on this thread's own connection, closed afterwards."""
    try:
        with transaction.atomic():
            batch_settings()
            return stage_run(REGULAR, ids=ids, **params)
    finally:
        connection.close()


def _others_exist(payroll_id: int, month: dt.date) -> bool:
    """Whether another payroll of the month exists — the only place a regular line of the month can be,
    besides this payroll (``REGULAR`` writes the payroll's own month)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {n.PAYROLL} WHERE month = %s AND id <> %s", [month, payroll_id])
        return cursor.fetchone() is not None


# --- regenerating a draft: stage, then apply the difference ----------------------------------------------

_NAMES = [c.strip() for c in _COLUMNS.split(",")]
# A line's identity in its payroll: regular and adjustment lines are unique per (enrolment, month) (the
# index ``payroll_line_one_per_payroll_month``), a retry per failed line it retries.
_KEY = ("kind", "enrolment_id", "entitlement_month")
_SAME = " AND ".join(
    [*(f"{{l}}.{c} = s.{c}" for c in _KEY), "COALESCE({l}.retry_of_id, 0) = COALESCE(s.retry_of_id, 0)"]
)
_VALUES = [c for c in _NAMES if c not in (*_KEY, "payroll_id", "retry_of_id")]


def stage_create() -> None:
    """An empty temporary table shaped like the lines (dropped by ``stage_apply``, or with the transaction
    if it rolls back), with the lines' unique index of regular lines per enrolment and month, so a second
    one is refused in the stage exactly as on the lines table."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
        cursor.execute(f"CREATE TEMPORARY TABLE {STAGE} AS SELECT {_COLUMNS} FROM {n.LINE} WHERE 1 = 0")
        cursor.execute(
            f"CREATE UNIQUE INDEX {STAGE}_regular ON {STAGE} (enrolment_id, entitlement_month)"
            f" WHERE kind = '{n.REGULAR}'"
        )


def stage_apply(payroll_id: int) -> dict[str, int]:
    """Make the draft's lines equal to the staged ones with three set-based statements — delete the lines
    no longer staged, update those whose values changed, insert the new — and drop the stage. Returns the
    number of lines deleted, updated and inserted."""
    line = n.LINE
    same = _SAME.format(l=line)
    changed = " OR ".join(f"{line}.{c} IS DISTINCT FROM s.{c}" for c in _VALUES)
    statements = {
        "deleted": (
            f"DELETE FROM {line} WHERE payroll_id = %s AND NOT EXISTS (SELECT 1 FROM {STAGE} s WHERE {same})"
        ),
        "updated": (
            f"UPDATE {line} SET {', '.join(f'{c} = s.{c}' for c in _VALUES)} FROM {STAGE} s"
            f" WHERE {line}.payroll_id = %s AND {same} AND ({changed})"
        ),
        "inserted": (
            f"INSERT INTO {line} ({_COLUMNS}) SELECT {', '.join(f's.{c}' for c in _NAMES)} FROM {STAGE} s"
            f" WHERE NOT EXISTS (SELECT 1 FROM {line} WHERE {line}.payroll_id = %s AND {same})"
        ),
    }
    counts = {}
    with connection.cursor() as cursor:
        if is_postgresql():
            cursor.execute(f"ANALYZE {STAGE}")  # no autovacuum for a temporary table: plan on real counts
        for name, sql in statements.items():
            cursor.execute(sql, [payroll_id])
            counts[name] = cursor.rowcount
        cursor.execute(f"DROP TABLE {STAGE}")
    return counts


def batch_settings() -> None:
    """Settings of the generating transaction only (``SET LOCAL``; docs/deployment.md): memory for the
    hash joins and aggregates of a region-sized payroll, so they do not spill to disk."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")


def lines_analyze() -> None:
    """Fresh planner statistics for the lines once a payroll's lines are committed. Without them the next
    statements on a just-written region-sized payroll — the approval's offset, the result import — were
    planned for a hundred lines and could run nested loops over millions. After the commit (``on_commit``),
    so the ANALYZE lock is not held by the generating transaction and two counties generating at once do
    not wait for each other."""
    if is_postgresql():
        transaction.on_commit(_analyze)


def _analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {n.LINE}")
