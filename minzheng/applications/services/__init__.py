"""Writes of the application workflow (issue 4; split by sub-domain in issue 13):

- ``intake``: registering an application in any channel;
- ``transitions``: ``application_transition``, the one locked core every step change goes through
  (ADR 0001), with the requirements of the step;
- ``decisions`` and ``allowances``: what a transition decides, by the type of its input (``inputs``);
- ``records``: the step records, checked against ``rules.RECORDS``, and extending the overall limit;
- ``deadlines``, ``handover``, ``spot_checks``; ``access``: locking, jurisdiction and dates they share.

The names other apps, commands and tests import are re-exported here.
"""

from __future__ import annotations

from minzheng.applications.inputs import RECORDED_FIELDS, TransitionInput
from minzheng.applications.rules import RESERVE_PAID, TEMPORARY_WORKFLOWS
from minzheng.applications.services.deadlines import DUE_SOON_DAYS, deadlines_refresh
from minzheng.applications.services.decisions import MAX_INSTALMENTS
from minzheng.applications.services.enrolment import enrolment_from_application
from minzheng.applications.services.handover import application_handover
from minzheng.applications.services.intake import (
    ApplicationData,
    Registered,
    application_create,
    application_create_online,
    application_register,
    staff_relative_members,
)
from minzheng.applications.services.records import (
    EXPENSE_LABELS,
    MIN_INVESTIGATORS,
    application_extend,
    care_assessment_record,
    expense_record,
    home_visit_record,
    objection_record,
    verification_record,
)
from minzheng.applications.services.spot_checks import SPOT_CHECK_SHARE, spot_check_draw
from minzheng.applications.services.transitions import application_transition

__all__ = [
    "DUE_SOON_DAYS",
    "EXPENSE_LABELS",
    "MAX_INSTALMENTS",
    "MIN_INVESTIGATORS",
    "RECORDED_FIELDS",
    "RESERVE_PAID",
    "SPOT_CHECK_SHARE",
    "TEMPORARY_WORKFLOWS",
    "ApplicationData",
    "Registered",
    "TransitionInput",
    "application_create",
    "application_create_online",
    "application_register",
    "application_extend",
    "application_handover",
    "application_transition",
    "care_assessment_record",
    "deadlines_refresh",
    "enrolment_from_application",
    "expense_record",
    "home_visit_record",
    "objection_record",
    "spot_check_draw",
    "staff_relative_members",
    "verification_record",
]
