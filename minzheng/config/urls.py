from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

from minzheng.api import api
from minzheng.workbench.views import dashboard


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("healthz", healthz, name="healthz"),
    path("accounts/", include("minzheng.accounts.urls")),
    path("registry/", include("minzheng.registry.urls")),
    path("divisions/", include("minzheng.divisions.urls")),
    path("jobs/", include("minzheng.common.urls")),
    path("audit/", include("minzheng.audit.urls")),
    path("benefits/", include("minzheng.benefits.urls")),
    path("policy/", include("minzheng.policy.urls")),
    path("applications/", include("minzheng.applications.urls")),
    path("documents/", include("minzheng.documents.urls")),
    path("enrolments/", include("minzheng.enrolments.urls")),
    path("payments/", include("minzheng.payments.urls")),
    path("statistics/", include("minzheng.statistics.urls")),
    path("monitoring/", include("minzheng.monitoring.urls")),
    path("portal/eldercare/", include("minzheng.eldercare.portal_urls")),
    path("marriage/", include("minzheng.marriage.urls")),
    path("portal/marriage/", include("minzheng.marriage.portal_urls")),
    path("portal/petitions/", include("minzheng.petitions.portal_urls")),
    path("organisations/", include("minzheng.organisations.urls")),
    path("portal/organisations/", include("minzheng.organisations.public_urls")),
    path("portal/", include("minzheng.portal.urls")),
    path("eldercare/", include("minzheng.eldercare.urls")),
    path("petitions/", include("minzheng.petitions.urls")),
    path("departments/", include("minzheng.departments.urls")),
    path("field/", include("minzheng.field.urls")),
    path("portal/joint/", include("minzheng.departments.portal_urls")),
    path("household-qr/", include("minzheng.portal.staff_urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
