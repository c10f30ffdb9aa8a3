"""The statistics a supervisor reads (issue 14 §5): for one division of the actor's jurisdiction, its
children (the next level down) with a total row, and the division's figures by programme, for a month or
the year to date; plus the charts, from the same figures.

Four set-based statements (``statistics.sql``), whatever the level or the number of rows: recipients,
payroll amounts, temporary-aid grants (with the reserve fund) and the twelve-month trend. The tables are
built here cell by cell, so the page and the Excel file show exactly the same rows and values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext as _

from minzheng.accounts.models import User
from minzheng.catalogue.programmes import Programme, label
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.common.months import add_months, next_month
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.divisions.selectors import division_breadcrumb, division_get
from minzheng.payments.sqlportable import from_fen
from minzheng.statistics import rules, sql
from minzheng.statistics.rules import ONE_OFF, TIERED, Period

Cell = int | Decimal | str
NOT_APPLICABLE = "—"
TREND_MONTHS = 12


@dataclass(frozen=True)
class Row:
    cells: tuple[Cell, ...]  # the first is the label
    code: str = ""  # the division a row links to (one level down), or "" for none
    sub: bool = False  # a care-tier line under its programme


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: list[Row]
    total: Row | None = None

    def all_rows(self) -> list[Row]:
        return [*self.rows, *([self.total] if self.total else [])]


@dataclass
class Report:
    division: Division
    breadcrumb: list[Division]
    month: dt.date
    period: Period
    first: dt.date
    row_level: str
    with_amounts: bool
    areas: Table
    programmes: Table
    chart: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Figures:
    households: int = 0
    persons: int = 0
    grants: int = 0
    grant_persons: int = 0
    owed: int = 0  # fen
    paid: int = 0  # fen


def _run(statement: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return list(cursor.fetchall())


def _node(actor: User, division_code: str | None) -> Division:
    """The division shown: the actor's own, or one below it named by code (404 outside the jurisdiction)."""
    own = actor.division
    if own is None or not actor.scope_prefix:
        raise PermissionDenied("您的账号没有所属行政区划，不能查看统计")
    if not division_code:
        return own
    return division_get(actor=actor, code=division_code)


def _figures(
    node: Division, first: dt.date, last: dt.date
) -> tuple[dict[tuple[str, str], _Figures], dict[str, _Figures], dict[str, _Figures]]:
    """Run the three statements; returns figures by (area, programme), by programme, by tier, and the
    temporary-aid grants by area."""
    length = rules.area_prefix_length(node.level)
    params = {
        "prefix": _prefix(node) + "%",
        "first": first,
        "last": last,
        "until": next_month(last),
        "one_off": ONE_OFF.value,
        "tiered": TIERED.value,
    }
    by_area: dict[tuple[str, str], _Figures] = defaultdict(_Figures)
    by_programme: dict[str, _Figures] = defaultdict(_Figures)
    by_tier: dict[str, _Figures] = defaultdict(_Figures)
    for g, area, programme, tier, households, persons in _run(sql.RECIPIENTS.format(n=length), params):
        if g == 1:
            target = by_area[(area, programme)]
        elif g == 2:
            target = by_programme[programme]
        else:
            target = by_tier[tier or ""]
        target.households, target.persons = int(households), int(persons)
    for area, programme, owed, paid in _run(sql.AMOUNTS.format(n=length), params):
        for target in (by_area[(area, programme)], by_programme[programme]):
            target.owed += int(owed)
            target.paid += int(paid)
    for area, grants, persons, reserve in _run(sql.GRANTS.format(n=length), params):
        for target in (by_area[(area, ONE_OFF.value)], by_programme[ONE_OFF.value]):
            target.grants += int(grants)
            target.grant_persons += int(persons)
            target.owed += int(reserve)  # paid at once in cash: owed and paid
            target.paid += int(reserve)
    return by_area, by_programme, by_tier


def _prefix(division: Division) -> str:
    return division.short_code


def _money(fen: int) -> Decimal:
    return from_fen(fen)


def _area_rows(
    node: Division, by_area: dict[tuple[str, str], _Figures], totals: dict[str, _Figures], with_amounts: bool
) -> Table:
    """One row per division one level down (every current child, with or without figures, plus any other
    place a household is registered at), and the total row (distinct households over all rows)."""
    length = rules.area_prefix_length(node.level)
    keys = {area for area, _programme in by_area}
    condition = Q(code__in=[k.ljust(12, "0") for k in keys])
    if node.level < Level.VILLAGE:
        condition |= Q(parent=node, abolished_on__isnull=True)
    else:
        condition |= Q(pk=node.pk)
    places = {d.code[:length]: d for d in Division.objects.filter(condition).order_by("code")}
    dibao, extreme = Programme.DIBAO.value, Programme.EXTREME_POVERTY_SUPPORT.value
    headers = [
        f"{rules.LEVEL_NAMES[rules.row_level(node.level)]}",
        _("%(programme)s户数") % {"programme": label(dibao)},
        _("%(programme)s人数") % {"programme": label(dibao)},
        _("%(programme)s人数") % {"programme": label(extreme)},
        _("%(programme)s户次") % {"programme": label(ONE_OFF)},
        _("%(programme)s人次") % {"programme": label(ONE_OFF)},
    ]
    if with_amounts:
        headers += [_("应发金额（元）"), _("实发金额（元）")]

    def cells(name: str, pick: Any) -> tuple[Cell, ...]:
        values: list[Cell] = [
            name,
            pick(dibao).households,
            pick(dibao).persons,
            pick(extreme).persons,
            pick(ONE_OFF.value).grants,
            pick(ONE_OFF.value).grant_persons,
        ]
        if with_amounts:
            values += [_money(pick(None).owed), _money(pick(None).paid)]
        return tuple(values)

    def summed(figures: dict[str, _Figures]) -> _Figures:
        return _Figures(
            owed=sum(f.owed for f in figures.values()), paid=sum(f.paid for f in figures.values())
        )

    rows = []
    for key in sorted(set(places) | keys):
        own = {p: f for (a, p), f in by_area.items() if a == key}
        place = places.get(key)
        name = place.name if place else _("未知区划")
        drill = place is not None and place.level == rules.row_level(node.level) and place.pk != node.pk
        rows.append(
            Row(
                cells(name, lambda p, own=own: summed(own) if p is None else own.get(p, _Figures())),
                code=place.code if drill and rules.can_drill(place.level) else "",  # type: ignore[union-attr]
            )
        )
    total = Row(cells(_("合计"), lambda p: summed(totals) if p is None else totals.get(p, _Figures())))
    return Table(tuple(headers), rows, total)


def _programme_rows(
    by_programme: dict[str, _Figures], by_tier: dict[str, _Figures], with_amounts: bool
) -> Table:
    """Every catalogue programme with its 户数/人数 (monthly programmes) or 户次/人次 (临时救助), and the
    care tiers of 特困 under it; the total adds the money and the grants (households of different
    programmes are not added: one household can be in several)."""
    headers = [_("救助项目"), _("户数"), _("人数"), _("户次"), _("人次")]
    if with_amounts:
        headers += [_("应发金额（元）"), _("实发金额（元）")]

    def cells(name: str, f: _Figures, one_off: bool, money: bool = True) -> tuple[Cell, ...]:
        values: list[Cell] = [
            name,
            NOT_APPLICABLE if one_off else f.households,
            NOT_APPLICABLE if one_off else f.persons,
            f.grants if one_off else NOT_APPLICABLE,
            f.grant_persons if one_off else NOT_APPLICABLE,
        ]
        if with_amounts:
            values += [_money(f.owed), _money(f.paid)] if money else [NOT_APPLICABLE, NOT_APPLICABLE]
        return tuple(values)

    rows: list[Row] = []
    for programme in rules.programme_order():
        figures = by_programme.get(programme.value, _Figures())
        rows.append(Row(cells(label(programme), figures, programme == ONE_OFF)))
        if programme == TIERED:
            for tier in sorted(by_tier, key=rules.tier_order):
                name = f"{label(programme)} · {rules.tier_label(tier)}"
                rows.append(Row(cells(name, by_tier[tier], False, money=False), sub=True))
    one_off = by_programme.get(ONE_OFF.value, _Figures())
    total_figures = _Figures(
        grants=one_off.grants,
        grant_persons=one_off.grant_persons,
        owed=sum(f.owed for f in by_programme.values()),
        paid=sum(f.paid for f in by_programme.values()),
    )
    total = list(cells(_("合计"), total_figures, True))
    total[1] = total[2] = NOT_APPLICABLE
    return Table(tuple(headers), rows, Row(tuple(total)))


def _composition(programmes: Table, with_amounts: bool) -> dict[str, Any]:
    """The pie: money by programme, or — without money to show (no right to see it, or none paid) —
    households by programme."""
    money = [
        {"name": row.cells[0], "value": str(row.cells[5])}
        for row in programmes.rows
        if with_amounts and not row.sub and isinstance(row.cells[5], Decimal) and row.cells[5] != 0
    ]
    if money:
        return {"composition": money, "composition_unit": _("元")}
    households = [
        {"name": row.cells[0], "value": row.cells[1]}
        for row in programmes.rows
        if not row.sub and isinstance(row.cells[1], int) and row.cells[1] != 0
    ]
    return {"composition": households, "composition_unit": _("户")}


def _trend(node: Division, month: dt.date) -> dict[str, Any]:
    """Money by programme for the twelve months ending with ``month`` (one statement)."""
    months = [add_months(month, back) for back in range(1 - TREND_MONTHS, 1)]
    params: dict[str, Any] = {"prefix": _prefix(node) + "%", "one_off": ONE_OFF.value}
    values = []
    for i, m in enumerate(months):
        params[f"m{i}"], params[f"n{i}"] = m, next_month(m)
        values.append(f"(%(m{i})s, %(n{i})s)")
    amounts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for m, programme, fen in _run(sql.TREND.format(calendar=", ".join(values)), params):
        key = m if isinstance(m, str) else m.isoformat()
        amounts[programme][key[:7]] += int(fen)
    labels = [f"{m:%Y-%m}" for m in months]
    return {
        "months": labels,
        "series": [
            {"name": label(p), "data": [str(_money(amounts[p.value][k])) for k in labels]}
            for p in rules.programme_order()
            if p.value in amounts
        ],
    }


def statistics_report(
    *, actor: User, month: dt.date, period: Period = Period.MONTH, division_code: str | None = None
) -> Report:
    """The figures of ``division_code`` (default: the actor's own division; another one only within the
    actor's jurisdiction — ``DivisionNotFound`` otherwise) for the month or the year to date."""
    node = _node(actor, division_code)
    first, last = rules.period_months(month, period)
    by_area, by_programme, by_tier = _figures(node, first, last)
    with_amounts = actor.can(Capability.VIEW_PAYMENTS)
    own_level = actor.division.level if actor.division else Level.REGION
    programmes = _programme_rows(by_programme, by_tier, with_amounts)
    chart: dict[str, Any] = _composition(programmes, with_amounts)
    if with_amounts:
        chart["trend"] = _trend(node, last)
    return Report(
        division=node,
        breadcrumb=[d for d in division_breadcrumb(node) if d.level >= own_level],
        month=last,
        period=period,
        first=first,
        row_level=rules.LEVEL_NAMES[rules.row_level(node.level)],
        with_amounts=with_amounts,
        areas=_area_rows(node, by_area, by_programme, with_amounts),
        programmes=programmes,
        chart=chart,
    )
