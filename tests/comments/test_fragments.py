"""A post's comment threads and the recent comments page come from the fragment cache
(blog.fragments), and every change a reader could see is on the page at the next request."""

import pytest

from comments.models import Comment
from tests.factories import make_comment, make_post


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Every request rendered from the database, as the fragments are what is tested."""
    settings.BLOG_PAGE_CACHE = False


def test_a_second_request_takes_the_threads_from_the_cache(client, db):
    post = make_post(title="Discussed")
    make_comment(post=post, body="A first thought.")
    first = client.get(post.get_absolute_url())
    second = client.get(post.get_absolute_url())
    rendered = [
        [t.name for t in r.templates].count("comments/_comment.html") for r in (first, second)
    ]
    assert rendered == [1, 0]
    assert "A first thought." in second.text


def test_an_approved_reply_shows_in_its_thread_at_once(client, db):
    post = make_post(title="Discussed")
    root = make_comment(post=post, body="The question.")
    reply = make_comment(post=post, parent=root, body="The answer.", status=Comment.Status.PENDING)
    assert "The answer." not in client.get(post.get_absolute_url()).text
    Comment.objects.filter(pk=reply.pk).set_status(Comment.Status.APPROVED)
    assert "The answer." in client.get(post.get_absolute_url()).text


def test_an_edited_comment_shows_its_new_text_in_the_thread_and_the_recent_list(client, db):
    post = make_post(title="Discussed")
    comment = make_comment(post=post, body="Typo teh.")
    assert "Typo teh." in client.get(post.get_absolute_url()).text
    assert "Typo teh." in client.get("/comments/").text
    comment.body = "Typo the."
    comment.save()
    for url in (post.get_absolute_url(), "/comments/"):
        page = client.get(url).text
        assert "Typo the." in page
        assert "Typo teh." not in page


def test_closing_comments_takes_the_reply_links_away(client, db):
    post = make_post(title="Discussed")
    make_comment(post=post)
    assert "reply-link" in client.get(post.get_absolute_url()).text
    post.allow_comments = False
    post.save()
    assert "reply-link" not in client.get(post.get_absolute_url()).text


def test_the_recent_comments_page_shows_a_retitled_post_by_its_new_title(client, db):
    post = make_post(title="Old name")
    make_comment(post=post)
    assert "Old name" in client.get("/comments/").text
    post.title = "New name"
    post.save()
    page = client.get("/comments/").text
    assert "New name" in page
    assert "Old name" not in page


@pytest.mark.parametrize("feed", ["/comments/feed/", "/comments/feed/atom/", "POST/feed/"])
def test_the_comment_feeds_show_an_edit_a_retitled_post_and_a_new_reply_at_once(client, db, feed):
    post = make_post(title="Discussed")
    comment = make_comment(post=post, body="Typo teh.")
    url = feed.replace("POST/", post.get_absolute_url())
    assert "Typo teh." in client.get(url).text
    comment.body = "Typo fixed, ελληνικά."
    comment.save()
    assert "Typo fixed, ελληνικά." in client.get(url).text
    post.title = "Discussed again"
    post.save()
    assert "Discussed again" in client.get(url).text or feed.startswith("POST")
    reply = make_comment(post=post, parent=comment, body="Quite right.")
    text = client.get(url).text
    assert "Quite right." in text
    assert f"#comment-{comment.pk}" in text  # the reply says what it answers
    assert reply.pk
