"""社会组织 rules: types and their credit-code position 2, the status and report transition tables, annual
inspection coverage and deadlines (policy-figures.md §11.4, policy-rules.md §6.5). Pure: no ORM.

Deadlines are month-days read from effective-dated policy parameters (``policy/keys/organisations.py``);
this module only turns them into dates of the filing year.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("社会团体")
    SOCIAL_SERVICE = "social_service", _("社会服务机构（民办非企业单位）")
    FOUNDATION = "foundation", _("基金会")


# GB 32100-2015 position 2 for 民政 (policy-rules.md §7.2): 1 社会团体, 2 民办非企业单位, 3 基金会.
TYPE_CODES: dict[str, str] = {
    OrganisationType.SOCIAL_GROUP: "1",
    OrganisationType.SOCIAL_SERVICE: "2",
    OrganisationType.FOUNDATION: "3",
}


class AuthorityLevel(models.TextChoices):
    REGION = "region", _("自治区")
    PREFECTURE = "prefecture", _("盟市")
    COUNTY = "county", _("旗县（市、区）")


class OrganisationStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DEREGISTERED = "deregistered", _("已注销")
    REVOKED = "revoked", _("已撤销登记")


class ChangeKind(models.TextChoices):
    ESTABLISHED = "established", _("成立登记")
    AMENDED = "amended", _("变更登记")
    DEREGISTERED = "deregistered", _("注销登记")
    REVOKED = "revoked", _("撤销登记")


# (from status, change) → to status. 变更 keeps the organisation active; 注销 and 撤销 are final.
STATUS_TRANSITIONS: dict[tuple[str, str], str] = {
    (OrganisationStatus.ACTIVE, ChangeKind.AMENDED): OrganisationStatus.ACTIVE,
    (OrganisationStatus.ACTIVE, ChangeKind.DEREGISTERED): OrganisationStatus.DEREGISTERED,
    (OrganisationStatus.ACTIVE, ChangeKind.REVOKED): OrganisationStatus.REVOKED,
}


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("未报送")
    SUBMITTED = "submitted", _("待业务主管单位初审")
    RETURNED = "returned", _("退回修改")
    AWAITING_REVIEW = "awaiting_review", _("待登记管理机关审查")
    CONCLUDED = "concluded", _("已出年检结论")


class ReportAction(models.TextChoices):
    SUBMIT = "submit", _("报送")
    PRE_APPROVE = "pre_approve", _("初审同意")
    PRE_RETURN = "pre_return", _("初审退回")
    RETURN = "return", _("审查退回")
    CONCLUDE = "conclude", _("作出年检结论")


# (from status, action) → to status. An organisation with a 业务主管单位 reports to it first
# (社团条例第二十八条,
# 民非年检办法第四条, 基金会条例第三十六条 审查同意); one registered directly goes to the registrar.
REPORT_TRANSITIONS: dict[tuple[str, str], str] = {
    (ReportStatus.DRAFT, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.RETURNED, ReportAction.SUBMIT): ReportStatus.SUBMITTED,
    (ReportStatus.SUBMITTED, ReportAction.PRE_APPROVE): ReportStatus.AWAITING_REVIEW,
    (ReportStatus.SUBMITTED, ReportAction.PRE_RETURN): ReportStatus.RETURNED,
    (ReportStatus.AWAITING_REVIEW, ReportAction.RETURN): ReportStatus.RETURNED,
    (ReportStatus.AWAITING_REVIEW, ReportAction.CONCLUDE): ReportStatus.CONCLUDED,
}

# Not yet with the registration authority: what counts as missing the inspection deadline.
NOT_FILED = (ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.RETURNED)
EDITABLE = (ReportStatus.DRAFT, ReportStatus.RETURNED)


def report_next_status(current: str, action: str, *, has_supervisor: bool) -> str | None:
    """The status after ``action``, or None when the table has no such move. Submitting without a 业务主管单位
    skips the pre-review."""
    target = REPORT_TRANSITIONS.get((current, action))
    if target == ReportStatus.SUBMITTED and not has_supervisor:
        return ReportStatus.AWAITING_REVIEW
    return target


class Conclusion(models.TextChoices):
    QUALIFIED = "qualified", _("合格")
    BASICALLY_QUALIFIED = "basically_qualified", _("基本合格")
    UNQUALIFIED = "unqualified", _("不合格")


# 基本合格 and 不合格 must say why (民非年检办法第十条、第十一条 list the grounds; policy-rules.md §6.5).
CONCLUSIONS_NEEDING_REASONS = (Conclusion.BASICALLY_QUALIFIED, Conclusion.UNQUALIFIED)


# --- deadlines ----------------------------------------------------------------------------------------


def month_day_parse(value: str) -> tuple[int, int]:
    """``"03-31"`` → (3, 31); raises ValueError for anything that is not a real month-day."""
    month_text, _sep, day_text = str(value).partition("-")
    month, day = int(month_text), int(day_text)
    if not 1 <= month <= 12 or not 1 <= day <= calendar.monthrange(2024, month)[1]:
        raise ValueError(value)
    return month, day


def on_month_day(year: int, month_day: str) -> dt.date:
    month, day = month_day_parse(month_day)
    return dt.date(year, month, min(day, calendar.monthrange(year, month)[1]))  # 02-29 in other years


def filing_year_start(inspected_year: int) -> dt.date:
    """Reports on year Y are filed in Y+1: the parameters in force on 1 January of Y+1 apply (the new
    《社会团体年度检查办法》 took effect on 2026-01-01 for the inspection of 2025)."""
    return dt.date(inspected_year + 1, 1, 1)


@dataclass(frozen=True)
class Deadlines:
    supervisor_due: dt.date | None  # to the 业务主管单位 (None: the type has no separate supervisor date)
    authority_due: dt.date  # to the 登记管理机关


def deadlines_for(
    inspected_year: int, supervisor_month_day: str | None, authority_month_day: str
) -> Deadlines:
    """The stored deadlines of one year's report of one type.

    - 社会团体: supervisor 3-31, authority 5-31 (《社会团体登记管理条例》第二十八条).
    - 民办非企业单位: supervisor 3-31, authority 5-31 (《民办非企业单位年度检查办法》第四条).
    - 基金会: authority 3-31 after the supervisor's approval (《基金会管理条例》第三十六条); the supervisor's
      date is then the authority's own.
    """
    filing = inspected_year + 1
    authority = on_month_day(filing, authority_month_day)
    supervisor = on_month_day(filing, supervisor_month_day) if supervisor_month_day else authority
    return Deadlines(supervisor_due=min(supervisor, authority), authority_due=authority)


def registered_after_cutoff(established_on: dt.date, inspected_year: int, skip_months: int) -> bool:
    """True when a 民办非企业单位 need not take part in year Y's inspection: registered ≤ ``skip_months``
    months before 31 December of Y (《民办非企业单位年度检查办法》第三条; 6 months), or after Y.

    The cut-off is 31 December minus the months (30 June for 6): registered on or after it skips.
    """
    if established_on.year > inspected_year:
        return True
    month = 12 - skip_months
    if month < 1:
        return True
    cutoff = dt.date(inspected_year, month, calendar.monthrange(inspected_year, month)[1])
    return established_on >= cutoff


def registered_on_or_after(established_on: dt.date, inspected_year: int, cutoff_month_day: str) -> bool:
    """社会团体 under the 2026 measures: only those registered before the cut-off (local practice 30 June,
    嘉兴 2026 notice; the article text is UNCONFIRMED, policy-figures.md §11.4) take part."""
    return established_on >= on_month_day(inspected_year, cutoff_month_day)


def overdue_days(authority_due: dt.date, today: dt.date) -> int:
    return max(0, (today - authority_due).days)


def abnormal_listing_due(overdue_since: dt.date, grace_days: int) -> dt.date:
    """The day an overdue organisation is entered in the 活动异常名录: ``grace_days`` after the deadline was
    missed. Basis UNCONFIRMED: 《社会组织信用信息管理办法》 lists not filing the annual work report as a
    ground for the 活动异常名录, but its text is not in the project's sources; the grace period is a
    parameter (``organisations.abnormal_grace_days``)."""
    return overdue_since + dt.timedelta(days=grace_days)
