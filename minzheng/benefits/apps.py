from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "minzheng.benefits"
    label = "benefits"
    verbose_name = "救助测算"
    default_auto_field = "django.db.models.BigAutoField"
