"""Pure rules of the applicant portal (救助通): phone numbers, sign-in limits, QR access, the policy guide
and the self-check questionnaire. No ORM here; selectors and services gather the inputs.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Final

from minzheng.applications.rules import (
    OVERALL_LIMIT,
    OVERALL_LIMIT_EXTENDED,
    WORKFLOW_LABELS,
    WORKFLOWS,
    Keep,
    Requirement,
    Workflow,
)
from minzheng.benefits.facts import (
    AssetFact,
    HouseholdFacts,
    IncomeFact,
    MemberFacts,
    OrphanStatus,
    RigidExpenseFact,
    SupporterStatus,
)
from minzheng.benefits.means_test import reference_period
from minzheng.catalogue.programmes import PROGRAMMES, AssessedPer, Programme
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, DomainError, NotFound, ValidationFailed
from minzheng.common.workdays import CalendarDays, CalendarMonths, Period, WorkingDays
from minzheng.documents.models import DocumentKind

# --- errors ----------------------------------------------------------------------------------------------


class RateLimited(DomainError):
    """Too many codes asked for (per phone or per network address)."""

    code = "rate_limited"
    http_status = 429


class SignInLocked(DomainError):
    code = "sign_in_locked"
    http_status = 429


class SignInFailed(DomainError):
    """Wrong, expired, used or missing code."""

    code = "sign_in_failed"
    http_status = 400


class BindingRefused(DomainError):
    """The ID number typed does not match the registry for this phone (no further detail is given)."""

    code = "binding_refused"
    http_status = 409


class AlreadyBound(Conflict):
    code = "already_bound"


class AlreadyReported(Conflict):
    code = "already_reported"


class NotYours(NotFound):
    """Anything outside the signed-in person's own household: answered like a record that does not exist."""

    code = "not_found"


# --- phone numbers and sign-in limits ------------------------------------------------------------------

MOBILE: Final = re.compile(r"^1[3-9]\d{9}$")
CODE_LENGTH: Final = 6
RESEND_SECONDS: Final = 60  # one code per phone per minute
CODES_PER_PHONE_PER_HOUR: Final = 5
CODES_PER_IP_PER_HOUR: Final = 20
FAILURES_BEFORE_LOCK: Final = 10  # failed verifications of one phone within an hour …
LOCK_MINUTES: Final = 15  # … lock it for this long after the last of them
HOUR: Final = dt.timedelta(hours=1)
LOCKED_MESSAGE: Final = f"尝试次数过多，请 {LOCK_MINUTES} 分钟后再试"


def phone_normalise(value: str) -> str:
    """A mainland mobile number (11 digits, 13–19 prefix); spaces, dashes and ``+86`` are dropped."""
    phone = re.sub(r"[\s-]", "", value or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not phone:
        raise ValidationFailed("请输入手机号码", field="phone", code="phone_required")
    if not MOBILE.match(phone):
        raise ValidationFailed("请输入正确的 11 位手机号码", field="phone", code="phone_format")
    return phone


@dataclass(frozen=True)
class SendHistory:
    """What the selector found about earlier codes: for this phone and for this IP address."""

    last_sent_at: dt.datetime | None
    phone_sent_last_hour: int
    ip_sent_last_hour: int


def send_refusal(history: SendHistory, now: dt.datetime) -> str | None:
    """Why a new code may not be sent now, or ``None``. The limits protect the phone's owner from being
    flooded and the platform from paying for abuse; the messages never say whether an account exists."""
    if history.last_sent_at is not None:
        wait = RESEND_SECONDS - int((now - history.last_sent_at).total_seconds())
        if wait > 0:
            return f"获取验证码过于频繁，请 {wait} 秒后再试"
    if history.phone_sent_last_hour >= CODES_PER_PHONE_PER_HOUR:
        return "该手机号获取验证码次数过多，请 1 小时后再试"
    if history.ip_sent_last_hour >= CODES_PER_IP_PER_HOUR:
        return "当前网络获取验证码次数过多，请稍后再试"
    return None


def locked_until(failures: list[dt.datetime], now: dt.datetime) -> dt.datetime | None:
    """The phone is locked for ``LOCK_MINUTES`` after the latest failure when it failed
    ``FAILURES_BEFORE_LOCK`` times within the hour before it; ``None`` when not locked now."""
    if not failures:
        return None
    latest = max(failures)
    recent = [f for f in failures if latest - HOUR < f <= latest]
    until = latest + dt.timedelta(minutes=LOCK_MINUTES)
    if len(recent) >= FAILURES_BEFORE_LOCK and now < until:
        return until
    return None


def wrong_code_message(attempts_left: int) -> str:
    if attempts_left <= 0:
        return "验证码错误次数过多，该验证码已失效，请重新获取"
    return f"验证码错误，还可尝试 {attempts_left} 次"


# --- household QR codes --------------------------------------------------------------------------------


# Staff who may print a household's QR code, and who may issue or revoke one.
QR_VIEW_CAPABILITY: Final = Capability.VIEW_REGISTRY
QR_ISSUE_CAPABILITY: Final = Capability.EDIT_REGISTRY


class QrAccess(StrEnum):
    PUBLIC = "public"  # not signed in: only non-personal information
    BIND = "bind"  # signed in, not bound yet: bind first, then come back
    OWN = "own"  # bound to a current member of the household: the entitlement list
    FOREIGN = "foreign"  # someone else's household: nothing


def qr_access(*, signed_in: bool, bound: bool, member_of_household: bool) -> QrAccess:
    """Who sees what behind a scanned household QR code (issue 7 item 7)."""
    if not signed_in:
        return QrAccess.PUBLIC
    if not bound:
        return QrAccess.BIND
    return QrAccess.OWN if member_of_household else QrAccess.FOREIGN


# --- the policy guide (政策清单) --------------------------------------------------------------------------

# The programmes in the order the guide lists them: the catalogue's.
GUIDE_ORDER: Final = tuple(PROGRAMMES)
# Which application workflow(s) a programme is applied for through; the two disability subsidies share one
# application (the form names which).
PROGRAMME_WORKFLOWS: Final[dict[str, tuple[Workflow, ...]]] = {
    code: tuple(Workflow(w) for w in spec.workflows) for code, spec in PROGRAMMES.items()
}
# The papers a programme needs (the catalogue's ``Paper`` values are ``DocumentKind`` values), before the
# pledge a workflow requires.
PROGRAMME_DOCUMENTS: Final[dict[str, tuple[DocumentKind, ...]]] = {
    code: tuple(DocumentKind(paper) for paper in spec.papers) for code, spec in PROGRAMMES.items()
}
# Allowances enrolled from the registry without an application (enrolments.allowances).
ENROLLED_FROM_REGISTRY: Final = frozenset(
    code for code, spec in PROGRAMMES.items() if spec.enrolled_from_registry
)


def period_text(period: Period) -> str:
    if isinstance(period, WorkingDays):
        return f"{period.count} 个工作日"
    if isinstance(period, CalendarDays):
        return f"{period.count} 天"
    if isinstance(period, CalendarMonths):
        return f"{period.count} 个月"
    raise TypeError(period)


@dataclass(frozen=True)
class Stage:
    label: str
    time_limit: str  # "" when the step has no statutory limit of its own


@dataclass(frozen=True)
class Procedure:
    workflow: str
    label: str
    stages: tuple[Stage, ...]
    overall: str  # the limit of the whole procedure, "" when none is set nationally


def procedure_of(workflow: Workflow) -> Procedure:
    """The main path of a workflow as the applicant meets it: each step entered (its label), with the
    time limit the transition into it sets for that step (applications.rules; the limits are the articles
    cited there). Branches back (补齐材料, 重新调查, 异议) and the refusals are left out; the overall limit is
    ``OVERALL_LIMIT`` (审核确认办法第 22 条; 刚性支出困难家庭认定办法第 8 条)."""
    stages: list[Stage] = []
    seen: set[str] = set()
    for transition in WORKFLOWS[workflow]:
        if transition.target in seen or transition.code in {"request_materials", "materials_received"}:
            continue
        if transition.code in {"reject", "reinvestigate", "hold_appraisal", "submit_after_appraisal"}:
            continue
        if transition.code.startswith("refer_") or transition.source.value == "case_by_case":
            continue
        seen.add(transition.target)
        due = transition.due
        limit = "" if due is None or isinstance(due, Keep) else period_text(due)
        stages.append(Stage(transition.target.label, limit))
    overall = OVERALL_LIMIT.get(workflow)
    overall_text = ""
    if overall is not None:
        overall_text = (
            f"自受理起 {period_text(overall)}，特殊情况可延长至 {period_text(OVERALL_LIMIT_EXTENDED)}"
        )
    return Procedure(workflow.value, WORKFLOW_LABELS[workflow], tuple(stages), overall_text)


def documents_of(programme: str) -> tuple[DocumentKind, ...]:
    """The papers to bring: the programme's list, plus the signed pledge and authorisation when any of
    its workflows requires it (审核确认办法第 9 条, ``Requirement.PLEDGE``)."""
    kinds = list(PROGRAMME_DOCUMENTS.get(programme, (DocumentKind.IDENTITY, DocumentKind.HOUSEHOLD_REGISTER)))
    needs_pledge = any(
        Requirement.PLEDGE in transition.requires
        for workflow in PROGRAMME_WORKFLOWS.get(programme, ())
        for transition in WORKFLOWS[workflow]
    )
    if needs_pledge and DocumentKind.PLEDGE not in kinds:
        kinds.append(DocumentKind.PLEDGE)
    return tuple(kinds)


# --- the self-check questionnaire (自助测算) -------------------------------------------------------------


@dataclass(frozen=True)
class MemberAnswer:
    age: int
    disability_category: str = ""
    disability_grade: int | None = None


@dataclass(frozen=True)
class SelfCheckAnswers:
    """What a person typed in the self-check; nothing of it is stored."""

    division_code: str
    urban_rural: str
    members: tuple[MemberAnswer, ...]
    monthly_income: Decimal = Decimal(0)
    savings: Decimal = Decimal(0)
    vehicles: int = 0
    other_houses: int = 0
    serious_illness: bool = False
    large_expenses: Decimal = Decimal(0)  # medical, education, accident costs of the last 12 months
    has_able_supporter: bool = True  # a child, parent or spouse able to support the elderly or disabled
    child_status: str = ""  # OrphanStatus for the minors of the household
    programmes_received: frozenset[str] = field(default_factory=frozenset)


def _birth_date(age: int, today: dt.date) -> dt.date:
    """A birth date giving ``age`` completed years on ``today`` (the day after the birthday a year on)."""
    year = today.year - age - 1
    day = today + dt.timedelta(days=1)
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _relation(index: int, age: int) -> str:
    if index == 0:
        return "head"
    if age < 18:
        return "son"
    return "spouse" if index == 1 else "other_relative"


def self_check_facts(answers: SelfCheckAnswers, *, today: dt.date, reference_months: int) -> HouseholdFacts:
    """The engine's ``HouseholdFacts`` for a self-check: the first member is the head, the others the
    head's children (minors) or relatives living together; the household income is spread evenly over the
    reference period (``income.reference_period_months``); savings, vehicles and further houses become
    asset records, the large expenses a medical rigid expense of last month. An estimate only: the
    review establishes the real facts (审核确认办法第 15–17 条)."""
    members: list[MemberFacts] = []
    for index, member in enumerate(answers.members):
        relation = _relation(index, member.age)
        members.append(
            MemberFacts(
                key=str(index + 1),
                birth_date=_birth_date(member.age, today),
                relation_to_head=relation,
                disability_category=member.disability_category if member.disability_grade else "",
                disability_grade=member.disability_grade if member.disability_category else None,
                serious_illness=answers.serious_illness and index == 0,
                employment_status="unemployed" if 18 <= member.age < 60 else "",
                supporter_status=(
                    SupporterStatus.ABLE if answers.has_able_supporter else SupporterStatus.NONE
                ),
                orphan_status=answers.child_status if member.age < 18 else OrphanStatus.NONE,
            )
        )
    start, end = reference_period(today, reference_months)
    incomes: tuple[IncomeFact, ...] = ()
    if answers.monthly_income > 0:
        total = answers.monthly_income * reference_months
        incomes = (IncomeFact(None, "wage", total, start, end),)
    assets = [AssetFact("deposit", answers.savings)] if answers.savings > 0 else []
    assets += [AssetFact("vehicle", Decimal(0)) for _ in range(answers.vehicles)]
    assets += [AssetFact("housing", Decimal(0)) for _ in range(answers.other_houses)]
    expenses: tuple[RigidExpenseFact, ...] = ()
    if answers.large_expenses > 0:
        expenses = (RigidExpenseFact("medical", answers.large_expenses, today - dt.timedelta(days=30)),)
    return HouseholdFacts(
        division_code=answers.division_code,
        urban_rural=answers.urban_rural,
        as_of=today,
        members=tuple(members),
        incomes=incomes,
        assets=tuple(assets),
        rigid_expenses=expenses,
        programmes_received=answers.programmes_received,
        household_key="self-check",
    )


# The programmes the self-check runs, in catalogue order but household ones first and, of those, 临时救助
# last (it is assessed only on a large expense, as a request); the disability living subsidy depends on
# 低保, so it runs after it with 低保 assumed when 低保 looked possible.
def _self_check_rank(code: Programme) -> tuple[bool, bool]:
    spec = PROGRAMMES[code]
    return spec.assessed_per == AssessedPer.MEMBER, spec.takes_request


SELF_CHECK_PROGRAMMES: Final = tuple(sorted(PROGRAMMES, key=_self_check_rank))
