import time
from unittest import mock

import pytest
from django.core import signing

from comments.forms import TOKEN_SALT


def form_token(post, *, seconds_ago=30):
    """The hidden token of a comment form shown `seconds_ago` seconds ago."""
    issued_at = time.time() - seconds_ago
    with mock.patch("django.core.signing.time.time", return_value=issued_at):
        return signing.dumps({"post": post.pk, "at": int(issued_at)}, salt=TOKEN_SALT)


def comment_data(post, **overrides):
    return {
        "author_name": "Reader Rita",
        "author_email": "rita@example.com",
        "author_url": "https://rita.example/",
        "body": "A thoughtful *comment*.",
        "issued": form_token(post),
        "homepage": "",
        "post": "1",
        **overrides,
    }


def comment_url(post):
    return post.get_absolute_url() + "comment/"


@pytest.fixture
def send_comment(client):
    def send(post, *, using=None, **overrides):
        return (using or client).post(comment_url(post), comment_data(post, **overrides))

    return send
