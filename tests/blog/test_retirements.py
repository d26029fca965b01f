"""A change retires the page cache exactly once: one admin save of a post with tags and a
picture, one comment, one moderation action, one imported item."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import transaction

import pagecache
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_comment, make_post, make_user, picture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def retirements(retirements_on_commit, monkeypatch, django_capture_on_commit_callbacks):
    """Counts the retirements made while the test's changes commit (`retirements.keys`: the
    keys each retired)."""
    made = []
    original = pagecache.retire_now

    def counting(keys):
        made.append(set(keys))
        return original(keys)

    monkeypatch.setattr(pagecache, "retire_now", counting)

    def count(action):
        # What came before counts as committed: its hooks are done with (the test's own
        # transaction never commits, and running a captured hook does not remove it).
        transaction.get_connection().run_on_commit = []
        made.clear()
        with django_capture_on_commit_callbacks(execute=True):
            action()
        count.keys = list(made)
        return len(made)

    return count


@pytest.fixture
def editor(client):
    user = make_user(username="eve", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    client.force_login(user)
    return user


def post_form(**overrides):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "title": "Three tags and a picture",
        "slug": "",
        "path_text": "/openstack/kilo",
        "tags": "python, django, 上海",
        "body": "Some *text*.",
        "status": "published",
        "published_at_0": "2026-01-02",
        "published_at_1": "10:00:00",
        "allow_comments": "on",
        "markup": "markdown",
        "summary": "",
        "images-TOTAL_FORMS": "1",
        "images-INITIAL_FORMS": "0",
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
        "images-0-upload": SimpleUploadedFile("a.png", picture_bytes()),
        "images-0-alt": "A square",
        "images-0-caption": "",
        "images-0-order": "0",
        **overrides,
    }


def test_one_admin_save_of_a_post_with_tags_and_a_picture_retires_once(client, editor, retirements):
    responses = []
    assert (
        retirements(lambda: responses.append(client.post("/admin/blog/post/add/", post_form())))
        == 1
    )
    assert responses[0].status_code == 302
    from blog.models import Post

    post = Post.objects.get()
    assert post.tags.count() == 3 and post.images.count() == 1
    data = post_form(title="Edited", tags="python", **{"images-TOTAL_FORMS": "0"})
    edit = lambda: client.post(f"/admin/blog/post/{post.pk}/change/", data)  # noqa: E731
    assert retirements(edit) == 1


def test_one_comment_retires_once(client, settings, retirements):
    settings.COMMENTS_MODERATION = "none"
    post = make_post()
    send = lambda: client.post(comment_url(post), comment_data(post, client=client))  # noqa: E731
    assert retirements(send) == 1


def test_one_moderation_action_retires_once(client, editor, retirements):
    post = make_post()
    held = [make_comment(post=post, status="pending") for _ in range(5)]
    data = {"action": "mark_approved", "_selected_action": [c.pk for c in held]}
    assert retirements(lambda: client.post("/admin/comments/comment/", data)) == 1


def test_a_login_retires_nothing(client, retirements):
    make_user(username="boss", password="the-right-password-42", is_staff=True)
    login = lambda: client.post(  # noqa: E731
        "/admin/login/", {"username": "boss", "password": "the-right-password-42"}
    )
    assert retirements(login) == 0


def test_an_import_retires_once_however_many_items_it_brings(tmp_path, retirements):
    from tests.tooling.test_import_wxr import DATA

    source = DATA / "sample-1.2.xml"
    out = io.StringIO()
    made = retirements(lambda: call_command("import_wxr", str(source), stdout=out))
    from blog.models import Post

    assert Post.objects.count() >= 5
    assert made == 1  # the import is one transaction


@pytest.fixture
def vector_refreshes(monkeypatch):
    from blog.models.posts import PostQuerySet

    refreshed = []
    original = PostQuerySet.refresh_search_vectors

    def counting(queryset):
        refreshed.append(sorted(queryset.values_list("pk", flat=True)))
        return original(queryset)

    monkeypatch.setattr(PostQuerySet, "refresh_search_vectors", counting)
    return refreshed


def test_adding_a_post_in_the_admin_computes_its_search_vector_once(
    client, editor, retirements, vector_refreshes
):
    from blog.models import Post

    retirements(lambda: client.post("/admin/blog/post/add/", post_form()))
    assert vector_refreshes == [[Post.objects.get().pk]]


def test_editing_a_post_in_the_admin_computes_its_search_vector_once(
    client, editor, retirements, vector_refreshes
):
    post = make_post(title="Before", path="/openstack/kilo", tags=["django", "old"])
    vector_refreshes.clear()
    data = post_form(title="Edited", tags="python, new", **{"images-TOTAL_FORMS": "0"})
    responses = []
    retirements(lambda: responses.append(client.post(f"/admin/blog/post/{post.pk}/change/", data)))
    assert responses[0].status_code == 302
    assert vector_refreshes == [[post.pk]]
