"""The client's address as seen through the reverse proxies we trust (issue 16, lockout behind a proxy).

Behind nginx every request arrives from the proxy's address, so a lockout keyed on ``REMOTE_ADDR`` would
count every user's failures against one address. ``X-Forwarded-For`` is believed only when the request
came from an address listed in ``MINZHENG_TRUSTED_PROXIES`` (anyone else could write that header): the
client is then the right-most address in it that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in getattr(settings, "MINZHENG_TRUSTED_PROXIES", ()):
        try:
            if ip in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_address(request: HttpRequest) -> str | None:
    """The address to key the lockout and the audit trail on (``AXES_CLIENT_IP_CALLABLE``)."""
    remote = request.META.get("REMOTE_ADDR") or None
    if remote is None or not _trusted(remote):
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    for hop in reversed(forwarded):
        if not _trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # a malformed header from behind the proxy: keep the proxy's address
    return remote
