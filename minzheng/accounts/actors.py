"""Who is acting: the one way a view or an API endpoint gets its staff user (issue 13).

Pages are guarded by ``common.pages.capability_required`` and read ``request.user``; API endpoints are
authenticated by bearer token (``accounts.api_auth``) and read ``request.auth``. Both go through
``request_actor``, which also checks a capability when the endpoint names one.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied


def request_actor(
    request: HttpRequest, capability: Capability | None = None, *, denied: str | None = None
) -> User:
    """The staff user of the request: the token user on the API (``request.auth``), else the session user.
    With ``capability``, a user without it is refused with ``denied`` (a Chinese message) or a generic one.

    A refusal is the API's ``DomainError`` (a JSON 403 with the message) or, on a page, Django's
    ``PermissionDenied`` (the 403 page), so neither ever becomes a 500."""
    on_api = hasattr(request, "auth")
    user = getattr(request, "auth", None) if on_api else getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_active:
        message = _("请先登录")
    elif capability is not None and not user.can(capability):
        message = denied or _("您的角色无权执行此操作")
    else:
        return user
    raise PermissionDenied(message) if on_api else DjangoPermissionDenied(message)
