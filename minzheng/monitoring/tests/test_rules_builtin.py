"""Each built-in warning rule fires on a crafted household and does not fire just below its threshold
(thresholds: the built-in parameters, ``builtin_parameters.json`` and the policy store's 低保 standard)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.monitoring import services
from minzheng.monitoring.models import Alert, MonitoringRun
from minzheng.policy.selectors import parameter_value

pytestmark = pytest.mark.django_db

MEDICAL = ["身份证号码", "结算日期", "个人自付金额", "费用类别", "结算单号"]
STUDENT = ["身份证号码", "学年开始日期", "学校", "是否享受教育资助", "学费住宿费"]
DISABILITY = ["身份证号码", "发证日期", "残疾等级", "残疾人证号"]
DEATH = ["身份证号码", "死亡日期"]


def _run(users) -> MonitoringRun:
    run = services.monitoring_run(actor=users["region"])
    assert run.status == "succeeded", run.message
    assert not run.rule_stats.exclude(error="").exists(), list(run.rule_stats.values_list("error", flat=True))
    return run


def _flagged(code: str) -> set[str]:
    return set(Alert.objects.filter(rule_code=code).values_list("subject_key", flat=True))


def _days_ago(today: dt.date, days: int) -> dt.date:
    return today - dt.timedelta(days=days)


def test_medical_out_of_pocket_above_the_amount_threshold(family, deliver, today, monitoring_ready):
    # given two households with a large income (the share arm stays silent): 20,000.01 and exactly 20,000.00
    above, at = family("100000"), family("100000")
    day = _days_ago(today, 30)
    deliver("medical_expense", MEDICAL, [
        [above.head.id_number, day, "15000.00", "医疗", "S1"], [above.head.id_number, day, "5000.01", "康复", "S2"],
        [at.head.id_number, day, "20000.00", "医疗", "S3"],
    ])  # fmt: skip
    # when
    _run(monitoring_ready)
    # then
    assert _flagged("medical_out_of_pocket") == {f"h:{above.pk}"}
    alert = Alert.objects.get(rule_code="medical_out_of_pocket")
    assert alert.evidence["医疗费用个人自付金额（近12个月）"] == "20000.01"
    assert alert.evidence["参数 monitoring.medical_out_of_pocket_annual"] == "20000"
    assert (alert.division_id, alert.severity, alert.rule_version, alert.status) == (
        above.hukou_division_id,
        "orange",
        1,
        "pushed",
    )


def test_medical_out_of_pocket_above_half_the_household_income(family, deliver, today, monitoring_ready):
    # 12,000 a year = 1,000.00 a month: half is 6,000.00
    above, at = family("12000"), family("12000")
    day = _days_ago(today, 200)
    deliver("medical_expense", MEDICAL, [
        [above.head.id_number, day, "6000.01", "医疗", "S1"], [at.head.id_number, day, "6000.00", "医疗", "S2"],
        [at.head.id_number, _days_ago(today, 400), "9000.00", "医疗", "S3"],  # outside the 12 months
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("medical_out_of_pocket") == {f"h:{above.pk}"}


def test_rigid_expense_above_70_percent_of_income_all_items(family, deliver, today, monitoring_ready):
    # 70 % of 12,000.00 = 8,400.00
    above, at = family("12000"), family("12000")
    day = _days_ago(today, 10)
    deliver("medical_expense", MEDICAL, [
        [above.head.id_number, day, "4000.00", "康复", "S1"], [at.head.id_number, day, "4000.00", "康复", "S2"],
    ])  # fmt: skip
    deliver("student", STUDENT, [
        [above.head.id_number, day, "一中", "是", "4400.01"], [at.head.id_number, day, "一中", "是", "4400.00"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("rigid_expense_share") == {f"h:{above.pk}"}
    assert _flagged("student_without_aid") == set()


def test_rigid_expense_above_60_percent_medical_and_accident(family, deliver, today, monitoring_ready):
    # 60 % of 24,000.00 = 14,400.00
    above, at = family("24000"), family("24000")
    day = _days_ago(today, 10)
    deliver("medical_expense", MEDICAL, [
        [above.head.id_number, day, "7200.01", "意外伤害", "S1"], [above.head.id_number, day, "7200.00", "医疗", "S2"],
        [at.head.id_number, day, "7200.00", "意外伤害", "S3"], [at.head.id_number, day, "7200.00", "医疗", "S4"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("rigid_expense_share") == {f"h:{above.pk}"}


def test_new_severe_disability_within_three_months(family, deliver, today, monitoring_ready):
    grade_two, grade_three, old = family(), family(), family()
    deliver("disability_certificate", DISABILITY, [
        [grade_two.head.id_number, _days_ago(today, 10), "二级", "C1"],
        [grade_three.head.id_number, _days_ago(today, 10), "三级", "C2"],
        [old.head.id_number, _days_ago(today, 120), "一级", "C3"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("severe_disability_new") == {f"p:{grade_two.head_id}"}


def test_member_death_in_the_low_income_population(family, deliver, enrol, today, monitoring_ready):
    recipient, other = family(), family()
    enrol(recipient)
    deliver(
        "death",
        DEATH,
        [[recipient.head.id_number, _days_ago(today, 5)], [other.head.id_number, _days_ago(today, 5)]],
    )
    _run(monitoring_ready)
    assert _flagged("member_death") == {f"p:{recipient.head_id}"}
    assert Alert.objects.get(rule_code="member_death").severity == "yellow"


def test_main_earner_registered_unemployed(family, deliver, today, monitoring_ready):
    head_case, member_case = family(), family(members=1)
    member = member_case.persons.exclude(pk=member_case.head_id).get()
    deliver("unemployment", ["身份证号码", "失业登记日期", "登记编号"], [
        [head_case.head.id_number, _days_ago(today, 3), "U1"], [member.id_number, _days_ago(today, 3), "U2"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("main_earner_unemployed") == {f"p:{head_case.head_id}"}


def test_disaster_victim_within_a_month(family, deliver, today, monitoring_ready):
    recent, earlier = family(), family()
    deliver("disaster_victim", ["身份证号码", "受灾日期", "灾害类型", "损失金额", "灾情编号"], [
        [recent.head.id_number, _days_ago(today, 3), "雪灾", "8000", "D1"],
        [earlier.head.id_number, _days_ago(today, 40), "雪灾", "8000", "D0"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("disaster_victim") == {f"p:{recent.head_id}"}
    assert Alert.objects.get(rule_code="disaster_victim").severity == "red"


def test_student_from_a_poor_family_without_education_aid(family, deliver, today, monitoring_ready):
    without, with_aid = family(), family()
    deliver("student", STUDENT, [
        [without.head.id_number, _days_ago(today, 60), "二中", "否", ""],
        [with_aid.head.id_number, _days_ago(today, 60), "二中", "是", ""],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("student_without_aid") == {f"p:{without.head_id}"}


def test_deceased_recipient_still_paid(family, deliver, enrol, today, monitoring_ready):
    paid, ended = family(), family()
    enrol(paid)
    enrol(ended, status="ended")
    deliver(
        "death",
        DEATH,
        [[paid.head.id_number, _days_ago(today, 200)], [ended.head.id_number, _days_ago(today, 200)]],
    )
    _run(monitoring_ready)
    assert _flagged("deceased_still_paid") == {f"p:{paid.head_id}"}


def test_recipient_vehicle_property_and_business_beyond_limits(
    family, deliver, enrol, today, monitoring_ready
):
    # given recipients: one car (limit 0), two homes (limit 1) vs one, an active business vs a cancelled one
    car, two_homes, one_home, business, cancelled, not_recipient = (family() for _ in range(6))
    for household in (car, two_homes, one_home, business, cancelled):
        enrol(household)
    day = _days_ago(today, 900)
    deliver(
        "vehicle",
        ["身份证号码", "登记日期", "号牌号码"],
        [[car.head.id_number, day, "蒙A12345"], [not_recipient.head.id_number, day, "蒙A54321"]],
    )
    deliver("real_estate", ["身份证号码", "登记日期", "不动产权证号"], [
        [two_homes.head.id_number, day, "R1"], [two_homes.head.id_number, day, "R2"], [one_home.head.id_number, day, "R3"],
    ])  # fmt: skip
    deliver("business_registration", ["身份证号码", "成立日期", "统一社会信用代码", "登记状态"], [
        [business.head.id_number, day, "91150102MA0N000001", "存续"],
        [cancelled.head.id_number, day, "91150102MA0N000002", "注销"],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("recipient_vehicle") == {f"h:{car.pk}"}
    assert _flagged("recipient_property") == {f"h:{two_homes.pk}"}
    assert _flagged("recipient_business") == {f"h:{business.pk}"}


def test_income_jump_above_the_standard(family, deliver, enrol, today, monitoring_ready):
    standard = Decimal(parameter_value("dibao.standard_monthly", "150102001001", today, "urban").value)
    yearly = standard * 12
    above, at = family("6000"), family("6000")
    enrol(above)
    enrol(at)
    deliver("pension", ["身份证号码", "发放月份", "发放金额"], [
        [above.head.id_number, _days_ago(today, 20), yearly - 6000 + Decimal("0.01")],
        [at.head.id_number, _days_ago(today, 20), yearly - 6000],
    ])  # fmt: skip
    _run(monitoring_ready)
    assert _flagged("income_jump") == {f"h:{above.pk}"}


def test_margin_household_income_fell_below_the_standard(family, enrol, today, monitoring_ready):
    standard = Decimal(parameter_value("dibao.standard_monthly", "150102001001", today, "urban").value)
    below, at, on_dibao = family(str(standard * 12 - 12)), family(str(standard * 12)), family("1200")
    for household in (below, at, on_dibao):
        enrol(household, "margin_household")
    enrol(on_dibao, "dibao")
    _run(monitoring_ready)
    assert _flagged("margin_income_fell") == {f"h:{below.pk}"}
