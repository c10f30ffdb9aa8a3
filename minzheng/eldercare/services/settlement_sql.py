"""The SQL that writes a month's statements: one ``INSERT … SELECT`` for the lines of every draft statement
of a county and month, one for the excluded orders, one ``GROUP BY`` for the totals — never a query per
order (house rules, ADR 0007). Called only by ``services.settlement`` inside its transaction.

Portable (ADR 0022): runs unchanged on PostgreSQL and on the embedded SQLite database. Bound datetimes go
through ``connection.ops.adapt_datetimefield_value`` (SQLite stores naive UTC text); a non-empty EVV
``flags`` list is compared as jsonb on PostgreSQL and as text on SQLite (``CAST(flags AS TEXT)``); amounts
are copied, never computed, and the totals are summed in whole fen (``payments.sqlportable.fen``).
"""

# ruff: noqa: S608 - the statements are composed of module constants; values are bound parameters
from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.db import connection

from minzheng.divisions.models import Division
from minzheng.eldercare.choices import OrderStatus
from minzheng.eldercare.models import (
    OlderPerson,
    ServiceItem,
    ServiceOrder,
    Settlement,
    SettlementExclusion,
    SettlementLine,
)
from minzheng.eldercare.models.orders import ReviewDecision
from minzheng.eldercare.rules.settlement import ExclusionReason, SettlementStatus
from minzheng.payments.sqlportable import fen, from_fen
from minzheng.registry.models import Person

ORDER: Final = ServiceOrder._meta.db_table
ITEM: Final = ServiceItem._meta.db_table
OLDER: Final = OlderPerson._meta.db_table
PERSON: Final = Person._meta.db_table
DIVISION: Final = Division._meta.db_table
SETTLEMENT: Final = Settlement._meta.db_table
LINE: Final = SettlementLine._meta.db_table
EXCLUSION: Final = SettlementExclusion._meta.db_table
CONFIRMED: Final = OrderStatus.CONFIRMED.value
DISPUTED: Final = OrderStatus.DISPUTED.value
SERVED: Final = OrderStatus.SERVED.value
DRAFT: Final = SettlementStatus.DRAFT.value

# The township's acceptance of a flagged check-in (``orders.order_review``: 核验属实) lets the order be paid.
ACCEPTED: Final = ReviewDecision.ACCEPTED.value


def _flag_accepted() -> str:
    return f"o.review_decision = '{ACCEPTED}'"


def _flagged() -> str:
    """A non-empty EVV flag list not accepted. On PostgreSQL as jsonb (its statistics give the planner the
    right row count; a text cast has none and made it pick nested loops over a million orders)."""
    if connection.vendor == "postgresql":
        return f"(o.flags <> '[]'::jsonb AND NOT ({_flag_accepted()}))"
    return f"(CAST(o.flags AS TEXT) NOT IN ('[]', '') AND NOT ({_flag_accepted()}))"


# The month's candidate orders of the county not yet on any statement, joined to their draft statement.
_CANDIDATES = f"""
FROM {ORDER} o
JOIN {DIVISION} d ON d.id = o.division_id
JOIN {SETTLEMENT} s ON s.provider_id = o.provider_id AND s.county_id = %(county)s AND s.month = %(month)s
 AND s.status = '{DRAFT}'
JOIN {ITEM} i ON i.id = o.item_id
JOIN {OLDER} op ON op.id = o.older_person_id
JOIN {PERSON} p ON p.id = op.person_id
WHERE d.code LIKE %(prefix)s
  AND (%(provider)s = 0 OR o.provider_id = %(provider)s)
  AND NOT EXISTS (SELECT 1 FROM {LINE} l WHERE l.order_id = o.id)
"""

# Served in the month — or served earlier and confirmed in the month, the month's statement being then
# already approved (a late confirmation is paid once, with the month it was confirmed in).
_SERVED_IN_MONTH = "(o.check_out_at >= %(start)s AND o.check_out_at < %(until)s)"
_PAYABLE_IN_MONTH = f"""({_SERVED_IN_MONTH} OR (o.check_out_at < %(start)s
    AND o.confirmed_at >= %(start)s AND o.confirmed_at < %(until)s))"""

LINES = """
INSERT INTO {line} (settlement_id, order_id, order_number, older_person_id, person_name, division_id, kind,
    item_name, served_at, quantity, unit_price, amount, co_payment, subsidy)
SELECT s.id, o.id, o.number, o.older_person_id, p.name, o.division_id, i.kind, i.name, o.check_out_at,
    o.quantity, o.unit_price, o.amount, o.co_payment, o.subsidy
{candidates}
  AND {payable} AND o.status = '{confirmed}' AND NOT {flagged}
ORDER BY o.check_out_at, o.number
ON CONFLICT DO NOTHING
"""

EXCLUSIONS = """
INSERT INTO {exclusion} (settlement_id, order_id, order_number, person_name, item_name, subsidy, reason,
    detail)
SELECT s.id, o.id, o.number, p.name, i.name, o.subsidy,
    CASE WHEN o.status = '{disputed}' THEN '{r_disputed}'
         WHEN o.status = '{served}' THEN '{r_unconfirmed}' ELSE '{r_flagged}' END,
    CASE WHEN o.status = '{disputed}' THEN o.dispute_reason
         WHEN o.status = '{served}' THEN '' ELSE CAST(o.flags AS TEXT) END
{candidates}
  AND {served_in_month}
  AND (o.status IN ('{disputed}', '{served}') OR (o.status = '{confirmed}' AND {flagged}))
ORDER BY o.check_out_at, o.number
"""

PROVIDERS = f"""
SELECT DISTINCT o.provider_id
FROM {ORDER} o JOIN {DIVISION} d ON d.id = o.division_id
WHERE d.code LIKE %(prefix)s AND {_PAYABLE_IN_MONTH}
  AND o.status IN ('{CONFIRMED}', '{DISPUTED}', '{SERVED}')
  AND (%(provider)s = 0 OR o.provider_id = %(provider)s)
  AND NOT EXISTS (SELECT 1 FROM {LINE} l WHERE l.order_id = o.id)
ORDER BY o.provider_id
"""

TOTALS = f"""
SELECT l.settlement_id, count(*), sum({fen("l.amount")}), sum({fen("l.co_payment")}), sum({fen("l.subsidy")})
FROM {LINE} l WHERE l.settlement_id IN (
    SELECT id FROM {SETTLEMENT} WHERE county_id = %(county)s AND month = %(month)s AND status = '{DRAFT}'
      AND (%(provider)s = 0 OR provider_id = %(provider)s))
GROUP BY l.settlement_id
"""

EXCLUDED_COUNTS = f"""
SELECT x.settlement_id, count(*) FROM {EXCLUSION} x WHERE x.settlement_id IN (
    SELECT id FROM {SETTLEMENT} WHERE county_id = %(county)s AND month = %(month)s AND status = '{DRAFT}'
      AND (%(provider)s = 0 OR provider_id = %(provider)s))
GROUP BY x.settlement_id
"""


def _statement(template: str) -> str:
    return template.format(
        line=LINE,
        exclusion=EXCLUSION,
        candidates=_CANDIDATES,
        payable=_PAYABLE_IN_MONTH,
        served_in_month=_SERVED_IN_MONTH,
        confirmed=CONFIRMED,
        disputed=DISPUTED,
        served=SERVED,
        flagged=_flagged(),
        r_disputed=ExclusionReason.DISPUTED.value,
        r_unconfirmed=ExclusionReason.UNCONFIRMED.value,
        r_flagged=ExclusionReason.FLAGGED.value,
    )


def params(
    *, county: Division, month: dt.date, start: dt.datetime, until: dt.datetime, provider_id: int
) -> dict[str, Any]:
    adapt = connection.ops.adapt_datetimefield_value
    return {
        "county": county.pk,
        "month": month,
        "prefix": f"{county.code[:6]}%",
        "start": adapt(start),
        "until": adapt(until),
        "provider": provider_id,
    }


def providers_with_orders(values: dict[str, Any]) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(PROVIDERS, values)
        return [row[0] for row in cursor.fetchall()]


def lines_write(values: dict[str, Any]) -> tuple[int, int]:
    """Write the lines and the exclusions of the locked draft statements; returns both counts."""
    with connection.cursor() as cursor:
        cursor.execute(_statement(LINES), values)
        lines = cursor.rowcount
        cursor.execute(_statement(EXCLUSIONS), values)
        return lines, cursor.rowcount


def totals(values: dict[str, Any]) -> dict[int, tuple[int, Any, Any, Any, int]]:
    """Per draft statement: line count, service amount, co-payment, subsidy (exact yuan), excluded count."""
    with connection.cursor() as cursor:
        cursor.execute(TOTALS, values)
        sums = {r[0]: (int(r[1]), from_fen(r[2]), from_fen(r[3]), from_fen(r[4])) for r in cursor.fetchall()}
        cursor.execute(EXCLUDED_COUNTS, values)
        excluded = {r[0]: int(r[1]) for r in cursor.fetchall()}
    zero = (0, from_fen(0), from_fen(0), from_fen(0))
    return {key: (*sums.get(key, zero), excluded.get(key, 0)) for key in sums.keys() | excluded.keys()}
