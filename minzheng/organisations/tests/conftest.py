"""Fixtures of the organisations tests: the built-in deadlines, registrars of two counties and the region, a
业务主管单位 with its user, and an organisation maker with valid credit codes."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from minzheng.common.credit_code import credit_code_complete
from minzheng.organisations import rules
from minzheng.organisations.models import Organisation, SupervisorStaff, SupervisorUnit
from minzheng.organisations.parameters import organisations_parameters_load
from minzheng.organisations.services.registry import OrganisationData, organisation_register

_serial = itertools.count(1)


def credit_code_for(organisation_type: str, division6: str, serial: int) -> str:
    return credit_code_complete(f"5{rules.TYPE_CODES[organisation_type]}{division6}MJ{serial:07d}")


@pytest.fixture
def org_users(divisions, make_user):
    organisations_parameters_load()
    unit = SupervisorUnit.objects.create(name="新城区教育局", division=divisions["xincheng"])
    other_unit = SupervisorUnit.objects.create(name="太仆寺旗文体局", division=divisions["taibus"])
    supervisor = make_user("orgsupervisor", "organisation_supervisor", divisions["xincheng"])
    SupervisorStaff.objects.create(unit=unit, user=supervisor)
    other_supervisor = make_user("taibus_supervisor", "organisation_supervisor", divisions["taibus"])
    SupervisorStaff.objects.create(unit=other_unit, user=other_supervisor)
    return {
        "registrar": make_user("orgregistrar", "organisation_registrar", divisions["xincheng"]),
        "registrar2": make_user("orgregistrar2", "organisation_registrar", divisions["xincheng"]),
        "taibus_registrar": make_user("taibus_registrar", "organisation_registrar", divisions["taibus"]),
        "region_registrar": make_user("region_registrar", "organisation_registrar", divisions["region"]),
        "supervisor": supervisor,
        "other_supervisor": other_supervisor,
        "caseworker": make_user("caseworker", "township_caseworker", divisions["street"]),
        "unit": unit,
        "other_unit": other_unit,
    }


@pytest.fixture
def make_org(org_users, divisions):
    def make(
        organisation_type: str = rules.OrganisationType.SOCIAL_GROUP,
        *,
        county: str = "xincheng",
        established_on: dt.date = dt.date(2020, 3, 1),
        supervised: bool = True,
        name: str = "",
    ) -> Organisation:
        serial = next(_serial)
        division = divisions[county]
        actor = org_users["registrar"] if county == "xincheng" else org_users["taibus_registrar"]
        unit = org_users["unit"] if county == "xincheng" else org_users["other_unit"]
        return organisation_register(
            actor=actor,
            data=OrganisationData(
                credit_code=credit_code_for(organisation_type, division.code[:6], serial),
                name=name or f"测试社会组织{serial}",
                organisation_type=organisation_type,
                division_code=division.code,
                legal_representative="王某某",
                domicile="呼和浩特市新城区某路1号",
                business_scope="开展公益活动",
                registered_capital=Decimal("30000"),
                established_on=established_on,
                supervisor_id=unit.pk if supervised else None,
                legal_rep_id_number="11010519491231002X",
                legal_rep_phone="13800138000",
            ),
        )

    return make
