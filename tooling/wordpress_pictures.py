"""The pictures a WordPress body shows, and the body pointing at their imported copies.

WordPress posts embed resized copies of an upload (name-1024x768.jpg), sizes asked for in the
query (name.jpg?w=604), srcset lists of them, links to the full size, on the site's own host or
a CDN's. Each such reference names one upload: its *key*, the file's place below uploads/ with
the size suffix and query dropped. A picture is imported once per post and key, its file found
below --media-dir or fetched from the old site (MediaSource)."""

import html
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from urllib.parse import parse_qs, unquote, urlsplit

from .fetch import FetchRefused, fetch

PICTURE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp"}
IMG_TAG = re.compile(r"<img\b[^>]{0,5000}>", re.IGNORECASE)
LINK_TAG = re.compile(r"<a\b[^>]{0,5000}>", re.IGNORECASE)
LINKED_IMG = re.compile(r"(<a\b[^>]{0,5000}>\s{0,200})?(<img\b[^>]{0,5000}>)", re.IGNORECASE)
ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
SIZE_SUFFIX = re.compile(r"-(?:\d{1,5}x\d{1,5}|scaled|e\d{10,13})$")


def key_of(url):
    """'2013/03/image-alignment.jpg' for any size of that upload, on any host; None for what
    is not a picture file."""
    path = unquote(urlsplit(html.unescape(url.strip())).path)
    path = path.split("/uploads/", 1)[-1].lstrip("/")
    suffix = PurePosixPath(path).suffix.lower()
    if suffix not in PICTURE_SUFFIXES:
        return None
    return path


def keys_of(url):
    """The keys a reference may name, the most exact first: the file as named (an upload whose
    own name ends in -150x150), then without its size suffix (a resized copy)."""
    key = key_of(url)
    if key is None:
        return []
    stem, suffix = key[: -len(PurePosixPath(key).suffix)], PurePosixPath(key).suffix
    keys, bare = [key], SIZE_SUFFIX.sub("", stem)
    while bare != stem:
        keys.append(bare + suffix)
        stem, bare = bare, SIZE_SUFFIX.sub("", bare)
    return keys


def attributes(tag):
    """The attributes of one tag, names in lower case, values decoded."""
    inner = tag[tag.index(" ") + 1 : -1].rstrip("/") if " " in tag else ""
    found = {}
    for match in ATTRIBUTE.finditer(inner):
        value = next((v for v in match.groups()[1:] if v is not None), "")
        found.setdefault(match.group(1).lower(), html.unescape(value))
    return found


@dataclass
class Reference:
    url: str
    alt: str = ""


@dataclass
class References:
    """What a body shows: pictures (<img> sources and srcset entries) and links to picture
    files, in order of appearance."""

    pictures: list = field(default_factory=list)
    links: list = field(default_factory=list)

    @property
    def all(self):
        return self.pictures + self.links


def references(text):
    found = References()
    for tag in IMG_TAG.findall(text):
        attrs = attributes(tag)
        alt = attrs.get("alt", "")
        if attrs.get("src"):
            found.pictures.append(Reference(attrs["src"], alt))
        for candidate in attrs.get("srcset", "").split(","):
            if candidate.strip():
                found.pictures.append(Reference(candidate.split()[0], alt))
    for tag in LINK_TAG.findall(text):
        href = attributes(tag).get("href", "")
        if key_of(href):
            found.links.append(Reference(href))
    return found


def rewritten(text, local):
    """The body with every picture reference pointing at its imported copy. `local(url)` gives
    the copy (a PostImage) or None. An <img> without a copy becomes a link to where it was,
    with its alt text, so it stays visible (the sanitiser shows no remote pictures); returns
    (text, the URLs left unresolved)."""
    unresolved = []

    def picture(match):
        around, tag = match.group(1) or "", match.group(2)  # a link it is in, the <img>
        attrs = attributes(tag)
        src = attrs.get("src", "")
        copy = local(src) if src else None
        if copy is None:
            candidates = [c.split()[0] for c in attrs.get("srcset", "").split(",") if c.strip()]
            copy = next((found for c in candidates if (found := local(c))), None)
        if copy is None:
            if not src:
                return around + tag
            unresolved.append(src)
            label = attrs.get("alt") or PurePosixPath(unquote(urlsplit(src).path)).name or src
            if around:  # a thumbnail linked to the full size: the link shows the label
                return around + html.escape(label)
            return f'<a href="{html.escape(src)}">{html.escape(label)}</a>'
        kept = {
            name: value
            for name, value in attrs.items()
            if name in ("alt", "title", "class", "id") and value
        }
        width, height = copy.width, copy.height
        asked = attrs.get("width", "") or parse_qs(urlsplit(src).query).get("w", [""])[0]
        if asked.isdigit() and 0 < int(asked) < width:
            # As wide as the author chose (a thumbnail, a medium copy), in the copy's shape.
            width, height = int(asked), max(1, round(height * int(asked) / width))
        kept.update(src=copy.display.url, srcset=copy.srcset, width=width, height=height)
        kept.setdefault("alt", copy.alt)
        pairs = " ".join(f'{name}="{html.escape(str(value))}"' for name, value in kept.items())
        return f"{around}<img {pairs}>"

    def link(match):
        tag = match.group(0)
        href = attributes(tag).get("href", "")
        copy = local(href) if key_of(href) else None
        if copy is None:
            return tag
        return tag.replace(href, copy.original.url, 1).replace(
            html.escape(href), copy.original.url, 1
        )

    text = LINKED_IMG.sub(picture, text)
    return LINK_TAG.sub(link, text), unresolved


MAX_PICTURE_BYTES = 20 * 1024 * 1024  # a download larger than this is refused


class MediaSource:
    """Where pictures come from: --media-dir (a copy of wp-content/uploads: the file as named,
    else the upload it is a size of), then the old site (only the export's own hosts). A file
    fetched once is kept (in `downloads`) for the other posts that show it."""

    def __init__(self, media_dir, hosts, downloads):
        self.media_dir, self.hosts, self.downloads = media_dir, hosts, downloads
        self.refused = {}  # URL → why it could not be had
        self.fetched = {}  # URL → (name, file in downloads)

    def get(self, url):
        """(file name, bytes), or None with the reason in `refused`."""
        found = self.from_folder(url)
        if found is not None:
            return found.name, found.read_bytes()
        if self.hosts is None:
            self.refused.setdefault(url, self.why_not(url))
            return None
        if url in self.fetched:
            name, stored = self.fetched[url]
            return name, stored.read_bytes()
        if url in self.refused:
            return None
        try:
            fetched = fetch(url, allowed_hosts=self.hosts, max_bytes=MAX_PICTURE_BYTES)
        except FetchRefused as refusal:
            self.refused[url] = f"not fetched: {refusal}"
            return None
        stored = self.downloads / f"{len(self.fetched)}"
        stored.write_bytes(fetched.content)
        self.fetched[url] = (fetched.name, stored)
        return fetched.name, fetched.content

    def from_folder(self, url):
        """The file below --media-dir: as named below uploads/ (or at the end of the address,
        folders dropped from the front: a multisite's sites/2/2014/05/x.jpg, our own
        /media/images/2014/05/x.jpg), else the upload a resized copy was made from."""
        if self.media_dir is None:
            return None
        root = self.media_dir.resolve()
        for key in keys_of(url):
            parts = key.split("/")
            for start in range(len(parts)):
                candidate = (self.media_dir / "/".join(parts[start:])).resolve()
                if root in candidate.parents and candidate.is_file():
                    return candidate
        return None

    def why_not(self, url):
        if url in self.refused:
            return self.refused[url]
        if self.media_dir is None and self.hosts is None:
            return "give --media-dir or --fetch-media to import it"
        if self.hosts is None:
            return "not under --media-dir; --fetch-media would try the old site"
        return "not under --media-dir and not fetched"


def hosts_of(site):
    """The hosts an export names: the site's own and its uploads'."""
    urls = [site.link, *(item.attachment_url for item in site.items if item.attachment_url)]
    return {urlsplit(url).hostname for url in urls if urlsplit(url).hostname}
