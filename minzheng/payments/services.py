"""Writes of payments: payroll generation and its transitions (maker-checker, locked after approval), the
bank file, the bank's result import, payment by another method, and the township reserve funds.

Every service is one transaction (the caller's, when there is one: ``reserve_draw`` is called from the
applications workflow) with an audit event; the payroll and the reserve fund rows are locked
(``select_for_update``) before they change, so two users acting at once produce one outcome and a clear
message for the other.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications.models import Application
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability, Role
from minzheng.common import crypto
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.money import yuan
from minzheng.common.months import month_label, month_start
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.payments import bankfiles, generation, rules
from minzheng.payments.bankfiles import BankBatch, BankRow
from minzheng.payments.errors import (
    BankFileInvalid,
    MakerIsChecker,
    PayrollInvalid,
    PayrollLocked,
    PayrollTransitionNotAllowed,
    ReserveError,
    ReserveFundMissing,
    ReserveInsufficient,
)
from minzheng.payments.gateways import BankFile
from minzheng.payments.models import Payroll, PayrollLine, ReserveEntry, ReserveFund, ResultImport
from minzheng.payments.rules import PaymentStatus, PayrollStatus, ReserveEntryKind
from minzheng.registry.rules import normalise_bank_account
from minzheng.registry.services import BANK_INDEX

Progress = Callable[[str, int], None]
TEMPORARY_PROGRAMME = Programme.TEMPORARY_ASSISTANCE
RESERVE_ROLES = frozenset({Role.TOWNSHIP_CASEWORKER, Role.TOWNSHIP_REVIEWER, Role.COUNTY_APPROVER})


def _require(actor: User, capability: Capability) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作", code="forbidden")


def _require_county(actor: User, county: Division) -> None:
    if county.level != Level.COUNTY:
        raise PayrollInvalid(f"发放批次按旗县（市区）编制，{county.name} 不是旗县级区划", field="county")
    prefix = actor.scope_prefix
    if not prefix or not county.code.startswith(prefix):
        raise PermissionDenied(f"{county.name} 不在您的管辖范围内", code="forbidden")


# --- payroll generation --------------------------------------------------------------------------------


def _payroll_locked(county: Division, month: dt.date) -> Payroll | None:
    return Payroll.objects.select_for_update().filter(county=county, month=month).first()


def _check_order(county: Division, month: dt.date) -> None:
    """Months are paid in order: no later payroll exists, every earlier one is approved — so "booked" (the
    lines of approved payrolls) is complete when the adjustments are computed."""
    later = Payroll.objects.filter(county=county, month__gt=month).order_by("month").first()
    if later is not None:
        raise PayrollInvalid(
            f"{county.name} 已有 {month_label(later.month)} 的发放批次，不能再生成更早月份的批次；"
            "追溯的变化会在下一批次中以补发/扣减体现",
            field="month",
        )
    open_earlier = Payroll.objects.filter(county=county, month__lt=month).exclude(
        status=PayrollStatus.APPROVED
    )
    pending = open_earlier.order_by("month").first()
    if pending is not None:
        raise PayrollInvalid(
            f"{month_label(pending.month)} 的发放批次尚未审核，请先完成审核再生成下月批次",
            field="month",
        )


def _payroll_start(actor: User, county: Division, month: dt.date) -> Payroll:
    """The county's draft for the month (created, or emptied for regeneration), locked."""
    payroll = _payroll_locked(county, month)
    now = timezone.now()
    if payroll is None:
        try:
            with transaction.atomic():
                return Payroll.objects.create(
                    number=f"{county.code[:6]}{month:%Y%m}",
                    county=county,
                    month=month,
                    generated_by=actor,
                    generated_at=now,
                )
        except IntegrityError:
            raise PayrollTransitionNotAllowed(
                f"{county.name}{month_label(month)}的发放批次正在由他人生成，请稍后刷新"
            ) from None
    if payroll.status not in rules.REGENERABLE:
        raise PayrollLocked(
            f"发放批次 {payroll.number} 处于“{PayrollStatus(payroll.status).label}”状态，不能重新生成或修改；"
            + ("审核后发现的变化将作为补发/扣减列入下月批次" if payroll.is_locked else "请先退回修改")
        )
    PayrollLine.objects.filter(payroll=payroll).delete()
    payroll.generated_by, payroll.generated_at, payroll.rejected_reason = actor, now, ""
    payroll.save(update_fields=["generated_by", "generated_at", "rejected_reason", "updated_at"])
    return payroll


def payroll_generate(
    *, actor: User, county: Division, month: dt.date, progress: Progress | None = None
) -> Payroll:
    """Generate (or regenerate, while draft) the county's payroll for ``month`` set-based.

    One transaction: a run that stops part-way (error, killed process) leaves nothing, and running it
    again writes exactly the same lines; a draft is emptied and regenerated, so generating twice gives
    the same lines too. Paid monthly to the household account (《最低生活保障审核确认办法》第 25 条).
    ``progress(stage, lines_written)`` is called after each statement (for a background job's progress).
    """
    _require(actor, Capability.MANAGE_PAYMENTS)
    _require_county(actor, county)
    month = month_start(month)
    with transaction.atomic():
        _check_order(county, month)
        payroll = _payroll_start(actor, county, month)
        first = Payroll.objects.filter(county=county).order_by("month").values_list("month", flat=True)[0]
        written: dict[str, int] = {}
        for stage, sql in generation.STAGES:
            written[stage] = generation.stage_run(
                sql,
                payroll_id=payroll.pk,
                county_id=county.pk,
                county_prefix=county.code[:6],
                month=month,
                first_month=first,
            )
            if progress is not None:
                progress(stage, written[stage])
        totals = PayrollLine.objects.filter(payroll=payroll).aggregate(n=Count("id"), total=Sum("amount"))
        payroll.line_count, payroll.total_amount = totals["n"], totals["total"] or Decimal("0.00")
        payroll.save(update_fields=["line_count", "total_amount", "updated_at"])
        event_record(
            actor=actor,
            verb="payroll.generate",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=county.code,
            summary=f"生成发放批次 {payroll.number}：{payroll.line_count} 条，合计 {payroll.total_amount} 元",
            data={"lines": written},
        )
    return payroll


# --- transitions ---------------------------------------------------------------------------------------


def payroll_transition(*, actor: User, payroll_id: int, code: str, reason: str = "") -> Payroll:
    """Submit, approve or send back a payroll (``rules.TRANSITIONS``). Approval and sending back need a
    county user other than the one who generated it (maker-checker); approval locks the payroll."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    transition = rules.transition_for(code)
    if transition is None:
        raise PayrollTransitionNotAllowed(f"未知的操作“{code}”")
    with transaction.atomic():
        payroll = Payroll.objects.select_for_update().filter(pk=payroll_id).first()
        if (
            payroll is None
            or not actor.scope_prefix
            or not payroll.county.code.startswith(actor.scope_prefix)
        ):
            raise NotFound("发放批次不存在或不在您的管辖范围内")
        if payroll.status != transition.source:
            raise PayrollTransitionNotAllowed(
                f"发放批次 {payroll.number} 当前为“{PayrollStatus(payroll.status).label}”，"
                f"不能“{transition.label}”（可能已由他人办理，请刷新）"
            )
        if not rules.maker_checker_ok(transition, maker_id=payroll.generated_by_id, actor_id=actor.pk):
            raise MakerIsChecker(
                f"发放批次由您编制，须由本级另一名审核人员{transition.label}（编制与审核分离）"
            )
        if code == "reject" and not reason.strip():
            raise PayrollInvalid("请填写退回理由", field="reason")
        _apply(payroll, transition, actor, reason.strip())
    return payroll


def _apply(payroll: Payroll, transition: rules.PayrollTransition, actor: User, reason: str) -> None:
    now = timezone.now()
    fields = ["status", "updated_at"]
    payroll.status = transition.target
    if transition.code == "submit":
        payroll.submitted_at = now
        fields.append("submitted_at")
    elif transition.code == "approve":
        payroll.approved_by, payroll.approved_at = actor, now
        fields += ["approved_by", "approved_at"]
        _offset_zero_nets(payroll)
    else:
        payroll.rejected_reason = reason[:200]
        fields.append("rejected_reason")
    payroll.save(update_fields=fields)
    event_record(
        actor=actor,
        verb=f"payroll.{transition.code}",
        object_type="payroll",
        object_id=payroll.pk,
        division_code=payroll.county.code,
        summary=f"{transition.label}：{payroll.number}" + (f"（{reason}）" if reason else ""),
    )


def _offset_zero_nets(payroll: Payroll) -> None:
    """Lines of an enrolment whose net for the payroll is zero (a deduction equal to the month's amount)
    are settled by offset: no bank row is written for them."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE payments_payrollline SET payment_status = 'offset'
               WHERE payroll_id = %s AND enrolment_id IN (
                   SELECT enrolment_id FROM payments_payrollline WHERE payroll_id = %s
                   GROUP BY enrolment_id HAVING sum(amount) = 0)""",
            [payroll.pk, payroll.pk],
        )


def payroll_submit(*, actor: User, payroll_id: int) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="submit")


def payroll_approve(*, actor: User, payroll_id: int) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="approve")


def payroll_reject(*, actor: User, payroll_id: int, reason: str) -> Payroll:
    return payroll_transition(actor=actor, payroll_id=payroll_id, code="reject", reason=reason)


# --- bank file -----------------------------------------------------------------------------------------

_PAYMENTS_SQL = """
SELECT l.enrolment_id, min(l.programme), h.bank_account_encrypted, h.bank_account_index, coalesce(p.name, ''),
       sum(l.amount)
FROM payments_payrollline l
JOIN registry_household h ON h.id = l.household_id
LEFT JOIN registry_person p ON p.id = h.head_id
WHERE l.payroll_id = %s
GROUP BY l.enrolment_id, h.bank_account_encrypted, h.bank_account_index, p.name
HAVING sum(l.amount) > 0
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
        return [_Payment(str(r[0]), r[1], r[2], r[3], r[4], r[5]) for r in cursor.fetchall()]


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
        parsed = bankfiles.bank_result_parse(template, data)
        problems = _match(payroll, parsed)
        if problems:
            raise BankFileInvalid(
                f"回盘文件有 {len(problems)} 处问题，已整体拒绝导入，未做任何修改",
                rows=problems,
                code="result_rejected",
            )
        _results_write(payroll, parsed)
        paid = [r for r in parsed.rows if r.paid]
        failed = [r for r in parsed.rows if not r.paid]
        imported = ResultImport.objects.create(
            payroll=payroll,
            template=template.code,
            sha256=digest,
            file_name=file_name[:200],
            rows=len(parsed.rows),
            paid_count=len(paid),
            failed_count=len(failed),
            paid_amount=sum((r.amount for r in paid), Decimal("0.00")),
            failed_amount=sum((r.amount for r in failed), Decimal("0.00")),
            imported_by=actor,
        )
        event_record(
            actor=actor,
            verb="payroll.result_import",
            object_type="payroll",
            object_id=payroll.pk,
            division_code=payroll.county.code,
            summary=f"导入回盘：成功 {len(paid)} 笔 "
            f"{imported.paid_amount} 元，失败 {len(failed)} 笔 {imported.failed_amount} 元",
        )
    return imported


def _results_write(payroll: Payroll, parsed: bankfiles.ParsedResult) -> None:
    """One UPDATE … FROM unnest(…) for all rows."""
    today = timezone.localdate()
    references = [int(r.reference) for r in parsed.rows]
    statuses = [PaymentStatus.PAID.value if r.paid else PaymentStatus.FAILED.value for r in parsed.rows]
    reasons = [r.reason[:100] for r in parsed.rows]
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE payments_payrollline l
               SET payment_status = u.status, bank_reason = u.reason,
                   settled_on = CASE WHEN u.status = 'paid' THEN %s::date END
               FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS u(enrolment_id, status, reason)
               WHERE l.payroll_id = %s AND l.enrolment_id = u.enrolment_id
                 AND l.payment_status = 'pending'""",
            [today, references, statuses, reasons, payroll.pk],
        )


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


# --- reserve funds (policy-rules.md §3.6) ----------------------------------------------------------------


def _require_township(actor: User, township: Division) -> None:
    if township.level != Level.TOWNSHIP:
        raise ReserveError(f"备用金设在乡镇（街道），{township.name} 不是乡镇级区划", field="township")
    prefix = actor.scope_prefix
    if not prefix or not township.code.startswith(prefix):
        raise PermissionDenied(f"{township.name} 不在您的管辖范围内", code="forbidden")


def _amount(amount: Decimal) -> Decimal:
    value = yuan(amount)
    if value <= 0:
        raise ReserveError("金额必须大于 0", field="amount")
    return value


def _fund_locked(township: Division) -> ReserveFund:
    fund = ReserveFund.objects.select_for_update().filter(township=township).first()
    if fund is None:
        raise ReserveFundMissing(
            f"{township.name} 尚未设立临时救助备用金，请先由旗县民政部门拨付", field="township"
        )
    return fund


def _entry(
    fund: ReserveFund,
    actor: User,
    kind: ReserveEntryKind,
    amount: Decimal,
    day: dt.date,
    *,
    application: Application | None = None,
    settles: ReserveEntry | None = None,
    note: str = "",
) -> ReserveEntry:
    delta = -amount if kind == ReserveEntryKind.DRAW else amount
    ReserveFund.objects.filter(pk=fund.pk).update(balance=F("balance") + delta, updated_at=timezone.now())
    fund.refresh_from_db(fields=["balance"])
    entry = ReserveEntry.objects.create(
        fund=fund,
        kind=kind,
        amount=amount,
        balance_after=fund.balance,
        entry_date=day,
        application=application,
        settles=settles,
        note=note.strip()[:200],
        recorded_by=actor,
    )
    event_record(
        actor=actor,
        verb=f"reserve.{kind}",
        object_type="reserve_fund",
        object_id=fund.pk,
        division_code=fund.township.code,
        summary=f"{ReserveEntryKind(kind).label} {amount} 元，余额 {fund.balance} 元",
        data={"entry": entry.pk},
    )
    return entry


def reserve_allocate(
    *,
    actor: User,
    township: Division,
    amount: Decimal,
    allocated_on: dt.date,
    note: str = "",
    top_up: bool = False,
) -> ReserveEntry:
    """The county allocates (``top_up``: replenishes) a township's reserve fund, creating the fund the
    first time (民发〔2018〕23号 §三(三))."""
    _require(actor, Capability.MANAGE_PAYMENTS)
    _require_township(actor, township)
    value = _amount(amount)
    with transaction.atomic():
        ReserveFund.objects.get_or_create(township=township)
        fund = _fund_locked(township)
        kind = ReserveEntryKind.TOP_UP if top_up else ReserveEntryKind.ALLOCATION
        return _entry(fund, actor, kind, value, allocated_on, note=note)


def reserve_draw(
    *,
    actor: User,
    township: Division,
    application: Application,
    amount: Decimal,
    drawn_on: dt.date,
    note: str = "",
) -> ReserveEntry:
    """Pay aid-first temporary assistance (先行救助) out of the township's reserve fund.

    Works inside the caller's transaction (a savepoint): the fund row is locked, so two draws at once are
    serialised and the second sees the first's balance. Refused (``ReserveInsufficient``, with the
    balance in the message) when the amount exceeds the balance; ``ReserveFundMissing`` when the township
    has no fund; the CHECK ``balance >= 0`` backs both. Basis: 民发〔2018〕23号 §二(二), §三(三);
    2020 opinion item 15 (policy-rules.md §3.3, §3.6)."""
    if actor.role not in RESERVE_ROLES:
        raise PermissionDenied("您的角色无权动用备用金", code="forbidden")
    _require_township(actor, township)
    value = _amount(amount)
    if application.programme != TEMPORARY_PROGRAMME:
        raise ReserveError("备用金只用于临时救助的先行救助和小额救助", field="application")
    if application.division_id != township.pk:
        raise ReserveError(f"申请 {application.number} 不是由 {township.name} 受理的", field="application")
    with transaction.atomic():
        fund = _fund_locked(township)
        if value > fund.balance:
            raise ReserveInsufficient(
                f"{township.name}临时救助备用金余额不足：当前余额 {fund.balance} 元，本次支出 {value} 元",
                field="amount",
            )
        return _entry(fund, actor, ReserveEntryKind.DRAW, value, drawn_on, application=application, note=note)


def reserve_settle(
    *, actor: User, draw_id: int, settled_on: dt.date, amount: Decimal | None = None, note: str = ""
) -> ReserveEntry:
    """The approved assistance was paid from the regular budget: the draw is reimbursed (归垫) into the
    fund, at most the drawn amount, once per draw."""
    if actor.role not in RESERVE_ROLES:
        raise PermissionDenied("您的角色无权办理备用金归垫", code="forbidden")
    with transaction.atomic():
        draw = ReserveEntry.objects.select_related("fund__township").filter(pk=draw_id, kind="draw").first()
        if draw is None:
            raise NotFound("备用金支出记录不存在")
        _require_township(actor, draw.fund.township)
        value = _amount(amount if amount is not None else draw.amount)
        if value > draw.amount:
            raise ReserveError(f"归垫金额 {value} 元超过支出金额 {draw.amount} 元", field="amount")
        fund = _fund_locked(draw.fund.township)
        if ReserveEntry.objects.filter(settles=draw).exists():
            raise ReserveError("该笔支出已归垫，不能重复归垫")
        try:
            with transaction.atomic():
                return _entry(
                    fund,
                    actor,
                    ReserveEntryKind.SETTLEMENT,
                    value,
                    settled_on,
                    settles=draw,
                    application=draw.application,
                    note=note,
                )
        except IntegrityError:
            raise ReserveError("该笔支出已归垫，不能重复归垫") from None
