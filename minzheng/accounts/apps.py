from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "minzheng.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from minzheng.accounts import checks

        checks.register()
