"""Two clerks registering the same ID number at the same moment: exactly one person is created."""

import datetime as dt
import threading

import pytest
from django.db import connection

from conftest import id_number
from minzheng.common.errors import DomainError
from minzheng.registry.models import Membership, Person
from minzheng.registry.services import PersonData, person_add_to_household


@pytest.mark.django_db(transaction=True)
def test_same_id_registered_concurrently_creates_one_person(users, household_factory):
    # given two households and one new ID number
    first = household_factory()
    second = household_factory(division_code="150102001002", head_name="赵六")
    number = id_number(seq=555)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def register(household):
        try:
            barrier.wait(timeout=5)
            person_add_to_household(
                actor=users["caseworker"], household=household,
                data=PersonData(name="孙七", id_number=number, employment_status="employed"),
                relation="spouse", joined_on=dt.date(2024, 1, 1),
            )  # fmt: skip
            outcomes.append("created")
        except DomainError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    # when both submit at once
    threads = [threading.Thread(target=register, args=(h,)) for h in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    # then one wins; the other gets a clear conflict and nothing half-written remains
    assert sorted(outcomes) in (["created", "duplicate_id_number"], ["created", "person_in_other_household"])
    assert Person.objects.filter(name="孙七").count() == 1
    assert Membership.objects.filter(person__name="孙七").count() == 1
    counts = sorted(h.member_count for h in type(first).objects.filter(pk__in=[first.pk, second.pk]))
    assert counts == [1, 2]
