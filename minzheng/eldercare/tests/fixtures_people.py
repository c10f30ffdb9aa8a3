"""Fixtures of the people and assessment parts: households with older members, enrolments, parameters.
Import the fixtures you use into the test module (``from minzheng.eldercare.tests.fixtures_people import …``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from minzheng.common.identity import make_resident_id
from minzheng.enrolments.models import Enrolment
from minzheng.policy.models import Parameter
from minzheng.registry.services import PersonData, person_add_to_household

TODAY = dt.date(2026, 12, 7)
FULL_SCORES: dict[str, int] = {}  # filled below: every item at its maximum (total 90)


def _full() -> dict[str, int]:
    from minzheng.eldercare.rules.assessment import ITEMS

    return {code: item.maximum for code, item in ITEMS.items()}


FULL_SCORES.update(_full())


def scores_with_total(total: int) -> dict[str, int]:
    """26 valid scores adding up to ``total`` (0–90): items lowered one by one from the full marks."""
    scores = dict(FULL_SCORES)
    missing = 90 - total
    for code in scores:
        cut = min(scores[code], missing)
        scores[code] -= cut
        missing -= cut
    assert sum(scores.values()) == total
    return scores


@pytest.fixture
def elder_household(household_factory, users):
    """``make(head_birth, *others, division_code=…)``: a household whose head is born on ``head_birth`` and
    whose other members are born on the given dates; returns (household, [persons])."""
    counter = {"n": 0}

    def make(head_birth: dt.date, *others: dt.date, division_code: str = "150102001001", **head: Any):
        counter["n"] += 1
        seq = 500 + counter["n"] * 20
        actor = users["caseworker"] if division_code.startswith("150102") else users["taibus_caseworker"]
        household = household_factory(
            actor=actor,
            division_code=division_code,
            head_name=head.pop("head_name", f"老人{counter['n']}"),
            id_number=make_resident_id(division_code[:6], head_birth, seq),
            **head,
        )
        people = [household.head]
        for index, birth in enumerate(others, start=1):
            people.append(
                person_add_to_household(
                    actor=actor,
                    household=household,
                    data=PersonData(
                        name=f"成员{counter['n']}-{index}",
                        id_number=make_resident_id(division_code[:6], birth, seq + index),
                        employment_status="unemployed",
                    ),
                    relation="spouse" if index == 1 else "son",
                    joined_on=dt.date(2020, 1, 1),
                )
            )
        return household, people

    return make


def enrol(household, programme: str = "dibao", person=None, status: str = "active") -> Enrolment:
    return Enrolment.objects.create(
        programme=programme, household=household, person=person, division=household.hukou_division.parent,
        source="legacy", status=status, starts_month=dt.date(2024, 1, 1), monthly_amount=Decimal("500.00"),
    )  # fmt: skip


def parameter_set(key: str, value: Any, division, status: str = "confirmed", valid_from=dt.date(2020, 1, 1)):
    """One parameter version, written directly (test set-up)."""
    return Parameter.objects.create(
        key=key, division=division, urban_rural="", valid_from=valid_from, value=value, status=status,
        source="测试参数", version=1,
    )  # fmt: skip


BANDS = [
    {"level": "intact", "min_total": 85, "max_total": 90},
    {"level": "mild", "min_total": 60, "max_total": 84},
    {"level": "moderate", "min_total": 40, "max_total": 59},
    {"level": "severe", "min_total": 20, "max_total": 39},
    {"level": "complete", "min_total": 0, "max_total": 19},
]


@pytest.fixture
def older_world(elder_household, divisions):
    """After the refresh: ``street`` (an older person in 锡林南路社区, 新城区) and ``taibus`` (one in
    敦达乌苏嘎查, 太仆寺旗) as ``OlderPerson`` rows."""
    from minzheng.eldercare.models import OlderPerson
    from minzheng.eldercare.services.people import older_people_refresh

    _h, (street,) = elder_household(dt.date(1945, 2, 3), head_name="王秀英")
    _h2, (taibus,) = elder_household(dt.date(1948, 4, 5), division_code="152527201206", head_name="巴特尔")
    older_people_refresh(today=TODAY)
    return {
        "street": OlderPerson.objects.get(person=street),
        "taibus": OlderPerson.objects.get(person=taibus),
    }
