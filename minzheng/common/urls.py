from django.urls import path

from minzheng.common import views

app_name = "jobs"
urlpatterns = [
    path("", views.job_list, name="list"),
    path("selftest/", views.job_selftest_start, name="selftest"),
    path("<int:job_id>/", views.job_detail, name="detail"),
    path("<int:job_id>/progress/", views.job_progress, name="progress"),
    path("<int:job_id>/download/", views.job_download, name="download"),
]
