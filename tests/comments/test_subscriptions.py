"""Following by email: double opt-in, expiry, rate limits, notices of comments and posts,
one-click unsubscribe (RFC 8058), the subscriber's own page, and what stays private."""

import datetime
import re
import time
from unittest import mock

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment, Subscription
from tests.factories import make_comment, make_path, make_post, make_user

pytestmark = pytest.mark.django_db
FOLLOW = "/comments/follow/"


def links_in(message):
    return re.findall(r"https?://\S+", message.body)


def confirmation_link(message):
    return next(link for link in links_in(message) if "/follow/confirm/" in link)


def local(url):
    """The path of a link in a mail (mails name BLOG_SITE_URL)."""
    return re.sub(r"^https?://[^/]+", "", url)


def follow_and_confirm(client, email, **target):
    mail.outbox.clear()
    client.post(FOLLOW, {"email": email, **target})
    response = client.get(local(confirmation_link(mail.outbox[-1])))
    assert response.status_code == 200
    mail.outbox.clear()


def test_following_sends_only_the_confirmation_until_its_link_is_followed(client):
    post = make_post(title="Kilo notes")
    response = client.post(FOLLOW, {"email": "Rita@Example.com", "post": post.pk})
    assert response.status_code == 200 and b"Check your mail" in response.content
    [confirmation] = mail.outbox
    assert confirmation.to == ["rita@example.com"]
    assert "comments on “Kilo notes”" in confirmation.body
    make_comment(post=post, body="Before confirming.")
    assert len(mail.outbox) == 1  # nothing but the confirmation

    response = client.get(local(confirmation_link(confirmation)))
    assert response.status_code == 200 and b"Confirmed" in response.content
    make_comment(post=post, body="After *confirming*.", author_name="Bob")
    [notice] = mail.outbox[1:]
    assert notice.to == ["rita@example.com"]
    assert notice.subject == "New comment on “Kilo notes”"
    assert "Bob commented on “Kilo notes”" in notice.body and "After *confirming*." in notice.body
    html, kind = notice.alternatives[0]
    assert kind == "text/html" and "<em>confirming</em>" in html and post.get_absolute_url() in html


def test_every_subscriber_mail_carries_one_click_unsubscribe_headers(client):
    post = make_post()
    follow_and_confirm(client, "rita@example.com", post=post.pk)
    make_comment(post=post)
    [notice] = mail.outbox
    assert re.fullmatch(
        r"<https?://\S+/comments/follow/stop/\S+/>", notice.extra_headers["List-Unsubscribe"]
    )
    assert notice.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert any("/comments/follow/yours/" in link for link in links_in(notice))


def test_one_click_unsubscribe_by_list_unsubscribe_post_needs_no_cookie_or_page(client):
    post = make_post()
    follow_and_confirm(client, "rita@example.com", post=post.pk)
    make_comment(post=post)
    url = local(mail.outbox[0].extra_headers["List-Unsubscribe"].strip("<>"))
    mail_program = Client(enforce_csrf_checks=True)  # no cookie, no CSRF token: RFC 8058
    assert mail_program.get(url).status_code == 200  # a link checker's GET changes nothing
    assert Subscription.objects.count() == 1
    response = mail_program.post(
        url, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200 and not Subscription.objects.exists()
    mail.outbox.clear()
    make_comment(post=post)
    assert mail.outbox == []
    assert mail_program.post(url).status_code == 200  # again: still fine, nothing to do
    assert mail_program.post(url[:-3] + "xx/").status_code == 404  # a forged token


def test_the_subscriber_page_lists_and_ends_every_subscription_and_is_never_cached(client):
    post, path = make_post(title="Kilo notes", path="/openstack"), make_path("/openstack")
    follow_and_confirm(client, "rita@example.com", post=post.pk)
    follow_and_confirm(client, "rita@example.com", path="/openstack")
    Subscription.objects.create(email="other@example.com", topic="blog")
    make_comment(post=post)
    url = local(next(link for link in links_in(mail.outbox[0]) if "/follow/yours/" in link))
    response = client.get(url)
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode().lower()
    assert "comments on “kilo notes”" in page and f"new posts under {path.full_path}/" in page
    assert "other@example.com" not in page
    client.post(url)
    assert list(Subscription.objects.values_list("email", flat=True)) == ["other@example.com"]
    assert "gets no mail" in client.get(url).content.decode()
    assert client.get("/comments/follow/yours/forged/").status_code == 404


def test_an_unconfirmed_request_expires_and_is_forgotten(client, settings):
    settings.SUBSCRIPTIONS_CONFIRM_DAYS = 3
    post = make_post()
    four_days_ago = time.time() - 4 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=four_days_ago):
        client.post(FOLLOW, {"email": "rita@example.com", "post": post.pk})
    Subscription.objects.update(created_at=timezone.now() - datetime.timedelta(days=4))
    response = client.get(local(confirmation_link(mail.outbox[0])))
    assert response.status_code == 410 and b"expired" in response.content
    assert Subscription.objects.confirmed().count() == 0
    client.post(FOLLOW, {"email": "bob@example.com", "post": post.pk})  # cleans up on the way
    assert list(Subscription.objects.values_list("email", flat=True)) == ["bob@example.com"]


def test_confirmation_mails_are_limited_per_address_and_the_form_keeps_the_address(
    client, settings
):
    settings.SUBSCRIPTIONS_MAILS_PER_ADDRESS = 2
    posts = [make_post() for _ in range(3)]
    for post in posts[:2]:
        assert (
            client.post(FOLLOW, {"email": "victim@example.com", "post": post.pk}).status_code == 200
        )
    response = client.post(FOLLOW, {"email": "victim@example.com", "post": posts[2].pk})
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many confirmation mails" in page and 'value="victim@example.com"' in page
    assert len(mail.outbox) == 2


def test_confirmation_mails_are_limited_per_client_address(client, settings):
    settings.SUBSCRIPTIONS_MAILS_PER_CLIENT = 3
    for number in range(3):
        client.post(FOLLOW, {"email": f"person{number}@example.com"})
    assert client.post(FOLLOW, {"email": "one-more@example.com"}).status_code == 429
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert elsewhere.post(FOLLOW, {"email": "one-more@example.com"}).status_code == 200
    assert len(mail.outbox) == 4


def test_a_commenter_who_asked_for_replies_hears_of_the_approval_and_then_of_replies(
    client, settings, send_comment
):
    settings.COMMENTS_MODERATION = "all"
    post = make_post(title="Kilo notes", author=make_user(email="ada@example.com"))
    send_comment(post, notify_replies="on", body="My *held* comment.")
    comment = Comment.objects.get()
    assert comment.is_held
    confirmation = next(m for m in mail.outbox if m.to == ["rita@example.com"])
    client.get(local(confirmation_link(confirmation)))
    mail.outbox.clear()
    make_comment(post=post, parent=comment, status="pending", author_name="Bob")
    assert mail.outbox == []  # held comments notify nobody

    Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)
    [approved] = mail.outbox
    assert approved.to == ["rita@example.com"]
    assert approved.subject == "Your comment on “Kilo notes” is published"
    assert comment.get_absolute_url() in approved.body

    mail.outbox.clear()
    Comment.objects.filter(author_name="Bob").set_status(Comment.Status.APPROVED)
    [reply] = mail.outbox
    assert reply.to == ["rita@example.com"] and "Bob commented" in reply.body
    Comment.objects.filter(author_name="Bob").set_status(Comment.Status.APPROVED)
    assert len(mail.outbox) == 1  # told once


def test_the_comment_form_offers_both_subscriptions_and_says_what_is_stored(client):
    post = make_post()
    page = client.get(post.get_absolute_url()).content.decode()
    assert "Mail me replies to my comment" in page and "Mail me all new comments" in page
    assert "What is stored, and why" in page and reverse("comments:privacy") in page
    assert 'action="/comments/follow/"' in page  # follow the post without commenting


def test_commenting_with_post_notices_asks_for_confirmation_first(client, send_comment):
    post = make_post(author=make_user(email="ada@example.com"))
    send_comment(post, notify_post="on")
    subscription = Subscription.objects.get()
    assert subscription.topic == "post" and not subscription.is_confirmed
    assert any("Please confirm" in m.subject for m in mail.outbox if m.to == ["rita@example.com"])


def test_new_posts_are_mailed_to_followers_of_their_path_or_above_and_of_the_blog(client):
    make_post(path="/openstack")
    make_post(path="/openstackers")
    follow_and_confirm(client, "paths@example.com", path="/openstack")
    follow_and_confirm(client, "blog@example.com")
    make_post(path="/openstack/kilo", title="Kilo is out")
    received = {message.to[0]: message for message in mail.outbox}
    assert set(received) == {"paths@example.com", "blog@example.com"}
    assert received["paths@example.com"].subject == "New post: “Kilo is out”"
    mail.outbox.clear()
    make_post(path="/openstackers")  # a sibling whose name starts the same: not under it
    assert [message.to for message in mail.outbox] == [["blog@example.com"]]


def test_a_draft_tells_nobody_and_an_edit_does_not_tell_twice(client):
    follow_and_confirm(client, "blog@example.com")
    draft = make_post(published=False)
    assert mail.outbox == []
    draft.status = draft.Status.PUBLISHED
    draft.save()
    draft.save()
    assert len(mail.outbox) == 1


def test_a_scheduled_post_is_announced_by_a_task_held_until_its_time(client, settings):
    from django_tasks_db.models import DBTaskResult

    from comments.notices import announce_post

    follow_and_confirm(client, "blog@example.com")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    later = timezone.now() + datetime.timedelta(hours=2)
    post = make_post(published_at=later)
    queued = DBTaskResult.objects.get(task_path="comments.notices.announce_post")
    assert queued.run_after == post.published_at and queued.args_kwargs["args"] == [post.pk]
    assert announce_post.call(post.pk) == "scheduled"  # too early: it waits again
    assert mail.outbox == []
    type(post).objects.filter(pk=post.pk).update(published_at=timezone.now())
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert announce_post.call(post.pk) == "told 1"
    assert mail.outbox[0].to == ["blog@example.com"]


def test_follow_forms_answer_404_for_what_cannot_be_followed(client):
    draft = make_post(published=False)
    assert client.get(FOLLOW, {"post": draft.pk}).status_code == 404
    assert client.get(FOLLOW, {"post": "x1"}).status_code == 404
    assert client.get(FOLLOW, {"post": "9" * 30}).status_code == 404
    assert client.get(FOLLOW, {"path": "/nowhere"}).status_code == 404
    assert client.get(FOLLOW).status_code == 200


def test_a_bad_address_keeps_what_was_typed(client):
    response = client.post(FOLLOW, {"email": "not an address"})
    assert response.status_code == 200 and 'value="not an address"' in response.content.decode()
    assert mail.outbox == [] and not Subscription.objects.exists()


def test_subscriber_addresses_are_never_on_public_pages(client):
    post = make_post()
    follow_and_confirm(client, "secret-follower@example.com", post=post.pk)
    for url in (post.get_absolute_url(), "/", "/comments/", "/comments/feed/"):
        assert b"secret-follower" not in Client().get(url).content


def test_following_and_confirming_leave_the_page_cache_alone(client):
    import pagecache

    post = make_post()
    generation, number = pagecache.state()
    follow_and_confirm(client, "rita@example.com", post=post.pk)
    assert pagecache.state() == (generation, number)  # readers' pages did not change
    response = client.get(f"{FOLLOW}?post={post.pk}")
    assert "no-store" in response["Cache-Control"]  # a form page of its own: never cached


def test_approving_a_held_comment_in_its_admin_form_tells_its_followers(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post()
    follow_and_confirm(client, "rita@example.com", post=post.pk)
    comment = make_comment(post=post, status="pending", author_name="Bob")
    assert mail.outbox == []
    comment = Comment.objects.get(pk=comment.pk)
    comment.status = Comment.Status.APPROVED
    comment.save()
    [notice] = mail.outbox
    assert notice.to == ["rita@example.com"] and "Bob commented" in notice.body
