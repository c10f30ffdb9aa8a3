"""The people part of ``demo-setup``: the register is filled, demo township contacts (one with the demo
portal account's phone), labelled stand-in cut-offs, completed assessments; a second run adds nothing."""

from __future__ import annotations

import pytest

from minzheng.demo import eldercare_people
from minzheng.demo.registry import demo_setup
from minzheng.eldercare.models import CapacityAssessment, CareContact, OlderPerson
from minzheng.policy.models import Parameter
from minzheng.portal.models import PortalAccount

pytestmark = pytest.mark.django_db


def test_demo_people_and_assessments(divisions):
    result = demo_setup(households=300)
    assert OlderPerson.objects.filter(active=True).count() > 20
    assert any(note.startswith("老年人名册：在册") for note in result.notes)
    account = PortalAccount.objects.filter(person__isnull=False).order_by("pk").first()  # the demo binding
    family = CareContact.objects.get(phone_index=account.phone_index)
    assert family.may_order
    assert family.older_person.person_id != account.person_id
    assert CareContact.objects.filter(is_guardian=True).exists()
    demo = Parameter.objects.filter(source=eldercare_people.DEMO_SOURCE)
    assert set(demo.values_list("status", flat=True)) == {"unconfirmed"}
    assert set(demo.values_list("key", flat=True)) == {
        "eldercare.assessment.level_bands",
        "eldercare.assessment.reassessment_months",
    }
    completed = CapacityAssessment.objects.filter(status="completed")
    assert completed.count() == 4
    assert set(completed.values_list("level", flat=True)) == {"intact", "mild", "moderate", "severe"}
    assert OlderPerson.objects.exclude(capacity_level="").count() == 4
    counts = (CareContact.objects.count(), CapacityAssessment.objects.count(), demo.count())
    eldercare_people.demo_ensure()
    assert (CareContact.objects.count(), CapacityAssessment.objects.count(), demo.count()) == counts
