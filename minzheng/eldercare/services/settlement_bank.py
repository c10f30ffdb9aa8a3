"""The bank file of an approved statement and the import of the bank's result file (reconciliation),
through the payments machinery (``payments.bankfiles``: templates, rendering, parsing).

One payee per statement: the provider's account copied onto the statement at generation, decrypted only
to write the file (recorded in the personal-data access log). The bank echoes the statement number as the
row's reference; the result marks the statement paid or failed with the bank's reason."""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.common import crypto
from minzheng.eldercare.models import Settlement
from minzheng.eldercare.rules import settlement as rules
from minzheng.eldercare.rules.settlement import PaymentOutcome, SettlementStatus
from minzheng.eldercare.services.settlement import (
    CHECKER_CAPABILITIES,
    SettlementInvalid,
    _require_any,
    settlement_locked_get,
    transition_apply,
)
from minzheng.payments import bankfiles
from minzheng.payments.bankfiles import BankBatch, BankRow
from minzheng.payments.errors import BankFileInvalid
from minzheng.payments.gateways import BankFile
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import BANK_INDEX

EXPORTABLE = (SettlementStatus.APPROVED, SettlementStatus.EXPORTED)


def settlement_bank_batch(statement: Settlement) -> BankBatch:
    """The one bank row of a statement, with the decrypted account (only for the bank file)."""
    if not statement.bank_account_encrypted:
        raise BankFileInvalid(
            f"服务机构“{statement.provider.name}”没有登记银行账号，银行文件未生成；"
            "请先在服务机构信息中登记账号，再退回并重新生成结算单",
            rows=[(1, f"结算单 {statement.number}")],
        )
    if statement.total_amount <= 0:
        raise SettlementInvalid(f"结算单 {statement.number} 结算金额为 0，无需生成银行文件")
    purpose = rules.payment_purpose(statement.month)
    row = BankRow(
        statement.number,
        crypto.decrypt(statement.bank_account_encrypted),
        statement.payee_name,
        statement.total_amount,
        purpose,
    )
    return BankBatch(statement.number, timezone.localdate(), purpose, [row])


def settlement_bank_file(*, actor: User, settlement_id: int, template_code: str) -> BankFile:
    """Render an approved statement as a bank batch file; the first export moves it to 已生成银行文件
    (a second download of an exported statement gives the same rows)."""
    _require_any(actor, *CHECKER_CAPABILITIES)
    template = bankfiles.template_get(template_code)
    with transaction.atomic():
        statement = settlement_locked_get(actor, settlement_id)
        if statement.status not in EXPORTABLE:
            raise SettlementInvalid(
                f"结算单 {statement.number} 当前为“{SettlementStatus(statement.status).label}”，"
                "审核通过后才能生成银行文件"
            )
        batch = settlement_bank_batch(statement)
        content = bankfiles.bank_file_render(template, batch)
        if statement.status == SettlementStatus.APPROVED:
            export = rules.transition_for("export")
            assert export is not None
            transition_apply(statement, export, actor, template.label)
        statement.exported_at, statement.bank_template = timezone.now(), template.code
        statement.save(update_fields=["exported_at", "bank_template", "updated_at"])
        personal_data_access_record(
            actor=actor,
            fields=["bank_account"],
            purpose=f"养老服务结算银行文件 {statement.number}",
            record_count=1,
        )
    return BankFile(f"{statement.number}.{template.extension}", template, content, batch)


def _account_index(account: str) -> str:
    try:
        return crypto.blind_index(normalise_bank_account(account), purpose=BANK_INDEX)
    except Exception:  # noqa: BLE001 - a malformed account simply does not match
        return ""


def _problems(statement: Settlement, parsed: bankfiles.ParsedResult) -> list[tuple[int, str]]:
    problems: list[tuple[int, str]] = []
    if parsed.batch_number != statement.number:
        problems.append((1, f"批次号 {parsed.batch_number} 与结算单 {statement.number} 不符"))
    if len(parsed.rows) != 1:
        problems.append((0, f"回盘应有 1 笔明细，实有 {len(parsed.rows)} 笔"))
    for row in parsed.rows:
        if row.reference != statement.number or _account_index(row.account) != statement.bank_account_index:
            problems.append(
                (
                    row.line_number,
                    f"无法匹配：业务参考号 {row.reference}、账号末四位 {row.account[-4:]} 不属于本结算单",
                )
            )
        elif row.amount != statement.total_amount:
            problems.append(
                (row.line_number, f"金额 {row.amount} 元与结算金额 {statement.total_amount} 元不符")
            )
    if parsed.declared_total != statement.total_amount or parsed.declared_count != 1:
        problems.append(
            (
                0,
                f"汇总 {parsed.declared_count} 笔 {parsed.declared_total} 元"
                f"与结算单 1 笔 {statement.total_amount} 元不符",
            )
        )
    return problems


def settlement_result_import(
    *, actor: User, settlement_id: int, template_code: str, data: bytes
) -> Settlement:
    """Apply the bank's result file: the statement becomes 已对账, paid or failed with the bank's reason.
    All or nothing: a file that does not match the statement (number, account, amount) is refused with
    the rows at fault. Importing the same file again changes nothing; another file is refused."""
    _require_any(actor, *CHECKER_CAPABILITIES)
    template = bankfiles.template_get(template_code)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        statement = settlement_locked_get(actor, settlement_id)
        if statement.status == SettlementStatus.RECONCILED:
            if statement.result_digest == digest:
                return statement
            raise BankFileInvalid(f"结算单 {statement.number} 已导入过另一份回盘文件，未做任何修改")
        parsed = bankfiles.bank_result_parse(template, data)
        problems = _problems(statement, parsed)
        if problems:
            raise BankFileInvalid(
                f"回盘文件有 {len(problems)} 处问题，已拒绝导入，未做任何修改", rows=problems
            )
        row = parsed.rows[0]
        reconcile = rules.transition_for("reconcile")
        assert reconcile is not None
        outcome = PaymentOutcome.PAID if row.paid else PaymentOutcome.FAILED
        transition_apply(
            statement, reconcile, actor, f"{outcome.label}" + (f"：{row.reason}" if row.reason else "")
        )
        statement.payment_outcome, statement.bank_reason = outcome, row.reason[:100]
        statement.reconciled_at, statement.result_digest = timezone.now(), digest
        statement.save(
            update_fields=["payment_outcome", "bank_reason", "reconciled_at", "result_digest", "updated_at"]
        )
        event_record(
            actor=actor,
            verb="eldercare.settlement.result_import",
            object_type="eldercare_settlement",
            object_id=statement.pk,
            division_code=statement.county.code,
            summary=f"导入回盘：结算单 {statement.number} {outcome.label} {row.amount} 元"
            + (f"（{row.reason}）" if row.reason else ""),
        )
    return statement
