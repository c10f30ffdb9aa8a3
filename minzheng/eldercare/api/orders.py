"""API of eldercare: orders (issue 17), under /api/v1/eldercare/."""

from __future__ import annotations

from ninja import Router

router = Router()
