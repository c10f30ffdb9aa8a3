from django.urls import path
from django.views.generic import RedirectView

from minzheng.payments import views

app_name = "payments"
urlpatterns = [
    path("", views.payroll_list, name="payroll_list"),
    path("generate/", views.payroll_generate, name="payroll_generate"),
    path("<int:pk>/", views.payroll_detail, name="payroll_detail"),
    path("<int:pk>/actions/<slug:code>/", views.payroll_act, name="payroll_act"),
    path("<int:pk>/bank-file/", views.payroll_bank_file, name="payroll_bank_file"),
    path("<int:pk>/result/", views.payroll_result_import, name="payroll_result_import"),
    path("<int:pk>/paid-otherwise/", views.payment_paid_otherwise, name="payment_paid_otherwise"),
    path("<int:pk>/roster.xlsx", views.payroll_roster, name="payroll_roster"),
    path("<int:pk>/roster.pdf", views.payroll_roster, name="payroll_roster_pdf"),
    path("reserve/", views.reserve_list, name="reserve_list"),
    path("reserve/allocate/", views.reserve_allocate, name="reserve_allocate"),
    path("reserve/<int:township_id>/", views.reserve_detail, name="reserve_detail"),
    path("reserve/<int:township_id>/settle/", views.reserve_settle, name="reserve_settle"),
    # The statistics moved to their own area (ADR 0023); old links and bookmarks keep working.
    path(
        "statistics/",
        RedirectView.as_view(pattern_name="statistics:overview", query_string=True),
        name="statistics",
    ),
    path("jobs/<int:job_id>/", views.job_page, name="job"),
    path("jobs/<int:job_id>/progress/", views.job_progress, name="job_progress"),
]
