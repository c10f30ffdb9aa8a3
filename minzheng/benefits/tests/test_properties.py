"""Invariants (hypothesis): more income never raises the 低保 payment; payments are never negative; a
parameter change only affects dates on or after its valid_from; splitting an income record into two
adjoining periods leaves per-capita income unchanged."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from minzheng.benefits.engine import assess
from minzheng.benefits.facts import IncomeFact, MemberFacts

from .builders import D, entry, household, params, person

PROGRAMMES_WITHOUT_REQUEST = ("dibao", "margin_household", "senior_allowance", "orphan_allowance",
                              "de_facto_orphan_allowance", "disability_living_subsidy")  # fmt: skip
money = st.decimals(min_value=0, max_value=20000, places=2)
days = st.dates(min_value=D(2021, 7, 1), max_value=D(2023, 6, 30))


@st.composite
def incomes(draw, keys=("a", "b")):
    records = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(days)
        end = start + dt.timedelta(days=draw(st.integers(0, 500)))
        category = draw(st.sampled_from(["wage", "business", "basic_pension", "employment_cost", "gift"]))
        records.append(IncomeFact(draw(st.sampled_from([*keys, None])), category, draw(money), start, end))
    return tuple(records)


MEMBERS = (person("a", D(1940, 1, 1), disability_category="physical", disability_grade=1),
           person("b", D(2012, 1, 1), relation_to_head="grandchild", orphan_status="orphan"))  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(base=incomes(), extra=money, urban_rural=st.sampled_from(["urban", "rural"]))
def test_more_income_never_raises_the_dibao_payment(base, extra, urban_rural):
    before = household(*MEMBERS, urban_rural=urban_rural, incomes=base)
    after = household(*MEMBERS, urban_rural=urban_rural,
                      incomes=(*base, IncomeFact("a", "wage", extra, D(2022, 7, 1), D(2023, 6, 30))))  # fmt: skip
    paid_before = assess("dibao", before, params()).monthly_amount
    paid_after = assess("dibao", after, params()).monthly_amount
    assert paid_after <= paid_before


@settings(max_examples=100, deadline=None)
@given(records=incomes(), programme=st.sampled_from(PROGRAMMES_WITHOUT_REQUEST),
       as_of=st.dates(min_value=D(2023, 1, 1), max_value=D(2026, 12, 31)))  # fmt: skip
def test_payments_are_never_negative(records, programme, as_of):
    facts = household(*MEMBERS, as_of=as_of, incomes=records, programmes_received=frozenset({"dibao"}))
    result = assess(programme, facts, params())
    assert result.monthly_amount >= 0
    assert all(m.monthly_amount >= 0 for m in result.members)


@settings(max_examples=100, deadline=None)
@given(valid_from=st.dates(min_value=D(2024, 2, 1), max_value=D(2026, 12, 1)),
       raise_by=st.decimals(min_value=1, max_value=500, places=2),
       as_of=st.dates(min_value=D(2024, 1, 1), max_value=D(2027, 12, 31)), records=incomes())  # fmt: skip
def test_a_parameter_change_only_affects_dates_on_or_after_its_valid_from(
    valid_from, raise_by, as_of, records
):
    changed = params(
        entry("dibao.standard_monthly", str(Decimal("840.00") + raise_by), valid_from, urban_rural="urban")
    )
    facts = household(*MEMBERS, as_of=as_of, incomes=records)
    old, new = assess("dibao", facts, params()), assess("dibao", facts, changed)
    if as_of < valid_from:
        # same figures from the same parameter versions (only the closed version's valid_to differs)
        assert (new.eligible, new.per_capita_monthly_income, new.monthly_amount) == (
            old.eligible,
            old.per_capita_monthly_income,
            old.monthly_amount,
        )
        assert [[(p.parameter_id, p.version) for p in r.parameters] for r in new.reasons] == [
            [(p.parameter_id, p.version) for p in r.parameters] for r in old.reasons
        ]
    else:
        assert new.monthly_amount >= old.monthly_amount
        assert any(p.valid_from == valid_from for r in new.reasons for p in r.parameters)


@settings(max_examples=150, deadline=None)
@given(start=days, length=st.integers(1, 700), cut=st.integers(0, 699), per_day=st.decimals(0, 300, places=2),
       months=st.integers(1, 24), members=st.integers(1, 4))  # fmt: skip
def test_splitting_an_income_record_does_not_change_per_capita_income(
    start, length, cut, per_day, months, members
):
    cut %= length
    end = start + dt.timedelta(days=length)
    middle = start + dt.timedelta(days=cut)
    whole = IncomeFact(None, "wage", per_day * (length + 1), start, end)
    first = IncomeFact(None, "wage", per_day * (cut + 1), start, middle)
    second = IncomeFact(None, "wage", per_day * (length - cut), middle + dt.timedelta(days=1), end)
    people = tuple(MemberFacts(f"m{i}", D(1980, 1, 1), relation_to_head="head" if i == 0 else "spouse")
                   for i in range(members))  # fmt: skip
    provider = params(entry("income.reference_period_months", months))
    as_of = D(2023, 7, 1)
    one = assess("dibao", household(*people, as_of=as_of, incomes=(whole,)), provider)
    two = assess("dibao", household(*people, as_of=as_of, incomes=(first, second)), provider)
    assert one.per_capita_monthly_income == two.per_capita_monthly_income
