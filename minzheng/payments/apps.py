from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.payments"
    label = "payments"
    verbose_name = "资金发放"
