"""The columnar run deducts 兴安盟's 就业成本扣减 as the engine does: a mixed population (兴安盟 and Hohhot,
employed and not, generated plus hand-made cases) compared household by household for both bases, with and
without the minimum wage (ADR 0015, ADR 0029)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.benefits import columnar
from minzheng.benefits.engine import assess
from minzheng.benefits.params import InMemoryParams
from minzheng.benefits.selectors import household_facts_many
from minzheng.benefits.tests.builders import entry
from minzheng.benefits.tests.test_columnar import income_only_agrees
from minzheng.common.errors import DomainError
from minzheng.demo.registry import demo_population_seed
from minzheng.registry.models import Household, IncomeRecord

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

AS_OF = dt.date(2026, 9, 1)  # reference period 2025-09-01 … 2026-08-31
D = dt.date
XINGAN = "152200000000"


def _fen(amount: Decimal | None) -> int | None:
    return None if amount is None else int(amount * 100)


def _engine(params: InMemoryParams) -> dict[int, tuple[object, ...]]:
    rows: dict[int, tuple[object, ...]] = {}
    for pk, facts in household_facts_many(
        list(Household.objects.values_list("pk", flat=True)), AS_OF
    ).items():
        try:
            dibao = assess("dibao", facts, params)
            margin = assess("margin_household", facts, params)
        except DomainError:
            rows[pk] = ("refused",)
            continue
        dibao_pci = _fen(dibao.per_capita_monthly_income) if dibao.counted_members else None
        margin_pci = _fen(margin.per_capita_monthly_income)
        rows[pk] = (
            dibao_pci,
            dibao.eligible,
            dibao.manual_review,
            margin_pci,
            margin.eligible,
            margin.manual_review,
        )
    return rows


def _columnar(params: InMemoryParams) -> dict[int, tuple[object, ...]]:
    con = columnar.duck()
    columnar.snapshot_load(con, as_of=AS_OF, division_prefix="15")
    columnar.results_compute(con, params, AS_OF)
    income_only_agrees(con, params, AS_OF)  # the monitoring snapshot's assessment: no work cost, same income
    return {
        r["household_id"]: ("refused",) if r["error"] is not None else
        (r["dibao_pci_fen"], r["dibao_eligible"], r["dibao_manual"], r["margin_pci_fen"], r["margin_eligible"],
         r["margin_manual"])
        for r in columnar.results_rows(con)
    }  # fmt: skip


def _compare(params: InMemoryParams) -> dict[int, tuple[object, ...]]:
    engine, batch = _engine(params), _columnar(params)
    assert {pk: row for pk, row in engine.items() if batch.get(pk) != row} == {}
    assert engine.keys() == batch.keys()
    return batch


@pytest.fixture
def population(divisions, household_factory):
    from minzheng.divisions.models import Division
    from minzheng.policy.services import policy_builtin_load

    league = Division.objects.create(
        code=XINGAN, name="兴安盟", level=2, parent=divisions["region"], source="test"
    )
    city = Division.objects.create(
        code="152201000000", name="乌兰浩特市", level=3, parent=league, source="test"
    )
    street = Division.objects.create(
        code="152201001000", name="和平街道", level=4, parent=city, source="test"
    )
    village = Division.objects.create(
        code="152201001001", name="和平社区居委会", level=5, parent=street, urban_rural="urban", source="test"
    )
    policy_builtin_load()
    demo_population_seed(seed=5, households=160, as_of=AS_OF)
    cases = {}
    for name, records in {
        "全年工资": [("head", "wage", "30000.00", D(2025, 9, 1), D(2026, 8, 31))],
        "跨期工资": [("head", "wage", "10001.03", D(2025, 3, 17), D(2026, 3, 16))],
        "两份工作": [("head", "wage", "18000.00", D(2025, 9, 1), D(2026, 8, 31)),
                     ("head", "wage", "4800.00", D(2026, 1, 1), D(2026, 6, 30))],
        "低工资": [("head", "wage", "600.00", D(2025, 9, 1), D(2026, 8, 31))],
        "户工资": [(None, "wage", "21000.00", D(2025, 9, 1), D(2026, 8, 31))],
        "经营": [("head", "business", "20000.00", D(2025, 9, 1), D(2026, 8, 31))],
        "无收入": [],
    }.items():  # fmt: skip
        for place in ("xingan", "hohhot"):
            home = household_factory(head_name=f"{name}{place[0]}")
            if place == "xingan":
                Household.objects.filter(pk=home.pk).update(hukou_division=village)
            for who, category, amount, start, end in records:
                IncomeRecord.objects.create(
                    household=home, person=home.head if who else None, category=category,
                    amount=Decimal(amount), period_start=start, period_end=end,
                )  # fmt: skip
            cases[(name, place)] = home.pk
    return cases


def _row(batch, population, name, place):
    return batch[population[(name, place)]]


def test_the_builtin_employment_income_base_agrees(population):
    batch = _compare(columnar.stored_params())
    assert (
        Household.objects.filter(hukou_division__code__startswith="1522").count() > 14
    )  # the seed used 兴安盟
    # one person, 2,500 a month: 低保 counts it all; the 兴安盟 margin test 90% of it, elsewhere all of it
    xingan, hohhot = (
        _row(batch, population, "全年工资", "xingan"),
        _row(batch, population, "全年工资", "hohhot"),
    )
    assert (xingan[0], xingan[3]) == (250000, 225000)
    assert (hohhot[0], hohhot[3]) == (250000, 250000)
    assert _row(batch, population, "户工资", "xingan")[3] == 157500  # a household record: 1,750 − 175
    assert _row(batch, population, "经营", "xingan")[3] == 166667  # business income: no deduction
    deducted = [pk for pk, row in batch.items() if len(row) > 1 and row[3] is not None and row[3] < row[0]]
    assert len(deducted) > 7  # generated 兴安盟 wage earners too


def test_a_minimum_wage_base_without_the_minimum_wage_agrees_and_is_manual(population):
    params = columnar.stored_params().with_entry(
        entry("income.work_cost_base", "minimum_wage", D(2026, 1, 1), division=XINGAN)
    )
    batch = _compare(params)
    assert _row(batch, population, "全年工资", "xingan")[3:] == (250000, False, True)  # not deducted; manual
    assert _row(batch, population, "经营", "xingan")[3:] == (166667, False, False)  # no wage: decided
    assert _row(batch, population, "全年工资", "hohhot")[5] is False


def test_a_minimum_wage_base_with_the_minimum_wage_agrees(population):
    params = columnar.stored_params()
    for item in (
        entry("income.work_cost_base", "minimum_wage", D(2026, 1, 1), division=XINGAN),
        entry("income.minimum_wage_monthly", "1980.00", D(2026, 1, 1), division=XINGAN),
    ):
        params = params.with_entry(item)
    batch = _compare(params)
    assert _row(batch, population, "全年工资", "xingan")[3] == 250000 - 19800
    assert _row(batch, population, "低工资", "xingan")[3] == 0  # 50 a month: the deduction stops at the wage
    # two jobs, Jan–Jun at once: 1,500 + 400 a month on average, one month of work each month
    assert _row(batch, population, "两份工作", "xingan")[3] == 190000 - 19800
