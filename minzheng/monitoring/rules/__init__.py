"""Pure rules of 低收入人口动态监测预警 (issue 6; policy-rules.md §4): categories, the department feed
registry, the alert transition table, and the warning-rule condition language with its compiler to SQL.

No ORM here. A warning rule is *data* (ADR 0019): a JSON condition over named indicators, time windows
and thresholds that name effective-dated policy parameters. ``condition_validate`` explains every
problem in Chinese; ``rule_compile`` turns a valid rule into one ANSI SELECT over the tables the engine
loads (``monitor_persons``, ``monitor_households``, ``feed_records``, ``receipts``, ``population``,
``place_params``), using only joins, ``GROUP BY``, ``CASE`` and ``DATE '…'`` literals, so the same text
runs in DuckDB and in Spark SQL (ADR 0038).

The package: ``categories`` (低收入人口 categories, severities), ``alerts`` (statuses and transitions,
referral departments), ``feed_registry`` (the departments' feeds), ``conditions`` (the condition language
and its compiler) and ``builtin`` (the built-in rules).
"""

from minzheng.monitoring.rules.alerts import (
    ALERT_STATUS_LABELS,
    ALERT_TRANSITIONS,
    ALLOWED_TRANSITIONS,
    OPEN_STATUSES,
    REFERRAL_LABELS,
    AlertStatus,
    AlertTransition,
    ReferralDepartment,
    alert_transition_for,
    alert_transitions_from,
)
from minzheng.monitoring.rules.builtin import BUILTIN_RULES, RuleDefinition
from minzheng.monitoring.rules.categories import (
    BASIS_39,
    CATEGORY_LABELS,
    PREVIEW_JOB_KIND,
    PROGRAMME_CATEGORY,
    RUN_JOB_KIND,
    RUN_PHASE_LABELS,
    SEVERITY_LABELS,
    Category,
    Severity,
)
from minzheng.monitoring.rules.conditions import (
    ARITHMETIC,
    CODE_RE,
    FLAG_INDICATORS,
    MAX_MONTHS,
    NUMBER_INDICATORS,
    NUMBER_TYPE,
    OPERATORS,
    SUBJECT_LABELS,
    CompiledRule,
    RuleProblem,
    Subject,
    condition_validate,
    feeds_read,
    rule_compile_condition,
)
from minzheng.monitoring.rules.feed_registry import (
    FEEDS,
    ColumnType,
    FeedColumn,
    FeedSpec,
    feed_get,
    header_map,
)

__all__ = [
    "ALERT_STATUS_LABELS",
    "ALERT_TRANSITIONS",
    "ALLOWED_TRANSITIONS",
    "ARITHMETIC",
    "BASIS_39",
    "BUILTIN_RULES",
    "CATEGORY_LABELS",
    "CODE_RE",
    "FEEDS",
    "FLAG_INDICATORS",
    "MAX_MONTHS",
    "NUMBER_INDICATORS",
    "NUMBER_TYPE",
    "OPEN_STATUSES",
    "OPERATORS",
    "PREVIEW_JOB_KIND",
    "PROGRAMME_CATEGORY",
    "REFERRAL_LABELS",
    "RUN_JOB_KIND",
    "RUN_PHASE_LABELS",
    "SEVERITY_LABELS",
    "SUBJECT_LABELS",
    "AlertStatus",
    "AlertTransition",
    "Category",
    "ColumnType",
    "CompiledRule",
    "FeedColumn",
    "FeedSpec",
    "ReferralDepartment",
    "RuleDefinition",
    "RuleProblem",
    "Severity",
    "Subject",
    "alert_transition_for",
    "alert_transitions_from",
    "condition_validate",
    "feed_get",
    "feeds_read",
    "header_map",
    "rule_compile_condition",
]
