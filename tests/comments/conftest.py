import time
from unittest import mock

import pytest
from django.conf import settings
from django.core import signing
from django.test import RequestFactory

from comments.forms import TOKEN_SALT, reader_id


@pytest.fixture(autouse=True)
def tasks_at_once(settings):
    """Queued tasks run at once, in the test (the real worker has tests of its own)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def form_token(post, *, seconds_ago=30, client=None):
    """The hidden token of a comment form shown `seconds_ago` seconds ago to `client` (a test
    client: its CSRF cookie identifies the reader; none for a client without one)."""
    issued_at = time.time() - seconds_ago
    request = RequestFactory().get("/")
    cookie = client.cookies.get(settings.CSRF_COOKIE_NAME) if client is not None else None
    if cookie is not None:
        request.META["CSRF_COOKIE"] = cookie.value
    with mock.patch("django.core.signing.time.time", return_value=issued_at):
        return signing.dumps(
            {"post": post.pk, "at": int(issued_at), "reader": reader_id(request)}, salt=TOKEN_SALT
        )


def comment_data(post, *, client=None, **overrides):
    return {
        "author_name": "Reader Rita",
        "author_email": "rita@example.com",
        "author_url": "https://rita.example/",
        "body": "A thoughtful *comment*.",
        "issued": form_token(post, client=client),
        "homepage": "",
        "post": "1",
        **overrides,
    }


def comment_url(post):
    return post.get_absolute_url() + "comment/"


@pytest.fixture
def send_comment(client):
    def send(post, *, using=None, **overrides):
        sender = using or client
        return sender.post(comment_url(post), comment_data(post, client=sender, **overrides))

    return send
