"""Fragments kept by the page cache's own rule (pagecache.kept_fragments): a fragment is used
while none of its keys was retired after the request that made it began, so it is exactly as
fresh as a cached page would be; a listing whose posts did not change reads nothing but its
page of posts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pagecache
from tests.factories import make_picture, make_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.BLOG_PAGE_CACHE = False


def test_a_kept_fragment_is_used_until_one_of_its_keys_retires():
    pagecache.keep_fragments({"piece": ("<p>one</p>", {"post:1", "comments:1"})})
    assert pagecache.kept_fragments(["piece"]) == {"piece": "<p>one</p>"}
    pagecache.retire("post:2")  # another post: still fresh
    assert pagecache.kept_fragments(["piece"]) == {"piece": "<p>one</p>"}
    pagecache.retire("comments:1")
    assert pagecache.kept_fragments(["piece"]) == {}


def test_a_new_generation_drops_every_kept_fragment():
    pagecache.keep_fragments({"piece": ("<p>one</p>", {"post:1"})})
    pagecache.retire("posts")
    assert pagecache.kept_fragments(["piece", "never-kept"]) == {}


def test_a_fragment_whose_key_retired_while_it_was_made_is_not_kept():
    reads = pagecache.request_reads.set({"state": pagecache.state()})  # a request begins
    try:
        assert pagecache.kept_fragments(["piece"]) == {}
        pagecache.retire("post:1")  # a change commits while the piece is being made
        pagecache.keep_fragments({"piece": ("<p>old</p>", {"post:1"})})
    finally:
        pagecache.request_reads.reset(reads)
    assert pagecache.kept_fragments(["piece"]) == {}


def test_a_page_using_a_kept_fragment_depends_on_its_keys():
    pagecache.keep_fragments({"piece": ("<p>one</p>", {"post:7", "comments:7"})})
    made = pagecache.Recording(*pagecache.state())
    reset = pagecache.recording.set(made)
    try:
        pagecache.kept_fragments(["piece"])
    finally:
        pagecache.recording.reset(reset)
    assert {"post:7", "comments:7"} <= made.keys


def test_a_listing_whose_posts_did_not_change_reads_no_tags_pictures_or_related_posts(client):
    for number in range(3):
        post = make_post(title=f"Kilo notes {number}", tags=["kilo", "openstack"])
    make_picture(post=post)
    first = client.get("/")
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/")
    read = " ".join(query["sql"] for query in queries)
    assert second.content == first.content
    assert "taggit_tag" not in read
    assert "blog_postimage" not in read
    assert "blog_post" in read  # the page of posts itself is read every time


def test_a_long_year_says_how_many_of_its_titles_it_shows_warm_or_cold(client, monkeypatch):
    monkeypatch.setattr("blog.views.YEAR_AT_A_GLANCE", 2)
    for day in (3, 4, 5):
        make_post(title=f"Day {day}", published_at=timezone.now().replace(year=2021, day=day))
    pages = [client.get("/2021/").text for _ in range(2)]
    assert pages[0] == pages[1]
    assert "these are the first 2 titles" in pages[1]
    assert "Day 4" in pages[1]
    assert "Day 5" not in pages[1]


def test_a_warm_year_archive_reads_none_of_its_titles(client):
    for day in (3, 4, 5):
        make_post(title=f"Day {day}", published_at=timezone.now().replace(year=2021, day=day))
    client.get("/2021/")
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/2021/").text
    assert "Day 5" in page
    assert not any('"blog_post"."title"' in query["sql"] for query in queries)


@pytest.mark.parametrize("feed", ["/feed/", "/feed/atom/", "/feed/json/", "/tags/kilo/feed/"])
def test_a_post_feed_shows_an_edit_a_renamed_tag_and_a_renamed_author_at_once(client, feed):
    from taggit.models import Tag

    post = make_post(title="Kilo notes", tags=["kilo"], body="Old words.")
    assert "Old words." in client.get(feed).text
    post.body = "New words, ελληνικά."
    post.save()  # retires the post's own key only
    assert "New words, ελληνικά." in client.get(feed).text
    tag = Tag.objects.get(name="kilo")
    tag.name = "Kilo ☁"
    tag.save()
    assert "Kilo ☁" in client.get(feed).text
    post.author.display_name = "Ada Lovelace"
    post.author.save()
    assert "Ada Lovelace" in client.get(feed).text


def test_a_warm_post_feed_reads_only_which_posts_are_in_it(client, django_assert_num_queries):
    for number in range(3):
        make_post(title=f"Kilo {number}", tags=["kilo"])
    first = client.get("/feed/")
    with django_assert_num_queries(1):
        second = client.get("/feed/")
    assert second.content == first.content


def test_a_request_that_could_not_read_the_state_when_it_began_keeps_nothing():
    pagecache.keep_fragments({"piece": ("<p>one</p>", {"post:1"})})
    reads = pagecache.request_reads.set({})  # the cache did not answer when it began
    try:
        assert pagecache.kept_fragments(["piece"]) == {}
        pagecache.keep_fragments({"other": ("<p>two</p>", {"post:2"})})
    finally:
        pagecache.request_reads.reset(reads)
    assert pagecache.kept_fragments(["piece", "other"]) == {"piece": "<p>one</p>"}
