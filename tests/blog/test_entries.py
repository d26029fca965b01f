"""How an entry reads: as the PyBlosxom blog this engine is modelled on wrote it (issue 18)."""

import datetime
import re
from pathlib import Path as FilePath

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Post
from tests.factories import make_post, make_user

NEW_YEARS_EVE = datetime.datetime(2014, 12, 31, 21, 40, tzinfo=datetime.UTC)


def test_day_headers_read_like_the_original(client, db):
    make_post(published_at=NEW_YEARS_EVE)
    make_post(published_at=datetime.datetime(2015, 1, 5, 9, tzinfo=datetime.UTC))
    page = client.get("/").content.decode()
    assert ">Wed, 31 Dec 2014</time></h2>" in page
    assert ">Mon, 05 Jan 2015</time></h2>" in page  # two-digit day, as the original wrote it
    stylesheet = (FilePath(settings.BASE_DIR) / "static/css/site.css").read_text()
    day_header_rules = re.findall(r"\.day-header[^{]*\{([^}]*)\}", stylesheet)
    assert day_header_rules and not any("uppercase" in rule for rule in day_header_rules)


def test_the_footer_reads_like_the_original_and_counts_only_comments_there_are(client, db):
    post = make_post(path="/openstack/kilo", published_at=NEW_YEARS_EVE)
    page = client.get("/").content.decode()
    footer = re.sub(r"<[^>]+>|\s+", " ", page.split('<footer class="entry-footer">')[1])
    footer = re.sub(r" +", " ", footer)
    assert footer.startswith(
        " posted at: 21:40 | path: /openstack/kilo | permanent link to this entry "
    )
    assert "0 comments" not in page and "#comments" not in page
    Post.objects.filter(pk=post.pk).update(comment_count=2)
    assert "| 2 comments" in re.sub(r"<[^>]+>", "", client.get("/").content.decode())


def test_a_one_author_blog_shows_no_byline(client, db):
    ada = make_user(username="ada", display_name="Ada Lindqvist")
    post = make_post(author=ada, title="Kilo")
    make_post(author=ada, title="Juno")
    make_post(title="Someone's draft", published=False)  # has not published: not an author yet
    for url in ("/", post.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "by <a" not in page and "Ada Lindqvist</a></p>" not in page, url
        # Machines still learn who wrote it (h-entry's p-author), readers see no byline.
        assert '<a class="p-author h-card" href="/authors/ada/" hidden>' in page
    make_post(title="A guest post")
    for url in ("/", post.get_absolute_url()):
        page = client.get(url).content.decode()
        assert 'by <a class="p-author h-card" href="/authors/ada/">Ada Lindqvist</a>' in page


def test_tags_show_in_the_order_the_author_gave_them(client, db):
    post = make_post(tags=["zebra", "apple", "mango"])
    for url in ("/", post.get_absolute_url(), "/tags/apple/"):
        page = client.get(url).content.decode()
        names = re.findall(r'class="p-category" rel="tag" href="[^"]+">([^<]+)<', page)
        assert names == ["zebra", "apple", "mango"], url


def test_listing_entries_show_related_posts_in_constant_queries(client, db):
    def listing_queries():
        with CaptureQueriesContext(connection) as queries:
            page = client.get("/").content.decode()
        return len(queries), page

    make_post(title="Kilo notes", tags=["openstack", "python"])
    make_post(title="Juno notes", tags=["openstack"])
    make_post(title="Unrelated", tags=["cooking"])
    few, page = listing_queries()
    kilo = page.split(">Kilo notes</a></h3>")[1].split("</article>")[0]
    assert re.search(r"Related posts:\s*<a href=\"[^\"]+\">Juno notes</a></p>", kilo)
    unrelated = page.split(">Unrelated</a></h3>")[1].split("</article>")[0]
    assert "Related posts:" not in unrelated
    for number in range(15):
        make_post(title=f"More {number}", tags=["openstack", f"topic{number}", "python"])
    many, page = listing_queries()
    assert many == few
    assert page.count("Related posts:") == 17  # every entry but the unrelated one


def test_related_posts_on_a_page_match_each_posts_own(db):
    make_post(title="Shares two", tags=["a", "b"])
    make_post(title="Shares one", tags=["b"])
    first = make_post(title="First", tags=["a", "b"])
    second = make_post(title="Second", tags=["b", "c"])
    for post in (first, second):
        post = Post.objects.with_tags().get(pk=post.pk)
        related = post.related_posts()
        assert [p.title for p in related] == {
            "First": ["Shares two", "Second", "Shares one"],
            "Second": ["First", "Shares one", "Shares two"],
        }[post.title]
        # Each a whole link: its address is the post's own (the partial rows' fields in place).
        for other in related:
            stored = Post.objects.get(pk=other.pk)
            assert other.get_absolute_url() == stored.get_absolute_url()
            assert (other.slug, other.pub_date) == (stored.slug, stored.pub_date)


def test_a_post_without_title_has_no_invented_heading(client, db):
    post = make_post(
        title="",
        path="/diary",
        tags=["walks"],
        body="Walked along the harbour at dusk, the boats all in, gulls quiet.",
        published_at=NEW_YEARS_EVE,
    )
    neighbour = make_post(title="Titled", tags=["walks"])
    assert post.slug == "walked-along-the-harbour-at-dusk-the-boats"
    listing = client.get("/").content.decode()
    entry = listing.split(">Wed, 31 Dec 2014</time></h2>")[1].split("</article>")[0]
    assert "entry-title" not in entry and "ntitled" not in listing
    assert "Walked along the harbour" in entry and "posted at:" in entry
    permalink = client.get(post.get_absolute_url()).content.decode()
    assert "ntitled" not in permalink
    assert (
        '<h1 class="entry-title entry-date"><a href="/2014/12/31/">Wed, 31 Dec 2014</a></h1>'
        in (permalink)
    )
    assert "<title>Walked along the harbour at dusk, the boats…" in permalink
    # Links to it (related posts, neighbours) name it by its first words.
    other = client.get(neighbour.get_absolute_url()).content.decode()
    assert ">Walked along the harbour at dusk, the boats…</a>" in other


def test_the_admin_accepts_a_post_without_title(client, db):
    boss = make_user(username="boss", is_staff=True, is_superuser=True)
    client.force_login(boss)
    form = {
        "title": "",
        "slug": "",
        "path_text": "/diary",
        "tags": "",
        "body": "Rain all day.",
        "status": "published",
        "published_at_0": "2014-12-31",
        "published_at_1": "21:40:00",
        "allow_comments": "on",
        "markup": "markdown",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
    }
    response = client.post("/admin/blog/post/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get()
    assert post.title == "" and str(post) == "Rain all day." and post.slug == "rain-all-day"


def test_a_post_without_title_is_named_by_its_first_words_everywhere(client, db):
    import feedparser

    from comments.models import Comment

    post = make_post(title="", body="Walked up to the trig point before breakfast today.")
    Comment.objects.create(
        post=post, author_name="Rita", author_email="r@example.com", body="Nice.", status="approved"
    )
    words = post.display_title
    assert words.startswith("Walked up to the trig")
    entries = feedparser.parse(client.get("/feed/").content).entries
    assert entries[0].title == words
    assert words in client.get("/comments/").content.decode()
    assert words in client.get(f"/{post.pub_date:%Y}/").content.decode()
    comment_entries = feedparser.parse(client.get("/comments/feed/").content).entries
    assert words in comment_entries[0].title
