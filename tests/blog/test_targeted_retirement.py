"""A change retires only the cached pages that show it (surrogate keys, pagecache): the pages
of other posts stay cached, and each response names its keys for the HTTP cache in front."""

import pytest

import pagecache
from blog.models import Post
from comments.models import Comment
from tests.factories import make_comment, make_post

from .test_page_cache import fetch, text, warm

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_posts():
    """Post A under /cloud tagged "nimbus", post B under /garden tagged "roses", each with a
    comment; the pages that show A alone, B alone, and both."""
    a = make_post(title="Alpha post", path="/cloud", tags=["nimbus"], body="Alpha words.")
    b = make_post(title="Beta post", path="/garden", tags=["roses"], body="Beta words.")
    make_comment(post=a, body="A first comment")
    make_comment(post=b, body="B first comment")
    only_a = [a.get_absolute_url(), "/cloud/", "/tags/nimbus/", "/cloud/feed/"]
    only_b = [
        b.get_absolute_url(),
        "/garden/",
        "/tags/roses/",
        "/garden/feed/",
        "/tags/roses/feed/",
        f"{b.get_absolute_url()}feed/",
    ]
    both = ["/", "/feed/", "/feed/json/"]
    return a, b, only_a, only_b, both


def states(client, urls):
    return {url: fetch(client, url)["X-Page-Cache"] for url in urls}


def test_a_comment_on_one_post_retires_its_pages_and_the_comment_stream_only(
    client, two_posts, settings
):
    a, _b, only_a, only_b, both = two_posts
    stream = ["/comments/", "/comments/feed/", f"{a.get_absolute_url()}feed/"]
    warm(client, *only_a, *only_b, *both, *stream)
    make_comment(post=a, body="A second comment")
    # Every page that shows A's comments or their count shows the new one at once...
    assert "A second comment" in text(fetch(client, a.get_absolute_url()))
    for url in stream:
        assert "A second comment" in text(fetch(client, url)), url
    assert "2 comments" in text(fetch(client, "/cloud/"))
    assert "2 comments" in text(fetch(client, "/"))
    # ...and every page of B alone is still the cached one.
    assert set(states(client, only_b).values()) == {"hit"}


def test_a_held_comment_retires_nothing(client, two_posts, settings):
    a, _b, only_a, only_b, both = two_posts
    warm(client, *only_a, *only_b, *both)
    before = pagecache.state()
    make_comment(post=a, status="pending", body="Awaiting a moderator")
    assert pagecache.state() == before
    assert set(states(client, [*only_a, *only_b, *both]).values()) == {"hit"}


def test_editing_a_posts_text_retires_the_pages_that_show_it_and_no_other(client, two_posts):
    a, _b, only_a, only_b, both = two_posts
    warm(client, *only_a, *only_b, *both)
    a.body = "Alpha rewritten."
    a.save()
    for url in [a.get_absolute_url(), "/cloud/", "/tags/nimbus/", "/", "/feed/"]:
        assert "Alpha rewritten" in text(fetch(client, url)), url
    # B's permalink links to A (its neighbour, by title): it is retired with A's pages.
    assert set(states(client, only_b[1:]).values()) == {"hit"}


def test_a_post_shown_as_related_on_another_page_retires_that_page_too(client):
    a = make_post(title="Older neighbour", tags=["shared"])
    b = make_post(title="Newer one", tags=["shared"])
    warm(client, b.get_absolute_url())
    assert "Older neighbour" in text(fetch(client, b.get_absolute_url()))
    a.title = "Renamed neighbour"
    a.save()
    assert "Renamed neighbour" in text(fetch(client, b.get_absolute_url()))


def test_moving_a_post_retires_every_listing_and_the_sidebar(client, two_posts):
    a, _b, only_a, only_b, both = two_posts
    warm(client, *only_a, *only_b, *both)
    a.published_at = a.published_at.replace(year=a.published_at.year - 3)
    a.save()  # the archive's months in every page's sidebar change
    assert set(states(client, [*only_b, *both]).values()) == {"miss"}


def test_responses_name_their_keys_for_the_cache_in_front(client, two_posts, settings):
    a, b, *_pages = two_posts
    permalink = fetch(client, a.get_absolute_url())
    assert permalink.status_code == 200
    listing = fetch(client, "/garden/")
    keys = set(listing["xkey"].split())
    assert {"all", "posts", f"post:{b.pk}"} <= keys
    assert "comments" not in keys and f"post:{a.pk}" not in keys  # B's path shows no A
    front = fetch(client, "/")
    assert {f"post:{a.pk}", f"post:{b.pk}"} <= set(front["xkey"].split())
    stream = fetch(client, "/comments/feed/")
    assert "comments" in stream["xkey"].split()
    settings.PAGE_CACHE_KEYS_HEADER = "Surrogate-Key"
    assert "all" in fetch(client, "/garden/feed/")["Surrogate-Key"].split()


def test_a_permalink_depends_on_its_own_comments_only(client, two_posts):
    a, b, *_pages = two_posts
    keys = set(fetch(client, a.get_absolute_url())["xkey"].split())
    assert {f"post:{a.pk}", f"comments:{a.pk}", "posts"} <= keys
    assert "comments" not in keys and f"comments:{b.pk}" not in keys


def test_the_purge_hook_is_told_exactly_the_retired_keys(two_posts, settings):
    told = []
    settings.PAGE_CACHE_PURGE = "tests.blog.test_targeted_retirement.remember_purge"
    remember_purge.told = told
    a, b, *_pages = two_posts
    make_comment(post=a, body="Tell the cache")
    assert told[-1] == sorted(["comments", f"comments:{a.pk}", "comments:*"])
    b.body = "New text for B."
    b.save()
    assert told[-1] == sorted([f"post:{b.pk}", "post:*", "search"])
    Post.objects.filter(pk=b.pk).update(pinned=True)  # a bulk change: everything
    assert told[-1] == ["all"]


def remember_purge(keys):
    remember_purge.told.append(list(keys))


def test_a_change_committed_while_a_page_renders_is_never_served_from_its_copy(
    client, two_posts, monkeypatch
):
    """The race: a request reads the old rows, the change commits and retires the keys, and
    only then is the old page stored. It must not be served."""
    a, _b, *_pages = two_posts
    import blog.views

    original = blog.views.related_posts_of
    done = []

    def change_meanwhile(entries):
        result = original(entries)
        if not done:
            done.append(True)
            Post.objects.filter(pk=a.pk).update_quietly(title="Changed meanwhile")
            pagecache.retire_now([a.cache_key])
        return result

    monkeypatch.setattr(blog.views, "related_posts_of", change_meanwhile)
    first = fetch(client, "/cloud/")
    assert "Alpha post" in text(first) and first["X-Page-Cache"] == "miss"
    second = fetch(client, "/cloud/")
    assert second["X-Page-Cache"] == "miss" and "Changed meanwhile" in text(second)


def test_a_lost_key_version_is_a_miss_never_an_old_page(client, two_posts):
    from django.core.cache import cache

    a, *_rest = two_posts
    warm(client, "/cloud/")
    generation, _number = pagecache.state()
    cache.delete(pagecache.version_key(generation.token, a.cache_key))  # evicted
    Post.objects.filter(pk=a.pk).update_quietly(title="Written without a signal")
    assert "Written without a signal" in text(fetch(client, "/cloud/"))


def test_a_lost_retirement_counter_retires_everything(client, two_posts):
    from django.core.cache import cache

    _a, _b, _only_a, only_b, _both = two_posts
    warm(client, *only_b)
    cache.delete(pagecache.COUNTER_KEY)  # Redis restarted or evicted it
    assert set(states(client, only_b).values()) == {"miss"}


def test_a_cache_in_front_keeps_a_page_no_longer_than_the_next_scheduled_change(client, settings):
    import datetime

    from django.utils import timezone

    settings.BLOG_CDN_MAX_AGE = 3600
    make_post(title="Now")
    make_post(
        title="Later",
        published_at=timezone.now() + datetime.timedelta(seconds=90),
    )
    control = fetch(client, "/")["Cache-Control"]
    age = int(control.split("s-maxage=")[1].split(",")[0])
    assert 0 < age <= 90


def test_approving_a_comment_in_bulk_retires_the_posts_it_is_on(client, two_posts):
    a, b, only_a, _only_b, _both = two_posts
    held = make_comment(post=b, status="pending", body="Approved in bulk")
    warm(client, *only_a, b.get_absolute_url())
    Comment.objects.filter(pk=held.pk).set_status("approved")
    assert "Approved in bulk" in text(fetch(client, b.get_absolute_url()))
    assert set(states(client, [a.get_absolute_url(), "/cloud/", "/tags/nimbus/"]).values()) == {
        "hit"
    }


def test_a_page_whose_keys_are_retired_while_it_renders_is_kept_by_no_cache(
    client, two_posts, monkeypatch
):
    a, _b, *_pages = two_posts
    import blog.views

    original = blog.views.related_posts_of

    def change_meanwhile(entries):
        pagecache.retire_now([a.cache_key])
        return original(entries)

    monkeypatch.setattr(blog.views, "related_posts_of", change_meanwhile)
    response = fetch(client, "/cloud/")
    # Right for this reader, but no shared cache (Varnish) may keep a page older than a purge.
    assert response["Cache-Control"] == "private, no-cache"


def test_each_purge_is_sent_again_a_moment_later(two_posts, settings):
    import time

    told = []
    remember_purge.told = told
    settings.PAGE_CACHE_PURGE = "tests.blog.test_targeted_retirement.remember_purge"
    settings.PAGE_CACHE_PURGE_AGAIN_SECONDS = 0.05
    a, *_rest = two_posts
    make_comment(post=a, body="Told twice")
    for _wait in range(100):
        if len(told) == 2:
            break
        time.sleep(0.02)
    assert told == [sorted(["comments", f"comments:{a.pk}", "comments:*"])] * 2


def test_archives_and_lists_of_tags_and_authors_stay_cached_after_a_comment(client, two_posts):
    a, _b, *_pages = two_posts
    year = f"/{a.pub_date.year}/"
    warm(client, year, "/tags/", "/authors/")
    make_comment(post=a, body="Nothing they show")
    assert set(states(client, [year, "/tags/", "/authors/"]).values()) == {"hit"}


def test_a_closed_posts_permalink_holds_no_readers_token_and_may_be_shared(client):
    post = make_post(title="Closed for comments", allow_comments=False)
    response = fetch(client, post.get_absolute_url())
    assert "public" in response["Cache-Control"]
    assert "csrftoken" not in response.cookies


def test_editing_a_pictures_words_retires_the_pages_of_its_post_only(client, two_posts):
    from tests.factories import make_picture

    a, _b, only_a, only_b, _both = two_posts
    picture = make_picture(post=a)
    warm(client, *only_a, *only_b[1:])
    picture.alt = "A clearer description"
    picture.save()
    assert set(states(client, only_b[1:]).values()) == {"hit"}
    assert fetch(client, a.get_absolute_url())["X-Page-Cache"] != "hit"


def test_a_page_with_more_keys_than_a_header_holds_names_their_family(client, settings):
    settings.PAGE_CACHE_KEYS_HEADER_LENGTH = 100
    posts = [make_post(title=f"Busy {number}", path="/busy") for number in range(30)]
    header = fetch(client, "/busy/")["xkey"]
    assert len(header) <= 100 and "post:*" in header.split()
    assert f"post:{posts[-1].pk}" not in header.split()


def test_a_years_archive_names_one_key_for_its_titles_not_one_per_post(client):
    import datetime

    from django.utils import timezone

    start = timezone.now().replace(month=1, day=1)
    for number in range(60):
        make_post(title=f"Day {number}", published_at=start + datetime.timedelta(hours=number))
    header = fetch(client, f"/{start.year}/")["xkey"]
    assert f"titles:{start.year}" in header.split() and "post:" not in header
    assert len(header) <= 200


def test_retitling_a_post_retires_its_years_archive_and_editing_its_text_does_not(client):
    import datetime

    from django.utils import timezone

    day = timezone.now().replace(year=2021, month=3, day=3, hour=12)
    titled = make_post(title="Kilo notes", published_at=day, body="First words.")
    untitled = make_post(title="", published_at=day + datetime.timedelta(hours=1), body="Hello")
    other_year = make_post(title="Liberty notes", published_at=day.replace(year=2022))
    warm(client, "/2021/", "/2022/")
    titled.body = "Other words."
    titled.save()
    assert fetch(client, "/2021/")["X-Page-Cache"] == "hit"
    titled.title = "Kilo, revised"
    titled.save()
    assert "Kilo, revised" in text(fetch(client, "/2021/"))
    untitled.body = "Goodbye, said the untitled post"
    untitled.save()  # its first words are its title on the archive
    assert "Goodbye, said the untitled post" in text(fetch(client, "/2021/"))
    assert fetch(client, "/2022/")["X-Page-Cache"] == "hit"
    other_year.title = "Liberty, revised"
    other_year.save()
    assert "Liberty, revised" in text(fetch(client, "/2022/"))
