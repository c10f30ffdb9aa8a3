"""URLs of eldercare (/eldercare/): the parts' urlpatterns in one namespace."""

from __future__ import annotations

from minzheng.eldercare.views import (
    assessment,
    dashboard,
    entitlements,
    home_care,
    institutions,
    orders,
    people,
    providers,
    settlement,
    visits,
)

app_name = "eldercare"
urlpatterns = [
    *people.urlpatterns,
    *assessment.urlpatterns,
    *entitlements.urlpatterns,
    *providers.urlpatterns,
    *orders.urlpatterns,
    *visits.urlpatterns,
    *home_care.urlpatterns,
    *settlement.urlpatterns,
    *institutions.urlpatterns,
    *dashboard.urlpatterns,
]
