"""申请材料 endpoints of the JSON API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["申请材料"])
