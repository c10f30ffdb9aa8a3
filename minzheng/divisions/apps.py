from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _divisions_changed(**_signal: Any) -> None:
    from minzheng.common.caching import DIVISIONS, changed

    changed(DIVISIONS)


class DivisionsConfig(AppConfig):
    name = "minzheng.divisions"
    label = "divisions"
    verbose_name = "行政区划"

    def ready(self) -> None:
        # A division written outside the import services (admin, fixtures) starts a new generation of what
        # is cached from the tree (common/caching.py; the portal's place chooser).
        from minzheng.divisions.models import Division

        post_save.connect(_divisions_changed, sender=Division, dispatch_uid="divisions.changed.save")
        post_delete.connect(_divisions_changed, sender=Division, dispatch_uid="divisions.changed.delete")
