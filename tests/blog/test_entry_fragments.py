"""A listing's entries come from the fragment cache (blog.fragments), and every change a reader
could see of an entry is on the listing at the next request: the key is made of what it shows."""

import datetime

import pytest
from django.utils import timezone

from blog.models import Path
from comments.models import Comment
from tests.factories import make_comment, make_picture, make_post, make_user


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Every request rendered from the database, as the fragments are what is tested."""
    settings.BLOG_PAGE_CACHE = False


def entry_templates_rendered(response):
    return [t.name for t in response.templates].count("blog/_entry.html")


def front_page(client):
    response = client.get("/")
    assert response.status_code == 200
    return response


def test_a_second_request_takes_the_entries_from_the_cache(client, db):
    make_post(title="Cached kilo notes", tags=["openstack"])
    make_post(title="Cached juno notes", tags=["openstack"])
    first = front_page(client)
    second = front_page(client)
    assert entry_templates_rendered(first) == 2
    assert entry_templates_rendered(second) == 0
    assert second.content == first.content


def test_an_edited_post_shows_its_new_text_on_the_listing(client, db):
    post = make_post(title="Kilo", body="The old paragraph.")
    assert "The old paragraph." in front_page(client).text
    post.body = "The new paragraph."
    post.save()
    page = front_page(client).text
    assert "The new paragraph." in page
    assert "The old paragraph." not in page


def test_a_post_changed_by_a_bulk_update_shows_the_change(client, db):
    post = make_post(title="Before the update")
    front_page(client)
    type(post).objects.filter(pk=post.pk).update(title="After the update")
    assert "After the update" in front_page(client).text


def test_an_approved_comment_shows_in_the_entry_count_at_once(client, db):
    post = make_post(title="Busy")
    make_comment(post=post)
    assert "1 comment<" in front_page(client).text
    held = make_comment(post=post, status=Comment.Status.PENDING)
    assert "1 comment<" in front_page(client).text
    Comment.objects.filter(pk=held.pk).set_status(Comment.Status.APPROVED)
    assert "2 comments<" in front_page(client).text


def test_a_renamed_tag_shows_its_new_name_on_the_listing(client, db):
    post = make_post(title="Tagged", tags=["python"])
    assert ">python</a>" in front_page(client).text
    tag = post.tags.get()
    tag.name = "Python 3"
    tag.save()
    page = front_page(client).text
    assert ">Python 3</a>" in page
    assert ">python</a>" not in page


def test_an_author_who_changes_their_name_is_shown_by_it(client, db):
    ada = make_user(username="ada", display_name="Ada")
    make_post(title="By Ada", author=ada)
    make_post(title="By someone else")  # two authors: entries carry a byline
    assert ">Ada</a>" in front_page(client).text
    ada.display_name = "Ada Lovelace"
    ada.save()
    page = front_page(client).text
    assert ">Ada Lovelace</a>" in page
    assert ">Ada</a>" not in page


def test_a_renamed_path_is_shown_by_its_new_name(client, db):
    make_post(title="Filed", path="/openstack/kilo")
    assert 'path: <a href="/openstack/kilo/">/openstack/kilo</a>' in front_page(client).text
    place = Path.objects.get(full_path="/openstack")
    place.segment = "cloud"
    place.save()
    page = front_page(client).text
    assert 'path: <a href="/cloud/kilo/">/cloud/kilo</a>' in page
    assert "/openstack/kilo" not in page


def test_a_picture_with_new_alt_text_shows_it(client, db):
    post = make_post(title="Pictures")
    make_picture(post=post, alt="A teal square")
    make_picture(post=post, alt="Another square", order=1)
    assert 'alt="A teal square"' in front_page(client).text
    picture = post.images.get(alt="A teal square")
    picture.alt = "A square of teal"
    picture.save()
    page = front_page(client).text
    assert 'alt="A square of teal"' in page
    assert 'alt="A teal square"' not in page


def test_a_new_related_post_shows_under_the_entries_sharing_its_tags(client, db):
    older = make_post(title="Older", tags=["kilo"], published_at=timezone.now().replace(year=2020))
    make_post(title="Elsewhere", tags=["other"])
    assert "Related posts:" not in front_page(client).text
    make_post(title="Newer kilo notes", tags=["kilo"])
    page = front_page(client).text
    assert f'<a href="{older.get_absolute_url()}">Older</a>' in page
    assert "Related posts:" in page


def test_times_are_shown_in_the_time_zone_in_force(client, db, settings):
    # Yesterday at noon: today's noon is still to come before 12:00 UTC (a scheduled post).
    noon = timezone.now().replace(hour=12, minute=0) - datetime.timedelta(days=1)
    make_post(title="Timed", published_at=noon)
    assert ">12:00</time>" in front_page(client).text
    settings.TIME_ZONE = "Asia/Kolkata"  # +05:30
    page = front_page(client).text
    assert ">17:30</time>" in page
    assert ">12:00</time>" not in page


def test_the_year_archive_shows_a_retitled_post_by_its_new_title(client, db):
    post = make_post(title="First title", published_at=timezone.now().replace(year=2020))
    assert "First title" in client.get("/2020/").text
    post.title = "Second title"
    post.save()
    page = client.get("/2020/").text
    assert "Second title" in page
    assert "First title" not in page


def test_a_retitled_related_post_shows_its_new_title_under_the_others(client, db):
    last_year = timezone.now().replace(year=2020)
    older = make_post(title="Old kilo", tags=["kilo"], published_at=last_year)
    newer = make_post(title="New kilo", tags=["kilo"])
    assert f'<a href="{older.get_absolute_url()}">Old kilo</a>' in front_page(client).text
    older.title = "Kilo, revisited"
    older.save()
    page = client.get(newer.get_absolute_url()).text + front_page(client).text
    assert "Kilo, revisited</a>" in page
    assert "Old kilo</a>" not in page
