"""Intake: registering an application in any channel (窗口、网上、委托、主动发现), with the rules on who may
apply for whom, the staff-relative record and the refusal of a second open application."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import ApplicationInvalid, DuplicateApplication
from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.rules import Channel, Step, Workflow
from minzheng.applications.services.access import members_on, today, township_of
from minzheng.applications.timeline import timeline_record
from minzheng.audit.services import event_record
from minzheng.benefits.facts import age_on
from minzheng.catalogue.programmes import WORKFLOWS as WORKFLOW_SPECS
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.common.scoping import code_in_scope
from minzheng.common.selectors import unique_row
from minzheng.registry.models import Household, Person, StaffRelative


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


def workflow_of(value: str) -> Workflow:
    """The workflow named ``value``, or a Chinese refusal listing the workflows."""
    try:
        return Workflow(value)
    except ValueError:
        known = "、".join(f"{w.value}（{rules.WORKFLOW_LABELS[w]}）" for w in Workflow)
        raise ApplicationInvalid(f"未知的救助类别“{value}”，可选：{known}", field="workflow") from None


def staff_relative_members(household: Household, day: dt.date, members: set[int] | None = None) -> list[int]:
    """Members of the household registered as near relatives of assistance staff or of a village committee
    member (审核确认办法第 11 条; 民法典第 1045 条). ``members``: the household's members on the day, when
    the caller has read them already."""
    members = members_on(household, day) if members is None else members
    registered = StaffRelative.objects.filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day), relative_id__in=members, registered_on__lte=day
    )
    return sorted(set(registered.values_list("relative_id", flat=True)))


def subsidies_named(raw: Iterable[str] | None) -> list[str]:
    """The named subsidies in the order of ``rules.SUBSIDY_LABELS``; an unknown one is refused."""
    chosen = {str(code) for code in raw or ()}
    unknown = chosen - set(rules.SUBSIDY_LABELS)
    if unknown:
        raise ApplicationInvalid(f"未知的补贴“{'、'.join(sorted(unknown))}”", field="subsidies")
    return [code for code in rules.SUBSIDY_LABELS if code in chosen]


@dataclass(frozen=True)
class _Parties:
    """What the intake rules read, once per request: the household (with its village, township and county
    loaded), the applicant, the subject of a person programme, the day and the members on it."""

    household: Household
    applicant: Person
    subject: Person | None
    day: dt.date
    members: set[int]


def _intake_check(actor: User | None, data: ApplicationData, workflow: Workflow) -> _Parties:
    """The intake rules on ``data``. ``actor=None`` is the applicant's own online submission: the caller has
    established that the household is the applicant's, so the jurisdiction does not apply."""
    # village → township → county in the same query: the township accepts, the county's delegation is read
    # for the answer (access.township_of, selectors.detail_of). The jurisdiction is the test visible_to
    # makes, on the row read by its key: in SQL the code LIKE costs PostgreSQL ≈ 1.2 ms of planning, 15
    # times the rest of the query (bench/speed-web.md, session 10).
    household = unique_row(
        Household.objects.select_related("hukou_division__parent__parent").filter(pk=data.household_id)
    )
    if household is None or (actor is not None and not code_in_scope(actor, household.hukou_division.code)):
        raise NotFound("家庭不存在或不在您的管辖范围内", field="household_id")
    day = data.submitted_on or today()
    if day > today():
        raise ApplicationInvalid("申请日期不能晚于今天", field="submitted_on")
    members = members_on(household, day)
    applicant = unique_row(Person.objects.filter(pk=data.applicant_id))
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
    _channel_check(data, workflow)
    return _Parties(household, applicant, subject, day, members)


def _channel_check(data: ApplicationData, workflow: Workflow) -> None:
    if data.channel not in Channel.values:
        raise ApplicationInvalid(f"申请渠道“{data.channel}”无效", field="channel")
    entrusted_named = data.entrusted_name.strip() and data.entrusted_relation.strip()
    if data.channel == Channel.ENTRUSTED and not entrusted_named:
        raise ApplicationInvalid(
            "委托申请须登记受托人姓名和身份（审核确认办法第 6 条）", field="entrusted_name"
        )
    if data.channel == Channel.PROACTIVE and not data.source_note.strip():
        raise ApplicationInvalid("主动发现须注明线索来源（预警、走访等）", field="source_note")
    if workflow in rules.TEMPORARY_WORKFLOWS and not data.hardship.strip():
        raise ApplicationInvalid("请说明遭遇的困难情形", field="hardship")


def _allowance_subject(
    workflow: Workflow, data: ApplicationData, applicant: Person, members: set[int], day: dt.date
) -> Person:
    """The person an allowance is for: a member of the household on the day. For children the guardian
    applies (2019 de-facto-orphan opinion; 孤儿 the same shape), so the subject is a child under 18 other
    than the applicant; 两项补贴 may be filed by the person, a guardian or a near relative (国发〔2015〕52号).
    The subsidies applied for are named on the 两项补贴 form."""
    subject_id = data.subject_id or applicant.pk
    subject = unique_row(Person.objects.filter(pk=subject_id))
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
    subsidies = subsidies_named(data.subsidies)
    if workflow == Workflow.DISABILITY_SUBSIDIES and not subsidies:
        raise ApplicationInvalid(
            "请选择申请的补贴：困难残疾人生活补贴、重度残疾人护理补贴（可同时申请）", field="subsidies"
        )
    if workflow != Workflow.DISABILITY_SUBSIDIES and subsidies:
        raise ApplicationInvalid("只有残疾人两项补贴申请需要选择补贴", field="subsidies")
    return subject


@dataclass(frozen=True)
class Registered:
    """An application intake has just registered and the timeline lines it wrote, in order (the API's
    answer is built from them: ``selectors.detail_of_registered``)."""

    application: Application
    timeline: list[ApplicationEvent]


def application_create(*, actor: User, data: ApplicationData) -> Application:
    """Register an application in any channel (窗口、网上、委托、主动发现): ``application_register``."""
    return application_register(actor=actor, data=data).application


@transaction.atomic
def application_register(*, actor: User, data: ApplicationData) -> Registered:
    """Register an application in any channel (窗口、网上、委托、主动发现). Flags and separately registers
    an application where a member is a staff relative (审核确认办法第 11 条). A second open application of
    the household (of the person, for 特困) for the same programme is refused."""
    if not actor.can(Capability.ACCEPT_APPLICATIONS):
        raise PermissionDenied("您的角色不能登记救助申请")
    workflow = workflow_of(data.workflow)
    parties = _intake_check(actor, data, workflow)
    pledge_at = timezone.now() if data.pledge_signed else None
    application, relatives = _register(actor, data, workflow, parties, pledge_at)
    submitted = timeline_record(
        application,
        actor,
        "transition",
        "submit",
        f"{Channel(data.channel).label}：登记申请",
        to_step=Step.SUBMITTED,
        data={"channel": data.channel},
    )
    recorded = _staff_relatives_record(application, actor, relatives)
    event_record(
        actor=actor,
        verb="application.created",
        object_type="application",
        object_id=application.pk,
        division_code=application.division.code,
        summary=f"登记{rules.WORKFLOW_LABELS[workflow]}申请 {application.number}",
    )
    return Registered(application, [submitted, *recorded])


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
    workflow = workflow_of(data.workflow)
    if data.channel != Channel.ONLINE:
        raise ApplicationInvalid("网上申请的渠道须为“网上申请”", field="channel")
    parties = _intake_check(None, data, workflow)
    application, relatives = _register(None, data, workflow, parties, pledge_signed_at)
    timeline_record(
        application,
        None,
        "transition",
        "submit",
        "网上申请：申请人提交",
        to_step=Step.SUBMITTED,
        data={"channel": Channel.ONLINE.value},
    )
    _staff_relatives_record(application, None, relatives)
    event_record(
        actor=None,
        verb="application.created_online",
        object_type="application",
        object_id=application.pk,
        division_code=application.division.code,
        summary=f"网上申请{rules.WORKFLOW_LABELS[workflow]} {application.number}（{account_label}）",
    )
    return application


def _register(
    actor: User | None,
    data: ApplicationData,
    workflow: Workflow,
    parties: _Parties,
    pledge_at: dt.datetime | None,
) -> tuple[Application, list[int]]:
    """Insert the application with its number; the partial unique indexes refuse a second open one. Returns
    it with the members who are staff relatives."""
    household, applicant, subject, day = parties.household, parties.applicant, parties.subject, parties.day
    township = township_of(household)
    relatives = staff_relative_members(household, day, parties.members)
    prefix = f"{township.code[:6]}-{day.year}-"
    number_in_insert = _number_in_insert(prefix)
    try:
        with transaction.atomic():
            application = Application.objects.create(
                workflow=workflow.value,
                programme=rules.WORKFLOW_PROGRAMME[workflow],
                household=household,
                applicant=applicant,
                subject=subject,
                division=township,
                channel=data.channel,
                entrusted_name=data.entrusted_name,
                entrusted_relation=data.entrusted_relation,
                entrustment_note=data.entrustment_note,
                source_note=data.source_note,
                submitted_on=day,
                staff_relative=bool(relatives),
                complaint=data.complaint,
                hardship=data.hardship,
                requested_amount=data.requested_amount,
                assistance_type=WORKFLOW_SPECS[workflow].assistance_type,
                pledge_signed_at=pledge_at,
                subsidies=subsidies_named(data.subsidies),
                pledge_recorded_by=actor if pledge_at else None,
                created_by=actor,
                number=number_in_insert,
            )
    except IntegrityError:
        raise DuplicateApplication(
            f"该{'人员' if subject else '家庭'}已有办理中的“{rules.WORKFLOW_LABELS[workflow]}”申请，"
            "不能重复申请",
            field="household_id",
        ) from None
    application.number = f"{prefix}{application.pk:07d}"
    if number_in_insert is None:
        application.save(update_fields=["number"])
    return application, relatives


def _number_in_insert(prefix: str) -> RawSQL | None:
    """On PostgreSQL the number ``<prefix><id, at least 7 digits>`` is computed by the INSERT itself from
    the id the row has just drawn from its sequence (``currval`` is the session's own last value, so
    concurrent intakes cannot mix), which saves an UPDATE of the new row; the same text as the Python
    format ``{id:07d}`` (``repeat`` of a negative count is empty). Elsewhere (SQLite) ``None``: the number
    is written by an UPDATE after the INSERT."""
    if connection.vendor != "postgresql":
        return None
    sequence = f"currval(pg_get_serial_sequence('{Application._meta.db_table}', 'id'))::text"
    return RawSQL(f"%s || repeat('0', 7 - length({sequence})) || {sequence}", [prefix])  # noqa: S611


def _staff_relatives_record(
    application: Application, actor: User | None, relatives: list[int]
) -> list[ApplicationEvent]:
    if not relatives:
        return []
    return [
        timeline_record(
            application,
            actor,
            "record",
            "staff_relative",
            "家庭成员中有民政经办人员或村（居）委会成员的近亲属，单独登记备案，县级须入户核查",
            basis=f"{rules.DIBAO_MEASURES}第11条、第20条",
            data={"persons": relatives},
        )
    ]
