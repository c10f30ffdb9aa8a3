"""Writes of 动态监测预警 (issue 6): the monitored population refresh, monitoring runs (alerts written
set-based, deduplicated by the open-alert unique index), escalation, the alert closed loop (one service
per transition of ``rules.ALERT_TRANSITIONS``) and warning-rule editing with preview and publication.

Every transition locks the alert (``select_for_update``), compares the status the user saw and writes the
alert's timeline row and an audit event in the same transaction.

The package: ``population`` (built-in thresholds and rules, the monitored population), ``runs`` (runs and
escalation), ``alerts`` (the closed loop) and ``warning_rules`` (rules as data); ``common`` holds the
errors they share.
"""

from minzheng.monitoring.services.alerts import (
    alert_application_open,
    alert_assist,
    alert_close,
    alert_dismiss,
    alert_refer,
    alert_review_schedule,
    alert_verify,
    referral_feedback_record,
    referral_reply_by_department,
)
from minzheng.monitoring.services.common import REGION, AlertTransitionRefused, RuleInvalid
from minzheng.monitoring.services.population import (
    BUILTIN_PARAMETERS,
    monitoring_parameters_load,
    population_refresh,
    rule_builtin_load,
)
from minzheng.monitoring.services.runs import (
    RUN_JOB,
    RUN_STALE_HOURS,
    RuleOutcome,
    alerts_escalate,
    monitoring_run,
    monitoring_run_start,
    rule_evaluate,
)
from minzheng.monitoring.services.warning_rules import (
    PREVIEW_JOB,
    RuleData,
    condition_text,
    max_flag_share,
    rule_data_from,
    rule_draft_save,
    rule_preview,
    rule_preview_start,
    rule_publish,
)

__all__ = [
    "BUILTIN_PARAMETERS",
    "PREVIEW_JOB",
    "REGION",
    "RUN_JOB",
    "RUN_STALE_HOURS",
    "AlertTransitionRefused",
    "RuleData",
    "RuleInvalid",
    "RuleOutcome",
    "alert_application_open",
    "alert_assist",
    "alert_close",
    "alert_dismiss",
    "alert_refer",
    "alert_review_schedule",
    "alert_verify",
    "alerts_escalate",
    "condition_text",
    "max_flag_share",
    "monitoring_parameters_load",
    "monitoring_run",
    "monitoring_run_start",
    "population_refresh",
    "referral_feedback_record",
    "referral_reply_by_department",
    "rule_builtin_load",
    "rule_data_from",
    "rule_draft_save",
    "rule_evaluate",
    "rule_preview",
    "rule_preview_start",
    "rule_publish",
]
