"""Writes of the application workflow (issue 4): intake, one generic transition service driven by the
tables of ``rules``, the records steps require, extensions and the daily deadline scan.

Every transition locks the application row (``select_for_update``), re-reads the step and refuses when
it is no longer the transition's source, so two approvers clicking at once produce exactly one decision
and a clear message for the other; the whole change (step, deadlines, decision, timeline, audit) is one
transaction.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import (
    ApplicationInvalid,
    DuplicateApplication,
    StepRequirementMissing,
    TransitionNotAllowed,
)
from minzheng.applications.models import (
    OPEN,
    Application,
    CareAssessment,
    DeadlineStatus,
    ExpenseRecord,
    HomeVisit,
    Objection,
    SupportMode,
    VerificationResult,
    VerificationSource,
)
from minzheng.applications.rules import Channel, Requirement, Step, Transition, Workflow
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record
from minzheng.benefits.engine import assess
from minzheng.benefits.facts import (
    AdlItems,
    OrphanStatus,
    RigidExpenseFact,
    RigidExpenseKind,
    SupporterInability,
    SupporterStatus,
    TemporaryRequest,
    age_on,
)
from minzheng.benefits.people import ADL_LABELS, self_care_from_adl
from minzheng.benefits.providers import SelectorParams
from minzheng.benefits.reasons import reason_as_dict, result_as_dict
from minzheng.benefits.selectors import household_facts_many
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import DueDate, Period, due_date
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.divisions.selectors import division_ancestor
from minzheng.enrolments.errors import AlreadyEnrolled
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.enrolments.services import enrolment_from_application
from minzheng.payments.models import ReserveFund
from minzheng.payments.services import reserve_draw
from minzheng.registry.choices import SelfCare
from minzheng.registry.models import Household, Membership, Person, StaffRelative

DUE_SOON_DAYS = 3  # calendar days before a step's time limit when it is flagged 即将到期
MIN_INVESTIGATORS = 2  # 审核确认办法第 16 条
SPOT_CHECK_SHARE = Decimal("0.3")  # 特困人员认定办法第 16 条
RECORDED_FIELDS = ("reason", "opinion", "amount", "missing_materials", "meeting_note", "instalments")
# Aid paid at once in cash from the township's reserve fund (先行救助, 小额快救: 民发〔2018〕23号 §三(三);
# 2020 opinion item 15); everything else approved is paid monthly through the payroll (an enrolment).
RESERVE_PAID = frozenset({Workflow.TEMPORARY_EMERGENCY, Workflow.TEMPORARY_SMALL_FAST})
TEMPORARY_WORKFLOWS = frozenset(
    {Workflow.TEMPORARY_EMERGENCY, Workflow.TEMPORARY_SMALL_FAST, Workflow.TEMPORARY_EXPENDITURE}
)


@dataclass(frozen=True)
class ApplicationData:
    """Intake input. ``subject_id`` is the person a person programme is for (特困: the applicant; an
    allowance: the elderly or disabled person, or the child, a member of the household; none given = the
    applicant). ``subsidies``: 残疾人两项补贴 only, the subsidies applied for (one or both)."""

    workflow: str
    household_id: int
    applicant_id: int
    channel: str
    submitted_on: dt.date | None = None
    subject_id: int | None = None
    entrusted_name: str = ""
    entrusted_relation: str = ""
    entrustment_note: str = ""
    source_note: str = ""
    hardship: str = ""
    requested_amount: Decimal | None = None
    pledge_signed: bool = False  # 承诺 + 授权核对 signed at the window (审核确认办法第 9 条)
    complaint: bool = False
    subsidies: tuple[str, ...] | list[str] = ()


def _today() -> dt.date:
    return timezone.localdate()


def _due(start: dt.date, period: Period) -> DueDate:
    return due_date(start, period, working_calendar())


def _workflow(value: str) -> Workflow:
    try:
        return Workflow(value)
    except ValueError:
        known = "、".join(f"{w.value}（{rules.WORKFLOW_LABELS[w]}）" for w in Workflow)
        raise ApplicationInvalid(f"未知的救助类别“{value}”，可选：{known}", field="workflow") from None


def _township_of(household: Household) -> Division:
    """The accepting township: the township of the household's registration (审核确认办法第 4 条)."""
    return division_ancestor(household.hukou_division, Level.TOWNSHIP)


def _county_of(division: Division) -> Division:
    return division_ancestor(division, Level.COUNTY)


def _in_scope(actor: User, division: Division) -> bool:
    prefix = actor.scope_prefix
    return prefix is not None and division.code.startswith(prefix)


# --- intake -------------------------------------------------------------------------------------------


def _members_on(household: Household, day: dt.date) -> set[int]:
    active = Q(joined_on__lte=day) & (Q(left_on__isnull=True) | Q(left_on__gt=day))
    return set(Membership.objects.filter(active, household=household).values_list("person_id", flat=True))


def staff_relative_members(household: Household, day: dt.date) -> list[int]:
    """Members of the household registered as near relatives of assistance staff or of a village committee
    member (审核确认办法第 11 条; 民法典第 1045 条)."""
    members = _members_on(household, day)
    registered = StaffRelative.objects.filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day), relative_id__in=members, registered_on__lte=day
    )
    return sorted(set(registered.values_list("relative_id", flat=True)))


def _intake_check(
    actor: User | None, data: ApplicationData, workflow: Workflow
) -> tuple[Household, Person, Person | None]:
    """The intake rules on ``data``. ``actor=None`` is the applicant's own online submission: the caller has
    established that the household is the applicant's, so the jurisdiction does not apply."""
    households = Household.objects.visible_to(actor) if actor is not None else Household.objects.all()
    household = households.select_related("hukou_division").filter(pk=data.household_id).first()
    if household is None:
        raise NotFound("家庭不存在或不在您的管辖范围内", field="household_id")
    day = data.submitted_on or _today()
    if day > _today():
        raise ApplicationInvalid("申请日期不能晚于今天", field="submitted_on")
    members = _members_on(household, day)
    applicant = Person.objects.filter(pk=data.applicant_id).first()
    if applicant is None or applicant.pk not in members:
        raise ApplicationInvalid("申请人须为该家庭的共同生活成员", field="applicant_id")
    subject = None
    if workflow in rules.SELF_ONLY_WORKFLOWS:
        subject = applicant if data.subject_id in (None, applicant.pk) else None
        if subject is None:
            raise ApplicationInvalid(
                "特困人员供养由本人申请（可委托），救助对象须为申请人本人", field="subject_id"
            )
    elif workflow in rules.ALLOWANCE_WORKFLOWS:
        subject = _allowance_subject(workflow, data, applicant, members, day)
    if data.channel not in Channel.values:
        raise ApplicationInvalid(f"申请渠道“{data.channel}”无效", field="channel")
    if data.channel == Channel.ENTRUSTED and not (
        data.entrusted_name.strip() and data.entrusted_relation.strip()
    ):
        raise ApplicationInvalid(
            "委托申请须登记受托人姓名和身份（审核确认办法第 6 条）", field="entrusted_name"
        )
    if data.channel == Channel.PROACTIVE and not data.source_note.strip():
        raise ApplicationInvalid("主动发现须注明线索来源（预警、走访等）", field="source_note")
    if workflow in TEMPORARY_WORKFLOWS and not data.hardship.strip():
        raise ApplicationInvalid("请说明遭遇的困难情形", field="hardship")
    return household, applicant, subject


def _allowance_subject(
    workflow: Workflow, data: ApplicationData, applicant: Person, members: set[int], day: dt.date
) -> Person:
    """The person an allowance is for: a member of the household on the day. For children the guardian
    applies (2019 de-facto-orphan opinion; 孤儿 the same shape), so the subject is a child under 18 other
    than the applicant; 两项补贴 may be filed by the person, a guardian or a near relative (国发〔2015〕52号).
    The subsidies applied for are named on the 两项补贴 form."""
    subject_id = data.subject_id or applicant.pk
    subject = Person.objects.filter(pk=subject_id).first()
    if subject is None or subject.pk not in members:
        raise ApplicationInvalid("救助对象须为该家庭的共同生活成员", field="subject_id")
    if workflow in rules.CHILD_WORKFLOWS:
        if subject.pk == applicant.pk:
            raise ApplicationInvalid(
                "孤儿、事实无人抚养儿童保障由儿童的监护人申请，请选择儿童为救助对象、监护人为申请人",
                field="subject_id",
            )
        if subject.birth_date is None or age_on(subject.birth_date, day) >= rules.CHILD_AGE:
            raise ApplicationInvalid(f"救助对象须为未满 {rules.CHILD_AGE} 周岁的儿童", field="subject_id")
    subsidies = _subsidies(data.subsidies)
    if workflow == Workflow.DISABILITY_SUBSIDIES and not subsidies:
        raise ApplicationInvalid(
            "请选择申请的补贴：困难残疾人生活补贴、重度残疾人护理补贴（可同时申请）", field="subsidies"
        )
    if workflow != Workflow.DISABILITY_SUBSIDIES and subsidies:
        raise ApplicationInvalid("只有残疾人两项补贴申请需要选择补贴", field="subsidies")
    return subject


def _subsidies(raw: Any) -> list[str]:
    """The named subsidies in the order of ``rules.SUBSIDY_LABELS``; an unknown one is refused."""
    chosen = {str(code) for code in raw or ()}
    unknown = chosen - set(rules.SUBSIDY_LABELS)
    if unknown:
        raise ApplicationInvalid(f"未知的补贴“{'、'.join(sorted(unknown))}”", field="subsidies")
    return [code for code in rules.SUBSIDY_LABELS if code in chosen]


@transaction.atomic
def application_create(*, actor: User, data: ApplicationData) -> Application:
    """Register an application in any channel (窗口、网上、委托、主动发现). Flags and separately registers
    an application where a member is a staff relative (审核确认办法第 11 条). A second open application of
    the household (of the person, for 特困) for the same programme is refused."""
    if not actor.can(Capability.ACCEPT_APPLICATIONS):
        raise PermissionDenied("您的角色不能登记救助申请")
    workflow = _workflow(data.workflow)
    household, applicant, subject = _intake_check(actor, data, workflow)
    application = _register(actor, data, workflow, household, applicant, subject,
                            timezone.now() if data.pledge_signed else None)  # fmt: skip
    timeline_record(application, actor, "transition", "submit", f"{Channel(data.channel).label}：登记申请",
            to_step=Step.SUBMITTED, data={"channel": data.channel})  # fmt: skip
    _staff_relatives_record(application, actor)
    event_record(actor=actor, verb="application.created", object_type="application", object_id=application.pk,
                 division_code=application.division.code,
                 summary=f"登记{rules.WORKFLOW_LABELS[workflow]}申请 {application.number}")  # fmt: skip
    return application


@transaction.atomic
def application_create_online(
    *, account_label: str, data: ApplicationData, pledge_signed_at: dt.datetime | None
) -> Application:
    """An application the applicant submits through the portal (救助通, 网上申请; 审核确认办法第 9—10 条):
    the same intake rules and the same refusal of a second open application of the programme as at the
    window, but with no staff actor (``created_by`` is empty) — the caller has established that the
    household is the signed-in applicant's. ``pledge_signed_at`` is when the applicant ticked the pledge
    and the authorisation (第 9 条); ``account_label`` (the masked phone) names the submitter in the audit
    trail. The application waits at 已提交待受理 for the township (第 10 条)."""
    workflow = _workflow(data.workflow)
    if data.channel != Channel.ONLINE:
        raise ApplicationInvalid("网上申请的渠道须为“网上申请”", field="channel")
    household, applicant, subject = _intake_check(None, data, workflow)
    application = _register(None, data, workflow, household, applicant, subject, pledge_signed_at)
    timeline_record(application, None, "transition", "submit", "网上申请：申请人提交", to_step=Step.SUBMITTED,
                    data={"channel": Channel.ONLINE.value})  # fmt: skip
    _staff_relatives_record(application, None)
    event_record(actor=None, verb="application.created_online", object_type="application",
                 object_id=application.pk, division_code=application.division.code,
                 summary=f"网上申请{rules.WORKFLOW_LABELS[workflow]} {application.number}"
                         f"（{account_label}）")  # fmt: skip
    return application


def _register(
    actor: User | None, data: ApplicationData, workflow: Workflow, household: Household, applicant: Person,
    subject: Person | None, pledge_at: dt.datetime | None,
) -> Application:  # fmt: skip
    """Insert the application with its number; the partial unique indexes refuse a second open one."""
    programme = rules.WORKFLOW_PROGRAMME[workflow]
    township = _township_of(household)
    day = data.submitted_on or _today()
    relatives = staff_relative_members(household, day)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                workflow=workflow.value, programme=programme, household=household, applicant=applicant,
                subject=subject, division=township, channel=data.channel, entrusted_name=data.entrusted_name,
                entrusted_relation=data.entrusted_relation, entrustment_note=data.entrustment_note,
                source_note=data.source_note, submitted_on=day, staff_relative=bool(relatives),
                complaint=data.complaint, hardship=data.hardship, requested_amount=data.requested_amount,
                assistance_type=_assistance_type(workflow), pledge_signed_at=pledge_at,
                subsidies=_subsidies(data.subsidies),
                pledge_recorded_by=actor if pledge_at else None, created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise DuplicateApplication(
            f"该{'人员' if subject else '家庭'}已有办理中的“{rules.WORKFLOW_LABELS[workflow]}”申请，"
            "不能重复申请",
            field="household_id",
        ) from None
    application.number = f"{township.code[:6]}-{day.year}-{application.pk:07d}"
    application.save(update_fields=["number"])
    return application


def _staff_relatives_record(application: Application, actor: User | None) -> None:
    relatives = staff_relative_members(application.household, application.submitted_on)
    if relatives:
        timeline_record(application, actor, "record", "staff_relative",
                "家庭成员中有民政经办人员或村（居）委会成员的近亲属，单独登记备案，县级须入户核查",
                basis="《最低生活保障审核确认办法》第11条、第20条", data={"persons": relatives})  # fmt: skip


def _assistance_type(workflow: Workflow) -> str:
    return {
        Workflow.TEMPORARY_EMERGENCY: "emergency",
        Workflow.TEMPORARY_SMALL_FAST: "small_fast",
        Workflow.TEMPORARY_EXPENDITURE: "expenditure",
    }.get(workflow, "")


# --- transitions --------------------------------------------------------------------------------------


def _locked(application_id: int, actor: User) -> Application:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("division", "household")
        .filter(pk=application_id)
        .first()
    )
    if application is None or not Application.objects.visible_to(actor).filter(pk=application_id).exists():
        raise NotFound("申请不存在或不在您的管辖范围内", field="application")
    return application


def _delegated(application: Application) -> bool:
    return _county_of(application.division).confirmation_delegated


def _allowed(actor: User, application: Application, transition: Transition) -> None:
    if not rules.role_may(transition, actor.role, delegated=_delegated(application)):
        if transition.level == rules.Level.CONFIRMING and actor.role == "township_reviewer":
            raise PermissionDenied("本旗县未将审核确认权限下放乡镇（街道），须由县级民政部门审核确认")
        raise PermissionDenied(f"您的角色不能办理“{transition.label}”")
    place = application.household.hukou_division if transition.level == rules.Level.VILLAGE else None
    if not _in_scope(actor, place or application.division):
        raise PermissionDenied("该申请不在您的管辖范围内")


def _text(data: Mapping[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _requirements(
    application: Application, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    """Each requirement of the transition, checked on the stored records and the submitted data."""
    checks: dict[Requirement, Callable[[], str | None]] = {
        Requirement.PLEDGE: lambda: None if application.pledge_signed_at or data.get("pledge_signed") else
            "申请人尚未签署承诺书和家庭经济状况核对授权书（审核确认办法第 9 条）",
        Requirement.MATERIALS_LISTED: lambda: None if _items(data.get("missing_materials")) else
            "请一次性列明需要补齐的全部材料（审核确认办法第 10 条）",
        Requirement.HOME_VISIT: lambda: None if application.home_visits.filter(by_county=False).exists() else
            "尚无入户调查记录（至少 2 名调查人员，审核确认办法第 16 条）",
        Requirement.VERIFICATION: lambda: None if application.verifications.exists() else
            "尚未录入信息核对结果（审核确认办法第 17 条）",
        Requirement.OPINION: lambda: None if _text(data, "opinion") or application.opinion else
            "请填写初审意见",
        Requirement.NOTICE_ENDED: lambda: _notice_over(application, today),
        Requirement.OBJECTION: lambda: None if application.objections.exists() else "公示期内没有登记异议",
        Requirement.COUNTY_VISIT_IF_FLAGGED: lambda: _county_visit(application),
        Requirement.REASON: lambda: None if _text(data, "reason") else "请填写理由",
        Requirement.SELF_CARE: lambda: None if CareAssessment.objects.filter(application=application).exists()
            else "尚未录入生活自理能力六项评估和法定义务人情况（特困人员认定办法第 8 条、第 20—23 条）",
        Requirement.AMOUNT: lambda: None if _amount(data) is not None else "请填写救助金额",
        Requirement.SPOT_CHECK_DRAWN: lambda: None if application.spot_checked is not None else
            "县级尚未抽取本批次抽查样本（特困人员认定办法第 16 条，不少于 30%）",
        Requirement.MEETING: lambda: None if _text(data, "meeting_note") else
            "请填写县级困难群众基本生活保障工作协调机制的一事一议会议纪要（时间、参会单位、议定事项）",
        Requirement.FEDERATION: lambda: None if application.verifications.filter(
            source=VerificationSource.DISABILITY_FEDERATION).exists() else
            "尚未录入县级残联审核意见（国发〔2015〕52号）",
    }  # fmt: skip
    for requirement in transition.requires:
        problem = checks[requirement]()
        if problem:
            raise StepRequirementMissing(problem, field=requirement.value)


def _items(raw: Any) -> list[str]:
    if isinstance(raw, str):
        raw = raw.splitlines()
    return [str(item).strip() for item in raw or [] if str(item).strip()]


def _amount(data: Mapping[str, Any]) -> Decimal | None:
    try:
        value = Decimal(str(data.get("amount"))) if data.get("amount") not in (None, "") else None
    except InvalidOperation:
        raise StepRequirementMissing("救助金额不是有效数字", field="amount") from None
    if value is not None and (value <= 0 or value != value.quantize(Decimal("0.01"))):
        raise StepRequirementMissing("救助金额须为正数，最多两位小数", field="amount")
    return value


def _notice_over(application: Application, today: dt.date) -> str | None:
    if application.notice_ends_on is None or today <= application.notice_ends_on:
        return f"公示期至 {application.notice_ends_on} 止，期满后才能报送（审核确认办法第 19 条）"
    if application.objections.filter(resolution="").exists():
        return "公示期内有未处理的异议，须重新调查或组织民主评议"
    return None


def _county_visit(application: Application) -> str | None:
    flagged = application.staff_relative or application.complaint or application.spot_checked
    if flagged and not application.home_visits.filter(by_county=True).exists():
        return (
            "近亲属备案、有投诉举报或被县级抽查的申请，县级民政部门须入户核查后才能确认"
            "（审核确认办法第 20 条；特困人员认定办法第 16 条）"
        )
    return None


@transaction.atomic
def application_transition(
    *, actor: User, application_id: int, code: str, expected_step: str | None = None,
    data: Mapping[str, Any] | None = None,
) -> Application:  # fmt: skip
    """Take transition ``code`` of the application's workflow. ``expected_step`` is the step the user
    saw: if another user moved the application meanwhile, the request is refused instead of acting on a
    step the user did not see. Raises ``TransitionNotAllowed``, ``PermissionDenied``,
    ``StepRequirementMissing`` and the engine's errors on approval; nothing is written then."""
    data = dict(data or {})
    application = _locked(application_id, actor)
    workflow = Workflow(application.workflow)
    current = Step(application.step)
    transition = rules.transition_for(workflow, current, code)
    if transition is None or (expected_step and expected_step != current):
        known = next((t for t in rules.transitions(workflow) if t.code == code), None)
        label = known.label if known else code
        raise TransitionNotAllowed(
            f"申请 {application.number} 当前处于“{current.label}”环节，不能办理“{label}”"
            "（可能已由他人办理，请刷新）",
            field="step",
        )
    _allowed(actor, application, transition)
    today = _today()
    _requirements(application, transition, data, today)
    EFFECTS.get(code, _no_effect)(application, actor, transition, data, today)
    previous = application.step
    application.step = transition.target
    application.step_entered_at = timezone.now()
    if transition.due is None:
        application.step_due_on, application.step_due_provisional = None, False
    elif not isinstance(transition.due, rules.Keep):
        due = _due(today, transition.due)
        application.step_due_on, application.step_due_provisional = due.due_on, due.provisional
    application.deadline_status = DeadlineStatus.ON_TIME
    application.save()
    timeline_record(application, actor, "transition", code, _message(transition, data),
            basis=transition.basis, from_step=previous, to_step=transition.target,
            due_on=application.step_due_on,
            data={k: v for k, v in data.items() if k in RECORDED_FIELDS})  # fmt: skip
    if transition.target == Step.APPROVED and workflow not in RESERVE_PAID:
        enrolment_from_application(actor=actor, application=application)
    if workflow in RESERVE_PAID and code in ("pay_aid_first", "approve"):
        _reserve_pay(application, actor, today)
    event_record(actor=actor, verb=f"application.{code}", object_type="application", object_id=application.pk,
                 division_code=application.division.code,
                 summary=f"{application.number}：{transition.label}")  # fmt: skip
    return application


def _reserve_pay(application: Application, actor: User, today: dt.date) -> None:
    """先行救助 and 小额快救 are paid at once from the township's 临时救助备用金 (民发〔2018〕23号 §三(三);
    2020 opinion item 15); a balance too low refuses the whole transition. A township without a fund pays
    by other means, and the timeline says so."""
    amount = application.one_off_amount
    assert amount is not None  # set by the approval effect
    if not ReserveFund.objects.filter(township=application.division).exists():
        timeline_record(application, actor, "record", "reserve_none",
                        f"本乡镇（街道）未设立临时救助备用金，救助金 {amount} 元按其他方式支付")  # fmt: skip
        return
    entry = reserve_draw(actor=actor, township=application.division, application=application, amount=amount,
                         drawn_on=today)  # fmt: skip
    timeline_record(application, actor, "record", "reserve_draw",
                    f"从临时救助备用金支付 {entry.amount} 元，备用金余额 {entry.balance_after} 元",
                    basis=f"{rules.TEMPORARY_2018}§三(三)", data={"entry": entry.pk})  # fmt: skip


def _message(transition: Transition, data: Mapping[str, Any]) -> str:
    detail = _text(data, "reason") or _text(data, "opinion") or _text(data, "comment")
    return f"{transition.label}：{detail}" if detail else transition.label


def _no_effect(*_: Any) -> None:
    return None


def _accept(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    _pledge(application, actor, data)
    application.accepted_on = today
    application.missing_materials = []
    workflow = Workflow(application.workflow)
    limits = rules.OVERALL_LIMIT_DELEGATED if _delegated(application) else rules.OVERALL_LIMIT
    if workflow in limits:
        overall = _due(today, limits[workflow])
        application.overall_due_on, application.overall_due_provisional = overall.due_on, overall.provisional


def _pledge(application: Application, actor: User, data: Mapping[str, Any]) -> None:
    """Record the pledge only when it is signed now: 急难型 aid is accepted before the paperwork."""
    if application.pledge_signed_at is None and data.get("pledge_signed"):
        application.pledge_signed_at, application.pledge_recorded_by = timezone.now(), actor


def _request_materials(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    application.missing_materials = _items(data.get("missing_materials"))


def _publish_notice(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    if _text(data, "opinion"):
        application.opinion = _text(data, "opinion")
    application.notice_starts_on = today + dt.timedelta(
        days=1
    )  # 民法典第 201 条: the day itself is not counted
    application.notice_ends_on = today + dt.timedelta(days=7)


def _reinvestigate(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    application.objections.filter(resolution="").update(resolution=_text(data, "reason") or "重新调查")


def _appraise(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    if _text(data, "opinion"):
        application.opinion = _text(data, "opinion")
    application.objections.filter(resolution="").update(resolution=_text(data, "opinion") or "民主评议")


def _with_care_assessment(application: Application, facts: Any) -> Any:
    """The subject's member facts with what the 特困 investigation established (``CareAssessment``)."""
    care = CareAssessment.objects.filter(application=application).first()
    if care is None:
        return facts
    key = str(application.subject_id)
    adl = AdlItems(**{name: getattr(care, name) for name in ADL_LABELS})
    members = tuple(
        replace(member, adl=adl, supporter_status=care.supporter_status,
                supporter_inability=care.supporter_inability,
                other_no_work_capacity=care.other_no_work_capacity) if member.key == key else member
        for member in facts.members
    )  # fmt: skip
    return replace(facts, members=members)


def _engine_result(application: Application, day: dt.date, data: Mapping[str, Any]) -> Any:
    facts = household_facts_many([application.household_id], day)[application.household_id]
    programme = application.programme
    if programme == "extreme_poverty_support":
        facts = _with_care_assessment(application, facts)
    if programme == "rigid_expense_household":
        facts = replace(facts, rigid_expenses=tuple(
            RigidExpenseFact(e.kind, e.amount, e.incurred_on, str(e.person_id) if e.person_id else None)
            for e in application.expenses.all()
        ))  # fmt: skip
    person = str(application.subject_id) if application.subject_id else None
    if programme == "temporary_assistance":
        request = TemporaryRequest(
            application.assistance_type, application.hardship or "临时困难", _amount(data)
        )
        return assess(programme, facts, SelectorParams(), temporary_request=request)
    return assess(programme, facts, SelectorParams(), person_key=person)


def _approve(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    """The amount comes from the benefit engine on the decision day; 低保 and 特困 are paid from the next
    month (审核确认办法第 21 条; 特困人员认定办法第 17 条). Temporary assistance needs an amount within the
    tier and the approval level's ceiling (社会救助暂行办法第 48 条). Allowances: ``_allowance_approve``."""
    if Workflow(application.workflow) in rules.ALLOWANCE_WORKFLOWS:
        _allowance_approve(application, actor, data, today)
        return
    result = _engine_result(application, today, data)
    if not result.eligible:
        failing = next((r.message_zh for r in reversed(result.reasons) if r.value is False), "")
        raise StepRequirementMissing(
            f"按{today}的测算不符合条件，不能批准：{failing}；请核实或不予批准", field="assessment"
        )
    workflow = Workflow(application.workflow)
    if application.programme == "temporary_assistance":
        _temporary_amount(application, actor, result, data, today)
    elif workflow in (Workflow.MARGIN, Workflow.RIGID_EXPENSE):
        _identified(application, workflow, today)
    else:
        application.monthly_amount = result.monthly_amount
        application.starts_month = _next_month(today)
    if workflow == Workflow.EXTREME_POVERTY:
        application.support_mode = CareAssessment.objects.get(application=application).support_mode
    application.level = result.level
    application.assessment = result_as_dict(result)
    application.decided_on, application.decided_by = today, actor
    application.decision_reason = _text(data, "reason")


# --- the allowances --------------------------------------------------------------------------------------

FULL_DE_FACTO_EXCLUDES = "de_facto_orphan_allowance"  # 2019 opinion: no living subsidy on top of it
CHILD_BENEFITS_DEDUCTED = ("extreme_poverty_support", rules.DISABILITY_LIVING)  # the child's own, 补差发放


def _allowance_programmes(application: Application) -> tuple[str, ...]:
    workflow = Workflow(application.workflow)
    if workflow == Workflow.DISABILITY_SUBSIDIES:
        return tuple(_subsidies(application.subsidies))
    return rules.ALLOWANCE_PROGRAMMES[workflow]


def _subject_pk(application: Application) -> int:
    subject = application.subject_id
    assert subject is not None  # an allowance application always has its subject (intake)
    return subject


def _not_enrolled(application: Application, programmes: tuple[str, ...]) -> None:
    """A person already enrolled in the programme (e.g. by the registry's senior-allowance run meanwhile)
    is not approved again: the approval would pay twice."""
    current = (
        Enrolment.objects.filter(person_id=_subject_pk(application), programme__in=programmes)
        .exclude(status=EnrolmentStatus.ENDED)
        .order_by("starts_month", "pk")
        .first()
    )
    if current is not None:
        subject = application.subject
        name = subject.name if subject is not None else ""
        label = (
            rules.SUBSIDY_LABELS.get(current.programme)
            or rules.WORKFLOW_LABELS[Workflow(application.workflow)]
        )
        raise AlreadyEnrolled(
            f"{name}已在享受“{label}”（自 {current.starts_month:%Y年%m月} 起，"
            f"{EnrolmentStatus(current.status).label}），不能重复批准；请不予批准或撤回本申请，"
            "待遇调整请办理在保对象变更",
            field="subject_id",
        )


def _allowance_facts(application: Application, workflow: Workflow, day: dt.date) -> Any:
    """The household's facts on ``day`` with what the registry does not hold: the household programmes
    received (the living subsidy is for 低保 households), and on the subject: the identification the county
    makes by this approval (孤儿, 事实无人抚养儿童), the child's own benefits deducted (补差发放, 2019
    opinion), a de-facto orphan's exclusion from the living subsidy, and the county 残联's finding on the
    long-term care need (a 县残联审核 result “与申报不一致” = not confirmed; 国发〔2015〕52号)."""
    facts = household_facts_many([application.household_id], day)[application.household_id]
    received = frozenset(
        Enrolment.objects.filter(household_id=application.household_id, person__isnull=True)
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("programme", flat=True)
    )
    own = dict(
        Enrolment.objects.filter(person_id=_subject_pk(application))
        .exclude(status=EnrolmentStatus.ENDED)
        .values_list("programme", "monthly_amount")
    )
    changes: dict[str, Any] = {}
    if workflow == Workflow.ORPHAN_ALLOWANCE:
        changes["orphan_status"] = OrphanStatus.ORPHAN
    if workflow == Workflow.DE_FACTO_ORPHAN_ALLOWANCE:
        changes["orphan_status"] = OrphanStatus.DE_FACTO_ORPHAN
        changes["other_child_benefits_monthly"] = sum(
            (own[p] for p in CHILD_BENEFITS_DEDUCTED if p in own), Decimal("0.00")
        )
    if workflow == Workflow.DISABILITY_SUBSIDIES:
        if FULL_DE_FACTO_EXCLUDES in own:
            changes["orphan_status"] = OrphanStatus.DE_FACTO_ORPHAN
        federation = application.verifications.filter(source=VerificationSource.DISABILITY_FEDERATION)
        if federation.order_by("-pk").values_list("outcome", flat=True).first() == "inconsistent":
            changes["needs_long_term_care"] = False
    key = str(application.subject_id)
    members = tuple(replace(m, **changes) if m.key == key else m for m in facts.members)
    return replace(facts, members=members, programmes_received=received)


def _tier_label(programme: str, result: Any) -> str:
    """The care subsidy's tier by its label as the engine quotes it; otherwise the engine's level."""
    if programme == rules.DISABILITY_CARE:
        quoted = re.search(r"档次“([^”]+)”", result.reasons[-1].message_zh)
        if quoted:
            return quoted.group(1)[:40]
    return str(result.level)[:40]


def _allowance_approve(
    application: Application, actor: User, data: Mapping[str, Any], today: dt.date
) -> None:
    """Approve an allowance with the engine's amount (benefits.allowances) for each programme applied for;
    两项补贴: each subsidy the engine finds eligible is granted, the others are named in the decision.
    高龄津贴 and 两项补贴 are assessed on the application date and paid from that month (Inner Mongolia
    measures; 国发〔2015〕52号); 孤儿 and 事实无人抚养儿童 on the decision day and paid from the next month
    (2019 opinion). A person already enrolled in a programme applied for is refused (``_not_enrolled``).
    The grants are kept in ``assessment["granted"]``, which ``enrolment_from_application`` enrols."""
    workflow = Workflow(application.workflow)
    programmes = _allowance_programmes(application)
    _not_enrolled(application, programmes)
    from_application = workflow in rules.PAID_FROM_APPLICATION_MONTH
    day = application.submitted_on if from_application else today
    facts = _allowance_facts(application, workflow, day)
    person = str(application.subject_id)
    results = [(p, assess(p, facts, SelectorParams(), person_key=person)) for p in programmes]
    granted = [(p, r) for p, r in results if r.eligible]
    refused = [(p, r) for p, r in results if not r.eligible]

    def failing(result: Any) -> str:
        return next((r.message_zh for r in reversed(result.reasons) if r.value is False), "")

    if not granted:
        reasons = "；".join(failing(r) for _, r in refused)
        raise StepRequirementMissing(
            f"按{day}的测算不符合条件，不能批准：{reasons}；请核实或不予批准", field="assessment"
        )
    labels = {**rules.SUBSIDY_LABELS, **{p: rules.WORKFLOW_LABELS[workflow] for p in programmes
                                          if p not in rules.SUBSIDY_LABELS}}  # fmt: skip
    total = sum((r.monthly_amount for _, r in granted), Decimal("0.00"))
    assessment = result_as_dict(granted[0][1])
    assessment.update(
        programme=application.programme, monthly_amount=str(total), assessed_on=day.isoformat(),
        reasons=[reason_as_dict(reason) for _, r in results for reason in r.reasons],
        granted=[{"programme": p, "label": labels[p], "monthly_amount": str(r.monthly_amount),
                  "level": _tier_label(p, r)} for p, r in granted],
        refused=[{"programme": p, "label": labels[p], "reason": failing(r)} for p, r in refused],
    )  # fmt: skip
    application.monthly_amount = total
    application.level = _tier_label(*granted[0]) if len(granted) == 1 else ""
    application.starts_month = day.replace(day=1) if from_application else _next_month(today)
    application.assessment = assessment
    application.decided_on, application.decided_by = today, actor
    not_granted = "；".join(f"{labels[p]}不予批准：{failing(r)}" for p, r in refused)
    application.decision_reason = "；".join(x for x in (_text(data, "reason"), not_granted) if x)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def _identified(application: Application, workflow: Workflow, today: dt.date) -> None:
    """低保边缘 / 刚性支出困难 identification carries no monthly cash of its own; a rigid-expense
    identification is valid for at most 12 months (刚性支出困难家庭认定办法第 10 条)."""
    application.monthly_amount = None
    application.starts_month = _next_month(today)
    months = rules.VALIDITY_MONTHS.get(workflow)
    if months:
        end = application.starts_month
        for _ in range(months):
            end = _next_month(end)
        application.valid_until = end - dt.timedelta(days=1)


def _temporary_amount(
    application: Application, actor: User, result: Any, data: Mapping[str, Any], today: dt.date
) -> None:
    """Within the tier and the approval level's ceiling (社会救助暂行办法第 48 条), except a 一事一议
    decision, which may raise the amount (民发〔2018〕23号 §二(三)); paid once or in stages decided at once
    (一次审批、分阶段救助, 2020 opinion item 15)."""
    amount = _amount(data)
    assert amount is not None  # Requirement.AMOUNT
    case_by_case = application.step == Step.CASE_BY_CASE
    if amount > result.one_off_amount and not case_by_case:
        referable = rules.transition_for(
            Workflow(application.workflow), application.step, "refer_case_by_case"
        )
        hint = "；情况复杂、需提高额度的，请提请一事一议" if referable else ""
        raise StepRequirementMissing(
            f"救助金额 {amount} 元超过本档上限 {result.one_off_amount} 元{hint}", field="amount"
        )
    if result.approval_level == "county" and actor.role != "county_approver":
        raise PermissionDenied(f"{amount} 元超过乡镇（街道）审批额度，须报县级民政部门审批", field="amount")
    if case_by_case:
        application.meeting_note = _text(data, "meeting_note")
    application.one_off_amount = amount
    application.instalments = _instalments(data.get("instalments"), amount, today)


MAX_INSTALMENTS = 12


def _instalments(raw: Any, amount: Decimal, today: dt.date) -> list[dict[str, str]]:
    """``[{"month": "2026-12-01", "amount": "500.00"}, …]`` from a list of mappings or from text lines
    ``2026-12 500``; months strictly increasing from the decision month, amounts summing to ``amount``."""
    if raw in (None, "", []):
        return []
    rows: list[tuple[str, Any]] = []
    if isinstance(raw, str):
        for line in raw.splitlines():
            parts = line.replace("，", " ").replace(",", " ").split()
            if parts:
                rows.append((parts[0], parts[1] if len(parts) > 1 else None))
    else:
        rows = [(str(item.get("month", "")), item.get("amount")) for item in raw]
    plan: list[dict[str, str]] = []
    for number, (month_text, value) in enumerate(rows, start=1):
        try:
            month = dt.date.fromisoformat(month_text[:7] + "-01")
            cents = Decimal(str(value)).quantize(Decimal("0.01"))
        except (ValueError, InvalidOperation):
            raise StepRequirementMissing(
                f"分阶段发放计划第 {number} 行格式有误，应为“年-月 金额”，如“2026-12 500”",
                field="instalments",
            ) from None
        if cents <= 0 or (plan and month <= dt.date.fromisoformat(plan[-1]["month"])):
            raise StepRequirementMissing(
                f"分阶段发放计划第 {number} 行：金额须为正数，月份须逐行递增", field="instalments"
            )
        plan.append({"month": month.isoformat(), "amount": str(cents)})
    if len(plan) > MAX_INSTALMENTS or dt.date.fromisoformat(plan[0]["month"]) < today.replace(day=1):
        raise StepRequirementMissing(
            f"分阶段发放最多 {MAX_INSTALMENTS} 期，且不能早于审批当月", field="instalments"
        )
    total = sum((Decimal(item["amount"]) for item in plan), Decimal(0))
    if total != amount:
        raise StepRequirementMissing(
            f"分阶段发放合计 {total} 元，与救助金额 {amount} 元不一致", field="instalments"
        )
    return plan


def _decided(application: Application, actor: User, data: Mapping[str, Any], today: dt.date) -> None:
    application.decided_on, application.decided_by = today, actor
    application.decision_reason = _text(data, "reason") or application.decision_reason


def _complete_paperwork(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    """Aid paid first was within the township's ceiling (``_temporary_amount`` at payment), so the township
    may complete its approval as well as the county (社会救助暂行办法第 48 条)."""
    _pledge(application, actor, data)
    _decided(application, actor, data, today)


def _decided_reason(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    application.decision_reason = _text(data, "reason")


def _reject(
    application: Application, actor: User, transition: Transition, data: Mapping[str, Any], today: dt.date
) -> None:
    application.decided_on, application.decided_by = today, actor
    application.decision_reason = _text(data, "reason")
    if _text(data, "meeting_note"):
        application.meeting_note = _text(data, "meeting_note")
    if transition.due is not None and not isinstance(transition.due, rules.Keep):
        application.notice_due_on = _due(today, transition.due).due_on


EFFECTS: dict[str, Callable[[Application, User, Transition, Mapping[str, Any], dt.date], None]] = {
    "accept": _accept,
    "request_materials": _request_materials,
    "publish_notice": _publish_notice,
    "reinvestigate": _reinvestigate,
    "hold_appraisal": _appraise,
    "submit_after_appraisal": _appraise,
    "approve": _approve,
    "complete_paperwork": _complete_paperwork,
    "pay_aid_first": _approve,
    "reject": _reject,
    "refer_case_by_case": _decided_reason,
    "withdraw": _reject,
    "terminate": _reject,
}


# --- records of the steps -----------------------------------------------------------------------------


RECORDERS = frozenset({"township_caseworker", "township_reviewer", "county_approver"})


def _open_for_record(actor: User, application_id: int, steps: set[Step], what: str) -> Application:
    if actor.role not in RECORDERS:
        raise PermissionDenied(f"您的角色不能录入{what}")
    application = _locked(application_id, actor)
    if application.step not in steps:
        raise TransitionNotAllowed(f"当前环节“{Step(application.step).label}”不能录入{what}", field="step")
    if not _in_scope(actor, application.division) and not _in_scope(actor, _county_of(application.division)):
        raise PermissionDenied("该申请不在您的管辖范围内")
    return application


@transaction.atomic
def home_visit_record(*, actor: User, application_id: int, visited_on: dt.date, investigators: list[str],
                      members_present: str, findings: str, housing: str = "") -> HomeVisit:  # fmt: skip
    """入户调查记录 (审核确认办法第 16 条: ≥ 2 investigators, signed by them and the family members present).
    A county approver's visit during review is the county home visit of 第 20 条."""
    by_county = actor.role == "county_approver"
    steps = {Step.COUNTY_REVIEW} if by_county else {Step.INVESTIGATING}
    application = _open_for_record(actor, application_id, steps, "入户调查")
    names = [n.strip() for n in investigators if n.strip()]
    if len(set(names)) < MIN_INVESTIGATORS:
        raise ApplicationInvalid("入户调查须至少 2 名调查人员（审核确认办法第 16 条）", field="investigators")
    if not findings.strip() or not members_present.strip():
        raise ApplicationInvalid("请填写在场家庭成员和调查结论", field="findings")
    if visited_on > _today():
        raise ApplicationInvalid("调查日期不能晚于今天", field="visited_on")
    visit = HomeVisit.objects.create(application=application, visited_on=visited_on, investigators=names,
                                     by_county=by_county, members_present=members_present, housing=housing,
                                     findings=findings, recorded_by=actor)  # fmt: skip
    timeline_record(application, actor, "record", "home_visit",
            f"{'县级' if by_county else ''}入户调查：{findings}",
            basis="《最低生活保障审核确认办法》第16条" + ("、第20条" if by_county else ""),
            data={"investigators": names, "visited_on": visited_on.isoformat()})  # fmt: skip
    return visit


@transaction.atomic
def verification_record(*, actor: User, application_id: int, source: str, outcome: str, detail: str = "",
                        amount: Decimal | None = None) -> VerificationResult:  # fmt: skip
    """One data source's result of 家庭经济状况核对 (county civil affairs, 审核确认办法第 17 条). 孤儿 and
    事实无人抚养儿童: the township's inter-departmental data matching (2019 opinion). 两项补贴: the county
    残联's review, entered by the county user at 县级残联审核 as a “县残联审核” result (国发〔2015〕52号)."""
    steps = {Step.VERIFYING, Step.FEDERATION_REVIEW}
    application = _open_for_record(actor, application_id, steps, "核对结果")
    workflow = Workflow(application.workflow)
    basis = "《最低生活保障审核确认办法》第17条"
    if application.step == Step.FEDERATION_REVIEW:
        if actor.role != "county_approver":
            raise PermissionDenied("县级残联审核意见由县级民政部门录入")
        if source != VerificationSource.DISABILITY_FEDERATION:
            raise ApplicationInvalid("县级残联审核环节请录入“县残联审核”结果", field="source")
        basis = f"{rules.DISABILITY_2015}（县级残联审核）"
    elif workflow in rules.CHILD_WORKFLOWS:
        basis = f"{rules.DE_FACTO_2019}（部门间信息比对）"
    elif actor.role != "county_approver":
        raise PermissionDenied("信息核对由县级民政部门办理")
    result = VerificationResult.objects.create(application=application, source=source, outcome=outcome,
                                               detail=detail, amount=amount, recorded_by=actor)  # fmt: skip
    what = "县级残联审核" if application.step == Step.FEDERATION_REVIEW else "信息核对"
    timeline_record(application, actor, "record", "verification",
            f"{what}：{result.get_source_display()}，{result.get_outcome_display()}"
            f"{('，' + detail) if detail else ''}", basis=basis)  # fmt: skip
    return result


@transaction.atomic
def objection_record(*, actor: User, application_id: int, received_on: dt.date, content: str) -> Objection:
    """An objection to the public notice (审核确认办法第 19 条); extends the overall limit to 45 working days
    (2022 notice §四(一))."""
    application = _open_for_record(actor, application_id, {Step.PUBLIC_NOTICE}, "公示异议")
    if not content.strip():
        raise ApplicationInvalid("请填写异议内容", field="content")
    objection = Objection.objects.create(application=application, received_on=received_on, content=content,
                                         recorded_by=actor)  # fmt: skip
    timeline_record(application, actor, "record", "objection", f"公示异议：{content}",
                    basis="《最低生活保障审核确认办法》第19条")  # fmt: skip
    _extend(application, actor, "objection")
    return objection


def _extend(application: Application, actor: User, reason: str) -> None:
    if application.accepted_on is None or Workflow(application.workflow) not in rules.OVERALL_LIMIT:
        return
    due = _due(application.accepted_on, rules.OVERALL_LIMIT_EXTENDED)
    if application.overall_due_on == due.due_on:
        return
    application.overall_due_on, application.overall_due_provisional = due.due_on, due.provisional
    application.extension_reason = reason
    application.save(
        update_fields=["overall_due_on", "overall_due_provisional", "extension_reason", "updated_at"]
    )
    timeline_record(application, actor, "deadline", "extend",
            f"办理时限延长至 {due.due_on}（{rules.EXTENSION_REASONS[reason]}）",
            basis=f"{rules.NOTICE_2022}§四(一)", due_on=due.due_on)  # fmt: skip


def _care_problem(assessors: list[str], adl: Mapping[str, bool], supporter_status: str, inability: str,
                  support_mode: str, assessed_on: dt.date) -> tuple[str, str] | None:  # fmt: skip
    missing = [label for name, label in ADL_LABELS.items() if not isinstance(adl.get(name), bool)]
    if not assessors:
        return "assessors", "请填写评估人员"
    if missing:
        return "adl", f"六项指标须逐项评定：{'、'.join(missing)}"
    if supporter_status not in set(SupporterStatus):
        return "supporter_status", "请选择法定赡养、抚养、扶养义务人情况"
    if supporter_status == SupporterStatus.UNABLE and inability not in set(SupporterInability):
        return "supporter_inability", "义务人无履行能力的，须选择第 8 条所列情形"
    if support_mode not in SupportMode.values:
        return "support_mode", "请选择本人意愿的供养方式（分散供养或集中供养）"
    if assessed_on > _today():
        return "assessed_on", "评估日期不能晚于今天"
    return None


@transaction.atomic
def care_assessment_record(
    *, actor: User, application_id: int, assessed_on: dt.date, assessors: list[str], adl: Mapping[str, bool],
    supporter_status: str, support_mode: str, supporter_inability: str = "", other_no_work_capacity: str = "",
) -> CareAssessment:  # fmt: skip
    """The 特困 investigation facts: the six self-care items (特困人员认定办法第 20—23 条; the county assesses
    with the township's help), the support duty-bearers (第 4 条第 3 项、第 8 条) and the support mode the
    person chose (社会救助暂行办法第 19 条). Recording again replaces the earlier assessment."""
    application = _open_for_record(actor, application_id, {Step.INVESTIGATING}, "特困人员评估")
    if application.workflow != Workflow.EXTREME_POVERTY:
        raise ApplicationInvalid("生活自理能力评估只适用于特困人员救助供养申请", field="workflow")
    names = [n.strip() for n in assessors if n.strip()]
    problem = _care_problem(names, adl, supporter_status, supporter_inability, support_mode, assessed_on)
    if problem:
        raise ApplicationInvalid(problem[1], field=problem[0])
    items = {name: bool(adl[name]) for name in ADL_LABELS}
    category = self_care_from_adl(AdlItems(**items))
    inability = supporter_inability if supporter_status == SupporterStatus.UNABLE else ""
    care, _ = CareAssessment.objects.update_or_create(
        application=application,
        defaults={"assessed_on": assessed_on, "assessors": names, **items, "self_care": category,
                  "supporter_status": supporter_status, "supporter_inability": inability,
                  "other_no_work_capacity": other_no_work_capacity.strip(), "support_mode": support_mode,
                  "recorded_by": actor},
    )  # fmt: skip
    failed = [label for name, label in ADL_LABELS.items() if not items[name]]
    timeline_record(application, actor, "record", "care_assessment",
                    f"生活自理能力评估：{SelfCare(category).label}（未达到 {len(failed)} 项"
                    f"{'：' + '、'.join(failed) if failed else ''}）；{SupportMode(support_mode).label}",
                    basis="《特困人员认定办法》第8条、第20—23条；《社会救助暂行办法》第19条",
                    data={"self_care": category, "failed": failed})  # fmt: skip
    return care


EXPENSE_LABELS: dict[str, str] = {
    RigidExpenseKind.MEDICAL: "医疗（自付）",
    RigidExpenseKind.EDUCATION: "教育",
    RigidExpenseKind.REHABILITATION: "残疾康复",
    RigidExpenseKind.ACCIDENT: "意外事故",
    RigidExpenseKind.BASIC_LIVING: "基本生活",
    RigidExpenseKind.OTHER: "县级确定的其他支出",
}


@transaction.atomic
def expense_record(*, actor: User, application_id: int, kind: str, amount: Decimal, incurred_on: dt.date,
                   person_id: int | None = None, note: str = "") -> ExpenseRecord:  # fmt: skip
    """One rigid expense found by the investigation (刚性支出困难家庭认定办法第 4 条第 4 项、第 5 条)."""
    application = _open_for_record(actor, application_id, {Step.INVESTIGATING, Step.FIRST_REVIEW}, "刚性支出")
    if application.workflow != Workflow.RIGID_EXPENSE:
        raise ApplicationInvalid("刚性支出只在刚性支出困难家庭认定中录入", field="workflow")
    if kind not in set(RigidExpenseKind):
        raise ApplicationInvalid("支出类别无效", field="kind")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationInvalid("金额须为正数，最多两位小数", field="amount")
    if incurred_on > _today():
        raise ApplicationInvalid("发生日期不能晚于今天", field="incurred_on")
    if person_id is not None and person_id not in _members_on(application.household, incurred_on):
        raise ApplicationInvalid("发生人员须为该家庭成员", field="person_id")
    expense = ExpenseRecord.objects.create(application=application, kind=kind, amount=amount,
                                           incurred_on=incurred_on, person_id=person_id, note=note.strip(),
                                           recorded_by=actor)  # fmt: skip
    timeline_record(application, actor, "record", "expense",
                    f"刚性支出：{EXPENSE_LABELS[RigidExpenseKind(kind)]} {amount} 元（{incurred_on}）"
                    f"{('，' + note.strip()) if note.strip() else ''}",
                    basis="《刚性支出困难家庭认定办法》第5条")  # fmt: skip
    return expense


@transaction.atomic
def application_handover(*, actor: User, application_id: int, workflow: str, consent: bool) -> Application:
    """Move a household rejected for 低保/特困 straight into the margin or rigid-expense procedure, with its
    consent, without re-submitting papers (Inner Mongolia 2024 margin/rigid-expense measures): a new
    application at first review carrying the pledge, the home visits and the verification results."""
    target = _workflow(workflow)
    source = _locked(application_id, actor)
    if not actor.can(Capability.ACCEPT_APPLICATIONS) or actor.role == "village_assistant":
        raise PermissionDenied("转入低保边缘、刚性支出困难认定由乡镇（街道）经办人员办理")
    if not _in_scope(actor, source.division):
        raise PermissionDenied("该申请不在您的管辖范围内")
    if Workflow(source.workflow) not in rules.HANDOVER_FROM or source.step != Step.REJECTED:
        raise TransitionNotAllowed("只有不予批准的低保、特困申请可以直接转入认定程序", field="step")
    if target not in rules.HANDOVER_TO:
        raise ApplicationInvalid("只能转入低保边缘家庭或刚性支出困难家庭认定", field="workflow")
    if not consent:
        raise ApplicationInvalid("转入认定程序须经申请人同意", field="consent")
    today = _today()
    try:
        with transaction.atomic():
            handed = Application.objects.create(
                workflow=target.value, programme=rules.WORKFLOW_PROGRAMME[target], household=source.household,
                applicant=source.applicant, division=source.division, channel=source.channel,
                entrusted_name=source.entrusted_name, entrusted_relation=source.entrusted_relation,
                source_note=f"由申请 {source.number} 转入", submitted_on=today, accepted_on=today,
                staff_relative=source.staff_relative, complaint=source.complaint,
                pledge_signed_at=source.pledge_signed_at, pledge_recorded_by=source.pledge_recorded_by,
                step=Step.FIRST_REVIEW, handed_over_from=source, created_by=actor,
            )  # fmt: skip
    except IntegrityError:
        raise DuplicateApplication(
            f"该家庭已有办理中的“{rules.WORKFLOW_LABELS[target]}”申请", field="workflow"
        ) from None
    handed.number = f"{source.division.code[:6]}-{today.year}-{handed.pk:07d}"
    limits = rules.OVERALL_LIMIT_DELEGATED if _delegated(handed) else rules.OVERALL_LIMIT
    overall = _due(today, limits[target])
    handed.overall_due_on, handed.overall_due_provisional = overall.due_on, overall.provisional
    handed.save(update_fields=["number", "overall_due_on", "overall_due_provisional"])
    _copy_records(source, handed)
    timeline_record(handed, actor, "transition", "handover",
                    f"经申请人同意，由{rules.WORKFLOW_LABELS[Workflow(source.workflow)]}申请 {source.number} "
                    "直接转入，沿用原申请材料、入户调查和核对结果", basis=rules.MARGIN_RIGID_IM,
                    to_step=Step.FIRST_REVIEW, data={"from": source.pk})  # fmt: skip
    label = rules.WORKFLOW_LABELS[target]
    timeline_record(
        source, actor, "record", "handed_over", f"转入{label}：{handed.number}", data={"to": handed.pk}
    )
    event_record(actor=actor, verb="application.handover", object_type="application", object_id=handed.pk,
                 division_code=handed.division.code,
                 summary=f"{source.number} 转入{rules.WORKFLOW_LABELS[target]} {handed.number}")  # fmt: skip
    return handed


def _copy_records(source: Application, target: Application) -> None:
    """The investigation's records, set-based (two INSERT … SELECT-sized bulk creates)."""
    HomeVisit.objects.bulk_create(
        HomeVisit(application=target, visited_on=v.visited_on, investigators=v.investigators,
                  by_county=v.by_county, members_present=v.members_present, housing=v.housing,
                  findings=v.findings, recorded_by=v.recorded_by)
        for v in source.home_visits.all()
    )  # fmt: skip
    VerificationResult.objects.bulk_create(
        VerificationResult(application=target, source=r.source, outcome=r.outcome, detail=r.detail,
                           amount=r.amount, recorded_by=r.recorded_by)
        for r in source.verifications.all()
    )  # fmt: skip


@transaction.atomic
def application_extend(*, actor: User, application_id: int, reason: str) -> Application:
    """Extend the overall limit to 45 working days for one of the listed special cases."""
    if reason not in rules.EXTENSION_REASONS:
        raise ApplicationInvalid(
            "延长理由须为：" + "、".join(rules.EXTENSION_REASONS.values()), field="reason"
        )
    application = _open_for_record(actor, application_id, set(rules.OPEN_STEPS), "延长时限")
    _extend(application, actor, reason)
    return application


@transaction.atomic
def spot_check_draw(*, actor: User, county: Division, seed: int | None = None) -> list[int]:
    """Draw the county's random sample of 特困 applications in review, at least 30 % (特困人员认定办法第
    16 条); every application in review is marked checked or not, and the drawn ones need the county's
    home visit before approval. Returns the drawn ids."""
    import math
    import random

    if actor.role != "county_approver" or not _in_scope(actor, county):
        raise PermissionDenied("抽查由本县级民政部门办理")
    pending = list(Application.objects.select_for_update().filter(
        OPEN, workflow=Workflow.EXTREME_POVERTY, step=Step.COUNTY_REVIEW, spot_checked__isnull=True,
        division__code__startswith=county.short_code,
    ).order_by("pk"))  # fmt: skip
    count = math.ceil(len(pending) * SPOT_CHECK_SHARE)
    drawn = {a.pk for a in random.Random(seed).sample(pending, count)}  # noqa: S311 - a sample, not a secret
    for application in pending:
        application.spot_checked = application.pk in drawn  # drawn: the county visit is required
        application.save(update_fields=["spot_checked", "updated_at"])
        timeline_record(application, actor, "record", "spot_check",
                "县级抽查：抽中，须入户核查" if application.spot_checked else "县级抽查：未抽中",
                basis="《特困人员认定办法》第16条")  # fmt: skip
    return sorted(drawn)


# --- deadlines ----------------------------------------------------------------------------------------


def deadlines_refresh(today: dt.date | None = None) -> dict[str, int]:
    """The daily scan: mark open applications whose step limit has passed (已超期) or falls within
    ``DUE_SOON_DAYS`` (即将到期), set-based — three UPDATE statements whatever the number of applications."""
    today = today or _today()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    open_with_due = Application.objects.filter(OPEN, step_due_on__isnull=False)
    overdue = open_with_due.filter(step_due_on__lt=today).exclude(deadline_status=DeadlineStatus.OVERDUE)
    due_soon = open_with_due.filter(step_due_on__gte=today, step_due_on__lte=soon).exclude(
        deadline_status=DeadlineStatus.DUE_SOON
    )
    on_time = Application.objects.filter(
        Q(step_due_on__isnull=True) | Q(step_due_on__gt=soon) | ~OPEN
    ).exclude(deadline_status=DeadlineStatus.ON_TIME)
    return {
        "overdue": overdue.update(deadline_status=DeadlineStatus.OVERDUE),
        "due_soon": due_soon.update(deadline_status=DeadlineStatus.DUE_SOON),
        "on_time": on_time.update(deadline_status=DeadlineStatus.ON_TIME),
    }
