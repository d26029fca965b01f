"""Pictures downloaded from an old site for an import: only from the export's own hosts, only
pictures, within a size and a total time, whatever the remote server does. The fetching itself
(deadlines, size limit, redirects re-checked) is safefetch's; the hosts here are the ones the
administrator's own export names, so their addresses are not checked (an intranet blog moves
too)."""

from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from safefetch import FetchRefused
from safefetch import fetch as safe_fetch

USER_AGENT = "blog-importer/1 (+WordPress import)"
PICTURE_TYPES = {"image/jpeg", "image/png", "image/gif", "image/webp"}

__all__ = ["USER_AGENT", "FetchRefused", "Fetched", "fetch"]


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL after redirects
    content: bytes
    content_type: str
    name: str  # a file name for the upload, from the final URL's path (unquoted): "photo.jpg"


def fetch(url, *, allowed_hosts, max_bytes=20 * 1024 * 1024, timeout=10.0, max_redirects=3):
    """The picture at url, redirects followed within allowed_hosts; FetchRefused for anything
    else. One deadline of `timeout` seconds covers every hop, connect and read together."""
    response = safe_fetch(
        url,
        headers={"User-Agent": USER_AGENT, "Accept": "image/*"},
        max_bytes=max_bytes,
        timeout=timeout,
        max_redirects=max_redirects,
        allowed_hosts=allowed_hosts,
        allow_any_address=True,
        checks_before_body=_picture_checks,
    )
    name = PurePosixPath(unquote(urlsplit(response.url).path)).name or "picture"
    return Fetched(response.url, response.content, response.content_type, name)


def _picture_checks(status, content_type):
    """Refuse before reading the body what is not a picture."""
    if status != 200:
        raise FetchRefused(f"HTTP {status}")
    if content_type not in PICTURE_TYPES:
        raise FetchRefused(f"Not a picture ({content_type or 'no Content-Type'}).")
