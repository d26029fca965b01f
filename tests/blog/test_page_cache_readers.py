"""A cached page with a form belongs to one reader at a time: their CSRF token and their form
token, never another's; a 304 only for the reader whose page it is; a random query string makes
no new cache entry."""

import re

import pytest
from django.core.cache import cache
from django.test import Client

from comments.models import Comment
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_post

pytestmark = pytest.mark.django_db


def issued_in(response):
    return re.search(r'name="issued" value="([^"]+)"', response.content.decode()).group(1)


def test_a_revalidated_page_with_a_form_is_resent_to_a_reader_whose_cookie_changed():
    post = make_post(title="Form page")
    reader = Client()
    first = reader.get(post.get_absolute_url())
    assert reader.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # Cookies cleared: the old page's token is not this browser's any more.
    cleared = Client()
    response = cleared.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    # Another cookie: the same.
    other = Client()
    other.get("/tags/")  # some other page gave it a cookie of its own
    other.cookies["csrftoken"] = "A" * 32
    response = other.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200


def test_each_reader_of_a_cached_page_gets_their_own_form_token():
    post = make_post(title="Form page")
    first, second = Client(), Client()
    one = first.get(post.get_absolute_url())
    two = second.get(post.get_absolute_url())
    assert two["X-Page-Cache"] == "hit"
    assert issued_in(one) != issued_in(two)
    assert "personal-value" not in two.content.decode()


def test_a_form_token_shown_to_one_reader_does_not_pass_for_another(settings):
    settings.COMMENTS_MODERATION = "none"
    settings.COMMENTS_MIN_SECONDS = 0
    post = make_post(title="Form page")
    owner, thief = Client(), Client()
    token = issued_in(owner.get(post.get_absolute_url()))
    thief.get(post.get_absolute_url())
    data = comment_data(post, client=thief, body="Replayed", issued=token)
    response = thief.post(comment_url(post), data)
    assert response.status_code == 200 and "another browser" in response.content.decode()
    assert "Replayed</textarea>" in response.content.decode()
    assert not Comment.objects.exists()
    data = comment_data(post, client=owner, body="Mine", issued=token)
    assert owner.post(comment_url(post), data).status_code == 302


def test_random_query_strings_make_no_new_cache_entries(client):
    make_post(title="Listed")
    client.get("/")
    for number in range(20):
        # A hit: the page's key ignores the parameter, so no entry is made for it.
        response = client.get(f"/?utm_source=x{number}&_={number}")
        assert response["X-Page-Cache"] == "hit"
    assert client.get("/?page=1")["X-Page-Cache"] == "miss"  # a parameter pages read counts


def test_a_page_made_for_a_query_with_other_parameters_is_not_kept_for_plain_readers(client):
    for number in range(25):
        make_post(title=f"Ocelot {number}", path="/zoo", tags=["cats"])
    # Made first for an address with a parameter no page reads, or a parameter twice: its
    # facet and pager links carry them, so it is not what the plain address's readers get.
    for odd in ("q=ocelot&utm_source=x%3A%2F%2Fevil.example", "q=release&q=ocelot"):
        assert client.get(f"/search/?{odd}").status_code == 200
        plain = client.get("/search/?q=ocelot")
        assert "evil.example" not in plain.content.decode()
        assert "q=release" not in plain.content.decode()
        cache.clear()
    client.get("/?page=2&ref=spam")
    assert "ref=spam" not in client.get("/?page=2").content.decode()
    client.get("/?page=2")
    assert client.get("/?page=2&ref=spam")["X-Page-Cache"] == "hit"  # and answers it


def test_parameters_a_page_does_not_read_make_no_entries(client):
    make_post(title="Listed")
    client.get("/")
    for query in ("q=r1", "reply_to=3", "path=y", "author=z", "year=2000"):
        first, second = client.get(f"/?{query}"), client.get(f"/?{query}")
        assert first.status_code == 200
        assert second.get("X-Page-Cache") != "hit", query  # never stored: the page ignores it
    assert client.get("/?page=1&page=1").status_code == 200
    client.get("/?page=1")
    assert client.get("/?page=1&page=1")["X-Page-Cache"] == "hit"  # one value, one key
    for odd in ("01", "+1", " 1", "1.0", ""):
        assert client.get(f"/?page={odd}").status_code == 404, odd


def test_a_bulk_update_from_a_shell_retires_the_pages(client):
    from blog.models import Post

    post = make_post(title="Bulk")
    client.get(post.get_absolute_url())
    assert client.get(post.get_absolute_url())["X-Page-Cache"] == "hit"
    Post.objects.filter(pk=post.pk).update(status=Post.Status.DRAFT)
    assert client.get(post.get_absolute_url()).status_code == 404
