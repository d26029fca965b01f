"""Every hostile input we can think of, in every field a person can fill, on every page type:
nothing runs, no dialog opens, nothing is fetched from elsewhere (in Chromium)."""

import io
from pathlib import Path as FilePath
from urllib.parse import urlencode, urlsplit

import pytest
from django.core.management import call_command
from taggit.models import Tag

from blog.models import Path, Post
from comments.models import Comment
from tests.factories import make_post, make_user

pytestmark = pytest.mark.browser
CORPUS = FilePath(__file__).resolve().parents[1] / "data" / "xss-vectors.txt"
VECTORS = [
    line.replace("{n}", str(number))
    for number, line in enumerate(CORPUS.read_text().splitlines(), start=1)
    if line.strip() and not line.startswith("#")
]
WATCH = "window.xssHit = n => (window.__xssHits = window.__xssHits || []).push(n);"


def wxr_with_vectors():
    items = "".join(
        f"""<item><title><![CDATA[{vector}]]></title><dc:creator>imp</dc:creator>
        <guid>xss-{n}</guid><content:encoded><![CDATA[{vector}]]></content:encoded>
        <wp:post_id>{n}</wp:post_id><wp:post_date>2014-05-13 10:00:00</wp:post_date>
        <wp:post_date_gmt>2014-05-13 10:00:00</wp:post_date_gmt><wp:post_name>xss-{n}</wp:post_name>
        <wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
        <category domain="category" nicename="imported"><![CDATA[imported]]></category>
        <wp:comment><wp:comment_id>{n}</wp:comment_id><wp:comment_author><![CDATA[{vector}]]></wp:comment_author>
        <wp:comment_author_url>
        {vector.replace("<", "").replace("&", "")[:50]}</wp:comment_author_url>
        <wp:comment_content><![CDATA[{vector}]]></wp:comment_content><wp:comment_approved>1</wp:comment_approved>
        <wp:comment_date_gmt>2014-05-13 11:00:00</wp:comment_date_gmt></wp:comment></item>"""
        for n, vector in enumerate(VECTORS[:20])
        if "]]>" not in vector
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
      xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
      xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>x</title><wp:wxr_version>1.2</wp:wxr_version>
      <wp:author><wp:author_login>imp</wp:author_login><wp:author_display_name><![CDATA[{VECTORS[0]}]]></wp:author_display_name></wp:author>
      {items}</channel></rss>"""


@pytest.fixture
def hostile_site(transactional_db, settings, tmp_path):
    settings.BLOG_POSTS_PER_PAGE = 200
    settings.COMMENTS_PER_PAGE = 200
    everything = "\n\n".join(VECTORS)
    collector = make_user(
        username="collector",
        display_name=VECTORS[1][:150],
        bio=everything,
        website="javascript:xssHit(0)",
    )
    big = make_post(
        title="All of them",
        body=everything,
        path="/xss",
        author=collector,
        tags=[v[:100] for v in VECTORS[:10]],
    )
    Path.objects.filter(full_path="/xss").update(title=VECTORS[2][:200], description=everything)
    for number, vector in enumerate(VECTORS):
        author = make_user(username=f"a{number}", display_name=vector[:150])
        path = f"/xss/v{number}"
        post = make_post(
            title=vector[:300], body=vector, author=author, path=path, tags=[vector[:100]]
        )
        Path.objects.filter(full_path=path).update(title=vector[:200], description=vector)
        comment = Comment(
            post=big,
            author_name=vector[:100],
            author_email="x@example.com",
            author_url=vector[:300],
            body=vector,
            status="approved",
        )
        comment.save()
        Comment(
            post=post,
            author_name=vector[:100],
            author_email="y@example.com",
            body=vector,
            status="approved",
        ).save()
    wxr = tmp_path / "hostile.xml"
    wxr.write_text(wxr_with_vectors())
    call_command("import_wxr", str(wxr), stdout=io.StringIO())
    tag_slugs = list(
        Tag.objects.filter(name__in=[v[:100] for v in VECTORS]).values_list("slug", flat=True)[:5]
    )
    imported = Post.objects.filter(import_key__contains="#post-").first()
    return [
        "/",
        "/xss/",
        "/xss/v3/",
        "/xss/v20/",
        "/xss/v40/",
        big.get_absolute_url(),
        imported.get_absolute_url(),
        "/imported/",  # the items' own category (the export has no category list)
        "/tags/",
        "/authors/collector/",
        "/authors/a5/",
        "/comments/",
        "/comments/?path=/xss",
        f"/{big.pub_date:%Y/%m}/",
        *(f"/tags/{slug}/" for slug in tag_slugs),
        "/feed/",
        "/comments/feed/",
        "/xss/feed/atom/",
        big.get_share_url(),
        # Search: hostile queries echoed back, and snippets cut from hostile bodies.
        *(f"/search/?{urlencode({'q': vector[:200]})}" for vector in VECTORS[::6]),
        "/search/?q=xssHit",
        "/search/?q=script+alert",
        "/search/?q=onerror",
        f"/search/?{urlencode({'q': 'xssHit', 'path': '/xss', 'tag': tag_slugs[0]})}",
        f"/search/?{urlencode({'q': 'x', 'author': VECTORS[3][:100], 'year': VECTORS[4]})}",
    ]


def test_no_hostile_input_runs_opens_a_dialog_or_calls_elsewhere(page, hostile_site, live_server):
    own = urlsplit(live_server.url).netloc
    elsewhere, dialogs = [], []
    page.context.add_init_script(WATCH)
    page.context.route(
        "**/*",
        lambda route: (
            elsewhere.append(route.request.url) or route.abort()
            if urlsplit(route.request.url).netloc not in (own, "")
            else route.continue_()
        ),
    )
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in hostile_site:
        response = page.goto(url)
        assert response.status == 200, url
        page.mouse.move(10, 10)
        page.mouse.move(300, 300)
        page.keyboard.press("Tab")
        page.wait_for_timeout(50)
        hits = page.evaluate("window.__xssHits || []")
        assert hits == [], (url, hits)
        if "feed" not in url:
            found = page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el =>
                [...el.attributes].filter(a => /^on/i.test(a.name) ||
                 /^\\s*(javascript|vbscript|data):/i.test(a.value))
                .map(a => el.tagName + ' ' + a.name))""")
            assert found == [], (url, found)
            assert page.locator("iframe, object, embed, base, form[action*='evil']").count() == 0
    assert dialogs == [] and elsewhere == []
