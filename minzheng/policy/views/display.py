"""How a parameter value is shown: cells, percentages and the rows of the list."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from minzheng.accounts.models import User
from minzheng.policy.models import Parameter
from minzheng.policy.rules import (
    PARAMETER_KEYS,
    WORK_COST_BASE_LABELS,
    Kind,
    ParameterKey,
)
from minzheng.policy.views._base import STATUS_BADGES, _may_set
from minzheng.policy.words import (
    ASSISTANCE_TYPE_LABELS,
    MEASURE_LABELS,
    ROUNDING_METHOD_LABELS,
    ROUNDING_UNIT_LABELS,
    categories_text,
    condition_text,
)

# --- value display ----------------------------------------------------------------------------------

# Column order and Chinese headers of the records inside structured values (PostgreSQL's jsonb keeps
# its own key order, so the order is set here).
FIELD_LABELS = {
    "code": _lazy("代码"),
    "label": _lazy("名称"),
    "age_min": _lazy("起始年龄"),
    "age_max": _lazy("截止年龄"),
    "assistance_type": _lazy("救助类型"),
    "categories": _lazy("财产类别"),
    "measure": _lazy("计量方式"),
    "when": _lazy("条件"),
    "amount": _lazy("金额（元）"),
    "percent_of_standard": _lazy("占低保标准比例"),
    "max": _lazy("上限"),
    "max_multiple": _lazy("上限（月低保标准倍数）"),
    "max_dibao_months": _lazy("上限（月低保标准倍数）"),
    "method": _lazy("取整方式"),
    "unit": _lazy("取整单位"),
}
FIELD_ORDER = {name: index for index, name in enumerate(FIELD_LABELS)}
# The label names an item; its code is for the engine and stays in the stored value (and the JSON view).
HIDDEN_FIELDS = frozenset({"code"})


def _label_of(labels: dict[str, Any]) -> Any:
    return lambda value: str(labels.get(value, value))


# Fields whose stored codes are said in words (the walk of issue 14 refuses codes on any page).
FIELD_WORDS: dict[str, Any] = {
    "when": condition_text,
    "categories": categories_text,
    "measure": _label_of(MEASURE_LABELS),
    "method": _label_of(ROUNDING_METHOD_LABELS),
    "unit": _label_of(ROUNDING_UNIT_LABELS),
    "assistance_type": _label_of(ASSISTANCE_TYPE_LABELS),
}


def _ordered(names: Iterable[str]) -> list[str]:
    return sorted(set(names), key=lambda name: (FIELD_ORDER.get(name, len(FIELD_ORDER)), name))


@dataclass(frozen=True)
class ValueDisplay:
    """A stored value for people: inline ``text``, or a table / indented JSON behind a ``summary``."""

    text: str = ""
    summary: str = ""
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    json: str = ""


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return str(value)


def _field_cell(name: str, value: Any) -> str:
    words = FIELD_WORDS.get(name)
    return words(value) if words is not None and value is not None else _cell(value)


def _percent(text: str) -> str:
    return format((Decimal(text) * 100).normalize(), "f")


def value_display(definition: ParameterKey, value: Any) -> ValueDisplay:
    """Money with its unit (``840.00 元/人·月``), ratios with a percentage, lists of records as a table."""
    kind = definition.kind
    if kind is Kind.MONEY or kind is Kind.INTEGER:
        return ValueDisplay(text=f"{value} {definition.unit}")
    if kind is Kind.RATIO:
        return ValueDisplay(text=f"{value}（{_percent(value)}%）")
    if kind is Kind.MULTIPLE:
        return ValueDisplay(text=_("%(value)s 倍") % {"value": value})
    if isinstance(value, str):  # a choice (income.work_cost_base): its name, not its code
        return ValueDisplay(text=WORK_COST_BASE_LABELS.get(value, value))
    if isinstance(value, list) and not value:
        return ValueDisplay(text=_("空列表"))
    if isinstance(value, list) and all(not isinstance(item, dict | list) for item in value):
        return ValueDisplay(text=" / ".join(_cell(item) for item in value))
    if isinstance(value, list) and all(isinstance(item, dict) for item in value):
        names = _ordered(name for item in value for name in item if name not in HIDDEN_FIELDS)
        return ValueDisplay(
            summary=_("%(count)s 项") % {"count": len(value)},
            headers=[str(FIELD_LABELS.get(name, name)) for name in names],
            rows=[[_field_cell(name, item.get(name)) for name in names] for item in value],
        )
    if isinstance(value, dict) and all(not isinstance(item, dict | list) for item in value.values()):
        return ValueDisplay(
            text=" · ".join(
                f"{FIELD_LABELS.get(name, name)} {_field_cell(name, value[name])}" for name in _ordered(value)
            )
        )
    return ValueDisplay(
        summary=_("查看 JSON"), json=json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    )


@dataclass(frozen=True)
class ParameterItem:
    parameter: Parameter
    definition: ParameterKey | None
    value: ValueDisplay
    badge: str
    can_set: bool

    @property
    def new_version_query(self) -> str:
        p = self.parameter
        return urlencode({"key": p.key, "division_code": p.division.code, "urban_rural": p.urban_rural})


def _items(actor: User, parameters: Iterable[Parameter]) -> list[ParameterItem]:
    items = []
    for parameter in parameters:
        definition = PARAMETER_KEYS.get(parameter.key)
        shown = (
            value_display(definition, parameter.value) if definition else ValueDisplay(_cell(parameter.value))
        )
        items.append(
            ParameterItem(
                parameter,
                definition,
                shown,
                STATUS_BADGES.get(parameter.status, ""),
                _may_set(actor, parameter.division.code),
            )
        )
    return items
