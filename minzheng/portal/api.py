"""Portal API (/api/v1/portal/…): sign-in by SMS code, binding, the policy guide, the self-check, the
entitlement list and the periodic self-report — the same selectors and services as the pages.

Authentication is the portal session cookie (``PortalSessionAuth``, CSRF on writes); sign-in, the guide
and the self-check need none. The signed-in person reaches only their own household: any other id is a
404 indistinguishable from a record that does not exist. Errors have the API's one shape
(``{"code", "message", "field"}``).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.utils import check_csrf

from minzheng.common.errors import PermissionDenied
from minzheng.common.network import client_address
from minzheng.common.schemas import refusals
from minzheng.portal import rules, selectors, services
from minzheng.portal.auth import PortalSessionAuth, portal_account, portal_sign_in, portal_sign_out
from minzheng.portal.models import PortalAccount
from minzheng.portal.schemas import (
    AccountOut,
    BindIn,
    CodeIn,
    CodeSentOut,
    EntitlementsOut,
    PolicyGuideOut,
    ReportItemOut,
    SelfCheckIn,
    SelfCheckOut,
    SelfReportIn,
    SelfReportOut,
    SignInIn,
)

router = Router(tags=["救助通"], auth=PortalSessionAuth(csrf=True))
_PUBLIC = refusals(403, 404, 409, 429, public=True)  # 403: CSRF of the sign-in form
_READ = refusals(404)
_WRITE = refusals(404, 409)


def _account(request: HttpRequest) -> PortalAccount:
    account: PortalAccount = request.auth  # type: ignore[attr-defined]
    return account


def _bound(request: HttpRequest) -> PortalAccount:
    account = _account(request)
    if account.person_id is None:
        raise PermissionDenied("请先绑定身份证号码", field="id_number", code="not_bound")
    return account


def _account_out(account: PortalAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "phone_masked": account.phone_masked,
        "name": account.name,
        "id_number_masked": account.id_number_masked,
        "bound": account.person_id is not None,
        "claimed": account.person_id is None and bool(account.id_number_index),
    }


@router.post("/signin/code", auth=None, response={200: CodeSentOut, **_PUBLIC}, summary="获取登录验证码")
def code_send(request: HttpRequest, payload: CodeIn) -> dict[str, Any]:
    """Send a one-time code by SMS. The answer is the same whether or not the phone has an account."""
    services.sign_in_code_send(phone=payload.phone, ip_address=client_address(request))
    phone = rules.phone_normalise(payload.phone)
    return {
        "sent": True,
        "phone_masked": f"{phone[:3]}****{phone[-4:]}",
        "expires_in": settings.PORTAL_CODE_TTL_SECONDS,
        "resend_after": rules.RESEND_SECONDS,
    }


@router.post("/signin", auth=None, response={200: AccountOut, **_PUBLIC}, summary="验证码登录")
def sign_in(request: HttpRequest, payload: SignInIn) -> Any:
    """Check the code and start a portal session (a new session id). CSRF-checked like a page form."""
    refused = check_csrf(request)
    if refused is not None:
        raise PermissionDenied("CSRF 校验失败，请刷新页面后重试", code="csrf_failed")
    account = services.sign_in_code_verify(
        phone=payload.phone, code=payload.code, ip_address=client_address(request)
    )
    portal_sign_in(request, account)
    return _account_out(account)


@router.post("/signout", response={204: None, **_READ}, summary="退出登录")
def sign_out(request: HttpRequest) -> tuple[int, None]:
    portal_sign_out(request)
    return 204, None


@router.post("/bind", response={200: AccountOut, **refusals(404, 409, 429)}, summary="绑定身份证号码")
def bind(request: HttpRequest, payload: BindIn) -> dict[str, Any]:
    account = services.account_bind(
        account=_account(request),
        name=payload.name,
        id_number=payload.id_number,
        ip_address=client_address(request),
    )
    return _account_out(account)


@router.get("/policies", auth=None, response={200: PolicyGuideOut, **_PUBLIC}, summary="政策清单")
def policies(request: HttpRequest, division: str = "") -> dict[str, Any]:
    """The guide for the signed-in person's place, or the county given (``division``), or the region."""
    place, urban_rural = selectors.policy_place(account=portal_account(request), code=division)
    guide = selectors.policy_guide(division=place, urban_rural=urban_rural)
    return {
        "division_code": guide.division.code,
        "division_name": guide.division.name,
        "urban_rural": guide.urban_rural,
        "as_of": guide.as_of,
        "programmes": [asdict(p) for p in guide.programmes],
    }


@router.post("/self-check", auth=None, response={200: SelfCheckOut, **_PUBLIC}, summary="自助测算（估算）")
def self_check(request: HttpRequest, payload: SelfCheckIn) -> dict[str, Any]:
    """Run the benefit engine on what was typed. Nothing is stored; the result is an estimate."""
    answers = rules.SelfCheckAnswers(
        division_code=payload.division_code,
        urban_rural=payload.urban_rural,
        members=tuple(
            rules.MemberAnswer(
                m.age,
                m.disability_category if m.disability_grade else "",
                m.disability_grade if m.disability_category else None,
            )
            for m in payload.members
        ),  # fmt: skip
        monthly_income=payload.monthly_income,
        savings=payload.savings,
        vehicles=payload.vehicles,
        other_houses=payload.other_houses,
        serious_illness=payload.serious_illness,
        large_expenses=payload.large_expenses,
        has_able_supporter=payload.has_able_supporter,
        child_status=payload.child_status,
    )
    rows = selectors.self_check_run(answers=answers)
    return {
        "estimate_only": True,
        "notice": "估算结果，仅供参考，以审核确认为准",
        "stored": False,
        "results": [asdict(r) for r in rows],
    }


@router.get("/entitlements", response={200: EntitlementsOut, **_READ}, summary="幸福清单")
def entitlements(request: HttpRequest) -> dict[str, Any]:
    """The own household's current entitlements and the payments of the last 12 months."""
    listing = selectors.entitlement_list(account=_bound(request))
    return {
        "household_id": listing.household_id,
        "township_name": listing.township_name,
        "current": [asdict(r) for r in listing.current],
        "monthly_total": listing.monthly_total,
        "from_month": listing.from_month,
        "payments": [asdict(p) for p in listing.payments],
        "totals": [
            {"programme": t.programme, "name": t.name, "received": t.received, "pending": t.pending}
            for t in listing.totals
        ],
        "received_total": listing.received_total,
    }


@router.get("/reports", response={200: list[ReportItemOut], **_READ}, summary="定期报告：待报告事项")
def reports(request: HttpRequest) -> list[dict[str, Any]]:
    return [asdict(item) for item in selectors.self_report_items(account=_bound(request))]


@router.post(
    "/reports/{enrolment_id}", response={201: SelfReportOut, **_WRITE}, summary="定期报告：提交"
)  # fmt: skip
def report_submit(
    request: HttpRequest, enrolment_id: int, payload: SelfReportIn
) -> tuple[int, dict[str, Any]]:
    """File the periodic self-report for one 低保/特困 enrolment of the own household; a second report
    the same day is refused (409 ``already_reported``)."""
    report = services.SelfReport(
        members=tuple(services.MemberReport(m.person_id, m.living_here, m.change) for m in payload.members),
        new_members=payload.new_members,
        monthly_income=payload.monthly_income,
        income_note=payload.income_note,
        vehicles=payload.vehicles,
        houses=payload.houses,
        savings=payload.savings,
        circumstances=payload.circumstances,
    )
    review = services.self_report_submit(account=_bound(request), enrolment_id=enrolment_id, report=report)
    return 201, {
        "review_id": review.pk,
        "enrolment_id": enrolment_id,
        "received_on": timezone.localdate(),
        "review_due_on": review.due_on,
    }
