"""Set-based assessment of stored households in DuckDB (issue 3 §6–7; architecture decision 7).

The pure engine (``engine.assess``) explains one household; this module computes the same figures for
every stored household of a jurisdiction at once, for the what-if of standard setting and the benchmark.
It covers the programmes whose inputs the registry holds today:

* 低保 — eligibility, per-capita income and the monthly amount (差额 × members + 分类施保, rounded);
* 低保边缘家庭 — the identification;
* 高龄津贴 — the per-person age brackets.

Each is the *same* rule as the pure module, on the facts ``selectors.household_facts_many`` builds
(the mapping in its docstring); ``tests/test_columnar.py`` compares both household by household on a
generated population. Parameters are resolved in Python with the policy app's own resolution, once per
group of households that share them (same jurisdiction chain and urban/rural type), so what differs is
only where the arithmetic runs. Money is computed exactly in integer fen: a prorated income share
``amount × overlap / days`` is a fraction, so the household's income is summed over a common
denominator (the lcm of the record lengths) in 128-bit integers and rounded half-up once, as
``means_test.IncomeSummary`` does with ``Fraction``.

Not covered (stored data does not hold the inputs yet): gradual exit (needs the enrolment, issue 5),
programmes received, 特困 support conditions, refusal of work (审核确认办法第 34 条).

The package: ``snapshot`` (registry → Arrow → DuckDB), ``groups`` (parameters resolved once per group of
households, written as tables) and ``results`` (the rules in SQL).
"""

from minzheng.benefits.columnar.groups import (
    PROGRAMMES_WITH_INCOME,
    GroupParameters,
    condition_sql,
    groups_build,
)
from minzheng.benefits.columnar.results import results_compute, results_rows, stored_params
from minzheng.benefits.columnar.snapshot import SNAPSHOT_SCHEMAS, duck, fetch_arrow, run, snapshot_load

__all__ = [
    "PROGRAMMES_WITH_INCOME",
    "SNAPSHOT_SCHEMAS",
    "GroupParameters",
    "condition_sql",
    "duck",
    "fetch_arrow",
    "groups_build",
    "results_compute",
    "results_rows",
    "run",
    "snapshot_load",
    "stored_params",
]
