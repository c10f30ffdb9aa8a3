"""The application workflows as explicit transition tables (pure; ADR 0001: status changes only through
the transition services, roles checked per step). policy-rules.md §1.2–1.7 (低保), §2.2–2.3 (特困), §3.3
(临时救助), §6.1–6.3 (高龄津贴, 残疾人两项补贴, 孤儿 and 事实无人抚养儿童).

A workflow is a tuple of ``Transition``s, one row each: its code and label, the source and target step, who
may take it at which level of the application's jurisdiction (the household's village, the accepting
township, or the county that confirms), the records it requires, the deadline the *target* step gets
(``due``; ``KEEP`` carries the running one over) and the article it rests on. ``transition_for`` is the only
way a service finds a transition, so a step cannot be skipped or taken twice. What each transition's form
carries is ``applications.inputs.INPUTS``; who may enter which step record is ``RECORDS``.

- ``steps``: steps, channels, levels, requirements, role sets, the ``Transition`` row and its builder;
- ``assistance`` and ``allowances``: the tables, one per procedure;
- ``workflows``: every workflow's table with the exits, the lookups, time limits and handover;
- ``records``: who records what at which step.

Workflow codes, labels and programme facts are the catalogue's (``minzheng.catalogue.programmes``); the
names other apps import from here are re-exported from it. Whose application it is (the catalogue's
``subject``): 特困 is the applicant's own (特困人员认定办法第 10 条); an allowance is for one person, filed
by the person, a guardian, a near relative or the village committee (两项补贴: 国发〔2015〕52号; the notes
name no restriction for 高龄津贴, so a co-resident family member may file); for children the guardian
applies (2019 opinion; 孤儿 the same shape), so the subject is a child under 18 other than the applicant.
Paid from the month of application: 高龄津贴 (Inner Mongolia measures) and 两项补贴 (国发〔2015〕52号); 孤儿
and 事实无人抚养儿童 from the month after the county's confirmation (2019 opinion). 先行救助 and 小额快救 are
paid at once from the township's reserve fund (民发〔2018〕23号 §三(三); 2020 opinion item 15).
"""

from __future__ import annotations

from minzheng.applications.rules.allowances import (
    DE_FACTO_ORPHAN,
    DISABILITY_SUBSIDIES,
    ORPHAN,
    SENIOR_ALLOWANCE,
)
from minzheng.applications.rules.assistance import (
    DIBAO,
    EXTREME_POVERTY,
    MARGIN,
    RIGID_EXPENSE,
    TEMPORARY_EMERGENCY,
    TEMPORARY_EXPENDITURE,
    TEMPORARY_SMALL_FAST,
)
from minzheng.applications.rules.records import (
    RECORD_LABELS,
    RECORD_WORKFLOW_REFUSALS,
    RECORDS,
    Record,
    RecordRule,
    record_roles,
    record_rule,
    record_rules,
    records_open,
)
from minzheng.applications.rules.steps import (
    ASSISTANCE_48,
    CASEWORK,
    CONFIRMERS,
    COUNTY,
    DE_FACTO_2019,
    DIBAO_MEASURES,
    DISABILITY_2015,
    EP_MEASURES,
    FINAL_STEPS,
    KEEP,
    MARGIN_RIGID_IM,
    NOTICE_2022,
    OPEN_STEPS,
    ORPHAN_2010,
    RECORDERS,
    RIGID_MEASURES,
    SENIOR_IM,
    TEMPORARY_2018,
    TEMPORARY_2026,
    TEMPORARY_APPROVERS,
    TOWNSHIP,
    TOWNSHIP_LEAD,
    VILLAGE,
    Channel,
    Due,
    Keep,
    Level,
    Requirement,
    Step,
    Transition,
)
from minzheng.applications.rules.workflows import (
    ALLOWANCE_PROGRAMMES,
    CHILD_AGE,
    DISABILITY_CARE,
    DISABILITY_LIVING,
    EXTENSION_REASONS,
    HANDOVER_FROM,
    HANDOVER_ROLES,
    HANDOVER_TO,
    OVERALL_LIMIT,
    OVERALL_LIMIT_DELEGATED,
    OVERALL_LIMIT_EXTENDED,
    SUBSIDY_LABELS,
    VALIDITY_MONTHS,
    WORKFLOW_PROGRAMME,
    WORKFLOWS,
    available,
    role_may,
    transition_for,
    transitions,
)
from minzheng.catalogue.programmes import (
    ALLOWANCE_WORKFLOWS,
    CHILD_WORKFLOWS,
    PAID_FROM_APPLICATION_MONTH,
    PERSON_WORKFLOWS,
    RESERVE_PAID,
    SELF_ONLY_WORKFLOWS,
    TEMPORARY_WORKFLOWS,
    WORKFLOW_LABELS,
    Workflow,
)

__all__ = [
    "ALLOWANCE_PROGRAMMES",
    "ALLOWANCE_WORKFLOWS",
    "ASSISTANCE_48",
    "CASEWORK",
    "CHILD_AGE",
    "CHILD_WORKFLOWS",
    "CONFIRMERS",
    "COUNTY",
    "DE_FACTO_2019",
    "DE_FACTO_ORPHAN",
    "DIBAO",
    "DIBAO_MEASURES",
    "DISABILITY_2015",
    "DISABILITY_CARE",
    "DISABILITY_LIVING",
    "DISABILITY_SUBSIDIES",
    "EP_MEASURES",
    "EXTENSION_REASONS",
    "EXTREME_POVERTY",
    "FINAL_STEPS",
    "HANDOVER_FROM",
    "HANDOVER_ROLES",
    "HANDOVER_TO",
    "KEEP",
    "MARGIN",
    "MARGIN_RIGID_IM",
    "NOTICE_2022",
    "OPEN_STEPS",
    "ORPHAN",
    "ORPHAN_2010",
    "OVERALL_LIMIT",
    "OVERALL_LIMIT_DELEGATED",
    "OVERALL_LIMIT_EXTENDED",
    "PAID_FROM_APPLICATION_MONTH",
    "PERSON_WORKFLOWS",
    "RECORDERS",
    "RECORDS",
    "RECORD_LABELS",
    "RECORD_WORKFLOW_REFUSALS",
    "RESERVE_PAID",
    "RIGID_EXPENSE",
    "RIGID_MEASURES",
    "SELF_ONLY_WORKFLOWS",
    "SENIOR_ALLOWANCE",
    "SENIOR_IM",
    "SUBSIDY_LABELS",
    "TEMPORARY_2018",
    "TEMPORARY_2026",
    "TEMPORARY_APPROVERS",
    "TEMPORARY_EMERGENCY",
    "TEMPORARY_EXPENDITURE",
    "TEMPORARY_SMALL_FAST",
    "TEMPORARY_WORKFLOWS",
    "TOWNSHIP",
    "TOWNSHIP_LEAD",
    "VALIDITY_MONTHS",
    "VILLAGE",
    "WORKFLOWS",
    "WORKFLOW_LABELS",
    "WORKFLOW_PROGRAMME",
    "Channel",
    "Due",
    "Keep",
    "Level",
    "Record",
    "RecordRule",
    "Requirement",
    "Step",
    "Transition",
    "Workflow",
    "available",
    "record_roles",
    "record_rule",
    "record_rules",
    "records_open",
    "role_may",
    "transition_for",
    "transitions",
]
