"""Refuse webhook URLs that resolve to private, loopback or link-local addresses (SSRF), unless
``COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS`` is on (development and tests)."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class AddressRefused(Exception):
    pass


def url_address_check(url: str) -> None:
    """Raise ``AddressRefused`` unless every address the URL's host resolves to is public."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AddressRefused(_("Only http and https URLs are allowed."))
    if settings.COLLAB_WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise AddressRefused(_("The host name does not resolve.")) from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise AddressRefused(_("The URL resolves to a private or loopback address."))
