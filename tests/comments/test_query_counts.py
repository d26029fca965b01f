"""Comment pages run a fixed number of queries, whatever the number of comments."""

import pytest

from blog.templatetags.blog_sidebar import page_navigation, sidebar
from comments.models import Comment
from tests.factories import make_post


def add_comments(post, count, *, threaded):
    """`count` approved comments, flat or in threads three deep, made in bulk."""
    comments = []
    for n in range(count):
        parent = comments[n - 1] if threaded and n % 3 else None
        comment = Comment(
            post=post,
            parent=parent,
            author_name=f"R{n}",
            author_email=f"r{n}@example.com",
            body=f"Comment {n} with *text*.",
            status="approved",
        )
        comment.depth = parent.depth + 1 if parent else 1
        comment.render()
        comment.save()
        comments.append(comment)


@pytest.mark.parametrize("threaded", [False, True])
@pytest.mark.parametrize("count", [0, 200])
def test_permalink_queries_do_not_grow_with_comments(
    client, db, settings, django_assert_num_queries, count, threaded
):
    post = make_post(tags=["a"])
    make_post(tags=["a"])  # so that the related posts are there too
    add_comments(post, count, threaded=threaded)
    sidebar()  # rendered once per change of content, shared by every page
    page_navigation()  # so is the list of pages in the header
    # post, tags, pictures, related posts, their tags, previous, next, the webmentions, the number
    # of threads, the first page of threads (50 a page: threads of three comments when threaded)
    with django_assert_num_queries(10):
        response = client.get(post.get_absolute_url())
    shown = min(count, 150 if threaded else 50)
    assert response.content.decode().count('class="comment h-entry') == shown
    # Again, rendered (not from the page cache): the post, and nothing else; the page of
    # threads comes whole from the cache (comments/threads.py), like the permalink's other
    # parts (blog.views.permalink_parts).
    settings.BLOG_PAGE_CACHE = False
    with django_assert_num_queries(1):
        again = client.get(post.get_absolute_url())
    assert again.content.decode().count('class="comment h-entry') == shown


BUDGETS = {
    # count, which comments are on the page, those not kept (comments.views.add_recent_html)
    # with their posts and places in the threads
    "/comments/": 3,
    "/comments/?path=/diary": 5,  # + the path, + whether anything under it is published
    # which comments are in the feed, those not kept (comments.feeds.CommentFeed.items)
    "/comments/feed/": 2,
    "/comments/feed/atom/": 2,
    "/diary/comments/feed/": 4,  # + the path, + whether anything under it is published
    "POST/feed/": 3,  # + the post
    "POST/feed/atom/": 3,
}


@pytest.mark.parametrize("count", [1, 200])
@pytest.mark.parametrize(("url", "budget"), BUDGETS.items())
def test_comment_listing_and_feed_queries_do_not_grow(
    client, db, django_assert_num_queries, count, url, budget
):
    post = make_post(path="/diary")
    add_comments(post, count, threaded=True)
    url = url.replace("POST/", post.get_absolute_url())
    sidebar()  # rendered once per change of content, shared by every page
    page_navigation()  # so is the list of pages in the header
    with django_assert_num_queries(budget):
        response = client.get(url)
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 200])
@pytest.mark.parametrize(
    ("url", "budget"),
    [("/comments/", 1), ("/comments/feed/", 0), ("/comments/feed/atom/", 0), ("POST/feed/", 2)],
)
def test_comments_already_kept_read_only_which_are_shown(
    client, db, django_assert_num_queries, count, settings, url, budget
):
    settings.BLOG_PAGE_CACHE = False  # rendered each time: what is measured is the rendering
    post = make_post(path="/diary")
    add_comments(post, count, threaded=True)
    url = url.replace("POST/", post.get_absolute_url())
    first = client.get(url)
    # (and the post; which comments a feed of every comment shows is kept): the count and
    # every item are kept.
    with django_assert_num_queries(budget):
        second = client.get(url)
    assert second.content == first.content
