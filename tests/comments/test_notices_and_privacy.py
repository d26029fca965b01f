"""Post authors' notices (each comment, a daily digest, none; stopped in one click) and a
reader's export and erasure of what the site holds about their address."""

import datetime
import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment, NoticePreference, Subscription
from comments.notices import send_comment_digests
from outbox.models import Delivery
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


def local(url):
    return re.sub(r"^https?://[^/]+", "", url)


def link_in(message, part):
    return local(next(link for link in re.findall(r"https?://\S+", message.body) if part in link))


@pytest.fixture
def ada(client):
    ada = make_user(email="ada@example.com", is_staff=True)
    client.force_login(ada)
    return ada


def test_an_author_who_chose_the_digest_gets_one_daily_mail_instead_of_one_per_comment(
    client, ada, settings
):
    assert client.post("/comments/notices/", {"notices": "digest"}).status_code == 302
    post = make_post(author=ada, title="Kilo notes")
    make_comment(post=post, body="First comment.")
    make_comment(post=post, body="Second comment.", status="pending")
    make_comment(post=post, body="Spam.", status="spam")
    assert mail.outbox == []
    send_comment_digests.call()
    [digest] = mail.outbox
    assert digest.to == ["ada@example.com"] and digest.subject.startswith("2 new comments")
    assert "First comment." in digest.body and "Second comment." in digest.body
    assert "awaiting your moderation" in digest.body and "Spam." not in digest.body
    assert "List-Unsubscribe" in digest.extra_headers

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_comment_digests.call()
    assert Delivery.objects.filter(kind="digest").count() == 1  # nothing new: no mail
    again = DBTaskResult.objects.get(task_path="comments.notices.send_comment_digests")
    assert again.run_after - timezone.now() > datetime.timedelta(hours=23)  # tomorrow, no cron


def test_choosing_the_digest_queues_the_daily_task(client, ada, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.post("/comments/notices/", {"notices": "digest"})
    client.post("/comments/notices/", {"notices": "digest"})
    assert DBTaskResult.objects.filter(task_path__endswith="send_comment_digests").count() == 1


def test_an_author_gets_a_mail_per_comment_by_default_and_can_stop_them_in_one_click(ada):
    post = make_post(author=ada, title="Kilo notes")
    comment = make_comment(post=post)
    comment.notify_post_author("https://blog.example")
    [notice] = mail.outbox
    assert notice.subject == "New comment on “Kilo notes”" and notice.alternatives
    url = local(notice.extra_headers["List-Unsubscribe"].strip("<>"))
    assert Client(enforce_csrf_checks=True).post(url).status_code == 200
    assert NoticePreference.of(ada).notices == "none"
    make_comment(post=post).notify_post_author("https://blog.example")
    assert len(mail.outbox) == 1


def test_the_notices_page_needs_a_login(client):
    assert client.get("/comments/notices/").status_code == 302


def ask(client, email, action):
    mail.outbox.clear()
    response = client.post("/comments/privacy/", {"email": email, "action": action})
    assert response.status_code == 200 and b"Check your mail" in response.content
    [message] = mail.outbox
    assert message.to == [email]
    return link_in(message, "/comments/privacy/")


def test_a_reader_exports_everything_held_about_their_address_from_a_mailed_link(client):
    post = make_post()
    make_comment(post=post, author_email="rita@example.com", body="Mine.", ip_address="192.0.2.1")
    make_comment(post=post, author_email="bob@example.com", body="Not mine.")
    Subscription.objects.create(email="rita@example.com", topic="post", post=post)
    response = Client().get(ask(client, "rita@example.com", "export"))
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert [comment["text"] for comment in data["comments"]] == ["Mine."]
    assert data["comments"][0]["ip_address"] == "192.0.2.1"
    assert len(data["subscriptions"]) == 1
    assert client.get("/comments/privacy/forged/").status_code == 404


def test_a_reader_erases_their_subscriptions_and_name_and_address_on_their_comments(client):
    post = make_post()
    make_comment(post=post, author_name="Rita Secret", author_email="rita@example.com")
    Subscription.objects.create(email="rita@example.com", topic="blog")
    link = ask(client, "rita@example.com", "erase")
    assert "Rita Secret" in Client().get(post.get_absolute_url()).content.decode()
    page = client.get(link)
    assert page.status_code == 200 and Comment.objects.filter(author_name="Rita Secret").exists()
    assert client.post(link).status_code == 200
    comment = Comment.objects.get()
    assert (comment.author_name, comment.author_email, comment.ip_address) == (
        "(name erased)",
        "",
        None,
    )
    assert not Subscription.objects.exists()
    assert "Rita Secret" not in Client().get(post.get_absolute_url()).content.decode()


def test_privacy_requests_are_rate_limited_and_keep_what_was_typed(client, settings):
    settings.SUBSCRIPTIONS_MAILS_PER_ADDRESS = 1
    ask(client, "rita@example.com", "export")
    response = client.post("/comments/privacy/", {"email": "rita@example.com", "action": "erase"})
    assert response.status_code == 429 and 'value="rita@example.com"' in response.content.decode()
