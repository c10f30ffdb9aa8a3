"""Services on the database: registration with the credit-code positions explained, changes, accounts,
opening a year, the report flow, and the daily scan (overdue → 活动异常名录 → removal)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from minzheng.audit.models import Event
from minzheng.common import crypto
from minzheng.common.errors import Conflict, PermissionDenied, ValidationFailed
from minzheng.organisations import rules
from minzheng.organisations.models import AbnormalListEntry, AnnualReport, Organisation, ReportEvent
from minzheng.organisations.services.accounts import account_authenticate, account_set
from minzheng.organisations.services.registry import (
    OrganisationData,
    organisation_change_record,
    organisation_register,
)
from minzheng.organisations.services.reports import (
    inspection_year_open,
    report_file_attach,
    report_save,
    report_transition,
)
from minzheng.organisations.services.scan import organisations_daily_scan
from minzheng.policy.models import Parameter
from minzheng.portal.models import SmsMessage

from .conftest import credit_code_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
FILLED = {
    "total_income": "120000",
    "total_expense": "100000",
    "net_assets": "50000",
    "activities": "举办培训 3 次",
}


def _data(code: str, organisation_type: str = "social_group", **changes) -> OrganisationData:
    values = dict(
        credit_code=code, name="新城区青年志愿者协会", organisation_type=organisation_type,
        division_code="150102000000", legal_representative="李某", domicile="新城区某路", business_scope="志愿服务",
        registered_capital="30000", established_on=dt.date(2021, 5, 1), legal_rep_id_number="11010519491231002X",
    )  # fmt: skip
    values.update(changes)
    return OrganisationData(**values)


def test_register_stores_personal_data_encrypted_and_masked(org_users):
    code = credit_code_for("social_group", "150102", 900)
    organisation = organisation_register(
        actor=org_users["registrar"], data=_data(code, legal_rep_phone="13900001111")
    )
    assert organisation.authority_level == "county"
    assert organisation.legal_rep_id_masked.endswith("002X")
    assert "*" in organisation.legal_rep_id_masked
    assert crypto.decrypt(organisation.legal_rep_id_encrypted) == "11010519491231002X"
    assert organisation.legal_rep_phone == "13900001111"
    assert organisation.changes.get().kind == "established"
    assert Event.objects.filter(verb="organisation.registered").count() == 1


@pytest.mark.parametrize(
    ("code", "organisation_type", "message"),
    [
        ("91350100M000100Y44", "social_group", "第18位校验码应为3，实为4"),
        (
            "91350100M000100Y43",
            "social_group",
            "第1位登记管理部门代码应为5（民政），实为9（市场监管（工商））",
        ),
        (
            credit_code_for("social_group", "150102", 1),
            "foundation",
            "第2位机构类别代码应为3（基金会），实为1（社会团体），请核对组织类型或代码",
        ),
        (
            credit_code_for("social_group", "152527", 1),
            "social_group",
            "第3至8位登记管理机关代码应为150102（新城区），实为152527",
        ),
    ],
)
def test_register_refuses_wrong_codes_with_the_position(org_users, code, organisation_type, message):
    with pytest.raises(ValidationFailed) as caught:
        organisation_register(actor=org_users["registrar"], data=_data(code, organisation_type))
    assert caught.value.message == message
    assert caught.value.field == "credit_code"
    assert not Organisation.objects.exists()


def test_register_outside_jurisdiction_and_duplicate(org_users):
    code = credit_code_for("social_group", "150102", 901)
    with pytest.raises(ValidationFailed, match="不在您的管辖范围内"):
        organisation_register(actor=org_users["taibus_registrar"], data=_data(code))
    organisation_register(actor=org_users["registrar"], data=_data(code))
    with pytest.raises(Conflict, match="已登记"):
        organisation_register(actor=org_users["registrar"], data=_data(code))
    with pytest.raises(PermissionDenied):
        organisation_register(
            actor=org_users["caseworker"], data=_data(credit_code_for("social_group", "150102", 9))
        )


def test_change_deregister_is_final_and_compared(make_org, org_users):
    organisation = make_org()
    registrar = org_users["registrar"]
    organisation_change_record(actor=registrar, pk=organisation.pk, kind="amended", expected_status="active",
                               occurred_on=dt.date(2024, 1, 1), summary="变更住所")  # fmt: skip
    organisation_change_record(actor=registrar, pk=organisation.pk, kind="deregistered", expected_status="active",
                               occurred_on=dt.date(2024, 2, 1), summary="自行解散")  # fmt: skip
    organisation.refresh_from_db()
    assert organisation.status == "deregistered"
    with pytest.raises(Conflict, match="已变为“已注销”"):
        organisation_change_record(actor=registrar, pk=organisation.pk, kind="revoked", expected_status="active",
                                   occurred_on=dt.date(2024, 3, 1), summary="撤销")  # fmt: skip
    assert [c.kind for c in organisation.changes.all()] == ["established", "amended", "deregistered"]


def test_account_sign_in_and_lockout(make_org, org_users):
    organisation = make_org()
    account_set(
        actor=org_users["registrar"], organisation_id=organisation.pk, password="Zuzhi@2026x", phone=""
    )
    assert account_authenticate(credit_code=organisation.credit_code.lower(), password="Zuzhi@2026x").pk
    for _ in range(5):
        with pytest.raises(PermissionDenied, match="统一社会信用代码或密码不正确"):
            account_authenticate(credit_code=organisation.credit_code, password="wrong")
    with pytest.raises(PermissionDenied, match="分钟后再试"):
        account_authenticate(credit_code=organisation.credit_code, password="Zuzhi@2026x")


def test_year_open_covers_and_skips_per_type(make_org, org_users):
    group = make_org("social_group")
    late_group = make_org("social_group", established_on=dt.date(2025, 7, 1))  # after 30 June (2026 measures)
    service = make_org("social_service", established_on=dt.date(2025, 6, 29))
    new_service = make_org("social_service", established_on=dt.date(2025, 6, 30))  # ≤ 6 months: skips
    foundation = make_org("foundation")
    opened = inspection_year_open(actor=org_users["registrar"], year=2025)
    assert (opened.created, opened.skipped_new) == (3, 2)
    reports = {r.organisation_id: r for r in AnnualReport.objects.filter(year=2025)}
    assert set(reports) == {group.pk, service.pk, foundation.pk}
    assert late_group.pk not in reports
    assert new_service.pk not in reports
    assert (reports[group.pk].supervisor_due, reports[group.pk].authority_due) == (
        dt.date(2026, 3, 31), dt.date(2026, 5, 31),
    )  # fmt: skip
    assert reports[foundation.pk].authority_due == dt.date(2026, 3, 31)
    assert inspection_year_open(actor=org_users["registrar"], year=2025).created == 0  # idempotent


def test_year_open_without_a_deadline_needs_manual_determination(make_org, org_users):
    make_org("foundation")
    Parameter.objects.filter(key="organisations.foundation.authority_due").delete()
    with pytest.raises(ValidationFailed.__base__, match="需人工核定"):  # type: ignore[misc]
        inspection_year_open(actor=org_users["registrar"], year=2025)
    assert not AnnualReport.objects.exists()


@pytest.fixture
def opened(make_org, org_users):
    def make(organisation_type="social_group", **kwargs):
        organisation = make_org(organisation_type, **kwargs)
        account_set(actor=org_users["registrar"], organisation_id=organisation.pk, password="Zuzhi@2026x",
                    phone="13700001234")  # fmt: skip
        inspection_year_open(actor=org_users["registrar"], year=2025)
        organisation.refresh_from_db()
        return organisation.account, AnnualReport.objects.get(organisation=organisation, year=2025)

    return make


def test_report_flow_submit_prereview_conclude(opened, org_users):
    account, report = opened()
    with pytest.raises(ValidationFailed, match="请先填写"):
        report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    report_save(account=account, report_id=report.pk, data=FILLED)
    report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    with pytest.raises(PermissionDenied, match="业务主管单位"):
        report_transition(report_id=report.pk, action="pre_approve", expected_status="submitted",
                          actor=org_users["other_supervisor"])  # fmt: skip
    report_transition(report_id=report.pk, action="pre_approve", expected_status="submitted",
                      actor=org_users["supervisor"], note="同意报送")  # fmt: skip
    with pytest.raises(ValidationFailed, match="须写明理由"):
        report_transition(report_id=report.pk, action="conclude", expected_status="awaiting_review",
                          actor=org_users["registrar"], conclusion="unqualified")  # fmt: skip
    done = report_transition(report_id=report.pk, action="conclude", expected_status="awaiting_review",
                             actor=org_users["registrar"], conclusion="basically_qualified", note="财务制度不健全")  # fmt: skip
    assert (done.status, done.conclusion, done.total_income) == (
        "concluded",
        "basically_qualified",
        Decimal("120000"),
    )
    assert list(ReportEvent.objects.filter(report=report).values_list("action", flat=True)) == [
        "submit", "pre_approve", "conclude",
    ]  # fmt: skip
    with pytest.raises(Conflict, match="已被他人处理"):
        report_transition(report_id=report.pk, action="conclude", expected_status="awaiting_review",
                          actor=org_users["registrar2"], conclusion="qualified")  # fmt: skip


def test_registrar_of_another_county_cannot_review(opened, org_users):
    account, report = opened(supervised=False)
    report_save(account=account, report_id=report.pk, data=FILLED)
    moved = report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    assert moved.status == "awaiting_review"  # no 业务主管单位: straight to the registrar
    with pytest.raises(Exception, match="不在您的管辖范围内"):
        report_transition(report_id=report.pk, action="conclude", expected_status="awaiting_review",
                          actor=org_users["taibus_registrar"], conclusion="qualified")  # fmt: skip


def test_foundation_needs_the_audit_report(opened):
    account, report = opened("foundation")
    report_save(account=account, report_id=report.pk, data=FILLED)
    with pytest.raises(ValidationFailed, match="审计报告"):
        report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    report_file_attach(account=account, report_id=report.pk, file=SimpleUploadedFile("审计报告.pdf", PDF))
    assert report_transition(
        report_id=report.pk, action="submit", expected_status="draft", account=account
    ).status


def test_scan_overdue_then_abnormal_then_removed(opened, org_users):
    account, report = opened()
    before = organisations_daily_scan(today=dt.date(2026, 5, 31))
    assert before.overdue == 0
    Parameter.objects.filter(key="organisations.abnormal_grace_days").update(value=10)
    first = organisations_daily_scan(today=dt.date(2026, 6, 1))
    report.refresh_from_db()
    assert (first.overdue, first.listed, report.overdue_since) == (1, 0, dt.date(2026, 6, 1))
    assert organisations_daily_scan(today=dt.date(2026, 6, 10)).listed == 0
    listed = organisations_daily_scan(today=dt.date(2026, 6, 11))
    assert listed.listed == 1
    entry = AbnormalListEntry.objects.get()
    assert entry.reason == "未按照规定时限报送2025年度工作报告"
    assert "列入社会组织活动异常名录" in entry.notice
    assert Organisation.objects.get(pk=report.organisation_id).abnormal is True
    assert SmsMessage.objects.filter(template="organisation_abnormal_notice").count() == 1
    assert organisations_daily_scan(today=dt.date(2026, 6, 12)).listed == 0  # once
    report_save(account=account, report_id=report.pk, data=FILLED)
    report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    assert organisations_daily_scan(today=dt.date(2026, 6, 13)).removed == 0  # only with the supervisor yet
    report_transition(report_id=report.pk, action="pre_approve", expected_status="submitted",
                      actor=org_users["supervisor"])  # fmt: skip
    assert organisations_daily_scan(today=dt.date(2026, 6, 14)).removed == 1
    entry.refresh_from_db()
    assert (entry.removed_on, entry.removal_reason) == (dt.date(2026, 6, 14), "已补报年度工作报告")
    assert Organisation.objects.get(pk=report.organisation_id).abnormal is False


def test_scan_without_grace_parameter_says_manual_determination(opened):
    opened()
    Parameter.objects.filter(key="organisations.abnormal_grace_days").delete()
    result = organisations_daily_scan(today=dt.date(2026, 7, 1))
    assert result.overdue == 1
    assert result.listed == 0
    assert result.problems
    assert result.problems[0].startswith("需人工核定")


def test_reminder_before_deadline_once(opened):
    opened()
    assert organisations_daily_scan(today=dt.date(2026, 3, 1)).reminded == 0
    assert organisations_daily_scan(today=dt.date(2026, 3, 16)).reminded == 1  # 15 days before 31 March
    assert organisations_daily_scan(today=dt.date(2026, 3, 17)).reminded == 0
    assert SmsMessage.objects.filter(template="organisation_report_reminder").count() == 1


def test_caseworker_cannot_open_a_year(org_users):
    with pytest.raises(PermissionDenied):
        inspection_year_open(actor=org_users["caseworker"], year=2025)
    assert rules.OrganisationStatus.ACTIVE == "active"


def test_statistics_count_exactly(opened, org_users, make_org):
    from minzheng.organisations.selectors import statistics

    account, report = opened()
    make_org("foundation", county="taibus")  # another county: not counted for the Xincheng registrar
    report_save(account=account, report_id=report.pk, data=FILLED)
    report_transition(report_id=report.pk, action="submit", expected_status="draft", account=account)
    organisations_daily_scan(today=dt.date(2026, 6, 1))
    stats = statistics(actor=org_users["registrar"], year=2025)
    assert (stats.total, stats.due, stats.filed, stats.overdue, stats.abnormal) == (1, 1, 0, 1, 1)
    assert stats.by_type == [("社会团体", 1)]
    assert stats.by_area == [("新城区", 1, 1, 0)]
    region = statistics(actor=org_users["region_registrar"], year=2025)
    assert region.total == 2
    assert region.due == 1  # the Taibus foundation was registered after the year was opened
