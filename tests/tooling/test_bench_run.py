"""The pieces of the hand-run benchmark (bench/run.py) that can go wrong quietly: the commenters
of the comment-stream test must get through the real comment form, the post it needs must hold
the comments asked for, and writing one part's figures must leave the other parts' alone."""

import pytest

from bench import run, stream
from bench.pages import post_with_comments
from blog.models import Post
from comments.models import Comment
from config.client_address import parse_trusted_proxies
from tests.factories import make_comment, make_post


@pytest.fixture
def site_as_benchmarked(settings, monkeypatch):
    """As bench/run.py serves it: comments published at once, behind one trusted proxy; and
    no wait between opening the form and sending it."""
    settings.COMMENTS_MODERATION = "none"
    settings.TRUSTED_PROXIES = parse_trusted_proxies("1")
    settings.COMMENTS_MIN_SECONDS = 0
    monkeypatch.setattr(stream, "MIN_SECONDS", 0)


def test_the_post_asked_for_is_topped_up_to_that_many_comments(db):
    post = make_post()
    make_comment(post=post)

    url = post_with_comments(40)

    assert url == post.get_absolute_url()
    assert Comment.objects.approved().filter(post=post).count() == 40
    assert Post.objects.get(pk=post.pk).comment_count == 40


def test_a_post_that_has_enough_comments_is_left_as_it_is(db):
    post = make_post()
    for _ in range(3):
        make_comment(post=post)

    post_with_comments(3)

    assert Comment.objects.filter(post=post).count() == 3


def test_each_benchmark_commenter_is_stored_through_the_comment_form(
    site_as_benchmarked, live_server, transactional_db
):
    post = make_post()
    commenters = [
        stream.Commenter(live_server.url, post.get_absolute_url(), number, "bench-test")
        for number in range(7)  # more than the flood limit of one address
    ]

    statuses = [commenter.send() for commenter in commenters]

    assert statuses == [302] * 7
    stored = Comment.objects.filter(post=post, body__startswith="bench-test comment")
    assert sorted(stored.values_list("body", flat=True)) == sorted(c.body for c in commenters)
    assert len({comment.ip_address for comment in stored}) == 7


def test_writing_one_part_leaves_the_other_parts_figures(tmp_path, monkeypatch):
    doc = tmp_path / "performance.md"
    doc.write_text("# Performance\n")
    monkeypatch.setattr(run, "DOC", doc)

    run.write("pages", "pages, first run")
    run.write("search", "search, first run")
    run.write("pages", "pages, second run")

    text = doc.read_text()
    assert "pages, second run" in text and "pages, first run" not in text
    assert "search, first run" in text
    assert text.index(run.START) < text.index("pages, second run") < text.index(run.END)
