"""WordPress's Theme Unit Test data, exactly as published (../shared/data), as a test input:
the https namespace, a password-protected post, a draft, two items sharing one GUID, tags that
differ from categories only in case."""

import io
from html.parser import HTMLParser
from pathlib import Path as FilePath

import feedparser
import pytest
from django.core.management import call_command

from blog.models import Post, PostRevision
from comments.models import Comment

THEME_UNIT_TEST = (
    FilePath(__file__).resolve().parents[2].parent / "shared/data/wordpress-theme-unit-test.xml"
)
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not THEME_UNIT_TEST.exists(),
        reason=f"WordPress's Theme Unit Test data is not at {THEME_UNIT_TEST} (../shared absent)",
    ),
]


def run_import():
    out = io.StringIO()
    call_command("import_wxr", str(THEME_UNIT_TEST), stdout=out)
    return out.getvalue()


def test_every_item_is_accounted_for_and_a_second_import_changes_nothing():
    first = run_import()
    assert "79 created, 0 updated, 0 unchanged, 0 skipped" in first
    assert Post.objects.count() == 79  # 58 posts and 21 pages: none merged by a shared GUID
    second = run_import()
    assert "0 created, 0 updated, 79 unchanged, 0 skipped" in second
    assert not PostRevision.objects.exists()


def test_what_wordpress_kept_from_the_public_stays_private(client):
    report = run_import()
    assert "held back" in report and "password-protected" in report
    hidden = Post.objects.get(title__startswith="Template: Password Protected")
    draft = Post.objects.get(title="Draft")
    for post in (hidden, draft):
        assert post.status == Post.Status.DRAFT
        assert client.get(post.get_absolute_url()).status_code == 404
    pages = "".join(
        client.get(url).content.decode(errors="replace")
        for url in ("/", "/feed/", "/comments/", "/comments/feed/", "/search/?q=password")
    )
    assert "Password Protected" not in pages
    for comment in Comment.objects.filter(post=hidden):
        assert comment.body[:40] not in pages
    entries = feedparser.parse(client.get("/feed/").content).entries
    assert entries and all("Password Protected" not in entry.title for entry in entries)


def test_two_items_with_one_guid_stay_two_posts_with_their_own_old_address(client):
    run_import()
    response = client.get("/?p=568")
    assert response.status_code == 301
    target = client.get(response["Location"])
    assert target.status_code == 200
    shared = Post.objects.filter(import_key__endswith="#post-568").get()
    assert response["Location"] == shared.get_absolute_url()


def test_a_thread_ten_deep_keeps_every_parent_and_is_shown_flattened(client, settings):
    run_import()
    deepest = Comment.objects.order_by("-depth").first()
    assert deepest.depth >= 10
    chain, comment = 0, deepest
    while comment.parent_id:
        comment, chain = comment.parent, chain + 1
    assert chain == deepest.depth - 1  # every real parent kept
    page = client.get(deepest.post.get_absolute_url()).content.decode()
    nesting = ReplyNesting()
    nesting.feed(page)
    assert nesting.deepest == settings.COMMENTS_MAX_DEPTH - 1  # replies in replies, no deeper
    assert f'id="comment-{deepest.pk}"' in page


class ReplyNesting(HTMLParser):
    """How deep <ol class="comment-replies"> lists nest in a page."""

    def __init__(self):
        super().__init__()
        self.stack, self.deepest = [], 0

    def handle_starttag(self, tag, attrs):
        if tag == "ol":
            self.stack.append("comment-replies" in (dict(attrs).get("class") or ""))
            self.deepest = max(self.deepest, sum(self.stack))

    def handle_endtag(self, tag):
        if tag == "ol" and self.stack:
            self.stack.pop()


def test_titles_and_names_written_as_html_show_as_text(client):
    run_import()
    assert Post.objects.filter(title="Markup: Title With Markup").exists()
    assert Comment.objects.filter(
        author_name__startswith="Ping 1 « What\u2019s a tellyworth"
    ).exists()


def test_imported_authors_have_a_page_though_they_cannot_log_in(client):
    run_import()
    post = Post.objects.published().select_related("author").first()
    assert not post.author.is_active
    assert client.get(post.author.get_absolute_url()).status_code == 200
    assert client.get(post.author.get_absolute_url() + "feed/").status_code == 200


def test_code_blocks_come_through_byte_for_byte_and_lists_get_no_line_breaks():
    import re
    from html import unescape

    from tooling import wxr

    def pre_texts(html):
        return [
            unescape(re.sub(r"<[^>]+>", "", block))
            for block in re.findall(r"<pre[^>]*>(.*?)</pre>", html, re.DOTALL)
        ]

    run_import()
    with THEME_UNIT_TEST.open("rb") as source:
        site = wxr.read(source)
    checked = 0
    for item in site.items:
        # (HTML ignores a newline right after <pre>: the parser drops it, browsers too.)
        expected = [text.removeprefix("\n") for text in pre_texts(item.content)]
        if not expected:
            continue
        post = Post.objects.get(import_key__endswith=f"#post-{item.post_id}")
        assert pre_texts(post.body_html) == expected, item.title  # not a line break added
        checked += len(expected)
    assert checked >= 3
    for post in Post.objects.all():
        assert not re.search(r"</li>\s*<br>|<ul>\s*<br>|</tr>\s*<br>", post.body_html), post.title


@pytest.mark.parametrize(
    "old",
    [
        "/category/classic/",
        "/category/classic/feed/",
        "/tag/8bit/",
        "/tag/8bit/feed/",
        "/author/themedemos/",
        "/feed/rss2/",
        "/comments/feed/rss2/",
        "/?tag=8bit",
        "/?flav=rss20",
        "/index.html",
    ],
)
def test_wordpress_and_pyblosxom_addresses_answer_301_to_a_page_that_exists(client, old):
    run_import()
    response = client.get(old)
    assert response.status_code == 301, old
    assert client.get(response["Location"]).status_code == 200, (old, response["Location"])


def test_every_imported_old_address_answers_301_to_a_200(client):
    from blog.models import LegacyUrl

    run_import()
    legacy = list(LegacyUrl.objects.select_related("post"))
    assert len(legacy) > 100
    for old in legacy:
        if not old.post.is_published:
            continue
        path, _, query = old.old_url.partition("?")
        response = client.get(path, dict([query.split("=")]) if query else {})
        assert response.status_code == 301, old.old_url
        assert client.get(response["Location"]).status_code == 200, old.old_url


def test_pages_import_as_pages_with_their_hierarchy_out_of_the_stream(client):
    run_import()
    pages = Post.objects.pages()
    assert pages.count() == 21 and not pages.filter(path__isnull=False).exists()
    level_3 = pages.get(title="Level 3")
    assert level_3.get_absolute_url() == "/level-1/level-2/level-3/"
    assert client.get(level_3.get_absolute_url()).context["post"] == level_3
    greek = pages.get(title="Επίπεδο 3")
    assert greek.page_path == "greek/επίπεδο-2/επίπεδο-3"
    assert client.get(greek.get_absolute_url()).status_code == 200
    with_comments = pages.get(title="Page with comments")
    assert with_comments.comments.count() == 4  # three approved, one held
    assert with_comments.comment_count == with_comments.comments.approved().count() > 0
    assert client.get("/?page_id=155")["Location"] == with_comments.get_absolute_url()
    front = client.get("/").content.decode()
    header, main = front.split("<main", 1)
    assert 'href="/about/"' in header and "Lorem Ipsum" in header
    assert "Page with comments" not in main and "Level 3" not in main
    feed = feedparser.parse(client.get("/feed/").content).entries
    assert all(entry.link.split("/")[3].isdigit() for entry in feed)  # dated posts only


def test_the_sticky_post_leads_the_front_page(client):
    run_import()
    sticky = Post.objects.get(title="Template: Sticky")
    assert sticky.pinned
    main = client.get("/").content.decode().split("<main", 1)[1]
    first_entry = main.split('class="entry-title"', 2)[1]
    assert "Template: Sticky" in first_entry


def test_feed_entries_keep_wordpress_guids(client):
    run_import()
    entries = feedparser.parse(client.get("/feed/").content).entries
    assert entries
    for entry in entries:
        post = Post.objects.get(title=entry.title) if entry.title else None
        assert entry.id.startswith("https://wpthemetestdata.wordpress.com/?p=") or entry.id == (
            post and post.guid
        )


def test_a_category_short_link_leads_to_its_path_named_by_slug(client):
    run_import()
    sticky = Post.objects.get(title="Template: Sticky")
    assert sticky.path.full_path == "/classic"  # the slug, not "Classic"
    response = client.get("/?cat=" + category_term_id("classic"))
    assert response.status_code == 301
    assert response["Location"] == "/classic/"
    assert client.get(response["Location"]).status_code == 200
    # A category no post had first: its posts carry it as a tag.
    child = client.get("/?cat=" + category_term_id("child-category-03"))
    assert child["Location"] == "/tags/child-category-03/"
    assert client.get(child["Location"]).status_code == 200


def category_term_id(nicename):
    from tooling import wxr

    with open(THEME_UNIT_TEST, "rb") as stream:
        site = wxr.read(stream)
    return next(c.term_id for c in site.categories if c.nicename == nicename)


def uploads_of_the_export(root):
    """A stand-in for the site's wp-content/uploads: a small picture for every upload the export
    names or shows (originals only: the resized copies are found from them)."""
    from PIL import Image

    from tooling import wordpress_pictures as pictures
    from tooling import wxr

    with open(THEME_UNIT_TEST, "rb") as stream:
        site = wxr.read(stream)
    keys = set()
    for item in site.items:
        urls = [item.attachment_url] + [ref.url for ref in pictures.references(item.content).all]
        keys |= {pictures.keys_of(url)[-1] for url in urls if pictures.keys_of(url)}
    formats = {".png": "PNG", ".gif": "GIF"}
    for key in keys:
        file = root / key
        file.parent.mkdir(parents=True, exist_ok=True)
        suffix = FilePath(key).suffix.lower()
        Image.new("RGB", (64, 48), "teal").save(file, formats.get(suffix, "JPEG"))
    return root


def test_with_every_upload_at_hand_every_picture_is_shown_and_nothing_is_raw(tmp_path):
    out = io.StringIO()
    media = uploads_of_the_export(tmp_path / "uploads")
    call_command("import_wxr", str(THEME_UNIT_TEST), media_dir=str(media), stdout=out)
    report = out.getvalue()
    assert "0 left as links" in report and "left as text none" in report
    shown = 0
    for post in Post.objects.all():
        parser = Tags()
        parser.feed(post.body_html)
        remote = [src for src in parser.sources if not src.startswith("/media/")]
        assert not remote, (post.title, remote)
        shown += len(parser.sources)
        for shortcode in ("[gallery", "[audio", "[video", "[embed", "[caption"):
            assert shortcode not in parser.text, (post.title, shortcode)
    assert shown >= 145
    out = io.StringIO()
    call_command("import_wxr", str(THEME_UNIT_TEST), media_dir=str(media), stdout=out)
    assert "0 created, 0 updated, 79 unchanged, 0 skipped" in out.getvalue()
    assert not PostRevision.objects.exists()


class Tags(HTMLParser):
    """The <img> sources of some HTML, and its text outside <pre> and <code>."""

    def __init__(self):
        super().__init__()
        self.sources, self.text, self.inside_code = [], "", 0

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.sources.append(dict(attrs).get("src", ""))
        self.inside_code += tag in ("pre", "code")

    def handle_endtag(self, tag):
        self.inside_code -= tag in ("pre", "code")

    def handle_data(self, data):
        if not self.inside_code:
            self.text += data


@pytest.mark.slow
def test_a_crawl_of_every_imported_page_meets_no_server_error(client):
    from urllib.parse import urljoin, urlsplit

    run_import()
    queue = ["/"] + [post.get_absolute_url() for post in Post.objects.readable()]
    seen = set()
    while queue and len(seen) < 1500:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        links = Links()
        links.feed(response.content.decode())
        for href in links.hrefs:
            parts = urlsplit(urljoin(url, href))
            if parts.netloc in ("", "testserver") and not parts.path.startswith(
                ("/admin", "/media", "/static")
            ):
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert len(seen) > 200


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a" and dict(attrs).get("href"):
            self.hrefs.append(dict(attrs)["href"])


@pytest.mark.slow
def test_export_then_import_into_an_empty_site_gives_it_back_whole(tmp_path, client, settings):
    import shutil

    from tests.tooling.test_export_wxr import empty_the_site, site_state

    media = uploads_of_the_export(tmp_path / "uploads")
    call_command("import_wxr", str(THEME_UNIT_TEST), media_dir=str(media), stdout=io.StringIO())
    before = site_state(client)
    exported = tmp_path / "export.xml"
    call_command(
        "export_wxr", output=str(exported), site_url="http://testserver", stderr=io.StringIO()
    )
    old_media = tmp_path / "old-media"
    shutil.copytree(settings.MEDIA_ROOT, old_media)
    empty_the_site(settings)
    out = io.StringIO()
    call_command("import_wxr", str(exported), media_dir=str(old_media), stdout=out)
    assert "79 created, 0 updated, 0 unchanged, 0 skipped" in out.getvalue()
    after = site_state(client)
    for part, value in before.items():
        assert after[part] == value, part
    redirects, feeds = after["answers"]
    moved = [old for old, (status, _) in redirects.items() if status == 301]
    assert len(moved) > 250  # all but the held-back posts' (a draft has no address to go to)
    assert feeds["/feed/"] and not any(entry.startswith("tag:") for entry in feeds["/feed/"])


def test_every_category_and_tag_with_posts_keeps_its_wordpress_address(client):
    """/category/<a>/<b>/ and /tag/<slug>/ of everything that had a published post lead to a
    page that lists it: its path, or (a category no post had first, so a tag of its posts) the
    tag of its name; a tag's other WordPress slug (markup-2) to the tag it became one with."""
    from urllib.parse import unquote

    from tooling import wxr

    run_import()
    with open(THEME_UNIT_TEST, "rb") as stream:
        site = wxr.read(stream)
    used = {
        (domain, unquote(slug))
        for item in site.items
        if item.post_type == "post" and item.status == "publish" and not item.post_password
        for domain, slug, _name in item.categories
        if domain in ("category", "post_tag")
    }
    parents = {c.nicename: c.parent for c in site.categories}

    def chain(nicename):
        parent = parents.get(nicename, "")
        return f"{chain(parent)}/{unquote(nicename)}" if parent else unquote(nicename)

    checked = 0
    for domain, slug in sorted(used):
        old = f"/category/{chain(slug)}/" if domain == "category" else f"/tag/{slug}/"
        response = client.get(old, follow=True)
        assert response.status_code == 200, old
        assert response.redirect_chain and response.redirect_chain[0][1] == 301, old
        checked += 1
    assert checked > 60
    markup = client.get("/category/markup/", follow=True)  # the category, now a tag
    assert "Markup: Image Alignment" in markup.content.decode()


def test_block_editor_galleries_show_as_galleries(tmp_path):
    media = uploads_of_the_export(tmp_path / "uploads")
    call_command("import_wxr", str(THEME_UNIT_TEST), media_dir=str(media), stdout=io.StringIO())
    block_gallery = Post.objects.get(title="Block: Gallery")
    assert block_gallery.body_html.count('class="gallery"') >= 2
    assert '<ul class="gallery">' in block_gallery.body_html
