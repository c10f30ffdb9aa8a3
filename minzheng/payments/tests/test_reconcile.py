"""The column-wise reconciliation (issue 21): the Arrow parse gives the rows the row parser gives, a
success row that carries a bank note keeps it, a payment with a net of zero is not touched, and an import
that dies after writing the lines leaves nothing — the rerun writes every payment exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from minzheng.enrolments.models import EntitlementPeriod
from minzheng.payments import bankfiles, services
from minzheng.payments.models import PayrollLine, ResultImport
from minzheng.payments.rules import FAILED_WITHOUT_REASON

from .factories import approve, enrol, month, period

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB = month(2026, 1), month(2026, 2)


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def payroll(users, divisions, household_factory, checker):
    """February approved: three payments (500.00, 300.50, 420.00) and one enrolment netted to zero
    (its January cut back-dated: −100.00 against February's 100.00, settled by offset)."""
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    homes = [household_factory(head_name=name) for name in ("赵一", "钱二", "孙三", "李四")]
    enrol(homes[0], street, "500.00", JAN)
    enrol(homes[1], street, "300.50", JAN)
    enrol(homes[2], street, "420.00", JAN)
    cut = enrol(homes[3], street, "100.00", JAN)
    approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    EntitlementPeriod.objects.filter(enrolment=cut).delete()
    period(cut, "100.00", FEB)
    feb = approve(services.payroll_generate(actor=maker, county=county, month=FEB), maker, checker)
    assert PayrollLine.objects.filter(payroll=feb, payment_status="offset").count() == 2
    return feb


def _file(payroll, template: str = "fixed_gbk") -> tuple[bytes, bankfiles.BankBatch]:
    batch = services.payroll_bank_batch(payroll)
    notes = {batch.rows[0].reference: "账户已冻结", batch.rows[1].reference: "已入账（代发）"}
    data = bankfiles.bank_result_render(bankfiles.TEMPLATES[template], batch, notes)
    # the bank marks the second row a success, with its note
    if template == "fixed_gbk":
        lines = data.split(b"\r\n")
        lines[2] = lines[2][:134] + b"S" + lines[2][135:]
        data = b"\r\n".join(lines)
    else:
        data = data.replace("失败,已入账（代发）".encode(), "成功,已入账（代发）".encode())  # csv_utf8
    return data, batch


@pytest.mark.parametrize("template", ["fixed_gbk", "csv_utf8"])
def test_columns_are_the_rows_of_the_row_parser(payroll, template):
    data, _ = _file(payroll, template)
    spec = bankfiles.TEMPLATES[template]
    assert bankfiles.bank_result_columns(spec, data).rows() == bankfiles.bank_result_parse(spec, data)


def test_import_writes_failures_notes_and_paid_and_leaves_the_offset(users, payroll):
    data, batch = _file(payroll)
    failed, noted, plain = (int(row.reference) for row in batch.rows)

    imported = services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )

    assert (imported.paid_count, imported.paid_amount, imported.failed_count, imported.failed_amount) == (
        2,
        D("720.50"),
        1,
        D("500.00"),
    )
    lines = {
        (line.enrolment_id, line.payment_status, line.bank_reason, line.settled_on)
        for line in PayrollLine.objects.filter(payroll=payroll)
    }
    today = dt.date.today()
    assert {(e, s, r) for e, s, r, _ in lines if s != "offset"} == {
        (failed, "failed", "账户已冻结"),
        (noted, "paid", "已入账（代发）"),
        (plain, "paid", ""),
    }
    assert {d for _, s, _, d in lines if s == "paid"} in ({today}, {today + dt.timedelta(days=1)})
    assert {d for _, s, _, d in lines if s != "paid"} == {None}
    assert PayrollLine.objects.filter(payroll=payroll, payment_status="offset").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fault is injected by a PL/pgSQL trigger")
def test_import_that_dies_leaves_nothing_and_the_rerun_writes_each_payment_once(users, payroll):
    """The process dies after the lines are written, before the import is recorded (a database fault
    injected by a trigger, not a mock): the transaction leaves nothing; the rerun writes everything once."""
    data, _ = _file(payroll)
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION pg_temp.dies() RETURNS trigger LANGUAGE plpgsql AS
               $$ BEGIN RAISE EXCEPTION 'killed'; END $$"""
        )
        cursor.execute(
            f"CREATE TRIGGER dies BEFORE INSERT ON {ResultImport._meta.db_table}"
            " FOR EACH ROW EXECUTE FUNCTION pg_temp.dies()"
        )
    with pytest.raises(Exception, match="killed"):
        services.payroll_result_import(
            actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
        )
    statuses = set(PayrollLine.objects.filter(payroll=payroll).values_list("payment_status", flat=True))
    assert statuses == {"pending", "offset"}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER dies ON {ResultImport._meta.db_table}")

    imported = services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )

    assert (imported.rows, imported.paid_count, imported.failed_count) == (3, 2, 1)
    counts = dict(
        PayrollLine.objects.filter(payroll=payroll).values_list("payment_status").annotate(n=Count("id"))
    )
    assert counts == {"paid": 2, "failed": 1, "offset": 2}


def test_a_failed_payment_is_retried_exactly_once_and_a_paid_one_never(users, divisions, payroll, checker):
    """The retry statement finds failed lines through ``line_bank_reason`` (issue 21): the noted success
    is in that index too, but it is paid, so it is never retried; the failure is retried by the next
    payroll and by no later one."""
    data, batch = _file(payroll)
    failed, noted, plain = (int(row.reference) for row in batch.rows)
    services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )
    failed_line = PayrollLine.objects.get(payroll=payroll, enrolment_id=failed)
    county, maker = divisions["xincheng"], users["county"]

    march = approve(
        services.payroll_generate(actor=maker, county=county, month=month(2026, 3)), maker, checker
    )
    april = services.payroll_generate(actor=maker, county=county, month=month(2026, 4))

    retries = PayrollLine.objects.filter(kind="retry").values_list(
        "payroll_id", "enrolment_id", "retry_of_id"
    )
    assert list(retries) == [(march.pk, failed, failed_line.pk)]
    assert not PayrollLine.objects.filter(payroll=april, kind="retry").exists()
    assert {noted, plain}.isdisjoint(
        PayrollLine.objects.filter(kind="retry").values_list("enrolment_id", flat=True)
    )


def test_a_failure_without_a_reason_is_recorded_with_one_and_retried(users, divisions, payroll):
    """A failed line always carries a reason (CHECK ``payroll_line_failed_has_reason``, which is what puts
    it in the retry statement's index): the import writes one when the bank gave none."""
    batch = services.payroll_bank_batch(payroll)
    data = bankfiles.bank_result_render(
        bankfiles.TEMPLATES["fixed_gbk"], batch, {batch.rows[0].reference: ""}
    )
    services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )
    failed = PayrollLine.objects.get(payroll=payroll, payment_status="failed")
    assert (failed.enrolment_id, failed.bank_reason) == (int(batch.rows[0].reference), FAILED_WITHOUT_REASON)

    march = services.payroll_generate(
        actor=users["county"], county=divisions["xincheng"], month=month(2026, 3)
    )

    assert list(
        PayrollLine.objects.filter(payroll=march, kind="retry").values_list("retry_of_id", flat=True)
    ) == [failed.pk]
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.filter(pk=failed.pk).update(bank_reason="")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's HOT updates and statistics")
def test_the_bulk_paid_update_is_hot(users, payroll):
    """The lines' indexes name neither column the bulk pending → paid UPDATE writes, and the table leaves
    room on its pages (fillfactor 50), so every line it writes is a heap-only update (issue 21; the speed is
    measured in bench/speed-payments.md, not here). The failed and the noted rows change ``bank_reason``, in
    the predicate of ``line_bank_reason``: not HOT, and few."""
    table = PayrollLine._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indrelid = %s::regclass", [table]
        )
        definitions = [row[0] for row in cursor.fetchall()]
        cursor.execute("SELECT reloptions FROM pg_class WHERE oid = %s::regclass", [table])
        options = cursor.fetchone()[0]
    assert len(definitions) == 8
    assert not [d for d in definitions if "payment_status" in d or "settled_on" in d]
    assert "fillfactor=50" in options
    data, _ = _file(payroll)

    def updates() -> tuple[int, int]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = %s::regclass",
                [table],
            )
            return cursor.fetchone()

    before = updates()
    services.payroll_result_import(
        actor=users["county"], payroll_id=payroll.pk, template_code="fixed_gbk", data=data
    )
    after = updates()

    # 3 payments: the failed and the noted one first (not HOT), then the plain paid one (HOT)
    assert (after[0] - before[0], after[1] - before[1]) == (3, 1)


def _mutated(change: str) -> bytes:
    rows = [
        bankfiles.BankRow(str(100 + i), f"62284800123456789{i:02d}", "王建国", D("500.00"), "低保金2026年2月")
        for i in range(3)
    ]
    batch = bankfiles.BankBatch("150102202602", dt.date(2026, 3, 1), "社会救助资金2026年2月", rows)
    lines = bankfiles.bank_result_render(bankfiles.TEMPLATES["fixed_gbk"], batch, {"101": "户名不符"}).split(
        b"\r\n"
    )
    record = lines[2]
    lines[2] = {
        "none": record,
        "a bad byte in the sequence number": record[:2] + b"\x81\x20" + record[4:],
        "a name ending inside a character": record[:68] + "王".encode("gbk")[:1] + record[69:],
        "a name in UTF-8": record[:39] + "王建".encode().ljust(30) + record[69:],
        "an account not in digits": record[:9] + "王".encode("gbk") + record[11:],
        "a record one byte short": record[:-1],
        "a line feed inside a record": record[:50] + b"\n" + record[51:],
        "a purpose that does not decode": record[:84] + b"\xff" * 30 + record[114:],
    }[change]
    return b"\r\n".join(lines)


@pytest.mark.parametrize(
    "change",
    [
        "none",
        "a bad byte in the sequence number",
        "a name ending inside a character",
        "a name in UTF-8",
        "an account not in digits",
        "a record one byte short",
        "a line feed inside a record",
        "a purpose that does not decode",
    ],
)
def test_the_arrow_parse_refuses_what_the_row_parser_refuses(change):
    """The fast path checks fields instead of decoding the whole file; it gives the row parser's rows or
    hands the file to it (which then reports the rows at fault)."""
    spec, data = bankfiles.TEMPLATES["fixed_gbk"], _mutated(change)
    try:
        parsed = bankfiles.bank_result_parse(spec, data)
    except bankfiles.BankFileInvalid:
        parsed = None
    columns = bankfiles._fixed_columns(spec, data)  # noqa: SLF001 - the fast path itself

    if parsed is None:
        assert columns is None  # the row parser reports it
    else:  # the same rows, or (an account not in digits) left to the row parser
        assert columns.rows() == parsed if columns is not None else change == "an account not in digits"
