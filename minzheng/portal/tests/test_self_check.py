"""Self-check (自助测算): the questionnaire runs the benefit engine; nothing typed is stored."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps

from minzheng.portal import rules, selectors

pytestmark = pytest.mark.django_db

NOTICE = "估算结果，仅供参考，以审核确认为准"


def form(**fields) -> dict:
    data = {
        "division": "150102000000", "urban_rural": "rural", "household_size": "2", "age_1": "82",
        "disability_category_1": "", "disability_grade_1": "", "age_2": "50", "disability_category_2": "physical",
        "disability_grade_2": "2", "monthly_income": "300", "savings": "", "vehicles": "0", "other_houses": "0",
        "large_expenses": "", "has_able_supporter": "yes", "child_status": "",
    }  # fmt: skip
    data.update(fields)
    return data


def row_counts() -> dict[str, int]:
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label != "sessions"}


def test_a_poor_household_may_try_dibao_and_the_allowances(client, configured):
    before = row_counts()

    response = client.post("/portal/self-check/", form())

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count(NOTICE) == 2  # at the top of the page and below the result
    assert "您填写的内容只用于本次测算，不会保存" in html
    rows = {r.programme: r for r in response.context["rows"]}
    assert (rows["dibao"].outcome, rows["dibao"].monthly_amount) == ("try", Decimal("1040.00"))
    assert (rows["senior_allowance"].outcome, rows["senior_allowance"].monthly_amount) == (
        "try",
        Decimal("100.00"),
    )
    assert rows["disability_living_subsidy"].outcome == "try"
    assert rows["disability_living_subsidy"].reasons == (
        "第 2 位成员：低保家庭残疾人（肢体残疾 2 级），生活补贴 125.00 元/月",
    )
    assert rows["extreme_poverty_support"].outcome == "unlikely"
    assert rows["margin_household"].outcome == "unlikely"
    assert "temporary_assistance" not in rows  # no large expenses given
    assert '<div class="card" data-programme="dibao" data-outcome="try">' in html
    # nothing was written anywhere
    assert row_counts() == before


def test_a_household_with_income_above_the_standard_is_unlikely_for_dibao(client, params):
    response = client.post("/portal/self-check/", form(monthly_income="5000", household_size="1", age_1="45"))

    rows = {r.programme: r for r in response.context["rows"]}
    assert rows["dibao"].outcome == "unlikely"
    assert rows["dibao"].monthly_amount is None
    assert any("人均月收入 5000.00 元" in reason for reason in rows["dibao"].reasons)


def test_engine_gaps_are_shown_as_cannot_estimate(client, params):
    response = client.post("/portal/self-check/", form(large_expenses="20000"))

    rows = {r.programme: r for r in response.context["rows"]}
    assert rows["rigid_expense_household"].outcome == "unknown"
    assert "上年度居民人均可支配收入" in rows["rigid_expense_household"].reasons[0]
    assert rows["temporary_assistance"].outcome == "unknown"
    assert "无法估算" in response.content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"age_2": ""}, "请填写第 2 位家庭成员的年龄"),
        ({"disability_grade_2": ""}, "残疾类别和残疾等级须同时填写"),
        ({"monthly_income": "-5"}, "确保该值大于或等于0"),
        ({"monthly_income": "abc"}, "输入一个数字"),
        ({"age_1": "130"}, "确保该值小于或等于120"),
    ],
)
def test_bad_answers_are_explained(client, params, fields, message):
    response = client.post("/portal/self-check/", form(**fields))

    assert response.status_code == 422
    assert message in response.content.decode()
    assert response.context["rows"] is None


def test_the_form_starts_with_the_bound_household_place(bound_client, params):
    response = bound_client.get("/portal/self-check/")

    assert response.context["form"].initial["division"] == "150102000000"
    assert response.context["form"].initial["urban_rural"] == "urban"
    html = response.content.decode()
    assert '<label for="id_age_1">第 1 人年龄</label>' in html
    assert 'inputmode="decimal"' in html


def test_self_check_facts_spread_income_over_the_reference_period():
    answers = rules.SelfCheckAnswers(
        division_code="150102000000", urban_rural="urban",
        members=(rules.MemberAnswer(40), rules.MemberAnswer(10), rules.MemberAnswer(35, "mental", 3)),
        monthly_income=Decimal("1200"), savings=Decimal("5000"), vehicles=1, other_houses=2,
        large_expenses=Decimal("8000"), has_able_supporter=False, child_status="de_facto_orphan",
    )  # fmt: skip

    facts = rules.self_check_facts(answers, today=dt.date(2026, 11, 20), reference_months=12)

    assert [(m.key, m.relation_to_head, m.orphan_status, m.supporter_status) for m in facts.members] == [
        ("1", "head", "", "none"), ("2", "son", "de_facto_orphan", "none"), ("3", "other_relative", "", "none"),
    ]  # fmt: skip
    assert [(m.birth_date, m.disability_category, m.disability_grade) for m in facts.members] == [
        (dt.date(1985, 11, 21), "", None), (dt.date(2015, 11, 21), "", None), (dt.date(1990, 11, 21), "mental", 3),
    ]  # fmt: skip
    (income,) = facts.incomes
    assert (income.amount, income.period_start, income.period_end) == (
        Decimal("14400"),
        dt.date(2025, 11, 20),
        dt.date(2026, 11, 19),
    )
    assert [(a.category, a.value) for a in facts.assets] == [
        ("deposit", Decimal("5000")), ("vehicle", Decimal(0)), ("housing", Decimal(0)), ("housing", Decimal(0)),
    ]  # fmt: skip
    assert [(e.kind, e.amount, e.incurred_on) for e in facts.rigid_expenses] == [
        ("medical", Decimal("8000"), dt.date(2026, 10, 21))
    ]


def test_selector_runs_without_a_request(configured):
    answers = rules.SelfCheckAnswers(
        division_code="150102000000", urban_rural="urban", members=(rules.MemberAnswer(101),)
    )

    rows = selectors.self_check_run(answers=answers, today=dt.date(2026, 11, 20))

    senior = next(r for r in rows if r.programme == "senior_allowance")
    assert (senior.outcome, senior.monthly_amount) == ("try", Decimal("600.00"))
    dibao = next(r for r in rows if r.programme == "dibao")
    assert (dibao.outcome, dibao.monthly_amount) == ("try", Decimal("840.00"))
