"""Drafts of a realistic Inner Mongolia population for the demo and the benchmarks (no ORM, no I/O).

Everything here is driven by one ``random.Random`` so a seed always yields the same population.
The distributions are plausible, not statistics: household sizes 1–6 (mean ≈ 2.8), ethnicity
close to the 2020 census shares for Inner Mongolia (汉族 ≈ 79 %, 蒙古族 ≈ 17 %), disability
≈ 6 % rising with age, incomes in the ranges seen in the region (wages 1,500–5,000 yuan a month,
basic pension 150–200 yuan) and the usual assets (deposits, housing, vehicles, farm machinery).
"""

from __future__ import annotations

import datetime as dt
import random
from bisect import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from itertools import accumulate
from operator import attrgetter
from typing import Any

from minzheng.demo.population_data import (
    BANKS,
    DISABILITY_CATEGORIES,
    DISABILITY_WEIGHTS,
    ETHNICITY_CODES,
    ETHNICITY_WEIGHTS,
    FEMALE_CHARS,
    HAN_SURNAME_WEIGHTS,
    HAN_SURNAMES,
    HEAD_AGE_BANDS,
    HEAD_AGE_WEIGHTS,
    HOUSEHOLD_SIZE_WEIGHTS,
    HOUSEHOLD_SIZES,
    ILLNESSES,
    MALE_CHARS,
    MOBILE_PREFIXES,
    MONGOLIAN_FEMALE,
    MONGOLIAN_MALE,
    MONGOLIAN_SURNAMES,
    NORTHERN_PEOPLES,
    SINGLE_AGE_WEIGHTS,
)
from minzheng.registry.choices import AssetCategory as Asset
from minzheng.registry.choices import EmploymentStatus as Work
from minzheng.registry.choices import IncomeCategory as Income
from minzheng.registry.choices import RelationToHead as Rel
from minzheng.registry.choices import SchoolEnrolment as School


@dataclass(slots=True)
class MemberDraft:
    relation: str
    name: str
    birth_date: dt.date
    male: bool
    ethnicity: str
    joined_on: dt.date
    phone: str = ""
    disability_category: str = ""
    disability_grade: int | None = None
    self_care: str = "capable"
    serious_illness: bool = False
    serious_illness_note: str = ""
    employment_status: str = Work.UNEMPLOYED
    school_enrolment: str = ""
    death_date: dt.date | None = None
    id_number: str = ""


@dataclass(slots=True)
class IncomeDraft:
    member: int | None  # index into HouseholdDraft.members; None = the household as a whole
    category: str
    amount: Decimal
    period_start: dt.date
    period_end: dt.date
    source: str
    note: str = ""


@dataclass(slots=True)
class AssetDraft:
    member: int | None
    category: str
    description: str
    value: Decimal
    quantity: Decimal | None
    valued_on: dt.date
    exempt: bool = False


@dataclass(slots=True)
class HouseholdDraft:
    village_index: int
    urban: bool
    address: str
    lives_at_hukou: bool
    bank_name: str
    bank_account: str
    members: list[MemberDraft] = field(default_factory=list)
    incomes: list[IncomeDraft] = field(default_factory=list)
    assets: list[AssetDraft] = field(default_factory=list)


def _fields_of(cls: type) -> attrgetter[Any]:
    return attrgetter(*(f.name for f in fields(cls)))


_MEMBER, _INCOME, _ASSET = _fields_of(MemberDraft), _fields_of(IncomeDraft), _fields_of(AssetDraft)
_HOUSEHOLD = attrgetter("village_index", "urban", "address", "lives_at_hukou", "bank_name", "bank_account")
# a household as plain tuples: its own fields, then its members', incomes' and assets' fields
PackedHousehold = tuple[
    tuple[int, bool, str, bool, str, str], list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]
]


def drafts_pack(drafts: list[HouseholdDraft]) -> list[PackedHousehold]:
    """The drafts as plain tuples, read by C ``attrgetter``s: a chunk goes to the render process
    (``demo.population_load``) this way, pickled in two thirds of the time the dataclasses take."""
    return [
        (
            _HOUSEHOLD(d),
            list(map(_MEMBER, d.members)),
            list(map(_INCOME, d.incomes)),
            list(map(_ASSET, d.assets)),
        )
        for d in drafts
    ]


def drafts_unpack(packed: list[PackedHousehold]) -> list[HouseholdDraft]:
    """``drafts_pack``'s inverse: equal drafts."""
    return [
        HouseholdDraft(
            *household,
            [MemberDraft(*m) for m in members],
            [IncomeDraft(*i) for i in incomes],
            [AssetDraft(*a) for a in assets],
        )
        for household, members, incomes, assets in packed
    ]


@dataclass(frozen=True)
class VillageInfo:
    name: str
    urban: bool


class _Weighted:
    """``rng.choices(population, weights)[0]`` with the cumulative weights summed once.

    The same arithmetic as ``random.choices`` (one ``random()`` per draw, the same bisection), so the
    draws, and hence a seed's population, are exactly those of ``choices``; only faster (issue 21).
    """

    __slots__ = ("cumulative", "last", "population", "random", "total")

    def __init__(self, rng: random.Random, population: Sequence[Any], weights: Sequence[float]) -> None:
        self.population = population
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1] + 0.0
        self.last = len(population) - 1
        self.random = rng.random

    def __call__(self) -> Any:
        return self.population[bisect(self.cumulative, self.random() * self.total, 0, self.last)]


def _yuan(value: float) -> Decimal:
    return Decimal(round(value * 100)).scaleb(-2)


def _month_start(day: dt.date, months_back: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months_back
    return dt.date(index // 12, index % 12 + 1, 1)


def age_on(birth: dt.date, on: dt.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class PopulationDrafter:
    """Draws households one after another from ``rng``; ``as_of`` is the population's "today"."""

    def __init__(self, rng: random.Random, as_of: dt.date) -> None:
        self.rng = rng
        # rng.randrange(n) and rng.randint(a, b) end in rng._randbelow; calling it directly makes the same
        # draws without their argument checks (a third of the drafting time went into them)
        self.below: Callable[[int], int] = rng._randbelow  # type: ignore[attr-defined]
        self.ethnicity = _Weighted(rng, ETHNICITY_CODES, ETHNICITY_WEIGHTS)
        self.han_surname = _Weighted(rng, HAN_SURNAMES, HAN_SURNAME_WEIGHTS)
        self.household_size = _Weighted(rng, HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)
        self.head_age_band = _Weighted(rng, HEAD_AGE_BANDS, HEAD_AGE_WEIGHTS)
        self.single_age_band = _Weighted(rng, HEAD_AGE_BANDS, SINGLE_AGE_WEIGHTS)
        self.disability_category = _Weighted(rng, DISABILITY_CATEGORIES, DISABILITY_WEIGHTS)
        self.disability_grade = _Weighted(rng, (1, 2, 3, 4), (10, 20, 30, 40))
        work = (Work.EMPLOYED, Work.SELF_EMPLOYED, Work.UNEMPLOYED, Work.FARMING, Work.UNABLE_TO_WORK)
        self.urban_work = _Weighted(rng, work, (55, 20, 12, 3, 3))
        self.rural_work = _Weighted(rng, work, (15, 10, 8, 62, 2))
        self.as_of = as_of
        self.year_start = _month_start(as_of, 12)
        self.last_month_end = _month_start(as_of, 0) - dt.timedelta(days=1)
        self.months = [
            (_month_start(as_of, k), _month_start(as_of, k - 1) - dt.timedelta(days=1)) for k in (3, 2, 1)
        ]

    # --- people ---------------------------------------------------------------------------------
    def randint(self, low: int, high: int) -> int:
        """``self.randint(low, high)``: the same draw."""
        return low + self.below(high - low + 1)

    def birth_date(self, age: int) -> dt.date:
        return self.as_of - dt.timedelta(days=int(age * 365.2425) + self.below(365))

    def surname(self, ethnicity: str) -> str:
        if ethnicity in NORTHERN_PEOPLES and self.rng.random() < 0.5:
            return self.rng.choice(MONGOLIAN_SURNAMES)
        return self.han_surname()

    def name(self, surname: str, male: bool, ethnicity: str) -> str:
        rng = self.rng
        if ethnicity in NORTHERN_PEOPLES:
            given = rng.choice(MONGOLIAN_MALE if male else MONGOLIAN_FEMALE)
            return given if surname in MONGOLIAN_SURNAMES and rng.random() < 0.55 else surname + given
        chars = MALE_CHARS if male else FEMALE_CHARS
        given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
        return surname + given

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + f"{self.below(100_000_000):08d}"

    # --- households -----------------------------------------------------------------------------
    def household(self, village_index: int, village: VillageInfo) -> HouseholdDraft:
        rng = self.rng
        size = self.household_size()
        if rng.random() < 0.6:
            bank_name, prefix = rng.choice(BANKS)
            account = prefix + f"{self.below(10**13):013d}"
        else:
            bank_name, account = "", ""
        draft = HouseholdDraft(
            village_index=village_index,
            urban=village.urban,
            address=self._address(village),
            lives_at_hukou=rng.random() < 0.92,
            bank_name=bank_name,
            bank_account=account,
        )
        self._members(draft, size)
        for index, member in enumerate(draft.members):
            self._attributes(member, village.urban, is_head=index == 0)
            if member.death_date is None:
                self._person_incomes(draft, index, member)
        self._household_incomes(draft)
        self._assets(draft)
        return draft

    def _address(self, village: VillageInfo) -> str:
        base = village.name
        for suffix in ("居民委员会", "居委会", "村民委员会", "村委会", "委员会"):
            base = base.removesuffix(suffix)
        if not base.endswith(("社区", "村", "嘎查", "小区")):
            base += "社区" if village.urban else "村"
        if village.urban:
            building, entrance, floor, door = (
                self.randint(1, 40),
                self.randint(1, 6),
                self.randint(1, 18),
                self.randint(1, 4),
            )
            return f"{base}{building}号楼{entrance}单元{floor}0{door}室"
        return f"{base}{self.randint(1, 320)}号"

    def _members(self, draft: HouseholdDraft, size: int) -> None:
        rng = self.rng
        low, high = self.single_age_band() if size == 1 else self.head_age_band()
        head_age = self.randint(low, high)
        head_male = rng.random() < (0.5 if size == 1 else 0.72)
        head_eth = self.ethnicity()
        family = self.surname(head_eth)
        head_birth = self.birth_date(head_age)
        earliest = max(head_birth.replace(day=1) + dt.timedelta(days=int(20 * 365.25)), dt.date(1980, 1, 1))
        latest = self.as_of - dt.timedelta(days=60)
        since = dt.date.fromordinal(self.randint(min(earliest, latest).toordinal(), latest.toordinal()))
        members = draft.members

        def add(relation: str, age: int, male: bool, ethnicity: str, surname: str | None = None) -> None:
            birth = head_birth if relation == Rel.HEAD else self.birth_date(age)
            name = self.name(surname or self.surname(ethnicity), male, ethnicity)
            members.append(MemberDraft(relation, name, birth, male, ethnicity, max(since, birth)))

        add(Rel.HEAD, head_age, head_male, head_eth, family)
        remaining = size - 1
        spouse_eth = head_eth if rng.random() < 0.8 else self.ethnicity()
        child_eth = spouse_eth if spouse_eth != "01" and rng.random() < 0.6 else head_eth
        if remaining and rng.random() < 0.9:
            gap = self.randint(0, 5)
            spouse_age = max(20, min(98, head_age - gap if head_male else head_age + gap))
            add(Rel.SPOUSE, spouse_age, not head_male, spouse_eth)
            remaining -= 1
        if remaining >= 2 and head_age >= 50 and rng.random() < 0.45:
            remaining = self._three_generations(add, head_age, family, child_eth, remaining)
        if remaining and head_age <= 55 and rng.random() < 0.2:
            add(Rel.PARENT, head_age + self.randint(22, 35), rng.random() < 0.4, head_eth, family)
            remaining -= 1
        for _ in range(remaining):
            male = rng.random() < 0.52
            age = self.randint(max(0, head_age - 42), head_age - 20)
            add(Rel.SON if male else Rel.DAUGHTER, age, male, child_eth, family)

    def _three_generations(
        self, add: Callable[..., None], head_age: int, family: str, ethnicity: str, remaining: int
    ) -> int:
        """An adult child (usually a son), the child's spouse and grandchildren."""
        rng = self.rng
        child_male = rng.random() < 0.75
        child_age = head_age - self.randint(22, 32)
        add(Rel.SON if child_male else Rel.DAUGHTER, child_age, child_male, ethnicity, family)
        remaining -= 1
        if remaining and rng.random() < 0.8:
            add(Rel.CHILD_IN_LAW, max(20, child_age + self.randint(-3, 3)), not child_male, self.ethnicity())
            remaining -= 1
        while remaining:
            age = self.randint(0, max(0, min(child_age - 20, 20)))
            add(Rel.GRANDCHILD, age, rng.random() < 0.52, ethnicity, family if child_male else None)
            remaining -= 1
        return remaining

    def _attributes(self, member: MemberDraft, urban: bool, *, is_head: bool) -> None:
        rng = self.rng
        age = age_on(member.birth_date, self.as_of)
        disability_rate = 0.015 if age < 18 else 0.045 if age < 60 else 0.11 if age < 80 else 0.2
        if rng.random() < disability_rate:
            member.disability_category = self.disability_category()
            member.disability_grade = self.disability_grade()
        illness_rate = 0.01 if age < 40 else 0.025 if age < 60 else 0.06
        if rng.random() < illness_rate:
            member.serious_illness = True
            member.serious_illness_note = rng.choice(ILLNESSES)
        member.self_care = self._self_care(member, age)
        self._work_and_school(member, age, urban)
        if member.death_date is None and not is_head and age >= 60 and rng.random() < 0.02:
            death = self.as_of - dt.timedelta(days=self.randint(10, 540))
            member.death_date = max(death, member.joined_on)
        if age >= 18 and rng.random() < (0.75 if is_head else 0.4 if age < 70 else 0.15):
            member.phone = self.phone()

    def _self_care(self, member: MemberDraft, age: int) -> str:
        roll = self.rng.random()
        if member.disability_grade == 1 and member.disability_category in (
            "physical",
            "intellectual",
            "mental",
            "multiple",
        ):
            return "fully_incapable" if roll < 0.5 else "partly_incapable" if roll < 0.9 else "capable"
        if member.disability_grade == 2 or member.serious_illness:
            return "partly_incapable" if roll < 0.35 else "capable"
        if age >= 85:
            return "fully_incapable" if roll < 0.1 else "partly_incapable" if roll < 0.4 else "capable"
        if age >= 75:
            return "fully_incapable" if roll < 0.03 else "partly_incapable" if roll < 0.15 else "capable"
        return "capable"

    def _work_and_school(self, member: MemberDraft, age: int, urban: bool) -> None:
        rng = self.rng
        severe = (member.disability_grade or 9) <= 2 or member.self_care == "fully_incapable"
        if age < 6:
            member.employment_status = Work.PRESCHOOL
            member.school_enrolment = School.PRESCHOOL if age >= 3 and rng.random() < 0.85 else ""
            return
        school = self._school(age)
        if school:
            member.employment_status, member.school_enrolment = Work.STUDENT, school
            return
        retirement_age = 60 if member.male else 55
        if severe:
            member.employment_status = Work.UNABLE_TO_WORK
        elif age >= retirement_age:
            if urban:
                member.employment_status = Work.RETIRED if rng.random() < 0.75 else Work.UNABLE_TO_WORK
            else:
                farming = 0.6 if age < 70 else 0.15
                member.employment_status = Work.FARMING if rng.random() < farming else Work.UNABLE_TO_WORK
        else:
            member.employment_status = self.urban_work() if urban else self.rural_work()

    def _school(self, age: int) -> str:
        roll = self.rng.random()
        if age <= 11:
            return School.PRIMARY
        if age <= 14:
            return School.JUNIOR_SECONDARY
        if age <= 17:
            return (
                School.SENIOR_SECONDARY if roll < 0.65 else School.SECONDARY_VOCATIONAL if roll < 0.9 else ""
            )
        if age <= 21:
            return School.UNDERGRADUATE if roll < 0.3 else School.HIGHER_VOCATIONAL if roll < 0.5 else ""
        if age <= 25:
            return School.POSTGRADUATE if roll < 0.04 else ""
        return ""

    # --- incomes and assets ---------------------------------------------------------------------
    def _yearly(
        self,
        draft: HouseholdDraft,
        member: int | None,
        category: str,
        monthly: float,
        source: str = "declared",
        note: str = "",
    ) -> None:
        draft.incomes.append(
            IncomeDraft(
                member, category, _yuan(monthly * 12), self.year_start, self.last_month_end, source, note
            )
        )

    def _person_incomes(self, draft: HouseholdDraft, index: int, member: MemberDraft) -> None:
        rng = self.rng
        age = age_on(member.birth_date, self.as_of)
        status = member.employment_status
        if status == Work.EMPLOYED:
            wage = rng.triangular(1500, 5000, 2800 if not draft.urban else 3500)
            source = "verified" if rng.random() < 0.4 else "declared"
            for start, end in self.months:
                draft.incomes.append(
                    IncomeDraft(index, Income.WAGE, _yuan(wage * rng.uniform(0.95, 1.05)), start, end, source)
                )
            if rng.random() < 0.15:
                self._yearly(
                    draft, index, Income.TRANSFER_EXPENDITURE, wage * 0.105, note="个人缴纳社会保险费"
                )
        elif status == Work.SELF_EMPLOYED:
            self._yearly(draft, index, Income.BUSINESS, rng.uniform(1000, 4500), note="个体经营净收入")
        elif status == Work.FARMING:
            note = rng.choice(("种植业纯收入", "畜牧业纯收入", "种养殖纯收入"))
            self._yearly(draft, index, Income.BUSINESS, rng.triangular(400, 3000, 1100), note=note)
        elif status == Work.UNEMPLOYED and rng.random() < 0.15:
            start = _month_start(self.as_of, 6)
            draft.incomes.append(
                IncomeDraft(
                    index,
                    Income.UNEMPLOYMENT_INSURANCE,
                    _yuan(rng.uniform(1600, 1900) * 6),
                    start,
                    self.last_month_end,
                    "department",
                )
            )
        elif status == Work.RETIRED:
            self._yearly(draft, index, Income.PENSION, rng.uniform(2200, 4500), source="department")
        elif status == Work.STUDENT and age >= 18 and rng.random() < 0.08:
            self._yearly(
                draft, index, Income.SCHOLARSHIP, rng.uniform(2000, 8000) / 12, note="国家助学金/奖学金"
            )
        if age >= 60 and status != Work.RETIRED:
            self._yearly(draft, index, Income.BASIC_PENSION, rng.uniform(150, 200), source="department")
            if rng.random() < 0.2:
                self._yearly(draft, index, Income.SUPPORT_PAYMENT, rng.uniform(200, 800), note="子女赡养费")
            if not draft.urban and rng.random() < 0.15:
                self._yearly(
                    draft, index, Income.FAMILY_PLANNING_REWARD, rng.uniform(80, 100), source="department"
                )
        if age >= 80 and rng.random() < 0.5:
            self._yearly(
                draft, index, Income.SENIOR_ALLOWANCE, rng.choice((100, 200, 300)), source="department"
            )
        if member.serious_illness and rng.random() < 0.6:
            self._yearly(
                draft,
                index,
                Income.RIGID_MEDICAL_DISABILITY_COST,
                rng.uniform(400, 5000),
                note=f"{member.serious_illness_note}自付医疗费用",
            )

    def _household_incomes(self, draft: HouseholdDraft) -> None:
        rng = self.rng
        if rng.random() < 0.06:
            note = "房屋出租收入" if draft.urban else "集体经济分红"
            self._yearly(draft, None, Income.PROPERTY, rng.uniform(80, 1500), note=note)

    def _asset(
        self,
        draft: HouseholdDraft,
        category: str,
        description: str,
        value: float,
        quantity: float | None = None,
        exempt: bool = False,
        member: int | None = 0,
    ) -> None:
        valued_on = self.as_of - dt.timedelta(days=self.randint(0, 180))
        amount = None if quantity is None else _yuan(quantity)
        draft.assets.append(
            AssetDraft(member, category, description, _yuan(value), amount, valued_on, exempt)
        )

    def _assets(self, draft: HouseholdDraft) -> None:
        rng = self.rng
        if rng.random() < 0.75:
            self._asset(draft, Asset.DEPOSIT, "活期及定期存款", min(500_000, rng.lognormvariate(9.6, 1.2)))
        if rng.random() < 0.88:
            area = rng.uniform(45, 130) if draft.urban else rng.uniform(40, 150)
            price = rng.uniform(3000, 9000) if draft.urban else rng.uniform(400, 1300)
            kind = "住宅楼房" if draft.urban else "农村自建房"
            self._asset(draft, Asset.HOUSING, kind, area * price, area, exempt=True)
            if rng.random() < 0.08:
                area = rng.uniform(50, 120)
                self._asset(draft, Asset.HOUSING, "第二套住房", area * rng.uniform(3000, 8000), area)
        if rng.random() < 0.28:
            if draft.urban or rng.random() < 0.5:
                self._asset(draft, Asset.VEHICLE, "小型轿车", rng.uniform(15_000, 160_000), 1)
            else:
                self._asset(draft, Asset.VEHICLE, "农用三轮车", rng.uniform(3_000, 15_000), 1, exempt=True)
        if not draft.urban and rng.random() < 0.18:
            self._asset(draft, Asset.FARM_MACHINERY, "拖拉机", rng.uniform(10_000, 80_000), 1, exempt=True)
        if not draft.urban and rng.random() < 0.2:
            sheep = self.randint(20, 400)
            self._asset(draft, Asset.OTHER, f"牲畜：羊 {sheep} 只", sheep * rng.uniform(600, 1000), sheep)
        if draft.urban and rng.random() < 0.04:
            self._asset(draft, Asset.FUND, "证券投资基金", rng.uniform(5_000, 200_000))
        if rng.random() < 0.05:
            self._asset(draft, Asset.COMMERCIAL_INSURANCE, "商业人寿保险现金价值", rng.uniform(2_000, 60_000))
