from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.monitoring"
    label = "monitoring"
    verbose_name = "动态监测预警"
