"""The registry JSON API: scoping, masking, validation, conflicts, permissions, pagination."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from minzheng.accounts.api_auth import api_token_create
from minzheng.audit.models import Event
from minzheng.common.identity import make_resident_id
from minzheng.registry.models import Household, Membership, Person

API = "/api/v1"
HEAD_ID = make_resident_id("150102", dt.date(1975, 3, 8), 211)
HEAD_PHONE = "13912345678"
BANK_ACCOUNT = "6228480012345678901"
CHECKSUM_MESSAGE = "身份证号码校验位错误，请核对后重新输入"


def bad_checksum(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.fixture
def api(users):
    """``api(name)``: a client authenticated with a fresh bearer token of ``users[name]``."""

    def make(name: str = "caseworker") -> Client:
        _token, secret = api_token_create(username=users[name].username, name="测试")
        return Client(headers={"Authorization": f"Bearer {secret}"})

    return make


@pytest.fixture
def home(household_factory):
    """A household in Xincheng (the caseworker's sub-district) whose head has a phone."""
    return household_factory(head_name="李秀英", id_number=HEAD_ID, phone=HEAD_PHONE)


@pytest.fixture
def foreign(household_factory, users):
    """A household in Taibus banner, outside every Xincheng user's jurisdiction."""
    return household_factory(
        actor=users["taibus_caseworker"], division_code="152527201206", head_name="巴特尔"
    )


def post(client: Client, path: str, body: dict) -> object:
    return client.post(f"{API}{path}", json.dumps(body), content_type="application/json")


def patch(client: Client, path: str, body: dict) -> object:
    return client.patch(f"{API}{path}", json.dumps(body), content_type="application/json")


def new_household_body(id_number: str, **overrides: object) -> dict:
    head = {"name": "王五", "id_number": id_number, "employment_status": "farming", "phone": "13800001111"}
    return {"hukou_division_code": "150102001002", "hukou_address": "东风路 8 号", "head": head, **overrides}


def counts() -> tuple[int, int, int]:
    return Household.objects.count(), Person.objects.count(), Membership.objects.count()


# --- reads ---------------------------------------------------------------------------------------


def test_household_list_is_scoped_and_masked(api, home, foreign):
    # when
    response = api().get(f"{API}/households")

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 25, 0)
    [item] = body["items"]
    assert item["id"] == home.pk
    assert item["hukou_division_code"] == "150102001001"
    assert item["hukou_division_name"] == "锡林南路社区居委会"
    assert item["head_name"] == "李秀英"
    assert item["head_id_number_masked"] == HEAD_ID[:4] + "**********" + HEAD_ID[-4:]
    assert item["bank_account_masked"] == "***************8901"
    assert item["member_count"] == 1
    assert item["urban_rural"] == "urban"


def test_household_list_filters_paginates_and_sorts(api, household_factory):
    # given
    for name in ("赵一", "赵二", "钱三"):
        household_factory(head_name=name)
    client = api()

    # when
    by_name = client.get(f"{API}/households", {"name": "赵", "sort": "head"}).json()
    second_page = client.get(f"{API}/households", {"limit": 1, "offset": 1, "sort": "id"}).json()
    other_village = client.get(f"{API}/households", {"division": "150102001002"}).json()

    # then
    assert [item["head_name"] for item in by_name["items"]] == ["赵一", "赵二"]
    assert by_name["count"] == 2
    assert (second_page["count"], second_page["limit"], second_page["offset"]) == (3, 1, 1)
    assert [item["head_name"] for item in second_page["items"]] == ["赵二"]
    assert other_village == {"count": 0, "limit": 25, "offset": 0, "items": []}


def test_household_list_finds_by_id_number(api, home, household_factory):
    # given
    household_factory(head_name="孙六")

    # when
    body = api().get(f"{API}/households", {"id_number": HEAD_ID}).json()

    # then
    assert [item["id"] for item in body["items"]] == [home.pk]


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"limit": 201}, "limit", "limit 不能大于 200"),
        ({"limit": 0}, "limit", "limit 不能小于 1"),
        ({"offset": -1}, "offset", "offset 不能小于 0"),
        ({"sort": "name"}, "sort", "sort 的取值不在允许范围内，可选值：'id', '-id', 'head', '-head', 'members', "
         "'-members', 'division', '-division', 'updated', '-updated'"),
        ({"attribute": "rich"}, "attribute", None),
        ({"urban_rural": "suburban"}, "urban_rural", "urban_rural 的取值不在允许范围内，可选值：'', 'urban', 'rural'"),
        ({"division": "15x"}, "division", "division 的格式不正确"),
        ({"limit": "many"}, "limit", "limit 应为整数"),
    ],
)  # fmt: skip
def test_household_list_rejects_bad_parameters_with_the_field_named(api, params, field, message):
    # when
    response = api().get(f"{API}/households", params)

    # then
    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid_request", field)
    assert body["errors"] == [{"field": field, "message": body["message"]}]
    assert message is None or body["message"] == message


def test_household_list_with_a_malformed_id_number_filter_is_a_domain_422(api):
    # when
    response = api().get(f"{API}/households", {"id_number": bad_checksum(HEAD_ID)})

    # then
    assert response.status_code == 422
    assert response.json() == {"code": "id_checksum", "message": CHECKSUM_MESSAGE, "field": "id_number"}


def test_household_list_query_count_does_not_grow_with_rows(api, household_factory):
    # given
    client = api()
    household_factory(head_name="甲")
    client.get(f"{API}/households")  # first use stamps last_used_at
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/households")
    for name in ("乙", "丙", "丁", "戊"):
        household_factory(head_name=name)

    # when
    with CaptureQueriesContext(connection) as five:
        response = client.get(f"{API}/households")

    # then
    assert len(response.json()["items"]) == 5
    assert len(five) == len(one)


def test_household_get_has_members_incomes_and_assets(api, home, users):
    # given
    from decimal import Decimal

    from minzheng.registry.services import (
        PersonData,
        asset_record_add,
        income_record_add,
        person_add_to_household,
    )

    spouse = person_add_to_household(
        actor=users["caseworker"], household=home, relation="spouse", joined_on=dt.date(2021, 6, 1),
        data=PersonData(name="周梅", id_number=make_resident_id("150102", dt.date(1978, 1, 2), 222),
                        employment_status="unemployed"),
    )  # fmt: skip
    income_record_add(
        actor=users["caseworker"], household=home, person=spouse, category="wage", amount=Decimal("1200.50"),
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 3, 31), source="declared",
    )  # fmt: skip
    asset_record_add(
        actor=users["caseworker"], household=home, person=None, category="vehicle", value=Decimal("30000"),
        valued_on=dt.date(2026, 2, 1), description="农用三轮车",
    )  # fmt: skip

    # when
    response = api().get(f"{API}/households/{home.pk}")

    # then
    assert response.status_code == 200
    body = response.json()
    assert body["member_count"] == 2
    assert [(m["name"], m["relation"], m["joined_on"]) for m in body["members"]] == [
        ("李秀英", "head", "2020-01-01"),
        ("周梅", "spouse", "2021-06-01"),
    ]
    [income] = body["incomes"]
    assert (income["person_id"], income["category"], income["amount"]) == (spouse.pk, "wage", "1200.50")
    assert (income["period_start"], income["period_end"]) == ("2026-01-01", "2026-03-31")
    [asset] = body["assets"]
    assert (asset["category"], asset["value"], asset["description"], asset["person_id"]) == (
        "vehicle", "30000.00", "农用三轮车", None,
    )  # fmt: skip


def test_person_list_and_get(api, home):
    # given
    client = api()

    # when
    listed = client.get(f"{API}/persons", {"name": "李"}).json()
    got = client.get(f"{API}/persons/{home.head_id}").json()

    # then
    assert listed["count"] == 1
    assert listed["items"][0] == got
    assert got["id"] == home.head_id
    assert got["household_id"] == home.pk
    assert got["id_number_masked"] == HEAD_ID[:4] + "**********" + HEAD_ID[-4:]
    assert got["phone_masked"] == "139****5678"
    assert (got["birth_date"], got["sex"]) == ("1975-03-08", "male")


# --- scoping: every endpoint refuses another division's records -----------------------------------


def _other_division_request(client: Client, endpoint: str, foreign: Household) -> object:
    head_id = foreign.head_id
    member = {"name": "新成员", "id_number": make_resident_id("152527", dt.date(2001, 1, 1), 333),
              "employment_status": "student", "household_id": foreign.pk, "relation": "son"}  # fmt: skip
    requests = {
        "household_get": lambda: client.get(f"{API}/households/{foreign.pk}"),
        "household_update": lambda: patch(client, f"/households/{foreign.pk}", {"hukou_address": "改"}),
        "person_get": lambda: client.get(f"{API}/persons/{head_id}"),
        "person_update": lambda: patch(client, f"/persons/{head_id}", {"name": "改名"}),
        "person_create": lambda: post(client, "/persons", member),
    }
    return requests[endpoint]()


@pytest.mark.parametrize("user", ["caseworker", "county", "assistant", "prefecture"])
@pytest.mark.parametrize("endpoint", ["household_get", "household_update", "person_get", "person_update",
                                      "person_create"])  # fmt: skip
def test_every_endpoint_refuses_another_divisions_records_with_404(api, foreign, user, endpoint):
    # given
    before = (counts(), foreign.hukou_address, foreign.head.name, foreign.updated_at)

    # when
    response = _other_division_request(api(user), endpoint, foreign)

    # then
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert response.json()["field"] is None
    foreign.refresh_from_db()
    assert (counts(), foreign.hukou_address, foreign.head.name, foreign.updated_at) == before


@pytest.mark.parametrize("path", ["/households", "/persons"])
def test_lists_exclude_another_divisions_records(api, foreign, path):
    # when
    body = api().get(f"{API}{path}").json()

    # then
    assert body == {"count": 0, "limit": 25, "offset": 0, "items": []}


def test_region_supervisor_sees_every_division(api, home, foreign):
    # when
    body = api("region").get(f"{API}/households", {"sort": "id"}).json()

    # then
    assert [item["id"] for item in body["items"]] == [home.pk, foreign.pk]


def test_household_create_into_another_division_is_refused(api):
    # given
    body = new_household_body(
        make_resident_id("152527", dt.date(1990, 1, 1), 101), hukou_division_code="152527201206"
    )

    # when
    response = post(api(), "/households", body)

    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_division",
        "message": "区划 敦达乌苏嘎查 不在您的管辖范围内",
        "field": "hukou_division_code",
    }
    assert counts() == (0, 0, 0)


# --- masking -----------------------------------------------------------------------------------


def test_no_response_contains_plaintext_id_phone_or_bank_account(api, home):
    # given
    client = api()
    member_id = make_resident_id("150102", dt.date(2004, 9, 9), 444)
    new_id = make_resident_id("150102", dt.date(1988, 8, 8), 555)
    plaintexts = [
        HEAD_ID,
        HEAD_PHONE,
        BANK_ACCOUNT,
        member_id,
        "13700002222",
        new_id,
        "13800001111",
        "6222020200001234",
    ]

    # when
    responses = [
        client.get(f"{API}/households"),
        client.get(f"{API}/households", {"id_number": HEAD_ID}),
        client.get(f"{API}/households/{home.pk}"),
        client.get(f"{API}/persons"),
        client.get(f"{API}/persons/{home.head_id}"),
        post(client, "/persons", {"household_id": home.pk, "relation": "son", "name": "李明", "id_number": member_id,
                                  "employment_status": "student", "phone": "13700002222"}),
        post(client, "/households", new_household_body(new_id, bank_account="6222020200001234")),
        patch(client, f"/households/{home.pk}", {"bank_account": "6222020200001234"}),
        patch(client, f"/persons/{home.head_id}", {"phone": HEAD_PHONE}),
    ]  # fmt: skip

    # then
    assert [r.status_code for r in responses] == [200, 200, 200, 200, 200, 201, 201, 200, 200]
    for response in responses:
        content = response.content.decode()
        assert [p for p in plaintexts if p in content] == []
    assert responses[5].json()["phone_masked"] == "137****2222"
    assert responses[7].json()["bank_account_masked"] == "************1234"


# --- household create --------------------------------------------------------------------------


def test_household_create_writes_household_head_and_membership(api, users):
    # given
    id_number = make_resident_id("150102", dt.date(1990, 4, 4), 121)

    # when
    response = post(api(), "/households", new_household_body(id_number, joined_on="2026-01-15"))

    # then
    assert response.status_code == 201
    body = response.json()
    household = Household.objects.get()
    assert body["id"] == household.pk
    assert body["hukou_division_code"] == "150102001002"
    assert body["urban_rural"] == "urban"
    assert body["hukou_address"] == "东风路 8 号"
    assert body["member_count"] == 1
    assert [(m["name"], m["relation"], m["joined_on"]) for m in body["members"]] == [
        ("王五", "head", "2026-01-15")
    ]
    assert (body["incomes"], body["assets"]) == ([], [])
    assert household.head.id_number == id_number
    assert household.created_by == users["caseworker"]
    assert counts() == (1, 1, 1)
    assert Event.objects.filter(verb="household.created", object_id=str(household.pk)).count() == 1


def test_household_create_with_a_bad_checksum_is_422_and_writes_nothing(api):
    # given
    body = new_household_body(bad_checksum(make_resident_id("150102", dt.date(1990, 4, 4), 121)))

    # when
    response = post(api(), "/households", body)

    # then
    assert response.status_code == 422
    assert response.json() == {"code": "id_checksum", "message": CHECKSUM_MESSAGE, "field": "head.id_number"}
    assert counts() == (0, 0, 0)
    assert Event.objects.filter(object_type__in=["household", "person"]).count() == 0


def test_household_create_with_a_head_already_in_a_household_is_409_and_writes_nothing(api, home):
    # given
    before = counts()

    # when
    first = post(api(), "/households", new_household_body(HEAD_ID))
    retried = post(api(), "/households", new_household_body(HEAD_ID))

    # then
    for response in (first, retried):
        assert response.status_code == 409
        assert response.json() == {
            "code": "person_in_other_household",
            "message": f"身份证号码对应的人员（李秀英）已是家庭 {home.pk} 的成员，一人同一时间只能属于一个家庭；请先办理迁出",
            "field": "head.id_number",
        }
    assert counts() == before


@pytest.mark.parametrize(
    ("mutate", "field", "message"),
    [
        (lambda b: b["head"].pop("name"), "head.name", "缺少必填字段 head.name"),
        (lambda b: b.pop("hukou_division_code"), "hukou_division_code", "缺少必填字段 hukou_division_code"),
        (lambda b: b["head"].update(employment_status="idle"), "head.employment_status",
         "head.employment_status 的取值不在允许范围内，可选值：'employed', 'self_employed', 'farming', "
         "'unemployed', 'unable_to_work', 'retired', 'student', 'preschool'"),
        (lambda b: b["head"].update(ethnicity="zz"), "head.ethnicity",
         "head.ethnicity：民族代码应为 GB/T 3304 的两位代码，如 01（汉族）、02（蒙古族）"),
        (lambda b: b.update(joined_on="2026-02-30"), "joined_on", "joined_on 不是有效日期（格式 YYYY-MM-DD）"),
        (lambda b: b["head"].update(disability_grade=7), "head.disability_grade",
         "head.disability_grade 的取值不在允许范围内，可选值：1, 2, 3, 4"),
    ],
)  # fmt: skip
def test_household_create_shape_errors_are_422_with_the_field_named(api, mutate, field, message):
    # given
    body = new_household_body(make_resident_id("150102", dt.date(1990, 4, 4), 121))
    mutate(body)

    # when
    response = post(api(), "/households", body)

    # then
    assert response.status_code == 422
    payload = response.json()
    assert (payload["code"], payload["field"]) == ("invalid_request", field)
    assert payload["message"] == message
    assert counts() == (0, 0, 0)


def test_malformed_json_is_400(api):
    # when
    response = api().post(f"{API}/households", "{not json", content_type="application/json")

    # then
    assert response.status_code == 400
    assert response.json() == {"code": "malformed_request", "message": "请求体不是有效的 JSON", "field": None}
    assert counts() == (0, 0, 0)


# --- permissions -------------------------------------------------------------------------------


@pytest.mark.parametrize("user", ["region", "reviewer", "assistant", "auditor", "admin"])
def test_roles_without_edit_rights_get_403_on_every_write(api, home, user):
    # given
    client = api(user)
    before = (counts(), home.hukou_address)
    member = {"household_id": home.pk, "relation": "son", "name": "李明", "employment_status": "student",
              "id_number": make_resident_id("150102", dt.date(2004, 9, 9), 444)}  # fmt: skip

    # when
    responses = [
        post(client, "/households", new_household_body(make_resident_id("150102", dt.date(1990, 4, 4), 121))),
        patch(client, f"/households/{home.pk}", {"hukou_address": "改"}),
        post(client, "/persons", member),
        patch(client, f"/persons/{home.head_id}", {"name": "改名"}),
    ]

    # then
    for response in responses:
        assert response.status_code == 403
        assert response.json() == {"code": "forbidden", "message": "您的角色无权执行此操作", "field": None}
    home.refresh_from_db()
    assert (counts(), home.hukou_address) == before
    assert home.head.name == "李秀英"


# --- updates and person create -----------------------------------------------------------------


def test_household_update_changes_only_the_fields_sent(api, home):
    # when
    response = patch(
        api(),
        f"/households/{home.pk}",
        {"hukou_address": "锡林南路 12 号", "residence_division_code": "150102001002"},
    )

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["hukou_address"], body["residence_division_code"]) == ("锡林南路 12 号", "150102001002")
    home.refresh_from_db()
    assert (home.hukou_address, home.residence_division.code, home.bank_account) == (
        "锡林南路 12 号", "150102001002", BANK_ACCOUNT,
    )  # fmt: skip
    assert (home.hukou_division.code, home.bank_name, home.urban_rural) == (
        "150102001001",
        "中国农业银行",
        "urban",
    )


def test_household_update_with_an_explicit_null_is_422(api, home):
    # when
    response = patch(api(), f"/households/{home.pk}", {"hukou_address": None})

    # then
    assert response.status_code == 422
    assert response.json()["field"] == "hukou_address"
    assert response.json()["message"] == "hukou_address：不能为 null；不修改的字段请不要传"


def test_person_create_adds_a_member(api, home):
    # given
    id_number = make_resident_id("150102", dt.date(2004, 9, 9), 444)

    # when
    response = post(api(), "/persons", {"household_id": home.pk, "relation": "son", "name": "李明",
                                        "id_number": id_number, "employment_status": "student",
                                        "school_enrolment": "undergraduate", "joined_on": "2026-03-01"})  # fmt: skip

    # then
    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get(pk=body["id"])
    assert (body["name"], body["household_id"], body["school_enrolment"]) == (
        "李明",
        home.pk,
        "undergraduate",
    )
    assert person.id_number == id_number
    membership = Membership.objects.get(person=person)
    assert (membership.relation_to_head, membership.joined_on) == ("son", dt.date(2026, 3, 1))
    home.refresh_from_db()
    assert home.member_count == 2


@pytest.mark.parametrize(
    ("changes", "status", "expected"),
    [
        ({"relation": "head"}, 422,
         {"code": "second_head", "message": "家庭已有户主；如需变更户主请使用“变更户主”", "field": "relation"}),
        ({"id_number": HEAD_ID}, 409, None),
        ({"id_number": "15010219750308211"}, 422, None),
    ],
)  # fmt: skip
def test_person_create_refusals_write_nothing(api, home, changes, status, expected):
    # given
    body = {"household_id": home.pk, "relation": "son", "name": "李明", "employment_status": "student",
            "id_number": make_resident_id("150102", dt.date(2004, 9, 9), 444), **changes}  # fmt: skip
    before = counts()

    # when
    response = post(api(), "/persons", body)

    # then
    assert response.status_code == status
    if expected is not None:
        assert response.json() == expected
    assert response.json()["field"] in {"relation", "id_number"}
    assert counts() == before
    home.refresh_from_db()
    assert home.member_count == 1


def test_person_update_changes_only_the_fields_sent(api, home):
    # when
    response = patch(api(), f"/persons/{home.head_id}", {"name": "李秀兰", "disability_category": "physical",
                                                          "disability_grade": 2})  # fmt: skip

    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["disability_category"], body["disability_grade"]) == ("李秀兰", "physical", 2)
    person = Person.objects.get(pk=home.head_id)
    assert (person.id_number, person.phone, person.employment_status) == (HEAD_ID, HEAD_PHONE, "unemployed")


def test_person_update_with_a_bad_checksum_is_422_and_changes_nothing(api, home):
    # given
    before = Person.objects.filter(pk=home.head_id).values().get()

    # when
    response = patch(
        api(), f"/persons/{home.head_id}", {"name": "李秀兰", "id_number": bad_checksum(HEAD_ID)}
    )

    # then
    assert response.status_code == 422
    assert response.json() == {"code": "id_checksum", "message": CHECKSUM_MESSAGE, "field": "id_number"}
    assert Person.objects.filter(pk=home.head_id).values().get() == before
