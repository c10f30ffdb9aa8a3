from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.documents"
    label = "documents"
    verbose_name = "申请材料"
