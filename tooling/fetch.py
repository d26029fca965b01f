"""Pictures downloaded from an old site for an import: only from the export's own hosts, only
pictures, within a size and a total time, whatever the remote server does."""

import http.client
import io
import socket
import ssl
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import quote, unquote, urljoin, urlsplit

USER_AGENT = "blog-importer/1 (+WordPress import)"
PICTURE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}
REDIRECTS = {301, 302, 303, 307, 308}
CHUNK_BYTES = 64 * 1024
# Characters a URL may carry as they are; anything else (spaces, non-ASCII) is percent-encoded.
URL_SAFE = "/%:@!$&'()*+,;=?~"


class FetchRefused(Exception):
    """Why a URL was not fetched (message is a short human sentence for the import summary)."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL after redirects
    content: bytes
    content_type: str
    name: str  # a file name for the upload, from the final URL's path (unquoted): "photo.jpg"


def fetch(url, *, allowed_hosts, max_bytes=20 * 1024 * 1024, timeout=10.0, max_redirects=3):
    """The picture at url, redirects followed within allowed_hosts; FetchRefused for anything
    else. One deadline of `timeout` seconds covers every hop, connect and read together."""
    allowed = {_host_name(host) for host in allowed_hosts} - {None}
    deadline = time.monotonic() + timeout
    parts = _checked(url, allowed)
    for _hop in range(max_redirects + 1):
        with _refusing_errors(parts.hostname, timeout):
            connection = _connection(parts, deadline)
            try:
                response = _response(connection, parts, deadline)
                if response.status in REDIRECTS:
                    url, parts = _redirect_target(url, response, allowed)
                    continue
                return _picture(url, response, max_bytes)
            finally:
                connection.close()
    raise FetchRefused(f"More than {max_redirects} redirects.")


def _host_name(host):
    """A host as compared: lower case, without a final dot, in ASCII (IDNA); None if invalid."""
    try:
        return (host or "").strip().lower().rstrip(".").encode("idna").decode("ascii") or None
    except UnicodeError:
        return None


def _checked(url, allowed):
    """The URL split into parts, if it is http(s) on an allowed host (its port not compared)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # a port that is not a number raises here, not mid-request
    except ValueError:
        raise FetchRefused(f"Not a valid address: {url[:200]}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchRefused(f"Not an http or https address: {url[:200]}")
    host = _host_name(parts.hostname)
    if host not in allowed:
        raise FetchRefused(f"{parts.hostname} is not one of the export's hosts.")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    return parts._replace(netloc=host if port is None else f"{host}:{port}")


def _redirect_target(url, response, allowed):
    location = response.getheader("Location")
    if not location:
        raise FetchRefused(f"HTTP {response.status} without a Location.")
    target = urljoin(url, location.strip())
    try:
        return target, _checked(target, allowed)
    except FetchRefused as reason:
        raise FetchRefused(f"Redirected to {target[:200]}: {reason}") from None


def _connection(parts, deadline):
    remaining = max(deadline - time.monotonic(), 0.001)
    if parts.scheme == "https":
        return http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=remaining, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=remaining)


def _response(connection, parts, deadline):
    """Send the GET and read the status and headers, every read bounded by the deadline."""
    target = quote(parts.path or "/", safe=URL_SAFE)
    if parts.query:
        target += "?" + quote(parts.query, safe=URL_SAFE)
    connection.request(
        "GET",
        target,
        headers={"User-Agent": USER_AGENT, "Accept": "image/*", "Connection": "close"},
    )
    response = http.client.HTTPResponse(_DeadlineReader(connection.sock, deadline), method="GET")
    response.begin()
    return response


def _picture(url, response, max_bytes):
    if response.status != 200:
        raise FetchRefused(f"HTTP {response.status}")
    header = response.getheader("Content-Type") or ""
    content_type = header.split(";", 1)[0].strip().lower()
    if content_type not in PICTURE_TYPES:
        raise FetchRefused(f"Not a picture ({content_type or 'no Content-Type'}).")
    declared = response.length  # None when the server does not say (chunked, or until close)
    if declared is not None and declared > max_bytes:
        raise FetchRefused(f"Larger than {_in_words(max_bytes)}.")
    body = bytearray()
    while piece := response.read1(CHUNK_BYTES):
        body += piece
        if len(body) > max_bytes:
            raise FetchRefused(f"Larger than {_in_words(max_bytes)}.")
    if declared is not None and len(body) < declared:
        raise FetchRefused(f"Cut short: {len(body):,} of {declared:,} bytes arrived.")
    name = PurePosixPath(unquote(urlsplit(url).path)).name or "picture"
    return Fetched(url=url, content=bytes(body), content_type=content_type, name=name)


def _in_words(size):
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
def _refusing_errors(host, timeout):
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
