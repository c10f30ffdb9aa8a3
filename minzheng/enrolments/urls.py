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
    path("import/<int:pk>/errors.xlsx", views.legacy_import_errors, name="legacy_import_errors"),
]
