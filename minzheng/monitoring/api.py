"""动态监测预警 endpoints of the JSON API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["动态监测预警"])
