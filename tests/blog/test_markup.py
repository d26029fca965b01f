import re
from html.parser import HTMLParser

import pytest

from blog.markup import markdown_to_html, render_comment, render_post

SCRIPT_VECTORS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src="x.png" onerror="alert(1)">',
    '<div onclick="alert(1)">click</div>',
    '<svg onload="alert(1)"></svg>',
    '<a href="#" onmouseover="alert(1)">x</a>',
    '<body onload="alert(1)">',
]

JAVASCRIPT_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "java&#09;script:alert(1)",
    "java&#x0A;script:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "vbscript:msgbox(1)",
    "VBScript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]


class ElementCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def assert_inert(html):
    """No element or attribute in `html` can run script, load from elsewhere or restyle the page
    (a refused Markdown link may stay visible as text: text is inert)."""
    collector = ElementCollector()
    collector.feed(html)
    for tag, attributes in collector.elements:
        assert tag not in {"script", "iframe", "object", "embed", "form", "style", "meta", "base"}
        for name, value in attributes.items():
            assert not name.startswith("on") and name != "style", (tag, name, value)
            scheme = re.sub(r"[\s\x00-\x1f]", "", value or "").lower()
            assert not scheme.startswith(("javascript:", "vbscript:", "data:")), (tag, value)


@pytest.mark.parametrize("vector", SCRIPT_VECTORS)
def test_scripts_and_event_handlers_are_removed(vector):
    assert_inert(markdown_to_html(f"Before\n\n{vector}\n\nAfter"))


@pytest.mark.parametrize("url", JAVASCRIPT_URLS)
def test_dangerous_urls_in_raw_html_links_are_dropped(url):
    assert_inert(markdown_to_html(f'<a href="{url}">click</a>'))


@pytest.mark.parametrize("url", JAVASCRIPT_URLS)
def test_dangerous_urls_in_markdown_links_and_images_are_dropped(url):
    assert_inert(markdown_to_html(f"[click]({url}) and ![pic]({url})"))


def test_data_images_are_dropped():
    html = markdown_to_html('<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">')
    assert "data:" not in html
    assert 'alt="x"' in html


@pytest.mark.parametrize(
    "vector",
    [
        '<iframe src="https://evil.example/"></iframe>',
        '<object data="x.swf"></object>',
        '<embed src="x.swf">',
        '<form action="https://evil.example/"><input name="q"></form>',
        '<p style="position:fixed;top:0">covering</p>',
        "<style>body{display:none}</style>",
        '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
        '<base href="https://evil.example/">',
    ],
)
def test_frames_objects_forms_styles_and_meta_are_removed(vector):
    html = markdown_to_html(vector)
    assert_inert(html)
    assert "<meta" not in html and "<base" not in html


def test_code_blocks_keep_their_highlighting():
    html = markdown_to_html("```python\ndef answer():\n    return 42\n```")
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html
    assert '<span class="mi">42</span>' in html


def test_html_in_code_blocks_is_shown_as_text():
    html = markdown_to_html("```\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html
    assert "<script" not in html


def test_titled_image_becomes_a_figure_with_a_caption():
    html = markdown_to_html('![A harbour](/media/harbour.jpg "Evening at the harbour")')
    assert '<figure><img src="/media/harbour.jpg" alt="A harbour">' in html
    assert "<figcaption>Evening at the harbour</figcaption>" in html
    assert 'title="' not in html


def test_untitled_image_stays_inline():
    html = markdown_to_html("![A harbour](/media/harbour.jpg)")
    assert html.strip() == '<p><img src="/media/harbour.jpg" alt="A harbour"></p>'


def test_links_get_rel_noopener():
    html = markdown_to_html("[elsewhere](https://example.org/)")
    assert '<a href="https://example.org/" rel="noopener">elsewhere</a>' in html


def test_tables_footnotes_lists_and_smart_quotes_render():
    html = markdown_to_html(
        '"Quoted"\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n'
        "Note[^n].\n\n1. one\n2. two\n\n[^n]: The note."
    )
    assert "\u201cQuoted\u201d" in html
    assert '<th align="left">a</th>' in html and '<td align="right">2</td>' in html
    assert '<div class="footnote">' in html
    assert "<ol>" in html


def test_heading_and_footnote_ids_are_prefixed_per_post():
    html = markdown_to_html("## Setup\n\nText[^1].\n\n[^1]: Note.", id_prefix="20141231-kilo-")
    assert 'id="20141231-kilo-setup"' in html
    assert 'href="#20141231-kilo-setup"' in html
    assert 'id="20141231-kilo-fn:1"' in html and 'href="#20141231-kilo-fn:1"' in html


def test_ids_written_by_hand_are_dropped():
    html = markdown_to_html('<p id="content">clobber</p>', id_prefix="p-")
    assert 'id="content"' not in html


def test_render_post_without_marker_has_no_excerpt():
    assert render_post("one\n\ntwo").excerpt_html == ""


def test_more_marker_is_not_visible_in_the_html():
    rendered = render_post("one\n\n<!-- more -->\n\ntwo")
    assert "more" not in rendered.html
    assert "one" in rendered.excerpt_html and "two" not in rendered.excerpt_html


def test_comment_markup_allows_emphasis_code_links_quotes_and_lists():
    html = render_comment("*em* **strong** `code`\n\n```\nblock\n```\n\n> quote\n\n- a\n- b")
    for tag in ("<em>", "<strong>", "<code>", '<pre tabindex="0">', "<blockquote>", "<ul>", "<li>"):
        assert tag in html


def test_comment_links_are_nofollow_ugc_and_bare_urls_are_linked():
    html = render_comment("see https://example.org/a_b. and [t](https://t.example/)")
    assert '<a href="https://example.org/a_b" rel="nofollow ugc noopener">' in html
    assert '<a href="https://t.example/" rel="nofollow ugc noopener">t</a>' in html


@pytest.mark.parametrize(
    "text",
    [
        "# Heading",
        "Heading\n=======",
        "![pic](https://example.org/p.png)",
        "<b>bold</b>",
        "<script>alert(1)</script>",
        '<a href="https://x.example/">raw</a>',
        "---",
    ],
)
def test_comment_markup_has_no_headings_images_or_raw_html(text):
    html = render_comment(text)
    for tag in ("<h1", "<img", "<b>", "<script", ">raw</a>", "<hr"):
        assert tag not in html, html
    if text.startswith("<"):
        assert "&lt;" in html  # raw HTML is shown as the text it is


@pytest.mark.parametrize(
    "src",
    [
        "https://elsewhere.example/a.png",
        "http://x.example/a.png",
        "//x.example/a.png",
        "HTTPS://x.example/a.png",
        " https://x.example/a.png",
    ],
)
def test_pictures_from_other_sites_are_not_loaded_but_keep_their_link(src):
    html = markdown_to_html(f'<a href="https://x.example/big.png"><img src="{src}" alt="Boat"></a>')
    assert "src=" not in html
    assert '<a href="https://x.example/big.png" rel="noopener"><img alt="Boat"></a>' in html


def test_pictures_of_this_site_keep_their_source():
    assert 'src="/media/images/a.png"' in markdown_to_html("![a](/media/images/a.png)")


def test_code_blocks_take_keyboard_focus_and_no_other_tabindex_survives():
    html = render_post('```\ncode\n```\n\n<p tabindex="3">x</p><pre tabindex="-1">y</pre>').html
    assert '<pre tabindex="0">' in html
    assert 'tabindex="3"' not in html and 'tabindex="-1"' not in html


def test_plain_text_keeps_words_whole_and_blocks_apart():
    from blog.markup import plain_text

    html = "<p>An <em>emphasised</em>, <a href='/x/'>linked</a> word.</p>"
    html += "<ul><li>one</li><li>two</li></ul>"
    assert plain_text(html) == "An emphasised, linked word. one two"


def test_wordpress_layout_classes_survive_the_sanitiser_and_no_others():
    html = render_post(
        '<img class="alignright size-medium" src="/media/x.jpg" alt="x">', markup="html"
    ).html
    assert '<img class="alignright size-medium" src="/media/x.jpg" alt="x">' in html
    html = render_post(
        '<div class="wp-caption aligncenter evil"><img class="size-full wp-image-3" src="/x.jpg" '
        'alt=""><p class="wp-caption-text">Boats</p></div>\n\n'
        '<figure class="alignleft"><img src="/y.jpg" alt=""></figure>\n\n'
        '<p class="alignnone embed-card">x</p>',
        markup="html",
    ).html
    assert '<div class="wp-caption aligncenter">' in html
    assert '<img class="size-full" src="/x.jpg" alt="">' in html
    assert '<p class="wp-caption-text">Boats' in html
    assert '<figure class="alignleft">' in html and '<p class="alignnone embed-card">' in html
