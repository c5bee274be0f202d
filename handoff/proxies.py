"""The client's address as seen through the TLS proxies we run in front of the app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address of whoever sent the request, for sign-in throttling (AXES_CLIENT_IP_CALLABLE).

    Behind TRUSTED_PROXY_COUNT proxies every request arrives from the nearest proxy, so
    REMOTE_ADDR alone would make all users one address: five failures for a colleague's name
    would lock them out everywhere. Each proxy appends the address it was reached from to
    X-Forwarded-For, so the client is the TRUSTED_PROXY_COUNT-th entry from the right; entries
    further left were written by the client and are not believed. With no proxies configured
    the header is ignored altogether, since anyone can send it.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote_addr
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    # Fewer hops than proxies: the request skipped our proxies, so only the socket is known.
    return hops[-count] if len(hops) >= count else remote_addr
