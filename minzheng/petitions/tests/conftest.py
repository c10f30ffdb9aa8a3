"""Fixtures of the petitions tests: the built-in 信访 limits, a petition handler at the Xincheng county and a
``register`` helper that files a matter through the real service."""

from __future__ import annotations

import pytest

from conftest import id_number
from minzheng.petitions.scan import petitions_parameters_load
from minzheng.petitions.services import PetitionData, petition_register

PETITIONER_ID = id_number("150102", seq=901)


@pytest.fixture
def ready(divisions, users, make_user):
    petitions_parameters_load()
    users["handler"] = make_user("handler", "petition_handler", divisions["xincheng"])
    users["handler2"] = make_user("handler2", "petition_handler", divisions["xincheng"])
    users["caseworker2"] = make_user("caseworker2", "township_caseworker", divisions["street"])
    return users


@pytest.fixture
def register(ready):
    def make(actor=None, **overrides):
        fields = {
            "channel": "window",
            "kind": "complaint",
            "matter_type": "assistance",
            "subject": "低保审核不公",
            "content": "我家申请低保被拒，认为收入核算有误。",
            "name": "王秀英",
            "id_number": PETITIONER_ID,
            "phone": "13800001111",
        }
        fields.update(overrides)
        return petition_register(actor=actor or ready["handler"], data=PetitionData(**fields))

    return make
