"""A permalink's parts kept whole (blog.views.permalink_parts, the webmentions): with the page
cache off, every change a reader could see of them is on the permalink at the next request,
and a permalink whose post did not change reads none of them again."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.models import Post
from comments.mentions import Mention
from tests.factories import make_comment, make_picture, make_post, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    settings.BLOG_PAGE_CACHE = False


def days_ago(days):
    return timezone.now() - datetime.timedelta(days=days)


def without_tokens(text):
    """The page's lines but the reader's tokens: CSRF, and the comment form's signed moment of
    issue (which changes when two requests fall in different seconds)."""
    return [
        line
        for line in text.splitlines()
        if "token" not in line and "csrf" not in line and 'name="issued"' not in line
    ]


def page(client, post):
    response = client.get(post.get_absolute_url())
    assert response.status_code == 200
    return response.text


def test_a_warm_permalink_reads_no_tags_pictures_related_posts_neighbours_or_mentions(client):
    make_post(title="Older kilo", tags=["kilo"], published_at=days_ago(3))
    post = make_post(title="Kilo", tags=["kilo", "openstack"], published_at=days_ago(2))
    make_post(title="Newer", published_at=days_ago(1))
    make_picture(post=post)
    first = page(client, post)
    with CaptureQueriesContext(connection) as queries:
        second = page(client, post)
    read = " ".join(query["sql"] for query in queries)
    assert "Older kilo" in second and "Newer" in second
    for table in ("taggit_tag", "blog_postimage", "comments_mention", "blog_taggedpost"):
        assert table not in read, table
    # The post itself; the comments are the comments app's (tests/comments).
    others = [query["sql"] for query in queries if '"comments_comment"' not in query["sql"]]
    assert len(others) == 1 and others[0].startswith('SELECT "blog_post"'), others
    assert without_tokens(first) == without_tokens(second)


def test_an_edited_post_shows_its_new_text_and_description(client):
    post = make_post(title="Kilo", body="The old paragraph.")
    assert "The old paragraph." in page(client, post)
    post.body = "The new paragraph, Ελληνικά καὶ 中文."
    post.save()
    text = page(client, post)
    assert "The old paragraph." not in text
    assert 'content="The new paragraph, Ελληνικά καὶ 中文.">' in text  # og:description


def test_a_retitled_related_post_shows_its_new_title(client):
    related = make_post(title="Old kilo", tags=["kilo"], published_at=days_ago(30))
    post = make_post(title="Kilo", tags=["kilo"], published_at=days_ago(1))
    assert "Old kilo" in page(client, post)
    related.title = "Kilo, revisited"
    related.save()  # retires the related post's key only
    text = page(client, post)
    assert "Old kilo" not in text
    assert "Kilo, revisited" in text


def test_a_retitled_neighbour_shows_its_new_title(client):
    older = make_post(title="Older neighbour", published_at=days_ago(3))
    post = make_post(title="Middle", published_at=days_ago(2))
    assert "Older neighbour" in page(client, post)
    older.title = "Renamed neighbour"
    older.save()
    assert "← Renamed neighbour" in page(client, post)


def test_a_new_post_becomes_the_next_neighbour(client):
    post = make_post(title="Middle", published_at=days_ago(2))
    assert 'rel="next"' not in page(client, post)
    make_post(title="Brand new", published_at=days_ago(1))
    assert "Brand new →" in page(client, post)


def test_an_approved_comment_shows_in_the_article_count(client):
    post = make_post(title="Busy")
    make_comment(post=post)
    assert ">1 comment</a>" in page(client, post)
    make_comment(post=post)
    assert ">2 comments</a>" in page(client, post)


def test_an_approved_webmention_shows_and_a_removed_one_goes(client):
    post = make_post(title="Mentioned")
    mention = Mention.objects.create(
        post=post,
        source="https://elsewhere.example/a",
        target="x",
        state="verified",
        status="pending",
        author_name="Zoë Ὀδυσσεύς",
    )
    assert "Zoë" not in page(client, post)
    mention.status = "approved"
    mention.save()
    assert "Zoë Ὀδυσσεύς" in page(client, post)
    mention.delete()
    assert "Zoë" not in page(client, post)


def test_a_picture_with_new_alt_text_shows_it_in_the_share_card(client):
    post = make_post(title="Pictured")
    picture = make_picture(post=post, alt="A teal square")
    assert 'og:image:alt" content="A teal square"' in page(client, post)
    picture.alt = "Un carré bleu-vert"
    picture.save()
    assert 'og:image:alt" content="Un carré bleu-vert"' in page(client, post)


def test_an_author_who_changes_their_name_is_shown_by_it(client):
    ada = make_user(username="ada", display_name="Ada")
    make_post(author=make_user(username="bo"), published_at=days_ago(5))  # two authors: bylines
    post = make_post(title="Bylined", author=ada)
    assert ">Ada</a>" in page(client, post)
    ada.display_name = "Ada Lovelace"
    ada.save()
    assert ">Ada Lovelace</a>" in page(client, post)


def test_a_change_committed_while_a_page_is_made_is_not_kept_as_newer(client, monkeypatch):
    # The view reads the post, then (before it reads anything of the cache) another request
    # retitles it: the article made from the old row must not be kept for the next reader.
    post = make_post(title="Old heading")
    from blog import views

    several_authors = views.has_several_authors

    def retitled_meanwhile():
        changed = Post.objects.get(pk=post.pk)
        changed.title = "New heading"
        changed.save()
        monkeypatch.setattr(views, "has_several_authors", several_authors)
        return several_authors()

    monkeypatch.setattr(views, "has_several_authors", retitled_meanwhile)
    assert "Old heading" in page(client, post)  # made from the row it read: right for it
    text = page(client, post)
    assert "<title>New heading" in text
    assert '<h1 class="p-name entry-title">New heading</h1>' in text
