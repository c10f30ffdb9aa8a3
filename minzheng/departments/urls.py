from django.urls import path

from minzheng.departments import joint_views, views

app_name = "departments"
urlpatterns = [
    path("applications/<int:pk>/checks/", views.checks_page, name="checks"),
    path("applications/<int:pk>/checks/run/", views.checks_run, name="checks_run"),
    path("checks/<int:pk>/confirm/", views.check_confirm, name="check_confirm"),
    path("checks/<int:pk>/correct/", views.check_correct, name="check_correct"),
    path("exchange/", views.exchange_returns, name="exchange"),
    path("joint/", joint_views.joint_list, name="joint_list"),
    path("joint/<int:pk>/", joint_views.joint_detail, name="joint"),
    path("joint-requests/<int:pk>/answer/", joint_views.joint_answer, name="joint_answer"),
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/reply/", views.referral_reply, name="referral_reply"),
    path("referrals/<int:pk>/attach/", views.referral_attach, name="referral_attach"),
    path("referrals/<int:pk>/close/", views.referral_close, name="referral_close"),
]
