"""The structured editor of the what-if page for rule-type parameters (issue 14): the value in force shown as
a table, one row per item, with an input for each figure an officer changes; the proposed value is the value
in force with those figures replaced. Nobody types JSON.

Cells are form fields named ``row-<index>-<figure>`` (``method``/``unit`` for the rounding rule); each cell
validates its own figure with the policy value validators, so the Chinese message stands beside the cell.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from minzheng.policy import values
from minzheng.policy.words import (
    MEASURE_LABELS,
    ROUNDING_METHOD_LABELS,
    ROUNDING_UNIT_LABELS,
    asset_limit_text,
    bracket_ages,
    bracket_text,
    categories_text,
    condition_text,
    money_text,
    rounding_text,
)

SUPPLEMENTS = "supplements"
ASSETS = "assets.rules"
BRACKETS = "senior_allowance.brackets"
ROUNDING = "rounding"
RULE_KEYS = frozenset({SUPPLEMENTS, ASSETS, BRACKETS, ROUNDING})
MAX_BRACKETS = 12  # more age brackets than any regulation has; bounds the rows a request may ask for


@dataclass(frozen=True)
class ValueChange:
    """One changed item of a rule value, for the report's heading."""

    item: str
    before: str
    after: str


def value_changes(key: str, before: Any, after: Any) -> list[ValueChange]:
    """What the proposed value changes against the value in force, item by item, in Chinese."""
    if key == ROUNDING:
        return [ValueChange(_("取整规则"), rounding_text(before), rounding_text(after))]
    if key == BRACKETS:
        return [
            ValueChange(
                _("年龄段标准"), "；".join(map(bracket_text, before)), "；".join(map(bracket_text, after))
            )
        ]
    show = _supplement_figure if key == SUPPLEMENTS else asset_limit_text
    return [
        ValueChange(new["label"], show(old), show(new))
        for old, new in zip(before, after, strict=False)
        if show(old) != show(new)
    ]


def _supplement_figure(item: dict[str, Any]) -> str:
    if "percent_of_standard" in item:
        return _("低保标准的 %(p)s") % {"p": item["percent_of_standard"]}
    return money_text(item.get("amount"), _("元/月"))


# --- cells ---------------------------------------------------------------------------------------------


class MoneyCell(forms.CharField):
    """A yuan figure, validated as the parameter stores it (≥ 0, at most two decimals); empty is ``None``
    where the figure may be left open (需人工核定)."""

    def __init__(self, *, required: bool, label: str) -> None:
        super().__init__(
            required=required,
            label=label,
            widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "form-control-sm"}),
            error_messages={"required": _lazy("请填写金额")},
        )

    def clean(self, value: Any) -> str | None:
        text = super().clean(value)
        if not text:
            return None
        try:
            return values.money(text, _("金额"))
        except values.ValueProblem as problem:
            raise ValidationError(str(problem)) from None


def _whole(*, required: bool, label: str, maximum: int, what: str) -> forms.IntegerField:
    return forms.IntegerField(
        required=required,
        label=label,
        min_value=0,
        max_value=maximum,
        widget=forms.NumberInput(attrs={"class": "form-control-sm"}),
        error_messages={
            "required": _lazy("请填写%(what)s") % {"what": what},
            "invalid": _lazy("%(what)s应为整数") % {"what": what},
            "min_value": _lazy("%(what)s不能为负数") % {"what": what},
            "max_value": _lazy("%(what)s不能超过 %(n)s") % {"what": what, "n": maximum},
        },
    )


def _choice(label: str, labels: dict[str, Any]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=list(labels.items()), widget=forms.Select(attrs={"class": "form-select-sm"})
    )


def cell_fields(key: str, current: Any, rows: int) -> dict[str, forms.Field]:
    """The input of each figure an officer changes, its initial value the one in force."""
    cells: dict[str, forms.Field] = {}
    if key == ROUNDING:
        cells["method"] = _choice(_("取整方式"), ROUNDING_METHOD_LABELS)
        cells["unit"] = _choice(_("取整单位"), ROUNDING_UNIT_LABELS)
        for name in ("method", "unit"):
            cells[name].initial = current[name]
    elif key == SUPPLEMENTS:
        for index, item in enumerate(current):
            if "amount" in item:
                amount = MoneyCell(required=False, label=_("%(label)s加发金额（元/月）") % item)
                amount.initial = item["amount"]
                cells[f"row-{index}-amount"] = amount
    elif key == ASSETS:
        for index, item in enumerate(current):
            if "max" in item:
                label = _("%(label)s上限") % item
                limit: forms.Field = (
                    _whole(required=False, label=label, maximum=1000, what=_("件数"))
                    if item["measure"] == "count"
                    else MoneyCell(required=False, label=label)
                )
                limit.initial = item["max"]
                cells[f"row-{index}-max"] = limit
    elif key == BRACKETS:
        for index in range(rows):
            item = current[index] if index < len(current) else {}
            number = index + 1
            cells[f"row-{index}-age_min"] = _whole(
                required=True, label=_("第 %(n)s 行起始年龄") % {"n": number}, maximum=150, what=_("起始年龄")
            )
            cells[f"row-{index}-age_max"] = _whole(
                required=False,
                label=_("第 %(n)s 行截止年龄") % {"n": number},
                maximum=150,
                what=_("截止年龄"),
            )
            cells[f"row-{index}-amount"] = MoneyCell(
                required=True, label=_("第 %(n)s 行津贴金额（元/月）") % {"n": number}
            )
            for name in ("age_min", "age_max", "amount"):
                cells[f"row-{index}-{name}"].initial = item.get(name)
    return cells


def bracket_rows(current: Any, raw: Any) -> int:
    """How many bracket rows the editor has: the submitted count, else the brackets in force."""
    try:
        rows = int(raw)
    except (TypeError, ValueError):
        rows = len(current or ())
    return max(1, min(rows, MAX_BRACKETS))


def bracket_edit(query: Any, rows: int, *, add: bool, remove: int | None) -> tuple[dict[str, Any], int]:
    """The submitted bracket cells after adding an empty row at the end or removing row ``remove``."""
    kept = [index for index in range(rows) if index != remove]
    cells: dict[str, Any] = {}
    for new, old in enumerate(kept):
        for name in ("age_min", "age_max", "amount"):
            cells[f"row-{new}-{name}"] = query.get(f"row-{old}-{name}", "")
    count = max(len(kept) + (1 if add and len(kept) < MAX_BRACKETS else 0), 1)
    for name in ("age_min", "age_max", "amount"):
        cells.setdefault(f"row-{count - 1}-{name}", "")
    return cells, count


# --- the proposed value --------------------------------------------------------------------------------


def proposed_value(form: forms.Form, key: str, current: Any, rows: int) -> Any:
    """The value in force with the edited figures; errors go on the cells (``form.add_error``)."""
    data = form.cleaned_data
    if key == ROUNDING:
        return {"method": data.get("method"), "unit": data.get("unit")}
    if key in (SUPPLEMENTS, ASSETS):
        figure = "amount" if key == SUPPLEMENTS else "max"
        proposed = copy.deepcopy(current)
        for index, item in enumerate(proposed):
            if f"row-{index}-{figure}" in form.fields:
                item[figure] = data.get(f"row-{index}-{figure}")
        return proposed
    return _brackets(form, rows)


def _brackets(form: forms.Form, rows: int) -> list[dict[str, Any]]:
    data = form.cleaned_data
    brackets = []
    for index in range(rows):
        names = [f"row-{index}-{name}" for name in ("age_min", "age_max", "amount")]
        if any(name in form.errors for name in names):
            continue
        low, high, amount = (data.get(name) for name in names)
        if high is not None and low > high:
            form.add_error(names[1], _("截止年龄不能小于起始年龄（%(low)s 岁）") % {"low": low})
            continue
        brackets.append((index, {"age_min": low, "age_max": high, "amount": amount}))
    # Rows are kept in age order whatever order they were typed in; the stored rule requires it.
    brackets.sort(key=lambda pair: pair[1]["age_min"] or 0)
    for (_index, previous), (index, bracket) in zip(brackets, brackets[1:], strict=False):
        if previous["age_max"] is None or bracket["age_min"] <= previous["age_max"]:
            ages = bracket_ages(previous)
            form.add_error(f"row-{index}-age_min", _("与 %(ages)s 的年龄段重叠") % {"ages": ages})
    return [bracket for _index, bracket in brackets]


# --- what the template shows ---------------------------------------------------------------------------


@dataclass
class EditorCell:
    text: str = ""
    name: str = ""  # the form field of an editable figure
    bound: Any = None


@dataclass
class EditorRow:
    index: int
    cells: list[EditorCell]


@dataclass
class Editor:
    key: str
    headers: list[str]
    rows: list[EditorRow]
    help: str
    brackets: bool = False
    rows_count: int = 0
    extra: list[str] = field(default_factory=list)


def editor_for(form: forms.Form, key: str, current: Any, rows: int) -> Editor:
    """The table of the editor: fixed parts as text, figures as the form's bound fields."""

    def cell(name: str) -> EditorCell:
        return EditorCell(name=name, bound=form[name])

    def figure(index: int, item: dict[str, Any], name: str, text: Any) -> EditorCell:
        """The input of an open or absolute figure; a figure of another form (a share of the standard,
        a multiple of it) is shown as text and kept."""
        return cell(f"row-{index}-{name}") if name in item else EditorCell(text(item))

    if key == ROUNDING:
        row = EditorRow(0, [cell("method"), cell("unit")])
        return Editor(key, [_("取整方式"), _("取整单位")], [row], _("低保金等按月发放的金额按此规则取整。"))
    if key == SUPPLEMENTS:
        table = [
            EditorRow(i, [EditorCell(item["label"]), EditorCell(condition_text(item["when"])),
                          figure(i, item, "amount", _supplement_figure)])
            for i, item in enumerate(current)
        ]  # fmt: skip
        headers = [_("对象类别"), _("条件"), _("加发金额（元/月）")]
        return Editor(key, headers, table, _("金额留空表示未设定：有此类成员的低保家庭需人工核定。"))
    if key == ASSETS:
        table = [
            EditorRow(i, [EditorCell(item["label"]), EditorCell(categories_text(item["categories"])),
                          EditorCell(str(MEASURE_LABELS.get(item["measure"], item["measure"]))),
                          figure(i, item, "max", asset_limit_text)])
            for i, item in enumerate(current)
        ]  # fmt: skip
        headers = [_("财产类型"), _("财产类别"), _("计量方式"), _("上限")]
        return Editor(key, headers, table, _("上限留空表示未设定：持有该类非豁免财产的家庭需人工核定。"))
    table = [
        EditorRow(i, [cell(f"row-{i}-age_min"), cell(f"row-{i}-age_max"), cell(f"row-{i}-amount")])
        for i in range(rows)
    ]
    headers = [_("起始年龄（岁）"), _("截止年龄（岁）"), _("津贴金额（元/月）")]
    help_text = _("截止年龄留空表示“以上”（不设上限）。年龄段按起始年龄排列，不得重叠。")
    return Editor(key, headers, table, help_text, brackets=True, rows_count=rows)
