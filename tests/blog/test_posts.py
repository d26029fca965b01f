import contextlib
import datetime
import io
import threading
import zoneinfo
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from blog.models import Post
from tests.factories import make_path, make_post, make_user

DAY = datetime.datetime(2014, 12, 31, 10, 0, tzinfo=datetime.UTC)


def test_slug_comes_from_the_title(db):
    assert make_post(title="Hello, Wörld!").slug == "hello-wörld"


def test_same_title_on_the_same_day_gets_a_numbered_slug(db):
    slugs = [make_post(title="Kilo notes", published_at=DAY).slug for _ in range(3)]
    assert slugs == ["kilo-notes", "kilo-notes-2", "kilo-notes-3"]


def test_same_title_on_other_days_keeps_the_plain_slug(db):
    first = make_post(title="Weekly notes", published_at=DAY)
    second = make_post(title="Weekly notes", published_at=DAY + datetime.timedelta(days=1))
    assert first.slug == second.slug == "weekly-notes"


def test_a_slug_taken_by_a_concurrent_save_is_retried_with_a_suffix(db, monkeypatch):
    make_post(title="Race", published_at=DAY)
    real_check = Post._slug_is_taken
    stale_answers = iter([False])  # what a concurrent saver saw before the other committed

    def racing_check(self, slug):
        answer = next(stale_answers, None)
        return real_check(self, slug) if answer is None else answer

    monkeypatch.setattr(Post, "_slug_is_taken", racing_check)
    assert make_post(title="Race", published_at=DAY).slug == "race-2"


def test_title_without_letters_gets_a_fallback_slug(db):
    assert make_post(title="!!!").slug == "post"


def test_resaving_keeps_the_slug(db):
    post = make_post(title="Stable", published_at=DAY)
    post.title = "Renamed"
    post.save()
    assert post.slug == "stable"


def test_published_excludes_drafts_and_scheduled_posts(db):
    visible = make_post()
    draft = make_post(published=False)
    scheduled = make_post(published_at=timezone.now() + datetime.timedelta(hours=1))
    assert list(Post.objects.published()) == [visible]
    assert visible.is_published
    assert not draft.is_published
    assert not scheduled.is_published and scheduled.is_scheduled


def test_body_html_is_rendered_at_save(db):
    post = make_post(body="Some **bold** text.")
    assert "<strong>bold</strong>" in Post.objects.get(pk=post.pk).body_html
    post.body = "Now *emphasis*."
    post.save()
    assert "<em>emphasis</em>" in Post.objects.get(pk=post.pk).body_html


def test_excerpt_is_the_part_before_the_more_marker(db):
    post = make_post(body="Intro paragraph.\n\n<!--more-->\n\nThe rest of it.")
    assert post.has_excerpt
    assert "Intro paragraph" in post.excerpt_html
    assert "The rest" not in post.excerpt_html
    assert "The rest" in post.body_html


def test_post_without_marker_has_no_excerpt(db):
    assert not make_post(body="Just one part.").has_excerpt


@pytest.mark.parametrize("zone", ["America/New_York", "Asia/Tokyo"])
def test_publication_day_and_permalink_use_the_site_time_zone(db, settings, zone):
    settings.TIME_ZONE = zone
    local = datetime.datetime(2014, 12, 31, 23, 30, tzinfo=zoneinfo.ZoneInfo(zone))
    post = make_post(title="Late", published_at=local)
    assert post.pub_date == datetime.date(2014, 12, 31)
    assert post.get_absolute_url() == "/2014/12/31/late/"


def test_rerender_posts_refreshes_stale_html(db):
    post = make_post(body="Fresh **text**.")
    Post.objects.filter(pk=post.pk).update(body_html="<p>stale</p>", excerpt_html="")
    out = io.StringIO()
    call_command("rerender_posts", stdout=out)
    assert "<strong>text</strong>" in Post.objects.get(pk=post.pk).body_html
    assert "Rendered 1 posts" in out.getvalue() and "1 changed" in out.getvalue()


def test_concurrent_saves_of_the_same_title_on_the_same_day_get_different_slugs(
    transactional_db,
):
    author, path = make_user(), make_path("/diary")
    barrier = threading.Barrier(2)
    slugs, errors = [], []
    real_check = Post._slug_is_taken

    waited = threading.local()

    def check_then_wait(self, slug):
        taken = real_check(self, slug)
        if not getattr(waited, "done", False):
            waited.done = True
            # Both have looked before either inserts: a real race. (On SQLite the other save
            # waits for the write lock instead, so no race can happen and the wait runs out.)
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)
        return taken

    def save_one():
        try:
            post = Post(
                title="Same moment",
                author=author,
                path=path,
                body="x",
                status=Post.Status.PUBLISHED,
                published_at=DAY,
            )
            barrier.wait(timeout=10)
            post.save()
            slugs.append(post.slug)
        except Exception as error:  # reported below, so the test says what went wrong
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=save_one) for _ in range(2)]
    # Patched once, here: patching from both threads would leave the patch in place.
    with mock.patch.object(Post, "_slug_is_taken", check_then_wait):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert not errors
    assert sorted(slugs) == ["same-moment", "same-moment-2"]
