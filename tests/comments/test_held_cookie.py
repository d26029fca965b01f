"""The cookie that shows readers their held comments goes once a moderator has decided, so
their pages come from the caches again."""

import pytest
from django.core import signing

from comments.models import Comment
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db


def held_cookie(*ids):
    return signing.get_cookie_signer(salt="held_comments" * 2).sign(",".join(map(str, ids)))


def test_the_cookie_goes_when_its_last_comment_is_decided(client):
    post = make_post()
    held = make_comment(post=post, status="pending", body="Wait for me")
    client.cookies["held_comments"] = held_cookie(held.pk)
    response = client.get(post.get_absolute_url())
    assert "Wait for me" in response.content.decode()
    assert "held_comments" not in response.cookies  # still waiting: kept
    Comment.objects.filter(pk=held.pk).set_status("approved")
    response = client.get("/")
    assert response.cookies["held_comments"]["max-age"] == 0
    assert response.cookies["held_comments"].value == ""


def test_a_decided_comment_leaves_the_cookie_and_the_waiting_one_stays(client):
    post = make_post()
    first = make_comment(post=post, status="pending")
    second = make_comment(post=post, status="pending")
    client.cookies["held_comments"] = held_cookie(first.pk, second.pk)
    Comment.objects.filter(pk=first.pk).set_status("spam")
    response = client.get("/")
    assert response.cookies["held_comments"].value.split(":")[0] == str(second.pk)


def test_a_reader_without_held_comments_pays_no_query(client, django_assert_num_queries):
    make_post()
    client.get("/")
    with django_assert_num_queries(0):
        client.get("/")
