"""The records entered at a step (入户调查, 信息核对 and the 残联's review, 公示异议, 特困 self-care
assessment, 刚性支出, extending the overall limit): who may enter which record at which step of which
workflow is ``rules.RECORDS``, checked here for every record by ``open_for_record``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.applications import rules
from minzheng.applications.errors import ApplicationInvalid, TransitionNotAllowed
from minzheng.applications.models import (
    Application,
    CareAssessment,
    ExpenseRecord,
    HomeVisit,
    Objection,
    SupportMode,
    VerificationResult,
    VerificationSource,
)
from minzheng.applications.rules import Record, RecordRule, Step, Workflow
from minzheng.applications.services.access import county_of, in_scope, locked, members_on, today
from minzheng.applications.services.deadlines import extend
from minzheng.applications.timeline import timeline_record
from minzheng.benefits.facts import AdlItems, RigidExpenseKind, SupporterInability, SupporterStatus
from minzheng.benefits.people import ADL_LABELS, self_care_from_adl
from minzheng.catalogue.roles import Role
from minzheng.common.errors import PermissionDenied
from minzheng.registry.choices import SelfCare

MIN_INVESTIGATORS = 2  # 审核确认办法第 16 条
EXPENSE_LABELS: dict[str, str] = {
    RigidExpenseKind.MEDICAL: "医疗（自付）",
    RigidExpenseKind.EDUCATION: "教育",
    RigidExpenseKind.REHABILITATION: "残疾康复",
    RigidExpenseKind.ACCIDENT: "意外事故",
    RigidExpenseKind.BASIC_LIVING: "基本生活",
    RigidExpenseKind.OTHER: "县级确定的其他支出",
}


def open_for_record(actor: User, application_id: int, record: Record) -> tuple[Application, RecordRule]:
    """The application locked for entering ``record``, with the row of ``rules.RECORDS`` that allows it:
    a role that never enters it, a step where it is not entered, an application outside the actor's
    jurisdiction, a workflow it does not belong to, or another recorder's step is refused."""
    what = rules.RECORD_LABELS[record]
    if actor.role not in rules.record_roles(record):
        raise PermissionDenied(f"您的角色不能录入{what}")
    application = locked(application_id, actor)
    step_refused = TransitionNotAllowed(
        f"当前环节“{Step(application.step).label}”不能录入{what}", field="step"
    )
    at_step = [
        row for row in rules.record_rules(record, application.step) if actor.role in row.roles or row.refused
    ]
    if not at_step:
        raise step_refused
    if not in_scope(actor, application.division) and not in_scope(actor, county_of(application.division)):
        raise PermissionDenied("该申请不在您的管辖范围内")
    workflow = Workflow(application.workflow)
    of_workflow = [row for row in at_step if workflow in row.workflows]
    if not of_workflow:
        if record not in rules.RECORD_WORKFLOW_REFUSALS:
            raise step_refused
        raise ApplicationInvalid(rules.RECORD_WORKFLOW_REFUSALS[record], field="workflow")
    row = next((row for row in of_workflow if actor.role in row.roles), None)
    if row is None:
        refused = next((r.refused for r in of_workflow if r.refused), "")
        raise PermissionDenied(refused) if refused else step_refused
    return application, row


@transaction.atomic
def home_visit_record(
    *,
    actor: User,
    application_id: int,
    visited_on: dt.date,
    investigators: list[str],
    members_present: str,
    findings: str,
    housing: str = "",
) -> HomeVisit:
    """入户调查记录 (审核确认办法第 16 条: ≥ 2 investigators, signed by them and the family members present).
    A county approver's visit during review is the county home visit of 第 20 条."""
    application, row = open_for_record(actor, application_id, Record.HOME_VISIT)
    by_county = actor.role == Role.COUNTY_APPROVER
    names = [n.strip() for n in investigators if n.strip()]
    if len(set(names)) < MIN_INVESTIGATORS:
        raise ApplicationInvalid("入户调查须至少 2 名调查人员（审核确认办法第 16 条）", field="investigators")
    if not findings.strip() or not members_present.strip():
        raise ApplicationInvalid("请填写在场家庭成员和调查结论", field="findings")
    if visited_on > today():
        raise ApplicationInvalid("调查日期不能晚于今天", field="visited_on")
    visit = HomeVisit.objects.create(
        application=application,
        visited_on=visited_on,
        investigators=names,
        by_county=by_county,
        members_present=members_present,
        housing=housing,
        findings=findings,
        recorded_by=actor,
    )
    timeline_record(
        application,
        actor,
        "record",
        "home_visit",
        f"{'县级' if by_county else ''}入户调查：{findings}",
        basis=row.basis,
        data={"investigators": names, "visited_on": visited_on.isoformat()},
    )
    return visit


@transaction.atomic
def verification_record(
    *,
    actor: User,
    application_id: int,
    source: str,
    outcome: str,
    detail: str = "",
    amount: Decimal | None = None,
) -> VerificationResult:
    """One data source's result of 家庭经济状况核对 (county civil affairs, 审核确认办法第 17 条). 孤儿 and
    事实无人抚养儿童: the township's inter-departmental data matching (2019 opinion). 两项补贴: the county
    残联's review, entered by the county user at 县级残联审核 as a “县残联审核” result (国发〔2015〕52号)."""
    application, row = open_for_record(actor, application_id, Record.VERIFICATION)
    federation = application.step == Step.FEDERATION_REVIEW
    if federation and source != VerificationSource.DISABILITY_FEDERATION:
        raise ApplicationInvalid("县级残联审核环节请录入“县残联审核”结果", field="source")
    # the county's own check of a child's application keeps the 2019 opinion's basis
    basis = row.basis
    if Workflow(application.workflow) in rules.CHILD_WORKFLOWS and not federation:
        basis = f"{rules.DE_FACTO_2019}（部门间信息比对）"
    result = VerificationResult.objects.create(
        application=application,
        source=source,
        outcome=outcome,
        detail=detail,
        amount=amount,
        recorded_by=actor,
    )
    what = "县级残联审核" if federation else "信息核对"
    timeline_record(
        application,
        actor,
        "record",
        "verification",
        f"{what}：{result.get_source_display()}，{result.get_outcome_display()}"
        f"{('，' + detail) if detail else ''}",
        basis=basis,
    )
    return result


@transaction.atomic
def objection_record(*, actor: User, application_id: int, received_on: dt.date, content: str) -> Objection:
    """An objection to the public notice (审核确认办法第 19 条); extends the overall limit to 45 working days
    (2022 notice §四(一))."""
    application, row = open_for_record(actor, application_id, Record.OBJECTION)
    if not content.strip():
        raise ApplicationInvalid("请填写异议内容", field="content")
    objection = Objection.objects.create(
        application=application, received_on=received_on, content=content, recorded_by=actor
    )
    timeline_record(application, actor, "record", "objection", f"公示异议：{content}", basis=row.basis)
    extend(application, actor, "objection")
    return objection


@transaction.atomic
def application_extend(*, actor: User, application_id: int, reason: str) -> Application:
    """Extend the overall limit to 45 working days for one of the listed special cases."""
    if reason not in rules.EXTENSION_REASONS:
        raise ApplicationInvalid(
            "延长理由须为：" + "、".join(rules.EXTENSION_REASONS.values()), field="reason"
        )
    application, _row = open_for_record(actor, application_id, rules.Record.EXTEND)
    extend(application, actor, reason)
    return application


def _care_problem(
    assessors: list[str],
    adl: Mapping[str, bool],
    supporter_status: str,
    inability: str,
    support_mode: str,
    assessed_on: dt.date,
) -> tuple[str, str] | None:
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
    if assessed_on > today():
        return "assessed_on", "评估日期不能晚于今天"
    return None


@transaction.atomic
def care_assessment_record(
    *,
    actor: User,
    application_id: int,
    assessed_on: dt.date,
    assessors: list[str],
    adl: Mapping[str, bool],
    supporter_status: str,
    support_mode: str,
    supporter_inability: str = "",
    other_no_work_capacity: str = "",
) -> CareAssessment:
    """The 特困 investigation facts: the six self-care items (特困人员认定办法第 20—23 条; the county assesses
    with the township's help), the support duty-bearers (第 4 条第 3 项、第 8 条) and the support mode the
    person chose (社会救助暂行办法第 19 条). Recording again replaces the earlier assessment."""
    application, row = open_for_record(actor, application_id, Record.CARE)
    names = [n.strip() for n in assessors if n.strip()]
    problem = _care_problem(names, adl, supporter_status, supporter_inability, support_mode, assessed_on)
    if problem:
        raise ApplicationInvalid(problem[1], field=problem[0])
    items = {name: bool(adl[name]) for name in ADL_LABELS}
    category = self_care_from_adl(AdlItems(**items))
    inability = supporter_inability if supporter_status == SupporterStatus.UNABLE else ""
    care, _ = CareAssessment.objects.update_or_create(
        application=application,
        defaults={
            "assessed_on": assessed_on,
            "assessors": names,
            **items,
            "self_care": category,
            "supporter_status": supporter_status,
            "supporter_inability": inability,
            "other_no_work_capacity": other_no_work_capacity.strip(),
            "support_mode": support_mode,
            "recorded_by": actor,
        },
    )
    failed = [label for name, label in ADL_LABELS.items() if not items[name]]
    timeline_record(
        application,
        actor,
        "record",
        "care_assessment",
        f"生活自理能力评估：{SelfCare(category).label}（未达到 {len(failed)} 项"
        f"{'：' + '、'.join(failed) if failed else ''}）；{SupportMode(support_mode).label}",
        basis=row.basis,
        data={"self_care": category, "failed": failed},
    )
    return care


@transaction.atomic
def expense_record(
    *,
    actor: User,
    application_id: int,
    kind: str,
    amount: Decimal,
    incurred_on: dt.date,
    person_id: int | None = None,
    note: str = "",
) -> ExpenseRecord:
    """One rigid expense found by the investigation (刚性支出困难家庭认定办法第 4 条第 4 项、第 5 条)."""
    application, row = open_for_record(actor, application_id, Record.EXPENSE)
    if kind not in set(RigidExpenseKind):
        raise ApplicationInvalid("支出类别无效", field="kind")
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ApplicationInvalid("金额须为正数，最多两位小数", field="amount")
    if incurred_on > today():
        raise ApplicationInvalid("发生日期不能晚于今天", field="incurred_on")
    if person_id is not None and person_id not in members_on(application.household, incurred_on):
        raise ApplicationInvalid("发生人员须为该家庭成员", field="person_id")
    expense = ExpenseRecord.objects.create(
        application=application,
        kind=kind,
        amount=amount,
        incurred_on=incurred_on,
        person_id=person_id,
        note=note.strip(),
        recorded_by=actor,
    )
    timeline_record(
        application,
        actor,
        "record",
        "expense",
        f"刚性支出：{EXPENSE_LABELS[RigidExpenseKind(kind)]} {amount} 元（{incurred_on}）"
        f"{('，' + note.strip()) if note.strip() else ''}",
        basis=row.basis,
    )
    return expense
