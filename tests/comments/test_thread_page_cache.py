"""A post's page of comment threads comes whole from the cache while its comments do not
change (comments/threads.py, under the post's comments_version), and every change a reader
could see is on the page at the next request, with the page cache off."""

import datetime
import re
from unittest import mock

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from comments.mentions import Mention
from comments.models import Comment, refresh_comment_counts
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Every request rendered by the view: the threads' cache is what is tested."""
    settings.BLOG_PAGE_CACHE = False


def page_of(client, post, number=1):
    url = post.get_absolute_url()
    return client.get(url if number == 1 else f"{url}comment-page-{number}/").content.decode()


def warm(client, post, number=1):
    """The page as a second reader gets it: the threads from the cache."""
    page_of(client, post, number)
    return page_of(client, post, number)


def comment_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [query["sql"] for query in queries if "comments_comment" in query["sql"]]


def test_a_warm_permalink_and_comment_page_read_no_comment(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    post = make_post()
    for _ in range(3):
        make_reply_under(make_comment(post=post))
    for url in (post.get_absolute_url(), f"{post.get_absolute_url()}comment-page-2/"):
        assert len(comment_queries(client, url)) == 2  # the number of threads, a page of them
        assert comment_queries(client, url) == []


def make_reply_under(comment):
    return make_comment(post=comment.post, parent=comment)


def test_a_new_approved_comment_shows_at_the_next_request(client):
    post = make_post()
    make_comment(post=post, body="First.")
    assert "First." in warm(client, post)
    make_comment(post=post, body="Second.")
    assert "Second." in page_of(client, post)


def test_a_held_comment_approved_shows_and_a_comment_held_again_disappears(client):
    post = make_post()
    make_comment(post=post, body="Kept.")
    comment = make_comment(post=post, body="Moderated.", status="pending")
    assert "Moderated." not in warm(client, post)
    comment.status = Comment.Status.APPROVED
    comment.save()
    assert "Moderated." in warm(client, post)
    comment.status = Comment.Status.PENDING
    comment.save()
    assert "Moderated." not in page_of(client, post)


def test_an_edited_comment_shows_its_new_text(client):
    post = make_post()
    comment = make_comment(post=post, body="Typo teh.")
    assert "Typo teh." in warm(client, post)
    comment.body = "Typo the."
    comment.save()
    page = page_of(client, post)
    assert "Typo the." in page and "Typo teh." not in page


def test_a_deleted_comment_and_its_replies_disappear(client):
    post = make_post()
    root = make_comment(post=post, body="Regretted.")
    make_comment(post=post, parent=root, body="A reply to it.")
    assert "A reply to it." in warm(client, post)
    root.delete()
    page = page_of(client, post)
    assert "Regretted." not in page and "A reply to it." not in page


def editor():
    return make_user(is_staff=True, is_superuser=True)


def test_comments_deleted_in_bulk_in_the_admin_disappear_and_are_no_longer_counted(client):
    post = make_post()
    make_comment(post=post, body="Kept.")
    gone = make_comment(post=post, body="Deleted in bulk.")
    assert "Deleted in bulk." in warm(client, post)
    admin = Client()
    admin.force_login(editor())
    response = admin.post(
        "/admin/comments/comment/",
        {"action": "delete_selected", "_selected_action": [gone.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Comment.objects.filter(pk=gone.pk).exists()
    page = page_of(client, post)
    assert "Deleted in bulk." not in page and "1 comment<" in page
    assert Post.objects.get(pk=post.pk).comment_count == 1


@pytest.mark.parametrize("action", ["mark_removed", "mark_spam"])
def test_comments_marked_in_bulk_in_the_admin_disappear(client, action):
    post = make_post()
    make_comment(post=post, body="Kept.")
    marked = make_comment(post=post, body="Marked in bulk.")
    assert "Marked in bulk." in warm(client, post)
    admin = Client()
    admin.force_login(editor())
    admin.post("/admin/comments/comment/", {"action": action, "_selected_action": [marked.pk]})
    page = page_of(client, post)
    assert "Marked in bulk." not in page and "Kept." in page


def test_comments_approved_in_bulk_in_the_admin_appear(client):
    post = make_post()
    held = make_comment(post=post, body="Approved in bulk.", status="pending")
    assert "Approved in bulk." not in warm(client, post)
    admin = Client()
    admin.force_login(editor())
    admin.post(
        "/admin/comments/comment/", {"action": "mark_approved", "_selected_action": [held.pk]}
    )
    assert "Approved in bulk." in page_of(client, post)


def test_a_comment_marked_as_spam_disappears(client):
    post = make_post()
    spam = make_comment(post=post, body="Buy now.")
    assert "Buy now." in warm(client, post)
    Comment.objects.filter(pk=spam.pk).set_status(Comment.Status.SPAM)
    assert "Buy now." not in page_of(client, post)


def test_a_commenter_erased_by_a_privacy_request_is_renamed_on_the_page(client):
    post = make_post()
    make_comment(post=post, author_name="Rita Secret", author_email="rita@example.com")
    assert "Rita Secret" in warm(client, post)
    mail.outbox.clear()
    client.post("/comments/privacy/", {"email": "rita@example.com", "action": "erase"})
    [message] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/comments/privacy/\S+)", message.body)[1]
    assert Client().post(link).status_code == 200
    page = page_of(client, post)
    assert "Rita Secret" not in page and "(name erased)" in page


def test_an_approved_webmention_shows_beside_the_cached_threads(client):
    post = make_post()
    make_comment(post=post, body="A comment.")
    mention = Mention.objects.create(
        post=post,
        source="https://bruno.example/reply",
        target="http://testserver" + post.get_absolute_url(),
        state=Mention.State.VERIFIED,
        kind=Mention.Kind.REPLY,
        author_name="Bruno",
        content_html="<p>Great post!</p>",
    )
    assert "Great post!" not in warm(client, post)
    mention.status = Comment.Status.APPROVED
    mention.save()  # as the admin's change form does
    page = page_of(client, post)
    assert "Great post!" in page and "A comment." in page


def test_closing_a_post_to_comments_takes_the_reply_links_away(client):
    post = make_post()
    make_comment(post=post)
    assert "reply-link" in warm(client, post)
    stale = Post.objects.get(pk=post.pk)
    stale.allow_comments = False
    stale.save()
    assert "reply-link" not in page_of(client, post)


def test_comments_closing_with_age_take_the_reply_links_away(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    post = make_post(published_at=timezone.now() - datetime.timedelta(days=29))
    make_comment(post=post)
    assert "reply-link" in warm(client, post)
    two_days_later = timezone.now() + datetime.timedelta(days=2)
    with mock.patch("django.utils.timezone.now", return_value=two_days_later):
        page = page_of(client, post)
    assert "reply-link" not in page and "Comments are closed." in page


def test_a_post_saved_from_a_copy_older_than_a_comment_keeps_the_comment(client):
    post = make_post()
    older_copy = Post.objects.get(pk=post.pk)
    assert "Came after the copy was read." not in warm(client, post)
    make_comment(post=post, body="Came after the copy was read.")
    assert "Came after the copy was read." in warm(client, post)
    older_copy.title = "Retitled"
    older_copy.save()  # must not write back the comments version it read
    page = page_of(client, post)
    assert "Retitled" in page and "Came after the copy was read." in page


def test_a_new_thread_pushes_the_oldest_onto_page_two(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    settings.COMMENTS_ORDER = "newest"
    post = make_post()
    now = timezone.now()
    for n in (1, 2):
        make_comment(
            post=post, body=f"Thread {n}.", created_at=now - datetime.timedelta(hours=3 - n)
        )
    assert "Thread 1." in warm(client, post)
    assert client.get(f"{post.get_absolute_url()}comment-page-2/").status_code == 404
    make_comment(post=post, body="Thread 3.")
    first, second = page_of(client, post), page_of(client, post, 2)
    assert "Thread 3." in first and "Thread 1." not in first
    assert "Thread 1." in second and "Page 2 of 2" in second
    assert "Page 1 of 2" in first


def test_a_page_of_comments_that_is_not_there_is_404_cached_or_not(client, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 1
    post = make_post()
    make_comment(post=post)
    last = make_comment(post=post)
    url = post.get_absolute_url()
    for _made_then_cached in range(2):
        assert client.get(f"{url}comment-page-2/").status_code == 200
        assert client.get(f"{url}comment-page-3/").status_code == 404
    last.delete()
    assert client.get(f"{url}comment-page-2/").status_code == 404


def test_changing_the_order_of_the_threads_shows_them_in_the_new_order(client, settings):
    post = make_post()
    now = timezone.now()
    make_comment(post=post, body="Older.", created_at=now - datetime.timedelta(hours=2))
    make_comment(post=post, body="Newer.", created_at=now - datetime.timedelta(hours=1))
    page = warm(client, post)
    assert page.index("Older.") < page.index("Newer.")
    settings.COMMENTS_ORDER = "newest"
    page = page_of(client, post)
    assert page.index("Newer.") < page.index("Older.")


def test_a_new_time_zone_shows_the_comments_times_in_it(client, settings):
    settings.TIME_ZONE = "UTC"
    post = make_post()
    noon = datetime.datetime(2026, 1, 5, 12, 0, tzinfo=datetime.UTC)
    make_comment(post=post, created_at=noon)
    assert "5 Jan 2026, 12:00" in warm(client, post)
    settings.TIME_ZONE = "Asia/Tokyo"
    assert "5 Jan 2026, 21:00" in page_of(client, post)


def test_comments_stored_in_bulk_then_counted_show_at_the_next_request(client):
    """As the importers and generate_content store them: bulk_create, then the counts."""
    post = make_post()
    make_comment(post=post, body="Before the import.")
    assert "Before the import." in warm(client, post)
    imported = Comment(post=post, author_name="Old", author_email="o@example.com", body="Imported.")
    imported.render()
    imported.status = Comment.Status.APPROVED
    Comment.objects.bulk_create([imported])
    refresh_comment_counts([post.pk])
    assert "Imported." in page_of(client, post)


def test_a_readers_own_held_comment_is_shown_to_them_and_never_to_others(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post()
    make_comment(post=post, body="Public.")
    assert "Public." in warm(Client(), post)
    client.get(post.get_absolute_url())  # the form's CSRF cookie
    client.post(comment_url(post), comment_data(post, client=client, body="Mine, held."))
    mine = page_of(client, post)
    assert "Mine, held." in mine and "Public." in mine and "awaits moderation" in mine
    other = warm(Client(), post)
    assert "Mine, held." not in other and "Public." in other


def test_a_reply_link_names_the_comment_it_answers_with_the_threads_cached(client):
    post = make_post()
    answered = make_comment(post=post, author_name="Ann Swered", body="Question?")
    held = make_comment(post=post, author_name="Held Back", status="pending")
    other = make_comment(post=make_post(), author_name="Else Where")
    url = post.get_absolute_url()
    warm(client, post)
    page = client.get(f"{url}?reply_to={answered.pk}").content.decode()
    assert "Reply to Ann Swered" in page and f'value="{answered.pk}"' in page
    for stranger in (held.pk, other.pk, "²", "9" * 30, "x"):
        response = client.get(f"{url}?reply_to={stranger}")
        assert response.status_code == 200 and "Leave a comment" in response.content.decode()


def test_a_post_of_another_database_with_the_same_id_and_version_shows_its_own_threads(client):
    # The database emptied and filled again while the cache was kept (a demo site made anew,
    # a test database): post 1 with comments_version 1 is another post with other comments.
    post = make_comment(body="A comment of the old database.").post
    assert "A comment of the old database." in page_of(client, post)
    # As the other database has it: no comment shown (changed behind the version's back).
    Comment.objects.filter(post=post).update(status=Comment.Status.SPAM)
    Post.objects.filter(pk=post.pk).update_quietly(
        created_at=timezone.now() + datetime.timedelta(seconds=1), comment_count=0
    )
    assert "A comment of the old database." not in page_of(client, post)
