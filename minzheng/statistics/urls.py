from django.urls import path

from minzheng.statistics import views

app_name = "statistics"
urlpatterns = [
    path("", views.overview, name="overview"),
]
