from django.urls import path

from minzheng.petitions import portal_views

app_name = "petitions_portal"
urlpatterns = [
    path("", portal_views.my_list, name="list"),
    path("new/", portal_views.file, name="file"),
    path("questions/", portal_views.questions, name="questions"),
    path("<int:pk>/", portal_views.detail, name="detail"),
    path("<int:pk>/act/<slug:action>/", portal_views.act, name="act"),
    path("<int:pk>/documents/<slug:document>.pdf", portal_views.document, name="document"),
]
