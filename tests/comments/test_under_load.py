"""Faults and load: Redis gone, and many readers commenting on one post at the same moment."""

import logging
import threading

import pytest
from django.db import connection
from django.test import Client, override_settings

from comments.models import Comment
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_post

pytestmark = pytest.mark.slow  # subprocesses or whole-site sweeps: make test-fast leaves them out

UNREACHABLE_REDIS = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
}


def test_with_redis_down_pages_serve_and_comments_are_still_taken(client, db, caplog, settings):
    settings.COMMENTS_MODERATION = "none"
    post = make_post(title="Still here")
    with override_settings(CACHES=UNREACHABLE_REDIS), caplog.at_level(logging.WARNING):
        for url in ("/", post.get_absolute_url(), "/comments/", "/feed/", "/comments/feed/"):
            assert client.get(url).status_code == 200, url
        response = client.post(comment_url(post), comment_data(post, client=client))
        assert client.get("/healthz").status_code == 503
    assert response.status_code == 302
    assert Comment.objects.filter(post=post).count() == 1
    assert "the comment flood limit is not applied" in caplog.text


def send_at_once(post, count, *, same_address):
    """`count` comment submissions, each from its own thread and connection, released together."""
    barrier, statuses = threading.Barrier(count), []

    def submit(number):
        address = "198.51.100.1" if same_address else f"198.51.100.{number + 1}"
        client = Client(REMOTE_ADDR=address)
        data = comment_data(
            post, author_email=f"reader{number}@example.com", body=f"Comment number {number}."
        )
        try:
            barrier.wait(timeout=20)
            statuses.append(client.post(comment_url(post), data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def test_fifty_comments_at_once_are_each_stored_once_and_counted(transactional_db, settings):
    settings.COMMENTS_MODERATION = "none"
    settings.COMMENTS_FLOOD_LIMIT = 1000
    post = make_post()
    statuses = send_at_once(post, 50, same_address=False)
    assert sorted(set(statuses)) == [302]
    bodies = list(Comment.objects.filter(post=post).values_list("body", flat=True))
    assert sorted(bodies) == sorted(f"Comment number {n}." for n in range(50))
    post.refresh_from_db()
    assert post.comment_count == 50


def test_the_flood_limit_answers_429_cleanly_under_load(transactional_db, settings):
    settings.COMMENTS_MODERATION = "none"
    settings.COMMENTS_FLOOD_LIMIT = 5
    post = make_post()
    statuses = send_at_once(post, 30, same_address=True)
    assert statuses.count(302) == 5 and statuses.count(429) == 25
    post.refresh_from_db()
    assert post.comment_count == Comment.objects.filter(post=post).count() == 5
