"""WebSub: feeds name the hub (WEBSUB_HUB) and themselves; each change of a feed's content
pings the hub for that feed, and only that feed, through the queue, against a local hub."""

import json

import pytest
from django.test import override_settings

from blog.websub import HubPingFailed, ping_hub
from tests.factories import make_comment, make_post, make_user
from tests.local_site import Answer

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
SITE = "https://blog.example"


@pytest.fixture
def hub(local_site, settings):
    settings.WEBSUB_HUB = local_site.url("/hub")
    settings.SITE_URL = SITE
    settings.TASKS = IMMEDIATE
    local_site.routes["/hub"] = Answer(202, "")
    return local_site


def pinged(hub):
    """The feed URLs the hub was told about, without the site's address."""
    assert all(r.form.get("hub.mode") == "publish" for r in hub.requests)
    return {r.form["hub.url"].removeprefix(SITE) for r in hub.requests}


def formats(url):
    return {url, url + "atom/", url + "json/"}


def test_feeds_name_no_hub_by_default(client, db):
    make_post()
    assert 'rel="hub"' not in client.get("/feed/").content.decode()
    assert "hubs" not in json.loads(client.get("/feed/json/").content)


def test_every_feed_names_the_hub_and_itself(client, db, settings):
    settings.WEBSUB_HUB = "https://hub.example/"
    post = make_post(path="/openstack", tags=["python"])
    make_comment(post=post)
    rss = client.get("/feed/").content.decode()
    assert '<atom:link href="https://hub.example/" rel="hub"' in rss
    assert '<atom:link href="http://testserver/feed/" rel="self"' in rss
    atom = client.get("/openstack/feed/atom/").content.decode()
    assert '<link href="https://hub.example/" rel="hub"' in atom
    assert '<link href="http://testserver/openstack/feed/atom/" rel="self"' in atom
    assert (
        '<atom:link href="https://hub.example/" rel="hub"'
        in client.get("/comments/feed/").content.decode()
    )
    feed = json.loads(client.get("/tags/python/feed/json/").content)
    assert feed["hubs"] == [{"type": "WebSub", "url": "https://hub.example/"}]
    assert feed["feed_url"] == "http://testserver/tags/python/feed/json/"


def test_publishing_a_post_pings_exactly_the_feeds_it_is_in(hub, db):
    ada = make_user(username="ada")
    make_post(path="/diary", tags=["life"])  # feeds of another path and tag: untouched
    hub.requests.clear()
    make_post(author=ada, path="/openstack/kilo", tags=["python"])
    assert pinged(hub) == (
        formats("/feed/")
        | formats("/openstack/feed/")
        | formats("/openstack/kilo/feed/")
        | formats("/tags/python/feed/")
        | formats("/authors/ada/feed/")
    )


def test_a_draft_pings_nothing(hub, db):
    make_post(published=False)
    assert hub.requests == []


def test_moving_a_post_pings_the_feeds_it_left_too(hub, db):
    post = make_post(path="/diary")
    hub.requests.clear()
    post.path = make_post(path="/travel").path
    hub.requests.clear()
    post.save()
    assert formats("/diary/feed/") | formats("/travel/feed/") <= pinged(hub)


def test_deleting_a_published_post_pings_its_feeds(hub, db):
    post = make_post(path="/diary")
    hub.requests.clear()
    post.delete()
    assert formats("/feed/") | formats("/diary/feed/") <= pinged(hub)


def test_an_approved_comment_pings_the_comment_feeds_only(hub, db):
    post = make_post(path="/openstack/kilo")
    hub.requests.clear()
    make_comment(post=post)
    permalink = post.get_absolute_url()
    assert pinged(hub) == (
        formats("/comments/feed/")
        | formats(permalink + "feed/")
        | formats("/openstack/comments/feed/")
        | formats("/openstack/kilo/comments/feed/")
    )


def test_a_held_comment_pings_nothing_until_it_is_approved(hub, db):
    from comments.models import Comment

    post = make_post()
    hub.requests.clear()
    comment = make_comment(post=post, status="pending")
    assert hub.requests == []
    Comment.objects.filter(pk=comment.pk).set_status("approved")
    assert formats("/comments/feed/") <= pinged(hub)


def test_a_hub_that_refuses_makes_the_task_fail(hub, db):
    hub.routes["/hub"] = Answer(500, "Oops")
    with pytest.raises(HubPingFailed, match="HTTP 500"):
        ping_hub.call(["https://blog.example/feed/"])


@override_settings(WEBSUB_HUB="http://10.0.0.1/hub", SAFE_FETCH_ALLOWED_NETWORKS=[])
def test_a_hub_at_a_private_address_is_refused():
    with pytest.raises(HubPingFailed, match="private or reserved address"):
        ping_hub.call(["https://blog.example/feed/"])


def test_a_transaction_pings_each_feed_once_after_it_commits(
    hub, db, retirements_on_commit, django_capture_on_commit_callbacks
):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        make_post(path="/diary")
        make_post(path="/diary")
        assert hub.requests == []  # nothing before the commit
    urls = [r.form["hub.url"].removeprefix(SITE) for r in hub.requests]
    assert sorted(urls) == sorted(set(urls))  # each feed once, for both posts
    assert formats("/diary/feed/") <= set(urls)


def test_publishing_and_unpublishing_from_the_post_list_ping_the_feeds(hub, db, client):
    editor = make_user(username="eve", is_staff=True, is_superuser=True)
    draft = make_post(author=editor, path="/notes", published=False)
    hub.requests.clear()
    client.force_login(editor)
    action = {"_selected_action": [draft.pk], "index": 0}
    client.post("/admin/blog/post/", {**action, "action": "publish_now"})
    assert formats("/notes/feed/") <= pinged(hub)
    hub.requests.clear()
    client.post("/admin/blog/post/", {**action, "action": "unpublish"})
    assert formats("/notes/feed/") <= pinged(hub)
