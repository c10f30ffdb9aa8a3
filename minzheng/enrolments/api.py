"""在保对象 endpoints of the JSON API."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["在保对象"])
