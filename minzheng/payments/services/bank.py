"""The bank file of an approved payroll, the bank's result import (reconciliation) and payment by another
method."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import NotFound
from minzheng.common.months import month_label
from minzheng.payments import bankfiles, rules
from minzheng.payments import sqlnames as n
from minzheng.payments.bankfiles import BankBatch, BankRow
from minzheng.payments.errors import (
    BankFileInvalid,
    PayrollInvalid,
)
from minzheng.payments.gateways import BankFile
from minzheng.payments.models import Payroll, PayrollLine, ResultImport
from minzheng.payments.rules import PaymentStatus, PayrollStatus
from minzheng.payments.services._access import _require
from minzheng.payments.services.reconcile import reconciles, results_write
from minzheng.payments.sqlportable import fen, from_fen
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import BANK_INDEX

# --- bank file -----------------------------------------------------------------------------------------

# One bank payment per enrolment: the net of its lines when positive, to the payee snapshot the lines carry
# (issue 16 §2, ADR 0022: never the household's current account). The lines of one enrolment in one payroll
# carry the same snapshot (written by the same generation); ``min`` keeps one row per enrolment regardless.
_PAYMENTS_SQL = f"""
SELECT l.enrolment_id, min(l.programme), min(l.bank_account_encrypted), min(l.bank_account_index),
       min(l.payee_name), sum({fen("l.amount")})
FROM {n.LINE} l
WHERE l.payroll_id = %s
GROUP BY l.enrolment_id
HAVING sum({fen("l.amount")}) > 0
ORDER BY l.enrolment_id
"""


@dataclass(frozen=True)
class _Payment:
    reference: str
    programme: str
    account_encrypted: str
    account_index: str
    name: str
    amount: Decimal


def _payments(payroll: Payroll) -> list[_Payment]:
    """One bank payment per enrolment: the net of its lines, when positive (one GROUP BY)."""
    with connection.cursor() as cursor:
        cursor.execute(_PAYMENTS_SQL, [payroll.pk])
        return [_Payment(str(r[0]), r[1], r[2], r[3], r[4], from_fen(r[5])) for r in cursor.fetchall()]


def _approved(actor: User, payroll_id: int, *, lock: bool = False) -> Payroll:
    query = Payroll.objects.select_for_update() if lock else Payroll.objects.all()
    payroll = query.select_related("county").filter(pk=payroll_id).first()
    if payroll is None or not actor.scope_prefix or not payroll.county.code.startswith(actor.scope_prefix):
        raise NotFound("发放批次不存在或不在您的管辖范围内")
    if payroll.status != PayrollStatus.APPROVED:
        raise PayrollInvalid(f"发放批次 {payroll.number} 尚未审核，不能生成银行文件或导入回盘")
    return payroll


def payroll_bank_batch(payroll: Payroll) -> BankBatch:
    """The bank rows of an approved payroll, with decrypted accounts (only for the bank file)."""
    missing = []
    rows = []
    for number, payment in enumerate(_payments(payroll), start=1):
        if not payment.account_encrypted:
            missing.append((number, f"{payment.name}（业务参考号 {payment.reference}）没有登记银行账号"))
            continue
        rows.append(
            BankRow(
                payment.reference,
                crypto.decrypt(payment.account_encrypted),
                payment.name,
                payment.amount,
                rules.payment_purpose(payment.programme, payroll.month),
            )
        )
    if missing:
        raise BankFileInvalid(f"有 {len(missing)} 户没有银行账号，银行文件未生成", rows=missing)
    purpose = f"社会救助资金{month_label(payroll.month)}"
    return BankBatch(payroll.number, timezone.localdate(), purpose, rows)


def payroll_bank_file(*, actor: User, payroll_id: int, template_code: str) -> BankFile:
    """Render the approved payroll as a bank batch file (full account numbers: recorded in the
    personal-data access log)."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    template = bankfiles.template_get(template_code)
    with transaction.atomic():
        payroll = _approved(actor, payroll_id, lock=True)
        batch = payroll_bank_batch(payroll)
        content = bankfiles.bank_file_render(template, batch)
        payroll.exported_at = timezone.now()
        payroll.save(update_fields=["exported_at", "updated_at"])
        personal_data_access_record(
            actor=actor,
            fields=["bank_account"],
            purpose=f"银行代发文件 {payroll.number}",
            record_count=len(batch.rows),
        )
        event_record(
            actor=actor,
            verb="payroll.bank_file",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=payroll.county.code,
            summary=f"生成银行文件（{template.label}）：{len(batch.rows)} 笔，{batch.total} 元",
        )
    return BankFile(f"{payroll.number}.{template.extension}", template, content, batch)


# --- reconciliation ------------------------------------------------------------------------------------


def _account_index(account: str) -> str:
    try:
        return crypto.blind_index(normalise_bank_account(account), purpose=BANK_INDEX)
    except Exception:  # noqa: BLE001 - a malformed account simply does not match
        return ""


def _match(payroll: Payroll, parsed: bankfiles.ParsedResult) -> list[tuple[int, str]]:
    """Every row-level problem of a parsed result file against the payroll's bank rows."""
    expected = {p.reference: p for p in _payments(payroll)}
    total = sum((p.amount for p in expected.values()), Decimal("0.00"))
    problems: list[tuple[int, str]] = []
    if parsed.batch_number != payroll.number:
        problems.append((1, f"批次号 {parsed.batch_number} 与发放批次 {payroll.number} 不符"))
    seen: set[str] = set()
    for row in parsed.rows:
        payment = expected.get(row.reference)
        if payment is None or _account_index(row.account) != payment.account_index:
            problems.append(
                (
                    row.line_number,
                    f"无法匹配：业务参考号 {row.reference}、账号 {row.account[-4:]:>4}（末四位）不属于本批次",
                )
            )
        elif row.reference in seen:
            problems.append((row.line_number, f"业务参考号 {row.reference} 重复"))
        elif row.amount != payment.amount:
            problems.append((row.line_number, f"金额 {row.amount} 元与本批次应发 {payment.amount} 元不符"))
        seen.add(row.reference)
    paid = sum((r.amount for r in parsed.rows if r.paid), Decimal("0.00"))
    failed = sum((r.amount for r in parsed.rows if not r.paid), Decimal("0.00"))
    if (parsed.declared_count, parsed.declared_total) != (len(parsed.rows), paid + failed):
        problems.append(
            (
                0,
                f"汇总记录 {parsed.declared_count} 笔 {parsed.declared_total} 元与明细 "
                f"{len(parsed.rows)} 笔 {paid + failed} 元不符",
            )
        )
    if paid + failed != total or len(parsed.rows) != len(expected):
        problems.append(
            (
                0,
                f"成功 {paid} 元 + 失败 {failed} 元 = {paid + failed} 元，与批次总额 {total} 元"
                f"（{len(expected)} 笔）不符",
            )
        )
    missing = sorted(set(expected) - seen)
    if missing:
        problems.append((0, f"回盘缺少业务参考号：{'、'.join(missing[:20])}"))
    return problems


def payroll_result_import(
    *, actor: User, payroll_id: int, template_code: str, data: bytes, file_name: str = ""
) -> ResultImport:
    """Apply the bank's result file: each payment's lines become paid or failed with the bank's reason.

    All or nothing: a file with unknown references or accounts, amounts that differ, totals that do not
    reconcile to the yuan (paid + failed = batch total) or the wrong encoding is rejected with a
    row-level report and nothing is written. Importing the same file again changes nothing."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    template = bankfiles.template_get(template_code)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        payroll = _approved(actor, payroll_id, lock=True)
        previous = ResultImport.objects.filter(payroll=payroll).first()
        if previous is not None:
            if previous.sha256 == digest:
                return previous
            raise BankFileInvalid(
                f"发放批次 {payroll.number} 已于 {timezone.localtime(previous.imported_at):%Y-%m-%d %H:%M} "
                "导入过另一份回盘文件，未做任何修改",
                code="result_already_imported",
            )
        columns = bankfiles.bank_result_columns(template, data)
        if not reconciles(payroll, columns):
            # the row-level report, row by row (never empty: the checks are the same)
            problems = _match(payroll, columns.rows()) or [(0, "回盘文件与本批次不符")]
            raise BankFileInvalid(
                f"回盘文件有 {len(problems)} 处问题，已整体拒绝导入，未做任何修改",
                rows=problems,
                code="result_rejected",
            )
        results_write(payroll, columns)
        paid_count = sum(columns.paid)
        paid_fen = sum(fen for fen, ok in zip(columns.amounts_fen, columns.paid, strict=True) if ok)
        imported = ResultImport.objects.create(
            payroll=payroll,
            template=template.code,
            sha256=digest,
            file_name=file_name[:200],
            rows=len(columns.paid),
            paid_count=paid_count,
            failed_count=len(columns.paid) - paid_count,
            paid_amount=from_fen(paid_fen),
            failed_amount=from_fen(sum(columns.amounts_fen) - paid_fen),
            imported_by=actor,
        )
        event_record(
            actor=actor,
            verb="payroll.result_import",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=payroll.county.code,
            summary=f"导入回盘：成功 {imported.paid_count} 笔 "
            f"{imported.paid_amount} 元，失败 {imported.failed_count} 笔 {imported.failed_amount} 元",
        )
    return imported


def payment_mark_paid_otherwise(
    *, actor: User, payroll_id: int, enrolment_id: int, method: str, paid_on: dt.date, note: str = ""
) -> int:
    """A failed bank payment was paid another way (cash, 代领 with the written agreement of Art. 26): its
    failed lines become paid with who, when and how; returns the number of lines. Refused when the
    payment was already put on a later payroll as a retry."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    if not method.strip():
        raise PayrollInvalid("请填写发放方式（如现金）", field="method")
    with transaction.atomic():
        payroll = _approved(actor, payroll_id, lock=True)
        lines = PayrollLine.objects.select_for_update().filter(
            payroll=payroll, enrolment_id=enrolment_id, payment_status=PaymentStatus.FAILED
        )
        if not lines:
            raise PayrollInvalid("该笔发放没有发放失败的明细", field="enrolment_id")
        if PayrollLine.objects.filter(retry_of__in=lines).exists():
            raise PayrollInvalid("该笔发放已列入后续批次重发，不能再登记为其他方式发放")
        count = lines.update(
            payment_status=PaymentStatus.PAID_OTHERWISE,
            paid_method=method.strip()[:20],
            paid_by=actor,
            settled_on=paid_on,
            paid_note=note.strip()[:200],
        )
        event_record(
            actor=actor,
            verb="payroll.paid_otherwise",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=payroll.county.code,
            summary=f"失败发放（在保对象 {enrolment_id}）已以{method}方式发放，{paid_on}",
        )
    return count
