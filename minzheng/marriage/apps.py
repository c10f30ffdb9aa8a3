from django.apps import AppConfig


class MarriageConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.marriage"
    label = "marriage"
    verbose_name = "婚姻登记"
