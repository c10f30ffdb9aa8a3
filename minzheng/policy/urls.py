from django.urls import path

from minzheng.policy import views

app_name = "policy"
urlpatterns = [
    path("parameters/", views.parameter_list, name="parameter_list"),
    path("parameters/export.xlsx", views.parameter_export, name="parameter_export"),
    path("parameters/new/", views.parameter_create, name="parameter_create"),
    path("parameters/notice/", views.parameter_notice_import, name="parameter_notice_import"),
    path("parameters/<str:key>/", views.parameter_history, name="parameter_history"),
]
