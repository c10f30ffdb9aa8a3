from django.urls import path

from minzheng.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export/", views.event_export, name="event_export"),
    path("personal-data/", views.personal_data_access_list, name="personal_data_access_list"),
]
