"""The daily scan (set-based): reports not with the registration authority after their deadline go on the
overdue list; after the grace period the organisation is entered in the 活动异常名录 with a notice; it is
removed once its report reached the authority; reminders go out before the deadline.

Basis of the 活动异常名录 entry: UNCONFIRMED — 《社会组织信用信息管理办法》 (民政部) names not filing the
annual work report on time as a ground, but its text is not in the project's sources; the grace period
is the parameter ``organisations.abnormal_grace_days`` (ADR 0034).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.organisations import rules
from minzheng.organisations.models import AbnormalListEntry, AnnualReport, Organisation, OrganisationAccount
from minzheng.organisations.parameters import GRACE_DAYS_KEY, REMINDER_DAYS_KEY, values_or_none
from minzheng.portal.services.outbox import sms_send

ABNORMAL_REASON = "未按照规定时限报送{year}年度工作报告"
ABNORMAL_BASIS = "《社会组织信用信息管理办法》（条文待核实）"
REMOVAL_REASON = "已补报年度工作报告"


@dataclass
class ScanResult:
    overdue: int = 0
    listed: int = 0
    removed: int = 0
    reminded: int = 0
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = (
            f"新增逾期 {self.overdue} 家，列入活动异常名录 {self.listed} 家，"
            f"移出 {self.removed} 家，提醒 {self.reminded} 家"
        )
        return text + ("；" + "；".join(self.problems) if self.problems else "")


def _active_not_filed() -> Q:
    return Q(status__in=rules.NOT_FILED, organisation__status=rules.OrganisationStatus.ACTIVE)


def _overdue_mark(today: dt.date) -> int:
    return AnnualReport.objects.filter(
        _active_not_filed(), overdue_since__isnull=True, authority_due__lt=today
    ).update(overdue_since=today)


def notice_text(name: str, code: str, year: int, listed_on: dt.date) -> str:
    return (
        f"{name}（统一社会信用代码 {code}）：你单位未按照规定时限向登记管理机关报送{year}年度工作报告，"
        f"自{listed_on:%Y年%m月%d日}起列入社会组织活动异常名录。补报年度工作报告后，登记管理机关将移出活动异常名录。"
    )


def _list_abnormal(today: dt.date, result: ScanResult) -> list[tuple[int, str]]:
    """Enter every organisation overdue past its grace period; one read of the candidates, one insert, one
    update. Returns (organisation id, notice) for the SMS notices."""
    candidates = (
        AnnualReport.objects.filter(
            _active_not_filed(), overdue_since__isnull=False, organisation__abnormal=False
        )
        .order_by("organisation_id", "year")
        .values_list(
            "pk",
            "organisation_id",
            "organisation__name",
            "organisation__credit_code",
            "organisation__division__code",
            "year",
            "overdue_since",
        )
    )
    rows = list(candidates)
    grace = values_or_none(GRACE_DAYS_KEY, today, {row[4] for row in rows})
    missing = sorted(code for code, value in grace.items() if value is None)
    if missing:
        result.problems.append(
            f"需人工核定：{len(missing)} 个区划没有“列入活动异常名录的宽限天数”参数，未列入"
        )
    entries: dict[int, AbnormalListEntry] = {}
    for pk, org_id, name, code, division, year, since in rows:
        days = grace.get(division)
        if days is None or since is None or org_id in entries:
            continue
        if rules.abnormal_listing_due(since, int(days)) > today:
            continue
        entries[org_id] = AbnormalListEntry(
            organisation_id=org_id,
            report_id=pk,
            reason=ABNORMAL_REASON.format(year=year),
            basis=ABNORMAL_BASIS,
            listed_on=today,
            notice=notice_text(name, code, year, today),
        )
    AbnormalListEntry.objects.bulk_create(entries.values(), batch_size=2000)
    Organisation.objects.filter(pk__in=list(entries)).update(abnormal=True)
    result.listed = len(entries)
    return [(org_id, entry.notice) for org_id, entry in entries.items()]


def _remove_complied(today: dt.date) -> int:
    """Open entries whose organisation has no report left that is overdue and not with the authority."""
    still_overdue = AnnualReport.objects.filter(
        _active_not_filed(), organisation_id=OuterRef("organisation_id"), overdue_since__isnull=False
    )
    complied = AbnormalListEntry.objects.filter(removed_on__isnull=True).filter(~Exists(still_overdue))
    organisation_ids = list(complied.values_list("organisation_id", flat=True))
    removed = complied.update(removed_on=today, removal_reason=REMOVAL_REASON)
    Organisation.objects.filter(pk__in=organisation_ids).update(abnormal=False)
    return removed


def _sms_to_accounts(messages: list[tuple[int, str]], template: str) -> int:
    """One SMS per organisation with a phone on file (the portal outbox; a failed send never undoes the
    scan)."""
    phones = dict(
        OrganisationAccount.objects.filter(organisation_id__in=[m[0] for m in messages], is_active=True)
        .exclude(phone_encrypted="")
        .values_list("organisation_id", "pk")
    )
    accounts = OrganisationAccount.objects.in_bulk(list(phones.values()))
    sent = 0
    for org_id, body in messages:
        account = accounts.get(phones.get(org_id, 0))
        if account is not None:
            sms_send(phone=account.phone, template=template, body=body[:500])
            sent += 1
    return sent


def _remind(today: dt.date, result: ScanResult) -> None:
    """Before the deadline: reports still with the organisation get one reminder."""
    due = AnnualReport.objects.filter(
        status__in=rules.EDITABLE,
        reminded_at__isnull=True,
        organisation__status=rules.OrganisationStatus.ACTIVE,
        authority_due__gte=today,
    ).values_list(
        "pk",
        "organisation_id",
        "organisation__name",
        "organisation__division__code",
        "year",
        "supervisor_due",
        "authority_due",
    )
    rows = list(due)
    lead = values_or_none(REMINDER_DAYS_KEY, today, {row[3] for row in rows})
    messages, report_ids = [], []
    for pk, org_id, name, division, year, supervisor_due, authority_due in rows:
        days = lead.get(division)
        deadline = supervisor_due or authority_due
        if days is None or deadline - dt.timedelta(days=int(days)) > today:
            continue
        report_ids.append(pk)
        messages.append((org_id, f"{name}：请于{deadline:%Y年%m月%d日}前在网上报送{year}年度工作报告。"))
    AnnualReport.objects.filter(pk__in=report_ids).update(reminded_at=timezone.now())
    result.reminded = _sms_to_accounts(messages, "organisation_report_reminder")


@transaction.atomic
def organisations_daily_scan(*, today: dt.date | None = None) -> ScanResult:
    """The whole scan in one transaction (nothing half-listed); safe to run several times a day."""
    today = today or timezone.localdate()
    result = ScanResult()
    result.overdue = _overdue_mark(today)
    result.removed = _remove_complied(today)
    notices = _list_abnormal(today, result)
    _sms_to_accounts(notices, "organisation_abnormal_notice")
    _remind(today, result)
    if result.overdue or result.listed or result.removed:
        event_record(
            actor=None,
            verb="organisations.daily_scan",
            object_type="organisations.scan",
            object_id=today.isoformat(),
            summary=result.summary(),
        )
    return result
