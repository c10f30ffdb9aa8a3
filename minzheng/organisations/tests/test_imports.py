"""Import of an existing register: valid rows in, every error named by row, column and (for credit codes)
position; duplicates within the file and against the register; 业务主管单位 created by name."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from minzheng.common.errors import ValidationFailed
from minzheng.common.models import Job
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


@pytest.fixture
def job_files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload(content: bytes, name: str = "登记.xlsx") -> io.BytesIO:
    upload = io.BytesIO(content)
    upload.name = name
    return upload


def test_import_page_runs_the_import_as_a_job_and_shows_its_result(client, org_users, job_files):
    client.force_login(org_users["registrar"])
    assert client.get(reverse("organisations:import")).status_code == 200
    good = row(credit_code_for("social_group", "150102", 601))
    bad = row("51150102MJ0000000X", name="错误代码协会")
    response = client.post(reverse("organisations:import"), {"file": _upload(workbook([good, bad]))})
    # the upload becomes a job (run at once by the tests' immediate backend); the page is the job's
    job = Job.objects.get(kind="organisations_import")
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.SUCCEEDED
    assert job.message == "共 2 行：导入 1 家，1 行有错误未导入（1 处），新建业务主管单位 1 个"
    assert job.parameters["result_url"] == f"{reverse('organisations:import')}?job={job.pk}"
    assert Organisation.objects.count() == 1
    assert list(job_files.rglob("upload.xlsx")) == []  # the stored upload is gone
    page = client.get(f"{reverse('organisations:import')}?job={job.pk}").content.decode()
    assert '<dd class="col-6 col-md-3" id="import-imported">1</dd>' in page
    assert '<dd class="col-6 col-md-3" id="import-refused">1</dd>' in page
    assert "<td>3</td><td>统一社会信用代码</td>" in page  # row 3 of the file, the column named


def test_import_result_is_only_shown_to_the_user_who_started_it(client, org_users, job_files, make_user):
    client.force_login(org_users["registrar"])
    client.post(
        reverse("organisations:import"),
        {"file": _upload(workbook([row(credit_code_for("social_group", "150102", 602))]))},
    )
    job = Job.objects.get(kind="organisations_import")
    other = make_user("registrar2", org_users["registrar"].role, org_users["registrar"].division)
    client.force_login(other)
    page = client.get(f"{reverse('organisations:import')}?job={job.pk}").content.decode()
    assert 'id="import-result"' not in page


def test_import_page_refuses_a_wrong_or_oversized_file_before_queueing(
    client, org_users, job_files, settings
):
    client.force_login(org_users["registrar"])
    response = client.post(reverse("organisations:import"), {"file": _upload(b"x", name="登记.pdf")})
    assert response.status_code == 422
    assert "请上传 .xlsx 或 .csv 文件" in response.content.decode()
    big = _upload(b"0" * (20 * 1024 * 1024 + 1), name="登记.csv")
    response = client.post(reverse("organisations:import"), {"file": big})
    assert response.status_code == 422
    assert "文件不能超过 20 MB" in response.content.decode()
    assert not Job.objects.exists()


def test_a_file_without_the_columns_fails_the_job_with_its_message_and_imports_nothing(
    client, org_users, job_files
):
    client.force_login(org_users["registrar"])
    client.post(
        reverse("organisations:import"), {"file": _upload("名称\n某协会\n".encode(), name="登记.csv")}
    )
    job = Job.objects.get(kind="organisations_import")
    assert job.status == Job.Status.FAILED
    assert "缺少必需的列" in job.message
    assert not Organisation.objects.exists()
