"""Applications endpoints of the JSON API (issue 4): intake, list, detail, transitions, step records, and
the applicant's progress enquiry.

Staff endpoints call the same services and selectors as the pages, as the authenticated user, so roles,
steps, jurisdiction, deadlines and the timeline are identical; an application outside the user's
jurisdiction is 404. A transition names the step the user saw (``expected_step``): when someone else
moved the application meanwhile the answer is 409 and nothing is written.

``POST /applications/progress`` needs no login (the applicant portal): the application number and the
applicant's own ID number must match, otherwise the answer is the same 404 whether the number exists or
not; it is limited per client address (``PROGRESS_LIMIT`` a minute) and returns only the step, the
missing materials, the dates and the decision — nothing about any other person.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from minzheng.accounts.actors import request_actor
from minzheng.accounts.models import User
from minzheng.applications import selectors, services
from minzheng.applications.models import Application
from minzheng.applications.rules import FINAL_STEPS, WORKFLOW_LABELS, Step, Workflow
from minzheng.applications.schemas import (
    ApplicationDetailOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ApplicationQuery,
    CareAssessmentIn,
    CareAssessmentOut,
    DecisionOut,
    EventOut,
    ExpenseIn,
    ExpenseOut,
    HandoverIn,
    HomeVisitIn,
    HomeVisitOut,
    ObjectionIn,
    ObjectionOut,
    ProgressIn,
    ProgressOut,
    TransitionIn,
    TransitionOut,
    VerificationIn,
    VerificationOut,
)
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import DomainError, NotFound
from minzheng.common.identity import parse_resident_id
from minzheng.common.network import client_address
from minzheng.common.schemas import refusals
from minzheng.registry.services import ID_INDEX

router = Router(tags=["applications 救助申请"])

_READ_ERRORS = refusals(404)
_WRITE_ERRORS = refusals(404, 409)
_PROGRESS_ERRORS = refusals(404, 429, public=True)

PROGRESS_LIMIT = 10  # enquiries per client address per minute
PROGRESS_WINDOW_SECONDS = 60
PROGRESS_NOT_FOUND = "未找到与该申请编号和身份证号码相符的申请，请核对申请编号和申请人本人的身份证号码"

# What each step means for the applicant, in plain words (the step labels are the officials' terms).
STEP_DESCRIPTIONS: dict[Step, str] = {
    Step.SUBMITTED: "申请已提交，等待乡镇（街道）受理",
    Step.MATERIALS_PENDING: "申请材料不齐全，请按告知一次性补齐所列材料",
    Step.ACCEPTED: "申请已受理，即将开展家庭经济状况调查",
    Step.INVESTIGATING: "工作人员正在入户调查、核实家庭情况",
    Step.VERIFYING: "正在核对家庭的收入、财产等信息",
    Step.FIRST_REVIEW: "乡镇（街道）正在提出审核意见",
    Step.PUBLIC_NOTICE: "审核意见正在村（社区）公示",
    Step.APPRAISAL: "公示期间有不同意见，正在组织民主评议",
    Step.COUNTY_REVIEW: "正在审核确认（审批）",
    Step.CASE_BY_CASE: "情况较为复杂，已提请县级一事一议",
    Step.AID_PAID: "已先行给予救助，正在补办审批手续",
    Step.APPROVED: "申请已获批准",
    Step.REJECTED: "申请未获批准，理由见决定",
    Step.WITHDRAWN: "申请已撤回",
    Step.TERMINATED: "办理已终止，理由见决定",
}


class TooManyRequests(DomainError):
    code = "too_many_requests"
    http_status = 429


def _reader(request: HttpRequest) -> User:
    """The authenticated user, who must be allowed to read household data at all."""
    return request_actor(request, Capability.VIEW_REGISTRY, denied=_("您的角色无权查看救助申请"))


def _detail(actor: User, application_id: int) -> ApplicationDetailOut:
    return _detail_out(actor, selectors.application_detail(actor=actor, pk=application_id))


def _detail_out(actor: User, detail: selectors.ApplicationDetail) -> ApplicationDetailOut:
    return ApplicationDetailOut(
        **ApplicationOut.fields_of(detail.application),
        transitions=[
            TransitionOut(
                code=t.code,
                label=t.label,
                target=t.target,
                target_label=Step(t.target).label,
                requires=[r.value for r in t.requires],
                basis=t.basis,
            )
            for t in selectors.actions_for(actor=actor, detail=detail)
        ],
        timeline=[
            EventOut(
                at=e.at,
                actor=str(e.actor) if e.actor else "",
                kind=e.kind,
                code=e.code,
                from_step=e.from_step,
                to_step=e.to_step,
                message=e.message,
                basis=e.basis,
                due_on=e.due_on,
                due_provisional=e.due_provisional,
                data=e.data,
            )
            for e in detail.events
        ],
        home_visits=[HomeVisitOut.model_validate(v) for v in detail.home_visits],
        care_assessment=CareAssessmentOut.model_validate(detail.care_assessment)
        if detail.care_assessment
        else None,
        verifications=[VerificationOut.model_validate(v) for v in detail.verifications],
        objections=[ObjectionOut.model_validate(o) for o in detail.objections],
    )


@router.post("/applications", response={201: ApplicationDetailOut, **_WRITE_ERRORS}, summary="登记救助申请")
def application_create(request: HttpRequest, payload: ApplicationIn) -> tuple[int, ApplicationDetailOut]:
    """Registers an application in any channel; the answer carries its number (for the receipt), step
    and due dates. A second open application of the household (of the person, for 特困) for the same
    programme is 409 ``duplicate_application`` and nothing is written."""
    actor = request_actor(request)
    data = services.ApplicationData(**payload.model_dump())
    registered = services.application_register(actor=actor, data=data)
    # the answer from the rows just written (not read back with the list's eleven-table join)
    detail = selectors.detail_of_registered(registered.application, registered.timeline)
    return 201, _detail_out(actor, detail)


@router.get("/applications", response={200: ApplicationPage, **_READ_ERRORS}, summary="救助申请列表")
def application_list(request: HttpRequest, filters: Query[ApplicationQuery]) -> dict[str, Any]:
    """Applications in the user's jurisdiction, newest submission first; ``deadline`` is judged on
    today's date (step or overall limit). At most 200 per page."""
    actor = _reader(request)
    applications = selectors.application_list(
        actor=actor,
        filters=selectors.ApplicationFilters(
            workflow=filters.workflow or "",
            step=filters.step or "",
            division_code=filters.division,
            deadline=filters.deadline or "",
        ),
    )
    page = applications[filters.offset : filters.offset + filters.limit]
    return {
        "count": applications.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [ApplicationOut.fields_of(application) for application in page],
    }


# --- the applicant's enquiry (registered before /applications/{application_id}, which would match it) ---


def _client_address(request: HttpRequest) -> str:
    """The client's address through the trusted proxies (``common.network``; docs/deployment.md §4)."""
    return client_address(request) or "unknown"


def _rate_limit(request: HttpRequest) -> None:
    """At most ``PROGRESS_LIMIT`` enquiries per address in a fixed one-minute window (shared cache)."""
    window = int(time.time() // PROGRESS_WINDOW_SECONDS)
    key = f"applications:progress:{_client_address(request)}:{window}"
    cache.add(key, 0, timeout=PROGRESS_WINDOW_SECONDS * 2)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=PROGRESS_WINDOW_SECONDS * 2)
        count = 1
    if count > PROGRESS_LIMIT:
        raise TooManyRequests(_("查询过于频繁，请一分钟后再试"))


def _own_application(number: str, id_number: str) -> Application:
    """The application with ``number`` whose applicant has ``id_number`` (blind-index match); the same
    ``NotFound`` for an unknown number and for someone else's ID number."""
    index = crypto.blind_index(parse_resident_id(id_number).number, purpose=ID_INDEX)
    application = Application.objects.filter(number=number.strip(), applicant__id_number_index=index).first()
    if application is None:
        raise NotFound(_(PROGRESS_NOT_FOUND), code="application_not_found")
    return application


def _decision(application: Application) -> DecisionOut | None:
    if application.step not in FINAL_STEPS:
        return None
    return DecisionOut(
        result=application.step,
        result_label=Step(application.step).label,
        decided_on=application.decided_on,
        reasons=application.decision_reason,
    )


@router.post(
    "/applications/progress",
    auth=None,
    response={200: ProgressOut, **_PROGRESS_ERRORS},
    summary="申请人查询办理进度（免登录）",
)
def application_progress(request: HttpRequest, payload: ProgressIn) -> ProgressOut:
    """The applicant's own application: step, missing materials, step limit, expected decision date,
    and the decision with its reasons once taken. 404 (same message) unless the number and the
    applicant's ID number belong together; 429 after ``PROGRESS_LIMIT`` enquiries a minute."""
    _rate_limit(request)
    application = _own_application(payload.number, payload.id_number)
    step = Step(application.step)
    return ProgressOut(
        number=application.number or "",
        programme=WORKFLOW_LABELS[Workflow(application.workflow)],
        step=step.value,
        step_label=step.label,
        step_description=STEP_DESCRIPTIONS[step],
        missing_materials=list(application.missing_materials or []),
        step_due_on=application.step_due_on,
        step_due_provisional=application.step_due_provisional,
        overall_due_on=application.overall_due_on,
        overall_due_provisional=application.overall_due_provisional,
        decision=_decision(application),
    )


# --- staff: one application ---------------------------------------------------------------------------


@router.get(
    "/applications/{application_id}",
    response={200: ApplicationDetailOut, **_READ_ERRORS},
    summary="救助申请详情",
)
def application_get(request: HttpRequest, application_id: int) -> ApplicationDetailOut:
    """The application, the transitions the user may take now, the step records and the timeline."""
    actor = _reader(request)
    return _detail(actor, application_id)


@router.post(
    "/applications/{application_id}/transitions",
    response={200: ApplicationDetailOut, **_WRITE_ERRORS},
    summary="办理环节操作（受理、调查、公示、审核确认…）",
)
def application_transition(
    request: HttpRequest, application_id: int, payload: TransitionIn
) -> ApplicationDetailOut:
    """409 ``transition_not_allowed`` when the step is no longer ``expected_step`` or the operation does
    not start from it; 403 for the wrong role or jurisdiction; 422 ``step_requirement_missing`` naming
    the missing record or content."""
    actor = request_actor(request)
    services.application_transition(
        actor=actor,
        application_id=application_id,
        code=payload.code,
        expected_step=payload.expected_step,
        data=payload.data,
    )
    return _detail(actor, application_id)


@router.post(
    "/applications/{application_id}/home-visits",
    response={201: HomeVisitOut, **_WRITE_ERRORS},
    summary="录入入户调查",
)
def home_visit_create(request: HttpRequest, application_id: int, payload: HomeVisitIn) -> tuple[int, Any]:
    """A township visit during the investigation; a county approver's visit during review is the county
    home visit that staff-relative, complained-of and spot-checked applications need."""
    actor = request_actor(request)
    visit = services.home_visit_record(actor=actor, application_id=application_id, **payload.model_dump())
    return 201, visit


@router.put(
    "/applications/{application_id}/care-assessment",
    response={200: CareAssessmentOut, **_WRITE_ERRORS},
    summary="录入特困人员生活自理能力与赡养情况评估",
)
def care_assessment_put(request: HttpRequest, application_id: int, payload: CareAssessmentIn) -> Any:
    """The six self-care items, the duty-bearers and the support mode; recording again replaces it."""
    actor = request_actor(request)
    return services.care_assessment_record(actor=actor, application_id=application_id, **payload.model_dump())


@router.post(
    "/applications/{application_id}/expenses",
    response={201: ExpenseOut, **_WRITE_ERRORS},
    summary="录入刚性支出（刚性支出困难家庭认定）",
)
def expense_create(request: HttpRequest, application_id: int, payload: ExpenseIn) -> tuple[int, Any]:
    actor = request_actor(request)
    return 201, services.expense_record(actor=actor, application_id=application_id, **payload.model_dump())


@router.post(
    "/applications/{application_id}/handover",
    response={201: ApplicationDetailOut, **_WRITE_ERRORS},
    summary="不予批准的低保、特困申请直接转入低保边缘或刚性支出困难认定",
)
def application_handover(request: HttpRequest, application_id: int, payload: HandoverIn) -> tuple[int, Any]:
    actor = request_actor(request)
    handed = services.application_handover(actor=actor, application_id=application_id, **payload.model_dump())
    return 201, _detail(actor, handed.pk)


@router.post(
    "/applications/{application_id}/verifications",
    response={201: VerificationOut, **_WRITE_ERRORS},
    summary="录入信息核对结果",
)
def verification_create(
    request: HttpRequest, application_id: int, payload: VerificationIn
) -> tuple[int, Any]:
    actor = request_actor(request)
    result = services.verification_record(actor=actor, application_id=application_id, **payload.model_dump())
    return 201, result


@router.post(
    "/applications/{application_id}/objections",
    response={201: ObjectionOut, **_WRITE_ERRORS},
    summary="登记公示异议",
)
def objection_create(request: HttpRequest, application_id: int, payload: ObjectionIn) -> tuple[int, Any]:
    """Recording an objection extends a 低保 application's overall limit to 45 working days."""
    actor = request_actor(request)
    objection = services.objection_record(actor=actor, application_id=application_id, **payload.model_dump())
    return 201, objection
