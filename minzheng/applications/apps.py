from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.applications"
    label = "applications"
    verbose_name = "救助申请"
