"""The monitoring pages: list filters and export, dashboard with its Excel, feed upload with the error
report, manual run with its job, rule pages, the daily command."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import load_workbook

from conftest import id_number
from minzheng.common.models import Job
from minzheng.demo.monitoring import demo_monitoring_ensure
from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, FeedBatch, MonitoringRun, WarningRule
from minzheng.monitoring.tests.conftest import csv_text
from minzheng.policy.models import Parameter

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
    assert response.url == f"/monitoring/runs/progress/{job.pk}/"
    assert (job.kind, job.status, job.progress_done, job.progress_total) == (
        "monitoring_run",
        "succeeded",
        15,
        15,
    )
    run = MonitoringRun.objects.get()
    assert (run.kind, run.division_code, run.status, run.population, run.job_id) == (
        "manual", "150102", "succeeded", 1, job.pk,
    )  # fmt: skip
    assert run.rule_stats.count() == 13
    page = client.get(response.url).content.decode()
    assert 'id="run-progress" data-status="succeeded"' in page
    assert "hx-trigger" not in page  # finished: the bar stops polling
    assert '<dd class="col-7" data-count="alerts_new">0</dd>' in page
    # the same jurisdiction cannot start a second run while one is going on
    MonitoringRun.objects.filter(pk=run.pk).update(status="running")
    refused = client.post("/monitoring/runs/start/", follow=True)
    assert "已有监测运行正在进行（覆盖您的辖区），请等它完成后再运行" in refused.content.decode()
    assert Job.objects.count() == 1
    # another user cannot watch this user's job
    client.force_login(monitoring_ready["region"])
    assert client.get(response.url).status_code == 404


def test_a_running_job_shows_a_polling_progress_bar(client, monitoring_ready):
    county = monitoring_ready["county"]
    job = Job.objects.create(kind="monitoring_run", title="动态监测预警运行", status="running", created_by=county,
                             progress_done=3, progress_total=15, message="规则“受灾人员”：命中 0，新增预警 0")  # fmt: skip
    client.force_login(county)
    partial = client.get(f"/monitoring/runs/progress/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert partial.startswith('\n<div class="card-body" id="run-progress" data-status="running" hx-get=')
    assert 'hx-trigger="every 1s"' in partial
    assert 'data-progress="3/15"' in partial
    assert "规则“受灾人员”：命中 0，新增预警 0" in partial


def _run(kind: str, code: str, **counts) -> MonitoringRun:
    return MonitoringRun.objects.create(kind=kind, as_of=dt.date(2026, 3, 2), division_code=code,
                                        status="succeeded", **counts)  # fmt: skip


def test_run_history_is_scoped_and_shows_counts_only(alerts, client, monitoring_ready):
    # given the run of the fixture (region, manual), a scheduled run of everything, Xincheng's and Taibus's
    region_run = MonitoringRun.objects.get()
    everything = _run("scheduled", "", population=900, hits=40, alerts_new=30)
    xincheng = _run("manual", "150102", population=300)
    taibus = _run("manual", "152527", population=200)

    def listed(username: str) -> list[int]:
        client.force_login(monitoring_ready[username])
        page = client.get("/monitoring/runs/")
        assert page.status_code == 200
        return [int(n) for n in re.findall(r'<tr data-run="(\d+)">', page.content.decode())]

    # then the region sees every run; a county its own, and the wider runs that covered it; so does the
    # village assistant (runs over its village or wider)
    assert listed("region") == [taibus.pk, xincheng.pk, everything.pk, region_run.pk]
    assert listed("county") == [xincheng.pk, everything.pk, region_run.pk]
    assert listed("taibus_county") == [taibus.pk, everything.pk, region_run.pk]
    assert listed("assistant") == [xincheng.pk, everything.pk, region_run.pk]
    # the region's run raised 2 alerts, both in Xincheng: none of them in Taibus
    client.force_login(monitoring_ready["taibus_county"])
    page = client.get("/monitoring/runs/").content.decode()
    row = page[page.index(f'<tr data-run="{region_run.pk}">') :]
    assert (
        '<td class="text-end" data-count="alerts_new">2</td><td class="text-end" data-count="alerts_here">0</td>'
        in row
    )
    assert "太仆寺旗" in page
    assert "全部辖区" in page
    assert "身份证" not in page
    assert alerts.head.name not in page
    client.force_login(monitoring_ready["county"])
    page = client.get("/monitoring/runs/").content.decode()
    row = page[page.index(f'<tr data-run="{region_run.pk}">') :]
    assert '<td class="text-end" data-count="alerts_here">2</td>' in row
    # a role without MONITOR sees nothing
    client.force_login(monitoring_ready["auditor"])
    assert client.get("/monitoring/runs/").status_code == 403


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


BROAD = {
    "code": "all_heads", "title": "全部户主", "category": "测试", "severity": "yellow", "subject": "person",
    "response_days": 5, "condition": '{"flag": "is_head"}', "basis": "测试", "disposal": "",
}  # fmt: skip


def test_rule_preview_runs_as_a_job_and_a_too_broad_rule_is_not_published(family, client, monitoring_ready):
    # given three households and a draft that flags every head
    for _ in range(3):
        family()
    client.force_login(monitoring_ready["region"])
    draft = client.post("/monitoring/rules/new/", BROAD)
    rule = WarningRule.objects.get(code="all_heads")
    detail = client.get(draft.url).content.decode()
    assert '<p class="text-secondary mb-2" id="preview-count">尚未预览</p>' in detail
    assert 'id="rule-publish" disabled' in detail
    # when the preview is started, it runs as a background job and the page shows the count
    started = client.post(f"/monitoring/rules/{rule.pk}/preview/")
    assert started.url == f"/monitoring/rules/{rule.pk}/"
    job = Job.objects.get(kind="monitoring_rule_preview")
    assert (job.status, job.progress_done, job.progress_total, job.parameters) == (
        "succeeded",
        2,
        2,
        {"rule_id": rule.pk},
    )
    assert job.message == "预览完成：命中 3 / 3"
    rule.refresh_from_db()
    assert (rule.preview_count, rule.preview_population) == (3, 3)
    detail = client.get(started.url).content.decode()
    assert 'data-count="3" data-population="3"' in detail
    assert "超过允许的最高比例 5.00%（参数 monitoring.max_flag_share），不能发布" in detail
    assert 'id="rule-publish" disabled' in detail
    # and publishing anyway is refused with the explanation
    refused = client.post(f"/monitoring/rules/{rule.pk}/publish/", follow=True).content.decode()
    assert "预览命中 3 / 3（100.00%），超过允许的最高比例 5.00%" in refused
    rule.refresh_from_db()
    assert rule.status == "draft"


def test_a_running_preview_polls_and_a_second_one_is_refused(client, monitoring_ready):
    region = monitoring_ready["region"]
    rule = services.rule_draft_save(actor=region, data=services.RuleData(
        "heads", "户主", "测试", "yellow", "person", 5, {"flag": "is_head"}, "测试"))  # fmt: skip
    Job.objects.create(kind="monitoring_rule_preview", title="预览", status="running", created_by=region,
                       progress_done=1, progress_total=2, parameters={"rule_id": rule.pk})  # fmt: skip
    client.force_login(monitoring_ready["county"])  # MONITOR: sees the progress, may not start one
    partial = client.get(f"/monitoring/rules/{rule.pk}/preview/status/").content.decode()
    assert 'data-running="1" hx-get="/monitoring/rules/' in partial
    assert 'data-progress="1/2"' in partial
    assert "preview-start" not in partial
    assert client.post(f"/monitoring/rules/{rule.pk}/preview/").status_code == 403
    client.force_login(region)
    again = client.post(f"/monitoring/rules/{rule.pk}/preview/", follow=True).content.decode()
    assert "该规则的预览正在进行，请稍候" in again
    assert Job.objects.count() == 1


def test_a_rule_that_cannot_run_fails_its_preview_job_with_the_reason(client, monitoring_ready, family):
    family()
    region = monitoring_ready["region"]
    rule = services.rule_draft_save(actor=region, data=services.RuleData(
        "big_pension", "养老金", "测试", "yellow", "person", 5,
        {"left": {"indicator": "feed_amount", "feed": "pension", "months": 12}, "op": ">",
         "right": {"param": "dibao.standard_monthly"}}, "测试"))  # fmt: skip
    Parameter.objects.filter(key="dibao.standard_monthly").delete()
    client.force_login(region)
    client.post(f"/monitoring/rules/{rule.pk}/preview/")
    job = Job.objects.get(kind="monitoring_rule_preview")
    assert job.status == "failed"
    assert "最低生活保障标准" in job.message
    detail = client.get(f"/monitoring/rules/{rule.pk}/").content.decode()
    assert 'id="preview-error">' in detail
    rule.refresh_from_db()
    assert rule.preview_count is None


def test_dashboard_by_rule_counts_open_alerts_and_works_for_a_village(alerts, client, monitoring_ready):
    alert = Alert.objects.get(rule_code="member_death")
    services.alert_verify(actor=monitoring_ready["county"], alert_id=alert.pk, expected_status="pushed")
    services.alert_dismiss(actor=monitoring_ready["county"], alert_id=alert.pk, expected_status="verifying",
                           reason="核实：数据有误")  # fmt: skip
    client.force_login(monitoring_ready["assistant"])  # a village: no divisions below it
    page = client.get("/monitoring/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    assert (
        '<tr data-rule="member_death"><td><a href="/monitoring/?rule=member_death">家庭成员死亡</a></td><td class="text-end">1</td><td class="text-end">0</td>'
        in text
    )
    assert (
        '<tr data-rule="deceased_still_paid"><td><a href="/monitoring/?rule=deceased_still_paid">死亡人员仍在享受救助</a></td><td class="text-end">1</td><td class="text-end">1</td>'
        in text
    )


def test_demo_feeds_are_imported_and_run_once(family, monitoring_ready):
    # given the demo township (the fixture's 海拉尔东路街道) with ten households of three: two old heads,
    # three young ones
    for n in range(10):
        birth = dt.date(1950 if n < 2 else 2005 if n < 5 else 1975, 1, 1 + n)
        family(members=2, id_number=id_number("150102", birth, 700 + n))
    # when the demo is set up twice
    first = demo_monitoring_ensure()
    second = demo_monitoring_ensure()
    # then ten feeds of eight departments were imported once, as the county user, and one run raised alerts
    batches = FeedBatch.objects.filter(channel="demo")
    assert batches.count() == 10
    assert set(batches.values_list("status", flat=True)) == {"loaded"}
    assert set(batches.values_list("imported_by__username", flat=True)) == {"county"}
    assert batches.get(feed="medical_expense").rows_unmatched == 5
    run = MonitoringRun.objects.get()
    rows = sum(batches.values_list("rows_total", flat=True))
    assert run.alerts_new == Alert.objects.count() > 0
    assert Alert.objects.filter(rule_code="disaster_victim").count() == 10
    assert first == [
        f"演示监测：导入 8 个部门 10 类部门数据 {rows} 条，监测 30 人，预警 {run.alerts_new} 条（{run.seconds} 秒）"
    ]
    assert second == [f"演示监测：已运行过监测，未办结预警 {run.alerts_new} 条"]


def test_a_due_date_in_a_year_without_a_holiday_schedule_is_marked_provisional(
    alerts, client, monitoring_ready
):
    # given an alert whose response limit ran into 2027, a year chinese-calendar does not know (issue 15 §5)
    alert = Alert.objects.order_by("id").first()
    Alert.objects.filter(pk=alert.pk).update(due_on=dt.date(2027, 2, 9), due_provisional=True)
    client.force_login(monitoring_ready["county"])
    # then the list, the detail page, the Excel file and the API all say 暂定 beside the date
    listed = client.get("/monitoring/?status=open").content.decode()
    assert re.search(r"2027-02-09<span class=\"provisional[^>]*>（暂定）</span>", listed)
    detail = client.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert '2027-02-09<span class="provisional' in detail
    sheet = load_workbook(io.BytesIO(client.get("/monitoring/export.xlsx?status=open").content)).active
    column = [cell.value for cell in sheet[1]].index("响应时限")
    assert "2027-02-09（暂定）" in [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    body = client.get(f"/api/v1/monitoring/alerts/{alert.pk}").json()
    assert (body["due_on"], body["due_provisional"]) == ("2027-02-09", True)
    # and an alert due inside a known year is not marked
    other = Alert.objects.exclude(pk=alert.pk).order_by("id").first()
    Alert.objects.filter(pk=other.pk).update(due_on=dt.date(2026, 12, 10), due_provisional=False)
    assert client.get(f"/api/v1/monitoring/alerts/{other.pk}").json()["due_provisional"] is False
    assert "2026-12-10<span" not in client.get(f"/monitoring/alerts/{other.pk}/").content.decode()
