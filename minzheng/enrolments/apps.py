from django.apps import AppConfig


class EnrolmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.enrolments"
    label = "enrolments"
    verbose_name = "在保对象"
