# ruff: noqa: F811  (the fixtures are imported from fixtures_apply, then used as parameters)
"""Double submission with two real database connections (two tabs, two clicks released together): exactly
one application, the other request gets “该申请已提交，请勿重复提交”, and nothing is written twice."""

from __future__ import annotations

import pytest

from minzheng.applications.models import Application, ApplicationEvent
from minzheng.applications.tests.test_concurrency import race
from minzheng.portal import apply
from minzheng.portal.models import ApplicationDraft
from minzheng.portal.tests.fixtures_apply import (  # noqa: F401  (fixtures)
    account,
    fill_bound_dibao,
    home,
    media,
    new_account,
    new_household_values,
    outbox,
)
from minzheng.registry.models import Household, IncomeRecord, Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_tabs_submitting_the_same_draft_make_one_application(account, home):
    pk = fill_bound_dibao(account)

    outcomes = race(lambda: apply.draft_submit(account_id=account.pk, pk=pk),
                    lambda: apply.draft_submit(account_id=account.pk, pk=pk))  # fmt: skip

    created = [o for o in outcomes if isinstance(o, Application)]
    refused = [o for o in outcomes if isinstance(o, apply.AlreadySubmitted)]
    assert (len(created), len(refused)) == (1, 1), outcomes
    assert (refused[0].message, refused[0].application_id) == ("该申请已提交，请勿重复提交", created[0].pk)
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.filter(code="submit").count() == 1
    assert IncomeRecord.objects.filter(household=home).count() == 2  # declared once
    assert ApplicationDraft.objects.get(pk=pk).application_id == created[0].pk


def test_an_applicant_not_in_the_registry_is_registered_once(new_account):
    draft = apply.draft_start(account=new_account, workflow="dibao")
    for section, values in (("household", new_household_values()), ("income", {}), ("assets", {}),
                            ("pledge", {"pledge": True, "authorisation": True})):  # fmt: skip
        apply.draft_section_save(account=new_account, pk=draft.pk, section=section, values=values)

    outcomes = race(lambda: apply.draft_submit(account_id=new_account.pk, pk=draft.pk),
                    lambda: apply.draft_submit(account_id=new_account.pk, pk=draft.pk))  # fmt: skip

    assert sorted(type(o).__name__ for o in outcomes) == ["AlreadySubmitted", "Application"], outcomes
    assert Household.objects.count() == 1
    assert Person.objects.count() == 2
    assert Application.objects.count() == 1
