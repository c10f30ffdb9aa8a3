from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _user_changed(instance: Any, **_signal: Any) -> None:
    """Every save or delete of a user drops the API's cached token user (``api_auth.api_user``)."""
    from minzheng.accounts.api_auth import api_user_forget

    api_user_forget(instance.pk)


class AccountsConfig(AppConfig):
    name = "minzheng.accounts"
    label = "accounts"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from minzheng.accounts import checks
        from minzheng.accounts.models import User

        checks.register()
        post_save.connect(_user_changed, sender=User, dispatch_uid="accounts.api_user_forget.save")
        post_delete.connect(_user_changed, sender=User, dispatch_uid="accounts.api_user_forget.delete")
