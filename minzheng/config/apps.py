"""The project package as an app, so its deployment checks are registered (no models, no pages)."""

from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "minzheng.config"
    label = "minzheng_config"
    verbose_name = "部署配置"

    def ready(self) -> None:
        from minzheng.config import checks  # noqa: F401 - registers the checks
