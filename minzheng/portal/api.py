"""Portal API: sign-in, policies, self-check, entitlements, self-report (placeholder: being built)."""

from ninja import Router

from minzheng.portal.auth import PortalSessionAuth

router = Router(tags=["救助通"], auth=PortalSessionAuth(csrf=True))
