"""Markdown rendering and HTML sanitising: the one place where text becomes HTML.

Every piece of HTML the site prints that came from an author, a commenter or an import is
produced here, and the nh3 allowlist is always the last step.

Markdown is parsed by markdown-it-py, a CommonMark parser built for untrusted input: its time
grows linearly with the text, whatever its shape (runs of brackets, emphasis, backticks, deep
nesting; tests/blog/test_pathological_markup.py). Python-Markdown, used before, took seconds
on a few thousand "[" and overflowed the stack on nested list markers.
"""

import functools
import html as htmllib
import re
from dataclasses import dataclass
from urllib.parse import urljoin

import nh3
from django.conf import settings
from django.utils.text import Truncator
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

from .converters import slug_of

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
URL_SCHEMES = {"http", "https", "mailto"}
PYGMENTS_CLASSES = {name for name in STANDARD_TYPES.values() if name} | {"hll"}
# The longest texts the forms and importers accept; rendering time is linear in the length,
# so these bound the time any one text can take (docs/performance.md, "Hostile Markdown").
POST_BODY_MAX_CHARS = 64_000
COMMENT_BODY_MAX_CHARS = 10_000


@dataclass(frozen=True)
class Picture:
    """What the body needs to show one of the post's uploaded pictures."""

    src: str
    width: int
    height: int
    srcset: str
    alt: str
    caption: str
    large: str = ""  # the file a click on the picture opens (its original), if any


# --- Markdown: token rules shared by the post and comment parsers -------------------------


def _html_token(content):
    token = Token("html_inline", "", 0)
    token.content = content
    return token


def place_pictures(state):
    """`![alt](image:3 "caption")` shows the post's picture number 3, sized and lazy; a number
    the post does not have shows as a visible note."""
    pictures = state.env.get("pictures") or {}
    for block in state.tokens:
        links_open = 0
        for index, token in enumerate(block.children or ()):
            links_open += {"link_open": 1, "link_close": -1}.get(token.type, 0)
            if token.type != "image" or not token.attrGet("src").startswith("image:"):
                continue
            key = token.attrGet("src").removeprefix("image:")
            picture = pictures.get(int(key)) if key.isdigit() and len(key) < 18 else None
            if picture is None:
                note = f"[picture {escapeHtml(key)} not found]"
                block.children[index] = _html_token(f'<span class="missing-picture">{note}</span>')
                continue
            if not token.children:
                alt = Token("text", "", 0)
                alt.content = picture.alt
                token.children = [alt]
            token.attrs.update(
                src=picture.src,
                title=token.attrGet("title") or picture.caption,
                width=str(picture.width),
                height=str(picture.height),
                srcset=picture.srcset,
                sizes="(max-width: 46rem) 100vw, 46rem",
                loading="lazy",
            )
            token.meta["is_picture"] = True
            if picture.large and not links_open:  # a link the author wrote around it wins
                token.meta["large"] = picture.large


def make_figures(state):
    """A paragraph holding only an image with a title (or one of the post's pictures) becomes
    <figure>, the title its <figcaption>."""
    tokens = state.tokens
    for index in range(1, len(tokens) - 1):
        opening, inline, closing = tokens[index - 1], tokens[index], tokens[index + 1]
        if opening.type != "paragraph_open" or opening.hidden or closing.type != "paragraph_close":
            continue
        children = [
            c for c in inline.children or () if not (c.type == "text" and not c.content.strip())
        ]
        if len(children) != 1 or children[0].type != "image":
            continue
        image = children[0]
        caption = image.attrs.pop("title", "") or ""
        if not (caption or image.meta.get("is_picture")):
            continue
        opening.tag = closing.tag = "figure"
        inline.children = [image]
        if caption:
            inline.children.append(
                _html_token(f"<figcaption>{escapeHtml(str(caption))}</figcaption>")
            )


def render_picture(self, tokens, index, options, env):
    """One of the post's pictures, inside a plain link to its large rendition: a click opens
    it, with no script."""
    token = tokens[index]
    image = self.image(tokens, index, options, env)
    if not token.meta.get("large"):
        return image
    return f'<a class="picture-link" href="{escapeHtml(token.meta["large"])}">{image}</a>'


def heading_anchors(state):
    """Every heading gets an id (prefixed per post, so several posts can share one page) and a
    "¶" link to itself."""
    prefix = state.env.get("id_prefix", "")
    seen, next_number = set(), {}  # next_number: where to go on counting each base's copies
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        inline = state.tokens[index + 1]
        words = "".join(
            c.content for c in inline.children or () if c.type in {"text", "code_inline"}
        )
        base = slug_of(words, length=80) or "section"
        # A thousand headings alike are numbered in one pass, not by counting up from 1 each time.
        slug, number = base, next_number.get(base, 0)
        while slug in seen:
            number += 1
            slug = f"{base}_{number}"
        next_number[base] = number
        seen.add(slug)
        token.attrSet("id", prefix + slug)
        link = Token("link_open", "a", 1)
        link.attrs = {
            "class": "headerlink",
            "href": f"#{prefix}{slug}",
            "title": "Link to this section",
        }
        sign = Token("text", "", 0)
        sign.content = "¶"
        inline.children = [*(inline.children or ()), link, sign, Token("link_close", "a", -1)]


BARE_URL = re.compile(r"(?<![\w/])(https?://[^\s<>\"]*[^\s<>\".,;:!?)\]'])")


def link_bare_urls(state):
    """A bare http(s) URL in a comment's text becomes a link (not inside links or code)."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children, depth = [], 0
        for token in block.children:
            depth += token.type == "link_open"
            depth -= token.type == "link_close"
            if token.type != "text" or depth or "://" not in token.content:
                children.append(token)
                continue
            position = 0
            for match in BARE_URL.finditer(token.content):
                children.append(_text_token(token.content[position : match.start()]))
                url = match.group(1)
                opening = Token("link_open", "a", 1)
                opening.attrs = {"href": url}
                children += [opening, _text_token(url), Token("link_close", "a", -1)]
                position = match.end()
            children.append(_text_token(token.content[position:]))
        block.children = children


def _text_token(content):
    token = Token("text", "", 0)
    token.content = content
    return token


@functools.lru_cache(maxsize=64)
def lexer_for(language):
    """Pygments' lexer for a fence's language, or None; made once per language (making one
    costs more than highlighting a short block), as is the formatter."""
    try:
        return get_lexer_by_name(language) if language and len(language) < 50 else None
    except ClassNotFound:
        return None


CODE_FORMATTER = HtmlFormatter(cssclass="highlight")


def render_code(self, tokens, index, options, env):
    """Fenced code in a language Pygments knows is highlighted (CSS classes, no inline style);
    anything else is shown as it is."""
    token = tokens[index]
    language = unescapeAll(token.info).strip().split(maxsplit=1)[0] if token.info else ""
    lexer = lexer_for(language)
    if lexer is None:
        return f"<pre><code>{escapeHtml(token.content)}</code></pre>\n"
    return highlight(token.content, lexer, CODE_FORMATTER)


def render_cell(self, tokens, index, options, env):
    """Table cells carry their alignment as align="…" (the sanitiser allows no style)."""
    token = tokens[index]
    style = token.attrs.pop("style", "")
    if style.startswith("text-align:"):
        token.attrs["align"] = style.removeprefix("text-align:")
    return self.renderToken(tokens, index, options, env)


def _footnote_number(token):
    number = str(token.meta["id"] + 1)
    sub = token.meta.get("subId", -1)
    return number, (f"{number}:{sub}" if sub > 0 else number)


def render_footnote_ref(self, tokens, index, options, env):
    prefix = env.get("id_prefix", "")
    number, ref = _footnote_number(tokens[index])
    return (
        f'<sup id="{prefix}fnref:{ref}"><a class="footnote-ref" href="#{prefix}fn:{number}">'
        f"{number}</a></sup>"
    )


def render_footnote_open(self, tokens, index, options, env):
    number, _ref = _footnote_number(tokens[index])
    return f'<li id="{env.get("id_prefix", "")}fn:{number}">'


def render_footnote_anchor(self, tokens, index, options, env):
    _number, ref = _footnote_number(tokens[index])
    prefix = env.get("id_prefix", "")
    return f' <a class="footnote-backref" href="#{prefix}fnref:{ref}">\u21a9\ufe0e</a>'


def post_parser():
    """Posts: CommonMark with raw HTML (sanitised afterwards), tables, footnotes, typographic
    quotes and dashes, highlighted code, heading anchors and the post's own pictures."""
    parser = MarkdownIt("commonmark", {"html": True, "typographer": True, "xhtmlOut": False})
    parser.enable(["table", "replacements", "smartquotes"]).use(footnote_plugin, inline=False)
    parser.core.ruler.push("pictures", place_pictures)
    parser.core.ruler.push("figures", make_figures)
    parser.core.ruler.push("heading_anchors", heading_anchors)
    parser.add_render_rule("fence", render_code)
    parser.add_render_rule("image", render_picture)
    parser.add_render_rule("th_open", render_cell)
    parser.add_render_rule("td_open", render_cell)
    parser.add_render_rule("footnote_ref", render_footnote_ref)
    parser.add_render_rule("footnote_open", render_footnote_open)
    parser.add_render_rule("footnote_anchor", render_footnote_anchor)
    parser.add_render_rule("footnote_block_open", lambda *args: '<div class="footnote"><hr><ol>\n')
    parser.add_render_rule("footnote_block_close", lambda *args: "</ol></div>\n")
    return parser


def comment_parser():
    """Comments: paragraphs, emphasis, code, links, quotes and lists; no images, headings,
    rules or raw HTML (shown as the text it is); bare URLs become links."""
    parser = MarkdownIt("commonmark", {"html": False, "xhtmlOut": False})
    parser.disable(["heading", "lheading", "hr", "image"])
    parser.core.ruler.push("bare_urls", link_bare_urls)
    return parser


# Built once per process: a parser holds no state between texts (that lives in `env`).
POST_PARSER = post_parser()
COMMENT_PARSER = comment_parser()


# --- Sanitising ---------------------------------------------------------------------------

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
# WordPress's layout classes, as imported posts use them (styled in static/css/site.css).
ALIGNMENTS = {"alignleft", "alignright", "aligncenter", "alignnone"}
IMAGE_SIZES = {"size-thumbnail", "size-medium", "size-large", "size-full"}
WORDPRESS_CLASSES = ALIGNMENTS | IMAGE_SIZES | {"wp-caption"}
POST_CLASSES = {
    "div": {"highlight", "footnote", "gallery"} | WORDPRESS_CLASSES,
    "span": PYGMENTS_CLASSES | {"missing-picture"},
    "a": {"headerlink", "footnote-ref", "footnote-backref", "picture-link"},
    "img": WORDPRESS_CLASSES,
    # embed-card: a link standing in for embedded media (tooling/shortcodes.py).
    # gallery: the pictures of a [gallery] or a block-editor gallery, as a grid.
    "figure": WORDPRESS_CLASSES | {"embed-card", "gallery"},
    "ul": {"gallery"},
    "p": WORDPRESS_CLASSES | {"embed-card", "wp-caption-text"},
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


# A start tag as the sanitiser writes it: every attribute value in double quotes, with any
# quote inside escaped, so a value never ends early and text never holds a raw "<".
START_TAG = re.compile(r'<[a-zA-Z][^\s/>]*(?:\s+[^\s"=/>]+(?:="[^"]*")?)*\s*/?>')
ADDRESS_ATTRIBUTE = re.compile(r'(\s(?:href|src|cite)=")([^"]*)"')
SRCSET_ATTRIBUTE = re.compile(r'(\ssrcset=")([^"]*)"')


def absolute_urls(html, base_url):
    """Sanitised HTML with every address in it (links, fragments, pictures) made absolute
    against `base_url`: for HTML read away from its page, as in a feed, where a reader would
    resolve "#fn:1" or "/media/…" against the feed's own address."""

    def join(value):
        return htmllib.escape(urljoin(base_url, htmllib.unescape(value).strip()))

    def join_candidates(value):
        candidates = (candidate.strip().split(maxsplit=1) for candidate in value.split(","))
        return ", ".join(" ".join([join(parts[0]), *parts[1:]]) for parts in candidates if parts)

    def tag(match):
        text = ADDRESS_ATTRIBUTE.sub(lambda m: f'{m.group(1)}{join(m.group(2))}"', match.group(0))
        return SRCSET_ATTRIBUTE.sub(lambda m: f'{m.group(1)}{join_candidates(m.group(2))}"', text)

    return START_TAG.sub(tag, html)


# --- Posts and comments -------------------------------------------------------------------


def markdown_to_html(text, *, id_prefix="", pictures=None):
    """Render Markdown with the post pipeline, then sanitise."""
    html = POST_PARSER.render(text, {"id_prefix": id_prefix, "pictures": pictures or {}})
    return sanitize_post_html(html, id_prefix=id_prefix).strip()


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
    excerpt = summary if summary.strip() else (parts[0] if len(parts) == 2 else "")
    if excerpt and markup == "markdown":
        # Footnotes are mostly defined at the end, after the marker: the excerpt takes the
        # definitions along, or its references would show as a literal "[^1]".
        excerpt += "\n\n" + footnote_definitions(body)
    excerpt_html = to_html(excerpt) if excerpt else ""
    return RenderedPost(html=html, excerpt_html=excerpt_html)


def footnote_definitions(text):
    """The Markdown source of the footnote definitions ("[^1]: …") in `text`, one after the
    other (only those a text refers to are shown when it is rendered)."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tokens = []
    POST_PARSER.block.parse("\n".join(lines), POST_PARSER, {}, tokens)
    return "\n".join(
        "\n".join(lines[token.map[0] : token.map[1]]) + "\n"
        for token in tokens
        if token.type == "footnote_reference_open" and token.level == 0 and token.map
    )


COMMENT_TAGS = {"p", "br", "em", "strong", "code", "pre", "a", "blockquote", "ul", "ol", "li"}


def render_comment(text, *, markup="markdown"):
    """A comment's HTML: restricted Markdown (or an imported comment's HTML, in paragraphs),
    then the comment allowlist."""
    html = html_paragraphs(text) if markup == "html" else COMMENT_PARSER.render(text)
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
    ).strip()


def comment_excerpt(body_html, *, words=40):
    """The first `words` words of a comment's HTML, cut without breaking its markup, then
    through the comment allowlist again (a cut must never open a door)."""
    cut = Truncator(body_html).words(words, html=True, truncate="…")
    return nh3.clean(
        cut,
        tags=COMMENT_TAGS,
        attributes={"a": {"href"}},
        url_schemes=URL_SCHEMES,
        link_rel="nofollow ugc noopener",
    ).strip()


# --- HTML as WordPress and blosxom authors wrote it ---------------------------------------

BLOCK_START = re.compile(
    r"^\s*<(?:p|div|h[1-6]|ul|ol|li|dl|table|blockquote|pre|figure|hr|form|address|section"
    r"|article|aside|header|footer|details|iframe|object|script|style)[\s>/]",
    re.IGNORECASE,
)
CAPTION_TAG = re.compile(r"\[caption([^\]]{0,2000})\]|\[/caption\]", re.IGNORECASE)
CAPTION_ATTRIBUTE = re.compile(r'caption="([^"]*)"')
MEDIA_END = re.compile(r"</a>|<img[^>]*>", re.IGNORECASE)


def caption_to_figure(attributes, inner):
    """[caption …]<img …> The caption[/caption] → <figure><img …><figcaption>…"""
    inner = inner.strip()
    ends = list(MEDIA_END.finditer(inner))
    media, caption = (inner[: ends[-1].end()], inner[ends[-1].end() :]) if ends else (inner, "")
    if not caption.strip():
        found = CAPTION_ATTRIBUTE.search(attributes)
        caption = found.group(1) if found else ""
    figcaption = f"<figcaption>{caption.strip()}</figcaption>" if caption.strip() else ""
    return f"<figure>{media}{figcaption}</figure>"


def captions_to_figures(text):
    """Each [caption]…[/caption] pair, found in one pass (a lazy regex over unclosed openers
    would be quadratic)."""
    pieces, position, opened = [], 0, None
    for match in CAPTION_TAG.finditer(text):
        if match.group(0).startswith("[/"):
            if opened is not None:
                pieces.append(text[position : opened.start()])
                pieces.append(
                    caption_to_figure(opened.group(1), text[opened.end() : match.start()])
                )
                position, opened = match.end(), None
        else:
            opened = match
    pieces.append(text[position:])
    return "".join(pieces)


# WordPress's block-level elements (wpautop's $allblocks): paragraphs go around them, never
# inside them, and no line break is added next to them. (A figure's caption stays with it.)
AUTOP_BLOCKS = (
    r"(?:table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre|form"
    r"|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend|section|article"
    r"|aside|hgroup|header|footer|nav|figure|details|menu|summary|iframe|object"
    r"|script|audio|video|source|embed)"
)
AUTOP_OPEN = re.compile(rf"<{AUTOP_BLOCKS}(?=[\s/>])", re.IGNORECASE)
AUTOP_CLOSE = re.compile(rf"</{AUTOP_BLOCKS}>", re.IGNORECASE)
# A tag never holds "<": [^<>]* keeps each match attempt short (no quadratic scans).
P_AROUND_BLOCK_OPEN = re.compile(rf"<p>\s*(</?{AUTOP_BLOCKS}[^<>]*>)", re.IGNORECASE)
P_AROUND_BLOCK_CLOSE = re.compile(rf"(</?{AUTOP_BLOCKS}[^<>]*>)\s*</p>", re.IGNORECASE)
BR_AFTER_BLOCK = re.compile(rf"(</?{AUTOP_BLOCKS}[^<>]*>)\s*<br>", re.IGNORECASE)
BR_BEFORE_BLOCK = re.compile(
    r"<br>(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol|table|tr|tbody|thead)[^<>]*>)",
    re.IGNORECASE,
)
PRE_TAGS = re.compile(r"<pre(?=[\s>])|</pre>", re.IGNORECASE)


def set_aside(text, pattern, opener):
    """`text` with each opener…closer pair of `pattern`'s tags (outermost) replaced by a
    placeholder, and the pieces set aside; found in one pass."""
    pieces, kept, position, depth, start = [], [], 0, 0, 0
    for match in pattern.finditer(text):
        if match.group(0).lower().startswith(opener):
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                pieces.append(text[position:start])
                pieces.append(f"\n\n\x00{len(kept)}\x00\n\n")
                kept.append(text[start : match.end()])
                position = match.end()
    pieces.append(text[position:])
    return "".join(pieces), kept


def comments_apart(text):
    """Each HTML comment on a line of its own (a block of its own, like <!--more-->), and the
    block editor's <!-- wp:… --> markers removed; found in one pass."""
    pieces, position = [], 0
    while (start := text.find("<!--", position)) != -1:
        end = text.find("-->", start + 4)
        if end == -1:
            break
        comment = text[start : end + 3]
        is_block_marker = re.match(r"<!--\s*/?wp:", comment)
        pieces += [text[position:start], "\n\n" if is_block_marker else f"\n\n{comment}\n\n"]
        position = end + 3
    pieces.append(text[position:])
    return "".join(pieces)


def html_paragraphs(text):
    """WordPress's wpautop: blank lines separate paragraphs and a single newline is a line
    break, but never inside <pre> (kept byte for byte) and never around or between block-level
    elements (lists, tables, quotes, figures); block-editor comments are removed; [caption]
    shortcodes become figures, other shortcodes stay visible as text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    text, kept = set_aside(captions_to_figures(text), PRE_TAGS, "<pre")
    text = comments_apart(text)
    text = AUTOP_OPEN.sub(lambda match: "\n\n" + match.group(0), text)
    text = AUTOP_CLOSE.sub(lambda match: match.group(0) + "\n\n", text)
    chunks = [chunk.strip() for chunk in re.split(r"\n[ \t]*(?:\n[ \t]*)+", text)]
    html = "\n".join(
        chunk if STANDS_ALONE.fullmatch(chunk) else "<p>" + LINE_END.sub(line_break, chunk) + "</p>"
        for chunk in chunks
        if chunk
    )
    html = P_AROUND_BLOCK_OPEN.sub(r"\1", html)
    html = P_AROUND_BLOCK_CLOSE.sub(r"\1", html)
    html = BR_AFTER_BLOCK.sub(r"\1", html)
    html = BR_BEFORE_BLOCK.sub(r"\1", html)
    return KEPT.sub(lambda match: kept[int(match.group(1))], balanced_paragraphs(html))


PARAGRAPH_TAGS = re.compile(r"</?p>")


def balanced_paragraphs(html):
    """Drop a </p> that closes nothing and close a <p> before the next one opens (what is left
    when a chunk began with a block and ended in text)."""
    pieces, position, is_open = [], 0, False
    for match in PARAGRAPH_TAGS.finditer(html):
        pieces.append(html[position : match.start()])
        if match.group(0) == "<p>":
            pieces.append("</p><p>" if is_open else "<p>")
            is_open = True
        elif is_open:
            pieces.append("</p>")
            is_open = False
        position = match.end()
    pieces.append(html[position:])
    return "".join(pieces) + ("</p>" if is_open else "")


# A line's end, and the <br> that may already end it ("line<br />\n" is not broken twice).
LINE_END = re.compile(r"(<br\s{0,10}/?>)?[ \t]*\n", re.IGNORECASE)


def line_break(match):
    return (match.group(1) or "<br>") + "\n"


# A chunk that is one kept <pre> block, or one HTML comment: no paragraph around it.
STANDS_ALONE = re.compile(r"\x00\d+\x00|<!--(?:(?!-->).)*-->", re.DOTALL)
KEPT = re.compile(r"\x00(\d+)\x00")


BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|hr|li|ul|ol|h[1-6]|pre|blockquote|figure|figcaption|table|tr|td|th|dl|dt|dd)"
    r"\b[^>]*>",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")
# The "¶" link heading_anchors() adds: a sign for the eye, not a word of the post.
HEADING_LINK = re.compile(r'<a class="headerlink"[^>]*>[^<]*</a>')
SPACES = re.compile(r"\s+")
# ts_headline and the SQLite search mark the matched words with these two control characters,
# which never occur in stored text (the sanitiser drops them).
MATCH_START, MATCH_END = "\x02", "\x03"


def plain_text(html):
    """The words of sanitised HTML, tags turned into spaces, entities decoded."""
    # Blocks become spaces; inline elements vanish, so "<em>word</em>," stays "word,".
    html = HEADING_LINK.sub("", html)
    text = htmllib.unescape(TAG.sub("", BLOCK_TAG.sub(" ", html)))
    text = text.replace(MATCH_START, "").replace(MATCH_END, "")
    return SPACES.sub(" ", text).strip()


def highlight_snippet(text):
    """A search snippet as HTML: the text escaped, its matches (between MATCH_START and
    MATCH_END) in <mark>, through an allowlist of just that one element."""
    marked = htmllib.escape(text, quote=False)
    marked = marked.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>")
    return nh3.clean(marked, tags={"mark"}, attributes={})
