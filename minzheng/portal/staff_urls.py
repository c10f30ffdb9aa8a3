"""Staff pages of the portal (behind the staff login, outside ``/portal/``): household QR codes."""

from django.urls import path

from minzheng.portal import views

app_name = "portal_staff"
urlpatterns = [
    path("<int:household_id>/", views.household_qr, name="household_qr"),
    path("<int:household_id>/revoke/", views.household_qr_revoke, name="household_qr_revoke"),
]
