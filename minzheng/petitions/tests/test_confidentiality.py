"""Done when (issue 20): a complaint naming a caseworker is never visible to that caseworker — over every
petitions page, export, PDF and API endpoint — nor to anyone else of the caseworker's unit; the units above see
it, and the petitioner's identity is masked for everyone but the handlers of the matter."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from minzheng.petitions import services

pytestmark = pytest.mark.django_db

SECRET_SUBJECT = "反映经办人员吃拿卡要"


@pytest.fixture
def matters(register, ready):
    """A complaint naming the street caseworker (handled up to a written reply, so every document exists) and an
    ordinary matter assigned to the street, which the caseworker does see."""
    users = ready
    complaint = register(
        subject=SECRET_SUBJECT, matter_type="staff_conduct", accused_user_id=users["caseworker"].pk
    )
    h = users["handler"]
    services.petition_accept(actor=h, pk=complaint.pk, expected_status="registered", notice="依法受理")
    services.petition_assign(
        actor=h, pk=complaint.pk, expected_status="accepted", division_code="150102000000", handler_id=h.pk
    )
    services.petition_start(actor=h, pk=complaint.pk, expected_status="assigned")
    services.petition_reply(actor=h, pk=complaint.pk, expected_status="handling", text="已查实并处理")
    ordinary = register(
        subject="低保金未按时到账", matter_type="payment", name="周建国", id_number="", phone="13700002222"
    )
    services.petition_accept(actor=h, pk=ordinary.pk, expected_status="registered", notice="依法受理")
    services.petition_assign(
        actor=h, pk=ordinary.pk, expected_status="accepted", division_code="150102001000",
        handler_id=users["caseworker"].pk,
    )  # fmt: skip
    complaint.refresh_from_db()
    return complaint, ordinary


def _urls(complaint) -> list[tuple[str, str, dict]]:
    """Every petitions URL and API endpoint, with the complaint's id and number where a URL takes one."""
    pk, number = complaint.pk, complaint.number
    pages = [
        ("get", "/petitions/", {}),
        ("get", f"/petitions/?search={number}", {}),
        ("get", f"/petitions/?search={SECRET_SUBJECT}", {}),
        ("get", "/petitions/?matter_type=staff_conduct", {}),
        ("get", "/petitions/?status=replied", {}),
        ("get", "/petitions/export.xlsx", {}),
        ("get", f"/petitions/export.xlsx?search={number}", {}),
        ("get", "/petitions/register/", {}),
        ("get", "/petitions/dashboard/", {}),
        ("get", "/petitions/dashboard/export.xlsx", {}),
        ("get", f"/petitions/{pk}/", {}),
        ("post", f"/petitions/{pk}/identity/", {}),
        ("post", f"/petitions/{pk}/act/close/", {"expected_status": "replied"}),
        ("post", f"/petitions/{pk}/act/request_review/", {"expected_status": "replied", "reason": "x"}),
    ]
    pages += [
        ("get", f"/petitions/{pk}/documents/{d}.pdf", {}) for d in ("notice", "reply", "review", "rereview")
    ]
    api = [
        ("get", "/api/v1/petitions", {}),
        ("get", f"/api/v1/petitions?search={number}", {}),
        ("get", "/api/v1/petitions?matter_type=staff_conduct", {}),
        ("get", f"/api/v1/petitions/{pk}", {}),
        ("get", "/api/v1/petitions/dashboard", {}),
    ]
    return pages + api


def _text(response) -> str:
    if response.get("Content-Type", "").startswith("application/vnd.openxmlformats"):
        book = load_workbook(io.BytesIO(response.content))
        return "\n".join(str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row)
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize("who", ["caseworker", "caseworker2", "reviewer"])
def test_the_complaint_never_reaches_the_accused_or_their_unit(client, matters, ready, who):
    complaint, ordinary = matters
    client.force_login(ready[who])
    for method, url, data in _urls(complaint):
        response = getattr(client, method)(url, data) if method == "post" else client.get(url)
        body = _text(response)
        assert f'data-petition-id="{complaint.pk}"' not in body, (who, url)
        assert f"/petitions/{complaint.pk}/" not in body, (who, url)
        if response.get("Content-Type", "").startswith("application/json"):
            results = response.json().get("results", [response.json()])
            assert complaint.pk not in [r.get("id") for r in results], (who, url)
        if complaint.number not in url and SECRET_SUBJECT not in url:  # a search term is echoed in its box
            assert complaint.number not in body, (who, url)
            assert SECRET_SUBJECT not in body, (who, url)
        if f"/{complaint.pk}" in url:
            assert response.status_code in (403, 404), (who, url, response.status_code)
    # the ordinary matter is there: the user does use these pages
    listing = client.get("/petitions/")
    assert ordinary.number in listing.content.decode()
    dashboard = client.get("/api/v1/petitions/dashboard").json()
    assert dashboard["received"] == 1
    assert dashboard["by_matter"]["工作人员作风"] == 0


def test_the_accused_gets_404_on_the_detail_and_api(client, matters, ready):
    complaint, _ordinary = matters
    client.force_login(ready["caseworker"])
    assert client.get(f"/petitions/{complaint.pk}/").status_code == 404
    assert client.get(f"/api/v1/petitions/{complaint.pk}").status_code == 404
    assert client.get(f"/petitions/{complaint.pk}/documents/reply.pdf").status_code == 404


def test_the_units_above_see_it_masked(client, matters, ready):
    complaint, _ordinary = matters
    for who in ("county", "prefecture", "region"):
        client.force_login(ready[who])
        page = client.get(f"/petitions/{complaint.pk}/")
        assert page.status_code == 200, who
        body = page.content.decode()
        assert SECRET_SUBJECT in body
        assert "王**" in body
        assert "王秀英" not in body
        assert 'id="reveal-button"' not in body
        assert client.post(f"/petitions/{complaint.pk}/identity/").status_code == 403


def test_the_handler_reveals_the_identity_and_the_reveal_is_logged(client, matters, ready):
    from minzheng.audit.models import PersonalDataAccess

    complaint, _ordinary = matters
    client.force_login(ready["handler"])
    page = client.get(f"/petitions/{complaint.pk}/").content.decode()
    assert 'id="reveal-button"' in page
    assert "王秀英" not in page
    revealed = client.post(f"/petitions/{complaint.pk}/identity/")
    assert revealed.status_code == 200
    assert "王秀英" in revealed.content.decode()
    assert (
        PersonalDataAccess.objects.filter(
            actor=ready["handler"], purpose=f"petition_detail:{complaint.number}"
        ).count()
        == 1
    )
    pdf = client.get(f"/petitions/{complaint.pk}/documents/reply.pdf")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert PersonalDataAccess.objects.filter(purpose=f"petition_pdf:{complaint.number}").count() == 1
