"""Deep pages: a page past the middle is read from the far end, and every page holds exactly
what plain OFFSET paging would have put there."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from blog.models import Post
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.django_db
SAME_MOMENT = datetime.datetime(2014, 5, 10, 12, tzinfo=datetime.UTC)


def test_every_page_holds_what_offset_paging_would_even_with_equal_times(client, settings):
    settings.BLOG_POSTS_PER_PAGE = 4
    for number in range(23):
        # Many posts share a moment: only the id tells them apart.
        at = SAME_MOMENT + datetime.timedelta(minutes=number // 3)
        make_post(title=f"P{number}", published_at=at, path="/deep")
    expected = list(Post.objects.published().values_list("title", flat=True))
    seen = []
    for number in range(1, 7):
        response = client.get("/deep/", {"page": number})
        assert response.status_code == 200
        seen += [post.title for post in response.context["posts"]]
    assert seen == expected


def test_the_last_page_skips_only_a_few_rows(client, settings):
    settings.BLOG_POSTS_PER_PAGE = 2
    for number in range(30):
        make_post(title=f"P{number}", published_at=SAME_MOMENT + datetime.timedelta(hours=number))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"page": 15})
    assert [post.title for post in response.context["posts"]] == ["P1", "P0"]
    offsets = [int(n) for q in queries for n in re.findall(r"OFFSET (\d+)", q["sql"])]
    assert max(offsets, default=0) <= 2


def test_the_last_page_of_recent_comments_is_read_from_the_far_end(client, settings):
    settings.COMMENTS_PER_PAGE = 3
    post = make_post()
    for number in range(10):
        make_comment(post=post, body=f"Comment {number}")
    pages = [client.get("/comments/", {"page": n}).context["comments"] for n in (1, 2, 3, 4)]
    bodies = [comment.body for page in pages for comment in page]
    assert bodies == [f"Comment {n}" for n in range(9, -1, -1)]
