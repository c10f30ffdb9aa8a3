from django.apps import AppConfig


class FieldConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.field"
    verbose_name = "离线走访"
