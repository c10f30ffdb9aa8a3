from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "minzheng.audit"
    label = "audit"
    verbose_name = "审计"
