"""Fetching a URL someone else gave us (a webmention's source, a link in a post, a WebSub hub,
an import's pictures) without letting them aim the site at itself or its network. A site-wide
piece: it imports none of the project's apps.

- only http and https, with a host;
- the host is resolved once, every address it resolves to is checked, and the connection goes
  to the checked address (no second lookup that could answer differently: DNS rebinding);
- refused: private, loopback, link-local (169.254.169.254, the cloud metadata service),
  multicast, reserved and unspecified addresses, IPv4 inside IPv6 too, unless the setting
  SAFE_FETCH_ALLOWED_NETWORKS names them (tests, a private deployment);
- one deadline covers every hop, connect and read together, so a server trickling bytes is
  cut off; the body is cut off past `max_bytes`;
- at most `max_redirects` redirects, each target checked like the first address.
"""

import http.client
import io
import ipaddress
import socket
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from urllib.parse import quote, urlencode, urljoin, urlsplit

from django.conf import settings

USER_AGENT = "blosxom-ng/1 (+webmention)"
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK_BYTES = 64 * 1024
# Characters a URL may carry as they are; anything else (spaces, non-ASCII) is percent-encoded.
URL_SAFE = "/%:@!$&'()*+,;=?~"


class FetchRefused(Exception):
    """Why a URL was not fetched (the message is a short human sentence)."""


@dataclass(frozen=True)
class Response:
    url: str  # the final URL after redirects
    status: int
    headers: Message  # get_all("Link") gives every Link header
    content: bytes

    @property
    def content_type(self):
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def text(self):
        charset = self.headers.get_content_charset() or "utf-8"
        try:
            return self.content.decode(charset, errors="replace")
        except LookupError:
            return self.content.decode("utf-8", errors="replace")


def fetch(
    url,
    *,
    data=None,
    headers=None,
    max_bytes=1024 * 1024,
    timeout=10.0,
    max_redirects=5,
    allowed_hosts=None,
    allow_any_address=False,
    checks_before_body=None,
):
    """GET `url` (POST `data`, a dict, form-encoded), following redirects; the Response
        whatever its status, or FetchRefused. `allowed_hosts` (if given) limits every hop to those
        host names; `allow_any_address` skips the address check (for hosts an administrator named
        themselves, like an import's); `checks_before_body(status, content_type)` may refuse an
    answer before its body is read."""
    allowed = None if allowed_hosts is None else {host_name(h) for h in allowed_hosts} - {None}
    deadline = time.monotonic() + timeout
    parts = checked(url, allowed)
    method = "POST" if data is not None else "GET"
    for _hop in range(max_redirects + 1):
        with refusing_errors(parts.hostname, timeout):
            address = None if allow_any_address else checked_address(parts)
            connection = _connection(parts, address, deadline)
            try:
                response = _response(connection, parts, deadline, method, data, headers or {})
                if response.status in REDIRECTS:
                    url, parts = _redirect_target(url, response, allowed)
                    if response.status not in {307, 308}:
                        method, data = "GET", None
                    continue
                if checks_before_body is not None:
                    content_type = (response.getheader("Content-Type") or "").split(";", 1)[0]
                    checks_before_body(response.status, content_type.strip().lower())
                return Response(url, response.status, response.msg, _body(response, max_bytes))
            finally:
                connection.close()
    raise FetchRefused(f"More than {max_redirects} redirects.")


def host_name(host):
    """A host as compared: lower case, without a final dot, in ASCII (IDNA); None if invalid."""
    try:
        return (host or "").strip().lower().rstrip(".").encode("idna").decode("ascii") or None
    except UnicodeError:
        return None


def checked(url, allowed=None):
    """The URL split into parts, if it is http(s) with a host (one of `allowed`, if given)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # a port that is not a number raises here, not mid-request
    except ValueError:
        raise FetchRefused(f"Not a valid address: {url[:200]}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"Not an http or https address: {url[:200]}")
    host = host_name(parts.hostname)
    if host is None:
        raise FetchRefused(f"Not a valid address: {url[:200]}")
    if allowed is not None and host not in allowed:
        raise FetchRefused(f"{parts.hostname} is not one of the export's hosts.")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    return parts._replace(netloc=host if port is None else f"{host}:{port}")


def is_public(address):
    """Whether an address may be fetched: a global unicast one, or one the settings allow."""
    address = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    if getattr(address, "ipv4_mapped", None):
        address = address.ipv4_mapped
    networks = getattr(settings, "SAFE_FETCH_ALLOWED_NETWORKS", ())
    if any(address in ipaddress.ip_network(network) for network in networks):
        return True
    return address.is_global and not (address.is_multicast or address.is_reserved)


def checked_address(parts):
    """The address to connect to: the host resolved once, every answer checked."""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    answers = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    addresses = [answer[4][0] for answer in answers]
    refused = [address for address in addresses if not is_public(address)]
    if not addresses:
        raise FetchRefused(f"Cannot find {parts.hostname}.")
    if refused:
        raise FetchRefused(f"{parts.hostname} is a private or reserved address ({refused[0]}).")
    return addresses[0]


def _redirect_target(url, response, allowed):
    location = response.getheader("Location")
    if not location:
        raise FetchRefused(f"HTTP {response.status} without a Location.")
    target = urljoin(url, location.strip())
    try:
        return target, checked(target, allowed)
    except FetchRefused as reason:
        raise FetchRefused(f"Redirected to {target[:200]}: {reason}") from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address checked, whatever the host name would resolve to now."""

    address = None

    def connect(self):
        if self.address is None:
            return super().connect()
        self.sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return None


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    address = None

    def connect(self):
        if self.address is None:
            return super().connect()
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)
        return None


def _connection(parts, address, deadline):
    remaining = max(deadline - time.monotonic(), 0.001)
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            parts.hostname, parts.port, timeout=remaining, context=ssl.create_default_context()
        )
    else:
        connection = _PinnedHTTPConnection(parts.hostname, parts.port, timeout=remaining)
    connection.address = address
    return connection


def _response(connection, parts, deadline, method, data, headers):
    """Send the request and read the status and headers, every read bounded by the deadline."""
    target = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE)
    headers = {"User-Agent": USER_AGENT, "Connection": "close", **headers}
    body = None
    if data is not None:
        body = urlencode(data).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, target, body=body, headers=headers)
    response = http.client.HTTPResponse(_DeadlineReader(connection.sock, deadline), method=method)
    response.begin()
    return response


def _body(response, max_bytes):
    declared = response.length  # None when the server does not say (chunked, or until close)
    if declared is not None and declared > max_bytes:
        raise FetchRefused(f"Larger than {in_words(max_bytes)}.")
    body = bytearray()
    while piece := response.read1(CHUNK_BYTES):
        body += piece
        if len(body) > max_bytes:
            raise FetchRefused(f"Larger than {in_words(max_bytes)}.")
    if declared is not None and len(body) < declared:
        raise FetchRefused(f"Cut short: {len(body):,} of {declared:,} bytes arrived.")
    return bytes(body)


def in_words(size):
    return f"{size / 2**20:.3g} MB" if size >= 2**20 else f"{size:,} bytes"


class _DeadlineReader(io.RawIOBase):
    """The connection's socket as the response reads it: each read waits only until the
    deadline, so a server sending a byte now and then is cut off however it spaces them."""

    def __init__(self, sock, deadline):
        self.sock, self.deadline = sock, deadline

    def makefile(self, mode):
        return io.BufferedReader(self)

    def readable(self):
        return True

    def readinto(self, buffer):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError
        self.sock.settimeout(remaining)
        return self.sock.recv_into(buffer)


@contextmanager
def refusing_errors(host, timeout):
    """Whatever goes wrong on the wire becomes a FetchRefused with a short reason."""
    try:
        yield
    except TimeoutError:
        raise FetchRefused(f"No complete answer within {timeout:g} s.") from None
    except socket.gaierror:
        raise FetchRefused(f"Cannot find {host}.") from None
    except ssl.SSLError as error:
        reason = getattr(error, "verify_message", None) or error.reason or "unknown reason"
        raise FetchRefused(f"TLS with {host} failed: {reason}.") from None
    except http.client.HTTPException as error:
        raise FetchRefused(f"Broken HTTP answer from {host} ({type(error).__name__}).") from None
    except OSError as error:
        raise FetchRefused(f"Cannot connect to {host}: {error.strerror or error}.") from None
