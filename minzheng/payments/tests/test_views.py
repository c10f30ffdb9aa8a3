"""Pages and API through Django's test client: scoping, actions per role and status, bank file download,
result upload with a row-level report, roster exports, reserve pages (statistics: minzheng.statistics)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from minzheng.common.models import Job
from minzheng.payments import services
from minzheng.payments.models import Payroll, PayrollLine, ReserveFund, ResultImport

from .factories import approve, enrol, month

pytestmark = pytest.mark.django_db

JAN = month(2026, 1)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def payroll(users, divisions, household_factory):
    home = household_factory(head_name="赵一")
    enrol(home, divisions["street"], "500.00", JAN)
    return services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)


def test_list_generate_and_scoping(users, divisions, household_factory):
    enrol(household_factory(head_name="赵一"), divisions["street"], "500.00", JAN)
    county = client_for(users["county"])

    response = county.post("/payments/generate/", {"county": divisions["xincheng"].pk, "month": "2026-01"})

    # generation ran as a background task (immediate backend in tests); the job page links the payroll
    payroll = Payroll.objects.get()
    job = Job.objects.get(kind="payroll_generate")
    assert response.status_code == 302
    assert response["Location"] == f"/payments/jobs/{job.pk}/"
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 4, 4)
    assert job.message == "已生成发放批次 150102202601：1 条，合计 500.00 元"
    job_page = county.get(response["Location"]).content.decode()
    assert f'id="job-result" href="/payments/{payroll.pk}/"' in job_page
    assert "查看发放批次 150102202601" in job_page
    # a refused generation fails the job with the service's message and writes nothing
    refused = county.post("/payments/generate/", {"county": divisions["xincheng"].pk, "month": "2026-02"})
    failed = Job.objects.get(pk=int(refused["Location"].rstrip("/").rsplit("/", 1)[-1]))
    assert (failed.status, failed.message) == (
        "failed",
        "2026年1月 的发放批次尚未审核，请先完成审核再生成下月批次",
    )
    assert Payroll.objects.count() == 1
    assert 'id="job-back" href="/payments/"' in county.get(refused["Location"]).content.decode()
    # another user cannot see the job
    assert client_for(users["taibus_county"]).get(refused["Location"]).status_code == 404
    page = county.get("/payments/?month=2026-01").content.decode()
    assert f'data-payroll="{payroll.pk}"' in page
    assert "150102202601" in page
    export = county.get("/payments/?month=2026-01&format=xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[1][:6] == ("150102202601", "新城区", "2026年1月", "草稿", 1, 500)
    # a township caseworker of the county sees it; Taibus does not; a village assistant may not at all
    assert "150102202601" in client_for(users["caseworker"]).get("/payments/").content.decode()
    assert "150102202601" not in client_for(users["taibus_county"]).get("/payments/").content.decode()
    assert client_for(users["taibus_county"]).get(f"/payments/{payroll.pk}/").status_code == 404
    assert client_for(users["assistant"]).get("/payments/").status_code == 403
    # a caseworker cannot generate
    assert (
        client_for(users["caseworker"])
        .post("/payments/generate/", {"county": divisions["xincheng"].pk, "month": "2026-02"})
        .status_code
        == 403
    )


def test_detail_actions_follow_role_and_maker_checker(users, payroll, checker):
    maker = client_for(users["county"])
    page = maker.get(f"/payments/{payroll.pk}/").content.decode()
    assert 'data-action="submit"' in page
    assert "****" in page
    assert "6228480012345678901" not in page

    maker.post(f"/payments/{payroll.pk}/actions/submit/")
    page = maker.get(f"/payments/{payroll.pk}/").content.decode()
    assert 'data-action="approve"' not in page
    assert "编制与审核分离" in page
    response = maker.post(f"/payments/{payroll.pk}/actions/approve/", follow=True)
    assert "发放批次由您编制，须由本级另一名审核人员审核通过（编制与审核分离）" in response.content.decode()
    assert Payroll.objects.get(pk=payroll.pk).status == "submitted"

    other = client_for(checker)
    assert 'data-action="approve"' in other.get(f"/payments/{payroll.pk}/").content.decode()
    other.post(f"/payments/{payroll.pk}/actions/approve/")
    assert Payroll.objects.get(pk=payroll.pk).status == "approved"
    caseworker_page = client_for(users["caseworker"]).get(f"/payments/{payroll.pk}/").content.decode()
    assert "payroll-actions" not in caseworker_page
    assert "赵一" in caseworker_page


def test_bank_file_download_and_result_upload(users, payroll, checker):
    approve(payroll, users["county"], checker)
    county = client_for(users["county"])

    response = county.post(f"/payments/{payroll.pk}/bank-file/", {"template": "csv_gbk"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=gbk"
    content = response.content
    assert "赵一,500.00,低保金2026年1月" in content.decode("gbk")

    # a tampered result file: the page shows the row-level report and nothing is written
    from minzheng.payments import bankfiles

    batch = services.payroll_bank_batch(payroll)
    result = bankfiles.bank_result_render(bankfiles.TEMPLATES["csv_gbk"], batch, {})
    bad = result.decode("gbk").replace(",500.00,", ",499.00,").encode("gbk")
    page = county.post(
        f"/payments/{payroll.pk}/result/", {"template": "csv_gbk", "file": io.BytesIO(bad)}, follow=True
    ).content.decode()
    assert "回盘文件有 2 处问题，已整体拒绝导入，未做任何修改" in page
    assert "第 4 行：金额 499.00 元与本批次应发 500.00 元不符" in page
    assert ResultImport.objects.count() == 0

    upload = io.BytesIO(result)
    upload.name = "result.csv"
    page = county.post(
        f"/payments/{payroll.pk}/result/", {"template": "csv_gbk", "file": upload}, follow=True
    ).content.decode()
    assert "回盘已导入：成功 1 笔 500.00 元，失败 0 笔 0.00 元" in page
    assert PayrollLine.objects.get(payroll=payroll).payment_status == "paid"


def test_roster_excel_by_village_masked(users, payroll, checker):
    approve(payroll, users["county"], checker)
    response = client_for(users["caseworker"]).get(f"/payments/{payroll.pk}/roster.xlsx")
    book = load_workbook(io.BytesIO(response.content))
    sheet = book["锡林南路社区居委会"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][-1] == "领款人签字"
    assert rows[2][:5] == (1, "赵一", rows[2][2], "最低生活保障", 1)
    assert "*" in rows[2][2]
    assert "*" in rows[2][6]
    assert rows[2][7:10] == (500, 0, 500)
    assert rows[3][0] == "合计"
    pdf = client_for(users["caseworker"]).get(f"/payments/{payroll.pk}/roster.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_reserve_pages(users, divisions):
    county = client_for(users["county"])
    response = county.post(
        "/payments/reserve/allocate/",
        {
            "township": divisions["street"].pk,
            "amount": "1000",
            "allocated_on": "2026-01-05",
            "note": "年度拨付",
        },
    )
    assert response.status_code == 302
    assert ReserveFund.objects.get().balance == Decimal("1000.00")
    page = client_for(users["caseworker"]).get(
        f"/payments/reserve/{divisions['street'].pk}/?date_from=2026-01-01&date_to=2026-12-31"
    )
    assert '<span id="fund-balance">1000.00</span>' in page.content.decode()
    export = client_for(users["caseworker"]).get(
        f"/payments/reserve/{divisions['street'].pk}/?date_from=2026-01-01&date_to=2026-12-31&format=xlsx"
    )
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[2][:4] == (0, 1000, 0, 1000)
    assert (
        client_for(users["taibus_caseworker"]).get(f"/payments/reserve/{divisions['street'].pk}/").status_code
        == 404
    )
    assert (
        client_for(users["caseworker"])
        .post(
            "/payments/reserve/allocate/",
            {"township": divisions["street"].pk, "amount": "5", "allocated_on": "2026-01-05"},
        )
        .status_code
        == 403
    )


def test_api_generate_transition_list_and_result(users, divisions, household_factory, checker):
    from minzheng.accounts.api_auth import api_token_create
    from minzheng.payments import bankfiles

    enrol(household_factory(head_name="赵一"), divisions["street"], "500.00", JAN)
    _token, secret = api_token_create(username="county", name="t")
    _token2, secret2 = api_token_create(username="county2", name="t")
    maker = Client(headers={"Authorization": f"Bearer {secret}"})
    other = Client(headers={"Authorization": f"Bearer {secret2}"})

    created = maker.post(
        "/api/v1/payrolls",
        json.dumps({"county": "150102", "month": "2026-01"}),
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["number"], body["line_count"], body["total_amount"], body["totals"][0]["regular"]) == (
        "150102202601",
        1,
        "500.00",
        "500.00",
    )
    pk = body["id"]
    maker.post(
        f"/api/v1/payrolls/{pk}/transitions", json.dumps({"code": "submit"}), content_type="application/json"
    )
    refused = maker.post(
        f"/api/v1/payrolls/{pk}/transitions", json.dumps({"code": "approve"}), content_type="application/json"
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "maker_is_checker")
    approved = other.post(
        f"/api/v1/payrolls/{pk}/transitions", json.dumps({"code": "approve"}), content_type="application/json"
    )
    assert approved.json()["status"] == "approved"
    again = maker.post(
        "/api/v1/payrolls",
        json.dumps({"county": "150102", "month": "2026-01"}),
        content_type="application/json",
    )
    assert (again.status_code, again.json()["code"]) == (409, "payroll_locked")
    listing = maker.get("/api/v1/payrolls?month=2026-01").json()
    assert (listing["count"], listing["items"][0]["status"]) == (1, "approved")

    payroll = Payroll.objects.get(pk=pk)
    result = bankfiles.bank_result_render(
        bankfiles.TEMPLATES["fixed_gbk"], services.payroll_bank_batch(payroll), {}
    )
    wrong = maker.post(
        f"/api/v1/payrolls/{pk}/result",
        {"template": "fixed_gbk", "file": io.BytesIO(result.replace(b"000000000050000", b"000000000050001"))},
    )
    assert wrong.status_code == 422
    assert wrong.json()["rows"][0]["row"] == 2
    upload = io.BytesIO(result)
    upload.name = "r.txt"
    ok = maker.post(f"/api/v1/payrolls/{pk}/result", {"template": "fixed_gbk", "file": upload})
    assert ok.status_code == 200, ok.content
    assert (ok.json()["paid_count"], ok.json()["paid_amount"]) == (1, "500.00")
    assert client_for(users["caseworker"]).get("/api/v1/payrolls").json()["count"] == 1
    assert dt.date.fromisoformat(listing["items"][0]["month"]) == JAN
