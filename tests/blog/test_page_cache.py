"""The page cache: anonymous pages come from the cache, and no stale page is ever served
after a change (pagecache)."""

import datetime
import re

import pytest
from django.test import Client
from django.utils import timezone
from taggit.models import Tag

from blog.models import Path, Post
from comments.models import Comment
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.django_db


def fetch(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response


def warm(client, *urls):
    """Fetch each page twice, so the second comes from the cache (and prove that it did)."""
    for url in urls:
        fetch(client, url)
        assert fetch(client, url)["X-Page-Cache"] == "hit", url


def text(response):
    return response.content.decode()


def retired_so_far():
    """The page cache's generation and retirement number: changed by any retirement."""
    from pagecache import state

    generation, number = state()
    return generation.token, number


def test_a_second_anonymous_request_is_served_from_the_cache_without_queries(
    client, django_assert_num_queries
):
    post = make_post(title="Cached")
    fetch(client, post.get_absolute_url())
    with django_assert_num_queries(0):
        response = fetch(client, post.get_absolute_url())
    assert response["X-Page-Cache"] == "hit"
    assert "Cached" in text(response)


@pytest.fixture
def pages():
    """A post with a tag, a path, a comment, and every page and feed that shows them."""
    post = make_post(title="Original title", path="/openstack/kilo", tags=["cloud"])
    make_comment(post=post, body="First comment")
    urls = [
        "/",
        post.get_absolute_url(),
        "/openstack/",
        "/openstack/kilo/",
        "/tags/cloud/",
        f"/{post.pub_date.year}/",
        f"/{post.pub_date:%Y/%m/%d}/",
        post.author.get_absolute_url(),
        "/feed/",
        "/openstack/feed/",
        "/tags/cloud/feed/",
        "/comments/",
        "/comments/feed/",
    ]
    return post, urls


def assert_everywhere(client, urls, present=(), absent=()):
    for url in urls:
        page = text(fetch(client, url))
        for word in present:
            assert word in page, (url, word)
        for word in absent:
            assert word not in page, (url, word)


def test_editing_a_title_shows_on_every_page_and_feed_at_the_next_request(client, pages):
    post, urls = pages
    warm(client, *urls[:-2])
    post.title = "Renamed title"
    post.save()
    assert_everywhere(client, urls[:-2], present=["Renamed title"], absent=["Original title"])


def test_publishing_a_post_shows_it_at_once(client, pages):
    _post, _urls = pages
    draft = make_post(title="Fresh news", path="/openstack/kilo", tags=["cloud"], published=False)
    warm(client, "/", "/openstack/", "/tags/cloud/", "/feed/")
    draft.status = Post.Status.PUBLISHED
    draft.save()
    assert_everywhere(
        client, ["/", "/openstack/", "/tags/cloud/", "/feed/"], present=["Fresh news"]
    )


def test_unpublishing_or_deleting_a_post_removes_it_at_once(client, pages):
    post, _urls = pages
    other = make_post(title="Stays here", path="/openstack")
    listings = ["/", "/openstack/", "/feed/", "/openstack/feed/"]
    warm(client, *listings)
    post.status = Post.Status.DRAFT
    post.save()
    assert_everywhere(client, listings, absent=["Original title"], present=["Stays here"])
    assert client.get(post.get_absolute_url()).status_code == 404
    warm(client, *listings)
    other.delete()
    assert_everywhere(client, ["/", "/feed/"], absent=["Stays here"])
    # Nothing is published under /openstack any more: its pages are gone with the last post.
    assert client.get("/openstack/").status_code == 404
    assert client.get("/openstack/feed/").status_code == 404


def test_approving_or_removing_a_comment_shows_at_once(client, pages):
    post, _urls = pages
    held = make_comment(post=post, status="pending", body="Held back words")
    comment_pages = [post.get_absolute_url(), "/comments/", "/comments/feed/", "/"]
    warm(client, *comment_pages)
    assert "Held back words" not in text(fetch(client, post.get_absolute_url()))
    Comment.objects.filter(pk=held.pk).set_status("approved")
    assert_everywhere(client, comment_pages[:3], present=["Held back words"])
    assert "2 comments" in text(fetch(client, "/"))
    Comment.objects.filter(pk=held.pk).set_status("removed")
    assert_everywhere(client, comment_pages[:3], absent=["Held back words"])
    assert "1 comment" in text(fetch(client, "/"))


def test_renaming_a_path_or_a_tag_shows_at_once(client, pages):
    post, _urls = pages
    warm(client, post.get_absolute_url(), "/", "/tags/")
    kilo = Path.objects.get(full_path="/openstack/kilo")
    kilo.segment = "liberty"
    kilo.save()
    tag = Tag.objects.get(name="cloud")
    tag.name = "nimbus"
    tag.save()
    for url in (post.get_absolute_url(), "/", "/tags/"):
        page = text(fetch(client, url))
        assert "nimbus" in page and ">cloud<" not in page, url
    assert "/openstack/liberty" in text(fetch(client, post.get_absolute_url()))


def test_an_authors_new_display_name_shows_at_once(client, pages):
    post, _urls = pages
    warm(client, "/", post.get_absolute_url())
    post.author.display_name = "Ada Lovelace"
    post.author.save()
    assert_everywhere(client, ["/", post.get_absolute_url()], present=["Ada Lovelace"])


def test_a_scheduled_post_appears_when_its_time_comes_with_no_write(
    client, monkeypatch, django_capture_on_commit_callbacks
):
    make_post(title="Already out")
    soon = timezone.now() + datetime.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):  # as when the author's save commits
        make_post(title="Comes out later", published_at=soon)
    warm(client, "/", "/feed/")
    assert "Comes out later" not in text(fetch(client, "/"))
    later = soon + datetime.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr("pagecache.time.time", later.timestamp)
    assert_everywhere(client, ["/", "/feed/"], present=["Comes out later"])


def test_a_lost_generation_never_brings_back_older_pages(client):
    from django.core.cache import cache

    from pagecache import GENERATION_KEY

    post = make_post(title="Before")
    warm(client, "/")
    cache.delete(GENERATION_KEY)  # Redis restarted or evicted the record
    Post.objects.filter(pk=post.pk).update(title="After")  # a write no signal reports
    assert "After" in text(fetch(client, "/"))


def test_logged_in_users_are_never_served_or_stored_cached_pages(client, pages):
    _post, _urls = pages
    editor = make_user(is_staff=True)
    client.force_login(editor)
    first, second = fetch(client, "/"), fetch(client, "/")
    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second
    assert "private" in second["Cache-Control"]
    anonymous = Client()
    assert fetch(anonymous, "/")["X-Page-Cache"] == "miss"


def test_a_commenter_with_a_held_comment_sees_it_and_gets_no_cached_page(client, settings):
    settings.COMMENTS_MODERATION = "all"
    post = make_post(title="Discussed")
    warm(Client(), post.get_absolute_url())
    response = client.post(comment_url(post), comment_data(post, body="My held words"))
    assert response.status_code == 302
    page = fetch(client, post.get_absolute_url())
    assert "My held words" in text(page) and "X-Page-Cache" not in page
    assert "My held words" not in text(fetch(Client(), post.get_absolute_url()))


def csrf_token_in(response):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(response)).group(1)


def test_each_reader_gets_their_own_csrf_token_from_a_cached_page(pages, settings):
    settings.COMMENTS_MODERATION = "none"
    post, _urls = pages
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    fetch(first, post.get_absolute_url())
    cached = fetch(second, post.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit"
    token = csrf_token_in(cached)
    assert token != csrf_token_in(fetch(first, post.get_absolute_url()))
    assert "csrf-token-placeholder" not in text(cached)
    assert "private" in cached["Cache-Control"]
    data = comment_data(
        post, client=second, body="Sent from a cached page", csrfmiddlewaretoken=token
    )
    assert second.post(comment_url(post), data).status_code == 302
    assert Comment.objects.filter(body="Sent from a cached page").exists()
    # Another reader's token (from the same cached page) does not pass for this one.
    stolen = comment_data(post, body="Forged", csrfmiddlewaretoken=token)
    assert Client(enforce_csrf_checks=True).post(comment_url(post), stolen).status_code == 403


def test_pages_and_feeds_carry_an_etag_and_last_modified_and_answer_304(
    client, pages, django_assert_num_queries
):
    post, urls = pages
    for url in urls:
        response = fetch(client, url)
        etag = response["ETag"]
        with django_assert_num_queries(0):
            again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, url
        if url == post.get_absolute_url():
            # A page with a form is revalidated by its ETag only, which names the reader.
            assert "Last-Modified" not in response
            continue
        modified = response["Last-Modified"]
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304, url
    etag = fetch(client, "/")["ETag"]
    post.title = "Changed"
    post.save()
    assert client.get("/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_cache_control_lets_a_cdn_keep_listings_but_not_pages_with_a_form(client, pages):
    post, _urls = pages
    listing = fetch(client, "/")["Cache-Control"]
    assert "public" in listing and "s-maxage=" in listing and "stale-while-revalidate=" in listing
    assert fetch(client, "/comments/feed/")["Cache-Control"] == listing
    assert fetch(client, post.get_absolute_url())["Cache-Control"].startswith("private")
    assert fetch(client, post.get_absolute_url())["Vary"].count("Cookie") == 1


def test_the_cache_can_be_switched_off(client, settings):
    settings.BLOG_PAGE_CACHE = False
    make_post()
    fetch(client, "/")
    assert "X-Page-Cache" not in fetch(client, "/")


def test_errors_and_redirects_are_not_stored(client):
    assert client.get("/no-such-path/").status_code == 404
    assert client.get("/no-such-path/").status_code == 404
    assert "X-Page-Cache" not in client.get("/no-such-path/")


def test_a_change_retires_the_pages_when_its_transaction_commits_not_before(
    retirements_on_commit, django_capture_on_commit_callbacks
):
    from django.db import transaction

    before = retired_so_far()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        make_post(title="In a transaction")
        assert retired_so_far() == before  # the old rows are still the truth
    assert [type(hook).__name__ for hook in callbacks].count("Retirement") == 1
    assert retired_so_far() != before


def test_a_rolled_back_change_retires_nothing_and_loses_no_later_retirement(
    retirements_on_commit, django_capture_on_commit_callbacks
):
    from django.db import transaction

    before = retired_so_far()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        with transaction.atomic():
            make_post(title="Rolled back")
            transaction.set_rollback(True)
        assert retired_so_far() == before
        make_post(title="Kept")
    assert [type(hook).__name__ for hook in callbacks].count("Retirement") == 1
    assert retired_so_far() != before


def test_a_hook_failing_on_commit_keeps_the_retirement_from_being_lost(
    retirements_on_commit, django_capture_on_commit_callbacks, monkeypatch
):
    from django.db import transaction

    import pagecache

    class Failing:
        def __call__(self):
            raise RuntimeError("a hook that fails after the commit")

        def merge(self, other):
            pass

    before = retired_so_far()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        pagecache.once_on_commit(Failing())  # scheduled first, as the search vectors' refresh is
        make_post(title="Committed")
    assert retired_so_far() != before


def test_a_comment_keeps_the_sidebar_and_post_counts_but_not_the_comment_counts(
    client, settings, django_assert_num_queries
):
    from blog.templatetags.blog_sidebar import sidebar

    settings.COMMENTS_PER_PAGE = 1
    post = make_post(title="Talked about", tags=["busy"])
    make_comment(post=post, body="One")
    make_comment(post=post, body="Two")
    before = sidebar()
    assert "Page 1 of 2" in text(fetch(client, "/comments/"))
    make_comment(post=post, body="Three")  # a new generation, for comments only
    with django_assert_num_queries(0):
        assert sidebar() == before
    assert "Page 1 of 3" in text(fetch(client, "/comments/"))  # counted again
    make_post(title="New post", tags=["fresh"])  # posts changed: the sidebar is rebuilt
    assert "fresh" in sidebar()


def test_media_keeps_its_own_long_caching_and_only_personal_pages_are_marked_private(client):
    from tests.factories import make_picture

    post = make_post(title="Pictured")
    picture = make_picture(post=post)
    media = client.get(picture.display.url)
    assert media.status_code == 200
    assert media["Cache-Control"] == "public, max-age=31536000, immutable"
    client.force_login(make_user())
    assert client.get("/")["Cache-Control"] == "private, no-cache"


def test_pages_that_are_never_shared_are_never_stored(client, settings):
    """No list of prefixes: the admin, share links, the health check and media say so in their
    own responses (a session or CSRF cookie, no-store, a file stream)."""
    from tests.factories import make_picture

    post = make_post(title="Draft", published=False)
    picture = make_picture(post=post)
    for url in (
        "/admin/login/",
        post.get_share_url(),
        "/healthz",
        picture.display.url,
    ):
        for _ in range(2):
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.get("X-Page-Cache") != "hit", url
