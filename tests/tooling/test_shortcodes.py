"""WordPress shortcodes and embeds at import time: galleries become the importer's pictures,
media and embeds become link cards that survive the sanitiser and load nothing from another
site, other shortcodes stay and are counted; code, escapes and hostile text are respected."""

import re
from collections import Counter
from pathlib import Path as FilePath

import pytest

from bench.pathological import timed
from blog.markup import plain_text, render_post
from tooling import wxr
from tooling.shortcodes import convert

THEME_UNIT_TEST = (
    FilePath(__file__).resolve().parents[2].parent / "shared/data/wordpress-theme-unit-test.xml"
)
CONVERTED_NAMES = ("gallery", "audio", "video", "embed", "playlist")


def pictures(ids):
    """What the importer would give for a gallery: here, the ids it was asked for."""
    return f'<ul class="gallery"><li>{"none" if ids is None else ",".join(ids)}</li></ul>'


def converted(html):
    return convert(html, gallery=pictures)


def rendered(html):
    return render_post(converted(html).html, markup="html").html


def card(url, label):
    return f'<p class="embed-card"><a href="{url}">{label}</a></p>'


def test_a_gallery_becomes_the_pictures_the_importer_gives_for_its_ids():
    result = converted('Before\n\n[gallery columns="2" ids="770, 771" orderby="rand"]\n\nAfter')
    assert result.html == 'Before\n\n<ul class="gallery"><li>770,771</li></ul>\n\nAfter'
    assert result.converted == Counter(gallery=1) and not result.left


def test_a_gallery_without_ids_asks_for_the_posts_attached_pictures():
    for text in ("[gallery]", '[gallery columns="3"]', "[gallery /]"):
        assert converted(text).html == '<ul class="gallery"><li>none</li></ul>'


@pytest.mark.parametrize(
    "text",
    [
        "[audio https://example.com/music/St%20Louis%20Blues.mp3]",
        '[audio src="https://example.com/music/St%20Louis%20Blues.mp3"]',
        '[audio mp3="https://example.com/music/St%20Louis%20Blues.mp3" ogg="/other.ogg"][/audio]',
    ],
)
def test_an_audio_shortcode_becomes_a_card_naming_the_file(text):
    result = converted(text)
    url = "https://example.com/music/St%20Louis%20Blues.mp3"
    assert result.html == card(url, "Audio: St Louis Blues.mp3")
    assert result.converted == Counter(audio=1)


def test_a_video_shortcode_with_or_without_closing_tag_becomes_a_card():
    text = (
        '[video width="640" height="360" mp4="/wp-content/uploads/clip.mp4"][/video]\n'
        '[video src="https://example.com/b.webm" poster="/p.jpg"]\n'
        '[video src="https://www.youtube.com/watch?v=abc"]<a href="x">fallback</a>[/video]'
    )
    result = converted(text)
    assert result.html == "\n".join(
        [
            card("/wp-content/uploads/clip.mp4", "Video: clip.mp4"),
            card("https://example.com/b.webm", "Video: b.webm"),
            card(
                "https://www.youtube.com/watch?v=abc",
                "YouTube video: https://www.youtube.com/watch?v=abc",
            ),
        ]
    )
    assert result.converted == Counter(video=3)


def test_a_video_without_closing_tag_does_not_swallow_the_next_one():
    result = converted("[video src=/a.mp4] between [video src=/b.mp4][/video] after")
    assert (
        result.html
        == f"{card('/a.mp4', 'Video: a.mp4')} between {card('/b.mp4', 'Video: b.mp4')} after"
    )


def test_an_embed_shortcode_becomes_a_card_naming_the_provider_and_the_url():
    result = converted(
        "[embed]https://vimeo.com/22439234[/embed]\n"
        '[embed width="500"]<a href="https://example.org/x">https://example.org/x?a=1&amp;b=2</a>[/embed]'
    )
    assert result.html == "\n".join(
        [
            card("https://vimeo.com/22439234", "Vimeo video: https://vimeo.com/22439234"),
            card(
                "https://example.org/x?a=1&amp;b=2",
                "example.org: https://example.org/x?a=1&amp;b=2",
            ),
        ]
    )
    assert result.converted == Counter(embed=2)


def test_a_playlist_becomes_a_card_saying_what_was_there():
    result = converted('[playlist ids="12,13,14"] [playlist type="video"]')
    assert result.html == (
        '<p class="embed-card">Audio playlist (3 tracks)</p> '
        '<p class="embed-card">Video playlist</p>'
    )
    assert result.converted == Counter(playlist=2)


def test_block_editor_embed_figures_become_cards_keeping_their_caption():
    text = (
        '<!-- wp:core-embed/youtube {"url":"https://youtu.be/ex8fMxXJDJw"} -->\n'
        '<figure class="wp-block-embed-youtube wp-block-embed is-type-video is-provider-youtube">'
        '<div class="wp-block-embed__wrapper">\nhttps://youtu.be/ex8fMxXJDJw\n</div>'
        "<figcaption>YouTube, <em>wide</em></figcaption></figure>\n"
        "<!-- /wp:core-embed/youtube -->\n"
        '<!-- wp:embed {"url":"https://www.instagram.com/p/B/?a=1&amp;b=2"} -->\n'
        '<figure class="wp-block-embed is-provider-instagram"><div class="wp-block-embed__wrapper">'
        "\nhttps://www.instagram.com/p/B/?a=1&amp;b=2\n</div></figure>\n<!-- /wp:embed -->"
    )
    result = converted(text)
    assert (
        '<figure class="embed-card"><a href="https://youtu.be/ex8fMxXJDJw">YouTube video: '
        "https://youtu.be/ex8fMxXJDJw</a><figcaption>YouTube, <em>wide</em></figcaption></figure>"
    ) in result.html
    url = "https://www.instagram.com/p/B/?a=1&amp;b=2"
    assert card(url, f"Instagram post: {url}") in result.html
    assert "wp-block-embed" not in result.html.replace("<!-- wp:", "")
    assert result.converted == Counter(embed=2)


def test_block_editor_audio_and_video_figures_become_cards():
    text = (
        '<figure class="wp-block-audio"><audio controls src="https://example.com/a.mp3"></audio>'
        "</figure>\n"
        '<figure class="wp-block-video"><video controls loop src="/media/clip.mov"></video>'
        "<figcaption>A caption.</figcaption></figure>"
    )
    result = converted(text)
    assert result.html == (
        card("https://example.com/a.mp3", "Audio: a.mp3") + "\n"
        '<figure class="embed-card"><a href="/media/clip.mov">Video: clip.mov</a>'
        "<figcaption>A caption.</figcaption></figure>"
    )
    assert result.converted == Counter(audio=1, video=1)


@pytest.mark.parametrize(
    ("url", "label"),
    [
        ("https://www.youtube.com/watch?v=SQEQr7c0-dw", "YouTube video"),
        ("https://youtu.be/ex8fMxXJDJw", "YouTube video"),
        ("https://vimeo.com/22439234", "Vimeo video"),
        ("https://twitter.com/nacin/status/319508408669708289", "Post on X (Twitter)"),
        ("https://x.com/WordPress/status/1", "Post on X (Twitter)"),
        ("https://soundcloud.com/artist/track", "SoundCloud audio"),
        ("https://open.spotify.com/track/4uLU6hMCjMI75M1A2tKUQC", "Spotify"),
        ("https://www.flickr.com/photos/someone/123/", "Flickr photo"),
        ("https://wordpress.tv/2009/03/16/anatomy/", "WordPress.tv video"),
    ],
)
def test_a_provider_url_alone_on_its_line_or_in_its_paragraph_becomes_a_card(url, label):
    expected = card(url, f"{label}: {url}")
    assert converted(f"Watch:\n{url}\nThat was it.").html == f"Watch:\n{expected}\nThat was it."
    assert converted(f"<p>{url}</p>").html == expected
    assert converted(f"<p>\n  {url}  \n</p>").converted == Counter(embed=1)


def test_other_urls_and_urls_within_a_sentence_stay_as_they_are():
    for text in (
        "https://example.com/page",
        "See https://youtu.be/ex8fMxXJDJw for it.",
        '<p><a href="https://youtu.be/x">https://youtu.be/x</a></p>',
        "https://www.youtube.com/",
    ):
        result = converted(text)
        assert result.html == text and not result.converted


def test_cards_survive_the_sanitiser_and_load_nothing_from_another_site():
    html = rendered(
        "Intro\n\n[video src=https://example.com/v.mp4]\n\nhttps://youtu.be/abc\n\n"
        "[embed]https://vimeo.com/1[/embed] and text\n\n"
        '<figure class="wp-block-embed"><div class="wp-block-embed__wrapper">https://youtu.be/q'
        "</div><figcaption>Cap</figcaption></figure>"
    )
    assert html.count('<p class="embed-card">') == 3
    assert '<figure class="embed-card">' in html and "<figcaption>Cap</figcaption>" in html
    for url in ("https://example.com/v.mp4", "https://youtu.be/abc", "https://vimeo.com/1"):
        assert f'<a href="{url}" rel="noopener">' in html
    assert not re.search(r"<(iframe|script|video|audio|embed|object)\b|\bsrc=", html)


def test_unknown_wordpress_shortcodes_are_left_in_place_and_counted_by_name():
    text = '[contact-form-7 id="12"] [vc_row][vc_column]x[/vc_column][/vc_row] [slideshare id=1]'
    result = converted(text)
    assert result.html == text
    assert result.left == Counter(
        {"contact-form-7": 1, "vc_row": 1, "vc_column": 1, "slideshare": 1}
    )
    assert not result.converted


def test_jetpack_embeds_by_address_or_id_become_link_cards():
    result = converted("[youtube https://youtu.be/x] [vimeo 12345] [gist]abc[/gist] [gist id=2]")
    html = render_post(result.html, markup="html").html
    for url in (
        "https://youtu.be/x",
        "https://vimeo.com/12345",
        "https://gist.github.com/abc",
        "https://gist.github.com/2",
    ):
        assert f'<a href="{url}" rel="noopener">' in html
    assert result.converted == Counter({"youtube": 1, "vimeo": 1, "gist": 2})
    assert "[" not in plain_text(html)


def test_media_without_a_usable_url_is_left_and_counted():
    text = "[audio] [video poster=/p.jpg][/video] [embed]javascript:alert(1)[/embed] [embed]"
    result = converted(text)
    assert result.html == text
    assert result.left == Counter(audio=1, video=1, embed=2)


@pytest.mark.parametrize(
    "text",
    [
        "Footnote[1] and [2].",
        "[link text](https://example.com) in Markdown",
        "- [x] done\n- [ ] not yet",
        "Their coracles [simple boat].",
        "[gallery=3] [galleryx] [Gallery] [gallery",
        "[video]( not a shortcode [ ] [[ ]] [[1]]",
    ],
)
def test_bracketed_text_that_is_not_a_shortcode_is_neither_changed_nor_counted(text):
    result = converted(text)
    assert result.html == text
    assert not result.converted and not result.left


def test_shortcodes_in_pre_code_and_comments_are_untouched_and_not_counted():
    text = (
        "<pre>[gallery]\n[video src=/a.mp4]\nhttps://youtu.be/x\n[[embed]]</pre>\n"
        '<p>Write <code>[audio src="/a.mp3"]</code> or <CODE class="x">[playlist]</CODE>.</p>\n'
        '<!-- [gallery ids="1"] -->\n<pre class="wp-block-code"><code>[contact-form-7]</code></pre>'
    )
    result = converted(text)
    assert result.html == text
    assert not result.converted and not result.left


def test_a_sourcecode_shortcode_becomes_a_code_block_with_its_examples_untouched():
    text = "[sourcecode language=html]\n[gallery]\nhttps://youtu.be/x\n[/sourcecode]"
    result = converted(text)
    assert result.html == "<pre><code>[gallery]\nhttps://youtu.be/x</code></pre>"
    assert result.converted == Counter(sourcecode=1) and not result.left


@pytest.mark.parametrize(
    "code",
    [
        '[code language="cpp"]\nint main() {\n    cout &lt;&lt; "Hi";\n\n    return 0;\n}\n[/code]',
        '[code lang=cpp]\nint main() {\n    cout << "Hi";\n\n    return 0;\n}\n[/code]',
        '<pre lang="cpp">int main() {\n    cout << "Hi";\n\n    return 0;\n}</pre>',
        '<pre lang="cpp" escaped="true">int main() {\n    cout &lt;&lt; "Hi";\n\n    return'
        " 0;\n}</pre>",
    ],
)
def test_code_written_for_syntax_highlighter_plugins_shows_as_typed(code):
    html = render_post(converted(f"Before.\n\n{code}\n\nAfter.").html, markup="html").html
    assert '<code>int main() {\n    cout &lt;&lt; "Hi";\n\n    return 0;\n}</code>' in html
    assert "<br>" not in html and "&amp;lt;" not in html


def test_escaped_shortcodes_show_as_the_literal_shortcode():
    result = converted('Type [[gallery ids="1"]] or [[video]x[/video]] or [[caption]].')
    assert not result.converted and not result.left
    text = plain_text(render_post(result.html, markup="html").html)
    assert text == 'Type [gallery ids="1"] or [video]x[/video] or [caption].'
    assert converted(result.html).html == result.html  # and they stay literal when read again


def test_caption_is_left_for_the_markup_to_make_a_figure():
    text = '[caption id="a" align="alignright"]<img src="/media/x.jpg" alt="x"> Boats[/caption]'
    result = converted(text)
    assert result.html == text and not result.converted and not result.left
    html = render_post(result.html, markup="html").html
    assert '<figure><img src="/media/x.jpg" alt="x"><figcaption>Boats</figcaption></figure>' in html


# --- Hostile text -------------------------------------------------------------------------


def hostile(size):
    """{name: text of about `size` characters} in the shapes that make a naive shortcode or
    embed parser quadratic."""
    return {
        "open brackets [[[": "[" * size,
        "escape openers [[gallery": "[[gallery" * (size // 9),
        "unclosed openers [gallery": "[gallery " * (size // 9),
        "names without end [aaa": "[" + "a" * size,
        "video openers, one closer": "[video]" * (size // 7) + "[/video]",
        "videos converted, one closer": "[video src=/a.mp4]" * (size // 18) + "[/video]",
        "escaped video openers [[video]": "[[video]x" * (size // 9) + "[/video]",
        "embed openers, one closer": "[embed]" * (size // 7) + "[/embed]",
        "unclosed embed": "[embed]https://youtu.be/" + "a" * size,
        "code shortcodes": "[code]" * (size // 6) + "[/code]",
        "closers [/video]": "[/video]" * (size // 8),
        "huge src attribute": '[video src="' + "a" * size + '"]',
        "huge ids attribute": '[gallery ids="' + "1," * (size // 2) + '"]',
        "attributes a=a=": "[audio " + "a=" * (size // 2) + "]",
        "unclosed quote": '[audio src="' + "a " * (size // 2) + "]",
        "unclosed <pre>": "<pre>" * (size // 5),
        "closed <code> pairs": "<code>[gallery]</code>" * (size // 22),
        "comments": "<!--[gallery]-->" * (size // 16),
        "tag openers <a": "<a" * (size // 2),
        "tag openers around shortcodes": "<a [gallery]" * (size // 12),
        "unclosed embed figures": '<figure class="wp-block-embed">' * (size // 31),
        "figure of figcaptions": '<figure class="wp-block-embed">'
        + "<figcaption>" * (size // 12)
        + "</figure>",
        "figure of wrappers": '<figure class="wp-block-embed">'
        + '<div class="wp-block-embed__wrapper">' * (size // 38)
        + "</figure>",
        "provider URLs on lines": "https://youtu.be/x\n" * (size // 19),
        "provider URLs in one line": "https://youtu.be/" * (size // 17),
        "paragraph openers <p>": "<p>" * (size // 3) + "https://youtu.be/x",
        "spaces before a URL": " " * size + "https://youtu.be/x",
    }


@pytest.mark.slow
@pytest.mark.parametrize("name", hostile(100))
def test_time_grows_linearly_with_the_length_of_hostile_text(name):
    small, large = hostile(25_000)[name], hostile(100_000)[name]
    assert len(large) > 95_000
    ratio = timed(converted, large, repeat=3) / max(timed(converted, small, repeat=3), 1e-4)
    assert ratio < 10, f"{name}: 4x the text took {ratio:.1f}x the time"


# --- The real thing -----------------------------------------------------------------------


CODE = re.compile(r"<pre\b.*?</pre>|<code\b.*?</code>", re.DOTALL | re.IGNORECASE)
CONVERTIBLE = re.compile(rf"\[/?(?:{'|'.join(CONVERTED_NAMES)})[\s\]/]")


@pytest.mark.skipif(
    not THEME_UNIT_TEST.exists(),
    reason=f"WordPress's Theme Unit Test data is not at {THEME_UNIT_TEST} (../shared absent)",
)
def test_theme_unit_test_bodies_keep_no_gallery_media_or_embed_shortcode(capsys):
    with THEME_UNIT_TEST.open("rb") as file:
        items = wxr.read(file).items
    totals, left, cards = Counter(), Counter(), 0
    for item in items:
        result = converted(item.content)
        totals += result.converted
        left += result.left
        remaining = CONVERTIBLE.findall(CODE.sub("", result.html))
        assert not remaining, (item.label, remaining)
        html = render_post(result.html, markup="html").html
        cards += html.count('class="embed-card"')
    with capsys.disabled():
        print(f"\nTheme Unit Test: converted {dict(totals)}, left {dict(left)}")
    assert totals == Counter(gallery=12, embed=8, audio=3, video=3)
    assert not left
    assert cards == totals.total() - totals["gallery"]  # every card survives the sanitiser
