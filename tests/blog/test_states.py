"""A post's state is chosen in the form (Draft, Pending review, Scheduled, Published,
Unlisted), with clear rules for its time, and the post list shows it."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post

NO_PICTURES = {"images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-enough")
    client.force_login(user)
    return client


def form(status, when, **overrides):
    local = timezone.localtime(when)
    return {
        "title": "Stated",
        "slug": "",
        "path_text": "/diary",
        "tags": "",
        "body": "Text typed by the author.",
        "status": status,
        "published_at_0": f"{local:%Y-%m-%d}",
        "published_at_1": f"{local:%H:%M:%S}",
        "allow_comments": "on",
        "markup": "markdown",
        **NO_PICTURES,
        **overrides,
    }


def make_post_in(status, **fields):
    post = make_post(**fields)
    post.status = status
    post.save()
    return post


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def test_the_form_offers_every_state_and_shows_the_current_one(admin_client):
    scheduled = make_post(published_at=timezone.now() + datetime.timedelta(days=2))
    page = admin_client.get(f"/admin/blog/post/{scheduled.pk}/change/").content.decode()
    for label in ("Draft", "Pending review", "Scheduled", "Published", "Unlisted"):
        assert f">{label}</option>" in page
    assert '<option value="scheduled" selected>Scheduled</option>' in page


def test_choosing_scheduled_and_a_time_to_come_schedules_the_post(admin_client):
    when = timezone.now() + datetime.timedelta(days=2, hours=1)
    response = admin_client.post("/admin/blog/post/add/", form("scheduled", when), follow=True)
    post = Post.objects.get()
    assert post.is_scheduled and post.state == "Scheduled"
    assert any(
        message.startswith(f"Scheduled for {timezone.localtime(when):%a %-d %b}")
        and "(in 2\xa0days" in message
        for message in messages_of(response)
    ), messages_of(response)


def test_scheduled_with_a_past_time_is_refused_and_keeps_what_was_typed(admin_client):
    when = timezone.now() - datetime.timedelta(hours=1)
    response = admin_client.post("/admin/blog/post/add/", form("scheduled", when))
    assert response.status_code == 200 and not Post.objects.exists()
    page = response.content.decode()
    assert "Scheduled needs a time still to come" in page
    assert "Text typed by the author." in page


def test_published_with_a_time_to_come_is_refused_with_a_pointer_to_scheduled(admin_client):
    when = timezone.now() + datetime.timedelta(days=1)
    response = admin_client.post("/admin/blog/post/add/", form("published", when))
    assert not Post.objects.exists()
    assert "choose Scheduled to publish the post then" in response.content.decode()


def test_published_says_so_with_a_link_to_the_post(admin_client):
    response = admin_client.post(
        "/admin/blog/post/add/", form("published", timezone.now()), follow=True
    )
    post = Post.objects.get()
    assert post.is_published
    assert f'Published — <a href="{post.get_absolute_url()}">view it</a>.' in messages_of(response)


def test_unlisted_is_stored_and_reachable_by_its_link_only(admin_client, client):
    response = admin_client.post(
        "/admin/blog/post/add/", form("unlisted", timezone.now(), tags="hush"), follow=True
    )
    post = Post.objects.get()
    assert post.status == Post.Status.UNLISTED and post.state == "Unlisted"
    assert any("Unlisted — <a href=" in message for message in messages_of(response))
    client.logout()
    assert client.get(post.get_absolute_url()).status_code == 200
    assert b"Stated" not in client.get("/").content


def test_a_save_that_keeps_the_state_keeps_the_post_where_it_was(admin_client):
    post = make_post(title="Kept")
    admin_client.post(
        f"/admin/blog/post/{post.pk}/change/", form("published", post.published_at, title="Kept")
    )
    post.refresh_from_db()
    assert post.is_published


@pytest.mark.parametrize(
    ("state", "shown", "hidden"),
    [
        ("pending", "Waiting", "Seen"),
        ("unlisted", "Hidden", "Seen"),
        ("published", "Seen", "Hidden"),
        ("draft", "Scribble", "Seen"),
    ],
)
def test_the_state_filter_finds_each_state(admin_client, state, shown, hidden):
    make_post_in(Post.Status.PENDING, title="Waiting")
    make_post_in(Post.Status.UNLISTED, title="Hidden")
    make_post(title="Scribble", published=False)
    make_post(title="Seen")
    page = admin_client.get("/admin/blog/post/", {"state": state}).content.decode()
    assert f">{shown}</a>" in page and f">{hidden}</a>" not in page


def test_the_post_list_shows_state_path_date_comments_and_author(admin_client):
    make_post(title="Columns", path="/diary/walks", comment_count=3)
    page = admin_client.get("/admin/blog/post/").content.decode()
    for column in ("title", "state", "path", "published_at", "comments", "author"):
        assert f'class="sortable column-{column}' in page or f'column-{column}"' in page, column
    assert "/diary/walks" in page and '<td class="field-comments">3</td>' in page
    assert ">Comments</a>" in page  # the column's heading, in the blog's words


def test_the_post_list_costs_the_same_queries_for_more_posts(admin_client):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get("/admin/blog/post/").status_code == 200
        return len(captured)

    for _ in range(2):
        make_post(tags=["a"])
    few = queries()
    for number in range(8):
        make_post_in([Post.Status.PENDING, Post.Status.UNLISTED][number % 2], path=f"/p{number}")
    assert queries() == few


def test_the_change_form_loads_the_desk_stylesheet(admin_client):
    page = admin_client.get("/admin/blog/post/add/").content.decode()
    assert "css/post-desk" in page


def test_an_unlisted_page_answers_at_its_address_and_is_not_in_the_navigation(client, db):
    from blog.models import Page

    page = Page(title="Hidden page", slug="hidden", author=make_post().author, body="Shh.")
    page.status = Post.Status.UNLISTED
    page.save()
    response = client.get("/hidden/")
    assert response.status_code == 200
    assert '<meta name="robots" content="noindex">' in response.content.decode()
    assert 'href="/hidden/"' not in client.get("/").content.decode()


def test_a_published_post_is_not_marked_noindex(client, db):
    post = make_post()
    assert 'content="noindex"' not in client.get(post.get_absolute_url()).content.decode()
