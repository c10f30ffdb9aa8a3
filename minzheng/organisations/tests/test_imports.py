"""Import of an existing register: valid rows in, every error named by row, column and (for credit codes)
position; duplicates within the file and against the register; 业务主管单位 created by name."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from minzheng.common.errors import ValidationFailed
from minzheng.organisations.models import Organisation, OrganisationChange, SupervisorUnit
from minzheng.organisations.services.imports import COLUMNS, register_import

from .conftest import credit_code_for

pytestmark = pytest.mark.django_db


def workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(code: str, *, type_name: str = "社会团体", authority: str = "150102", supervisor: str = "新城区文旅局",
        capital: object = 30000, established: object = "2019-05-01", name: str = "某协会") -> list[object]:  # fmt: skip
    return [
        code,
        name,
        type_name,
        authority,
        supervisor,
        "张某",
        "新城区某路",
        "公益活动",
        capital,
        established,
    ]


def test_import_valid_rows_and_reports_errors_by_row(org_users):
    good = credit_code_for("social_group", "150102", 501)
    service = credit_code_for("social_service", "150102", 502)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    content = workbook([
        row(good, name="新城区摄影家协会"),
        row(service, type_name="民办非企业单位", supervisor="", name="新城区博爱服务中心"),
        row(wrong_check),
        row(good, name="重复"),
        row(credit_code_for("foundation", "150102", 503), type_name="社会团体"),
        row(credit_code_for("social_group", "152527", 504), authority="152527"),
        row(credit_code_for("social_group", "150102", 505), capital="很多", established="去年"),
    ])  # fmt: skip
    result = register_import(actor=org_users["registrar"], filename="登记.xlsx", content=content)
    assert (result.rows, result.imported, result.refused_rows) == (7, 2, 5)
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert messages[(4, "统一社会信用代码")] == f"第18位校验码应为{good[17]}，实为{wrong_check[17]}"
    assert messages[(5, "统一社会信用代码")] == "与第 2 行的统一社会信用代码重复"
    assert messages[(6, "统一社会信用代码")].startswith("第2位机构类别代码应为1（社会团体），实为3（基金会）")
    assert messages[(7, "登记管理机关区划代码")] == "区划代码 152527 不存在或不在您的管辖范围内"
    assert messages[(8, "注册资金")] == "注册资金“很多”应为金额（元）"
    assert messages[(8, "成立登记日期")] == "成立登记日期“去年”应为日期，如 2019-05-01"
    imported = Organisation.objects.get(credit_code=good)
    assert imported.supervisor == SupervisorUnit.objects.get(name="新城区文旅局")
    assert Organisation.objects.get(credit_code=service).supervisor is None
    assert OrganisationChange.objects.filter(kind="established").count() == 2
    again = register_import(actor=org_users["registrar"], filename="登记.xlsx", content=workbook([row(good)]))
    assert again.problems[0].message == f"统一社会信用代码 {good} 已登记"


def test_import_refuses_a_file_without_the_columns(org_users):
    with pytest.raises(ValidationFailed, match="缺少必需的列"):
        register_import(actor=org_users["registrar"], filename="x.csv", content="名称\n某协会\n".encode())


def test_import_page(client, org_users):
    client.force_login(org_users["registrar"])
    assert client.get(reverse("organisations:import")).status_code == 200
    upload = io.BytesIO(workbook([row(credit_code_for("social_group", "150102", 601))]))
    upload.name = "登记.xlsx"
    response = client.post(reverse("organisations:import"), {"file": upload})
    assert response.status_code == 200
    assert "已导入" in response.content.decode()
    assert Organisation.objects.count() == 1
