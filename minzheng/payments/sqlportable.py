"""The few pieces that let the raw SQL of payments run unchanged on PostgreSQL and on the embedded SQLite
database of ``make run`` (issue 14 §1; ADR 0022).

* **Money in fen.** SQLite keeps a ``DecimalField`` as an INTEGER or a binary REAL, so a ``sum`` of
  300.10 and 0.20 is not exactly 300.30 there and ``sum(amount) = 0`` can miss. Every amount the statements
  add up or compare is therefore taken as whole fen, ``CAST(round(amount * 100) AS BIGINT)`` — exact in
  both databases (PostgreSQL rounds a ``numeric`` exactly) — and turned back into yuan either in SQL
  (``fen / 100.0`` into a ``numeric(12,2)`` column) or in Python (``from_fen``), never through a float.
  ORM aggregates (``Sum``) come back from SQLite as unscaled ``Decimal``s; they go through
  ``common.money.yuan`` (2 places, ADR 0005).
* **Months as a calendar.** No ``generate_series`` or ``interval`` (PostgreSQL only): the months a
  statement walks are computed in Python (``common.months``) and joined as a ``VALUES`` list of bound
  dates, so both databases compare them as dates (PostgreSQL) or ISO text (SQLite, where dates are stored
  as ``YYYY-MM-DD``). The list is short: the months since the county's first payroll.
* No ``::`` casts, ``GREATEST``/``LEAST`` or ``FILTER``: bound dates need no cast, ``CASE`` does the rest.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import connection

from minzheng.common.months import add_months


def fen(expression: str) -> str:
    """SQL for an amount in yuan as whole fen (an integer in both databases)."""
    return f"CAST(round({expression} * 100) AS BIGINT)"


def from_fen(value: Any) -> Decimal:
    """Whole fen from SQL (``int``, or a ``Decimal`` — PostgreSQL's ``sum(bigint)``) → exact yuan."""
    return Decimal(int(value or 0)).scaleb(-2)


def calendar(first: dt.date, until: dt.date) -> tuple[str, dict[str, dt.date]]:
    """The months ``first`` ≤ m < ``until`` as ``VALUES (%(cal0)s), …`` and its parameters; empty when
    there is none (the caller then has nothing to walk)."""
    months: list[dt.date] = []
    month = first
    while month < until:
        months.append(month)
        month = add_months(month, 1)
    params = {f"cal{i}": m for i, m in enumerate(months)}
    return ", ".join(f"(%({key})s)" for key in params), params


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"
