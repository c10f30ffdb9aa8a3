"""The citizen pages, mounted at ``/portal/marriage/`` (inside the portal's public prefix)."""

from django.urls import path

from minzheng.marriage.views import portal

app_name = "marriage_portal"
urlpatterns = [
    path("", portal.home, name="home"),
    path("book/", portal.book, name="book"),
    path("<int:pk>/", portal.detail, name="detail"),
    path("<int:pk>/confirm/", portal.confirm, name="confirm"),
    path("<int:pk>/cancel/", portal.cancel, name="cancel"),
    path("<int:pk>/reschedule/", portal.reschedule, name="reschedule"),
]
