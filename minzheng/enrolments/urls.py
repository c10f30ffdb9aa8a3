from django.urls import path

from minzheng.enrolments import views

app_name = "enrolments"
urlpatterns = [
    path("", views.enrolment_list, name="list"),
    path("export.xlsx", views.enrolment_export, name="export"),
    path("<int:pk>/", views.enrolment_detail, name="detail"),
    path("<int:pk>/terminate/confirm/", views.termination_confirm, name="termination_confirm"),
    path("<int:pk>/<slug:action>/", views.enrolment_action, name="action"),
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/generate/", views.review_generate, name="review_generate"),
    path("import/", views.legacy_import_page, name="legacy_import"),
    path("allowances/", views.candidate_list, name="candidates"),
    path("allowances/run/", views.allowance_run, name="allowance_run"),
    path("allowances/decide/", views.candidate_decide, name="candidate_decide"),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
    path("import/<int:pk>/errors.xlsx", views.legacy_import_errors, name="legacy_import_errors"),
]
