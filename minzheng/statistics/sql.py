"""The statements of the statistics page (issue 14 §5), portable between PostgreSQL and the embedded
SQLite database (ADR 0022): bound dates, money as whole fen, no ``::`` casts, no ``GROUPING SETS`` (the
two groupings a figure needs are a ``UNION ALL``), and a ``VALUES`` calendar for the trend.

Every figure is placed where the household is registered (户籍地, ``household.hukou_division``) — the
place that scopes enrolments and applications (ADR 0006) — and rolled up to the row level by the code
prefix, ``substr(code, 1, {n})``, so one ``GROUP BY`` gives every row of any level at once. ``{n}`` is an
integer from ``rules.area_prefix_length``, never user input.
"""

# ruff: noqa: S608 - the statements are composed of module constants; values are bound parameters
from __future__ import annotations

from typing import Final

from minzheng.applications.models import Application
from minzheng.payments import sqlnames as n
from minzheng.payments.models import ReserveEntry
from minzheng.payments.rules import ReserveEntryKind
from minzheng.payments.sqlportable import fen

APPLICATION: Final = Application._meta.db_table
RESERVE_ENTRY: Final = ReserveEntry._meta.db_table
DRAW: Final = ReserveEntryKind.DRAW.value
PAID_STATUSES: Final = f"'{n.PAID}', '{n.PAID_OTHERWISE}', '{n.OFFSET}'"

# The household's registered division, for the prefix filter and the row key.
_PLACE = f"JOIN {n.HOUSEHOLD} h ON h.id = {{household}} JOIN {n.DIVISION} hd ON hd.id = h.hukou_division_id"

# Recipients of the monthly programmes: an enrolment counts when it is not suspended, had not ended before
# the period and a period with an amount covers at least one of its months (for one month: the existing
# payroll notion of "current"). A household or person enrolled twice in the period (exit and re-entry in
# the year) counts once, with its latest enrolment (``rn = 1``; window functions run on PostgreSQL and on
# SQLite ≥ 3.25). g = 1: by row and programme; 2: by programme (distinct over all rows); 3: the tiered
# programme by care tier.
RECIPIENTS: Final = f"""
WITH all_e AS (
    SELECT e.programme, e.household_id, e.level, substr(hd.code, 1, {{n}}) AS area,
           CASE WHEN e.person_id IS NULL THEN h.member_count ELSE 1 END AS persons,
           row_number() OVER (
               PARTITION BY e.programme, e.household_id, coalesce(e.person_id, 0) ORDER BY e.id DESC
           ) AS rn
    FROM {n.ENROLMENT} e {_PLACE.format(household="e.household_id")}
    WHERE hd.code LIKE %(prefix)s AND e.programme <> %(one_off)s AND e.status <> '{n.SUSPENDED}'
      AND (e.ends_month IS NULL OR e.ends_month >= %(first)s)
      AND EXISTS (
          SELECT 1 FROM {n.PERIOD} p
          WHERE p.enrolment_id = e.id AND p.monthly_amount > 0 AND p.from_month <= %(last)s
            AND (p.until_month IS NULL OR p.until_month > %(first)s))
),
e AS (SELECT programme, household_id, level, area, persons FROM all_e WHERE rn = 1)
SELECT 1 AS g, area, programme, '' AS tier, count(DISTINCT household_id), coalesce(sum(persons), 0)
FROM e GROUP BY area, programme
UNION ALL
SELECT 2, '', programme, '', count(DISTINCT household_id), coalesce(sum(persons), 0)
FROM e GROUP BY programme
UNION ALL
SELECT 3, '', programme, level, count(DISTINCT household_id), coalesce(sum(persons), 0)
FROM e WHERE programme = %(tiered)s GROUP BY programme, level"""

# Amounts of the approved payrolls of the period's months, in fen: owed (应发) and paid (实发: paid, paid
# otherwise, offset). Amounts add up, so the total is the sum of the rows.
AMOUNTS: Final = f"""
SELECT substr(hd.code, 1, {{n}}) AS area, l.programme, coalesce(sum({fen("l.amount")}), 0),
       coalesce(sum(CASE WHEN l.payment_status IN ({PAID_STATUSES}) THEN {fen("l.amount")} ELSE 0 END), 0)
FROM {n.LINE} l
JOIN {n.PAYROLL} p ON p.id = l.payroll_id AND p.status = '{n.APPROVED}'
     AND p.month >= %(first)s AND p.month <= %(last)s
{_PLACE.format(household="l.household_id")}
WHERE hd.code LIKE %(prefix)s
GROUP BY substr(hd.code, 1, {{n}}), l.programme"""

# 临时救助 grants (户次) and the persons they reached (人次): a temporary-aid enrolment paid by a payroll of
# the period (once, however many instalments), and an application paid from the township reserve fund
# (备用金) in the period (once, however many draws) — with the reserve money, which no payroll carries.
GRANTS: Final = f"""
WITH g AS (
    SELECT DISTINCT 'enrolment' AS source, l.enrolment_id AS grant_id, substr(hd.code, 1, {{n}}) AS area,
           CASE WHEN e.person_id IS NULL THEN h.member_count ELSE 1 END AS persons, 0 AS reserve
    FROM {n.LINE} l
    JOIN {n.PAYROLL} p ON p.id = l.payroll_id AND p.status = '{n.APPROVED}'
         AND p.month >= %(first)s AND p.month <= %(last)s
    JOIN {n.ENROLMENT} e ON e.id = l.enrolment_id
    {_PLACE.format(household="l.household_id")}
    WHERE l.programme = %(one_off)s AND l.amount > 0 AND hd.code LIKE %(prefix)s
    UNION ALL
    SELECT 'reserve', r.application_id, substr(hd.code, 1, {{n}}),
           max(CASE WHEN a.subject_id IS NULL THEN h.member_count ELSE 1 END), sum({fen("r.amount")})
    FROM {RESERVE_ENTRY} r
    JOIN {APPLICATION} a ON a.id = r.application_id
    {_PLACE.format(household="a.household_id")}
    WHERE r.kind = '{DRAW}' AND r.entry_date >= %(first)s AND r.entry_date < %(until)s
      AND hd.code LIKE %(prefix)s
    GROUP BY r.application_id, substr(hd.code, 1, {{n}})
)
SELECT area, count(*), coalesce(sum(persons), 0), coalesce(sum(reserve), 0) FROM g GROUP BY area"""

# The trend: money of each of the twelve months by programme (payrolls by their month, reserve draws by
# the month of their date), over a ``VALUES`` calendar of (month, next month).
TREND: Final = f"""
WITH calendar(m, n) AS (VALUES {{calendar}})
SELECT c.m, l.programme, coalesce(sum({fen("l.amount")}), 0)
FROM calendar c
JOIN {n.PAYROLL} p ON p.month = c.m AND p.status = '{n.APPROVED}'
JOIN {n.LINE} l ON l.payroll_id = p.id
{_PLACE.format(household="l.household_id")}
WHERE hd.code LIKE %(prefix)s
GROUP BY c.m, l.programme
UNION ALL
SELECT c.m, %(one_off)s, coalesce(sum({fen("r.amount")}), 0)
FROM calendar c
JOIN {RESERVE_ENTRY} r ON r.kind = '{DRAW}' AND r.entry_date >= c.m AND r.entry_date < c.n
JOIN {APPLICATION} a ON a.id = r.application_id
{_PLACE.format(household="a.household_id")}
WHERE hd.code LIKE %(prefix)s
GROUP BY c.m"""
