"""The county's random sample of 特困 applications in review (特困人员认定办法第 16 条)."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from django.db import transaction

from minzheng.accounts.models import User
from minzheng.applications.models import OPEN, Application
from minzheng.applications.rules import EP_MEASURES, Step, Workflow
from minzheng.applications.services.access import in_scope
from minzheng.applications.timeline import timeline_record
from minzheng.catalogue.roles import Role
from minzheng.common.errors import PermissionDenied
from minzheng.divisions.models import Division

SPOT_CHECK_SHARE = Decimal("0.3")  # 特困人员认定办法第 16 条


@transaction.atomic
def spot_check_draw(*, actor: User, county: Division, seed: int | None = None) -> list[int]:
    """Draw the county's random sample of 特困 applications in review, at least 30 % (特困人员认定办法第
    16 条); every application in review is marked checked or not, and the drawn ones need the county's
    home visit before approval. Returns the drawn ids."""
    if actor.role != Role.COUNTY_APPROVER or not in_scope(actor, county):
        raise PermissionDenied("抽查由本县级民政部门办理")
    pending = list(
        Application.objects.select_for_update()
        .filter(
            OPEN,
            workflow=Workflow.EXTREME_POVERTY,
            step=Step.COUNTY_REVIEW,
            spot_checked__isnull=True,
            division__code__startswith=county.short_code,
        )
        .order_by("pk")
    )
    count = math.ceil(len(pending) * SPOT_CHECK_SHARE)
    drawn = {a.pk for a in random.Random(seed).sample(pending, count)}  # noqa: S311 - a sample, not a secret
    for application in pending:
        application.spot_checked = application.pk in drawn  # drawn: the county visit is required
        application.save(update_fields=["spot_checked", "updated_at"])
        timeline_record(
            application,
            actor,
            "record",
            "spot_check",
            "县级抽查：抽中，须入户核查" if application.spot_checked else "县级抽查：未抽中",
            basis=f"{EP_MEASURES}第16条",
        )
    return sorted(drawn)
