"""Tags, paths and authors known only from drafts (or scheduled, pending or unlisted posts) have
no public page or feed: their names, and a staff member's username, would otherwise be readable
by anyone. An unlisted post answers at its own address only."""

import datetime

import pytest
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def secrets():
    author = make_user(username="quiet-staff", is_staff=True)
    make_post(
        author=author, title="Secret", path="/unreleased/plans", tags=["embargo"], published=False
    )
    make_post(
        author=make_user(username="scheduled-staff"),
        title="Later",
        path="/soon",
        tags=["tomorrow"],
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    for status, name in (("pending", "waiting"), ("unlisted", "hush")):
        post = make_post(
            author=make_user(username=f"{name}-staff"),
            title=f"Only by link {name}",
            path=f"/{name}-place",
            tags=[name, "open"],
            body=f"Quiet words {name}.",
        )
        post.status = status
        post.save()
    make_post(title="Public", path="/diary", tags=["open"])


@pytest.mark.parametrize(
    "url",
    [
        "/tags/embargo/",
        "/tags/embargo/feed/",
        "/tags/embargo/feed/atom/",
        "/tags/open+embargo/",
        "/tags/tomorrow/",
        "/tags/tomorrow/feed/",
        "/unreleased/",
        "/unreleased/plans/",
        "/unreleased/plans/feed/",
        "/unreleased/plans/feed/atom/",
        "/unreleased/plans/comments/feed/",
        "/unreleased/comments/feed/atom/",
        "/soon/",
        "/soon/feed/",
        "/authors/quiet-staff/",
        "/authors/quiet-staff/feed/",
        "/authors/quiet-staff/feed/atom/",
        "/authors/scheduled-staff/feed/",
        "/tags/waiting/",
        "/tags/hush/",
        "/tags/hush/feed/",
        "/tags/open+hush/",
        "/waiting-place/",
        "/hush-place/",
        "/hush-place/feed/",
        "/hush-place/comments/feed/",
        "/authors/waiting-staff/",
        "/authors/hush-staff/",
        "/authors/hush-staff/feed/atom/",
    ],
)
def test_names_known_only_from_unpublished_posts_are_404(client, secrets, url):
    assert client.get(url).status_code == 404


def test_the_public_ones_still_answer(client, secrets):
    for url in ("/tags/open/", "/tags/open/feed/", "/diary/", "/diary/feed/", "/tags/"):
        assert client.get(url).status_code == 200, url
    page = client.get("/tags/").content.decode() + client.get("/").content.decode()
    for secret in ("embargo", "tomorrow", "unreleased", "quiet-staff", "/soon", "hush", "waiting"):
        assert secret not in page


def test_an_unlisted_post_answers_at_its_link_and_nowhere_else(client, secrets):
    unlisted = Post.objects.get(status="unlisted")
    assert client.get(unlisted.get_absolute_url()).status_code == 200
    pending = Post.objects.get(status="pending")
    assert client.get(pending.get_absolute_url()).status_code == 404
    day = unlisted.pub_date
    public = Post.objects.get(title="Public")  # shares the tag "open": related posts
    everywhere = [
        "/",
        "/feed/",
        "/feed/atom/",
        "/tags/",
        "/tags/open/",
        "/tags/open/feed/",
        "/sitemap.xml",
        "/search/?q=quiet",
        f"/{day.year}/",
        f"/{day.year}/{day.month:02}/",
        f"/{day.year}/{day.month:02}/{day.day:02}/",
        public.get_absolute_url(),
        "/authors/",
    ]
    for url in everywhere:
        response = client.get(url)
        assert response.status_code in (200, 404), url
        text = response.content.decode()
        assert "Only by link" not in text and "hush" not in text, url


def test_recent_comments_under_a_path_of_drafts_is_404(client, secrets):
    assert client.get("/comments/?path=/unreleased").status_code == 404
    assert client.get("/comments/?path=/unreleased/plans").status_code == 404
    assert client.get("/comments/?path=/diary").status_code == 200


@pytest.mark.parametrize("state", ["draft", "pending", "scheduled"])
def test_a_published_page_below_an_unpublished_one_does_not_show_its_title(client, state):
    parent = make_post(kind="page", slug="about", title="About us")
    child = make_post(kind="page", slug="team", title="Our team", parent=parent)
    assert "About us" in client.get(child.get_absolute_url()).text
    parent.title = "Secret unreleased title"
    if state == "scheduled":
        parent.published_at = timezone.now() + datetime.timedelta(days=1)
    else:
        parent.status = state
    parent.save()
    shown = client.get(child.get_absolute_url())
    assert shown.status_code == 200 and "Our team" in shown.text
    assert "Secret unreleased title" not in shown.text
