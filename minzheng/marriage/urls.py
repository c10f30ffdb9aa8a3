from django.urls import path

from minzheng.marriage.views import records, staff

app_name = "marriage"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("appointments/<int:pk>/no-show/", staff.appointment_no_show, name="appointment_no_show"),
    path("appointments/<int:pk>/attend/", staff.appointment_attend, name="appointment_attend"),
    path("register/", staff.register, name="register"),
    path("divorces/", staff.divorce_list, name="divorce_list"),
    path("divorces/new/", staff.divorce_new, name="divorce_new"),
    path("divorces/<int:pk>/", staff.divorce_detail, name="divorce_detail"),
    path("divorces/<int:pk>/withdraw/", staff.divorce_withdraw, name="divorce_withdraw"),
    path("divorces/<int:pk>/register/", staff.divorce_register, name="divorce_register"),
    path("offices/", staff.office_list, name="office_list"),
    path("offices/<int:pk>/", staff.office_detail, name="office_detail"),
    path("offices/<int:pk>/days/", staff.office_day, name="office_day"),
    path("offices/<int:pk>/generate/", staff.office_generate, name="office_generate"),
    path("offices/<int:pk>/plan/", staff.office_plan, name="office_plan"),
    path("records/", records.record_list, name="record_list"),
    path("records/<int:pk>/", records.record_detail, name="record_detail"),
    path("records/<int:pk>/certificate/", records.record_certificate, name="record_certificate"),
    path("records/<int:pk>/correct/", records.record_correct, name="record_correct"),
    path("records/<int:pk>/reissue/", records.record_reissue, name="record_reissue"),
    path("imports/", records.import_list, name="import_list"),
    path("imports/<int:pk>/", records.import_detail, name="import_detail"),
    path("statistics/", records.statistics, name="statistics"),
]
