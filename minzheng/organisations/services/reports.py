"""Annual reports: opening a year (who must report, by when), the organisation filling and submitting its
report, the 业务主管单位's pre-review and the registrar's conclusion — every move one locked compare-and-set
through ``report_transition`` against ``rules.REPORT_TRANSITIONS``, with an event row and an audit event."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.organisations import rules
from minzheng.organisations.models import AnnualReport, Organisation, OrganisationAccount, ReportEvent
from minzheng.organisations.parameters import (
    DEADLINE_KEYS,
    SKIP_MONTHS_KEY,
    SOCIAL_GROUP_CUTOFF_KEY,
    values_for,
)
from minzheng.organisations.services.common import file_store, registrar_check

ReportStatus = rules.ReportStatus
ReportAction = rules.ReportAction


@dataclass(frozen=True)
class YearOpened:
    year: int
    created: int
    skipped_new: int  # registered too late in the year to take part


def _covered(
    organisation_type: str, established_on: dt.date, year: int, skip: dict[str, Any], code: str
) -> bool:
    """Whether an organisation takes part in year ``year``'s inspection (``rules`` cites the articles)."""
    if established_on.year > year:
        return False
    if organisation_type == rules.OrganisationType.SOCIAL_SERVICE:
        return not rules.registered_after_cutoff(established_on, year, int(skip[code]))
    if organisation_type == rules.OrganisationType.SOCIAL_GROUP and skip.get(code):
        return not rules.registered_on_or_after(established_on, year, str(skip[code]))
    return True


def _skip_values(organisation_type: str, day: dt.date, codes: set[str]) -> dict[str, Any]:
    if organisation_type == rules.OrganisationType.SOCIAL_SERVICE:
        return values_for(SKIP_MONTHS_KEY, day, codes)
    if organisation_type == rules.OrganisationType.SOCIAL_GROUP and day >= dt.date(2026, 1, 1):
        # the 2026 measures' cut-off applies from the inspection of 2025 on; before, every group reports
        return values_for(SOCIAL_GROUP_CUTOFF_KEY, day, codes)
    return {}


@transaction.atomic
def inspection_year_open(*, actor: User | None, year: int, ip_address: str | None = None) -> YearOpened:
    """Create the year's report rows of every active organisation that must take part, with the deadlines
    of its type and registration authority computed once and stored. Set-based: one read and one insert
    per type; idempotent (organisations that already have the year's row are left alone). ``actor`` None
    is the scheduled task (all organisations); a registrar opens the year for the jurisdiction."""
    if actor is not None:
        registrar_check(actor)
    if not 2000 <= year <= timezone.localdate().year:
        raise ValidationFailed("年度应为已结束或当前的年份", field="year")
    day = rules.filing_year_start(year)
    base = Organisation.objects.visible_to(actor) if actor is not None else Organisation.objects.all()
    base = base.filter(status=rules.OrganisationStatus.ACTIVE).exclude(reports__year=year)
    created = skipped = 0
    for organisation_type, (supervisor_key, authority_key) in DEADLINE_KEYS.items():
        rows = list(
            base.filter(organisation_type=organisation_type).values_list(
                "pk", "division__code", "established_on"
            )
        )
        if not rows:
            continue
        codes = {code for _pk, code, _est in rows}
        authority = values_for(authority_key, day, codes)
        supervisor = values_for(supervisor_key, day, codes) if supervisor_key else {}
        skip = _skip_values(organisation_type, day, codes)
        reports = []
        for pk, code, established_on in rows:
            if not _covered(organisation_type, established_on, year, skip, code):
                skipped += 1
                continue
            due = rules.deadlines_for(year, supervisor.get(code), authority[code])
            reports.append(
                AnnualReport(
                    organisation_id=pk,
                    year=year,
                    supervisor_due=due.supervisor_due,
                    authority_due=due.authority_due,
                )
            )
        created += len(AnnualReport.objects.bulk_create(reports, batch_size=2000, ignore_conflicts=True))
    event_record(
        actor=actor,
        verb="organisations.year_opened",
        object_type="organisations.year",
        object_id=year,
        division_code=getattr(getattr(actor, "division", None), "code", ""),
        summary=f"开启{year}年度社会组织年检：{created} 家须报送，{skipped} 家成立未满期限不参加",
        ip_address=ip_address,
    )
    return YearOpened(year, created, skipped)


# --- the organisation's own report ---------------------------------------------------------------------

REPORT_FIELDS = (
    "member_count",
    "staff_count",
    "total_income",
    "total_expense",
    "net_assets",
    "activities",
    "party_organisation",
    "party_members",
    "changes_note",
)
MONEY_FIELDS = ("total_income", "total_expense", "net_assets")


def _own_report(account: OrganisationAccount, report_id: int) -> AnnualReport:
    report = (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("organisation__division", "organisation__supervisor")
        .filter(pk=report_id, organisation_id=account.organisation_id)
        .first()
    )
    if report is None:
        raise NotFound("年度工作报告不存在")
    return report


def _money(name: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed("应为金额（元）", field=name) from None
    return amount


@transaction.atomic
def report_save(*, account: OrganisationAccount, report_id: int, data: dict[str, Any]) -> AnnualReport:
    """Save the organisation's draft (only while it is 未报送 or 退回修改)."""
    report = _own_report(account, report_id)
    if report.status not in rules.EDITABLE:
        raise Conflict(f"报告已{report.get_status_display()}，不能修改")
    for name in REPORT_FIELDS:
        if name in data:
            value = _money(name, data[name]) if name in MONEY_FIELDS else data[name]
            setattr(report, name, value)
    if report.party_members and report.party_members < 0:
        raise ValidationFailed("党员人数不能为负数", field="party_members")
    report.save()
    return report


@transaction.atomic
def report_file_attach(
    *, account: OrganisationAccount, report_id: int, file: Any, ip_address: str | None = None
) -> AnnualReport:
    """The audit report (审计报告) of the year, uploaded by the organisation while it may edit."""
    report = _own_report(account, report_id)
    if report.status not in rules.EDITABLE:
        raise Conflict(f"报告已{report.get_status_display()}，不能再上传材料", field="file")
    file_store(organisation=report.organisation, file=file, actor=None, ip_address=ip_address, report=report)
    return report


def _completeness(report: AnnualReport) -> None:
    """What a report must hold before it leaves the organisation (社团条例第二十八条: activities, finances,
    changes; 基金会条例第三十六条: the CPA audit report)."""
    missing = [
        label
        for name, label in (
            ("total_income", "本年收入合计"),
            ("total_expense", "本年支出合计"),
            ("net_assets", "年末净资产"),
        )
        if getattr(report, name) is None
    ]
    if not report.activities.strip():
        missing.append("开展活动情况")
    if missing:
        raise ValidationFailed(f"请先填写：{'、'.join(missing)}", field="activities")
    foundation = report.organisation.organisation_type == rules.OrganisationType.FOUNDATION
    if foundation and not report.files.exists():
        raise ValidationFailed("基金会须上传注册会计师审计报告（《基金会管理条例》第三十六条）", field="file")


# --- transitions ---------------------------------------------------------------------------------------


def _guard(
    report: AnnualReport, action: str, actor: User | None, account: OrganisationAccount | None
) -> None:
    organisation = report.organisation
    if action == ReportAction.SUBMIT:
        if account is None or account.organisation_id != organisation.pk:
            raise PermissionDenied("只有社会组织本身可以报送年度工作报告")
    elif action in (ReportAction.PRE_APPROVE, ReportAction.PRE_RETURN):
        unit_id = getattr(getattr(actor, "supervisor_membership", None), "unit_id", None)
        if (
            actor is None
            or not actor.can(Capability.SUPERVISE_ORGANISATIONS)
            or unit_id != organisation.supervisor_id
        ):
            raise PermissionDenied("只有该社会组织的业务主管单位可以初审")
    elif actor is None or not actor.can(Capability.REGISTER_ORGANISATIONS):
        raise PermissionDenied("您的角色无权审查年度工作报告")
    elif not Organisation.objects.visible_to(actor).filter(pk=organisation.pk).exists():
        raise NotFound("年度工作报告不存在或不在您的管辖范围内")


def _apply(report: AnnualReport, action: str, actor: User | None, note: str, conclusion: str) -> None:
    now = timezone.now()
    if action == ReportAction.SUBMIT:
        _completeness(report)
        report.submitted_at = now
    elif action == ReportAction.PRE_APPROVE:
        report.supervisor_opinion = note or "同意"
        report.supervisor_reviewed_at = now
    elif action in (ReportAction.PRE_RETURN, ReportAction.RETURN):
        if not note:
            raise ValidationFailed("退回须说明理由", field="note")
        if action == ReportAction.PRE_RETURN:
            report.supervisor_opinion, report.supervisor_reviewed_at = note, now
    elif action == ReportAction.CONCLUDE:
        if conclusion not in rules.Conclusion.values:
            raise ValidationFailed("请选择年检结论：合格、基本合格或不合格", field="conclusion")
        if conclusion in rules.CONCLUSIONS_NEEDING_REASONS and not note:
            raise ValidationFailed("基本合格或不合格须写明理由", field="note")
        report.conclusion, report.conclusion_reasons = conclusion, note
        report.concluded_at, report.concluded_by = now, actor


@transaction.atomic
def report_transition(
    *,
    report_id: int,
    action: str,
    expected_status: str,
    actor: User | None = None,
    account: OrganisationAccount | None = None,
    note: str = "",
    conclusion: str = "",
    ip_address: str | None = None,
) -> AnnualReport:
    """Move one report: lock the row, check who may act, compare the status with the one the person saw
    (the second of two reviewers acting at once gets “已被他人处理”, nothing is written twice), apply the
    table, write the event row and the audit event in the same transaction."""
    report = (
        AnnualReport.objects.select_for_update(of=("self",))
        .select_related("organisation__division", "organisation__supervisor")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise NotFound("年度工作报告不存在")
    _guard(report, action, actor, account)
    if report.status != expected_status:
        raise Conflict(f"该报告已被他人处理，当前状态为“{report.get_status_display()}”，请刷新后查看")
    has_supervisor = report.organisation.supervisor_id is not None
    target = rules.report_next_status(report.status, action, has_supervisor=has_supervisor)
    if target is None:
        raise Conflict(f"“{report.get_status_display()}”的报告不能办理该操作")
    note = (note or "").strip()[:500]
    _apply(report, action, actor, note, conclusion)
    previous, report.status = report.status, target
    report.save()
    ReportEvent.objects.create(
        report=report,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor,
        by_organisation=account is not None,
        note=note,
    )
    label = rules.ReportAction(action).label
    event_record(
        actor=actor,
        verb=f"organisations.report_{action}",
        object_type="organisations.annual_report",
        object_id=report.pk,
        division_code=report.organisation.division.code,
        summary=f"{report.organisation.name} {report.year}年度报告：{label}",
        data={"from": previous, "to": target, "by_organisation": account is not None},
        ip_address=ip_address,
    )
    return report
