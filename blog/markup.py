"""Markdown rendering and HTML sanitising: the one place where text becomes HTML.

Every piece of HTML the site prints that came from an author, a commenter or an import is
produced here, and the nh3 allowlist is always the last step, after every Markdown extension.
"""

import html as htmllib
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
import nh3
from django.conf import settings
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.treeprocessors import Treeprocessor
from pygments.token import STANDARD_TYPES

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
URL_SCHEMES = {"http", "https", "mailto"}
PYGMENTS_CLASSES = {name for name in STANDARD_TYPES.values() if name} | {"hll"}


@dataclass(frozen=True)
class Picture:
    """What the body needs to show one of the post's uploaded pictures."""

    src: str
    width: int
    height: int
    srcset: str
    alt: str
    caption: str


class PictureTreeprocessor(Treeprocessor):
    """`![alt](image:3 "caption")` shows the post's picture number 3, sized and lazy."""

    def __init__(self, md, pictures):
        super().__init__(md)
        self.pictures = pictures

    def run(self, root):
        for parent in root.iter():
            for image in parent.findall("img"):
                if image.get("src", "").startswith("image:"):
                    self.place(parent, image)

    def place(self, parent, image):
        key = image.get("src").removeprefix("image:")
        picture = self.pictures.get(int(key)) if key.isdigit() else None
        if picture is None:
            missing = etree.Element("span", {"class": "missing-picture"})
            missing.text, missing.tail = f"[picture {key} not found]", image.tail
            parent.insert(list(parent).index(image), missing)
            parent.remove(image)
            return
        image.set("src", picture.src)
        image.set("alt", image.get("alt") or picture.alt)
        image.set("title", image.get("title") or picture.caption)
        image.set("width", str(picture.width))
        image.set("height", str(picture.height))
        image.set("srcset", picture.srcset)
        image.set("sizes", "(max-width: 46rem) 100vw, 46rem")
        image.set("loading", "lazy")
        image.set("data-figure", "yes")


class FigureTreeprocessor(Treeprocessor):
    """A paragraph holding only an image with a title (or one of the post's pictures) becomes
    <figure>, the title its <figcaption>."""

    def run(self, root):
        for paragraph in root.iter("p"):
            if len(paragraph) != 1 or (paragraph.text or "").strip():
                continue
            image = paragraph[0]
            caption = image.get("title")
            is_picture = image.attrib.pop("data-figure", None)
            if image.tag != "img" or not (caption or is_picture) or (image.tail or "").strip():
                continue
            paragraph.tag = "figure"
            image.attrib.pop("title", None)
            image.tail = None
            if caption:
                etree.SubElement(paragraph, "figcaption").text = caption


class IdPrefixTreeprocessor(Treeprocessor):
    """Prefix every id (headings, footnotes) so that several posts can share one page."""

    def __init__(self, md, prefix):
        super().__init__(md)
        self.prefix = prefix

    def run(self, root):
        ids = set()
        for element in root.iter():
            if element.get("id"):
                ids.add(element.get("id"))
                element.set("id", self.prefix + element.get("id"))
        for element in root.iter("a"):
            href = element.get("href", "")
            if href.startswith("#") and href[1:] in ids:
                element.set("href", "#" + self.prefix + href[1:])


class BlogExtension(Extension):
    def __init__(self, id_prefix="", pictures=None, **kwargs):
        self.id_prefix = id_prefix
        self.pictures = pictures or {}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        # Priorities: after inline patterns (20), pictures (17) then figures (15); ids (1) come
        # after the table of contents (5).
        md.treeprocessors.register(PictureTreeprocessor(md, self.pictures), "pictures", 17)
        md.treeprocessors.register(FigureTreeprocessor(md), "figure", 15)
        if self.id_prefix:
            md.treeprocessors.register(IdPrefixTreeprocessor(md, self.id_prefix), "id_prefix", 1)


POST_EXTENSIONS = [
    "fenced_code",
    "codehilite",
    "tables",
    "footnotes",
    "toc",
    "smarty",
    "sane_lists",
]
POST_EXTENSION_CONFIGS = {
    "codehilite": {"css_class": "highlight", "guess_lang": False},
    "tables": {"use_align_attribute": True},
    "toc": {"permalink": "¶", "permalink_title": "Link to this section"},
}

HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
POST_ATTRIBUTES = {
    **{tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()},
    "a": {"href", "hreflang", "title"},
    "img": {"alt", "src", "width", "height", "title", "loading", "srcset", "sizes"},
    "abbr": {"title"},
    "time": {"datetime"},
    **{tag: {"id"} for tag in (*HEADINGS, "li", "sup")},
    "pre": {"tabindex"},
}
POST_CLASSES = {
    "div": {"highlight", "footnote"},
    "span": PYGMENTS_CLASSES | {"missing-picture"},
    "a": {"headerlink", "footnote-ref", "footnote-backref"},
}


@dataclass(frozen=True)
class RenderedPost:
    html: str
    excerpt_html: str  # empty when the body has no <!--more--> marker


PRE_TAG = re.compile(r"<pre(?=[\s>])(?![^>]*\btabindex=)", re.IGNORECASE)


def focusable_code_blocks(html):
    """Code blocks scroll sideways on narrow screens; tabindex="0" lets a keyboard scroll them
    (WCAG 2.1.1). The sanitiser keeps that one value and no other."""
    return PRE_TAG.sub('<pre tabindex="0"', html)


def is_local_url(url):
    """A URL on this site: relative, without a scheme or a host of its own."""
    stripped = url.strip()
    return not re.match(r"^([a-z][a-z0-9+.-]*:|//|\\\\)", stripped, re.IGNORECASE)


def is_own_picture(url):
    """A picture this site serves: a relative URL, or one on the media storage's own origin
    (S3, a CDN) when pictures are stored there."""
    return is_local_url(url) or ("://" in settings.MEDIA_URL and url.startswith(settings.MEDIA_URL))


def sanitize_post_html(html, *, id_prefix=""):
    """The allowlist for authors' HTML: no scripts, styles, frames, forms or unsafe URLs."""

    def filter_attribute(tag, attribute, value):
        # Ids written by hand in raw HTML could clobber the page's own; only ours survive.
        if attribute == "id" and not (id_prefix and value.startswith(id_prefix)):
            return None
        # Pictures come from this site only: a remote one would tell another site who reads
        # what (and the Content-Security-Policy would block it anyway). The link stays.
        if tag == "img" and attribute == "src" and not is_own_picture(value):
            return None
        # A code block may scroll sideways: it takes keyboard focus (tabindex="0"), nothing else.
        if attribute == "tabindex":
            return value if value == "0" else None
        # nh3 does not check the URLs inside srcset: only our own media may be named there.
        if attribute == "srcset" and not all(
            candidate.strip().startswith(settings.MEDIA_URL) for candidate in value.split(",")
        ):
            return None
        return value

    return nh3.clean(
        focusable_code_blocks(html),
        tags=set(nh3.ALLOWED_TAGS) - {"map", "area"},
        clean_content_tags={"script", "style"},
        attributes=POST_ATTRIBUTES,
        allowed_classes=POST_CLASSES,
        attribute_filter=filter_attribute,
        url_schemes=URL_SCHEMES,
        link_rel="noopener",
    )


def markdown_to_html(text, *, id_prefix="", pictures=None):
    """Render Markdown with the post pipeline, then sanitise."""
    converter = markdown.Markdown(
        extensions=[*POST_EXTENSIONS, BlogExtension(id_prefix=id_prefix, pictures=pictures)],
        extension_configs=POST_EXTENSION_CONFIGS,
        output_format="html",
    )
    return sanitize_post_html(converter.convert(text), id_prefix=id_prefix)


def render_post(body, *, id_prefix="", pictures=None, markup="markdown", summary=""):
    """A post body's HTML, and its excerpt's: the summary if there is one, else the part before
    a <!--more--> marker, else nothing. `markup` is "markdown" or "html" (imported posts);
    `pictures` maps the numbers used in `image:N` references to Picture."""

    def to_html(text):
        if markup == "html":
            return sanitize_post_html(html_paragraphs(text), id_prefix=id_prefix)
        return markdown_to_html(text, id_prefix=id_prefix, pictures=pictures)

    html = to_html(body)
    parts = MORE_MARKER.split(body, maxsplit=1)
    if summary.strip():
        excerpt_html = to_html(summary)
    else:
        excerpt_html = to_html(parts[0]) if len(parts) == 2 else ""
    return RenderedPost(html=html, excerpt_html=excerpt_html)


# HTML as WordPress and blosxom authors wrote it: paragraphs at blank lines, line breaks kept.
BLOCK_START = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|dl|table|blockquote|pre|figure|hr|form|address|section"
    r"|article|aside|header|footer|details|iframe|object|script|style)[\s>/]",
    re.IGNORECASE,
)
CAPTION = re.compile(r"\[caption([^\]]*)\](.*?)\[/caption\]", re.IGNORECASE | re.DOTALL)
CAPTION_TEXT = re.compile(r"^(.*(?:</a>|<img[^>]*>))\s*(.*)$", re.IGNORECASE | re.DOTALL)


def caption_to_figure(match):
    """[caption …]<img …> The caption[/caption] → <figure><img …><figcaption>…"""
    attributes, inner = match.group(1), match.group(2).strip()
    parts = CAPTION_TEXT.match(inner)
    media, caption = (parts.group(1), parts.group(2)) if parts else (inner, "")
    if not caption:
        found = re.search(r'caption="([^"]*)"', attributes)
        caption = found.group(1) if found else ""
    figcaption = f"<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return f"<figure>{media}{figcaption}</figure>"


def html_paragraphs(text):
    """WordPress's wpautop, in short: blank lines separate paragraphs, a single newline is a
    line break, block-level HTML is left as it is; [caption] shortcodes become figures and
    other shortcodes stay visible as text."""
    text = CAPTION.sub(caption_to_figure, text.replace("\r\n", "\n"))
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.strip()):
        if not chunk.strip():
            continue
        if BLOCK_START.match(chunk) or chunk.lstrip().startswith("<!--"):
            blocks.append(chunk)
        else:
            blocks.append("<p>" + chunk.strip().replace("\n", "<br>\n") + "</p>")
    return "\n".join(blocks)


# Comments: paragraphs, emphasis, code, links, quotes and lists; no images, headings or raw HTML.
BARE_URL = r"(?<![\w/])(https?://[^\s<>\"]*[^\s<>\".,;:!?)\]'])"
COMMENT_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}


class BareUrlProcessor(InlineProcessor):
    """Turn a bare http(s) URL in a comment into a link."""

    def handleMatch(self, match, data):
        link = etree.Element("a", {"href": match.group(1)})
        link.text = match.group(1)
        return link, match.start(0), match.end(0)


class CommentExtension(Extension):
    def extendMarkdown(self, md):
        # Raw HTML is shown as the text it is, not interpreted.
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        for name in ("image_link", "image_reference", "short_image_ref"):
            md.inlinePatterns.deregister(name)
        for name in ("hashheader", "setextheader", "hr"):
            md.parser.blockprocessors.deregister(name)
        md.inlinePatterns.register(BareUrlProcessor(BARE_URL, md), "bare_url", 95)


_converters = threading.local()


def _comment_converter():
    """One comment Markdown converter per thread, reset between comments: building one costs
    more than converting a comment."""
    converter = getattr(_converters, "comment", None)
    if converter is None:
        converter = _converters.comment = markdown.Markdown(
            extensions=["fenced_code", "sane_lists", CommentExtension()], output_format="html"
        )
    return converter


def render_comment(text, *, markup="markdown"):
    """A comment's HTML: restricted Markdown (or an imported comment's HTML, in paragraphs),
    then the comment allowlist."""
    converter = None if markup == "html" else _comment_converter().reset()
    html = html_paragraphs(text) if converter is None else converter.convert(text)
    return nh3.clean(
        focusable_code_blocks(html),
        tags=COMMENT_TAGS,
        clean_content_tags={"script", "style"},
        attributes={"a": {"href"}, "pre": {"tabindex"}},
        attribute_filter=lambda tag, attribute, value: (
            None if attribute == "tabindex" and value != "0" else value
        ),
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    )


BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|pre|blockquote|figure|figcaption|table|tr|td|th|dl|dt|dd)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")
SPACES = re.compile(r"\s+")
# ts_headline and the SQLite search mark the matched words with these two control characters,
# which never occur in stored text (the sanitiser drops them).
MATCH_START, MATCH_END = "\x02", "\x03"


def plain_text(html):
    """The words of sanitised HTML, tags turned into spaces, entities decoded."""
    # Blocks become spaces; inline elements vanish, so "<em>word</em>," stays "word,".
    text = htmllib.unescape(TAG.sub("", BLOCK_TAG.sub(" ", html)))
    text = text.replace(MATCH_START, "").replace(MATCH_END, "")
    return SPACES.sub(" ", text).strip()


def highlight_snippet(text):
    """A search snippet as HTML: the text escaped, its matches (between MATCH_START and
    MATCH_END) in <mark>, through an allowlist of just that one element."""
    marked = htmllib.escape(text, quote=False)
    marked = marked.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    return nh3.clean(marked, tags={"mark"}, attributes={})
