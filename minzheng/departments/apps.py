from django.apps import AppConfig


class DepartmentsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "minzheng.departments"
    verbose_name = "部门协同"

    def ready(self) -> None:
        # the automatic verification starts when an application reaches 信息核对; the workflow cannot
        # import this app (it sits above it), so it listens to the case timeline
        from minzheng.applications.signals import timeline_recorded
        from minzheng.departments.verification import on_timeline_recorded

        timeline_recorded.connect(on_timeline_recorded, dispatch_uid="departments.verification_start")
