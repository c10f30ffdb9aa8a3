"""Portal pages of eldercare (/portal/eldercare/): under /portal/ so the staff middleware lets citizens in,
authenticated by the portal session (``portal.auth``). Included once in ``config/urls.py``."""

from __future__ import annotations

from minzheng.eldercare.views.orders_portal import urlpatterns

app_name = "eldercare_portal"
__all__ = ["app_name", "urlpatterns"]
