from django.urls import path

from minzheng.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.alert_list, name="alert_list"),
    path("export.xlsx", views.alert_export, name="alert_export"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/act/<slug:code>/", views.alert_act, name="alert_act"),
    path("alerts/<int:pk>/refer/", views.alert_refer, name="alert_refer"),
    path("alerts/<int:pk>/application/", views.alert_application, name="alert_application"),
    path("alerts/<int:pk>/review/", views.alert_review, name="alert_review"),
    path("alerts/<int:pk>/feedback/", views.referral_feedback, name="referral_feedback"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("feeds/", views.feed_list, name="feed_list"),
    path("feeds/<int:pk>/", views.feed_batch, name="feed_batch"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/progress/<int:job_id>/", views.run_progress, name="run_progress"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/", views.rule_detail, name="rule_detail"),
    path("rules/<int:pk>/preview/", views.rule_preview, name="rule_preview"),
    path("rules/<int:pk>/preview/status/", views.rule_preview_status, name="rule_preview_status"),
    path("rules/<int:pk>/publish/", views.rule_publish, name="rule_publish"),
]
