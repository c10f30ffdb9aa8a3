from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "minzheng.common"
    label = "common"
    verbose_name = "通用"
