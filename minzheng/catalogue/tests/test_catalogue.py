"""Every catalogue entry is wired end to end: its benefit rule and portal guide resolve, each workflow has a
transition table, the papers are document kinds, the monitoring category exists, and the parameter store
holds a row for it. A new programme that misses one of these fails here, not in front of a caseworker."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

from minzheng.applications.rules import WORKFLOWS as TRANSITION_TABLES
from minzheng.catalogue.programmes import (
    PROGRAMMES,
    WORKFLOWS,
    AssessedPer,
    Programme,
    Workflow,
    programme_of,
)
from minzheng.catalogue.roles import ROLE_CAPABILITIES, Role
from minzheng.documents.models import DocumentKind
from minzheng.monitoring.rules import Category
from minzheng.payments.rules import payment_purpose
from minzheng.policy.models import Programme as ProgrammeRow


@pytest.mark.parametrize("code", list(Programme))
def test_every_programme_has_a_complete_entry(code: Programme) -> None:
    spec = PROGRAMMES[code]
    assert spec.code is code
    assert spec.label
    assert "《" in spec.legal_basis or "号" in spec.legal_basis  # cites a document
    assert callable(import_string(spec.benefit_rule))
    assert callable(import_string(spec.portal_guide))
    assert spec.workflows
    for workflow in spec.workflows:
        assert code in WORKFLOWS[workflow].programmes
    assert {str(p) for p in spec.papers} <= set(DocumentKind.values)
    if spec.monitoring_category is not None:
        assert spec.monitoring_category in set(Category)
    assert spec.takes_request is (code == Programme.TEMPORARY_ASSISTANCE)


@pytest.mark.parametrize("workflow", list(Workflow))
def test_every_workflow_has_a_transition_table_and_enrols_catalogue_programmes(workflow: Workflow) -> None:
    spec = WORKFLOWS[workflow]
    assert spec.code is workflow
    assert spec.label
    assert spec.short_label
    assert TRANSITION_TABLES[workflow]
    assert all(workflow in PROGRAMMES[p].workflows for p in spec.programmes)
    assert spec.subject in ("household", "self", "member", "child")
    if spec.subject in ("member", "child"):
        assert all(PROGRAMMES[p].assessed_per is AssessedPer.MEMBER for p in spec.programmes)
    assert not spec.online or spec.applicant_hint  # an online workflow tells the applicant who it is for


def test_programme_of_a_workflow() -> None:
    assert programme_of(Workflow.TEMPORARY_EMERGENCY) == "temporary_assistance"
    assert programme_of(Workflow.DIBAO) == "dibao"
    assert programme_of(Workflow.DISABILITY_SUBSIDIES) == "disability_subsidies"  # names its subsidies


def test_payroll_purpose_comes_from_the_catalogue() -> None:
    import datetime as dt

    month = dt.date(2026, 12, 1)
    assert payment_purpose(Programme.DIBAO, month) == "低保金2026年12月"
    assert payment_purpose(Programme.DE_FACTO_ORPHAN_ALLOWANCE, month) == "事实无人抚养儿童补贴2026年12月"
    assert payment_purpose("not_a_programme", month) == "救助金2026年12月"


def test_every_role_has_capabilities() -> None:
    assert set(ROLE_CAPABILITIES) == set(Role)
    assert all(ROLE_CAPABILITIES[role] for role in Role)


@pytest.mark.django_db
def test_the_parameter_store_holds_every_programme_in_catalogue_order() -> None:
    rows = list(ProgrammeRow.objects.order_by("sort_order").values_list("code", "name", "legal_basis"))
    assert rows == [(str(s.code), s.label, s.legal_basis) for s in PROGRAMMES.values()]
