"""Automatic verification against the department feeds (issue 23 §1): one result per source with evidence,
“无数据” for a source without records (never “一致”), differences from the declaration, confirmation and
correction by staff, the start on reaching 信息核对, and a killed run resumed without duplicates or gaps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.applications.models import VerificationResult
from minzheng.audit.models import Event
from minzheng.common.errors import ValidationFailed
from minzheng.departments import selectors, services
from minzheng.departments.models import CheckEvidence, SourceCheck
from minzheng.departments.tests.conftest import HEAD_ID, SON_ID, month_starts
from minzheng.departments.verification import verification_run

pytestmark = pytest.mark.django_db


def _feeds(deliver, today: dt.date) -> None:
    """Head: wages 400.00 × 12 months, a vehicle, a cancelled business. Son: two medical settlements and a
    disability certificate. Nobody: real estate, 公安, 公积金, bank."""
    deliver(
        "wage",
        [{"id_number": HEAD_ID, "month": m.isoformat(), "wage": "400.00"} for m in month_starts(today)],
    )
    deliver("vehicle", [{"id_number": HEAD_ID, "registered_on": "2021-04-02", "plate": "蒙A12345"}])
    deliver(
        "business_registration",
        [
            {
                "id_number": HEAD_ID,
                "established_on": "2019-05-01",
                "credit_code": "92150102MA0000001X",
                "state": "cancelled",
            }
        ],
    )
    deliver(
        "medical_expense",
        [
            {
                "id_number": SON_ID,
                "settled_on": (today - dt.timedelta(days=40)).isoformat(),
                "out_of_pocket": "500.00",
                "expense_kind": "medical",
                "settlement_number": "YB1",
            },
            {
                "id_number": SON_ID,
                "settled_on": (today - dt.timedelta(days=10)).isoformat(),
                "out_of_pocket": "250.50",
                "expense_kind": "medical",
                "settlement_number": "YB2",
            },
        ],
    )
    deliver(
        "disability_certificate",
        [{"id_number": SON_ID, "issued_on": "2022-08-08", "grade": "2", "certificate_number": "CJ000001"}],
    )


def _by_source(application) -> dict[str, SourceCheck]:
    return {c.source: c for c in SourceCheck.objects.filter(application=application, current=True)}


def test_one_result_per_source_with_evidence_and_differences(family, at_verification, deliver, today, users):
    _feeds(deliver, today)
    application = at_verification(family())
    run = verification_run(first_id=application.pk, last_id=application.pk)
    assert (run.applications, run.checks, run.evidence, run.finished) == (1, 9, 12 + 1 + 1 + 2 + 1, True)
    checks = _by_source(application)
    assert {s: c.outcome for s, c in checks.items()} == {
        "public_security": "no_data",
        "human_resources": "inconsistent",
        "medical_insurance": "partial",
        "disability_cert": "inconsistent",
        "real_estate": "no_data",
        "vehicle": "inconsistent",
        "market": "partial",
        "housing_fund": "no_data",
        "bank": "no_data",
    }
    hr = checks["human_resources"]
    assert (hr.members_total, hr.members_with_data, hr.found_count) == (2, 1, 12)
    assert (hr.found_amount, hr.declared_amount) == (Decimal("4800.00"), Decimal("3600.00"))
    assert (hr.first_on, hr.last_on) == (min(month_starts(today)), max(month_starts(today)))
    views = {v.source.code: v for v in selectors.application_checks(users["county"], application.pk)}
    assert views["human_resources"].lines == [
        "部门数据收入 4,800.00 元，申报 3,600.00 元，相差 1,200.00 元",
        "1 名成员无人社数据",
    ]
    assert views["human_resources"].members_without_data == ["王小五"]
    assert views["vehicle"].lines == ["部门登记 1 辆机动车，申报 0", "1 名成员无公安数据"]
    assert views["disability_cert"].lines == ["部门登记 1 本残疾人证，申报 0", "1 名成员无残联数据"]
    assert views["real_estate"].lines == ["2 名成员无不动产数据"]
    assert views["real_estate"].outcome_label == "无数据"
    assert views["bank"].lines == ["银行尚未提供数据，无法核对"]
    medical = views["medical_insurance"]
    assert [(e.person, e.event_date, e.amount, e.code) for e in medical.evidence] == [
        ("王小五", today - dt.timedelta(days=40), Decimal("500.00"), "医疗"),
        ("王小五", today - dt.timedelta(days=10), Decimal("250.50"), "医疗"),
    ]
    assert medical.check.found_amount == Decimal("750.50")
    assert [e.code for e in views["market"].evidence] == ["注销"]  # a cancelled business: no difference


def test_a_member_without_feed_data_is_never_consistent(family, at_verification, deliver, today):
    """One member, wages exactly as declared: 人社 “与申报一致”; every source without records “无数据”."""
    deliver(
        "wage",
        [{"id_number": HEAD_ID, "month": m.isoformat(), "wage": "300.00"} for m in month_starts(today)],
    )
    application = at_verification(family(son=False))
    verification_run(first_id=application.pk, last_id=application.pk)
    outcomes = {s: c.outcome for s, c in _by_source(application).items()}
    assert outcomes.pop("human_resources") == "consistent"
    assert set(outcomes.values()) == {"no_data"}
    assert len(outcomes) == 8


def test_staff_confirm_or_correct_with_a_reason(family, at_verification, deliver, today, users):
    _feeds(deliver, today)
    application = at_verification(family())
    verification_run(first_id=application.pk, last_id=application.pk)
    checks = _by_source(application)
    county = users["county"]
    services.check_confirm(actor=county, check_id=checks["real_estate"].pk)
    with pytest.raises(ValidationFailed):
        services.check_confirm(actor=county, check_id=checks["real_estate"].pk)  # twice: refused
    with pytest.raises(ValidationFailed):
        services.check_confirm(actor=county, check_id=checks["market"].pk)  # partial needs a conclusion
    with pytest.raises(ValidationFailed):
        services.check_correct(actor=county, check_id=checks["market"].pk, outcome="consistent", reason=" ")
    services.check_correct(
        actor=county, check_id=checks["market"].pk, outcome="consistent", reason="儿子在校学生，无经营活动"
    )
    results = list(
        VerificationResult.objects.filter(application=application)
        .order_by("id")
        .values_list("source", "outcome", "amount")
    )
    assert results == [("real_estate", "no_data", None), ("market", "consistent", None)]
    market = SourceCheck.objects.get(pk=checks["market"].pk)
    assert (market.status, market.outcome, market.decided_outcome) == ("corrected", "partial", "consistent")
    assert VerificationResult.objects.get(source="market").detail == (
        "自动核对；1 名成员无市场监管数据；更正理由：儿子在校学生，无经营活动"
    )
    verbs = list(
        Event.objects.filter(verb__startswith="departments.check")
        .order_by("pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["departments.check_confirmed", "departments.check_corrected"]


def test_reaching_verification_starts_the_job(
    family, at_verification, deliver, today, django_capture_on_commit_callbacks
):
    _feeds(deliver, today)
    with django_capture_on_commit_callbacks(execute=True):
        application = at_verification(family())
    assert len(_by_source(application)) == 9
    assert CheckEvidence.objects.filter(check_row__application=application).count() == 17


def test_a_killed_run_resumes_without_duplicates_or_gaps(family, at_verification, deliver, today):
    from conftest import id_number

    _feeds(deliver, today)
    first = at_verification(family())
    second = at_verification(family(son=False, head_id=id_number("150102", dt.date(1960, 1, 1), 301)))
    run = verification_run(chunk=1, stop_after_chunks=1)  # killed after the first chunk
    assert (run.finished, run.applications, SourceCheck.objects.count()) == (False, 1, 9)
    run = verification_run(run=run, chunk=1)
    assert (run.finished, run.applications, run.checks) == (True, 2, 18)
    assert SourceCheck.objects.filter(current=True).count() == 18
    assert set(SourceCheck.objects.values_list("application_id", flat=True)) == {first.pk, second.pk}
    assert CheckEvidence.objects.count() == 17
    # a second run checks again: the earlier results are kept but no longer current
    verification_run()
    assert (SourceCheck.objects.filter(current=True).count(), SourceCheck.objects.count()) == (18, 36)


def test_checks_page_confirm_and_correct(client, otp_login, family, at_verification, deliver, today, users):
    _feeds(deliver, today)
    application = at_verification(family())
    verification_run(first_id=application.pk, last_id=application.pk)
    checks = _by_source(application)
    otp_login(client, users["county"])
    page = client.get(f"/departments/applications/{application.pk}/checks/").content.decode()
    assert page.count('class="card mb-3" id="check-') == 9
    assert "部门数据收入 4,800.00 元，申报 3,600.00 元，相差 1,200.00 元" in page
    client.post(f"/departments/checks/{checks['bank'].pk}/confirm/")
    client.post(
        f"/departments/checks/{checks['market'].pk}/correct/", {"outcome": "consistent", "reason": "已注销"}
    )
    assert set(VerificationResult.objects.values_list("source", "outcome")) == {
        ("bank", "no_data"), ("market", "consistent"),
    }  # fmt: skip
    detail = client.get(f"/applications/{application.pk}/").content.decode()
    assert "查看部门数据自动核对结果" in detail
    otp_login(client, users["taibus_county"])
    assert client.get(f"/departments/applications/{application.pk}/checks/").status_code == 404
