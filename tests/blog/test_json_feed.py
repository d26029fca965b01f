"""JSON Feed 1.1 beside RSS and Atom: the spec's required fields, the same ids as Atom, and
pages that link it."""

import json
import re

import feedparser
import pytest

from tests.factories import make_comment, make_post, make_user

JSON_FEEDS = [
    "/feed/json/",
    "/openstack/feed/json/",
    "/tags/python/feed/json/",
    "/authors/ada/feed/json/",
    "/comments/feed/json/",
    "/openstack/comments/feed/json/",
]


@pytest.fixture
def post(db):
    ada = make_user(username="ada", display_name="Ada Lindqvist")
    post = make_post(
        title="Kilo <released>",
        path="/openstack/kilo",
        tags=["python", "cloud"],
        author=ada,
        body='Read [the notes](/notes/) <script>alert(1)</script> <img src=x onerror="alert(1)">',
    )
    make_comment(post=post, author_name="Bruno", body="A *fine* post.")
    return post


def feed_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/feed+json"
    return json.loads(response.content)


@pytest.mark.parametrize("url", JSON_FEEDS)
def test_each_json_feed_has_the_required_fields_of_version_1_1(client, post, url):
    feed = feed_of(client, url)
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert feed["feed_url"] == "http://testserver" + url
    assert feed["home_page_url"].startswith("http://testserver/")
    assert feed["items"]
    for item in feed["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item["content_html"]  # an item has content_html or content_text
        assert item["url"].startswith("http://testserver/")
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", item["date_published"]
        )
        assert all(author["name"] for author in item["authors"])
    assert "hubs" not in feed  # no WEBSUB_HUB set
    assert "next_url" not in feed  # one page: the newest items only


def test_a_post_item_carries_title_sanitised_html_dates_author_and_tags(client, post):
    (item,) = feed_of(client, "/feed/json/")["items"]
    assert item["title"] == "Kilo <released>"
    assert item["url"] == "http://testserver" + post.get_absolute_url()
    assert '<a href="http://testserver/notes/" rel="noopener">the notes</a>' in item["content_html"]
    assert "<script" not in item["content_html"] and "onerror" not in item["content_html"]
    assert item["authors"] == [{"name": "Ada Lindqvist", "url": "http://testserver/authors/ada/"}]
    assert sorted(item["tags"]) == ["cloud", "python"]
    assert item["date_modified"] >= item["date_published"]


def test_items_have_the_same_ids_as_the_atom_feed(client, post):
    for json_url, atom_url in [
        ("/feed/json/", "/feed/atom/"),
        ("/comments/feed/json/", "/comments/feed/atom/"),
    ]:
        atom = feedparser.parse(client.get(atom_url).content)
        json_ids = [item["id"] for item in feed_of(client, json_url)["items"]]
        assert json_ids == [entry.id for entry in atom.entries]


def test_a_posts_comment_feed_is_json_too(client, post):
    url = post.get_absolute_url() + "feed/json/"
    (item,) = feed_of(client, url)["items"]
    assert "<em>fine</em>" in item["content_html"]
    assert item["authors"] == [{"name": "Bruno"}]


def test_a_feed_of_nothing_published_is_404(client, post):
    make_post(path="/drafts-only", published=False)
    assert client.get("/drafts-only/feed/json/").status_code == 404
    assert client.get("/tags/no-such-tag/feed/json/").status_code == 404


def test_pages_link_their_json_feeds(client, post):
    pages = {
        "/": ["/feed/json/", "/comments/feed/json/"],
        "/openstack/": ["/openstack/feed/json/", "/openstack/comments/feed/json/"],
        "/tags/python/": ["/tags/python/feed/json/"],
        "/authors/ada/": ["/authors/ada/feed/json/"],
        post.get_absolute_url(): [post.get_absolute_url() + "feed/json/"],
    }
    for page, feeds in pages.items():
        html = client.get(page).content.decode()
        for feed in feeds:
            link = re.escape('<link rel="alternate" type="application/feed+json"')
            assert re.search(rf'{link} title="[^"]+" href="{re.escape(feed)}">', html), (page, feed)
            assert client.get(feed).status_code == 200


def test_a_feed_with_no_items_yet_still_has_its_items_list(client, db):
    quiet = make_post(title="No comments yet")
    assert feed_of(client, quiet.get_absolute_url() + "feed/json/")["items"] == []


def test_head_is_answered_wherever_get_is_before_anything_is_cached(client, post):
    for url in (post.get_absolute_url(), "/", "/feed/json/", f"/{post.pub_date.year}/"):
        assert client.head(url).status_code == 200, url
