"""Portal API: drafts, uploads, submission, progress (placeholder: being built)."""

from ninja import Router

from minzheng.portal.auth import PortalSessionAuth

router = Router(tags=["救助通·网上申请"], auth=PortalSessionAuth(csrf=True))
