"""URLs of the field app (/field/): the shell, its service worker (scope /field/) and its manifest."""

from __future__ import annotations

from django.urls import path

from minzheng.field import views

app_name = "field"
urlpatterns = [
    path("", views.field_app, name="app"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
