"""The demo parameter supplement (ADR 0031): on the built-in Inner Mongolia set the local figures that were
not found (asset limits, 分类施保 amounts, temporary-assistance multiples and the township's ceiling) are
open, so most demo households would be 需人工核定 (ADR 0029) and the demo month would enrol a handful.

For the demo's leagues only (the 盟市 of the seeded households), demo-setup fills them with plausible
figures, each marked **演示数据：非政策文件，仅供试用** and 未确认, from ``DEMO_VALID_FROM``. They are not
policy: a bureau replaces them with its own notice (the yearly notice import). Two figures stay open on
purpose — the limit of 其他财产 (livestock, in the demo) and the 分类施保 of seriously ill members — so a few
households remain 需人工核定 and the manual path (人工核定) is visible in the demo, 新城区 included.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from minzheng.catalogue.programmes import Programme
from minzheng.demo.registry import DEMO_AS_OF
from minzheng.policy.models import Parameter
from minzheng.policy.services import BUILTIN_REGION
from minzheng.registry.models import Household

DEMO_SOURCE = "演示数据：非政策文件，仅供试用"
DEMO_VALID_FROM = dt.date(2026, 1, 1)
HOHHOT = "150100000000"  # its own researched table: 急难型 up to 12 × (kept)

ASSET_RULES = [
    {"code": "financial", "label": "金融资产（存款、有价证券、基金、商业保险、债权、互联网金融资产）",
     "categories": ["deposit", "securities", "fund", "commercial_insurance", "claim", "internet_finance"],
     "measure": "value_per_capita", "max": "20000"},
    {"code": "vehicles", "label": "车辆（机动车、船舶、大型农机具）",
     "categories": ["vehicle", "ship", "farm_machinery"], "measure": "count", "max": 0},
    {"code": "real_estate", "label": "不动产（房屋及林木等定着物）",
     "categories": ["housing", "non_residential_property", "forest_fixture"], "measure": "count", "max": 0},
    {"code": "business", "label": "市场主体（企业、个体工商户、农民专业合作社）",
     "categories": ["business_entity"], "measure": "count", "max": 0},
    # left open on purpose: livestock holdings stay 需人工核定 in the demo
    {"code": "other", "label": "其他财产", "categories": ["other"], "measure": "value_total", "max": None},
]  # fmt: skip
SUPPLEMENTS = [
    {"code": "senior", "label": "老年人", "when": {"age_min": 60}, "amount": "50.00"},
    {"code": "minor", "label": "未成年人", "when": {"minor": True}, "amount": "50.00"},
    {"code": "severe_disability", "label": "重度残疾人", "when": {"disability_grades": [1, 2]},
     "amount": "80.00"},
    # left open on purpose: a seriously ill member makes the household 需人工核定 (visible in 新城区)
    {"code": "serious_illness", "label": "重病患者", "when": {"serious_illness": True}, "amount": None},
]  # fmt: skip


def _tiers(emergency: str) -> list[dict[str, Any]]:
    return [
        {"code": "emergency", "label": "急难型", "assistance_type": "emergency", "max_multiple": emergency},
        {"code": "expenditure", "label": "支出型", "assistance_type": "expenditure", "max_multiple": "6"},
        {"code": "small_fast", "label": "小额快救", "assistance_type": "small_fast", "max_multiple": "1"},
    ]


def demo_leagues() -> list[str]:
    """The 盟市 codes of the seeded households (the demo divisions)."""
    codes = Household.objects.values_list("hukou_division__code", flat=True).distinct()
    return sorted({code[:4] + "00000000" for code in codes})


def _entry(key: str, division: str, value: Any) -> dict[str, Any]:
    return {
        "key": key,
        "division": division,
        "urban_rural": "",
        "valid_from": DEMO_VALID_FROM.isoformat(),
        "valid_to": None,
        "value": value,
        "status": "unconfirmed",
        "source": DEMO_SOURCE,
        "note": "演示补充参数，正式使用前请按本地文件替换",
    }


def demo_supplement_ensure() -> list[str]:
    """Idempotent: the supplement for each demo league that has none yet; returns the printed line."""
    from minzheng.policy.services import parameter_import

    leagues = [
        code
        for code in demo_leagues()
        if not Parameter.objects.filter(division__code=code, source=DEMO_SOURCE).exists()
    ]
    entries = [
        _entry(key, code, value)
        for code in leagues
        for key, value in (
            ("assets.rules", ASSET_RULES),
            ("supplements", SUPPLEMENTS),
            ("temporary.tiers", _tiers("12" if code == HOHHOT else "3")),
            ("temporary.township_ceiling_multiple", "3"),
        )
    ]
    if not entries:
        return []
    document = {"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": entries}
    parameter_import(actor=None, text=json.dumps(document, ensure_ascii=False))
    return [f"演示补充参数（{DEMO_SOURCE}，未确认）：{len(leagues)} 个盟市 {len(entries)} 项"]


# The built-in set deliberately lacks two figures a bureau must enter itself (docs/policy-parameters.md):
# the previous year's per-capita disposable income and how income counts for 临时救助. The demo enters
# stand-ins, marked 未确认, so the 支出型 and 刚性支出 paths can be walked through on demo data.
DEMO_DISPOSABLE_INCOME = "40077"
DEMO_INCOME_FROM = "2026-01-01"


def demo_policy_ensure() -> None:
    """Idempotent: adds the demo's stand-ins only where the region has no version of its own."""
    from minzheng.policy.services import parameter_import

    current = Parameter.objects.filter(
        key="income.category_treatment",
        division__code=BUILTIN_REGION,
        valid_to__isnull=True,
        superseded_at=None,
    ).first()
    entries: list[dict[str, Any]] = []
    income = Parameter.objects.filter(key="income.previous_year_disposable_per_capita_annual")
    if not income.filter(valid_from__lte=DEMO_AS_OF, superseded_at=None).exclude(valid_to__lte=DEMO_AS_OF):
        # the built-in chain ends before the demo year: the last published figure carried forward
        entries.append(
            {
                "key": "income.previous_year_disposable_per_capita_annual",
                "division": BUILTIN_REGION,
                "urban_rural": "",
                "valid_from": DEMO_INCOME_FROM,
                "valid_to": None,
                "value": DEMO_DISPOSABLE_INCOME,
                "status": "unconfirmed",
                "source": "演示数据（请以统计公报数字替换）",
                "note": "",
            }
        )
    if current is not None and Programme.TEMPORARY_ASSISTANCE not in current.value:
        entries.append(
            {
                "key": current.key,
                "division": BUILTIN_REGION,
                "urban_rural": current.urban_rural,
                "valid_from": current.valid_from.isoformat(),
                "valid_to": None,
                "value": current.value | {Programme.TEMPORARY_ASSISTANCE: current.value[Programme.DIBAO]},
                "status": current.status,
                "source": current.source,
                "note": "演示：临时救助按低保口径核算收入（未确认）",
            }
        )
    if entries:
        document = {"format_version": 1, "kind": "minzheng.policy-parameters", "parameters": entries}
        parameter_import(actor=None, text=json.dumps(document, ensure_ascii=False))
