"""Fragments kept by the page cache's own rule (pagecache.kept_fragments): a fragment is used
while none of its keys was retired after the request that made it began, so it is exactly as
fresh as a cached page would be; a listing whose posts did not change reads nothing but its
page of posts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pagecache
from tests.factories import make_picture, make_post, make_user

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


@pytest.mark.parametrize("url", ["/feed/", "/feed/atom/", "/tags/kilo/feed/", "/comments/feed/"])
def test_a_warm_feed_reads_no_row(client, django_assert_num_queries, url):
    from tests.factories import make_comment

    for number in range(3):
        make_comment(post=make_post(title=f"Kilo {number}", tags=["kilo"]))
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content


def test_the_feeds_show_a_new_post_and_a_new_comment_and_drop_a_withdrawn_one_at_once(client):
    from tests.factories import make_comment

    post = make_post(title="Kilo notes", tags=["kilo"])
    comment = make_comment(post=post, body="A first thought")
    for url in ("/feed/", "/tags/kilo/feed/", "/comments/feed/", "/diary/comments/feed/"):
        client.get(url)
    make_post(title="Liberty notes", tags=["kilo"])
    make_comment(post=post, body="A second thought")
    assert "Liberty notes" in client.get("/feed/").text
    assert "Liberty notes" in client.get("/tags/kilo/feed/").text
    for url in ("/comments/feed/", "/diary/comments/feed/"):
        assert "A second thought" in client.get(url).text
    comment.status = "spam"
    comment.save()
    for url in ("/comments/feed/", "/diary/comments/feed/"):
        assert "A first thought" not in client.get(url).text


def test_a_request_that_could_not_read_the_state_when_it_began_keeps_nothing():
    pagecache.keep_fragments({"piece": ("<p>one</p>", {"post:1"})})
    reads = pagecache.request_reads.set({})  # the cache did not answer when it began
    try:
        assert pagecache.kept_fragments(["piece"]) == {}
        pagecache.keep_fragments({"other": ("<p>two</p>", {"post:2"})})
    finally:
        pagecache.request_reads.reset(reads)
    assert pagecache.kept_fragments(["piece", "other"]) == {"piece": "<p>one</p>"}


def test_an_archive_links_to_the_next_day_once_a_post_is_published_on_it(client):
    first_day = timezone.now().replace(year=2021, month=3, day=3, hour=12)
    make_post(title="Third of March", published_at=first_day)
    assert "Third of March" in client.get("/2021/03/03/").text
    before = client.get("/2021/03/03/").text
    assert "/2021/03/09/" not in before
    make_post(title="Ninth of March", published_at=first_day.replace(day=9))
    assert 'href="/2021/03/09/"' in client.get("/2021/03/03/").text
    assert 'href="/2021/03/03/"' in client.get("/2021/03/09/").text


def test_an_archive_drops_the_link_to_a_day_whose_only_post_went_back_to_draft(client):
    first_day = timezone.now().replace(year=2021, month=3, day=3, hour=12)
    make_post(title="Third of March", published_at=first_day)
    later = make_post(title="Ninth of March", published_at=first_day.replace(day=9))
    assert 'href="/2021/03/09/"' in client.get("/2021/03/03/").text
    later.status = later.Status.DRAFT
    later.save()
    assert "/2021/03/09/" not in client.get("/2021/03/03/").text


def test_a_page_made_at_a_paths_address_answers_there_at_the_next_request(client):
    make_post(title="Filed under the team", path="/team")
    assert "Filed under the team" in client.get("/team/").text
    page = make_post(kind="page", slug="team", title="Our team", path="/pages")
    assert page.page_path == "team"
    shown = client.get("/team/").text
    assert "Our team" in shown and "Filed under the team" not in shown
    page.delete()
    assert "Filed under the team" in client.get("/team/").text


def test_a_renamed_path_is_listed_under_its_new_name_at_the_next_request(client):
    post = make_post(title="Kilo release", path="/openstack/kilo")
    assert client.get("/openstack/kilo/").status_code == 200
    place = post.path
    place.segment = "liberty"
    place.title = "The Liberty cycle"
    place.save()
    shown = client.get("/openstack/liberty/")
    assert shown.status_code == 200 and "The Liberty cycle" in shown.text
    assert client.get("/openstack/kilo/").status_code != 200  # a redirect to the new name


def test_a_renamed_tag_is_named_anew_and_a_tag_unknown_at_first_answers_once_it_is_used(client):
    from taggit.models import Tag

    post = make_post(title="Kilo release", tags=["kilo"])
    assert "“kilo”" in client.get("/tags/kilo/").text
    tag = Tag.objects.get(slug="kilo")
    tag.name = "Kilo (2015)"
    tag.save()
    assert "“Kilo (2015)”" in client.get("/tags/kilo/").text
    assert client.get("/tags/liberty/").status_code == 404
    post.tags.add("liberty")
    assert "Kilo release" in client.get("/tags/liberty/").text


@pytest.mark.parametrize(
    "url",
    ["/", "/2021/03/03/", "/2021/03/", "/openstack/kilo/", "/openstack/kilo/2021/", "/tags/kilo/"],
)
def test_a_warm_listing_reads_every_value_it_keeps_until_a_change_in_one_round_trip(
    client, monkeypatch, url
):
    from django.core.cache import cache

    day = timezone.now().replace(year=2021, month=3, day=3, hour=12)
    for number in range(3):
        make_post(title=f"Kilo {number}", path="/openstack/kilo", tags=["kilo"], published_at=day)
    make_post(title="Later", published_at=day.replace(month=5))
    assert client.get(url).status_code == 200  # what it keeps made and kept
    calls = []
    get_many = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: calls.append(list(keys)) or get_many(keys))
    assert client.get(url).status_code == 200
    reading_values = [keys for keys in calls if any(key.startswith("data:") for key in keys)]
    assert len(reading_values) == 1, reading_values
    token = pagecache.state()[0].token
    shared = {pagecache.data_key(token, name) for name in ("sidebar", "page-navigation")}
    assert shared <= set(reading_values[0])


def test_the_shared_values_show_a_new_post_page_and_author_at_the_next_request(client):
    make_post(title="Kilo notes", tags=["kilo"], author=make_user(username="ann"))
    first = client.get("/").text
    assert "About us" not in first and "liberty" not in first
    make_post(title="Liberty notes", tags=["liberty"], author=make_user(username="bob"))
    make_post(kind="page", slug="about-us", title="About us")
    shown = client.get("/").text
    assert 'href="/tags/liberty/"' in shown  # the sidebar's tags
    assert "About us" in shown  # the navigation
    assert "/authors/bob/" in shown  # bylines, now that two people have published
