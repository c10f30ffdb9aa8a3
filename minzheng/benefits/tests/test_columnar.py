"""The columnar (DuckDB) rules agree with the pure engine, household by household, on a generated
population plus hand-made edge cases: prorated incomes, deductions, the dead, non-relatives, a member who
left, a household without members, 分类施保, asset limits, other rounding rules, the senior brackets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from conftest import id_number
from minzheng.benefits import columnar
from minzheng.benefits.columnar.results import INCOME_COLUMNS
from minzheng.benefits.engine import assess
from minzheng.benefits.params import InMemoryParams
from minzheng.benefits.selectors import household_facts_many
from minzheng.benefits.tests.builders import entry
from minzheng.common.errors import DomainError
from minzheng.demo.registry import demo_population_seed
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AS_OF = dt.date(2026, 9, 1)
D = dt.date


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def _engine_rows(params: InMemoryParams, as_of: dt.date) -> dict[int, dict[str, object]]:
    facts = household_facts_many(list(Household.objects.values_list("pk", flat=True)), as_of)
    rows: dict[int, dict[str, object]] = {}
    for pk, household in facts.items():
        try:
            dibao = assess("dibao", household, params)
            margin = assess("margin_household", household, params)
            senior = assess("senior_allowance", household, params)
        except DomainError as error:
            rows[pk] = {"error": type(error).__name__}
            continue
        rows[pk] = {
            "error": None,
            "dibao_eligible": dibao.eligible,
            "dibao_pci_fen": _fen(dibao.per_capita_monthly_income)
            if not dibao.manual_review or dibao.counted_members
            else None,
            "dibao_amount_fen": _fen(dibao.monthly_amount),
            "persons": len(dibao.counted_members),
            "margin_eligible": margin.eligible,
            "dibao_manual": dibao.manual_review,
            "margin_manual": margin.manual_review,
            "senior_persons": len(senior.counted_members),
            "senior_fen": _fen(senior.monthly_amount),
        }
    return rows


def income_only_agrees(con, params: InMemoryParams, as_of: dt.date) -> None:
    """The income-only assessment (the monitoring snapshot's) has the full one's values, column by column,
    for every household of the snapshot in ``con`` (whose ``results`` the full assessment wrote)."""
    columnar.results_compute(con, params, as_of, suffix="_income", income_only=True)
    names = ", ".join(INCOME_COLUMNS)
    full = con.execute(f"SELECT {names} FROM results ORDER BY household_id").fetchall()  # noqa: S608
    narrow = con.execute("SELECT * FROM results_income ORDER BY household_id").fetchall()
    assert [d[0] for d in con.execute("SELECT * FROM results_income LIMIT 0").description] == list(
        INCOME_COLUMNS
    )
    assert narrow == full
    assert any(row[5] is None and row[6] for row in full)  # households with an income are compared


def _columnar_rows(params: InMemoryParams, as_of: dt.date) -> dict[int, dict[str, object]]:
    con = columnar.duck()
    columnar.snapshot_load(con, as_of=as_of, division_prefix="15")
    columnar.results_compute(con, params, as_of)
    income_only_agrees(con, params, as_of)
    rows = {}
    for row in columnar.results_rows(con):
        if row["error"] is not None:
            rows[row["household_id"]] = {"error": "refused"}
            continue
        rows[row["household_id"]] = {
            "error": None,
            **{k: row[k] for k in ("dibao_eligible", "dibao_pci_fen", "dibao_amount_fen", "persons",
                                   "margin_eligible", "dibao_manual", "margin_manual", "senior_persons",
                                   "senior_fen")},
        }  # fmt: skip
    return rows


def _compare(params: InMemoryParams, as_of: dt.date) -> dict[int, dict[str, object]]:
    engine = _engine_rows(params, as_of)
    batch = _columnar_rows(params, as_of)
    assert engine.keys() == batch.keys()
    mismatches = []
    for pk, expected in engine.items():
        got = batch[pk]
        if expected["error"] is not None:
            if got["error"] is None:
                mismatches.append((pk, expected, got))
        elif got != expected:
            mismatches.append((pk, expected, got))
    assert mismatches == []
    return batch


@pytest.fixture
def population(divisions, household_factory):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    demo_population_seed(seed=11, households=300, as_of=AS_OF)
    _edge_cases(household_factory)


def _edge_cases(household_factory) -> None:
    # prorated: a yearly record straddling the reference period, and a deduction larger than income
    prorated = household_factory(head_name="跨期", id_number=id_number(birth=D(1970, 3, 3), seq=501))
    IncomeRecord.objects.create(
        household=prorated,
        person=prorated.head,
        category="wage",
        amount=Decimal("10001.03"),
        period_start=D(2025, 3, 17),
        period_end=D(2026, 3, 16),
    )
    IncomeRecord.objects.create(
        household=prorated,
        person=None,
        category="business",
        amount=Decimal("777.77"),
        period_start=D(2026, 8, 5),
        period_end=D(2026, 11, 29),
    )
    deducted = household_factory(head_name="扣减")
    IncomeRecord.objects.create(
        household=deducted,
        person=deducted.head,
        category="wage",
        amount=Decimal("1200.00"),
        period_start=D(2025, 9, 1),
        period_end=D(2026, 8, 31),
    )
    IncomeRecord.objects.create(
        household=deducted,
        person=deducted.head,
        category="employment_cost",
        amount=Decimal("5000.00"),
        period_start=D(2025, 9, 1),
        period_end=D(2026, 8, 31),
    )
    # a dead member and a non-relative are not counted; a member who left takes his income along
    mixed = household_factory(head_name="混合", id_number=id_number(birth=D(1940, 5, 1), seq=503))
    dead = Person.objects.create(
        name="亡者",
        id_number_encrypted="x",
        id_number_index="dead-1",
        id_number_masked="x",
        birth_date=D(1945, 1, 1),
        sex="female",
        employment_status="retired",
        death_date=D(2026, 6, 1),
        household=mixed,
    )
    lodger = Person.objects.create(
        name="寄住",
        id_number_encrypted="x",
        id_number_index="lodger-1",
        id_number_masked="x",
        birth_date=D(1990, 1, 1),
        sex="male",
        employment_status="employed",
        household=mixed,
    )
    gone = Person.objects.create(
        name="迁出",
        id_number_encrypted="x",
        id_number_index="gone-1",
        id_number_masked="x",
        birth_date=D(1995, 1, 1),
        sex="male",
        employment_status="employed",
        household=mixed,
    )
    Membership.objects.create(
        household=mixed, person=dead, relation_to_head="spouse", joined_on=D(2020, 1, 1)
    )
    Membership.objects.create(
        household=mixed, person=lodger, relation_to_head="other", joined_on=D(2020, 1, 1)
    )
    Membership.objects.create(
        household=mixed, person=gone, relation_to_head="son", joined_on=D(2020, 1, 1), left_on=D(2026, 1, 1)
    )
    for person, amount in (
        (dead, "3000.00"),
        (lodger, "40000.00"),
        (gone, "50000.00"),
        (mixed.head, "600.00"),
    ):
        IncomeRecord.objects.create(
            household=mixed,
            person=person,
            category="pension",
            amount=Decimal(amount),
            period_start=D(2025, 9, 1),
            period_end=D(2026, 5, 31),
        )
    AssetRecord.objects.create(
        household=mixed, person=None, category="deposit", value=Decimal("30000.00"), valued_on=D(2026, 1, 1)
    )
    AssetRecord.objects.create(
        household=mixed, person=gone, category="vehicle", value=Decimal("90000.00"), valued_on=D(2026, 1, 1)
    )
    # a centenarian and a disabled child for the brackets and supplements
    household_factory(head_name="百岁", id_number=id_number(birth=D(1925, 2, 1), seq=505))
    child_home = household_factory(head_name="残童家长")
    child = Person.objects.create(
        name="残童",
        id_number_encrypted="x",
        id_number_index="child-1",
        id_number_masked="x",
        birth_date=D(2015, 9, 1),
        sex="female",
        employment_status="student",
        disability_category="intellectual",
        disability_grade=2,
        household=child_home,
    )
    Membership.objects.create(
        household=child_home, person=child, relation_to_head="daughter", joined_on=D(2020, 1, 1)
    )
    # a household whose only member left: refused by both (家庭没有成员)
    empty = household_factory(head_name="空户")
    Membership.objects.filter(household=empty).update(left_on=D(2026, 1, 1))  # fmt: skip


def test_builtin_parameters_agree(population):
    batch = _compare(InMemoryParams(columnar.stored_params().rows()), AS_OF)
    # the set is not trivial: both outcomes, refusals and seniors occur
    eligible = [r for r in batch.values() if r.get("dibao_eligible")]
    manual = [r for r in batch.values() if r.get("dibao_manual")]
    assert len(eligible) > 5
    assert len(manual) > 20  # open asset limits and 分类施保 amounts: 需人工核定, never 符合
    assert len(batch) - len(eligible) - len(manual) > 50
    assert sum(1 for r in batch.values() if r["error"]) == 1
    assert sum(1 for r in batch.values() if r.get("margin_eligible")) > 5
    assert sum(int(r.get("senior_fen") or 0) for r in batch.values()) >= 60000 + 10000  # the centenarian


def test_a_second_house_is_never_eligible_on_the_builtin_set(population, household_factory):
    home = household_factory(head_name="两套房")
    for value in ("300000.00", "250000.00"):
        AssetRecord.objects.create(household=home, person=None, category="housing", value=Decimal(value),
                                   valued_on=D(2026, 1, 1))  # fmt: skip
    batch = _compare(InMemoryParams(columnar.stored_params().rows()), AS_OF)
    row = batch[home.pk]
    assert (row["dibao_eligible"], row["dibao_manual"], row["dibao_amount_fen"]) == (False, True, 0)


def test_supplements_assets_and_rounding_agree(population):
    region = "150000000000"
    params = columnar.stored_params()
    for item in (
        entry("supplements", [
            {"code": "disabled_child", "label": "重度残疾儿童", "when": {"minor": True, "disability_grades": [1, 2]},
             "percent_of_standard": "0.3"},
            {"code": "aged_70", "label": "70 岁以上老人", "when": {"age_min": 70}, "amount": "55.50"},
            {"code": "rural_ill", "label": "农村重病", "when": {"serious_illness": True, "household_urban_rural": "rural"},
             "amount": "80.00"},
            {"code": "dibao_home", "label": "低保家庭", "when": {"household_programmes": ["dibao"], "self_care": ["fully_incapable"]},
             "amount": "20.00"},
        ], D(2026, 1, 1), division=region),
        entry("assets.rules", [
            {"code": "deposits", "label": "人均存款", "categories": ["deposit", "securities"],
             "measure": "value_per_capita", "max_dibao_months": "24"},
            {"code": "vehicles", "label": "机动车", "categories": ["vehicle"], "measure": "count", "max": 0},
            {"code": "housing", "label": "房产总值", "categories": ["housing"], "measure": "value_total", "max": "300000"},
        ], D(2026, 1, 1), division=region),
        entry("rounding", {"method": "up", "unit": "1"}, D(2026, 1, 1), division=region),
    ):  # fmt: skip
        params = params.with_entry(item)
    batch = _compare(params, AS_OF)
    assert any(r.get("dibao_amount_fen") and int(r["dibao_amount_fen"]) % 100 == 0 for r in batch.values())


def test_half_up_to_ten_yuan_and_a_league_standard_agree(population):
    params = columnar.stored_params()
    params = params.with_entry(entry("rounding", {"method": "half_up", "unit": "10"}, D(2026, 1, 1),
                                     division="150000000000"))  # fmt: skip
    params = params.with_entry(entry("dibao.standard_monthly", "901.00", D(2026, 1, 1), division="150100000000",
                                     urban_rural="urban"))  # fmt: skip
    _compare(params, AS_OF)
    _compare(params, D(2026, 1, 1))  # another reference period, the first day of the new standard
