"""Search: the same page and filters on SQLite and PostgreSQL, ranked, with snippets."""

import pytest
from django.db import connection
from taggit.models import Tag

from blog.models import Post
from tests.factories import make_post, make_user

pytestmark = pytest.mark.django_db


def search(client, **params):
    response = client.get("/search/", params)
    assert response.status_code == 200
    return response


def titles(response):
    return [post.title for post in response.context["posts"]]


def test_search_finds_posts_by_words_in_the_body(client):
    post = make_post(title="Kilo release", body="The kilo release of OpenStack ships Ironic.")
    make_post(title="Liberty", body="Nothing about that here.")
    response = search(client, q="ironic")
    assert titles(response) == [post.title]
    assert "<mark>Ironic</mark>" in response.content.decode()


def test_a_title_match_ranks_above_a_body_match(client):
    make_post(title="Gardening notes", body="Tomatoes and a few words about compost.")
    make_post(title="Compost", body="A heap in the corner.")
    assert titles(search(client, q="compost")) == ["Compost", "Gardening notes"]


def test_search_finds_posts_by_tag_name(client):
    make_post(title="Tagged", body="Plain words.", tags=["astronomy"])
    make_post(title="Untagged", body="Other words.")
    assert titles(search(client, q="astronomy")) == ["Tagged"]


def test_a_minus_word_leaves_posts_out(client):
    make_post(title="Python and Django", body="web")
    make_post(title="Python and Flask", body="web")
    assert titles(search(client, q="python -flask")) == ["Python and Django"]


def test_a_quoted_phrase_must_appear_as_written(client):
    make_post(title="One", body="The quick brown fox.")
    make_post(title="Two", body="The brown quick fox.")
    assert titles(search(client, q='"quick brown"')) == ["One"]


def test_drafts_and_scheduled_posts_are_never_found(client):
    import datetime

    from django.utils import timezone

    make_post(title="Draft about comets", published=False)
    make_post(
        title="Scheduled about comets",
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    assert titles(search(client, q="comets")) == []


def test_filters_narrow_by_path_subtree_tag_author_and_year(client):
    import datetime

    from django.utils import timezone

    ada = make_user(username="ada")
    make_post(title="Kilo moon", path="/openstack/kilo", tags=["cloud"], author=ada)
    make_post(title="Diary moon", path="/diary", tags=["cloud"])
    make_post(title="Openstacker moon", path="/openstacker")
    old = make_post(
        title="Old moon",
        path="/openstack",
        published_at=timezone.now() - datetime.timedelta(days=800),
    )
    assert sorted(titles(search(client, q="moon", path="/openstack"))) == ["Kilo moon", "Old moon"]
    assert sorted(titles(search(client, q="moon", tag="cloud"))) == ["Diary moon", "Kilo moon"]
    assert titles(search(client, q="moon", author="ada")) == ["Kilo moon"]
    assert titles(search(client, q="moon", year=str(old.pub_date.year))) == ["Old moon"]


def test_facets_count_the_matches_by_path_tag_author_and_year(client):
    ada = make_user(username="ada", display_name="Ada L.")
    make_post(title="Moon one", path="/sky", tags=["night"], author=ada)
    make_post(title="Moon two", path="/sky", tags=["night", "cold"], author=ada)
    make_post(title="Moon three", path="/sea")
    response = search(client, q="moon")
    found = response.context["facets"]
    assert found.paths == [("/sky", 2), ("/sea", 1)]
    assert found.tags == [("night", "night", 2), ("cold", "cold", 1)]
    assert found.authors[0] == ("ada", "Ada L.", 2)
    page = response.content.decode()
    assert "?q=moon&amp;path=%2Fsky" in page and "Ada L.</a> (2)" in page


def test_a_renamed_tag_is_found_under_its_new_name(client):
    make_post(title="Tagged post", tags=["oldname"])
    tag = Tag.objects.get(name="oldname")
    tag.name = "zeppelin"
    tag.save()
    assert titles(search(client, q="zeppelin")) == ["Tagged post"]


def test_an_edited_body_is_found_by_its_new_words(client):
    post = make_post(title="Edited", body="before")
    post.body = "after the rewrite, marmalade"
    post.save()
    assert titles(search(client, q="marmalade")) == ["Edited"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        '"',
        "-",
        "--",
        "or",
        "the",
        "a & b | !c",
        "<script>alert(1)</script>",
        "'; DROP TABLE blog_post; --",
        "x" * 5000,
        "\u202eevil",
        ":*",
        "(((",
    ],
)
def test_an_empty_or_hostile_query_gives_a_normal_page(client, query):
    make_post(title="Something", body="script alert words")
    response = search(client, q=query)
    assert b"<script>alert" not in response.content
    assert Post.objects.count() == 1


def test_hostile_filters_and_pages_give_a_normal_page_or_a_404(client):
    make_post(title="Moon")
    for params in [
        {"q": "moon", "year": "-1"},
        {"q": "moon", "year": "99999999999"},
        {"q": "moon", "path": "../../etc"},
        {"q": "moon", "tag": "no-such-tag"},
        {"q": "moon", "author": "nobody"},
    ]:
        assert client.get("/search/", params).status_code == 200
    assert client.get("/search/", {"q": "moon", "page": "99"}).status_code == 404
    assert client.get("/search/", {"q": "moon", "page": "x"}).status_code == 404


def test_search_pages_keep_the_query_in_their_links(client, settings):
    for number in range(12):
        make_post(title=f"Moon {number}")
    response = search(client, q="moon", tag="")
    assert len(response.context["posts"]) == 10
    assert 'href="?q=moon&amp;tag=&amp;page=2"' in response.content.decode()
    assert len(search(client, q="moon", page="2").context["posts"]) == 2


def test_snippets_escape_the_text_around_the_match(client):
    make_post(title="Code", body="Use `<b>` tags around the word zebra & friends.")
    page = search(client, q="zebra").content.decode()
    assert "<mark>zebra</mark> &amp; friends" in page
    assert "Use <b>" not in page


def test_postgres_search_uses_the_stored_vector_with_weights():
    post = make_post(title="Weighted title", body="body words", tags=["tagword"])
    if connection.vendor != "postgresql":  # SQLite reads the text itself: no vector is kept
        assert Post.objects.get(pk=post.pk).search_vector is None
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM blog_post WHERE id = %s", [post.pk])
        vector = cursor.fetchone()[0]
    assert "'weight':1A" in vector and "'tagword':" in vector and "B" in vector
    assert "'bodi':" in vector or "'body':" in vector


def test_the_search_page_costs_a_constant_number_of_queries(client, django_assert_max_num_queries):
    for number in range(15):
        make_post(title=f"Moon {number}", tags=[f"tag{number}", "shared"])
    search(client, q="moon")  # warm the sidebar fragment
    with django_assert_max_num_queries(9):
        search(client, q="moon")


def test_snippets_leave_out_the_heading_sign(client):
    words = [f"filler{number}" for number in range(150)]
    body = " ".join(words[:70]) + " the needle.\n\n## Findings\n\n" + " ".join(words[70:])
    make_post(title="Long", body=body)
    snippet = search(client, q="needle").context["posts"][0].snippet_html
    assert "<mark>needle</mark>" in snippet and "Findings" in snippet
    assert "¶" not in snippet


def test_the_migration_takes_the_heading_sign_out_of_stored_text():
    import importlib

    from django.apps import apps

    post = make_post(title="Headed", body="## Findings\n\nText.")
    Post.objects.filter(pk=post.pk).update_quietly(body_text="Findings¶ Text.")  # as stored
    migration = importlib.import_module("blog.migrations.0017_body_text_without_heading_signs")
    migration.drop_heading_signs(apps, None)
    assert Post.objects.values_list("body_text", flat=True).get(pk=post.pk) == "Findings Text."
