"""Demo 社会组织 for ``minzheng demo-setup``: a 业务主管单位 of 新城区 with the demo supervisor,
organisations of each type registered by 新城区, their reports on 2024 (concluded) and 2025 in every
state, their accounts, and the daily scan run once so the overdue and 活动异常名录 pages are not empty.

Everything goes through the services (codes checked, events and audit written). Idempotent: nothing is added
once the first demo organisation exists.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction

from minzheng.accounts.models import User
from minzheng.common import crypto
from minzheng.common.credit_code import credit_code_complete
from minzheng.common.masking import mask_phone
from minzheng.demo.accounts import COUNTY_CODE, DEMO_PASSWORD
from minzheng.organisations import rules
from minzheng.organisations.models import (
    AnnualReport,
    Organisation,
    OrganisationAccount,
    OrganisationFile,
    SupervisorStaff,
    SupervisorUnit,
)
from minzheng.organisations.parameters import organisations_parameters_load
from minzheng.organisations.services.registry import (
    OrganisationData,
    organisation_change_record,
    organisation_register,
)
from minzheng.organisations.services.reports import inspection_year_open, report_save, report_transition
from minzheng.organisations.services.scan import organisations_daily_scan

T = rules.OrganisationType
FILLED = {
    "member_count": 120,
    "staff_count": 4,
    "total_income": "186000.00",
    "total_expense": "172500.00",
    "net_assets": "95000.00",
    "activities": "开展培训 6 次、公益活动 12 次，服务群众约 3,000 人次。",
    "party_organisation": True,
    "party_members": 5,
    "changes_note": "无",
}

# (name, type, supervised, established, 2025 state) — the state is where the 2025 report is left
ORGANISATIONS: tuple[tuple[str, str, bool, dt.date, str], ...] = (
    ("新城区青年志愿者协会", T.SOCIAL_GROUP, True, dt.date(2016, 4, 12), "draft"),
    ("新城区书法家协会", T.SOCIAL_GROUP, True, dt.date(2014, 9, 3), "qualified"),
    ("新城区个体劳动者协会", T.SOCIAL_GROUP, True, dt.date(2012, 6, 20), "basically_qualified"),
    ("新城区老年人体育协会", T.SOCIAL_GROUP, True, dt.date(2018, 3, 8), "submitted"),
    ("新城区社会工作协会", T.SOCIAL_GROUP, False, dt.date(2019, 11, 1), "awaiting_review"),
    ("新城区阳光社会工作服务中心", T.SOCIAL_SERVICE, True, dt.date(2017, 5, 16), "returned"),
    ("新城区康乐养老服务中心", T.SOCIAL_SERVICE, True, dt.date(2015, 8, 28), "unqualified"),
    ("新城区启明幼儿园", T.SOCIAL_SERVICE, True, dt.date(2013, 2, 14), "qualified"),
    ("新城区惠民社区服务中心", T.SOCIAL_SERVICE, True, dt.date(2025, 9, 1), "new"),
    ("新城区草原文化研究会", T.SOCIAL_GROUP, True, dt.date(2011, 7, 7), "deregistered"),
    ("新城区健身气功协会", T.SOCIAL_GROUP, True, dt.date(2010, 10, 10), "revoked"),
    ("新城区敬老助学基金会", T.FOUNDATION, True, dt.date(2016, 12, 1), "awaiting_review"),
)
ACCOUNT_ORGANISATION = "新城区青年志愿者协会"


def _code(organisation_type: str, division6: str, serial: int) -> str:
    return credit_code_complete(f"5{rules.TYPE_CODES[organisation_type]}{division6}MJ{serial:07d}")


def _register(
    registrar: User, unit: SupervisorUnit, division_code: str, serial: int, row: tuple[Any, ...]
) -> None:
    name, organisation_type, supervised, established, _state = row
    organisation_register(
        actor=registrar,
        data=OrganisationData(
            credit_code=_code(organisation_type, division_code[:6], serial),
            name=name,
            organisation_type=organisation_type,
            division_code=division_code,
            legal_representative="演示法人",
            domicile=f"{name}办公地址（演示）",
            business_scope="依照章程开展业务活动（演示）",
            registered_capital=Decimal("30000") if organisation_type != T.FOUNDATION else Decimal("2000000"),
            established_on=established,
            supervisor_id=unit.pk if supervised else None,
            legal_rep_phone="13800000000",
            document_number=f"演示登字〔{established.year}〕{serial}号",
        ),
    )


DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _audit_report(report: AnnualReport) -> None:
    """The demo's own generated file, stored directly (no upload to scan): a foundation's audit report."""
    stored = OrganisationFile(
        organisation=report.organisation,
        report=report,
        original_name=f"{report.year}年度审计报告（演示）.pdf",
        content_type="application/pdf",
        size=len(DEMO_PDF),
        sha256=hashlib.sha256(DEMO_PDF).hexdigest(),
        scanner="demo",
    )
    stored.file.save(f"demo-audit-{report.pk}.pdf", ContentFile(DEMO_PDF), save=False)
    stored.save()


def _move(report: AnnualReport, state: str, *, account: Any, supervisor: User, registrar: User) -> None:
    """Walk one report through the services to ``state``."""
    if state in ("draft", "new", "deregistered", "revoked"):
        return
    report_save(account=account, report_id=report.pk, data=FILLED)
    if report.organisation.organisation_type == T.FOUNDATION:
        _audit_report(report)
    report = report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    if state == "submitted":
        return
    if report.status == rules.ReportStatus.SUBMITTED:
        action = "pre_return" if state == "returned" else "pre_approve"
        note = "财务收支明细不完整，请补充后重新报送" if state == "returned" else "同意报送"
        report = report_transition(
            report_id=report.pk, action=action, expected_status="submitted", actor=supervisor, note=note
        )
    if state in ("awaiting_review", "returned"):
        return
    reasons = {
        "qualified": "",
        "basically_qualified": "未按规定召开理事会",
        "unqualified": "年度内未开展业务活动",
    }
    report_transition(
        report_id=report.pk,
        action="conclude",
        expected_status="awaiting_review",
        actor=registrar,
        conclusion=state,
        note=reasons.get(state, ""),
    )


def _accounts(organisations: list[Organisation]) -> dict[int, OrganisationAccount]:
    """Every demo organisation gets an account (its reports are filed through it), all with the published
    demo password — which the password validators refuse, so the rows are written directly, as the staff
    demo logins are (one hash for all: hashing is slow on purpose)."""
    password = make_password(DEMO_PASSWORD)
    phone = "13800000000"
    OrganisationAccount.objects.bulk_create(
        OrganisationAccount(organisation=o, password=password, phone_encrypted=crypto.encrypt(phone),
                            phone_masked=mask_phone(phone))
        for o in organisations
    )  # fmt: skip
    return {a.organisation_id: a for a in OrganisationAccount.objects.filter(organisation__in=organisations)}


@transaction.atomic
def demo_organisations_ensure() -> list[str]:
    organisations_parameters_load()
    registrar = User.objects.filter(username="orgregistrar").first()
    supervisor = User.objects.filter(username="orgsupervisor").first()
    if registrar is None or supervisor is None or registrar.division is None:
        return []
    unit, _created = SupervisorUnit.objects.get_or_create(
        name="新城区教育体育局", division=registrar.division
    )
    SupervisorStaff.objects.get_or_create(user=supervisor, defaults={"unit": unit})
    first = _code(T.SOCIAL_GROUP, COUNTY_CODE[:6], 1)
    if not Organisation.objects.filter(credit_code=first).exists():
        _seed(registrar, supervisor, unit)
    organisations_daily_scan()
    account_org = Organisation.objects.get(name=ACCOUNT_ORGANISATION, division__code=COUNTY_CODE)
    return [
        f"社会组织演示账号：统一社会信用代码 {account_org.credit_code}，密码 {DEMO_PASSWORD}"
        "（/portal/organisations/）"
    ]


def _seed(registrar: User, supervisor: User, unit: SupervisorUnit) -> None:
    for serial, row in enumerate(ORGANISATIONS, start=1):
        _register(registrar, unit, COUNTY_CODE, serial, row)
    states = {name: state for name, _t, _s, _e, state in ORGANISATIONS}
    organisations = list(Organisation.objects.filter(division__code=COUNTY_CODE, name__in=states))
    accounts = _accounts(organisations)
    inspection_year_open(actor=None, year=2024)
    for report in AnnualReport.objects.filter(year=2024, organisation__in=organisations):
        _move(
            report,
            "qualified",
            account=accounts[report.organisation_id],
            supervisor=supervisor,
            registrar=registrar,
        )
    inspection_year_open(actor=None, year=2025)
    by_pk = {o.pk: o for o in organisations}
    for report in AnnualReport.objects.filter(year=2025, organisation__in=organisations):
        state = states[by_pk[report.organisation_id].name]
        _move(
            report,
            state,
            account=accounts[report.organisation_id],
            supervisor=supervisor,
            registrar=registrar,
        )
    for organisation in organisations:
        state = states[organisation.name]
        if state in ("deregistered", "revoked"):
            organisation_change_record(
                actor=registrar,
                pk=organisation.pk,
                kind=state,
                expected_status="active",
                occurred_on=dt.date(2026, 8, 15),
                summary="自行申请注销" if state == "deregistered" else "连续两年未参加年检，撤销登记",
            )
