"""社会组织 endpoints of the JSON API: the register of the registrar's jurisdiction (another county's
organisation is 404), the year's annual reports, and the review actions of a report (the same transition
service as the pages: a second reviewer acting at once gets 409)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from minzheng.accounts.actors import request_actor
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.middleware import PAGING_MAX
from minzheng.common.network import client_address
from minzheng.common.schemas import BodyIn, refusals
from minzheng.organisations import selectors
from minzheng.organisations.models import AnnualReport, Organisation
from minzheng.organisations.rules import ReportAction
from minzheng.organisations.services.reports import report_transition

router = Router(tags=["社会组织"])
DENIED = "您的角色无权查看社会组织登记信息"


class OrganisationOut(Schema):
    id: int
    credit_code: str
    name: str
    organisation_type: str
    authority_level: str
    division_code: str
    supervisor: str
    legal_representative: str
    domicile: str
    registered_capital: Decimal
    established_on: dt.date
    status: str
    abnormal: bool


class OrganisationQuery(Schema):
    q: str = ""
    organisation_type: str = ""
    status: str = ""
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码")


class OrganisationPage(Schema):
    page: int
    has_next: bool
    results: list[OrganisationOut]


class ReportOut(Schema):
    id: int
    organisation_id: int
    credit_code: str
    year: int
    status: str
    supervisor_due: dt.date | None
    authority_due: dt.date
    overdue_since: dt.date | None
    conclusion: str
    conclusion_reasons: str


class ReportQuery(Schema):
    year: int = Field(2025, ge=2000, le=2100)
    status: str = ""
    overdue: bool = False
    page: int = Field(1, ge=1, le=PAGING_MAX, description="页码")


class ReportPage(Schema):
    page: int
    has_next: bool
    results: list[ReportOut]


class TransitionIn(BodyIn):
    action: str = Field(
        description="pre_approve / pre_return（业务主管单位）；conclude / return（登记管理机关）"
    )
    expected_status: str = Field(description="操作人看到的报告状态；已被他人处理时返回 409")
    note: str = ""
    conclusion: str = Field("", description="conclude 时：qualified / basically_qualified / unqualified")


def _organisation(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=o.pk,
        credit_code=o.credit_code,
        name=o.name,
        organisation_type=o.organisation_type,
        authority_level=o.authority_level,
        division_code=o.division.code,
        supervisor=o.supervisor.name if o.supervisor else "",
        legal_representative=o.legal_representative,
        domicile=o.domicile,
        registered_capital=o.registered_capital,
        established_on=o.established_on,
        status=o.status,
        abnormal=o.abnormal,
    )


def _report(r: AnnualReport) -> ReportOut:
    return ReportOut(
        id=r.pk,
        organisation_id=r.organisation_id,
        credit_code=r.organisation.credit_code,
        year=r.year,
        status=r.status,
        supervisor_due=r.supervisor_due,
        authority_due=r.authority_due,
        overdue_since=r.overdue_since,
        conclusion=r.conclusion,
        conclusion_reasons=r.conclusion_reasons,
    )


@router.get("/organisations", response={200: OrganisationPage, **refusals()}, summary="社会组织登记信息")
def organisation_list(request: HttpRequest, filters: Query[OrganisationQuery]) -> OrganisationPage:
    actor = request_actor(request, Capability.REGISTER_ORGANISATIONS, denied=DENIED)
    found = selectors.organisation_list(
        actor=actor,
        filters=selectors.OrganisationFilters(
            q=filters.q, organisation_type=filters.organisation_type, status=filters.status
        ),
    )
    size = settings.PAGE_SIZE
    rows = list(found[(filters.page - 1) * size : filters.page * size + 1])
    return OrganisationPage(
        page=filters.page, has_next=len(rows) > size, results=[_organisation(o) for o in rows[:size]]
    )


@router.get(
    "/organisations/{organisation_id}",
    response={200: OrganisationOut, **refusals(404)},
    summary="一个社会组织",
)
def organisation_detail(request: HttpRequest, organisation_id: int) -> OrganisationOut:
    actor = request_actor(request, Capability.REGISTER_ORGANISATIONS, denied=DENIED)
    return _organisation(selectors.organisation_get(actor=actor, pk=organisation_id))


@router.get("/organisation-reports", response={200: ReportPage, **refusals()}, summary="年度工作报告")
def report_list(request: HttpRequest, filters: Query[ReportQuery]) -> ReportPage:
    actor = request_actor(request)
    criteria = selectors.ReportFilters(year=filters.year, status=filters.status, overdue=filters.overdue)
    if actor.can(Capability.REGISTER_ORGANISATIONS):
        found = selectors.report_queue(actor=actor, filters=criteria)
    elif actor.can(Capability.SUPERVISE_ORGANISATIONS):
        found = selectors.prereview_queue(actor=actor, filters=criteria)
    else:
        raise PermissionDenied("您的角色无权查看年度工作报告")
    size = settings.PAGE_SIZE
    rows = list(found[(filters.page - 1) * size : filters.page * size + 1])
    return ReportPage(page=filters.page, has_next=len(rows) > size, results=[_report(r) for r in rows[:size]])


@router.post(
    "/organisation-reports/{report_id}/transitions",
    response={200: ReportOut, **refusals(404, 409)},
    summary="初审或审查年度工作报告",
)
def report_act(request: HttpRequest, report_id: int, payload: TransitionIn) -> ReportOut:
    actor = request_actor(request)
    if payload.action not in ReportAction.values:
        raise ValidationFailed(f"操作“{payload.action}”不存在", field="action")
    report = report_transition(
        report_id=report_id,
        action=payload.action,
        expected_status=payload.expected_status,
        actor=actor,
        note=payload.note,
        conclusion=payload.conclusion,
        ip_address=client_address(request),
    )
    return _report(report)
