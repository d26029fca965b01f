"""The client's address, derived once per request from the trusted-proxy setting.

Behind a reverse proxy every request comes from the proxy's address; the reader's is in the
X-Forwarded-For header, which anyone can also send. TRUSTED_PROXIES says how much of that
header to believe:

- unset: nothing; the client is REMOTE_ADDR (no proxy in front);
- a number N: N proxies in front, each appending the address it received from to
  X-Forwarded-For (nginx's $proxy_add_x_forwarded_for); the client is the N-th entry from the
  right, which the first of our proxies wrote. Entries further left were sent by the client;
- addresses or networks (10.0.0.0/8, 192.0.2.7): the hops to skip, from REMOTE_ADDR leftwards
  through the header; the client is the first hop not among them.

Every use of the address (login lockout, comment flood limit, moderation rules, the stored
comment IP, request logs) reads request.client_address, set here.
"""

import ipaddress

from django.conf import settings


def parse_trusted_proxies(text):
    """TRUSTED_PROXIES as a number of proxies, a tuple of networks, or None."""
    text = (text or "").strip()
    if not text:
        return None
    if text.isdigit():
        return int(text)
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(","))
    except ValueError as error:
        raise SystemExit(f"TRUSTED_PROXIES: {error}") from None


def _address(text):
    try:
        return ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None


def derive_client_address(meta, trusted):
    """The client's address from a request's META, as a string (REMOTE_ADDR when the header
    cannot be believed)."""
    remote = meta.get("REMOTE_ADDR", "")
    if not trusted:
        return remote
    forwarded = [hop.strip() for hop in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if isinstance(trusted, int):
        # Fewer entries than proxies: the request did not come through them all.
        found = _address(forwarded[-trusted]) if len(forwarded) >= trusted else None
        return str(found) if found else remote
    hops = [*forwarded, remote]
    client = _address(remote)
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        client = address
        if not any(address in network for network in trusted):
            break
    return str(client) if client else remote


def client_address(request):
    """The client's address (also AXES_CLIENT_IP_CALLABLE)."""
    address = getattr(request, "client_address", None)
    if address is None:
        address = derive_client_address(request.META, settings.TRUSTED_PROXIES)
        request.client_address = address
    return address


class ClientAddressMiddleware:
    """Sets request.client_address before anything else reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        client_address(request)
        return self.get_response(request)
