"""Tags, paths and authors known only from drafts (or scheduled posts) have no public page or
feed: their names, and a staff member's username, would otherwise be readable by anyone."""

import datetime

import pytest
from django.utils import timezone

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
    ],
)
def test_names_known_only_from_unpublished_posts_are_404(client, secrets, url):
    assert client.get(url).status_code == 404


def test_the_public_ones_still_answer(client, secrets):
    for url in ("/tags/open/", "/tags/open/feed/", "/diary/", "/diary/feed/", "/tags/"):
        assert client.get(url).status_code == 200, url
    page = client.get("/tags/").content.decode() + client.get("/").content.decode()
    for secret in ("embargo", "tomorrow", "unreleased", "quiet-staff", "/soon"):
        assert secret not in page


def test_recent_comments_under_a_path_of_drafts_is_404(client, secrets):
    assert client.get("/comments/?path=/unreleased").status_code == 404
    assert client.get("/comments/?path=/unreleased/plans").status_code == 404
    assert client.get("/comments/?path=/diary").status_code == 200
