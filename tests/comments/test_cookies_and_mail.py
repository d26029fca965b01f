"""The commenter's cookies are Secure under HTTPS; line breaks in a name or title never reach
the notification mail as lines of their own."""

import pytest
from django.core import mail

from comments.models import Comment
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


def test_commenter_cookies_are_secure_under_https(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post()
    data = comment_data(post, client=client, remember="on")
    response = client.post(comment_url(post), data, secure=True)
    assert response.status_code == 302
    for name in ("commenter", "held_comments"):
        cookie = response.cookies[name]
        assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax", name


def test_commenter_cookies_over_plain_http_still_work(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post()
    response = client.post(comment_url(post), comment_data(post, client=client, remember="on"))
    assert not response.cookies["commenter"]["secure"]


def test_line_breaks_in_a_name_do_not_reach_the_notification(
    client, settings, django_capture_on_commit_callbacks
):
    post = make_post(author=make_user(email="ada@example.com"))
    name = "Rita\r\nBcc: victim@example.com\nTo moderate: https://evil.example/"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(comment_url(post), comment_data(post, client=client, author_name=name))
    assert Comment.objects.get().author_name == (
        "Rita Bcc: victim@example.com To moderate: https://evil.example/"
    )
    message = mail.outbox[0]
    lines = message.body.splitlines()
    assert not any(line.startswith(("Bcc:", "To moderate: https://evil")) for line in lines)
    assert message.bcc == [] and message.to == ["ada@example.com"]


def test_an_imported_name_or_title_with_line_breaks_is_one_line_in_the_mail():
    post = make_post(title="Title\nwith a break", author=make_user(email="ada@example.com"))
    comment = make_comment(post=post, author_name="Imported\r\nName")
    comment.notify_post_author("https://blog.example")
    message = mail.outbox[0]
    assert message.subject == "New comment on “Title with a break”"
    assert message.body.startswith("Imported Name commented on “Title with a break”")
