import datetime
import re
from xml.etree import ElementTree

import feedparser
import pytest
from django.utils import timezone

from comments.feeds import THREADING_NAMESPACE as THREAD
from comments.models import Comment
from tests.factories import make_comment, make_post, make_user

NOW = timezone.now()


def ago(minutes):
    return NOW - datetime.timedelta(minutes=minutes)


@pytest.fixture
def conversation(db):
    kilo = make_post(title="Kilo notes", path="/openstack/kilo")
    juno = make_post(title="Juno notes", path="/openstack/juno")
    diary = make_post(title="Rainy day", path="/diary")
    draft = make_post(title="Draft post", path="/openstack/kilo", published=False)
    first = make_comment(
        post=kilo,
        author_name="Ann",
        author_email="ann@secret.example",
        body="First on kilo.",
        created_at=ago(50),
    )
    reply = make_comment(
        post=kilo, parent=first, author_name="Bob", body="Reply to Ann.", created_at=ago(40)
    )
    make_comment(post=juno, author_name="Cy", body="On juno.", created_at=ago(30))
    make_comment(post=diary, author_name="Di", body="On the diary.", created_at=ago(20))
    make_comment(
        post=kilo, status="pending", author_name="Held", body="Held one.", created_at=ago(10)
    )
    make_comment(
        post=kilo, status="spam", author_name="Spammer", body="Spam one.", created_at=ago(9)
    )
    make_comment(
        post=kilo, status="removed", author_name="Gone", body="Removed one.", created_at=ago(8)
    )
    Comment.objects.create(
        post=draft,
        author_name="Early",
        author_email="e@example.com",
        body="On a draft.",
        status="approved",
        created_at=ago(5),
    )
    return {"kilo": kilo, "first": first, "reply": reply}


HIDDEN = ("Held one.", "Spam one.", "Removed one.", "On a draft.")


def test_recent_comments_lists_newest_approved_first(client, conversation):
    page = client.get("/comments/").content.decode()
    order = [
        page.index(text)
        for text in ("On the diary.", "On juno.", "Reply to Ann.", "First on kilo.")
    ]
    assert order == sorted(order)
    for text in HIDDEN:
        assert text not in page
    assert "secret.example" not in page
    first = conversation["first"]
    assert f'href="{first.get_absolute_url()}">Kilo notes</a>' in page


def test_recent_comments_narrowed_to_a_path_and_its_subpaths(client, conversation):
    page = client.get("/comments/", {"path": "/openstack"}).content.decode()
    assert "On juno." in page and "First on kilo." in page and "On the diary." not in page
    assert "On juno." not in client.get("/comments/", {"path": "/openstack/kilo"}).content.decode()
    assert client.get("/comments/", {"path": "/nowhere"}).status_code == 404


def test_recent_comments_paginate_and_refuse_pages_past_the_end(client, db, settings):
    settings.COMMENTS_PER_PAGE = 2
    post = make_post()
    for n in range(5):
        make_comment(post=post, body=f"Number {n}.", created_at=ago(n))
    assert "Number 4." in client.get("/comments/?page=3").content.decode()
    assert client.get("/comments/?page=4").status_code == 404
    assert client.get("/comments/?page=x").status_code == 404


def test_every_page_links_recent_comments_and_the_comment_feed(client, conversation):
    for url in (
        "/",
        conversation["kilo"].get_absolute_url(),
        "/tags/",
        "/comments/",
        "/openstack/",
    ):
        page = client.get(url).content.decode()
        assert 'See <a href="/comments/">recent comments</a>.' in page
        assert '<a href="/comments/feed/">RSS feed of all comments</a>.' in page
        assert 'all comments (RSS)" href="/comments/feed/"' in page


FEEDS = {
    "/comments/feed/": ("rss20", ["On the diary.", "On juno.", "Reply to Ann.", "First on kilo."]),
    "/comments/feed/atom/": (
        "atom10",
        ["On the diary.", "On juno.", "Reply to Ann.", "First on kilo."],
    ),
    "KILO/feed/": ("rss20", ["Reply to Ann.", "First on kilo."]),
    "KILO/feed/atom/": ("atom10", ["Reply to Ann.", "First on kilo."]),
    "/openstack/comments/feed/": ("rss20", ["On juno.", "Reply to Ann.", "First on kilo."]),
    "/openstack/comments/feed/atom/": ("atom10", ["On juno.", "Reply to Ann.", "First on kilo."]),
}


@pytest.mark.parametrize("url", FEEDS)
def test_comment_feeds_hold_approved_comments_newest_first(client, conversation, url):
    version, bodies = FEEDS[url]
    url = url.replace("KILO/", conversation["kilo"].get_absolute_url())
    response = client.get(url)
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == version
    texts = [
        entry.content[0].value if version == "atom10" else entry.description
        for entry in parsed.entries
    ]
    assert [text.removeprefix("<p>").removesuffix("</p>") for text in texts] == bodies
    for hidden in HIDDEN:
        assert hidden.encode() not in response.content
    assert b"secret.example" not in response.content and b"@" not in response.content
    reply = conversation["reply"]
    entry = next(e for e in parsed.entries if "Reply to Ann." in (e.get("description") or ""))
    assert entry.title == "Comment on Kilo notes by Bob"
    assert entry.link == f"http://testserver{reply.get_absolute_url()}"
    assert entry.id.endswith(f":comment:{reply.pk}")
    assert entry.author == "Bob"


def test_atom_replies_say_what_they_answer(client, conversation):
    first, reply = conversation["first"], conversation["reply"]
    body = client.get("/comments/feed/atom/").content.decode()
    assert 'xmlns:thr="http://purl.org/syndication/thread/1.0"' in body
    entry = body[body.index(f":comment:{reply.pk}</id>") :].split("</entry>")[0]
    element = entry[entry.index("<thr:in-reply-to") :].split("/>")[0]
    first_id = f"tag:testserver,{first.created_at.date().isoformat()}:comment:{first.pk}"
    assert f'ref="{first_id}"' in element
    assert f'href="http://testserver{first.get_absolute_url()}"' in element
    assert "<summary" not in entry  # the comment is in <content>, once
    assert body.count("thr:in-reply-to") == 1


@pytest.mark.parametrize("url", ["/comments/feed/", "/comments/feed/atom/"])
def test_comment_feed_links_are_absolute_to_the_post(client, db, url):
    post = make_post(title="Kilo notes")
    make_comment(post=post, body="See [the notes](/openstack/kilo/) and [below](#comments).")
    parsed = feedparser.parse(
        client.get(url).content, response_headers={"content-location": f"http://testserver{url}"}
    )
    entry = parsed.entries[0]
    content = entry.content[0].value if url.endswith("atom/") else entry.description
    assert 'href="http://testserver/openstack/kilo/"' in content
    assert f'href="http://testserver{post.get_absolute_url()}#comments"' in content


@pytest.mark.parametrize("url", ["/comments/feed/", "KILO/feed/", "/openstack/comments/feed/"])
def test_rss_replies_say_what_they_answer(client, conversation, url):
    first, reply = conversation["first"], conversation["reply"]
    url = url.replace("KILO/", conversation["kilo"].get_absolute_url())
    root = ElementTree.fromstring(client.get(url).content)
    answers = {}
    for item in root.iter("item"):
        element = item.find(f"{{{THREAD}}}in-reply-to")
        if element is not None:
            answers[item.findtext("link")] = element.attrib
    first_id = f"tag:testserver,{first.created_at.date().isoformat()}:comment:{first.pk}"
    assert answers == {
        f"http://testserver{reply.get_absolute_url()}": {
            "ref": first_id,
            "href": f"http://testserver{first.get_absolute_url()}",
            "type": "text/html",
        }
    }
    assert not feedparser.parse(client.get(url).content).bozo


def test_comment_feeds_of_unknown_things_are_404(client, db):
    draft = make_post(published=False)
    for url in (
        "/nowhere/comments/feed/",
        draft.get_absolute_url() + "feed/",
        "/2014/02/30/x/feed/",
    ):
        assert client.get(url).status_code == 404


def test_permalink_and_path_pages_link_their_comment_feeds(client, conversation):
    kilo = conversation["kilo"]
    page = client.get(kilo.get_absolute_url()).content.decode()
    assert f'href="{kilo.get_absolute_url()}feed/"' in page
    assert f'href="{kilo.get_absolute_url()}feed/atom/"' in page
    assert 'href="/openstack/comments/feed/"' in client.get("/openstack/").content.decode()


def atom_links(page):
    """The Atom feeds a page names: in its <head> (rel=alternate) and as visible links."""
    head, body = page.split("</head>", 1)
    alternates = re.findall(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', head
    )
    visible = re.findall(r'<a href="([^"]+)">Atom feed of', body)
    return set(alternates), set(visible)


def test_every_atom_comment_feed_is_linked_from_the_head_and_the_page(client, conversation):
    kilo = conversation["kilo"]
    for url, feed in (
        ("/", "/comments/feed/atom/"),
        ("/comments/", "/comments/feed/atom/"),
        (kilo.get_absolute_url(), f"{kilo.get_absolute_url()}feed/atom/"),
        ("/openstack/", "/openstack/comments/feed/atom/"),
        ("/comments/?path=/openstack", "/openstack/comments/feed/atom/"),
    ):
        alternates, visible = atom_links(client.get(url).content.decode())
        assert feed in alternates and feed in visible, url
        assert client.get(feed)["Content-Type"].startswith("application/atom+xml")


def test_listing_entries_show_their_number_of_approved_comments(client, conversation):
    kilo = conversation["kilo"]
    page = client.get("/openstack/kilo/").content.decode()
    assert f'<a href="{kilo.get_absolute_url()}#comments">2 comments</a>' in page


def test_counts_follow_every_status_change_and_deletion(db):
    post = make_post()
    comments = [make_comment(post=post, status="pending") for _ in range(3)]
    post.refresh_from_db()
    assert post.comment_count == 0
    Comment.objects.filter(pk__in=[c.pk for c in comments[:2]]).set_status("approved")
    post.refresh_from_db()
    assert post.comment_count == 2
    comments[0].refresh_from_db()
    comments[0].status = "spam"
    comments[0].save()
    post.refresh_from_db()
    assert post.comment_count == 1
    Comment.objects.get(pk=comments[1].pk).delete()
    post.refresh_from_db()
    assert post.comment_count == 0


def test_authors_comments_show_their_display_name(client, db):
    author = make_user(username="ada", display_name="Ada L")
    post = make_post(author=author)
    make_comment(post=post, author_name="Ada L", user=author, body="Thanks!")
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Ada L" in page and "Thanks!" in page


def test_saving_an_older_copy_of_a_post_keeps_the_comment_count(db):
    post = make_post()
    stale = type(post).objects.get(pk=post.pk)  # loaded before the comment arrives
    make_comment(post=post, status="approved")
    stale.title = "Edited meanwhile"
    stale.save()
    post.refresh_from_db()
    assert (post.title, post.comment_count) == ("Edited meanwhile", 1)
