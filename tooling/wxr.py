"""WordPress eXtended RSS (WXR 1.1 and 1.2): read it safely, write it as WordPress does."""

import datetime
import io
import re
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError
from xml.sax.saxutils import XMLGenerator

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
# WXR 1.0 to 1.2, under http:// (what WordPress writes) or https:// (as the Theme Unit Test data
# is published): WordPress's own importer takes them all.
VERSIONS = ("1.0", "1.1", "1.2")
WP_NAMESPACES = {
    f"{scheme}://wordpress.org/export/{version}/": version
    for scheme in ("http", "https")
    for version in VERSIONS
}
EXCERPT_NAMESPACES = [f"{namespace}excerpt/" for namespace in WP_NAMESPACES]
ZERO_DATE = "0000-00-00 00:00:00"
# Our own post and comment meta, so that an export imports back exactly.
SOURCE_META, MARKUP_META, SUMMARY_META = "_blosxom_source", "_blosxom_markup", "_blosxom_summary"
# Our own exports say so in <generator>: their categories are named by our path segments (a
# WordPress export's by the category's display name; its paths are named by the slug).
GENERATOR = "blosxom-ng export_wxr"
# Our own meta for what WordPress has no field for: a post's or a path's former addresses
# (one a line), the picture an attachment is (for the body's image:N references).
OLD_URLS_META, IMAGE_META, TITLE_META = "_blosxom_old_urls", "_blosxom_image", "_blosxom_title"
# A post this engine kept Unlisted (WordPress has no such status: it is exported as private, which
# WordPress keeps from the public too, and this meta brings the state back on import).
STATE_META = "_blosxom_state"


class WxrError(Exception):
    """A file that cannot be read as WXR, with what is wrong and where."""


@dataclass
class Author:
    login: str
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Category:
    nicename: str
    name: str
    parent: str = ""
    description: str = ""
    term_id: str = ""
    meta: dict = field(default_factory=dict)


@dataclass
class Comment:
    id: str
    author: str = ""
    email: str = ""
    url: str = ""
    ip: str = ""
    date: str = ""
    date_gmt: str = ""
    content: str = ""
    approved: str = "1"
    type: str = ""
    parent: str = "0"
    meta: dict = field(default_factory=dict)


@dataclass
class Item:
    title: str = ""
    link: str = ""
    guid: str = ""
    creator: str = ""
    content: str = ""
    excerpt: str = ""
    post_id: str = ""
    post_date: str = ""
    post_date_gmt: str = ""
    post_name: str = ""
    status: str = ""
    post_type: str = "post"
    post_parent: str = "0"
    attachment_url: str = ""
    comment_status: str = "open"
    post_password: str = ""
    is_sticky: str = "0"
    menu_order: str = "0"
    categories: list = field(default_factory=list)  # (domain, nicename, name)
    comments: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    line: int | None = None

    @property
    def label(self):
        return f"item {self.post_id or '?'} “{self.title or '(no title)'}”"


@dataclass
class Site:
    version: str
    title: str = ""
    link: str = ""
    generator: str = ""
    authors: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)  # (slug, name)
    tag_meta: dict = field(default_factory=dict)  # slug → {meta_key: meta_value}
    items: list = field(default_factory=list)


# Prefixes that RSS files use without always declaring them (WordPress.com exports of around
# 2012 have <atom:link> with no xmlns:atom): declared on <rss> when the file does not.
COMMON_PREFIXES = {
    "atom": "http://www.w3.org/2005/Atom",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "georss": "http://www.georss.org/georss",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "media": "http://search.yahoo.com/mrss/",
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "dc": DC,
    "content": CONTENT,
}
RSS_START = re.compile(rb"<rss\b[^>]{0,20000}>")
HEAD_BYTES = 64 * 1024


class _WithDeclarations(io.RawIOBase):
    """The file, with the common prefixes it leaves undeclared declared on its <rss> tag."""

    def __init__(self, file):
        head = file.read(HEAD_BYTES)
        start = RSS_START.search(head)
        if start is not None:
            tag = start.group()
            missing = [
                f' xmlns:{prefix}="{uri}"'.encode()
                for prefix, uri in COMMON_PREFIXES.items()
                if f"xmlns:{prefix}=".encode() not in tag
            ]
            head = head[: start.end() - 1] + b"".join(missing) + head[start.end() - 1 :]
        self.head, self.rest = head, file

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.head[: len(buffer)] if self.head else self.rest.read(len(buffer))
        self.head = self.head[len(data) :] if self.head else self.head
        buffer[: len(data)] = data
        return len(data)


def read(file):
    """Parse a WXR file, one <item> at a time (each is freed once read). Refuses DTDs and
    entities (XXE, billion laughs) with WxrError."""
    site, wp, channel = None, None, None
    file = io.BufferedReader(_WithDeclarations(file))
    try:
        for event, node in safe_etree.iterparse(file, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if node.tag == "channel":
                    channel = node
                elif (
                    wp is None
                    and node.tag.startswith("{")
                    and node.tag[1:].split("}")[0] in (WP_NAMESPACES)
                ):
                    wp = node.tag[1:].split("}")[0]
                continue
            if channel is None or wp is None:
                continue
            if site is None:
                site = Site(version=WP_NAMESPACES[wp])
            if node.tag == "item":
                site.items.append(_item(node, wp, _texts(wp)))
                channel.remove(node)
            elif node.tag in (
                f"{{{wp}}}author",
                f"{{{wp}}}wp_author",  # as some WordPress.com exports name it
                f"{{{wp}}}category",
                f"{{{wp}}}tag",
            ):
                _channel_entry(site, node, wp)
                channel.remove(node)
            elif node.tag == "channel":
                site.title, site.link = _text(node, "title"), _text(node, "link")
                site.generator = _text(node, "generator").strip()
    except DefusedXmlException as refusal:
        raise WxrError(
            f"Refused: the file declares a DTD or entities ({type(refusal).__name__}); "
            "WordPress exports never do, and such files can attack the importer."
        ) from None
    except ParseError as error:
        line, column = error.position
        raise WxrError(f"Not well-formed XML at line {line}, column {column}: {error}") from None
    if site is None or channel is None:
        raise WxrError("This is not a WordPress export (no <rss><channel> with wp:wxr_version).")
    return site


def _channel_entry(site, node, wp):
    text = _texts(wp)
    if node.tag in (f"{{{wp}}}author", f"{{{wp}}}wp_author"):
        site.authors.append(
            Author(
                **text(
                    node,
                    "author_login",
                    "author_email",
                    "author_display_name",
                    "author_first_name",
                    "author_last_name",
                    strip="author_",
                )
            )
        )
    elif node.tag == f"{{{wp}}}category":
        values = text(
            node,
            "category_nicename",
            "cat_name",
            "category_parent",
            "category_description",
            "term_id",
        )
        meta = _meta(node, f"{{{wp}}}termmeta", text)
        site.categories.append(
            Category(
                values["category_nicename"],
                values["cat_name"],
                values["category_parent"],
                values["category_description"],
                values["term_id"],
                meta,
            )
        )
    else:
        values = text(node, "tag_slug", "tag_name")
        site.tags.append((values["tag_slug"], values["tag_name"]))
        meta = _meta(node, f"{{{wp}}}termmeta", text)
        if meta:
            site.tag_meta[values["tag_slug"]] = meta


def _meta(element, tag, text):
    pairs = (text(pair, "meta_key", "meta_value") for pair in element.findall(tag))
    return {pair["meta_key"]: pair["meta_value"] for pair in pairs}


def _item(element, wp, text):
    values = text(
        element,
        "post_id",
        "post_date",
        "post_date_gmt",
        "post_name",
        "status",
        "post_type",
        "post_parent",
        "attachment_url",
        "comment_status",
        "post_password",
        "is_sticky",
        "menu_order",
    )
    item = Item(
        title=_text(element, "title"),
        link=_text(element, "link"),
        guid=_text(element, "guid"),
        creator=_text(element, f"{{{DC}}}creator"),
        content=_text(element, f"{{{CONTENT}}}encoded"),
        excerpt=next(
            (
                _text(element, f"{{{ns}}}encoded")
                for ns in EXCERPT_NAMESPACES
                if element.find(f"{{{ns}}}encoded") is not None
            ),
            "",
        ),
        **{key: value for key, value in values.items() if value != ""},
    )
    plain = []
    for category in element.findall("category"):
        # WXR 1.0 names tags domain="tag", and repeats each category without a domain.
        domain = {"tag": "post_tag"}.get(category.get("domain", ""), category.get("domain", ""))
        entry = (domain, category.get("nicename", ""), (category.text or "").strip())
        (item.categories if domain else plain).append(entry)
    named = {name for _domain, _nicename, name in item.categories}
    item.categories += [("category", "", name) for _d, _n, name in plain if name not in named]
    item.meta.update(_meta(element, f"{{{wp}}}postmeta", text))
    for comment in element.findall(f"{{{wp}}}comment"):
        values = text(
            comment,
            "comment_id",
            "comment_author",
            "comment_author_email",
            "comment_author_url",
            "comment_author_IP",
            "comment_date",
            "comment_date_gmt",
            "comment_content",
            "comment_approved",
            "comment_type",
            "comment_parent",
            strip="comment_",
        )
        values["ip"] = values.pop("author_IP")
        values["email"] = values.pop("author_email")
        values["url"] = values.pop("author_url")
        meta = _meta(comment, f"{{{wp}}}commentmeta", text)
        item.comments.append(Comment(**{k: v for k, v in values.items() if v != ""}, meta=meta))
    return item


def _text(element, tag):
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _texts(wp):
    def text(element, *names, strip=""):
        # The first child of each tag, as find() gives it: the children are walked once.
        children = {}
        for child in element:
            children.setdefault(child.tag, child)
        values = {}
        for name in names:
            found = children.get(f"{{{wp}}}{name}")
            value = (found.text or "") if found is not None else ""
            keep_spaces = name in ("comment_content", "meta_value")
            values[name.removeprefix(strip)] = value if keep_spaces else value.strip()
        return values

    return text


def parse_date(local, gmt, zone):
    """A WordPress date pair as an aware datetime: the GMT one when set, else the local one
    in the site's zone; None when neither is a date."""
    for value, tz in ((gmt, datetime.UTC), (local, zone)):
        if value and value != ZERO_DATE:
            try:
                return datetime.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=tz)
            except ValueError:
                continue
    return None


# Writing ---------------------------------------------------------------------------------

NAMESPACES = {
    "xmlns:excerpt": "http://wordpress.org/export/1.2/excerpt/",
    "xmlns:content": CONTENT,
    "xmlns:wfw": "http://wellformedweb.org/CommentAPI/",
    "xmlns:dc": DC,
    "xmlns:wp": "http://wordpress.org/export/1.2/",
}


class Writer:
    """WXR 1.2 written as it goes (one item at a time), as WordPress's exporter does."""

    def __init__(self, stream):
        self.xml = XMLGenerator(stream, "utf-8", short_empty_elements=True)

    def element(self, name, text=None, **attributes):
        self.xml.startElement(name, attributes)
        if text is not None:
            self.xml.characters(str(text))
        self.xml.endElement(name)

    def start(self, name, **attributes):
        self.xml.startElement(name, attributes)

    def end(self, name):
        self.xml.endElement(name)


def write(stream, *, title, link, description, authors, categories, tags, items):
    """Write a WXR 1.2 document. `items` (an iterable) are dicts with the keys of Item
    (comments as dicts with the keys of Comment); `categories` Category; `authors` Author;
    `tags` (slug, name) or (slug, name, meta)."""
    out = Writer(stream)
    out.xml.startDocument()
    out.start("rss", version="2.0", **NAMESPACES)
    out.start("channel")
    for name, value in (
        ("title", title),
        ("link", link),
        ("description", description),
        ("language", "en"),
        ("wp:wxr_version", "1.2"),
        ("wp:base_site_url", link),
        ("wp:base_blog_url", link),
        ("generator", GENERATOR),
    ):
        out.element(name, value)
    for number, author in enumerate(authors, start=1):
        out.start("wp:author")
        out.element("wp:author_id", number)
        for name in ("login", "email", "display_name", "first_name", "last_name"):
            out.element(f"wp:author_{name}", getattr(author, name))
        out.end("wp:author")
    for number, category in enumerate(categories, start=1):
        out.start("wp:category")
        out.element("wp:term_id", number)
        out.element("wp:category_nicename", category.nicename)
        out.element("wp:category_parent", category.parent)
        out.element("wp:cat_name", category.name)
        out.element("wp:category_description", category.description)
        _write_meta(out, "wp:termmeta", category.meta)
        out.end("wp:category")
    for number, (slug, name, *meta) in enumerate(tags, start=len(categories) + 1):
        out.start("wp:tag")
        out.element("wp:term_id", number)
        out.element("wp:tag_slug", slug)
        out.element("wp:tag_name", name)
        _write_meta(out, "wp:termmeta", meta[0] if meta else {})
        out.end("wp:tag")
    for item in items:
        _write_item(out, item)
    out.end("channel")
    out.end("rss")
    out.xml.endDocument()
    stream.write("\n")


def _write_item(out, item):
    out.start("item")
    out.element("title", item["title"])
    out.element("link", item["link"])
    out.element("pubDate", item["pub_date_rfc822"])
    out.element("dc:creator", item["creator"])
    out.element("guid", item["guid"], isPermaLink="false")
    out.element("description", "")
    out.element("content:encoded", item["content"])
    out.element("excerpt:encoded", item["excerpt"])
    for name in (
        "post_id",
        "post_date",
        "post_date_gmt",
        "comment_status",
        "post_name",
        "status",
        "post_parent",
        "post_type",
    ):
        out.element(f"wp:{name}", item[name])
    for name, value in (
        ("ping_status", "closed"),
        ("menu_order", item.get("menu_order", 0)),
        ("post_password", ""),
        ("is_sticky", item.get("is_sticky", 0)),
    ):
        out.element(f"wp:{name}", value)
    if item.get("attachment_url"):
        out.element("wp:attachment_url", item["attachment_url"])
    for domain, nicename, name in item["categories"]:
        out.element("category", name, domain=domain, nicename=nicename)
    _write_meta(out, "wp:postmeta", item["meta"])
    for comment in item["comments"]:
        out.start("wp:comment")
        for name in (
            "id",
            "author",
            "author_email",
            "author_url",
            "author_IP",
            "date",
            "date_gmt",
            "content",
            "approved",
            "type",
            "parent",
        ):
            out.element(f"wp:comment_{name}", comment[name])
        out.element("wp:comment_user_id", 0)
        _write_meta(out, "wp:commentmeta", comment["meta"])
        out.end("wp:comment")
    out.end("item")


def _write_meta(out, element, pairs):
    for key, value in pairs.items():
        out.start(element)
        out.element("wp:meta_key", key)
        out.element("wp:meta_value", value)
        out.end(element)
