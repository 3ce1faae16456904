"""The address of the client that sent a request, also behind reverse proxies.

Behind nginx, Caddy or a load balancer, ``REMOTE_ADDR`` is the proxy's address: counting
failed sign-ins by it (django-axes locks a username per username *and* address) would put
every client behind one address, so that five wrong passwords typed by anyone lock that
username for everyone. Each proxy appends the address it received the connection from to
``X-Forwarded-For``; what a client sends there itself comes first and cannot be trusted. So
with ``EDUPACT_PROXY_COUNT`` = N proxies, the client is the N-th address from the right —
the one the outermost proxy, which the client talked to, appended. Without proxies (N = 0,
the default) the header is ignored, so a client cannot choose its own address.
"""

import ipaddress

from django.conf import settings


def _address(text: str) -> str | None:
    """An IP address as written in a forwarding header (IPv6 may be in brackets), or None."""
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # IPv4 with a port
        text = text.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The client's address (``AXES_CLIENT_IP_CALLABLE``): the N-th entry from the right of
    ``EDUPACT_CLIENT_IP_HEADER`` with N = ``EDUPACT_PROXY_COUNT``, else ``REMOTE_ADDR``
    (no proxies configured, or a request that did not pass through all of them)."""
    remote = request.META.get("REMOTE_ADDR")
    count = settings.EDUPACT_PROXY_COUNT
    if count <= 0:
        return remote
    header = request.META.get(settings.EDUPACT_CLIENT_IP_HEADER, "")
    entries = [e for e in header.split(",") if e.strip()]
    if len(entries) < count:
        return remote
    return _address(entries[-count]) or remote
