from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.portal"
    label = "portal"
    verbose_name = "救助通（申请人门户）"
