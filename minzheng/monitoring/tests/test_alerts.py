"""Alerts: dedup across runs, routing by division, the transition table (every pair), the closed loop to
closure, referral feedback, proactive application, escalation, scoping, rules as data (preview, refusal)."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.applications.models import Application
from minzheng.common.errors import DomainError, NotFound
from minzheng.monitoring import rules, services
from minzheng.monitoring.models import Alert, AlertEvent, WarningRule
from minzheng.monitoring.rules import AlertStatus

pytestmark = pytest.mark.django_db

DISASTER = ["身份证号码", "受灾日期", "灾害类型", "损失金额", "灾情编号"]


@pytest.fixture
def victim(family, deliver, today):
    """A Xincheng household whose head is a disaster victim three days ago, and a Taibus one likewise."""
    xincheng, taibus = family(), family(division_code="152527201206")
    deliver("disaster_victim", DISASTER, [
        [xincheng.head.id_number, today - dt.timedelta(days=3), "雪灾", "", "D1"],
        [taibus.head.id_number, today - dt.timedelta(days=3), "雪灾", "", "D1"],
    ])  # fmt: skip
    return xincheng, taibus


def _alert(household) -> Alert:
    return Alert.objects.get(rule_code="disaster_victim", household=household)


def test_two_runs_raise_one_alert_and_a_closed_alert_lets_a_new_one_come(victim, monitoring_ready):
    users = monitoring_ready
    first = services.monitoring_run(actor=users["region"])
    second = services.monitoring_run(actor=users["region"])
    stat = second.rule_stats.get(rule__code="disaster_victim")
    assert (first.alerts_new, second.alerts_new, stat.hits, stat.alerts_duplicate) == (2, 0, 2, 2)
    assert Alert.objects.filter(rule_code="disaster_victim").count() == 2
    # when the Xincheng alert is worked to closure, the next run raises a new one (the data still says so)
    xincheng = _alert(victim[0])
    services.alert_verify(actor=users["caseworker"], alert_id=xincheng.pk, expected_status="pushed")
    services.alert_dismiss(actor=users["caseworker"], alert_id=xincheng.pk, expected_status="verifying",
                           reason="入户核实：已投亲靠友，无困难")  # fmt: skip
    services.alert_close(actor=users["caseworker"], alert_id=xincheng.pk, expected_status="dismissed")
    third = services.monitoring_run(actor=users["region"])
    assert third.rule_stats.get(rule__code="disaster_victim").alerts_new == 1


def test_alerts_are_routed_to_the_household_village_and_scoped(victim, monitoring_ready, client):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    xincheng, taibus = _alert(victim[0]), _alert(victim[1])
    assert (xincheng.division.code, taibus.division.code) == ("150102001001", "152527201206")
    assert xincheng.due_on > xincheng.raised_on
    # the Taibus county sees its own alert only; the Xincheng one is a 404
    client.force_login(users["taibus_county"])
    page = client.get("/monitoring/?status=open")
    assert page.status_code == 200
    assert f'data-alert-id="{taibus.pk}"'.encode() in page.content
    assert f'data-alert-id="{xincheng.pk}"'.encode() not in page.content
    assert client.get(f"/monitoring/alerts/{xincheng.pk}/").status_code == 404
    assert client.get(f"/api/v1/monitoring/alerts/{xincheng.pk}").status_code == 404
    with pytest.raises(NotFound):
        services.alert_verify(actor=users["taibus_county"], alert_id=xincheng.pk, expected_status="pushed")
    assert AlertEvent.objects.count() == 0


TABLE = {(t.source.value, t.code) for t in rules.ALERT_TRANSITIONS}
CODES = ("verify", "assist", "refer", "dismiss", "close")


@pytest.mark.parametrize("status", [s.value for s in AlertStatus])
@pytest.mark.parametrize("code", CODES)
def test_transition_table_allows_exactly_its_pairs(victim, monitoring_ready, status, code):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    Alert.objects.filter(pk=alert.pk).update(status=status)
    call = {
        "verify": lambda: services.alert_verify(actor=users["caseworker"], alert_id=alert.pk, expected_status=status),
        "assist": lambda: services.alert_assist(actor=users["caseworker"], alert_id=alert.pk, expected_status=status),
        "refer": lambda: services.alert_refer(actor=users["caseworker"], alert_id=alert.pk, expected_status=status,
                                              department="disaster", note="受灾人员救助"),
        "dismiss": lambda: services.alert_dismiss(actor=users["caseworker"], alert_id=alert.pk, expected_status=status,
                                                  reason="核实无困难"),
        "close": lambda: services.alert_close(actor=users["caseworker"], alert_id=alert.pk, expected_status=status,
                                              reason="已救助"),
    }[code]  # fmt: skip
    if (status, code) in TABLE:
        moved = call()
        target = next(t.target for t in rules.ALERT_TRANSITIONS if t.source == status and t.code == code)
        assert Alert.objects.get(pk=alert.pk).status == target.value
        assert moved is not None
    else:
        with pytest.raises(DomainError) as refused:
            call()
        assert refused.value.code == "alert_transition_refused"
        assert Alert.objects.get(pk=alert.pk).status == status
        assert AlertEvent.objects.count() == 0


def test_reason_is_required_to_dismiss_and_a_stale_status_is_refused(victim, monitoring_ready):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    services.alert_verify(actor=users["assistant"], alert_id=alert.pk, expected_status="pushed")
    with pytest.raises(DomainError) as missing:
        services.alert_dismiss(
            actor=users["caseworker"], alert_id=alert.pk, expected_status="verifying", reason=" "
        )
    assert (missing.value.field, missing.value.message) == ("reason", "“核实排除”须填写说明")
    with pytest.raises(DomainError) as stale:
        services.alert_verify(actor=users["caseworker"], alert_id=alert.pk, expected_status="pushed")
    assert stale.value.message == "预警状态已变为“核实中”，请刷新后再办理"
    assert Alert.objects.get(pk=alert.pk).status == "verifying"


def test_closed_loop_in_the_pages_refer_feedback_close(victim, monitoring_ready, client, today):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    client.force_login(users["caseworker"])
    url = f"/monitoring/alerts/{alert.pk}/"
    assert client.post(f"{url}act/verify/", {"expected_status": "pushed"}).status_code == 302
    refused = client.post(f"{url}act/close/", {"expected_status": "verifying", "reason": "x"})
    assert refused.status_code == 409
    assert "不能办理" in refused.content.decode()
    assert (
        client.post(
            f"{url}refer/",
            {"expected_status": "verifying", "department": "disaster", "note": "请应急部门落实受灾人员救助"},
        ).status_code
        == 302
    )
    # closing before the department's feedback is refused
    early = client.post(f"{url}act/close/", {"expected_status": "referred", "reason": "已转办"})
    assert early.status_code == 422
    assert "尚未反馈" in early.content.decode()
    referral = alert.referrals.get()
    assert (
        client.post(
            f"{url}feedback/",
            {"referral": referral.pk, "feedback": "已发放受灾救助 2000 元", "feedback_on": today.isoformat()},
        ).status_code
        == 302
    )
    assert (
        client.post(f"{url}act/close/", {"expected_status": "referred", "reason": "部门已救助"}).status_code
        == 302
    )
    alert.refresh_from_db()
    assert (alert.status, alert.reason, alert.closed_at is not None) == ("closed", "部门已救助", True)
    assert list(alert.events.values_list("code", flat=True)) == ["verify", "refer", "feedback", "close"]
    detail = client.get(url)
    assert "已发放受灾救助 2000 元" in detail.content.decode()


def test_a_proactive_application_is_opened_through_the_applications_app(victim, monitoring_ready, client):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    services.alert_verify(actor=users["caseworker"], alert_id=alert.pk, expected_status="pushed")
    client.force_login(users["caseworker"])
    response = client.post(
        f"/monitoring/alerts/{alert.pk}/application/",
        {"expected_status": "verifying", "workflow": "temporary_emergency"},
    )
    assert response.status_code == 302, response.content.decode()
    alert.refresh_from_db()
    application = Application.objects.get()
    assert (alert.status, alert.application_id) == ("assisting", application.pk)
    assert (application.channel, application.household_id) == ("proactive", victim[0].pk)
    assert application.source_note == f"预警 {alert.number}：受灾人员"


def test_review_is_scheduled_and_recorded(victim, monitoring_ready, today):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    review = services.alert_review_schedule(
        actor=users["caseworker"],
        alert_id=alert.pk,
        review_on=today + dt.timedelta(days=80),
        note="3个月内复核家庭状况",
    )
    assert review.household_id == victim[0].pk
    with pytest.raises(DomainError):
        services.alert_review_schedule(
            actor=users["caseworker"], alert_id=alert.pk, review_on=today - dt.timedelta(days=1), note="x"
        )
    assert alert.reviews.count() == 1


def test_overdue_alerts_escalate_to_the_county_once(victim, monitoring_ready, today):
    users = monitoring_ready
    services.monitoring_run(actor=users["region"])
    alert = _alert(victim[0])
    Alert.objects.filter(pk=alert.pk).update(due_on=today - dt.timedelta(days=1))
    assert services.alerts_escalate(today=today) == 1
    assert services.alerts_escalate(today=today) == 0
    alert.refresh_from_db()
    assert (alert.escalated_to, alert.escalated_at is not None) == ("150102000000", True)
    assert list(alert.events.values_list("code", flat=True)) == ["escalate"]
    assert _alert(victim[1]).escalated_at is None


def test_a_rule_is_edited_previewed_refused_when_too_broad_and_published(family, monitoring_ready, enrol):
    users = monitoring_ready
    households = [family() for _ in range(3)]
    enrol(households[0])
    data = services.RuleData(
        "all_heads", "全部户主", "测试", "yellow", "person", 5, {"flag": "is_head"}, "测试"
    )
    broad = services.rule_draft_save(actor=users["region"], data=data)
    with pytest.raises(DomainError) as unpreviewed:
        services.rule_publish(actor=users["region"], rule_id=broad.pk)
    assert unpreviewed.value.message == "发布前须先预览命中人数"
    broad = services.rule_preview(actor=users["region"], rule_id=broad.pk)
    assert (broad.preview_count, broad.preview_population) == (3, 3)
    with pytest.raises(DomainError) as refused:
        services.rule_publish(actor=users["region"], rule_id=broad.pk)
    assert "预览命中 3 / 3（100.00%），超过允许的最高比例 5.00%" in refused.value.message
    bad = services.RuleData(
        "bad",
        "坏规则",
        "测试",
        "red",
        "person",
        5,
        {"left": {"indicator": "nope"}, "op": "≈", "right": 1},
        "测试",
    )
    with pytest.raises(DomainError) as invalid:
        services.rule_draft_save(actor=users["region"], data=bad)
    assert invalid.value.message == ("条件无法编译：条件：比较符“≈”无效，可选：>、>=、<、<=、=、!=")
    with pytest.raises(DomainError):
        services.rule_draft_save(actor=users["county"], data=data)
    # a narrow rule passes: version 2 of a built-in retires version 1
    v1 = WarningRule.objects.get(code="deceased_still_paid", status="published")
    v2 = services.rule_draft_save(actor=users["region"], data=services.rule_data_from(v1))
    services.rule_preview(actor=users["region"], rule_id=v2.pk)
    services.rule_publish(actor=users["region"], rule_id=v2.pk)
    assert list(
        WarningRule.objects.filter(code="deceased_still_paid")
        .order_by("version")
        .values_list("status", flat=True)
    ) == ["retired", "published"]
