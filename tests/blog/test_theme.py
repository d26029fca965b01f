"""The theme's promises that need no browser: page weight, image sizes, the error pages."""

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from tests.factories import make_comment, make_picture, make_post

pytestmark = pytest.mark.django_db

TYPICAL_BODY = "\n\n".join(
    ["A paragraph of a typical post, with *some* emphasis and a [link](/elsewhere/). " * 6] * 8
    + ["```python\ndef hello(name):\n    return f'Hello, {name}!'\n```"]
)


def test_a_typical_permalink_with_its_stylesheets_weighs_under_60_kb(client):
    post = make_post(title="A typical post", body=TYPICAL_BODY, tags=["one", "two", "three"])
    make_post(title="Related", tags=["one"])
    for number in range(10):
        make_comment(post=post, body=f"A comment of a sentence or two, number {number}.")
    html = client.get(post.get_absolute_url()).content
    css = sum(
        len(open(finders.find(name), "rb").read())  # noqa: SIM115
        for name in ("css/site.css", "css/pygments.css")
    )
    assert len(html) + css < 60 * 1024, (len(html), css)


def test_every_picture_has_its_size_set_so_nothing_shifts_when_it_loads(client):
    post = make_post(title="Pictures")
    picture = make_picture(post=post, width=800, height=500)
    post.body = f"Look:\n\n{picture.reference}"
    post.save()
    for url in (post.get_absolute_url(), "/", post.get_gallery_url()):
        page = client.get(url).content.decode()
        for tag in page.split("<img")[1:]:
            tag = tag.split(">", 1)[0]
            assert 'width="' in tag and 'height="' in tag and 'alt="' in tag, (url, tag)


def test_the_404_page_is_in_the_theme_and_offers_search(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert 'class="site-header"' in page and 'action="/search/"' in page
    assert "/no/such/page/" in page


@override_settings(DEBUG=False)
def test_the_500_page_needs_no_database(monkeypatch):
    from django.db.backends.base.base import BaseDatabaseWrapper

    from config import urls

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(urls, "urlpatterns", [*urls.urlpatterns])
    from django.urls import clear_url_caches, path

    urls.urlpatterns.insert(0, path("boom/", broken))
    clear_url_caches()

    def no_database(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    from pagecache import current_generation

    current_generation()  # the page cache's record exists, as it does on a running site
    client = Client(raise_request_exception=False)
    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", no_database)
    response = client.get("/boom/")
    clear_url_caches()
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
