from django.apps import AppConfig


class PortalConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.portal"
    label = "portal"
    verbose_name = "救助通（申请人门户）"

    def ready(self) -> None:
        """SMS to the applicant on every step change (``notifications``; issue 7 item 5)."""
        from minzheng.applications.signals import timeline_recorded
        from minzheng.portal.notifications import on_timeline_recorded

        timeline_recorded.connect(on_timeline_recorded, dispatch_uid="portal.application_notify")
