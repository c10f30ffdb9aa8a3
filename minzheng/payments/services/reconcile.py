"""The reconciliation of a bank result file, column by column (issue 21): whether a file reconciles with the
payroll is decided with Arrow compute functions and a hash join instead of a Python loop per row, and a good
file is written with two set-based UPDATEs. A file that does not reconcile is reported row by row by
``bank._match`` (the same messages as before); this module only answers yes or no and writes.

The checks are those of ``bank._match`` (docs/payments.md §3): the batch number; every row matches a payment
of the batch by reference and account (compared by the blind index of the account) with the same amount,
no reference twice, none missing; the declared count and total equal the rows'; paid + failed equal the
batch total to the fen.
"""

# ruff: noqa: S608 - the statements are composed of module constants; values are bound parameters
from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
from django.db import connection
from django.utils import timezone

from minzheng.common import crypto
from minzheng.payments import sqlnames as n
from minzheng.payments.bankfiles import ResultColumns
from minzheng.payments.models import Payroll
from minzheng.payments.rules import FAILED_WITHOUT_REASON
from minzheng.payments.sqlportable import fen, from_fen, is_postgresql
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import BANK_INDEX

# One bank payment per enrolment with a positive net (as the bank file): reference, account index, fen.
_PAYMENTS = f"""
SELECT CAST(enrolment_id AS TEXT) AS reference, min(bank_account_index) AS idx, sum({fen("amount")}) AS fen
FROM {n.LINE} WHERE payroll_id = %s
GROUP BY enrolment_id HAVING sum({fen("amount")}) > 0"""

_SCHEMA = pa.schema([("reference", pa.string()), ("index", pa.string()), ("fen", pa.int64())])


def _expected(payroll: Payroll) -> pa.Table:
    """The payroll's payments as an Arrow table: on PostgreSQL as one CSV text (``string_agg``: one value,
    not a Python object or a libpq call per row) read by Arrow's CSV reader, elsewhere from the cursor.
    The values are digits and hex, nothing to quote."""
    if is_postgresql():
        import pyarrow.csv as pacsv

        with connection.cursor() as cursor:
            csv_rows = "string_agg(concat_ws(',', r.reference, r.idx, r.fen), E'\\n')"
            cursor.execute(f"SELECT {csv_rows} FROM ({_PAYMENTS}) AS r", [payroll.pk])
            text = cursor.fetchone()[0] or ""
        return pacsv.read_csv(
            pa.py_buffer(text.encode()),
            read_options=pacsv.ReadOptions(column_names=_SCHEMA.names),
            convert_options=pacsv.ConvertOptions(column_types=_SCHEMA, strings_can_be_null=False),
        )
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENTS, [payroll.pk])
        rows = cursor.fetchall()
    return pa.Table.from_pylist([dict(zip(_SCHEMA.names, r, strict=True)) for r in rows], schema=_SCHEMA)


def _blind_indexes(accounts: list[str]) -> list[str]:
    """The account's blind index per row, as ``bank._account_index``: ``crypto.blind_indexes`` (two prepared
    SHA-256 states per row) for the accounts that are already normal (12–30 ASCII digits), the full
    normalisation for the others."""
    joined = "".join(accounts)
    if (
        accounts
        and joined.isascii()
        and joined.isdigit()
        and 12 <= min(map(len, accounts)) <= max(map(len, accounts)) <= 30
    ):
        return crypto.blind_indexes(accounts, purpose=BANK_INDEX)  # the usual file: every account normal
    normal = [account.isascii() and account.isdigit() and 12 <= len(account) <= 30 for account in accounts]
    hashed = iter(
        crypto.blind_indexes([a for a, ok in zip(accounts, normal, strict=True) if ok], purpose=BANK_INDEX)
    )
    return [next(hashed) if ok else _account_index(a) for a, ok in zip(accounts, normal, strict=True)]


def _account_index(account: str) -> str:
    try:
        return crypto.blind_index(normalise_bank_account(account), purpose=BANK_INDEX)
    except Exception:  # noqa: BLE001 - a malformed account simply does not match
        return ""


def reconciles(payroll: Payroll, columns: ResultColumns) -> bool:
    """True when the file has none of the problems ``bank._match`` reports."""
    count = len(columns.references)
    expected = _expected(payroll)
    if columns.batch_number != payroll.number or count != expected.num_rows:
        return False
    total = sum(columns.amounts_fen)
    if (columns.declared_count, columns.declared_total) != (count, from_fen(total)):
        return False
    if total != (pc.sum(expected["fen"]).as_py() or 0):
        return False
    got = pa.table(
        {
            "reference": pa.array(columns.references, pa.string()),
            "index_got": pa.array(_blind_indexes(columns.accounts), pa.string()),
            "fen_got": pa.array(columns.amounts_fen, pa.int64()),
        }
    )
    # Each row's payment: its position in ``expected`` by reference (a hash lookup, cheaper than a join).
    # As many rows as payments, each found, none twice: every payment once.
    position = pc.index_in(got["reference"], value_set=expected["reference"])
    if position.null_count or pc.count_distinct(position).as_py() != count:
        return False  # an unknown reference, or one twice
    return bool(
        pc.all(pc.equal(got["index_got"], expected["index"].take(position))).as_py() is not False
        and pc.all(pc.equal(got["fen_got"], expected["fen"].take(position))).as_py() is not False
    )


def results_write(payroll: Payroll, columns: ResultColumns) -> None:
    """Apply a reconciled file. The few rows that carry something besides "paid" — a failure, or a
    reason from the bank — are written from arrays (``unnest``; ``json_each`` on SQLite); then every
    other pending line of the payroll becomes paid in one UPDATE with no list at all. That is exactly the
    lines of the file's payments: the file was checked to hold the payroll's payments (enrolments with a
    positive net), each once, and after approval every line of an enrolment whose net is not positive is
    ``offset`` (a net is never negative: the capped deduction; a zero net is offset at approval)."""
    today = timezone.localdate()
    special = [
        (int(reference), n.PAID, reason[:100]) if paid else (int(reference), n.FAILED, _failure(reason))
        for reference, paid, reason in zip(columns.references, columns.paid, columns.reasons, strict=True)
        if not paid or reason
    ]
    line, pending = n.LINE, f"{n.LINE}.payment_status = '{n.PENDING}'"
    if is_postgresql():
        source = "unnest(%s::bigint[], %s::text[], %s::text[]) AS u(enrolment_id, status, reason)"
        params: list[Any] = [[r[0] for r in special], [r[1] for r in special], [r[2] for r in special]]
    else:
        source = (
            "(SELECT json_extract(value, '$[0]') AS enrolment_id, json_extract(value, '$[1]') AS status,"
            " json_extract(value, '$[2]') AS reason FROM json_each(%s)) AS u"
        )
        params = [json.dumps(special, ensure_ascii=False)]
    with connection.cursor() as cursor:
        if special:
            cursor.execute(
                f"""UPDATE {line} SET payment_status = u.status, bank_reason = u.reason,
                       settled_on = CASE WHEN u.status = '{n.PAID}' THEN %s END
                   FROM {source}
                   WHERE {line}.payroll_id = %s AND {line}.enrolment_id = u.enrolment_id AND {pending}""",
                [today, *params, payroll.pk],
            )
        # Only ``payment_status`` and ``settled_on``, which no index names: a HOT update of every line
        # (models.PayrollLine). A pending line's ``bank_reason`` is already empty.
        cursor.execute(
            f"UPDATE {line} SET payment_status = '{n.PAID}', settled_on = %s"
            f" WHERE payroll_id = %s AND {pending}",
            [today, payroll.pk],
        )


def _failure(reason: str) -> str:
    """The reason stored for a failed payment: the bank's, or ``FAILED_WITHOUT_REASON`` when it gave none
    (a failed line always has one, CHECK ``payroll_line_failed_has_reason``)."""
    return reason[:100] or FAILED_WITHOUT_REASON
