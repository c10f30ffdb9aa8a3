from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.documents"
    label = "documents"
    verbose_name = "申请材料"

    def ready(self) -> None:
        from minzheng.documents import checks  # noqa: F401  (registers the deployment check)
