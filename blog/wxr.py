"""WordPress eXtended RSS (WXR 1.1 and 1.2): read it safely, write it as WordPress does."""

import datetime
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_etree
from defusedxml import DefusedXmlException

CONTENT = "http://purl.org/rss/1.0/modules/content/"
DC = "http://purl.org/dc/elements/1.1/"
WP_NAMESPACES = {f"http://wordpress.org/export/{v}/": v for v in ("1.0", "1.1", "1.2")}
EXCERPT_NAMESPACES = [f"http://wordpress.org/export/{v}/excerpt/" for v in ("1.0", "1.1", "1.2")]
ZERO_DATE = "0000-00-00 00:00:00"
# Our own post and comment meta, so that an export imports back exactly.
SOURCE_META, MARKUP_META, SUMMARY_META = "_blosxom_source", "_blosxom_markup", "_blosxom_summary"


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
    authors: list = field(default_factory=list)
    categories: list = field(default_factory=list)
    tags: list = field(default_factory=list)  # (slug, name)
    items: list = field(default_factory=list)


def read(file):
    """Parse a WXR file. Refuses DTDs and entities (XXE, billion laughs) with WxrError."""
    try:
        root = safe_etree.parse(file, forbid_dtd=True).getroot()
    except DefusedXmlException as refusal:
        raise WxrError(
            f"Refused: the file declares a DTD or entities ({type(refusal).__name__}); "
            "WordPress exports never do, and such files can attack the importer."
        ) from None
    except ParseError as error:
        line, column = error.position
        raise WxrError(f"Not well-formed XML at line {line}, column {column}: {error}") from None
    channel = root.find("channel")
    wp = next(
        (ns for ns in WP_NAMESPACES if root.find(f".//{{{ns}}}wxr_version") is not None), None
    )
    if root.tag != "rss" or channel is None or wp is None:
        raise WxrError("This is not a WordPress export (no <rss><channel> with wp:wxr_version).")
    text = _texts(wp)
    site = Site(
        version=WP_NAMESPACES[wp], title=_text(channel, "title"), link=_text(channel, "link")
    )
    for element in channel.findall(f"{{{wp}}}author"):
        site.authors.append(
            Author(
                **text(
                    element,
                    "author_login",
                    "author_email",
                    "author_display_name",
                    "author_first_name",
                    "author_last_name",
                    strip="author_",
                )
            )
        )
    for element in channel.findall(f"{{{wp}}}category"):
        values = text(
            element, "category_nicename", "cat_name", "category_parent", "category_description"
        )
        site.categories.append(
            Category(
                values["category_nicename"],
                values["cat_name"],
                values["category_parent"],
                values["category_description"],
            )
        )
    for element in channel.findall(f"{{{wp}}}tag"):
        values = text(element, "tag_slug", "tag_name")
        site.tags.append((values["tag_slug"], values["tag_name"]))
    for element in channel.findall("item"):
        site.items.append(_item(element, wp, text))
    return site


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
    for category in element.findall("category"):
        item.categories.append(
            (
                category.get("domain", ""),
                category.get("nicename", ""),
                (category.text or "").strip(),
            )
        )
    for meta in element.findall(f"{{{wp}}}postmeta"):
        pair = text(meta, "meta_key", "meta_value")
        item.meta[pair["meta_key"]] = pair["meta_value"]
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
        meta = {}
        for pair in comment.findall(f"{{{wp}}}commentmeta"):
            pair = text(pair, "meta_key", "meta_value")
            meta[pair["meta_key"]] = pair["meta_value"]
        item.comments.append(Comment(**{k: v for k, v in values.items() if v != ""}, meta=meta))
    return item


def _text(element, tag):
    found = element.find(tag)
    return (found.text or "") if found is not None else ""


def _texts(wp):
    def text(element, *names, strip=""):
        return {
            name.removeprefix(strip): _text(element, f"{{{wp}}}{name}").strip()
            if name not in ("comment_content", "meta_value")
            else _text(element, f"{{{wp}}}{name}")
            for name in names
        }

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


# Writing -----------------------------------------------------------------------------------

WP = "http://wordpress.org/export/1.2/"
EXCERPT = "http://wordpress.org/export/1.2/excerpt/"
for prefix, uri in (
    ("excerpt", EXCERPT),
    ("content", CONTENT),
    ("wfw", "http://wellformedweb.org/CommentAPI/"),
    ("dc", DC),
    ("wp", WP),
):
    etree.register_namespace(prefix, uri)


def element(parent, tag, text=None, **attributes):
    child = etree.SubElement(parent, tag, attributes)
    if text is not None:
        child.text = str(text)
    return child


def wp(parent, tag, text=None):
    return element(parent, f"{{{WP}}}{tag}", text)


def write(stream, *, title, link, description, authors, categories, tags, items):
    """Write a WXR 1.2 document. `items` are dicts with the keys of Item (comments as dicts
    with the keys of Comment); `categories` Category; `authors` Author; `tags` (slug, name)."""
    rss = etree.Element("rss", {"version": "2.0"})
    channel = element(rss, "channel")
    element(channel, "title", title)
    element(channel, "link", link)
    element(channel, "description", description)
    element(channel, "language", "en")
    wp(channel, "wxr_version", "1.2")
    wp(channel, "base_site_url", link)
    wp(channel, "base_blog_url", link)
    for number, author in enumerate(authors, start=1):
        node = wp(channel, "author")
        wp(node, "author_id", number)
        for name in ("login", "email", "display_name", "first_name", "last_name"):
            wp(node, f"author_{name}", getattr(author, name))
    for number, category in enumerate(categories, start=1):
        node = wp(channel, "category")
        wp(node, "term_id", number)
        wp(node, "category_nicename", category.nicename)
        wp(node, "category_parent", category.parent)
        wp(node, "cat_name", category.name)
        wp(node, "category_description", category.description)
    for number, (slug, name) in enumerate(tags, start=len(categories) + 1):
        node = wp(channel, "tag")
        wp(node, "term_id", number)
        wp(node, "tag_slug", slug)
        wp(node, "tag_name", name)
    for item in items:
        _write_item(channel, item)
    etree.indent(rss, space=" ")
    stream.write('<?xml version="1.0" encoding="UTF-8" ?>\n')
    stream.write(etree.tostring(rss, encoding="unicode"))
    stream.write("\n")


def _write_item(channel, item):
    node = element(channel, "item")
    element(node, "title", item["title"])
    element(node, "link", item["link"])
    element(node, "pubDate", item["pub_date_rfc822"])
    element(node, f"{{{DC}}}creator", item["creator"])
    element(node, "guid", item["guid"], isPermaLink="false")
    element(node, "description", "")
    element(node, f"{{{CONTENT}}}encoded", item["content"])
    element(node, f"{{{EXCERPT}}}encoded", item["excerpt"])
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
        wp(node, name, item[name])
    wp(node, "ping_status", "closed")
    wp(node, "menu_order", 0)
    wp(node, "post_password", "")
    wp(node, "is_sticky", 0)
    for domain, nicename, name in item["categories"]:
        element(node, "category", name, domain=domain, nicename=nicename)
    for key, value in item["meta"].items():
        meta = wp(node, "postmeta")
        wp(meta, "meta_key", key)
        wp(meta, "meta_value", value)
    for comment in item["comments"]:
        entry = wp(node, "comment")
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
            wp(entry, f"comment_{name}", comment[name])
        wp(entry, "comment_user_id", 0)
        for key, value in comment["meta"].items():
            meta = wp(entry, "commentmeta")
            wp(meta, "meta_key", key)
            wp(meta, "meta_value", value)
