from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _programmes_sync(sender: AppConfig, **kwargs: Any) -> None:
    """Keep the programme rows of the parameter store equal to the catalogue after every migrate, so a
    programme added to ``minzheng.catalogue.programmes`` needs no data migration (issue 13)."""
    from minzheng.policy.services import programmes_sync

    programmes_sync(using=kwargs.get("using", "default"))


def _parameters_changed(**_signal: Any) -> None:
    from minzheng.common.caching import POLICY, changed

    changed(POLICY)


class PolicyConfig(AppConfig):
    name = "minzheng.policy"
    label = "policy"
    verbose_name = "政策参数"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_programmes_sync, sender=self, dispatch_uid="policy.programmes_sync")
        # Any write of a parameter row outside the services (admin, fixtures, demo) also starts a new
        # generation of what is cached from them (common/caching.py).
        from minzheng.policy.models import Parameter

        post_save.connect(_parameters_changed, sender=Parameter, dispatch_uid="policy.changed.save")
        post_delete.connect(_parameters_changed, sender=Parameter, dispatch_uid="policy.changed.delete")
