"""Tags, paths, post slugs and titles in any script work on every page, feed, sitemap and
redirect; names that slugify to nothing still get a working address; calendar edges are 404s."""

import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from django.test import Client
from taggit.models import Tag

from blog.models import Path, Post
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db

NAMES = ["café", "上海", "content περιεχόμενο", "עברית", "Русский текст", "😀", "+++", "日本語"]
PATHS = ["/上海/旅行", "/Ελλάδα/περιεχόμενο", "/café", "/עברית"]
TITLES = ["上海的一天", "Καλημέρα κόσμε", "Привет, мир", "שלום עולם", "😀 emoji only 😀", "😀"]


@pytest.fixture
def site():
    posts = []
    for number, title in enumerate(TITLES):
        post = make_post(title=title, path=PATHS[number % len(PATHS)], tags=NAMES)
        make_comment(post=post, body=f"Comment on {title}")
        posts.append(post)
    return posts


def links_on(html):
    return {unquote(href) for href in re.findall(r'href="(/[^"#?]*)', html)}


def test_every_page_linking_to_names_in_any_script_answers_200_and_its_links_work(client, site):
    front = client.get("/")
    assert front.status_code == 200
    seen, to_visit = set(), ["/", "/tags/", *(post.get_absolute_url() for post in site)]
    while to_visit:
        url = to_visit.pop()
        if url in seen or url.startswith(("/static/", "/media/", "/admin/")):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        if "html" in response["Content-Type"]:
            to_visit += links_on(response.content.decode())
    for name in ("上海", "café", "περιεχόμενο", "עברית"):
        assert any(name in url for url in seen), name
    assert len(seen) > 40


def test_slugs_keep_their_script_and_titles_of_symbols_still_get_one(site):
    slugs = [post.slug for post in site]
    assert slugs[:4] == ["上海的一天", "καλημέρα-κόσμε", "привет-мир", "שלום-עולם"]
    assert all(re.fullmatch(r"[-\w]+", slug) for slug in slugs)
    tags = dict(Tag.objects.values_list("name", "slug"))
    assert tags["上海"] == "上海" and tags["café"] == "café"
    assert tags["😀"] == "grinning-face" and re.fullmatch(r"[-\w]+", tags["+++"])


def test_feeds_of_names_in_any_script_parse_and_link_back(client, site):
    post = site[0]
    tag = Tag.objects.get(name="上海")
    urls = [
        "/feed/",
        f"/tags/{tag.slug}/feed/",
        f"/tags/{tag.slug}/feed/atom/",
        f"{post.path.get_absolute_url()}feed/",
        f"{post.path.get_absolute_url()}comments/feed/",
        f"{post.get_absolute_url()}feed/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        feed = feedparser.parse(response.content)
        assert not feed.bozo, (url, feed.bozo_exception)
        for entry in feed.entries:
            path = urlsplit(entry.link).path
            assert path.isascii(), entry.link  # an IRI, percent-encoded
            assert client.get(unquote(path)).status_code == 200, entry.link


def test_sitemaps_name_every_address_percent_encoded(client, site):
    index = ElementTree.fromstring(client.get("/sitemap.xml").content)
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locations = []
    for section in index.findall("s:sitemap/s:loc", namespace):
        sitemap = ElementTree.fromstring(client.get(urlsplit(section.text).path).content)
        locations += [loc.text for loc in sitemap.findall("s:url/s:loc", namespace)]
    assert any("%E4%B8%8A%E6%B5%B7" in location for location in locations)  # 上海
    for location in locations:
        assert location.isascii(), location
        assert client.get(unquote(urlsplit(location).path)).status_code == 200, location


def test_renaming_a_path_in_any_script_redirects_its_old_addresses(client, site):
    place = Path.objects.get(full_path="/上海/旅行")
    place.segment = "旅游"
    place.save()
    response = client.get("/上海/旅行/")
    assert response.status_code == 301
    assert client.get(unquote(response["Location"])).status_code == 200


def test_a_tag_slug_emptied_in_the_database_is_mended_on_save(site):
    tag = Tag.objects.get(name="café")
    tag.slug = ""
    tag.save()
    assert tag.slug == "café"


@pytest.mark.parametrize(
    "url",
    [
        "/9999/",
        "/9999/12/",
        "/9999/12/31/",
        "/0001/",
        "/0001/01/",
        "/0001/01/01/",
        "/0000/",
        "/diary/9999/",
        "/diary/9999/12/",
        "/diary/0001/01/",
        "/9999/12/31/no-such-post/",
        "/9999/12/31/no-such-post/feed/",
    ],
)
def test_dates_at_the_edges_of_the_calendar_are_404_not_500(client, url, settings):
    make_post(path="/diary")
    for zone in ("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago"):
        settings.TIME_ZONE = zone
        assert Client().get(url).status_code == 404, (zone, url)


def test_posts_dated_at_the_edges_of_the_calendar_have_working_pages(client, settings):
    import datetime

    first = make_post(
        title="Year one", published_at=datetime.datetime(1, 1, 2, tzinfo=datetime.UTC)
    )
    day = first.pub_date
    for url in (
        first.get_absolute_url(),
        f"/{day.year:04d}/",
        f"/{day.year:04d}/{day:%m}/",
        f"/{day.year:04d}/{day:%m}/{day:%d}/",
        f"{first.path.get_absolute_url()}{day.year:04d}/",
        "/",
        "/feed/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Year one" in response.content.decode(), url
    # The last day of the calendar is always in the future: scheduled, so not shown (no 500).
    last = make_post(
        title="Year 9999", published_at=datetime.datetime(9999, 12, 31, 12, tzinfo=datetime.UTC)
    )
    assert client.get(last.get_absolute_url()).status_code == 404
    assert client.get("/").status_code == 200
    assert Post.objects.count() == 2


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Pacific/Pago_Pago"])
def test_a_post_dated_at_the_calendar_edge_is_kept_inside_it_in_any_time_zone(settings, zone):
    import datetime

    settings.TIME_ZONE = zone
    for moment in (
        datetime.datetime(9999, 12, 31, 23, tzinfo=datetime.UTC),
        datetime.datetime(1, 1, 1, 1, tzinfo=datetime.UTC),
    ):
        post = make_post(title=f"Edge {moment.year}", published_at=moment)
        assert post.pub_date.year == moment.year
    assert Client().get("/").status_code == 200


def test_combining_marks_are_kept_and_one_word_has_one_spelling(client):
    from blog.models import Path as PostPath

    post = make_post(title="देवनागरी हिन्दी", path="/हिन्दी/लेख", tags=["हिन्दी", "İstanbul"])
    assert post.slug == "देवनागरी-हिन्दी"
    assert sorted(post.tags.values_list("slug", flat=True)) == ["i̇stanbul", "हिन्दी"]
    for url in (post.get_absolute_url(), "/हिन्दी/", "/tags/हिन्दी/", "/हिन्दी/feed/"):
        assert client.get(url).status_code == 200, url
    turkish = PostPath.objects.ensure("/İstanbul")
    assert turkish.full_path == "/İstanbul"
    decomposed = PostPath.objects.ensure("/cafe\u0301")  # "café" typed with a combining accent
    assert decomposed.full_path == "/café" and decomposed == PostPath.objects.ensure("/café")
