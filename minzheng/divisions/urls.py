from django.urls import path

from minzheng.divisions import views

app_name = "divisions"
urlpatterns = [
    path("search/", views.division_search, name="search"),
]
