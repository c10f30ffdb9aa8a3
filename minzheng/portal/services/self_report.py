"""The periodic self-report (定期报告) of a 低保/特困 household, recorded on its open review."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.audit.services import event_record
from minzheng.common.errors import ValidationFailed
from minzheng.enrolments.models import Enrolment, EnrolmentStatus, Review, ReviewStatus
from minzheng.enrolments.reviews import review_self_report_record
from minzheng.enrolments.rules import REVIEWED_PROGRAMMES
from minzheng.portal import rules, selectors
from minzheng.portal.models import PortalAccount


@dataclass(frozen=True)
class MemberReport:
    person_id: int
    living_here: bool
    change: str = ""


@dataclass(frozen=True)
class SelfReport:
    """What the recipient confirms or changes (审核确认办法第 30 条: recipients report changes in household
    membership, income and assets)."""

    members: tuple[MemberReport, ...]
    new_members: str = ""
    monthly_income: Decimal = Decimal(0)
    income_note: str = ""
    vehicles: int = 0
    houses: int = 0
    savings: Decimal = Decimal(0)
    circumstances: str = ""


def _report_dict(report: SelfReport, members: dict[int, str], account: PortalAccount) -> dict[str, Any]:
    return {
        "channel": "portal",
        "account_id": account.pk,
        "members": [
            {
                "person_id": m.person_id,
                "name": members[m.person_id],
                "living_here": m.living_here,
                "change": m.change.strip()[:200],
            }
            for m in report.members
        ],  # fmt: skip
        "new_members": report.new_members.strip()[:300],
        "monthly_income": str(report.monthly_income.quantize(Decimal("0.01"))),
        "income_note": report.income_note.strip()[:300],
        "assets": {
            "vehicles": report.vehicles,
            "houses": report.houses,
            "savings": str(report.savings.quantize(Decimal("0.01"))),
        },
        "circumstances": report.circumstances.strip()[:1000],
    }


def _report_check(report: SelfReport, members: dict[int, str]) -> None:
    reported = [m.person_id for m in report.members]
    if sorted(reported) != sorted(members):
        raise ValidationFailed("请逐一确认每位家庭成员是否仍在本户共同生活", field="members")
    for value, field_name, label in (
        (report.monthly_income, "monthly_income", "家庭月收入"),
        (report.savings, "savings", "存款"),
    ):
        if not value.is_finite() or value < 0 or value >= Decimal("100000000"):
            raise ValidationFailed(f"{label}应为 0 或正数", field=field_name)
    if not (0 <= report.vehicles <= 99 and 0 <= report.houses <= 99):
        raise ValidationFailed("车辆、房产数量应为 0 至 99", field="vehicles")


@transaction.atomic
def self_report_submit(
    *, account: PortalAccount, enrolment_id: int, report: SelfReport, today: dt.date | None = None
) -> Review:
    """A recipient's 定期报告 for one current 低保/特困 enrolment of their own household (审核确认办法第 30
    条), handed to ``enrolments.reviews.review_self_report_record``, which attaches it to the open review
    or opens one. One report per enrolment and day: a second is refused with ``AlreadyReported``, so a
    double tap never files two. An enrolment of another household is ``NotYours``, as if it did not exist."""
    today = today or timezone.localdate()
    household = selectors.account_household_require(account=account)
    enrolment = (
        Enrolment.objects.select_for_update()
        .filter(pk=enrolment_id, household=household, programme__in=REVIEWED_PROGRAMMES)
        .exclude(status=EnrolmentStatus.ENDED)
        .select_related("division")
        .first()
    )
    if enrolment is None:
        raise rules.NotYours("未找到该在保记录", field="enrolment_id")
    open_review = Review.objects.filter(enrolment=enrolment, status=ReviewStatus.OPEN).first()
    if open_review is not None and today.isoformat() in (open_review.report or {}):
        raise rules.AlreadyReported(
            "您今天已提交过定期报告，无需重复提交；如有变化请明天再报或联系村（居）委会"
        )
    members = {m.person_id: m.name for m in selectors.household_members(account=account)}
    _report_check(report, members)
    review = review_self_report_record(
        actor=None,
        enrolment_id=enrolment.pk,
        report=_report_dict(report, members, account),
        received_on=today,
    )
    event_record(
        actor=None,
        verb="portal.self_report",
        object_type="enrolment",
        object_id=enrolment.pk,
        division_code=enrolment.division.code,
        summary=f"定期报告（救助通 {account.phone_masked}）",
        data={"review_id": review.pk, "account_id": account.pk},
    )
    return review
