from django.urls import path

from minzheng.applications import views

app_name = "applications"
urlpatterns = [
    path("", views.application_list, name="list"),
    path("queue/", views.application_queue, name="queue"),
    path("export.xlsx", views.application_export, name="export"),
    path("new/", views.application_create, name="create"),
    path("notice/", views.public_notice, name="notice"),
    path("<int:pk>/", views.application_detail, name="detail"),
    path("<int:pk>/receipt/", views.application_receipt, name="receipt"),
    path("<int:pk>/actions/<slug:code>/", views.application_act, name="act"),
    path("<int:pk>/home-visits/", views.home_visit_add, name="home_visit"),
    path("<int:pk>/verifications/", views.verification_add, name="verification"),
    path("<int:pk>/objections/", views.objection_add, name="objection"),
    path("<int:pk>/extension/", views.application_extend, name="extend"),
    path("<int:pk>/care-assessment/", views.care_assessment_add, name="care"),
    path("<int:pk>/handover/", views.application_handover, name="handover"),
    path("<int:pk>/expenses/", views.expense_add, name="expense"),
]
