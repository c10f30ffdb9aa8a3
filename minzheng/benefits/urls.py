from django.urls import path

from minzheng.benefits import views

app_name = "benefits"
urlpatterns = [
    path("households/<int:pk>/assessment/", views.household_assessment, name="household_assessment"),
    path("what-if/", views.whatif, name="whatif"),
    path("what-if/jobs/<int:job_id>/", views.whatif_job, name="whatif_job"),
]
