"""The applicants' policy guide (政策清单), one writer per programme: who qualifies, in plain words and with
the article it rests on, and the amounts and thresholds in force for a place (issue 7 item 2).

Each programme's writer is named by its catalogue entry (``ProgrammeSpec.portal_guide``, a dotted path to a
function here) and found through it by ``portal.selectors.policy``; adding a programme adds a writer here
and its path in the catalogue, never a table of writers. A writer reads published policy parameters
through a ``GuideReader``, which records a parameter not set for the place instead of guessing it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from minzheng.benefits.providers import SelectorParams
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.rules import PARAMETER_KEYS, ResolvedParameter, Status
from minzheng.registry.choices import SelfCare


@dataclass(frozen=True)
class Figure:
    """One amount or threshold of the guide, with its unit and whether it is confirmed."""

    label: str
    text: str
    unconfirmed: bool = False


URBAN_RURAL_TEXT = {"urban": "城镇", "rural": "农村"}


class GuideReader:
    """Parameters for one place and date; ``ParameterMissing`` is recorded, not raised."""

    def __init__(self, division_code: str, as_of: dt.date) -> None:
        self.division_code = division_code
        self.as_of = as_of
        self.params = SelectorParams()
        self.missing: list[str] = []

    def get(self, key: str, urban_rural: str = "") -> ResolvedParameter | None:
        try:
            return self.params.get(key, self.division_code, urban_rural, self.as_of)
        except ParameterMissing:
            label = PARAMETER_KEYS[key].label
            if label not in self.missing:
                self.missing.append(label)
            return None


# A writer: the reader and the places shown ("urban", "rural" or both, side by side) → who qualifies, and
# the figures.
GuideWriter = Callable[[GuideReader, list[str]], tuple[str, list[Figure]]]


def _unconfirmed(resolved: ResolvedParameter | None) -> bool:
    return resolved is not None and resolved.status == Status.UNCONFIRMED


def _yuan(value: Any) -> str:
    amount = Decimal(str(value)).quantize(Decimal("0.01"))
    return f"{amount.normalize():f}" if amount == amount.to_integral() else f"{amount:f}"


def _money_figures(reader: GuideReader, key: str, label: str, places: list[str], unit: str) -> list[Figure]:
    figures = []
    for place in places:
        resolved = reader.get(key, place)
        if resolved is None:
            continue
        where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
        figures.append(Figure(f"{label}{where}", f"{_yuan(resolved.value)} {unit}", _unconfirmed(resolved)))
    return figures


def guide_dibao(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "共同生活的家庭成员人均月收入低于当地最低生活保障标准，且家庭财产状况符合当地规定"
        "（《最低生活保障审核确认办法》第 3 条）。"
    )
    figures = _money_figures(reader, "dibao.standard_monthly", _("低保标准"), places, _("元/人·月"))
    figures.append(Figure(_("发放金额"), _("按家庭人均收入低于标准的差额，逐月发放")))
    return who, figures


def guide_extreme_poverty(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "无劳动能力、无生活来源，且无法定赡养、抚养、扶养义务人或其义务人无履行能力的老年人、"
        "残疾人和未满 18 周岁的未成年人（《特困人员认定办法》第 4—5 条）。"
    )
    figures = _money_figures(
        reader, "extreme_poverty.basic_living_monthly", _("基本生活标准"), places, _("元/人·月")
    )
    for tier, label in (
        (SelfCare.CAPABLE.value, _("照料护理标准（具备生活自理能力）")),
        (SelfCare.PARTLY_INCAPABLE.value, _("照料护理标准（部分丧失生活自理能力）")),
        (SelfCare.FULLY_INCAPABLE.value, _("照料护理标准（完全丧失生活自理能力）")),
    ):
        figures += _money_figures(reader, f"extreme_poverty.care_monthly.{tier}", label, [""], _("元/人·月"))
    return who, figures


def guide_temporary(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "因火灾、交通事故、突发重大疾病等意外事件，或因教育、医疗等必需支出突然增加，"
        "基本生活暂时出现严重困难的家庭或个人（民发〔2018〕23号）。"
    )
    figures: list[Figure] = []
    tiers = reader.get("temporary.tiers")
    for place in places:
        standard = reader.get("dibao.standard_monthly", place)
        if tiers is None or standard is None:
            continue
        where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
        for tier in tiers.value:
            if tier["max_multiple"] is None:  # the local multiple is not known (issue 15): no figure shown
                figures.append(Figure(f"{tier['label']}{where}", _("最高额度由当地核定"), True))
                continue
            ceiling = Decimal(str(tier["max_multiple"])) * Decimal(str(standard.value))
            figures.append(
                Figure(
                    f"{tier['label']}{where}",
                    _("一次性，最高 %(amount)s 元（月低保标准的 %(multiple)s 倍）")
                    % {"amount": _yuan(ceiling), "multiple": tier["max_multiple"]},
                    _unconfirmed(tiers) or _unconfirmed(standard),
                )
            )
    return who, figures


def guide_margin(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    multiple = reader.get("margin.income_multiple")
    figures: list[Figure] = []
    if multiple is not None:
        for place in places:
            standard = reader.get("dibao.standard_monthly", place)
            if standard is None:
                continue
            limit = Decimal(str(multiple.value)) * Decimal(str(standard.value))
            where = f"（{URBAN_RURAL_TEXT[place]}）" if place and len(places) > 1 else ""
            figures.append(
                Figure(
                    _("人均月收入上限%(where)s") % {"where": where},
                    _("%(amount)s 元/人·月（低保标准的 %(multiple)s 倍）")
                    % {"amount": _yuan(limit), "multiple": multiple.value},
                    _unconfirmed(multiple) or _unconfirmed(standard),
                )
            )
    figures.append(Figure(_("救助内容"), _("不发放低保金；可按规定获得医疗、教育、住房、就业等专项救助")))
    who = _(
        "不符合低保、特困条件，家庭人均月收入高于当地低保标准、但低于下列上限，且家庭财产符合规定"
        "（《内蒙古自治区低保边缘家庭和刚性支出困难家庭认定办法（试行）》）。"
    )
    return who, figures


def guide_rigid(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    figures: list[Figure] = []
    income = reader.get("income.previous_year_disposable_per_capita_annual")
    if income is not None:
        figures.append(
            Figure(
                _("上年度居民人均可支配收入"), f"{_yuan(income.value)} {_('元/人·年')}", _unconfirmed(income)
            )
        )
    for key, label in (
        ("rigid_expense.ratio_all", _("刚性支出占家庭总收入比例")),
        ("rigid_expense.ratio_medical_accident", _("医疗和意外支出占家庭总收入比例")),
    ):
        resolved = reader.get(key)
        if resolved is not None:
            percent = (Decimal(str(resolved.value)) * 100).quantize(Decimal(1))
            figures.append(
                Figure(label, _("%(percent)s%% 以上") % {"percent": percent}, _unconfirmed(resolved))
            )
    figures.append(Figure(_("救助内容"), _("可按规定获得医疗、教育等专项救助或临时救助")))
    who = _(
        "不符合低保、特困和低保边缘条件，家庭人均收入低于上年度当地居民人均可支配收入，"
        "且医疗、教育等刚性支出较大（《刚性支出困难家庭认定办法》第 5—6 条）。"
    )
    return who, figures


def guide_senior(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    brackets = reader.get("senior_allowance.brackets")
    figures: list[Figure] = []
    youngest = None
    for bracket in brackets.value if brackets else []:
        top = bracket["age_max"]
        ages = f"{bracket['age_min']}—{top} 岁" if top is not None else f"{bracket['age_min']} 岁以上"
        figures.append(Figure(ages, f"{_yuan(bracket['amount'])} {_('元/人·月')}", _unconfirmed(brackets)))
        youngest = bracket["age_min"] if youngest is None else min(youngest, bracket["age_min"])
    who = _("本地户籍、年满 %(age)s 周岁的老年人（《老年人权益保障法》第 33 条）。") % {"age": youngest or 80}
    return who, figures


def guide_disability_living(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _("低保家庭中持有残疾人证的残疾人（国发〔2015〕52号）。")
    figures = _money_figures(reader, "disability.living_subsidy_monthly", _("生活补贴"), [""], _("元/人·月"))
    return who, figures


def guide_disability_care(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "残疾等级为一级、二级且需要长期照护的重度残疾人，以及当地规定范围内的其他残疾人（国发〔2015〕52号）。"
    )
    tiers = reader.get("disability.care_subsidy_tiers")
    figures = [
        Figure(
            tier["label"],
            _("标准由当地核定") if tier["amount"] is None else f"{_yuan(tier['amount'])} {_('元/人·月')}",
            _unconfirmed(tiers) or tier["amount"] is None,
        )
        for tier in (tiers.value if tiers else [])
    ]
    return who, figures


def guide_orphan(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _("父母双方均死亡或被宣告死亡、失踪的未满 18 周岁的未成年人（国办发〔2010〕54号）。")
    figures = _money_figures(reader, "orphan.institutional_monthly", _("集中养育"), [""], _("元/人·月"))
    figures += _money_figures(reader, "orphan.home_monthly", _("散居"), [""], _("元/人·月"))
    return who, figures


def guide_de_facto_orphan(reader: GuideReader, places: list[str]) -> tuple[str, list[Figure]]:
    who = _(
        "父母双方均符合重残、重病、服刑、强制隔离戒毒、失联等情形之一，或一方死亡失踪、另一方符合上述情形的"
        "未满 18 周岁儿童（民政部等12部门 2019 年意见）。"
    )
    figures = _money_figures(reader, "de_facto_orphan.monthly", _("基本生活补贴"), [""], _("元/人·月"))
    return who, figures
