import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone

from tests.factories import make_post, make_user

NOW = timezone.now()


def days_ago(days, **delta):
    return NOW - datetime.timedelta(days=days, **delta)


@pytest.fixture
def hidden_posts(db):
    """A draft and a scheduled post everywhere a reader might look."""
    author = make_user(username="hidden_author")
    return [
        make_post(
            title="Secret draft",
            published=False,
            path="/openstack/kilo",
            tags=["python"],
            author=author,
        ),
        make_post(
            title="Future plans",
            published_at=NOW + datetime.timedelta(days=2),
            path="/openstack/kilo",
            tags=["python"],
            author=author,
        ),
    ]


def test_front_page_shows_newest_posts_under_day_headers(client, db, settings):
    settings.TIME_ZONE = "UTC"
    make_post(title="Older", published_at=datetime.datetime(2014, 12, 30, 9, tzinfo=datetime.UTC))
    make_post(title="Newer", published_at=datetime.datetime(2014, 12, 31, 9, tzinfo=datetime.UTC))
    page = client.get("/").content.decode()
    assert page.index("Wed, 31 Dec 2014") < page.index("Newer") < page.index("Tue, 30 Dec 2014")
    assert page.index("Tue, 30 Dec 2014") < page.index("Older")


def test_entry_shows_author_footer_line_and_tags(client, db):
    author = make_user(username="ada", display_name="Ada Lindqvist")
    post = make_post(
        title="Kilo is out",
        path="/openstack/kilo",
        tags=["openstack", "python"],
        author=author,
        published_at=datetime.datetime(2015, 4, 30, 14, 5, tzinfo=datetime.UTC),
    )
    make_post(title="By someone else")  # a byline is shown where several people publish
    page = client.get("/").content.decode()
    assert f'href="{post.get_absolute_url()}">Kilo is out</a>' in page
    assert 'by <a class="p-author h-card" href="/authors/ada/">Ada Lindqvist</a>' in page
    assert "posted at: <time" in page and ">14:05</time>" in page
    assert '| path: <a href="/openstack/kilo/">/openstack/kilo</a>' in page
    assert (
        f'<a class="u-url" href="{post.get_absolute_url()}">permanent link to this entry</a>'
        in page
    )
    assert "Tags for this post:" in page and 'href="/tags/openstack/">openstack</a>' in page


def test_listing_shows_the_excerpt_with_a_continue_link(client, db):
    post = make_post(title="Long one", body="Teaser words.\n\n<!--more-->\n\nHidden rest.")
    page = client.get("/").content.decode()
    assert "Teaser words." in page and "Hidden rest." not in page
    assert f'<a href="{post.get_absolute_url()}">Continue reading' in page
    assert "Hidden rest." in client.get(post.get_absolute_url()).content.decode()


def test_a_footnote_in_the_excerpt_is_rendered_on_the_front_page_with_its_text(client, db):
    make_post(
        title="Noted",
        body="Teaser[^1] words.\n\n<!--more-->\n\nRest[^2].\n\n"
        "[^1]: The first note,\n    on two lines.\n\n[^2]: The second note.\n",
    )
    page = client.get("/").content.decode()
    assert "[^1]" not in page
    reference = re.search(r'<a class="footnote-ref" href="#([^"]+)"', page)
    assert reference, "the reference is a link"
    note = re.search(rf'<li id="{re.escape(reference.group(1))}">(.*?)</li>', page, re.DOTALL)
    assert note and "The first note," in note.group(1) and "on two lines." in note.group(1)
    assert "The second note." not in page and "Rest" not in page


def test_site_title_and_byline_are_on_every_page(client, db, settings):
    settings.BLOG_TITLE, settings.BLOG_BYLINE = "Harbour Notes", "All opinions are our own."
    post = make_post()
    for url in ("/", post.get_absolute_url(), "/tags/"):
        page = client.get(url).content.decode()
        assert "Harbour Notes" in page and "All opinions are our own." in page


def test_front_page_pagination_and_its_ends(client, db, settings):
    settings.BLOG_POSTS_PER_PAGE = 2
    for n in range(5):
        make_post(title=f"Numbered {n}", published_at=days_ago(n))
    assert "Numbered 0" in client.get("/").content.decode()
    last = client.get("/?page=3").content.decode()
    assert "Numbered 4" in last and 'rel="next"' not in last and 'rel="prev"' in last
    for bad in ("4", "0", "-1", "abc", "99999999999999999999999", ""):
        assert client.get("/", {"page": bad}).status_code == 404, bad


@pytest.mark.parametrize(
    "url",
    [
        "/2014/13/",
        "/2014/00/",
        "/2014/02/30/",
        "/2015/02/29/",
        "/0000/",
        "/2014/12/32/",
        "/2014/1/",
        "/14/",
        "/2014/12/31/no-such-post/",
        "/nowhere/",
        "/openstack/2014/13/",
        "/tags/no-such-tag/",
        "/tags/a+b+c+d/",
        "/authors/nobody/",
        "/tags/python+python/",
    ],
)
def test_impossible_or_unknown_urls_are_404(client, db, url):
    make_post(path="/openstack/kilo", tags=["python"])
    assert client.get(url).status_code == 404


def test_permalink_shows_the_whole_post(client, db):
    post = make_post(title="Whole", body="First.\n\n<!--more-->\n\nSecond.")
    response = client.get(post.get_absolute_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert '<h1 class="p-name entry-title">Whole</h1>' in page
    assert "First." in page and "Second." in page
    assert 'property="og:title" content="Whole"' in page
    assert f'rel="canonical" href="http://testserver{post.get_absolute_url()}"' in page


def test_day_month_and_year_archives(client, db, settings):
    settings.TIME_ZONE = "UTC"
    make_post(
        title="March post", published_at=datetime.datetime(2014, 3, 2, 8, tzinfo=datetime.UTC)
    )
    make_post(title="May post", published_at=datetime.datetime(2014, 5, 9, 8, tzinfo=datetime.UTC))
    make_post(
        title="Other year", published_at=datetime.datetime(2015, 5, 9, 8, tzinfo=datetime.UTC)
    )
    year = client.get("/2014/").content.decode()
    assert "March post" in year and "May post" in year and "Other year</a>" not in year
    assert '<a href="/2014/03/">March</a> (1)' in year and '<a href="/2014/05/">May</a> (1)' in year
    month = client.get("/2014/05/").content.decode()
    assert "May post" in month and "March post" not in month
    day = client.get("/2014/03/02/").content.decode()
    assert "March post" in day and "May post" not in day
    assert client.get("/2013/").status_code == 404  # a period without posts has no page


def test_a_year_shows_every_title_under_its_month_and_day(client, db, settings):
    settings.TIME_ZONE = "UTC"
    for month, day in ((1, 5), (1, 5), (3, 9), (12, 31)):
        make_post(
            title=f"Walk of {month}/{day}",
            published_at=datetime.datetime(2014, month, day, 8, tzinfo=datetime.UTC),
        )
    page = client.get("/2014/").content.decode()
    glance = page.split('class="year-at-a-glance"')[1].split("</div>")[0]
    assert glance.index("January 2014") < glance.index("Sun, 05 Jan") < glance.index("Walk of 1/5")
    assert glance.count("Walk of 1/5") == 2 and "Wed, 31 Dec" in glance
    assert 'href="/2014/01/05/"' in glance and 'href="/2014/01/"' in glance


def test_archives_link_to_the_periods_before_and_after_that_have_posts(client, db, settings):
    settings.TIME_ZONE = "UTC"
    for year, month, day in ((2012, 6, 1), (2014, 3, 2), (2014, 3, 9), (2014, 11, 30)):
        make_post(
            path="/walks/trigs",
            published_at=datetime.datetime(year, month, day, 8, tzinfo=datetime.UTC),
        )
    links = {
        "/2014/": ('href="/2012/"', None),
        "/2014/03/": ('href="/2012/06/"', 'href="/2014/11/"'),
        "/2014/03/02/": ('href="/2012/06/01/"', 'href="/2014/03/09/"'),
        "/2014/11/30/": ('href="/2014/03/09/"', None),
        "/walks/2014/": ('href="/walks/2012/"', None),
        "/walks/trigs/2014/03/": ('href="/walks/trigs/2012/06/"', 'href="/walks/trigs/2014/11/"'),
    }
    for url, (earlier, later) in links.items():
        nav = client.get(url).content.decode().split('class="archive-neighbours"')[1]
        nav = nav.split("</nav>")[0]
        assert earlier in nav and 'rel="prev"' in nav, url
        assert (later in nav) if later else 'rel="next"' not in nav, url
    month = client.get("/2014/03/").content.decode()
    assert 'href="/2014/03/02/">Sun, 02</a> (1)' in month  # the month's days


def test_authors_are_listed_and_tag_pages_narrow_to_intersections(client, db):
    ada, bruno = make_user(username="ada", display_name="Ada"), make_user(username="bruno")
    make_post(author=ada, tags=["python", "django"])
    make_post(author=ada, tags=["python", "django"])
    make_post(author=bruno, tags=["python", "cloud"])
    make_user(username="never-published")
    authors = client.get("/authors/").content.decode()
    assert 'href="/authors/ada/">Ada</a> <span class="count">(2 posts)' in authors
    assert "/authors/bruno/" in authors and "never-published" not in authors
    tag = client.get("/tags/python/").content.decode()
    assert 'href="/tags/python+django/">also “django”</a> <span class="count">(2)' in tag
    assert 'href="/tags/python+cloud/"' in tag
    assert client.get("/tags/python+django/").status_code == 200


def test_the_403_page_is_themed_and_a_debug_404_too(client, db, settings):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory
    from django.views.defaults import permission_denied  # Django's 403 view, our template

    request = RequestFactory().get("/admin/secret/")
    request.user = AnonymousUser()
    page = permission_denied(request, exception=None).content.decode()
    assert "Not allowed" in page and 'class="site-header"' in page
    settings.DEBUG = True
    missing = client.get("/2014/05/10/no-such-post/")
    assert missing.status_code == 404 and 'class="site-header"' in missing.content.decode()


def test_a_late_evening_post_belongs_to_its_local_day_everywhere(client, db, settings):
    settings.TIME_ZONE = "America/New_York"
    local = datetime.datetime(2014, 12, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    post = make_post(title="New Year's Eve", published_at=local, path="/diary")
    assert post.published_at.astimezone(datetime.UTC).date() == datetime.date(2015, 1, 1)
    assert post.get_absolute_url().startswith("/2014/12/31/")
    assert "Eve" in client.get("/2014/12/31/").content.decode()
    assert "Eve" not in client.get("/2015/01/01/").content.decode()
    assert "Eve" in client.get("/2014/12/").content.decode()
    assert "Eve" not in client.get("/2015/").content.decode()
    assert "Eve" in client.get("/diary/2014/12/").content.decode()
    front = client.get("/").content.decode()
    assert "Wed, 31 Dec 2014" in front and ">23:30</time>" in front


def test_path_listing_includes_subpaths_but_not_prefix_siblings(client, db):
    make_post(title="Top level", path="/openstack")
    make_post(title="Kilo one", path="/openstack/kilo")
    make_post(title="Kilo two", path="/openstack/kilo")
    make_post(title="Deep juno", path="/openstack/juno/nova")
    make_post(title="Sibling", path="/openstack-history")
    page = client.get("/openstack/").content.decode()
    for title in ("Top level", "Kilo one", "Deep juno"):
        assert title in page
    assert "Sibling" not in page
    assert '<a href="/openstack/kilo/">/openstack/kilo</a> (2)' in page
    assert '<a href="/openstack/juno/">/openstack/juno</a> (1)' in page
    sub = client.get("/openstack/juno/nova/").content.decode()
    assert "Deep juno" in sub and "Kilo one" not in sub
    assert (
        '<a href="/openstack/">openstack</a>' in sub
        and '<a href="/openstack/juno/">juno</a>' in sub
    )


def test_path_listing_narrowed_to_a_year_and_a_month(client, db, settings):
    settings.TIME_ZONE = "UTC"
    make_post(
        title="Kilo 2014",
        path="/openstack/kilo",
        published_at=datetime.datetime(2014, 6, 1, tzinfo=datetime.UTC),
    )
    make_post(
        title="Kilo 2015",
        path="/openstack/kilo",
        published_at=datetime.datetime(2015, 6, 1, tzinfo=datetime.UTC),
    )
    make_post(
        title="Diary 2014",
        path="/diary",
        published_at=datetime.datetime(2014, 6, 1, tzinfo=datetime.UTC),
    )
    year = client.get("/openstack/2014/").content.decode()
    assert "Kilo 2014" in year and "Kilo 2015" not in year and "Diary 2014" not in year
    month = client.get("/openstack/kilo/2015/06/").content.decode()
    assert "Kilo 2015" in month and "Kilo 2014" not in month
    assert "Kilo" not in client.get("/openstack/2015/07/").content.decode().split("<main")[1]


def test_tag_list_counts_published_posts(client, db, hidden_posts):
    make_post(tags=["python", "django"])
    make_post(tags=["python"])
    page = client.get("/tags/").content.decode()
    assert '<a rel="tag" href="/tags/python/">python</a> (2)' in page
    assert '<a rel="tag" href="/tags/django/">django</a> (1)' in page


def test_tag_page_and_intersection_of_tags(client, db):
    make_post(title="Both", tags=["python", "django"])
    make_post(title="Only python", tags=["python"])
    make_post(title="All three", tags=["python", "django", "web"])
    single = client.get("/tags/python/").content.decode()
    assert "Both" in single and "Only python" in single
    both = client.get("/tags/python+django/").content.decode()
    assert "Both" in both and "All three" in both and ">Only python</a></h3>" not in both
    three = client.get("/tags/python+django+web/").content.decode()
    assert "All three" in three and ">Both</a></h3>" not in three


def test_author_page_shows_name_bio_and_posts(client, db):
    ada = make_user(username="ada", display_name="Ada Lindqvist", bio="Reads on trains.")
    make_post(title="Ada writes", author=ada)
    make_post(title="Someone else's")
    page = client.get("/authors/ada/").content.decode()
    assert "Ada Lindqvist" in page and "Reads on trains." in page
    assert "Ada writes" in page and "Someone else" not in page


def test_author_with_nothing_published_has_no_page(client, db, hidden_posts):
    assert client.get("/authors/hidden_author/").status_code == 404


def test_related_posts_share_the_most_tags_newest_first_and_show_them(client, db):
    post = make_post(title="Subject", tags=["a", "b", "c"])
    make_post(title="Shares one old", tags=["a"], published_at=days_ago(10))
    make_post(title="Shares one new", tags=["c"], published_at=days_ago(1))
    make_post(title="Shares two", tags=["a", "b", "x"], published_at=days_ago(20))
    make_post(title="Shares none", tags=["x"])
    make_post(title="Draft shares all", tags=["a", "b", "c"], published=False)
    related = post.related_posts()
    assert [p.title for p in related] == ["Shares two", "Shares one new", "Shares one old"]
    assert [t.name for t in related[0].shared_tags] == ["a", "b"]
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Related posts:" in page
    assert page.index("Shares two") < page.index("Shares one new") < page.index("Shares one old")
    assert (
        '(shares: <a rel="tag" href="/tags/a/">a</a>, <a rel="tag" href="/tags/b/">b</a>)' in page
    )


def test_related_posts_are_at_most_six(db):
    post = make_post(tags=["common"])
    for _ in range(8):
        make_post(tags=["common"])
    assert len(post.related_posts()) == 6


def test_permalink_links_previous_and_next_posts(client, db):
    first = make_post(title="First", published_at=days_ago(3))
    middle = make_post(title="Middle", published_at=days_ago(2))
    make_post(title="Hidden", published=False, published_at=days_ago(1))
    last = make_post(title="Last", published_at=days_ago(1, hours=-1))
    page = client.get(middle.get_absolute_url()).content.decode()
    assert f'<a rel="prev" href="{first.get_absolute_url()}">' in page
    assert f'<a rel="next" href="{last.get_absolute_url()}">' in page
    assert 'rel="prev"' not in client.get(first.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/openstack/",
        "/openstack/kilo/",
        "/tags/python/",
        "/tags/",
        "/feed/",
        "/feed/atom/",
        "/openstack/feed/",
        "/tags/python/feed/atom/",
        "/sitemap-posts.xml",
        "/sitemap-tags.xml",
        "/sitemap-authors.xml",
        "/sitemap-paths.xml",
        "YEAR",
        "MONTH",
        "DAY",
    ],
)
def test_drafts_and_scheduled_posts_appear_nowhere(client, db, hidden_posts, url):
    make_post(title="Public post", path="/openstack/kilo", tags=["python"])
    day = hidden_posts[0].pub_date
    url = {"YEAR": f"/{day:%Y}/", "MONTH": f"/{day:%Y/%m}/", "DAY": f"/{day:%Y/%m/%d}/"}.get(
        url, url
    )
    page = client.get(url).content.decode()
    assert "Public post" in page or "/tags/" in url or "sitemap" in url
    assert "Secret draft" not in page and "Future plans" not in page
    for post in hidden_posts:
        assert post.get_absolute_url() not in page
    assert "hidden_author" not in page


def test_drafts_and_scheduled_posts_are_404_and_not_counted(client, db, hidden_posts):
    for post in hidden_posts:
        assert client.get(post.get_absolute_url()).status_code == 404
    assert "(1)" not in client.get("/tags/").content.decode()
    assert "/openstack/kilo/" not in client.get("/openstack/").content.decode().split("<main")[1]


def test_pages_link_their_feeds_for_autodiscovery(client, db):
    make_post(path="/openstack/kilo", tags=["python"], author=make_user(username="ada"))
    expectations = {
        "/": ["/feed/", "/feed/atom/"],
        "/openstack/": ["/openstack/feed/", "/openstack/feed/atom/"],
        "/tags/python/": ["/tags/python/feed/", "/tags/python/feed/atom/"],
        "/authors/ada/": ["/authors/ada/feed/", "/authors/ada/feed/atom/"],
    }
    for url, feeds in expectations.items():
        page = client.get(url).content.decode()
        for feed in feeds:
            kind = "atom" if feed.endswith("atom/") else "rss"
            assert f'<link rel="alternate" type="application/{kind}+xml"' in page
            assert f'href="{feed}"' in page, (url, feed)


def test_every_page_has_a_title_description_and_canonical_link(client, db):
    post = make_post(path="/diary", tags=["life"], author=make_user(username="bo"))
    for url in (
        "/",
        post.get_absolute_url(),
        "/diary/",
        "/tags/",
        "/tags/life/",
        "/authors/bo/",
        f"/{post.pub_date:%Y}/",
    ):
        page = client.get(url).content.decode()
        assert "<title>" in page and '<meta name="description" content="' in page
        assert '<link rel="canonical" href="http://testserver' in page


def test_robots_txt_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    assert "Sitemap: http://testserver/sitemap.xml" in response.content.decode()


def test_sitemap_lists_posts_with_lastmod_paths_tags_and_authors(client, db):
    post = make_post(path="/diary/pictures", tags=["photos"], author=make_user(username="dora"))
    index = client.get("/sitemap.xml").content.decode()
    for section in ("posts", "paths", "tags", "authors"):
        assert f"http://testserver/sitemap-{section}.xml" in index
    posts = client.get("/sitemap-posts.xml").content.decode()
    assert f"<loc>http://testserver{post.get_absolute_url()}</loc>" in posts
    assert "<lastmod>" in posts
    assert "/diary/pictures/</loc>" in client.get("/sitemap-paths.xml").content.decode()
    assert "/tags/photos/</loc>" in client.get("/sitemap-tags.xml").content.decode()
    assert "/authors/dora/</loc>" in client.get("/sitemap-authors.xml").content.decode()


def test_pages_refuse_methods_other_than_get(client, db):
    assert client.post("/").status_code == 405
