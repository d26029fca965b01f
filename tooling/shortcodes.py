"""WordPress shortcodes and embeds in an imported post body, turned into plain HTML at import
time: a gallery becomes the imported pictures, media and embeds become link cards that load
nothing from another site, and any other shortcode stays as it was, counted for the summary.

[caption] is left to blog.markup, which makes it a figure. Nothing inside <pre>, <code> or an
HTML comment is touched. Every pass is linear in the length of the text, whatever its shape
(tests/tooling/test_shortcodes.py): each search goes forward from where the last one stopped,
and a search that found nothing is not repeated.
"""

import html as htmllib
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from .link_cards import clean_url, embed_card, media_card, playlist_card, provider_of

# WordPress's own shortcodes, Jetpack's and a few common plugins': a [name …] with another
# name is text ("[1]", "[x]", "[simple boat]"), not a shortcode.
WORDPRESS_NAMES = "audio caption embed gallery playlist video wp_caption"
JETPACK_NAMES = (
    "archiveorg archiveorg-book archives bandcamp brightcove crowdsignal dailymotion "
    "dailymotion-channel facebook flickr getty gist googleapps googlemaps gravatar "
    "gravatar_profile houzz hulu instagram kickstarter mailchimp_subscriber_popup medium "
    "mixcloud pinterest polldaddy presentation slide quiz recipe scribd sitemap slideshare "
    "slideshow soundcloud spotify ted tweet twitchtv twitter-timeline untappd-menu "
    "upcomingevents ustream videopress vimeo vine wpvideo wufoo youtube contact-form "
    "contact-field jetpack_subscription_form subscription_form portfolio jetpack_portfolio "
    "testimonials jetpack_testimonials"
)
PLUGIN_NAMES = (
    "code sourcecode source contact-form-7 gravityform wpforms ninja_form caldera_form "
    "mc4wp_form products product product_page add_to_cart"
)
KNOWN_NAMES = frozenset(f"{WORDPRESS_NAMES} {JETPACK_NAMES} {PLUGIN_NAMES}".split())
# Families of page-builder and plugin shortcodes, by the prefix of their names.
KNOWN_PREFIXES = ("vc_", "et_pb_", "fusion_", "jetpack_", "woocommerce_", "recipe-")
# SyntaxHighlighter's: what they enclose is code, shown as it is.
CODE_NAMES = frozenset({"code", "sourcecode", "source"})
# Jetpack's embeds by name: [youtube URL], [vimeo 12345], [gist abc123]… The address of an id.
JETPACK_EMBEDS = {
    "youtube": "https://www.youtube.com/watch?v={}",
    "vimeo": "https://vimeo.com/{}",
    "gist": "https://gist.github.com/{}",
    "dailymotion": "https://www.dailymotion.com/video/{}",
    "tweet": "https://twitter.com/i/status/{}",
    "soundcloud": None,
    "spotify": None,
    "flickr": None,
    "ted": None,
    "instagram": None,
    "slideshare": None,
    "wpvideo": None,
    "videopress": None,
}
CONVERTED_NAMES = frozenset(
    {"gallery", "audio", "video", "embed", "playlist", *CODE_NAMES, *JETPACK_EMBEDS}
)
AUDIO_EXTENSIONS = ("mp3", "ogg", "flac", "m4a", "wav", "wma")
VIDEO_EXTENSIONS = ("mp4", "m4v", "webm", "ogv", "flv", "mov", "wmv")


@dataclass
class Converted:
    html: str
    converted: Counter = field(default_factory=Counter)  # by kind: gallery, audio, video, …
    left: Counter = field(default_factory=Counter)  # shortcodes left as they were, by name


def convert(html: str, *, gallery: Callable[[list[str] | None], str]) -> Converted:
    """The body with its galleries, media, embeds and oEmbed URLs converted; `gallery` gets
    the attachment ids of a [gallery] (None: the post's attached pictures) and returns the
    HTML that shows them."""
    result = Converted(html="")
    kept = []
    text = wp_syntax_blocks(html.replace("\x00", ""), result.converted)
    text = set_aside_code_and_comments(text, kept)
    text = embed_figures(text, kept, result.converted)
    text = Shortcodes(text, kept, result, gallery).replaced()
    text = bare_urls(text, result.converted)
    result.html = restored(text, kept)
    return result


WP_SYNTAX_PRE = re.compile(r"<pre\s[^<>]{0,2000}?\blang\s*=[^<>]{0,2000}>", re.IGNORECASE)
PRE_END = re.compile(r"</pre\s*>", re.IGNORECASE)
ESCAPED = re.compile(r"""\bescaped\s*=\s*["']?true""", re.IGNORECASE)


def wp_syntax_blocks(text, converted):
    """<pre lang="xml">…</pre> (the WP-Syntax plugin) holds code as typed, tags and all,
    unless it says escaped="true": written once, in <pre><code>, as it showed."""
    pieces, position = [], 0
    while (opener := WP_SYNTAX_PRE.search(text, position)) and (
        closer := PRE_END.search(text, opener.end())
    ):
        code = text[opener.end() : closer.start()]
        if ESCAPED.search(opener.group()):
            code = htmllib.unescape(code)
        pieces += [text[position : opener.start()], "<pre><code>"]
        pieces += [htmllib.escape(code.strip("\r\n"), quote=False), "</code></pre>"]
        converted["<pre lang>"] += 1
        position = closer.end()
    return "".join([*pieces, text[position:]])


# --- Searching forward only ---------------------------------------------------------------


class Forward:
    """Searches `text` for one pattern, only ever forward: a search that found nothing is not
    repeated and a match still ahead is reused, so together the searches read the text once."""

    def __init__(self, pattern, text):
        self.pattern, self.text = pattern, text
        self.searched_from, self.found = len(text) + 1, None

    def search(self, position):
        is_answered = self.searched_from <= position and (
            self.found is None or self.found.start() >= position
        )
        if not is_answered:
            self.searched_from = position
            self.found = self.pattern.search(self.text, position)
        return self.found

    def find(self, position):
        found = self.search(position)
        return found.start() if found else -1


KEPT = re.compile(r"\x00(\d+)\x00")


def keep(piece, kept):
    """A placeholder for `piece`, which no later pass reads."""
    kept.append(piece)
    return f"\x00{len(kept) - 1}\x00"


def restored(text, kept):
    return KEPT.sub(lambda match: restored(kept[int(match.group(1))], kept), text)


PROTECTED_START = re.compile(r"<(pre|code)(?=[\s>])|<!--", re.IGNORECASE)


def set_aside_code_and_comments(text, kept):
    """<pre>, <code> and HTML comments (block-editor markers among them) set aside whole: a
    shortcode shown in code is an example, not a shortcode. An unclosed one runs to the end."""
    closers = {}
    pieces, position = [], 0
    while found := PROTECTED_START.search(text, position):
        tag = (found.group(1) or "").lower()
        closer = f"</{tag}>" if tag else "-->"
        if closer not in closers:
            closers[closer] = Forward(re.compile(re.escape(closer), re.IGNORECASE), text)
        end = closers[closer].search(found.end())
        end = end.end() if end else len(text)
        pieces += [text[position : found.start()], keep(text[found.start() : end], kept)]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


# --- Block-editor embeds, audio and video -------------------------------------------------

BLOCK_FIGURE = re.compile(
    r"<figure\s[^<>]{0,2000}?\bclass\s*=\s*[\"'][^\"'<>]{0,2000}?\bwp-block-(embed|audio|video)\b"
    r"[^<>]{0,2000}>",
    re.IGNORECASE,
)
FIGURE_END = re.compile(r"</figure\s*>", re.IGNORECASE)
EMBED_WRAPPER = re.compile(r"<div\s[^<>]{0,2000}?\bwp-block-embed__wrapper\b[^<>]{0,2000}>", re.I)
MEDIA_SOURCE = re.compile(
    r"<(?:audio|video|source)\s[^<>]{0,2000}?\bsrc\s*=\s*[\"']([^\"'<>]{1,2000})[\"']", re.I
)
FIGCAPTION = re.compile(r"<figcaption\b[^<>]{0,2000}>", re.IGNORECASE)
TAG = re.compile(r"<[^<>]*>")


def embed_figures(text, kept, converted):
    """The block editor's embed, audio and video figures become link cards; their caption
    stays. (What is inside would be an iframe made by WordPress, or a player the sanitiser
    drops, leaving nothing.)"""
    figure_end = Forward(FIGURE_END, text)
    pieces, position = [], 0
    while found := BLOCK_FIGURE.search(text, position):
        end = figure_end.search(found.end())
        if end is None:
            break
        kind = found.group(1).lower()
        card = figure_card(kind, text, found.end(), end.start())
        pieces.append(text[position : found.start() if card else end.end()])
        if card:
            pieces.append(keep(card, kept))
            converted[kind] += 1
        position = end.end()
    pieces.append(text[position:])
    return "".join(pieces)


def between(text, opener, closer, start, end):
    """What is between the first `opener` match and `closer` in text[start:end], or None."""
    found = opener.search(text, start, end)
    if not found:
        return None
    stop = text.find(closer, found.end(), end)
    return text[found.end() : stop] if stop != -1 else None


def figure_card(kind, text, start, end):
    caption = between(text, FIGCAPTION, "</figcaption>", start, end) or ""
    if kind == "embed":
        wrapped = between(text, EMBED_WRAPPER, "</div>", start, end)
        url = clean_url(TAG.sub("", wrapped)) if wrapped else None
        return embed_card(url, caption) if url else None
    source = MEDIA_SOURCE.search(text, start, end)
    url = clean_url(source.group(1), is_file=True) if source else None
    return media_card(kind, url, caption) if url else None


# --- Shortcodes ---------------------------------------------------------------------------

# A "[" that may open a shortcode (or escape one, "[["), or a tag, whose attributes are not
# searched for shortcodes.
OPENING = re.compile(r"\[(?=\[?[A-Za-z_])|<[A-Za-z/!?][^<>]{0,4000}>")
NAME = re.compile(r"[A-Za-z_][\w-]{0,60}")
# WordPress's attribute syntax: name="value", name='value', name=value, or a bare value.
ATTRIBUTE = re.compile(
    r"""([\w-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"']+))|"([^"]*)"|'([^']*)'|(\S+)"""
)


@cache
def closer_of(name):
    return re.compile(re.escape(f"[/{name}]"))


@cache
def opener_of(name):
    return re.compile(rf"\[{re.escape(name)}(?=[\s\]/])")


def is_known(name):
    return name in KNOWN_NAMES or name.startswith(KNOWN_PREFIXES)


def attributes_of(text):
    """({name: value}, [bare values]) as WordPress reads a shortcode's attributes."""
    named, bare = {}, []
    for found in ATTRIBUTE.finditer(text):
        name, *values = found.groups()
        value = htmllib.unescape(next((v for v in values if v is not None), ""))
        if name:
            named[name.lower()] = value
        elif value != "/":
            bare.append(value)
    return named, bare


@dataclass
class Shortcode:
    name: str
    opener_end: int  # after the "]" of [name …]
    end: int  # after [/name] when it encloses something, else opener_end
    attributes: str
    content: str = ""


class Shortcodes:
    """One pass over the text: each shortcode converted, left (and counted) or unescaped."""

    def __init__(self, text, kept, result, gallery):
        self.text, self.kept, self.result, self.gallery = text, kept, result, gallery
        self.bracket = Forward(re.compile(r"\["), text)
        self.bracket_end = Forward(re.compile(r"\]"), text)
        self.closers, self.openers = {}, {}

    def replaced(self):
        text, pieces, position = self.text, [], 0
        while found := OPENING.search(text, position):
            pieces.append(text[position : found.start()])
            if found.group().startswith("<"):
                piece, position = found.group(), found.end()
            else:
                piece, position = self.replace_at(found.start())
            pieces.append(piece)
        pieces.append(text[position:])
        return "".join(pieces)

    def replace_at(self, start):
        """(what replaces the text from `start`, where to go on)."""
        if self.text.startswith("[[", start):
            shortcode = self.parsed(start + 1)
            end = shortcode and self.escaped_end(shortcode)
            if end:
                # WordPress shows [[name]] as [name]; &#91; keeps it from being read again.
                return self.text[start + 1 : end - 1].replace("[", "&#91;"), end
            return "[", start + 1
        shortcode = self.parsed(start)
        if shortcode is None:
            return "[", start + 1
        if shortcode.name in CONVERTED_NAMES:
            self.enclose(shortcode)
        replacement = self.replacement(shortcode)
        if replacement is not None:
            self.result.converted[shortcode.name] += 1
            return keep(replacement.replace("\x00", ""), self.kept), shortcode.end
        if shortcode.name != "caption":  # blog.markup makes it a figure
            self.result.left[shortcode.name] += 1
        if shortcode.name in CODE_NAMES and self.enclose(shortcode):
            return keep(self.text[start : shortcode.end], self.kept), shortcode.end
        return self.text[start : shortcode.opener_end], shortcode.opener_end

    def parsed(self, start):
        """The shortcode opened at `start` (its opening tag; what it encloses is found
        later, only when needed), or None."""
        name = NAME.match(self.text, start + 1)
        if not name or not is_known(name.group()):
            return None
        after = self.text[name.end() : name.end() + 1]
        if after not in {"]", "/"} and not after.isspace():
            return None
        close = self.bracket_end.find(name.end())
        next_open = self.bracket.find(name.end())
        if close == -1 or (next_open != -1 and next_open < close):
            return None
        if self.text.startswith("(", close + 1):  # [video](https://…) is a Markdown link
            return None
        return Shortcode(name.group(), close + 1, close + 1, self.text[name.end() : close].strip())

    def enclose(self, shortcode):
        """Extends `shortcode` over its content and [/name], when it has them before another
        [name opens; True if it did."""
        name = shortcode.name
        if shortcode.end > shortcode.opener_end or shortcode.attributes.endswith("/"):
            return shortcode.end > shortcode.opener_end  # enclosed already, or [name /]
        if name not in self.closers:
            self.closers[name] = Forward(closer_of(name), self.text)
            self.openers[name] = Forward(opener_of(name), self.text)
        closer = self.closers[name].find(shortcode.opener_end)
        next_opener = self.openers[name].find(shortcode.opener_end)
        if closer == -1 or (next_opener != -1 and next_opener < closer):
            return False
        shortcode.content = self.text[shortcode.opener_end : closer]
        shortcode.end = closer + len(name) + 3
        return True

    def escaped_end(self, shortcode):
        """Where [[name …]] (or [[name]…[/name]]) ends, or None when it is not escaped."""
        if self.text.startswith("]", shortcode.opener_end):
            return shortcode.opener_end + 1
        if self.enclose(shortcode) and self.text.startswith("]", shortcode.end):
            return shortcode.end + 1
        return None

    def replacement(self, shortcode):
        """The HTML that takes the shortcode's place, or None to leave it as it is."""
        named, bare = attributes_of(shortcode.attributes.removesuffix("/"))
        if shortcode.name == "gallery":
            ids = named.get("ids") or named.get("include")
            return self.gallery(None if ids is None else ids_of(ids))
        if shortcode.name in {"audio", "video"}:
            extensions = AUDIO_EXTENSIONS if shortcode.name == "audio" else VIDEO_EXTENSIONS
            written = [named.get("src"), *bare[:1], *(named.get(e) for e in extensions)]
            url = next(filter(None, (clean_url(u, is_file=True) for u in written if u)), None)
            return media_card(shortcode.name, url) if url else None
        if shortcode.name == "embed":
            url = clean_url(TAG.sub("", shortcode.content)) or clean_url(named.get("src", ""))
            return embed_card(url) if url else None
        if shortcode.name == "playlist":
            return playlist_card(named.get("type", ""), len(ids_of(named.get("ids", ""))))
        if shortcode.name in CODE_NAMES:
            return code_block(shortcode, self.kept)
        if shortcode.name in JETPACK_EMBEDS:
            return jetpack_card(shortcode.name, named, bare, shortcode.content)
        return None


def code_block(shortcode, kept):
    """[code lang="cpp"]…[/code] (SyntaxHighlighter) → the code in <pre><code>, written once:
    the editor stored it with entities (&lt;) or raw (<), either way it shows as typed."""
    if shortcode.end == shortcode.opener_end:
        return None  # no [/code]: left as text, and listed
    # What was set aside inside it (a <code>, an HTML comment) is code too.
    code = htmllib.unescape(restored(shortcode.content, kept)).strip("\r\n")
    return f"<pre><code>{htmllib.escape(code, quote=False)}</code></pre>"


def jetpack_card(name, named, bare, content):
    """[youtube URL], [vimeo 12345], [gist id], [tweet URL]… → a link card, when an address (or
    an id that names one) is given."""
    written = [named.get("url"), named.get("id"), *bare[:1], TAG.sub("", content)]
    for value in filter(None, (w.strip() for w in written if w)):
        url = clean_url(value)
        if url is None and JETPACK_EMBEDS.get(name) and re.fullmatch(r"[\w/-]{1,200}", value):
            url = JETPACK_EMBEDS[name].format(value)
        if url:
            return embed_card(url)
    return None


def ids_of(value):
    return [number for number in re.split(r"[\s,]+", value) if number]


# --- Bare URLs ----------------------------------------------------------------------------

# WordPress's autoembed: a URL alone in a paragraph, or alone on its line.
URL_PARAGRAPH = re.compile(r"<p(?:\s[^<>]{0,500})?>\s*(https?://[^\s<>\"\x00]+)\s*</p>", re.I)
URL_LINE = re.compile(r"^[ \t]*(https?://[^\s<>\"\x00]+)[ \t]*$", re.IGNORECASE | re.MULTILINE)


def bare_urls(text, converted):
    """A provider's URL alone in a paragraph or on its own line becomes a link card."""

    def card(found):
        url = clean_url(found.group(1))
        if not url or not provider_of(url):
            return found.group(0)
        converted["embed"] += 1
        return embed_card(url)

    return URL_LINE.sub(card, URL_PARAGRAPH.sub(card, text))
