from django.urls import path

from minzheng.organisations import views

app_name = "organisations"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("new/", views.organisation_create, name="create"),
    path("import/", views.register_import_page, name="import"),
    path("<int:pk>/", views.organisation_detail, name="detail"),
    path("<int:pk>/change/", views.organisation_change, name="change"),
    path("<int:pk>/account/", views.organisation_account, name="account"),
    path("inspection/", views.report_queue, name="reports"),
    path("inspection/open-year/", views.year_open, name="year_open"),
    path("inspection/scan/", views.scan_run, name="scan"),
    path("inspection/<int:pk>/", views.report_detail, name="report"),
    path("inspection/<int:pk>/review/", views.report_review, name="report_review"),
    path("pre-review/", views.prereview_queue, name="prereview"),
    path("abnormal/", views.abnormal_list, name="abnormal"),
    path("statistics/", views.statistics, name="statistics"),
]
