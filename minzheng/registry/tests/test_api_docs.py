"""OpenAPI schema and the documentation page of the JSON API."""

from __future__ import annotations

import re
import typing

from minzheng.registry import schemas, selectors


def test_openapi_json_lists_every_path_and_method(client, db):
    # when
    response = client.get("/api/v1/openapi.json")

    # then
    assert response.status_code == 200
    schema = response.json()
    methods = {path: sorted(operations) for path, operations in schema["paths"].items()}
    assert methods == {
        "/api/v1/households": ["get", "post"],
        "/api/v1/households/{household_id}": ["get", "patch"],
        "/api/v1/persons": ["get", "post"],
        "/api/v1/persons/search": ["post"],
        "/api/v1/persons/{person_id}": ["get", "patch"],
        "/api/v1/assessments": ["post"],
        "/api/v1/eldercare/assessments": ["post"],
        "/api/v1/eldercare/assessments/{assessment_id}": ["get"],
        "/api/v1/eldercare/dashboard": ["get"],
        "/api/v1/eldercare/entitlements": ["get", "post"],
        "/api/v1/eldercare/entitlements/current/{older_person_id}": ["get"],
        "/api/v1/eldercare/entitlements/{entitlement_id}": ["get"],
        "/api/v1/eldercare/entitlements/{entitlement_id}/transitions": ["post"],
        "/api/v1/eldercare/home-care": ["get"],
        "/api/v1/eldercare/home-care/{project_id}": ["get"],
        "/api/v1/eldercare/institutions": ["get"],
        "/api/v1/eldercare/institutions/draws": ["get"],
        "/api/v1/eldercare/institutions/draws/{draw_id}": ["get"],
        "/api/v1/eldercare/institutions/{institution_id}": ["get"],
        "/api/v1/eldercare/older-people": ["get"],
        "/api/v1/eldercare/older-people/{older_id}": ["get"],
        "/api/v1/eldercare/orders": ["get"],
        "/api/v1/eldercare/orders/{order_id}": ["get"],
        "/api/v1/eldercare/orders/{order_id}/check-{moment}": ["post"],
        "/api/v1/eldercare/orders/{order_id}/dispatch": ["post"],
        "/api/v1/eldercare/providers": ["get"],
        "/api/v1/eldercare/providers/{provider_id}": ["get"],
        "/api/v1/eldercare/settlements": ["get", "post"],
        "/api/v1/eldercare/settlements/{settlement_id}": ["get"],
        "/api/v1/eldercare/settlements/{settlement_id}/transitions": ["post"],
        "/api/v1/eldercare/visits": ["get"],
        "/api/v1/eldercare/visits/{older_person_id}/records": ["get", "post"],
        "/api/v1/applications": ["get", "post"],
        "/api/v1/applications/{application_id}": ["get"],
        "/api/v1/applications/{application_id}/transitions": ["post"],
        "/api/v1/applications/{application_id}/home-visits": ["post"],
        "/api/v1/applications/{application_id}/verifications": ["post"],
        "/api/v1/applications/{application_id}/objections": ["post"],
        "/api/v1/applications/progress": ["post"],
        "/api/v1/applications/{application_id}/care-assessment": ["put"],
        "/api/v1/applications/{application_id}/expenses": ["post"],
        "/api/v1/applications/{application_id}/handover": ["post"],
        "/api/v1/applications/{application_id}/documents": ["get", "post"],
        "/api/v1/documents/{document_id}": ["delete"],
        "/api/v1/enrolments": ["get"],
        "/api/v1/enrolments/{enrolment_id}": ["get"],
        "/api/v1/enrolments/{enrolment_id}/changes": ["post"],
        "/api/v1/enrolments/{enrolment_id}/gradual-exit": ["post"],
        "/api/v1/reviews": ["get"],
        "/api/v1/payrolls": ["get", "post"],
        "/api/v1/payrolls/{payroll_id}": ["get"],
        "/api/v1/payrolls/{payroll_id}/transitions": ["post"],
        "/api/v1/payrolls/{payroll_id}/result": ["post"],
        "/api/v1/monitoring/feeds/{feed}": ["post"],
        "/api/v1/monitoring/feeds/batches/{batch_id}": ["get"],
        "/api/v1/monitoring/alerts": ["get"],
        "/api/v1/monitoring/alerts/{alert_id}": ["get"],
        "/api/v1/marriage/offices": ["get"],
        "/api/v1/marriage/offices/{office_id}/appointments": ["get"],
        "/api/v1/marriage/divorces": ["get"],
        "/api/v1/petitions": ["get"],
        "/api/v1/petitions/dashboard": ["get"],
        "/api/v1/petitions/{petition_id}": ["get"],
        "/api/v1/field/worklist": ["get"],
        "/api/v1/field/submissions": ["get"],
        "/api/v1/field/visits": ["post"],
        "/api/v1/field/home-visits": ["post"],
        "/api/v1/field/submissions/{submission_uuid}/photos": ["post"],
        "/api/v1/organisations": ["get"],
        "/api/v1/organisations/{organisation_id}": ["get"],
        "/api/v1/organisation-reports": ["get"],
        "/api/v1/organisation-reports/{report_id}/transitions": ["post"],
        "/api/v1/portal/signin/code": ["post"],
        "/api/v1/portal/signin": ["post"],
        "/api/v1/portal/signout": ["post"],
        "/api/v1/portal/bind": ["post"],
        "/api/v1/portal/policies": ["get"],
        "/api/v1/portal/self-check": ["post"],
        "/api/v1/portal/entitlements": ["get"],
        "/api/v1/portal/reports": ["get"],
        "/api/v1/portal/reports/{enrolment_id}": ["post"],
        "/api/v1/portal/drafts": ["get", "post"],
        "/api/v1/portal/drafts/{draft_id}": ["get", "put"],
        "/api/v1/portal/drafts/{draft_id}/documents": ["post"],
        "/api/v1/portal/drafts/{draft_id}/documents/{document_id}": ["delete"],
        "/api/v1/portal/drafts/{draft_id}/submit": ["post"],
        "/api/v1/portal/applications": ["get"],
        "/api/v1/portal/applications/{application_id}": ["get"],
        "/api/v1/portal/applications/{application_id}/documents": ["post"],
    }
    assert schema["components"]["securitySchemes"] == {
        "ApiTokenAuth": {"type": "http", "scheme": "bearer"},
        "StaffSessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
        "PortalSessionAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    household = schema["components"]["schemas"]["HouseholdOut"]["properties"]
    person = schema["components"]["schemas"]["PersonOut"]["properties"]
    assert {"head_id_number_masked", "bank_account_masked"} <= set(household)
    assert {"id_number_masked", "phone_masked"} <= set(person)
    assert not {"id_number", "phone", "bank_account"} & (set(household) | set(person))


def test_docs_page_uses_bundled_static_files_and_no_cdn(client, db):
    # when
    response = client.get("/api/v1/docs")

    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="/static/ninja/swagger-ui-bundle.js"></script>' in html
    assert 'href="/static/ninja/swagger-ui.css"' in html
    assert "cdn" not in html.lower()
    assert re.findall(r'(?:src|href)="(https?:)?//', html) == []


def test_query_choices_match_the_selectors():
    assert set(typing.get_args(schemas.HouseholdSort)) == set(selectors.HOUSEHOLD_SORTS)
    assert set(typing.get_args(schemas.MemberAttribute)) == {"", *selectors.MEMBER_ATTRIBUTES}
