"""``minzheng assess FILE.json``: the JSON result on stdout, JSON errors on stderr with exit status 2,
parameters from the database, the built-in set or a policy file."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from minzheng.audit.models import Event
from minzheng.benefits.params import BUILTIN_FILE
from minzheng.policy.models import Parameter
from minzheng.policy.services import policy_builtin_load

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs"
HOUSEHOLD: dict[str, Any] = {
    "programme": "dibao",
    "division_code": "150102001001",
    "urban_rural": "urban",
    "as_of": "2023-07-01",
    "members": [
        {"key": "head", "birth_date": "1980-01-01"},
        {"key": "spouse", "birth_date": "1982-05-01", "relation_to_head": "spouse"},
    ],
    "incomes": [
        {"person_key": "head", "category": "wage", "amount": "7200.00",
         "period_start": "2022-07-01", "period_end": "2023-06-30"},
    ],
}  # fmt: skip


@pytest.fixture
def policy(divisions):
    """The divisions of conftest and the built-in Inner Mongolia parameters in the database."""
    policy_builtin_load()


def write(tmp_path: Path, data: Any, name: str = "household.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def assess(*args: str) -> dict[str, Any]:
    out = io.StringIO()
    call_command("assess", *args, stdout=out)
    return json.loads(out.getvalue())


def refused(*args: str) -> dict[str, Any]:
    """Runs the command expecting exit status 2; the JSON error of stderr (nothing on stdout)."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("assess", *args, stdout=out, stderr=err)
    assert exit_.value.code == 2
    assert out.getvalue() == ""
    return json.loads(err.getvalue())


def test_prints_the_result_with_the_database_parameters(policy, tmp_path):
    # given
    events_before = Event.objects.count()

    # when
    result = assess(write(tmp_path, HOUSEHOLD))

    # then (840 − 7200 / 12 / 2) × 2
    assert (result["format_version"], result["parameter_source"], result["eligible"]) == (1, "database", True)
    assert (result["per_capita_monthly_income"], result["monthly_amount"]) == ("300.00", "1080.00")
    assert (result["as_of"], result["division_code"], result["counted_members"]) == (
        "2023-07-01", "150102001001", ["head", "spouse"])  # fmt: skip
    standard = next(r for r in result["reasons"] if r["rule_code"] == "dibao.gap_payment")["parameters"][0]
    stored = Parameter.objects.get(pk=standard["parameter_id"])
    assert (stored.key, str(stored.value), stored.valid_from.isoformat()) == (
        "dibao.standard_monthly", "840.00", "2023-01-01")  # fmt: skip
    assert Event.objects.count() == events_before  # nothing written


def test_builtin_parameters_need_no_policy_rows(divisions, tmp_path):
    # given no parameter in the database
    assert not Parameter.objects.exists()

    # when
    result = assess(write(tmp_path, HOUSEHOLD), "--params", "builtin")

    # then
    assert (result["parameter_source"], result["monthly_amount"]) == ("builtin", "1080.00")


def test_a_policy_file_gives_its_own_standard(divisions, tmp_path):
    # given the built-in set plus a Hohhot urban standard of 900 from 2023-01-01
    document = json.loads(BUILTIN_FILE.read_text(encoding="utf-8"))
    document["parameters"].append({
        "key": "dibao.standard_monthly", "division": "150100000000", "urban_rural": "urban",
        "valid_from": "2023-01-01", "value": "900.00", "status": "confirmed", "source": "测试",
    })  # fmt: skip
    policy_file = write(tmp_path, document, "policy.json")

    # when
    result = assess(write(tmp_path, HOUSEHOLD), "--params", policy_file)

    # then (900 − 300) × 2
    assert (result["parameter_source"], result["monthly_amount"]) == ("file", "1200.00")


def test_reads_standard_input(policy, monkeypatch):
    text = json.dumps(HOUSEHOLD).replace('"7200.00"', "7200.12")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    result = assess("-")
    # exact decimal: 7200.12 / 24 = 300.005 → 300.01 per capita; (840 − 300.005) × 2 = 1079.99
    assert (result["per_capita_monthly_income"], result["monthly_amount"]) == ("300.01", "1079.98")


def test_indent_zero_prints_one_line(policy, tmp_path):
    out = io.StringIO()
    call_command("assess", write(tmp_path, HOUSEHOLD), "--indent", "0", stdout=out)
    assert out.getvalue().count("\n") == 1
    assert json.loads(out.getvalue())["monthly_amount"] == "1080.00"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        pytest.param({"division_code": "150102001999"}, {"code": "division_not_found", "field": "division_code",
                     "message": "区划代码 150102001999 不在区划表中（请核对代码，或先导入行政区划）"}, id="未知区划"),
        pytest.param({"programme": "wubao"}, {"code": "unknown_programme", "field": "programme"}, id="未知项目"),
        pytest.param({"incomes": [{**HOUSEHOLD["incomes"][0], "amount": "-7200"}]},
                     {"code": "income_invalid", "field": "incomes[0].amount",
                      "message": "incomes[0].amount（收入金额）不能为负数（-7200）；扣减项请用扣减类别的正数记录"}, id="负收入"),
        pytest.param({"incomes": [{**HOUSEHOLD["incomes"][0], "amount": "七千"}]},
                     {"code": "income_invalid", "field": "incomes[0].amount"}, id="非数字收入"),
        pytest.param({"members": [HOUSEHOLD["members"][0], {**HOUSEHOLD["members"][1], "other_household_key": "H-2"}]},
                     {"code": "member_in_two_households", "field": "members[1].other_household_key"}, id="一人两户"),
        pytest.param({"members": [{**HOUSEHOLD["members"][0], "death_date": "2022-06-30"}, HOUSEHOLD["members"][1]]},
                     {"code": "household_inconsistent", "field": "incomes[0].period_start"}, id="死亡成员的收入"),
        pytest.param({"urban_rual": "urban"}, {"code": "assessment_format_invalid", "field": "urban_rual",
                     "message": "未知字段 urban_rual，是否应为 urban_rural？"}, id="拼写错误"),
    ],
)  # fmt: skip
def test_bad_input_exits_2_with_a_json_error(policy, tmp_path, changes, expected):
    error = refused(write(tmp_path, {**HOUSEHOLD, **changes}))
    assert {key: error[key] for key in expected} == expected
    assert set(error) == {"code", "message", "field"}


def test_no_standard_in_the_database_is_a_manual_determination_not_a_default(divisions, tmp_path):
    result = assess(write(tmp_path, HOUSEHOLD))
    assert (result["outcome"], result["eligible"], result["monthly_amount"]) == ("manual", False, "0.00")
    assert result["reasons"][0]["rule_code"] == "parameter.missing"
    assert result["reasons"][0]["message"].startswith("2023-07-01 没有适用于")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(None, {"code": "file_unreadable", "field": "file"}, id="文件不存在"),
        pytest.param(b'{"programme": ', {"code": "assessment_format_invalid", "field": None}, id="JSON语法"),
        pytest.param(b"[]", {"code": "assessment_format_invalid", "field": None,
                             "message": "测算请求应为 JSON 对象 {…}，实际为 []"}, id="不是对象"),
    ],
)  # fmt: skip
def test_unreadable_household_files(divisions, tmp_path, content, expected):
    path = tmp_path / "household.json"
    if content is not None:
        path.write_bytes(content)
    error = refused(str(path))
    assert {key: error[key] for key in expected} == expected


def test_an_invalid_policy_file_names_the_option(divisions, tmp_path):
    policy_file = write(
        tmp_path, {"format_version": 1, "parameters": [{"key": "dibao.standard_monthly"}]}, "p.json"
    )
    error = refused(write(tmp_path, HOUSEHOLD), "--params", policy_file)
    assert (error["code"], error["field"]) == ("policy_file_invalid", "--params")
    assert "政策参数文件有 1 处错误" in error["message"]


def test_the_documented_example_output_is_what_the_command_prints(policy):
    # the example result of docs/assessment-format.md is regenerated by running the command
    text = (DOCS / "assessment-format.md").read_text(encoding="utf-8")
    documented = json.loads(text.split("<!-- example-result -->")[1].split("```json")[1].split("```")[0])
    printed = assess(str(DOCS / "examples" / "assessment-dibao.json"))
    assert without_ids(printed) == without_ids(documented)


def without_ids(result: dict[str, Any]) -> dict[str, Any]:
    """The result without the database ids of the parameter versions (they differ between databases)."""
    for reason in result["reasons"]:
        for use in reason["parameters"]:
            use.pop("parameter_id")
    return result
