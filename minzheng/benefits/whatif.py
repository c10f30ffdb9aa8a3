"""What-if for standard setting (issue 3 §7): a proposed parameter change from a date, recomputed over all
stored households of the actor's jurisdiction, set-based (``columnar``), against the parameters in force.

The report says, per division one level below the actor's (or at a chosen level): how many households
gain or lose 低保 eligibility or change amount, the monthly and annual (× 12) cost difference, the 低保
边缘 households and the 高龄津贴 cost before and after. Nothing is written but an audit event; the
change itself is made afterwards through ``policy.services.parameter_set``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from minzheng.audit.services import event_record
from minzheng.benefits import columnar
from minzheng.benefits.params import InMemoryParams
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.policy.rules import (
    PARAMETER_KEYS,
    Kind,
    ParameterEntry,
    Status,
    entry_problems,
    jurisdiction_chain,
    parameter_value_normalise,
)

# The keys the columnar rules read, so a change to them moves the figures.
WHATIF_KEYS = (
    "dibao.standard_monthly",
    "margin.income_multiple",
    "income.reference_period_months",
    "rounding",
    "supplements",
    "assets.rules",
    "senior_allowance.brackets",
)
PERCENT_KINDS = frozenset({Kind.MONEY, Kind.MULTIPLE, Kind.RATIO})
LEVEL_DIGITS = {Level.REGION: 2, Level.PREFECTURE: 4, Level.COUNTY: 6, Level.TOWNSHIP: 9, Level.VILLAGE: 12}
CENT = Decimal("0.01")
# The steps a run reports: the parameters, the four snapshot tables, the two assessments, the summary.
WHATIF_STEPS = 8
SNAPSHOT_LABELS = {
    "households": "在册家庭",
    "members": "家庭成员",
    "incomes": "收入记录",
    "assets": "财产记录",
}
Progress = Callable[[int, str], None]


class WhatIfInvalid(ValidationFailed):
    code = "whatif_invalid"


@dataclass(frozen=True)
class ProposedChange:
    """A new version of ``key`` for a jurisdiction from ``valid_from``: either ``value`` (the stored form
    or text) or ``percent`` (a change of the value in force, for money, multiples and ratios)."""

    key: str
    division_code: str
    urban_rural: str
    valid_from: dt.date
    value: Any = None
    percent: Decimal | None = None


@dataclass
class WhatIfRow:
    division_code: str
    division_name: str
    households: int = 0
    refused: int = 0  # households the rules cannot assess (no member, inconsistent records)
    dibao_before: int = 0
    dibao_after: int = 0
    gained: int = 0
    lost: int = 0
    changed: int = 0  # eligible before and after, with another amount
    persons_before: int = 0
    persons_after: int = 0
    monthly_before: Decimal = Decimal("0.00")
    monthly_after: Decimal = Decimal("0.00")
    margin_before: int = 0
    margin_after: int = 0
    # 需人工核定 (an asset limit or 分类施保 amount not configured): neither counted as 低保 nor costed
    manual_before: int = 0
    manual_after: int = 0
    senior_before: Decimal = Decimal("0.00")
    senior_after: Decimal = Decimal("0.00")

    @property
    def monthly_difference(self) -> Decimal:
        return self.monthly_after - self.monthly_before

    @property
    def annual_difference(self) -> Decimal:
        """Twelve months at the new monthly figure (the cost of a full year under the standard)."""
        return self.monthly_difference * 12

    @property
    def senior_difference(self) -> Decimal:
        return self.senior_after - self.senior_before


@dataclass(frozen=True)
class WhatIfReport:
    change: ProposedChange
    entry: ParameterEntry
    value_before: Any
    value_after: Any
    as_of: dt.date
    level: int
    rows: list[WhatIfRow]
    total: WhatIfRow
    seconds: float
    snapshot: dict[str, int] = field(default_factory=dict)


def _actor_prefix(actor: Any) -> str:
    prefix: str | None = getattr(actor, "scope_prefix", None)
    if not getattr(actor, "is_authenticated", False) or not prefix:
        raise PermissionDenied("您没有所属区划，不能测算")
    return prefix


def _change_division(actor: Any, change: ProposedChange) -> Division:
    """The proposed jurisdiction must be the actor's own, an ancestor of it (its households are then
    the actor's share of the change) or inside it; and a level at which standards are set."""
    division = Division.objects.filter(code=change.division_code).first()
    if division is None:
        raise WhatIfInvalid(f"区划 {change.division_code} 不存在", field="division_code")
    prefix = _actor_prefix(actor)
    own = actor.division.code
    if not (division.code.startswith(prefix) or division.code in jurisdiction_chain(own)):
        raise PermissionDenied(f"区划 {division.name} 不在您的管辖范围内", field="division_code")
    return division


def proposed_entry(actor: Any, change: ProposedChange, params: InMemoryParams) -> tuple[ParameterEntry, Any]:
    """The entry the change would write, and the value in force before it for the same place and type."""
    if change.key not in WHATIF_KEYS:
        labels = "、".join(PARAMETER_KEYS[k].label for k in WHATIF_KEYS)
        raise WhatIfInvalid(f"测算只支持这些参数：{labels}", field="key")
    division = _change_division(actor, change)
    before = params.get(change.key, division.code, change.urban_rural, change.valid_from).value
    if change.percent is not None:
        if PARAMETER_KEYS[change.key].kind not in PERCENT_KINDS:
            raise WhatIfInvalid("该参数不是金额、倍数或比例，请直接填写新取值", field="percent")
        raw: Any = (Decimal(str(before)) * (1 + change.percent / 100)).quantize(CENT, rounding=ROUND_HALF_UP)
    elif change.value is None or change.value == "":
        raise WhatIfInvalid("请填写新取值或调整比例", field="value")
    else:
        raw = change.value
    entry = ParameterEntry(
        change.key,
        division.code,
        change.urban_rural,
        change.valid_from,
        None,
        parameter_value_normalise(change.key, raw),
        Status.UNCONFIRMED.value,
        "标准测算（未生效）",
    )
    problems = entry_problems(entry, division.level)
    if problems:
        raise WhatIfInvalid(problems[0], field="division_code")
    return entry, before


def whatif_value_in_force(*, actor: Any, key: str, division_code: str, urban_rural: str, on: dt.date) -> Any:
    """The value of ``key`` in force for the place, town-or-country type and date, read as ``whatif_run``
    reads it (the stored parameters): what the what-if editor shows and a change replaces. Raises
    ``ParameterMissing`` when none is, ``WhatIfInvalid``/``PermissionDenied`` as ``whatif_run`` does."""
    change = ProposedChange(key, division_code, urban_rural, on)
    if key not in WHATIF_KEYS:
        raise WhatIfInvalid("测算不支持该参数", field="key")
    division = _change_division(actor, change)
    return columnar.stored_params().get(key, division.code, urban_rural, on).value


_AGGREGATE_SQL = """
SELECT rpad(substr(b.division_code, 1, $digits), 12, '0') AS code,
    count(*) AS households,
    count(*) FILTER (WHERE b.error IS NOT NULL) AS refused,
    count(*) FILTER (WHERE b.dibao_eligible) AS dibao_before,
    count(*) FILTER (WHERE n.dibao_eligible) AS dibao_after,
    count(*) FILTER (WHERE n.dibao_eligible AND NOT b.dibao_eligible) AS gained,
    count(*) FILTER (WHERE b.dibao_eligible AND NOT n.dibao_eligible) AS lost,
    count(*) FILTER (WHERE b.dibao_eligible AND n.dibao_eligible AND b.dibao_amount_fen <> n.dibao_amount_fen)
        AS changed,
    coalesce(sum(b.persons) FILTER (WHERE b.dibao_eligible), 0) AS persons_before,
    coalesce(sum(n.persons) FILTER (WHERE n.dibao_eligible), 0) AS persons_after,
    coalesce(sum(b.dibao_amount_fen), 0) AS monthly_before,
    coalesce(sum(n.dibao_amount_fen), 0) AS monthly_after,
    count(*) FILTER (WHERE b.margin_eligible) AS margin_before,
    count(*) FILTER (WHERE n.margin_eligible) AS margin_after,
    count(*) FILTER (WHERE b.dibao_manual) AS manual_before,
    count(*) FILTER (WHERE n.dibao_manual) AS manual_after,
    coalesce(sum(b.senior_fen), 0) AS senior_before,
    coalesce(sum(n.senior_fen), 0) AS senior_after
FROM results_base b JOIN results_new n USING (household_id)
GROUP BY ALL ORDER BY code
"""
_COUNTS = ("households", "refused", "dibao_before", "dibao_after", "gained", "lost", "changed",
           "persons_before", "persons_after", "margin_before", "margin_after", "manual_before",
           "manual_after")  # fmt: skip
_MONEY = ("monthly_before", "monthly_after", "senior_before", "senior_after")


def level_for(actor: Any, level: int | None) -> int:
    own = actor.division.level
    chosen = level if level is not None else min(own + 1, Level.VILLAGE)
    if chosen not in LEVEL_DIGITS or chosen < own:
        raise WhatIfInvalid("汇总层级应为本级或下级区划", field="level")
    return chosen


def whatif_run(
    *, actor: Any, change: ProposedChange, level: int | None = None, progress: Progress | None = None
) -> WhatIfReport:
    """Assess every household of the actor's jurisdiction on ``change.valid_from`` twice — with the
    parameters in force and with the change — and sum the differences by division at ``level``
    (default: one level below the actor's division). Raises ``ParameterMissing`` when a place has no
    parameter on that date, ``WhatIfInvalid``/``PermissionDenied`` for a change the actor may not test.
    ``progress(done, message)`` is told each of the ``WHATIF_STEPS`` steps as it ends (the job's bar)."""
    started = time.perf_counter()
    step = _Steps(progress)
    baseline = columnar.stored_params()
    entry, before = proposed_entry(actor, change, baseline)
    proposed = baseline.with_entry(entry)
    chosen = level_for(actor, level)
    step("已读取现行参数和调整后参数")
    con = columnar.duck()
    snapshot = columnar.snapshot_load(
        con,
        as_of=change.valid_from,
        division_prefix=_actor_prefix(actor),
        progress=lambda name, rows: step(f"已读取{SNAPSHOT_LABELS[name]} {rows} 条"),
    )
    columnar.results_compute(con, baseline, change.valid_from, suffix="_base")
    step("已按现行参数计算全部家庭")
    # Only the households under the changed division can move: the others are copied from the first pass.
    within = Division.objects.get(code=entry.division_code).short_code
    columnar.results_compute(con, proposed, change.valid_from, suffix="_new", division_prefix=within)
    columnar.run(con, "INSERT INTO results_new SELECT * FROM results_base WHERE division_code NOT LIKE $w",
                 {"w": f"{within}%"})  # fmt: skip
    step("已按调整后参数计算受影响的家庭")
    cursor = con.execute(_AGGREGATE_SQL, {"digits": LEVEL_DIGITS[Level(chosen)]})
    names = [d[0] for d in cursor.description]
    raw = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    labels = dict(Division.objects.filter(code__in=[r["code"] for r in raw]).values_list("code", "name"))
    rows = [_row(r, labels.get(r["code"], r["code"])) for r in raw]
    total = WhatIfRow("", "合计")
    for row in rows:
        for name in (*_COUNTS, *_MONEY):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    report = WhatIfReport(change, entry, before, entry.value, change.valid_from, chosen, rows, total,
                          round(time.perf_counter() - started, 3), snapshot)  # fmt: skip
    event_record(
        actor=actor,
        verb="benefits.whatif_run",
        object_type="policy.parameter",
        object_id=change.key,
        division_code=change.division_code,
        summary=f"标准测算：{PARAMETER_KEYS[change.key].label} 自 {change.valid_from} 起 "
        f"{before} → {entry.value}，{total.households} 户，月支出变化 {total.monthly_difference} 元",
        data={"key": change.key, "before": before, "after": entry.value, "households": total.households,
              "monthly_difference": str(total.monthly_difference), "seconds": report.seconds},
    )  # fmt: skip
    step("已按区划汇总")
    return report


class _Steps:
    """Counts the steps of a run for ``progress``."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress, self.done = progress, 0

    def __call__(self, message: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress(self.done, message)


def _row(raw: dict[str, Any], name: str) -> WhatIfRow:
    row = WhatIfRow(raw["code"], name)
    for key in _COUNTS:
        setattr(row, key, int(raw[key]))
    for key in _MONEY:
        setattr(row, key, (Decimal(int(raw[key])) / 100).quantize(CENT))
    return row
