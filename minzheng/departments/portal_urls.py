from django.urls import path

from minzheng.departments import joint_views

app_name = "joint_portal"
urlpatterns = [path("", joint_views.portal_joint, name="list")]
