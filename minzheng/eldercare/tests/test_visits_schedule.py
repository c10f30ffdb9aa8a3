"""Visits: the set-based schedule (next due = last visit + the shortest interval of the person's categories;
a missing interval is 需人工核定), the daily overdue scan into monitoring (one run, idempotent: one open alert
per person and kind), the risk alert of a visit, and who may record."""
# ruff: noqa: F811, PT018 - fixtures are imported from fixtures_care; paired facts are asserted together

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.eldercare.models import VisitSchedule
from minzheng.eldercare.services.visits import (
    VisitData,
    visit_record,
    visit_schedule_refresh,
    visits_overdue_scan,
)
from minzheng.monitoring.models import Alert, MonitoringRun, WarningRule

from .fixtures_care import PNG, TODAY, make_older, set_param  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
ALONE = "eldercare.visit.interval_days.lives_alone"
OLD = "eldercare.visit.interval_days.advanced_age"


@pytest.fixture
def intervals(set_param):
    for category, days in {
        "lives_alone": 7,
        "empty_nest": 30,
        "left_behind": 14,
        "bereaved_parent": 14,
    }.items():
        set_param(f"eldercare.visit.interval_days.{category}", days)
    set_param(OLD, 30)


def _schedule(older):
    return VisitSchedule.objects.get(older_person=older)


def test_schedule_is_computed_set_based_from_last_visit_and_shortest_interval(users, make_older, intervals):
    # given: one lives alone and is of advanced age (7 and 30 days), one empty-nest, one in no category
    alone = make_older(name="独居甲", lives_alone=True, advanced_age=True)
    nest = make_older(name="空巢乙", empty_nest=True)
    make_older(name="普通丙")
    visit_record(
        actor=users["assistant"],
        older_person_id=alone.pk,
        data=VisitData(TODAY - dt.timedelta(days=10), "一切正常"),
        today=TODAY,
    )
    # when: the refresh is a fixed number of statements, whatever the number of people
    with CaptureQueriesContext(connection) as queries:
        counts = visit_schedule_refresh(today=TODAY)
    # then
    assert len(queries) < 25
    assert (counts.people, counts.added, counts.manual) == (2, 2, 0)
    a, b = _schedule(alone), _schedule(nest)
    assert (a.interval_days, a.last_visited_on, a.next_due_on) == (
        7,
        TODAY - dt.timedelta(days=10),
        TODAY - dt.timedelta(days=3),
    )
    assert set(a.categories.split("、")) == {"独居", "高龄"}
    assert (b.interval_days, b.last_visited_on, b.since, b.next_due_on) == (
        30,
        None,
        TODAY,
        TODAY + dt.timedelta(days=30),
    )
    # and: someone leaving every category leaves the schedule
    nest.empty_nest = False
    nest.save()
    assert visit_schedule_refresh(today=TODAY).removed == 1


def test_missing_interval_is_manual_never_a_guessed_date(users, make_older, set_param):
    set_param(ALONE, 7)  # advanced age has no interval in force
    older = make_older(lives_alone=True, advanced_age=True)
    counts = visit_schedule_refresh(today=TODAY)
    row = _schedule(older)
    assert counts.manual == 1
    assert (row.interval_days, row.next_due_on) == (None, None)
    assert row.manual_reason == (
        "需人工核定：2026-06-15 没有适用于新城区（150102000000）的政策参数“探访关爱间隔天数（高龄）”"
    )


def test_overdue_scan_raises_one_alert_per_person_and_is_idempotent(users, make_older, intervals):
    late = make_older(name="逾期甲", lives_alone=True)
    fine = make_older(name="按时乙", lives_alone=True)
    visit_record(
        actor=users["assistant"],
        older_person_id=late.pk,
        data=VisitData(TODAY - dt.timedelta(days=20), "正常"),
        today=TODAY,
    )
    visit_record(
        actor=users["assistant"],
        older_person_id=fine.pk,
        data=VisitData(TODAY - dt.timedelta(days=2), "正常"),
        today=TODAY,
    )
    # when: the daily scan runs twice
    first = visits_overdue_scan(today=TODAY)
    second = visits_overdue_scan(today=TODAY + dt.timedelta(days=1))
    # then
    assert (first.kind, first.hits, first.alerts_new) == ("external", 1, 1)
    assert (second.hits, second.alerts_new, second.alerts_duplicate) == (1, 0, 1)
    alert = Alert.objects.get(rule_code="eldercare_visit_overdue")
    assert (alert.person_id, alert.household_id, alert.division_id) == (
        late.person_id,
        late.household_id,
        late.division_id,
    )
    assert alert.evidence["最近探访"] == "2026-05-26" and alert.evidence["应探访日期"] == "2026-06-02"
    assert alert.due_on == dt.date(2026, 6, 23)  # 5 working days, 端午 on 19 June
    assert MonitoringRun.objects.filter(kind="external").count() == 2
    rule = WarningRule.objects.get(code="eldercare_visit_overdue")
    assert (rule.status, rule.condition) == ("published", {"external": "eldercare_visit_overdue"})
    assert Alert.objects.visible_to(users["assistant"]).count() == 1
    assert Alert.objects.visible_to(users["taibus_county"]).count() == 0


def test_a_visit_finding_a_risk_raises_an_alert_and_moves_the_schedule(users, make_older, intervals):
    older = make_older(lives_alone=True)
    visit_schedule_refresh(today=TODAY)
    data = VisitData(
        TODAY, "燃气灶老化", risk_found=True, safety_risks="燃气软管破损，有泄漏风险", health="高血压"
    )
    record = visit_record(actor=users["assistant"], older_person_id=older.pk, data=data, today=TODAY)
    assert record.visitor_kind == "village_assistant"
    alert = Alert.objects.get(rule_code="eldercare_visit_risk")
    assert (alert.person_id, alert.severity, alert.evidence["安全风险"]) == (
        older.person_id,
        "orange",
        "燃气软管破损，有泄漏风险",
    )
    assert _schedule(older).next_due_on == TODAY + dt.timedelta(days=7)
    # a second risk visit while the first alert is open raises no second alert
    visit_record(actor=users["caseworker"], older_person_id=older.pk, data=data, today=TODAY)
    assert Alert.objects.filter(rule_code="eldercare_visit_risk").count() == 1


def test_visit_input_and_permissions(users, make_older, intervals, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    older = make_older(lives_alone=True)
    with pytest.raises(ValidationFailed, match="发现安全风险时请写明风险情况"):
        visit_record(
            actor=users["assistant"],
            older_person_id=older.pk,
            data=VisitData(TODAY, "看过", risk_found=True),
            today=TODAY,
        )
    with pytest.raises(ValidationFailed, match="探访日期不能晚于今天"):
        visit_record(
            actor=users["assistant"],
            older_person_id=older.pk,
            data=VisitData(TODAY + dt.timedelta(days=1), "看过"),
            today=TODAY,
        )
    with pytest.raises(PermissionDenied):
        visit_record(
            actor=users["prefecture"], older_person_id=older.pk, data=VisitData(TODAY, "看过"), today=TODAY
        )
    with pytest.raises(ValidationFailed):  # a PDF is no photo
        visit_record(
            actor=users["assistant"],
            older_person_id=older.pk,
            data=VisitData(TODAY, "看过"),
            today=TODAY,
            photos=[SimpleUploadedFile("a.pdf", b"%PDF-1.4 test", content_type="application/pdf")],
        )
    record = visit_record(
        actor=users["assistant"],
        older_person_id=older.pk,
        data=VisitData(TODAY, "看过"),
        today=TODAY,
        photos=[SimpleUploadedFile("门口.png", PNG, content_type="image/png")],
    )
    assert [p.content_type for p in record.photos.all()] == ["image/png"]


def test_the_daily_command_and_the_engine_skips_outside_rules(users, make_older, intervals):
    from io import StringIO

    from django.core.management import call_command

    from minzheng.monitoring.models import RunRuleStat
    from minzheng.monitoring.services import monitoring_run
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()  # the engine's own rules need the region's standards
    make_older(lives_alone=True)
    visit_schedule_refresh(today=TODAY)  # listed on 15 June, never visited: due 22 June
    out = StringIO()
    call_command("eldercare_visits_scan", "--as-of", "2026-07-01", stdout=out)
    assert out.getvalue().strip() == "探访关爱检查：逾期 1 人，新增预警 1 条，已有未办结预警 0 条"
    run = monitoring_run(actor=None, as_of=dt.date(2026, 7, 1))
    assert run.status == "succeeded"
    assert not RunRuleStat.objects.filter(run=run, rule__code__startswith="eldercare_").exists()
