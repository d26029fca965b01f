"""Whatever refuses a comment shows the reader's text back with the reason; nothing is lost."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import OperationalError
from django.utils import timezone

from comments.models import Comment, ModerationRule
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_post, make_user

WORDS = "Words I took a long time to write 😀 — ελληνικά, 中文, עברית"


@pytest.fixture
def post(db, settings):
    settings.COMMENTS_MODERATION = "none"
    return make_post(title="Discussed")


def send(client, post, **overrides):
    data = comment_data(post, client=client, **overrides)
    return client.post(comment_url(post), data)


def shows_the_text(response):
    return f"{WORDS}</textarea>" in response.content.decode()


def test_a_comment_refused_for_flooding_is_stored_when_sent_again_later(client, post, settings):
    settings.COMMENTS_FLOOD_LIMIT = 1
    assert send(client, post, body="first").status_code == 302
    refused = send(client, post, body=WORDS)
    assert refused.status_code == 429 and shows_the_text(refused)
    settings.COMMENTS_FLOOD_LIMIT = 5  # the window has passed
    again = send(client, post, body=WORDS)
    assert again.status_code == 302
    assert Comment.objects.filter(body=WORDS).count() == 1


def test_a_comment_on_a_closed_thread_comes_back_with_the_reason(client, post):
    post.allow_comments = False
    post.save()
    response = send(client, post, body=WORDS)
    assert response.status_code == 403
    assert "closed" in response.content.decode() and shows_the_text(response)
    assert not Comment.objects.exists()


def test_a_comment_refused_by_a_moderation_rule_comes_back_with_the_reason(client, post):
    ModerationRule.objects.create(action="reject", text="casino")
    response = send(client, post, body=f"{WORDS} casino")
    assert response.status_code == 400
    page = response.content.decode()
    assert "not accepted" in page and f"{WORDS} casino</textarea>" in page
    assert not Comment.objects.exists()


def test_a_comment_sent_while_the_database_is_down_comes_back_to_send_again(
    client, post, monkeypatch
):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed")

    monkeypatch.setattr(Comment, "save", refuse)
    response = send(client, post, body=WORDS, author_name="Rita")
    assert response.status_code == 503 and response["Retry-After"]
    page = response.content.decode()
    assert shows_the_text(response) and "Rita</textarea>" in page
    assert f'action="{comment_url(post)}"' in page
    monkeypatch.undo()
    assert send(client, post, body=WORDS).status_code == 302  # the duplicate guard let it go


def test_a_reader_told_the_form_is_stale_keeps_the_text(client, post):
    old = comment_data(post, body=WORDS)
    old["issued"] = comment_data(post, client=client)["issued"].replace("a", "b", 1) + "x"
    response = client.post(comment_url(post), old)
    assert response.status_code == 200 and shows_the_text(response)


def test_authors_and_editors_replying_on_the_site_are_not_flood_limited(client, post, settings):
    settings.COMMENTS_FLOOD_LIMIT = 1
    editor = make_user(username="ed", is_staff=True)
    editor.groups.add(Group.objects.get_or_create(name="Editor")[0])
    client.force_login(editor)
    statuses = [send(client, post, body=f"Reply {n}").status_code for n in range(4)]
    assert statuses == [302] * 4


def test_old_posts_close_with_their_age(client, db, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 3
    post = make_post(published_at=timezone.now() - datetime.timedelta(days=4))
    response = send(client, post, body=WORDS)
    assert response.status_code == 403 and shows_the_text(response)
