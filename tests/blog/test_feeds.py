import datetime
import re

import feedparser
import pytest
from django.utils import timezone

from tests.factories import make_post, make_user

FEEDS = [
    ("/feed/", "rss20"),
    ("/feed/atom/", "atom10"),
    ("/openstack/feed/", "rss20"),
    ("/openstack/feed/atom/", "atom10"),
    ("/tags/python/feed/", "rss20"),
    ("/tags/python/feed/atom/", "atom10"),
    ("/tags/python+cloud/feed/", "rss20"),
    ("/authors/ada/feed/", "rss20"),
    ("/authors/ada/feed/atom/", "atom10"),
]


@pytest.fixture
def site(db):
    ada = make_user(username="ada", display_name="Ada Lindqvist", email="ada@private.example")
    newer = make_post(
        title="Kilo released",
        path="/openstack/kilo",
        tags=["python", "cloud"],
        author=ada,
        body="Intro.\n\n<!--more-->\n\n```python\nx = 1\n```",
    )
    older = make_post(
        title="Juno notes",
        path="/openstack/juno",
        tags=["python", "cloud"],
        author=ada,
        published_at=timezone.now() - datetime.timedelta(days=3),
    )
    make_post(
        title="Secret draft",
        path="/openstack/kilo",
        tags=["python", "cloud"],
        author=ada,
        published=False,
    )
    make_post(
        title="Scheduled",
        path="/openstack/kilo",
        tags=["python", "cloud"],
        author=ada,
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    make_post(
        title="Elsewhere",
        path="/diary",
        tags=["life"],
        published_at=timezone.now() - datetime.timedelta(days=10),
    )
    return newer, older


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_feed_is_valid_and_lists_published_posts_newest_first(client, site, url, version):
    newer, _ = site
    response = client.get(url)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    titles = [entry.title for entry in parsed.entries]
    assert titles[:2] == ["Kilo released", "Juno notes"]
    assert "Secret draft" not in titles and "Scheduled" not in titles
    assert ("Elsewhere" in titles) == (url.startswith("/feed/"))
    entry = parsed.entries[0]
    assert entry.link == f"http://testserver{newer.get_absolute_url()}"
    assert entry.author == "Ada Lindqvist"
    assert {tag.term for tag in entry.tags} == {"python", "cloud"}
    assert entry.id.startswith("tag:testserver,") and entry.id.endswith(f":post:{newer.pk}")
    assert entry.published_parsed[:5] == newer.published_at.utctimetuple()[:5]
    assert any(link.rel == "self" and link.href.endswith(url) for link in parsed.feed.links)
    assert b"private.example" not in response.content and b"@" not in response.content


@pytest.mark.parametrize(("url", "version"), FEEDS)
def test_feed_items_carry_the_full_html(client, site, url, version):
    parsed = feedparser.parse(client.get(url).content)
    content = (
        parsed.entries[0].content[0].value if version == "atom10" else parsed.entries[0].description
    )
    assert "Intro." in content and '<span class="n">x</span>' in content


def test_atom_feed_has_updated_dates_and_the_excerpt_as_summary(client, site):
    entry = feedparser.parse(client.get("/feed/atom/").content).entries[0]
    assert entry.updated_parsed is not None
    assert "Intro." in entry.summary and "highlight" not in entry.summary


LINKED_BODY = """\
## Setup

Kilo[^1] is out: see [the notes](/openstack/kilo/) and [the shot](shot/).

<!--more-->

<img src="/media/pictures/kilo.png" srcset="/media/pictures/kilo.png 480w" alt="Kilo">

[^1]: The eleventh release.
"""


@pytest.mark.parametrize(("url", "version"), [("/feed/", "rss20"), ("/feed/atom/", "atom10")])
def test_feed_entry_links_and_fragments_point_at_the_post_not_the_feed(client, db, url, version):
    post = make_post(title="Linked", body=LINKED_BODY)
    page = f"http://testserver{post.get_absolute_url()}"
    # A feed reader resolves relative addresses against the feed's own address.
    parsed = feedparser.parse(
        client.get(url).content, response_headers={"content-location": f"http://testserver{url}"}
    )
    entry = parsed.entries[0]
    content = entry.content[0].value if version == "atom10" else entry.description
    links = re.findall(r'(?:href|src)="([^"]*)"', content)
    assert any(link.startswith(f"{page}#") and link.endswith("fn:1") for link in links)
    assert all(not link.startswith(f"http://testserver{url}") for link in links), links
    fragments = [link for link in links if "#" in link]
    assert len(fragments) == 3 and all(link.startswith(f"{page}#") for link in fragments)
    assert "http://testserver/openstack/kilo/" in links
    assert f"{page}shot/" in links
    assert "http://testserver/media/pictures/kilo.png" in links
    if version == "atom10":
        summary_links = re.findall(r'href="([^"]*)"', entry.summary)
        assert summary_links and all(link.startswith("http") for link in summary_links)
        assert any(link.startswith(f"{page}#") and link.endswith("fn:1") for link in summary_links)


def test_feed_holds_the_twenty_newest_posts(client, db):
    for days in range(25):
        make_post(title=f"Day {days}", published_at=timezone.now() - datetime.timedelta(days=days))
    entries = feedparser.parse(client.get("/feed/").content).entries
    assert len(entries) == 20
    assert entries[0].title == "Day 0" and entries[-1].title == "Day 19"


@pytest.mark.parametrize(
    "url", ["/nowhere/feed/", "/tags/nope/feed/", "/authors/nobody/feed/atom/"]
)
def test_feed_of_something_unknown_is_404(client, db, url):
    assert client.get(url).status_code == 404


def test_feed_guid_is_stable_when_the_slug_changes(client, site):
    newer, _ = site
    before = feedparser.parse(client.get("/feed/").content).entries[0].id
    newer.slug = "kilo-final"
    newer.save()
    after = feedparser.parse(client.get("/feed/").content).entries[0]
    assert after.id == before and after.link.endswith("/kilo-final/")


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/comments/feed/", "/openstack/feed/"])
def test_serving_a_feed_leaves_the_shared_feed_object_untouched(client, site, settings, url):
    from django.urls import resolve

    settings.ALLOWED_HOSTS = ["one.example"]
    shared = resolve(url).func  # one Feed instance serves every request, in every thread
    before = dict(vars(shared))
    assert client.get(url, HTTP_HOST="one.example").status_code == 200
    assert dict(vars(shared)) == before
