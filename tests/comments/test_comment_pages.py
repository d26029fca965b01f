"""A post's comments on pages of threads under its permalink (WordPress's comment-page-N),
each comment's link naming its page, and the cost of a page flat in the number of comments."""

import datetime
import re

import feedparser
import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from blog.templatetags.blog_sidebar import page_navigation, sidebar
from comments.models import Comment, refresh_comment_counts
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db

START = timezone.now() - datetime.timedelta(days=30)


@pytest.fixture(autouse=True)
def two_threads_a_page(settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    settings.COMMENTS_ORDER = "oldest"
    settings.COMMENTS_MODERATION = "none"


def add_threads(post, count, *, replies=0, status="approved"):
    """`count` top-level comments a minute apart, oldest first, each with `replies` replies
    in a chain (each answering the one before), made in bulk; the top-level ones returned."""
    roots = Comment.objects.bulk_create(
        Comment(
            post=post,
            author_name=f"Reader {n}",
            author_email=f"r{n}@example.com",
            body=f"Thread {n}",
            body_html=f"<p>Thread {n}</p>",
            status=status,
            created_at=START + datetime.timedelta(minutes=n),
        )
        for n in range(count)
    )
    parents = roots
    for depth in range(2, replies + 2):
        parents = Comment.objects.bulk_create(
            Comment(
                post=post,
                parent=parent,
                root=root,
                depth=depth,
                author_name=f"Replier {depth}",
                author_email="replier@example.com",
                body=f"Reply at {depth} to {root.body}",
                body_html=f"<p>Reply at {depth} to {root.body}</p>",
                status="approved",
                created_at=parent.created_at + datetime.timedelta(seconds=depth),
            )
            for parent, root in zip(parents, roots, strict=True)
        )
    refresh_comment_counts([post.pk])
    return roots


def shown_ids(response):
    return [int(n) for n in re.findall(r'id="comment-(\d+)"', response.content.decode())]


def page_url(post, number):
    return f"{post.get_absolute_url()}comment-page-{number}/"


def test_permalink_shows_the_first_threads_and_an_accessible_navigation(client):
    post = make_post()
    roots = add_threads(post, 5, replies=1)
    response = client.get(post.get_absolute_url())
    assert shown_ids(response) == [roots[0].pk, roots[0].pk + 5, roots[1].pk, roots[1].pk + 5]
    html = response.content.decode()
    assert '<nav class="pagination comment-pages" aria-label="Pages of comments">' in html
    assert f'<a rel="next" href="{page_url(post, 2)}#comments">' in html
    assert 'rel="prev" href="' + post.get_absolute_url() not in html
    assert f'<a href="{post.get_absolute_url()}#comments" aria-current="page">1</a>' in html
    assert "Page 1 of 3 of the comments." in html
    assert "10 comments" in html  # the count is the post's, not the page's


def test_comment_page_two_shows_the_next_threads_with_their_replies_however_deep(client):
    post = make_post()
    roots = add_threads(post, 5, replies=3)
    response = client.get(page_url(post, 2))
    assert response.status_code == 200
    ids = shown_ids(response)
    assert ids[0] == roots[2].pk and roots[3].pk in ids and len(ids) == 8
    assert roots[0].pk not in ids and roots[4].pk not in ids
    html = response.content.decode()
    assert f'<a rel="prev" href="{post.get_absolute_url()}#comments">' in html
    assert f'<a rel="next" href="{page_url(post, 3)}#comments">' in html
    assert f'<a href="{page_url(post, 2)}#comments" aria-current="page">2</a>' in html
    assert 'id="comment-form"' in html  # the form is on every page
    assert f"<title>{post.display_title} (comments, page 2) —" in html


def test_a_reply_link_on_page_two_answers_that_comment(client):
    post = make_post()
    roots = add_threads(post, 3)
    response = client.get(page_url(post, 2) + f"?reply_to={roots[2].pk}")
    assert f'name="parent" value="{roots[2].pk}"' in response.content.decode()


def test_comment_page_one_redirects_to_the_permalink(client):
    post = make_post()
    add_threads(post, 3)
    response = client.get(page_url(post, 1))
    assert response.status_code == 301
    assert response["Location"] == post.get_absolute_url()


@pytest.mark.parametrize("number", ["3", "4", "0", "02", "+2", "x", "²", "99999999999999999999"])
def test_a_page_of_comments_that_is_not_there_is_404(client, number):
    post = make_post()
    add_threads(post, 4)  # two pages
    assert client.get(page_url(post, number)).status_code == 404


def test_comment_pages_of_a_post_that_is_not_published_are_404(client):
    draft = make_post(published=False)
    add_threads(draft, 4)
    assert client.get(page_url(draft, 2)).status_code == 404
    assert client.get("/2001/02/30/nothing/comment-page-2/").status_code == 404


def test_a_post_without_comments_has_no_page_navigation(client):
    post = make_post()
    html = client.get(post.get_absolute_url()).content.decode()
    assert "comment-pages" not in html


def test_newest_first_puts_the_newest_threads_on_the_first_page(client, settings):
    settings.COMMENTS_ORDER = "newest"
    post = make_post()
    roots = add_threads(post, 5, replies=1)
    first = shown_ids(client.get(post.get_absolute_url()))
    assert first == [roots[4].pk, roots[4].pk + 5, roots[3].pk, roots[3].pk + 5]
    assert shown_ids(client.get(page_url(post, 3))) == [roots[0].pk, roots[0].pk + 5]
    assert roots[0].get_absolute_url() == f"{page_url(post, 3)}#comment-{roots[0].pk}"
    html = client.get(post.get_absolute_url()).content.decode()
    assert "Older comments →" in html


def test_zero_threads_a_page_shows_every_comment_on_the_permalink(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 0
    post = make_post()
    roots = add_threads(post, 7, replies=1)
    response = client.get(post.get_absolute_url())
    assert len(shown_ids(response)) == 14
    assert "comment-pages" not in response.content.decode()
    assert client.get(page_url(post, 2)).status_code == 404
    assert roots[6].get_absolute_url() == f"{post.get_absolute_url()}#comment-{roots[6].pk}"


def test_a_comments_link_names_the_page_it_is_on(django_assert_num_queries):
    post = make_post()
    roots = add_threads(post, 5, replies=2)
    reply = Comment.objects.filter(root=roots[3], depth=3).get()
    assert roots[0].get_absolute_url() == f"{post.get_absolute_url()}#comment-{roots[0].pk}"
    assert roots[2].get_absolute_url() == f"{page_url(post, 2)}#comment-{roots[2].pk}"
    assert reply.get_absolute_url() == f"{page_url(post, 2)}#comment-{reply.pk}"
    # Held and removed threads do not count for the public address of a later one.
    Comment.objects.filter(pk=roots[0].pk).set_status(Comment.Status.REMOVED)
    third = Comment.objects.select_related("post").get(pk=roots[2].pk)
    with django_assert_num_queries(1):  # the threads before it, counted in the index
        assert third.get_absolute_url() == f"{post.get_absolute_url()}#comment-{third.pk}"


def test_every_listing_of_comments_links_each_to_its_page(client):
    post = make_post(path="/diary")
    roots = add_threads(post, 5, replies=1)
    reply_on_page_3 = Comment.objects.get(root=roots[4])
    link = f"{page_url(post, 3)}#comment-{reply_on_page_3.pk}"
    assert f'href="{link}"' in client.get("/comments/").content.decode()
    for url in ("/comments/feed/", "/comments/feed/atom/", post.get_absolute_url() + "feed/"):
        feed = feedparser.parse(client.get(url).content)
        links = {entry.link for entry in feed.entries}
        assert f"http://testserver{link}" in links, url
        assert f"http://testserver{page_url(post, 2)}#comment-{roots[2].pk}" in links, url
    atom = client.get("/comments/feed/atom/").content.decode()
    assert f'href="http://testserver{page_url(post, 3)}#comment-{roots[4].pk}"' in atom


def test_the_admins_view_on_site_opens_the_comments_page(admin_client):
    post = make_post()
    roots = add_threads(post, 3)
    content_type = ContentType.objects.get_for_model(Comment)
    response = admin_client.get(f"/admin/r/{content_type.pk}/{roots[2].pk}/")
    assert response.status_code == 302
    assert response["Location"].endswith(f"{page_url(post, 2)}#comment-{roots[2].pk}")


def test_the_authors_mail_links_to_the_comments_page(mailoutbox):
    post = make_post(author=make_user(email="author@example.com"))
    roots = add_threads(post, 3)
    roots[2].notify_post_author("https://blog.example")
    assert f"https://blog.example{page_url(post, 2)}#comment-{roots[2].pk}" in mailoutbox[0].body


def test_a_new_comment_redirects_to_the_page_it_is_on(client):
    post = make_post()
    add_threads(post, 4)
    response = client.post(comment_url(post), comment_data(post))
    comment = Comment.objects.latest("id")
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(post, 3)}#comment-{comment.pk}"
    assert comment.pk in shown_ids(client.get(response["Location"]))


def test_a_held_comment_redirects_its_writer_to_the_page_where_they_see_it(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post()
    add_threads(post, 2)
    client.post(comment_url(post), comment_data(post, body="First held"))
    response = client.post(comment_url(post), comment_data(post, body="Second held"))
    second = Comment.objects.get(body="Second held")
    # Approved: page 1 holds two threads; for this reader, the first held one fills page 2.
    assert response["Location"] == f"{page_url(post, 2)}#comment-{second.pk}"
    assert second.pk in shown_ids(client.get(response["Location"]))


def test_a_reply_redirects_to_its_threads_page(client):
    post = make_post()
    roots = add_threads(post, 4)
    data = comment_data(post, parent=str(roots[0].pk))
    response = client.post(comment_url(post), data)
    reply = Comment.objects.latest("id")
    assert reply.root_id == roots[0].pk
    assert response["Location"] == f"{post.get_absolute_url()}#comment-{reply.pk}"


@pytest.mark.parametrize("page", [1, 2])
@pytest.mark.parametrize("count", [30, 3000])
def test_a_page_of_comments_runs_the_same_queries_and_shows_only_its_own_comments(
    client, settings, django_assert_num_queries, count, page
):
    settings.COMMENTS_THREADS_PER_PAGE = 5
    post = make_post(tags=["a"])
    make_post(tags=["a"])
    add_threads(post, count // 3, replies=2)  # threads of three comments
    sidebar()  # rendered once per change of content, shared by every page
    page_navigation()  # so is the list of pages in the header
    url = post.get_absolute_url() if page == 1 else page_url(post, 2)
    # The permalink's ten (see test_query_counts); a further page finds the post and counts
    # and fetches its threads first, then renders the permalink with them.
    with django_assert_num_queries(10 if page == 1 else 11):
        response = client.get(url)
    assert response.status_code == 200
    assert len(shown_ids(response)) == 15
    # Again, rendered (not from the page cache): the post (twice for a further page: its
    # view, then the permalink's), and nothing else; the page of threads from the cache
    # (comments/threads.py).
    settings.BLOG_PAGE_CACHE = False
    with django_assert_num_queries(1 if page == 1 else 2):
        again = client.get(url)
    assert shown_ids(again) == shown_ids(response)


def test_a_page_of_a_huge_thread_is_small(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 50
    post = make_post()
    add_threads(post, 3000)
    small = len(client.get(post.get_absolute_url()).content)
    settings.COMMENTS_THREADS_PER_PAGE = 0
    everything = len(client.get(post.get_absolute_url() + "?page=x").content)
    assert small * 10 < everything


def test_the_comments_of_a_page_are_not_paginated(client):
    page = make_post(kind="page", page_path="about", title="About")
    roots = add_threads(page, 5)
    response = client.get("/about/")
    assert len(shown_ids(response)) == 5
    assert roots[4].get_absolute_url() == f"/about/#comment-{roots[4].pk}"


def test_a_reply_under_a_removed_comment_stays_in_its_thread(client):
    post = make_post()
    roots = add_threads(post, 3, replies=2)
    middle = Comment.objects.get(root=roots[2], depth=2)
    deepest = Comment.objects.get(root=roots[2], depth=3)
    Comment.objects.filter(pk=middle.pk).set_status(Comment.Status.REMOVED)
    ids = shown_ids(client.get(page_url(post, 2)))
    assert ids == [roots[2].pk, deepest.pk]


def test_existing_replies_learn_their_root_when_migrating():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("comments.migrations.0007_comment_root_and_top_level_index")
    top = make_comment()
    reply = make_comment(parent=top)
    deeper = make_comment(parent=reply)
    Comment.objects.update(root=None)
    migration.fill_roots(apps, None)
    assert Comment.objects.get(pk=reply.pk).root_id == top.pk
    assert Comment.objects.get(pk=deeper.pk).root_id == top.pk
    assert Comment.objects.get(pk=top.pk).root_id is None


def fetch(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response


def test_comment_page_two_shows_a_new_comment_at_the_next_request(client):
    post = make_post()
    add_threads(post, 3)
    fetch(client, page_url(post, 2))
    cached = fetch(client, page_url(post, 2))
    assert cached["X-Page-Cache"] == "hit"
    make_comment(post=post, body="Just in")  # the fourth thread: on page 2
    response = fetch(client, page_url(post, 2), HTTP_IF_NONE_MATCH=cached["ETag"])
    assert response["X-Page-Cache"] == "miss"
    assert response["ETag"] != cached["ETag"]
    html = response.content.decode()
    assert "Just in" in html and "4 comments" in html
    assert fetch(client, page_url(post, 2))["X-Page-Cache"] == "hit"
    assert "4 comments" in fetch(client, post.get_absolute_url()).content.decode()


def test_a_new_thread_makes_a_new_page_at_the_next_request(client):
    post = make_post()
    add_threads(post, 4)
    fetch(client, post.get_absolute_url())
    assert client.get(page_url(post, 3)).status_code == 404
    make_comment(post=post, body="Fifth")
    assert (
        f'href="{page_url(post, 3)}#comments"'
        in fetch(client, post.get_absolute_url()).content.decode()
    )
    assert "Fifth" in fetch(client, page_url(post, 3)).content.decode()


def test_approving_and_removing_a_comment_retire_its_page(client):
    post = make_post()
    roots = add_threads(post, 4)
    held = make_comment(post=post, status="pending", body="Waiting", parent=roots[2])
    warm = fetch(client, page_url(post, 2))
    fetch(client, page_url(post, 2))
    assert "Waiting" not in warm.content.decode() and "4 comments" in warm.content.decode()
    Comment.objects.filter(pk=held.pk).set_status(Comment.Status.APPROVED)
    approved = fetch(client, page_url(post, 2))
    assert approved["X-Page-Cache"] == "miss"
    assert "Waiting" in approved.content.decode() and "5 comments" in approved.content.decode()
    Comment.objects.filter(pk=roots[3].pk).set_status(Comment.Status.REMOVED)
    removed = fetch(client, page_url(post, 2)).content.decode()
    assert "Thread 3" not in removed and "4 comments" in removed
