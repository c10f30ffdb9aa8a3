"""The monitoring pages: list filters and export, dashboard with its Excel, feed upload with the error
report, manual run with its job, rule pages, the daily command."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from minzheng.common.models import Job
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, FeedBatch, MonitoringRun
from minzheng.monitoring.tests.conftest import csv_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def alerts(family, deliver, enrol, today, monitoring_ready):
    household = family()
    enrol(household)
    deliver("death", ["身份证号码", "死亡日期"], [[household.head.id_number, today - dt.timedelta(days=2)]])
    services.monitoring_run(actor=monitoring_ready["region"])
    return household


def test_alert_list_filters_sorts_and_exports(alerts, client, monitoring_ready):
    client.force_login(monitoring_ready["county"])
    page = client.get("/monitoring/")
    assert page.status_code == 200
    assert page.content.decode().count("data-alert-id=") == 2  # member death + deceased still paid
    red = client.get("/monitoring/?severity=red&sort=-due")
    assert red.content.decode().count("data-alert-id=") == 1
    assert client.get("/monitoring/?raised_from=2026-12-01&raised_to=2026-01-01").status_code == 422
    export = client.get("/monitoring/export.xlsx?status=open")
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet.max_row == 3
    assert sheet["A1"].value == "预警编号"
    assert "*" in sheet["H2"].value  # masked ID number only


def test_dashboard_counts_and_excel(alerts, client, monitoring_ready):
    client.force_login(monitoring_ready["county"])
    page = client.get("/monitoring/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-severity="red">1<' in text
    assert 'data-severity="yellow">1<' in text
    assert 'data-category="dibao"><td>最低生活保障对象</td><td class="text-end">1</td>' in text
    workbook = load_workbook(io.BytesIO(client.get("/monitoring/dashboard/?format=xlsx").content))
    assert workbook.sheetnames == ["按区划", "按规则", "按等级和时长", "救助覆盖"]
    assert workbook["按区划"]["A2"].value == "海拉尔东路街道"
    assert workbook["按区划"]["C2"].value == 2


def test_feed_upload_page_and_error_report(family, client, monitoring_ready):
    client.force_login(monitoring_ready["county"])
    assert client.get("/monitoring/feeds/").status_code == 200
    upload = SimpleUploadedFile("bad.csv", csv_text(["身份证号码", "死亡日期"], [["123", "2026-01-01"]]))
    response = client.post("/monitoring/feeds/", {"feed": "death", "file": upload})
    batch = FeedBatch.objects.get()
    assert response.status_code == 302
    assert response.url == f"/monitoring/feeds/{batch.pk}/"
    detail = client.get(response.url).content.decode()
    assert "身份证号码应为 18 位（或 15 位旧号码），实际为 3 位" in detail
    report = load_workbook(io.BytesIO(client.get(f"{response.url}?format=xlsx").content)).active
    assert [c.value for c in report[2]] == [
        2,
        "身份证号码",
        "123",
        "身份证号码应为 18 位（或 15 位旧号码），实际为 3 位",
    ]
    client.force_login(monitoring_ready["caseworker"])
    assert client.get("/monitoring/feeds/").status_code == 403


def test_manual_run_reports_progress_through_a_job(family, client, monitoring_ready):
    family()
    client.force_login(monitoring_ready["county"])
    response = client.post("/monitoring/runs/start/")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response.url == f"/jobs/{job.pk}/"
    assert (job.status, job.progress_done, job.progress_total) == ("succeeded", 15, 15)
    run = MonitoringRun.objects.get()
    assert (run.kind, run.division_code, run.status, run.population) == ("manual", "150102", "succeeded", 1)
    assert run.rule_stats.count() == 13
    assert client.get("/monitoring/runs/").status_code == 200


def test_rule_pages_for_the_region_supervisor(client, monitoring_ready):
    client.force_login(monitoring_ready["region"])
    assert client.get("/monitoring/rules/").status_code == 200
    response = client.post("/monitoring/rules/new/", {
        "code": "heads_unemployed", "title": "户主失业", "category": "失业", "severity": "yellow", "subject": "person",
        "response_days": 10, "condition": '{"all": [{"flag": "is_head"}, {"left": {"indicator": "feed_count", '
        '"feed": "unemployment", "months": 6}, "op": ">=", "right": 1}]}', "basis": "国办发〔2023〕39号", "disposal": "",
    })  # fmt: skip
    assert response.status_code == 302
    bad = client.post(
        "/monitoring/rules/new/",
        {
            "code": "x",
            "title": "x",
            "category": "x",
            "severity": "red",
            "subject": "person",
            "response_days": 1,
            "condition": "{",
            "basis": "b",
        },
    )
    assert bad.status_code == 422
    assert "条件不是有效的 JSON" in bad.content.decode()
    client.force_login(monitoring_ready["county"])
    assert client.get("/monitoring/rules/new/").status_code == 403


def test_daily_command_runs_and_escalates(family, monitoring_ready, capsys):
    family()
    call_command("monitoring", "run")
    assert "监测运行 #" in capsys.readouterr().out
    assert MonitoringRun.objects.get().kind == "scheduled"
    assert Alert.objects.count() == 0
