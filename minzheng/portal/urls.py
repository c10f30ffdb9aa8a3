from django.urls import path

from minzheng.portal import apply_views, views

app_name = "portal"
urlpatterns = [
    # sign-in, binding, policies, self-check, entitlements, QR, self-report (views.py)
    path("", views.home, name="home"),
    path("signin/", views.sign_in, name="sign_in"),
    path("signin/code/", views.code_send, name="code_send"),
    path("signout/", views.sign_out, name="sign_out"),
    path("large-type/", views.large_type_toggle, name="large_type"),
    path("bind/", views.bind, name="bind"),
    path("policies/", views.policy_list, name="policies"),
    path("policies/<slug:programme>/", views.policy_detail, name="policy_detail"),
    path("self-check/", views.self_check, name="self_check"),
    path("entitlements/", views.entitlements, name="entitlements"),
    path("q/<str:token>/", views.qr_open, name="qr_open"),
    path("reports/", views.self_report_list, name="self_reports"),
    path("reports/<int:enrolment_id>/", views.self_report, name="self_report"),
    # online application and progress (apply_views.py)
    path("apply/", apply_views.apply_start, name="apply"),
    path("apply/<int:pk>/", apply_views.draft_edit, name="draft"),
    path("apply/<int:pk>/documents/", apply_views.draft_upload, name="draft_upload"),
    path(
        "apply/<int:pk>/documents/<int:document_id>/remove/",
        apply_views.draft_document_remove,
        name="draft_document_remove",
    ),  # fmt: skip
    path("apply/<int:pk>/submit/", apply_views.draft_submit, name="draft_submit"),
    path("progress/", apply_views.progress_list, name="progress"),
    path("progress/<int:pk>/", apply_views.progress_detail, name="progress_detail"),
]
