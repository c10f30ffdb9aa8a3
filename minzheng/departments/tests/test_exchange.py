"""Returned files with signed manifests (issue 23 §4): the 公积金 centre returns results for many
applications at once through the file adapter or its HTTP service (a fake one here); a forged, altered or
invalid file changes nothing; the same file twice is applied once."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from conftest import id_number
from minzheng.departments.exchange import (
    Delivery,
    FileAdapter,
    HttpAdapter,
    exchange_pull,
    exchange_return_import,
    manifest_sign,
)
from minzheng.departments.models import ExchangeReturn, SourceCheck
from minzheng.departments.selectors import check_lines
from minzheng.departments.tests.fake_department import fake_department
from minzheng.departments.verification import verification_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_applications(family, at_verification):
    import datetime as dt

    first = at_verification(family())
    second = at_verification(family(son=False, head_id=id_number("150102", dt.date(1960, 1, 1), 301)))
    verification_run()
    return first, second


def _file(rows: list[str]) -> bytes:
    return ("申请编号,核对结论,金额,说明\n" + "\n".join(rows) + "\n").encode()


def _delivery(first, second, name: str = "gjj-202612.csv") -> Delivery:
    content = _file(
        [f"{first.number},与申报不一致,52300.00,公积金账户余额", f"{second.number},无数据,,未缴存"]
    )
    return Delivery(name, content, manifest_sign("housing_fund", name, content, rows=2))


def test_a_signed_file_sets_the_results_of_many_applications(two_applications, users):
    first, second = two_applications
    batch = exchange_return_import(actor=users["county"], delivery=_delivery(first, second))
    assert (batch.status, batch.rows, batch.applied, batch.errors) == ("applied", 2, 2, [])
    one = SourceCheck.objects.get(application=first, source="housing_fund", current=True)
    assert (one.outcome, one.found_amount, one.members_with_data, one.exchange_id) == (
        "inconsistent",
        Decimal("52300.00"),
        2,
        batch.pk,
    )
    assert check_lines(one) == ["住房公积金中心回传文件核对结果：公积金账户余额"]
    two = SourceCheck.objects.get(application=second, source="housing_fund", current=True)
    assert (two.outcome, two.members_with_data) == ("no_data", 0)
    again = exchange_return_import(actor=users["county"], delivery=_delivery(first, second))
    assert again.pk == batch.pk  # the same content is applied once
    assert ExchangeReturn.objects.count() == 1


def test_forged_altered_or_invalid_files_change_nothing(two_applications, users):
    first, second = two_applications
    good = _delivery(first, second)
    forged = Delivery(good.file_name, good.content, {**good.manifest, "signature": "0" * 64})
    altered = Delivery(good.file_name, good.content.replace(b"52300", b"12300"), good.manifest)
    from minzheng.departments.exchange import ExchangeRefused

    for delivery in (forged, altered):
        with pytest.raises(ExchangeRefused):
            exchange_return_import(actor=users["county"], delivery=delivery)
    content = _file(
        [f"{first.number},一致,,", "150102-XXXX,与申报一致,,", f"{second.number},与申报一致,abc,"]
    )
    bad = exchange_return_import(
        actor=users["county"],
        delivery=Delivery("bad.csv", content, manifest_sign("housing_fund", "bad.csv", content, 3)),
    )
    assert bad.status == "rejected"
    assert [e["row"] for e in bad.errors] == [
        2,
        4,
    ]  # an unknown conclusion, an invalid amount: rows not looked up
    assert set(
        SourceCheck.objects.filter(source="housing_fund", current=True).values_list("outcome", flat=True)
    ) == {"no_data"}
    other = exchange_return_import(
        actor=users["taibus_county"], delivery=_delivery(first, second, "other.csv")
    )
    assert other.status == "rejected"  # another county's applications: not found there
    assert [e["row"] for e in other.errors] == [2, 3]


def test_file_and_http_adapters(two_applications, users, tmp_path):
    first, second = two_applications
    delivery = _delivery(first, second)
    (tmp_path / delivery.file_name).write_bytes(delivery.content)
    (tmp_path / f"{delivery.file_name}.manifest.json").write_text(
        json.dumps(delivery.manifest), encoding="utf-8"
    )
    [from_folder] = exchange_pull(actor=users["county"], adapter=FileAdapter(tmp_path))
    assert (from_folder.channel, from_folder.applied) == ("file", 2)
    bank = _file([f"{first.number},与申报一致,1200.00,活期余额"])
    files = {"bank-1.csv": (bank, manifest_sign("bank", "bank-1.csv", bank, rows=1))}
    with fake_department(files, token="s3cret") as base:
        [from_http] = exchange_pull(actor=users["county"], adapter=HttpAdapter(base, token="s3cret"))
    assert (from_http.channel, from_http.source, from_http.applied) == ("http", "bank", 1)
    bank_check = SourceCheck.objects.get(application=first, source="bank", current=True)
    assert (bank_check.outcome, bank_check.found_amount) == ("consistent", Decimal("1200.00"))


def test_the_batch_upload_page(client, otp_login, two_applications, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    first, second = two_applications
    delivery = _delivery(first, second)
    otp_login(client, users["county"])
    response = client.post(
        "/departments/exchange/",
        {
            "file": SimpleUploadedFile(delivery.file_name, delivery.content, "text/csv"),
            "manifest": SimpleUploadedFile(
                "m.manifest.json", json.dumps(delivery.manifest).encode(), "application/json"
            ),
        },
    )
    assert response.status_code == 302
    page = client.get("/departments/exchange/").content.decode()
    assert "gjj-202612.csv" in page
    assert "已写入" in page
    assert ExchangeReturn.objects.get().applied == 2
