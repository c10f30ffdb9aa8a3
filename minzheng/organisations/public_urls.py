"""``/portal/organisations/``: the public query and the organisation's own pages (outside the staff site)."""

from django.urls import path

from minzheng.organisations import public_views

app_name = "organisations_public"

urlpatterns = [
    path("query/", public_views.public_query, name="query"),
    path("sign-in/", public_views.sign_in, name="sign_in"),
    path("sign-out/", public_views.sign_out, name="sign_out"),
    path("", public_views.home, name="home"),
    path("reports/<int:pk>/", public_views.report_edit, name="report"),
    path("reports/<int:pk>/upload/", public_views.report_upload, name="report_upload"),
]
