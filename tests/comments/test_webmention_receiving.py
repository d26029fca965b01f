"""Receiving webmentions: advertised by every post, checked at once, verified in the queue
against a real local server playing the other site, moderated, updated and deleted."""

import pytest
from django.test import override_settings

from comments.mentions import Mention
from comments.models import ModerationRule
from tests.factories import make_post, make_user
from tests.local_site import Answer

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def post(db):
    return make_post(title="Kilo released")


@pytest.fixture
def target(post):
    return "http://testserver" + post.get_absolute_url()


def reply_page(target, *, kind="in-reply-to", text="Great post!", name="Bruno"):
    return f"""<!doctype html><html><body>
    <article class="h-entry">
      <span class="p-author h-card"><img class="u-photo" src="https://bruno.example/me.jpg"
        alt=""><a class="p-name u-url" href="https://bruno.example/">{name}</a></span>
      <a class="u-{kind}" href="{target}">a post</a>
      <div class="e-content"><p>{text}</p><script>alert(1)</script></div>
      <time class="dt-published" datetime="2026-01-02T03:04:05+00:00">then</time>
    </article></body></html>"""


def send(client, source, target, **extra):
    with override_settings(TASKS=IMMEDIATE):
        return client.post("/webmention/", {"source": source, "target": target}, **extra)


def test_a_post_advertises_the_endpoint_in_a_link_header_and_a_link_element(client, post):
    response = client.get(post.get_absolute_url())
    assert response["Link"] == '<http://testserver/webmention/>; rel="webmention"'
    assert '<link rel="webmention" href="/webmention/">' in response.content.decode()


@pytest.mark.parametrize(
    ("source", "target_url", "reason"),
    [
        ("", "{target}", "The source is missing."),
        ("ftp://example.com/x", "{target}", "The source must be an http or https address."),
        ("javascript:alert(1)", "{target}", "The source must be an http or https address."),
        ("https://example.com/a", "gopher://testserver/", "The target must be an http or"),
        ("https://example.com/a", "https://elsewhere.example/post/", "The target is not on this"),
        ("https://example.com/a", "http://testserver/tags/", "The target is not a post of this"),
        ("https://example.com/a", "http://testserver/2001/01/01/nothing/", "The target is not a"),
        ("{target}", "{target}", "The source and the target are the same page."),
    ],
)
def test_a_bad_request_is_refused_with_400_and_the_reason(
    client, target, source, target_url, reason, local_site
):
    response = send(client, source.format(target=target), target_url.format(target=target))
    assert response.status_code == 400
    assert response.content.decode().startswith(reason)
    assert not Mention.objects.exists()
    assert local_site.requests == []  # nothing was fetched


def test_a_draft_is_not_a_target(client, db):
    draft = make_post(published=False)
    response = send(client, "https://example.com/a", "http://testserver" + draft.get_absolute_url())
    assert response.status_code == 400


def test_a_reply_is_accepted_verified_parsed_and_held_for_moderation(
    client, target, local_site, post
):
    local_site.routes["/reply"] = Answer(body=reply_page(target))
    response = send(client, local_site.url("/reply"), target)
    assert response.status_code == 202
    status_url = response["Location"]
    assert status_url.startswith("http://testserver/webmention/")
    mention = Mention.objects.get()
    assert (mention.state, mention.status, mention.kind) == ("verified", "pending", "reply")
    assert (mention.author_name, mention.author_url) == ("Bruno", "https://bruno.example/")
    assert mention.author_photo == "https://bruno.example/me.jpg"
    assert mention.content_html == "<p>Great post!</p>"  # sanitised: no script
    assert mention.published_at.year == 2026
    status_page = client.get(status_url).content.decode()
    assert "Verified" in status_page and "Awaiting a moderator" in status_page
    assert "Great post!" not in client.get(post.get_absolute_url()).content.decode()


def test_an_approved_reply_shows_on_the_post_and_the_cached_page_is_retired(
    client, target, local_site, post
):
    local_site.routes["/reply"] = Answer(body=reply_page(target))
    send(client, local_site.url("/reply"), target)
    assert "Great post!" not in client.get(post.get_absolute_url()).content.decode()  # cached
    mention = Mention.objects.get()
    mention.status = "approved"
    mention.save()  # as the admin's change form does
    page = client.get(post.get_absolute_url()).content.decode()
    assert 'class="comment h-entry mention"' in page and "Great post!" in page
    assert 'href="https://bruno.example/">Bruno</a>' in page
    assert "<script>alert(1)" not in page


@override_settings(COMMENTS_MODERATION="none")
def test_likes_and_reposts_are_a_compact_list_of_names(client, target, local_site, post):
    local_site.routes["/like"] = Answer(body=reply_page(target, kind="like-of", name="Chen"))
    local_site.routes["/repost"] = Answer(body=reply_page(target, kind="repost-of", name="Dee"))
    local_site.routes["/mention"] = Answer(body=f'<p>See <a href="{target}">this</a>.</p>')
    for path in ("/like", "/repost", "/mention"):
        assert send(client, local_site.url(path), target).status_code == 202
    page = client.get(post.get_absolute_url()).content.decode()
    assert (
        'Liked by <a class="h-card" rel="nofollow ugc noopener" href="https://bruno.example/">Chen</a>.'
        in page
    )
    assert ">Dee</a>." in page and "Reposted by" in page
    assert "127.0.0.1 mentioned this post" in page
    assert "Great post!" not in page  # a like's text is not shown as a reply


@pytest.mark.parametrize(("action", "status"), [("hold", "pending"), ("reject", "spam")])
@override_settings(COMMENTS_MODERATION="none")
def test_the_moderation_rules_hold_or_reject_mentions(client, target, local_site, action, status):
    ModerationRule.objects.create(action=action, text="casino")
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Visit my casino"))
    send(client, local_site.url("/reply"), target)
    assert Mention.objects.get().status == status


def test_a_source_that_does_not_link_to_the_target_is_not_verified(
    client, target, local_site, post
):
    local_site.routes["/unrelated"] = Answer(body='<p><a href="https://example.com/">x</a></p>')
    response = send(client, local_site.url("/unrelated"), target)
    assert response.status_code == 202
    assert Mention.objects.get().state == "failed"
    assert "does not link to the post" in client.get(response["Location"]).content.decode()


def test_a_source_at_a_private_address_is_never_fetched(client, target, settings):
    settings.SAFE_FETCH_ALLOWED_NETWORKS = []
    response = send(client, "http://10.0.0.1/reply", target)
    assert response.status_code == 202
    mention = Mention.objects.get()
    assert mention.state == "failed" and "private or reserved address" in mention.reason
    # The public status page says it failed, not what the address is or why (no probing).
    page = client.get(response["Location"]).content.decode()
    assert "The source could not be fetched." in page
    assert "private" not in page and "10.0.0.1</dd>" not in page.split("Target")[1]


@override_settings(COMMENTS_MODERATION="none")
def test_a_new_webmention_for_the_same_source_updates_it(client, target, local_site, post):
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="First thoughts"))
    send(client, local_site.url("/reply"), target)
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Second thoughts"))
    send(client, local_site.url("/reply"), target)
    mention = Mention.objects.get()
    assert mention.content == "Second thoughts" and mention.status == "approved"
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Second thoughts" in page and "First thoughts" not in page


@pytest.mark.parametrize(
    "gone", [Answer(410, "Deleted"), Answer(body='<p class="h-entry">No link any more.</p>')]
)
@override_settings(COMMENTS_MODERATION="none")
def test_a_deleted_source_or_a_removed_link_removes_the_mention(
    client, target, local_site, post, gone
):
    local_site.routes["/reply"] = Answer(body=reply_page(target))
    send(client, local_site.url("/reply"), target)
    assert "Great post!" in client.get(post.get_absolute_url()).content.decode()
    local_site.routes["/reply"] = gone
    response = send(client, local_site.url("/reply"), target)
    mention = Mention.objects.get()
    assert mention.state == "deleted" and mention.content == ""
    assert "Great post!" not in client.get(post.get_absolute_url()).content.decode()
    assert "Deleted at the source" in client.get(response["Location"]).content.decode()


def test_a_passing_failure_keeps_a_verified_mention(client, target, local_site):
    local_site.routes["/reply"] = Answer(body=reply_page(target))
    send(client, local_site.url("/reply"), target)
    local_site.routes["/reply"] = Answer(500, "Oops")
    send(client, local_site.url("/reply"), target)
    mention = Mention.objects.get()
    assert mention.state == "verified" and mention.reason == "The source answered HTTP 500."


@override_settings(WEBMENTION_LIMIT=2)
def test_the_endpoint_is_rate_limited_per_client(client, target, local_site):
    local_site.routes["/reply"] = Answer(body=reply_page(target))
    statuses = [
        send(client, local_site.url("/reply"), target, REMOTE_ADDR="203.0.113.5").status_code
        for _ in range(3)
    ]
    assert statuses == [202, 202, 429]
    other = send(client, local_site.url("/reply"), target, REMOTE_ADDR="203.0.113.6")
    assert other.status_code == 202


def test_the_endpoint_explains_itself_to_a_get_and_takes_mentions_only_by_post(client, db):
    page = client.get("/webmention/")
    assert page.status_code == 200 and b"POST source=" in page.content
    assert not Mention.objects.exists()
    assert client.put("/webmention/").status_code == 405


def test_an_unknown_status_address_is_404(client, db):
    assert client.get("/webmention/no-such-token/").status_code == 404


def test_an_author_approves_mentions_of_their_own_posts_in_the_admin_and_no_one_elses(client, db):
    from django.contrib.auth.models import Group

    ada = make_user(username="ada", is_staff=True)
    ada.groups.add(Group.objects.get(name="Author"))
    own = Mention.objects.create(
        post=make_post(author=ada), source="https://a.example/1", target="x", state="verified"
    )
    other = Mention.objects.create(
        post=make_post(), source="https://b.example/2", target="y", state="verified"
    )
    client.force_login(ada)
    listing = client.get("/admin/comments/mention/").content.decode()
    assert "a.example" in listing and "b.example" not in listing
    assert client.get(f"/admin/comments/mention/{other.pk}/change/").status_code == 403
    client.post(
        "/admin/comments/mention/",
        {"action": "mark_approved", "_selected_action": [own.pk]},
    )
    own.refresh_from_db()
    assert own.status == "approved"
    page = client.get(own.post.get_absolute_url()).content.decode()
    assert "a.example mentioned this post" in page


@override_settings(COMMENTS_MODERATION="first_time")
def test_an_approved_mention_whose_source_changes_its_words_is_held_again(
    client, target, local_site, post
):
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Harmless praise"))
    send(client, local_site.url("/reply"), target)
    mention = Mention.objects.get()
    mention.status = "approved"
    mention.save()
    send(client, local_site.url("/reply"), target)  # sent again, the same words: stays
    assert Mention.objects.get().status == "approved"
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Buy cheap pills"))
    send(client, local_site.url("/reply"), target)
    mention = Mention.objects.get()
    assert mention.content == "Buy cheap pills" and mention.status == "pending"
    assert "Buy cheap pills" not in client.get(post.get_absolute_url()).content.decode()


@override_settings(COMMENTS_MODERATION="first_time")
def test_a_mention_deleted_at_the_source_and_sent_again_is_moderated_again(
    client, target, local_site, post
):
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Hello"))
    send(client, local_site.url("/reply"), target)
    Mention.objects.update(status="approved")
    local_site.routes["/reply"] = Answer(410, "Deleted")
    send(client, local_site.url("/reply"), target)
    local_site.routes["/reply"] = Answer(body=reply_page(target, text="Hello"))
    send(client, local_site.url("/reply"), target)
    assert Mention.objects.get().status == "pending"
