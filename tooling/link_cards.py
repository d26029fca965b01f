"""Link cards: what stands in for media another site would have played or shown. One link a
reader can follow, with a label saying what is there; nothing is loaded from that site."""

import html as htmllib
import re
from urllib.parse import unquote, urlsplit

# The oEmbed providers WordPress (and Jetpack) embed from a bare URL, and what a reader is
# told each link leads to.
PROVIDERS = [
    (
        r"(?:www\.|m\.)?youtube\.com/(?:watch|shorts/|playlist|live/|embed/)|youtu\.be/",
        "YouTube video",
    ),
    (r"(?:www\.|player\.)?vimeo\.com/", "Vimeo video"),
    (r"(?:www\.|mobile\.)?(?:twitter|x)\.com/[^/]+/status", "Post on X (Twitter)"),
    (r"(?:www\.|m\.)?soundcloud\.com/", "SoundCloud audio"),
    (r"open\.spotify\.com/", "Spotify"),
    (r"(?:www\.)?flickr\.com/photos/|flic\.kr/", "Flickr photo"),
    (r"(?:www\.)?dailymotion\.com/video/|dai\.ly/", "Dailymotion video"),
    (r"(?:[\w-]+\.)?wordpress\.tv/", "WordPress.tv video"),
    (r"(?:www\.|embed\.)?ted\.com/talks/", "TED talk"),
    (r"(?:www\.)?tiktok\.com/", "TikTok video"),
    (r"(?:www\.)?instagram\.com/", "Instagram post"),
    (r"(?:www\.)?facebook\.com/", "Facebook post"),
    (r"(?:www\.)?mixcloud\.com/", "Mixcloud audio"),
    (r"(?:www\.)?reddit\.com/r/[^/]+/comments/", "Reddit post"),
    (r"(?:www\.)?slideshare\.net/", "SlideShare presentation"),
    (r"speakerdeck\.com/", "Speaker Deck presentation"),
    (r"(?:www\.)?(?:twitch\.tv|clips\.twitch\.tv)/", "Twitch video"),
    (r"(?:[\w-]+\.)?tumblr\.com/post/", "Tumblr post"),
    (r"(?:i\.)?imgur\.com/", "Imgur picture"),
    (r"(?:www\.)?scribd\.com/doc", "Scribd document"),
]
PROVIDER = [
    (re.compile(rf"https?://(?:{host})", re.IGNORECASE), label) for host, label in PROVIDERS
]


WEB_URL = re.compile(r"(?:https?:)?//[^\s<>\"'\x00]+", re.IGNORECASE)
# A file on the old site: a URL without a scheme (so never javascript: or data:).
RELATIVE_URL = re.compile(r"(?![\w+.-]*:)[^\s<>\"'\x00]+")


def link_card(url, label, caption=""):
    """A box with one link: the reader follows it to the media; nothing is loaded from there."""
    link = f'<a href="{htmllib.escape(url)}">{htmllib.escape(label)}</a>'
    if caption.strip():
        return (
            f'<figure class="embed-card">{link}<figcaption>{caption.strip()}</figcaption></figure>'
        )
    return f'<p class="embed-card">{link}</p>'


def clean_url(text, *, is_file=False):
    """The URL written in `text` (entities decoded), or None when it is not a web address (or,
    for a file, a relative one)."""
    url = htmllib.unescape(text.strip())
    is_fine = WEB_URL.fullmatch(url) or (is_file and RELATIVE_URL.fullmatch(url))
    return url if is_fine and len(url) < 2000 else None


def provider_of(url):
    return next((label for pattern, label in PROVIDER if pattern.match(url)), None)


def embed_card(url, caption=""):
    """A card for a page another site would be asked to embed: who it is from, and the URL."""
    label = provider_of(url) or urlsplit(url).hostname or "Link"
    return link_card(url, f"{label}: {url}", caption)


def media_card(kind, url, caption=""):
    """A card for an audio or video file (by its file name), or for a provider's page."""
    if provider_of(url):
        return embed_card(url, caption)
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or url
    return link_card(url, f"{kind.title()}: {name}", caption)


def playlist_card(media_type, count):
    """A [playlist] names its attachments by number only: the card says what was there."""
    kind = "Video" if media_type.lower() == "video" else "Audio"
    tracks = f" ({count} track{'s' if count != 1 else ''})" if count else ""
    return f'<p class="embed-card">{kind} playlist{tracks}</p>'
