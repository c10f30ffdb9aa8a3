from django.urls import path

from minzheng.petitions import views

app_name = "petitions"
urlpatterns = [
    path("", views.petition_list, name="list"),
    path("export.xlsx", views.petition_export, name="export"),
    path("register/", views.petition_register, name="register"),
    path("<int:pk>/", views.petition_detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", views.petition_act, name="act"),
    path("<int:pk>/identity/", views.petition_reveal, name="reveal"),
    path("<int:pk>/documents/<slug:document>.pdf", views.petition_pdf, name="pdf"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard_export"),
]
