"""Never lose words: autosave of the post form, its restore offer, and the refusal of a form
loaded before someone else saved the post."""

import datetime
import json
import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blog.autosave import AUTOSAVE_MAX_BYTES, version_of
from blog.models import Autosave, Page, Post
from tests.factories import make_desk, make_user, post_form_data


@pytest.fixture
def people(db):
    return make_desk(ann_post_body="The published text.")


def autosave_url(post):
    return f"/admin/blog/post/{post.pk}/autosave/"


def change_url(post):
    return f"/admin/blog/post/{post.pk}/change/"


def form_data(post, **overrides):
    return post_form_data(post, **{"loaded_version": version_of(post), **overrides})


def offer_on(page):
    found = re.search(r'<script id="autosave-offer" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1)) if found else None


def test_autosave_keeps_the_typed_text_for_its_writer_and_leaves_the_published_post_alone(
    client, people
):
    post = people["ann_post"]
    client.force_login(people["ann"])
    response = client.post(
        autosave_url(post), {"title": "Ann rewrites", "body": "Half a new sentence", "tags": "x"}
    )
    assert response.status_code == 200
    assert re.fullmatch(r"\d\d:\d\d", response.json()["time"])
    autosave = Autosave.objects.get(user=people["ann"], post=post)
    assert autosave.fields == {"title": "Ann rewrites", "body": "Half a new sentence", "tags": "x"}
    stored = Post.objects.get(pk=post.pk)
    assert (stored.title, stored.body, stored.updated_at) == (
        "Ann writes",
        "The published text.",
        post.updated_at,
    )
    assert not stored.revisions.exists()
    reader = Client().get(post.get_absolute_url()).content.decode()
    assert "The published text." in reader and "Half a new sentence" not in reader


def test_autosave_keeps_only_the_forms_own_fields(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    client.post(
        autosave_url(post),
        {"body": "Typed", "published_at_0": "2015-10-15", "author": "99", "comment_count": "7"},
    )
    fields = Autosave.objects.get().fields
    assert fields == {"body": "Typed", "published_at_0": "2015-10-15"}  # author: not Ann's field


def test_an_author_may_not_autosave_another_authors_post_but_an_editor_may(client, people):
    bob_post = people["bob_post"]
    client.force_login(people["ann"])
    assert client.post(autosave_url(bob_post), {"body": "Mine now"}).status_code == 403
    assert not Autosave.objects.exists()
    client.force_login(people["eve"])
    assert client.post(autosave_url(bob_post), {"body": "An edit"}).status_code == 200
    assert Autosave.objects.get().user == people["eve"]


def test_autosave_needs_a_login_with_the_right_to_write(client, people):
    post = people["ann_post"]
    assert client.post(autosave_url(post), {"body": "x"}).status_code == 302  # to the login
    client.force_login(make_user(username="reader"))
    assert client.post(autosave_url(post), {"body": "x"}).status_code == 302
    assert client.post("/admin/blog/post/autosave/", {"body": "x"}).status_code == 302
    assert not Autosave.objects.exists()


def test_autosave_takes_post_only(client, people):
    client.force_login(people["ann"])
    response = client.get(autosave_url(people["ann_post"]))
    assert response.status_code == 405 and "error" in response.json()


def test_autosave_refuses_a_request_without_the_csrf_token(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["ann"])
    assert client.post(autosave_url(people["ann_post"]), {"body": "x"}).status_code == 403
    client.get(change_url(people["ann_post"]))
    token = client.cookies["csrftoken"].value
    response = client.post(
        autosave_url(people["ann_post"]), {"body": "x"}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 200


def test_autosave_of_a_post_that_does_not_exist_is_404(client, people):
    client.force_login(people["ann"])
    assert client.post("/admin/blog/post/999999/autosave/", {"body": "x"}).status_code == 404


def test_autosave_refuses_too_much_text_with_a_message(client, people):
    client.force_login(people["ann"])
    response = client.post(autosave_url(people["ann_post"]), {"body": "x" * 64_001})
    assert response.status_code == 413 and "longer than" in response.json()["error"]
    huge = client.post(
        autosave_url(people["ann_post"]), {"body": "x" * 10, "title": "y" * AUTOSAVE_MAX_BYTES}
    )
    assert huge.status_code == 413
    assert not Autosave.objects.exists()


def test_reopening_the_form_offers_the_newer_autosave(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    client.post(autosave_url(post), {"title": "Ann rewrites", "body": "Typed before the crash"})
    page = client.get(change_url(post)).content.decode()
    offer = offer_on(page)
    assert offer["fields"]["body"] == "Typed before the crash"
    assert re.fullmatch(r"\d\d:\d\d", offer["time"])
    assert 'data-autosave-url="/admin/blog/post/' in page
    assert "js/autosave.js" in page
    # Nobody else is offered Ann's words.
    client.force_login(people["eve"])
    assert offer_on(client.get(change_url(post)).content.decode()) is None


def test_an_autosave_older_than_a_save_by_someone_else_is_offered_and_cannot_overwrite_it(
    client, people
):
    post = people["ann_post"]
    typed_on = version_of(post)
    client.force_login(people["ann"])
    client.post(autosave_url(post), {"body": "Ann's lost words", "loaded_version": typed_on})
    Autosave.objects.update(saved_at=timezone.now() - datetime.timedelta(minutes=5))
    client.force_login(people["eve"])
    edit = form_data(post, body="Eve's edit.", author=post.author_id)
    assert client.post(change_url(post), edit).status_code == 302
    assert Autosave.objects.filter(user=people["ann"]).exists()  # Eve's save keeps Ann's words

    client.force_login(people["ann"])
    offer = offer_on(client.get(change_url(post)).content.decode())
    assert offer["fields"]["body"] == "Ann's lost words"
    assert re.fullmatch(r"\d\d:\d\d", offer["saved_since"])
    # Restored, the form says which version the words were typed on: no silent overwrite.
    restored = form_data(post, **offer["fields"])
    response = client.post(change_url(post), restored)
    assert (
        response.status_code == 200
        and "Not saved: this was saved by eve" in response.content.decode()
    )
    assert Post.objects.get(pk=post.pk).body == "Eve's edit."


def test_saving_the_post_deletes_its_autosave(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    client.post(autosave_url(post), {"body": "Typed, then saved"})
    response = client.post(change_url(post), form_data(post, body="Typed, then saved"))
    assert response.status_code == 302
    assert not Autosave.objects.exists()
    assert offer_on(client.get(change_url(post)).content.decode()) is None


def test_a_new_posts_autosave_is_offered_on_add_and_deleted_once_it_is_saved(client, people):
    client.force_login(people["ann"])
    response = client.post("/admin/blog/post/autosave/", {"title": "Not yet saved", "body": "Hm"})
    assert response.status_code == 200
    offer = offer_on(client.get("/admin/blog/post/add/").content.decode())
    assert offer["fields"] == {"title": "Not yet saved", "body": "Hm"}
    assert offer_on(client.get("/admin/blog/page/add/").content.decode()) is None  # not a page
    data = form_data(people["ann_post"], title="Not yet saved", slug="", loaded_version="")
    assert client.post("/admin/blog/post/add/", data).status_code == 302
    assert not Autosave.objects.exists()


def test_dismissing_the_offer_deletes_the_autosave(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    client.post(autosave_url(post), {"body": "Not wanted"})
    response = client.post(autosave_url(post), {"discard": "1"})
    assert response.json() == {"discarded": True}
    assert not Autosave.objects.exists()


def test_a_page_is_autosaved_and_offered_like_a_post(client, people):
    page = Page(title="About", author=people["ann"], body="We.")
    page.save()
    client.force_login(people["eve"])
    url = f"/admin/blog/page/{page.pk}/autosave/"
    assert client.post(url, {"title": "About us", "menu_order": "2"}).status_code == 200
    html = client.get(f"/admin/blog/page/{page.pk}/change/").content.decode()
    assert offer_on(html)["fields"] == {"title": "About us", "menu_order": "2"}
    assert client.post(f"/admin/blog/post/{page.pk}/autosave/", {"body": "x"}).status_code == 404


def test_a_stale_form_is_refused_with_a_diff_and_keeps_what_was_typed(client, people):
    post = people["ann_post"]
    loaded = form_data(post)
    # The editor saves in between.
    client.force_login(people["eve"])
    assert (
        client.post(
            change_url(post), form_data(post, body="Eve's careful edit.", author=post.author_id)
        ).status_code
        == 302
    )
    client.force_login(people["ann"])
    response = client.post(change_url(post), {**loaded, "body": "Ann's own new text."})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Not saved: this was saved by eve at" in page
    assert '<span class="diff-removed">- Eve&#x27;s careful edit.</span>' in page
    assert '<span class="diff-added">+ Ann&#x27;s own new text.</span>' in page
    assert "Ann&#x27;s own new text.</textarea>" in page  # what she typed is kept
    assert Post.objects.get(pk=post.pk).body == "Eve's careful edit."


def test_the_refused_form_sent_again_replaces_the_newer_version_deliberately(client, people):
    post = people["ann_post"]
    loaded = form_data(post)
    client.force_login(people["eve"])
    client.post(
        change_url(post), form_data(post, body="Eve's careful edit.", author=post.author_id)
    )
    client.force_login(people["ann"])
    refused = client.post(change_url(post), {**loaded, "body": "Ann's text."})
    newer = re.search(r'name="loaded_version" value="([^"]+)"', refused.content.decode()).group(1)
    assert newer == version_of(Post.objects.get(pk=post.pk)) != loaded["loaded_version"]
    again = client.post(
        change_url(post), {**loaded, "body": "Ann's text.", "loaded_version": newer}
    )
    assert again.status_code == 302
    stored = Post.objects.get(pk=post.pk)
    assert stored.body == "Ann's text."
    assert stored.revisions.filter(body="Eve's careful edit.").exists()  # nothing is lost


def test_a_form_of_the_current_version_saves_as_before(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    response = client.post(change_url(post), form_data(post, body="Fine."))
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).body == "Fine."


def test_the_page_form_carries_its_own_autosave_address(client, people):
    client.force_login(people["eve"])
    page = client.get("/admin/blog/page/add/").content.decode()
    assert 'data-autosave-url="/admin/blog/page/autosave/"' in page


def test_a_view_only_editor_sees_the_form_and_may_not_autosave(client, people):
    editors = Group.objects.get(name="Editor")
    editors.permissions.remove(*Permission.objects.filter(codename__in=["change_post", "add_post"]))
    post = people["ann_post"]
    client.force_login(people["eve"])
    response = client.get(change_url(post))
    assert response.status_code == 200 and "Ann writes" in response.content.decode()
    assert client.post(autosave_url(post), {"body": "x"}).status_code == 403
    assert client.post("/admin/blog/post/autosave/", {"body": "x"}).status_code == 403
    assert not Autosave.objects.exists()


def test_the_restore_offer_costs_the_form_no_extra_queries(client, people):
    post = people["ann_post"]
    client.force_login(people["ann"])
    client.get(change_url(post))  # warm: content types, session
    with CaptureQueriesContext(connection) as without_offer:
        client.get(change_url(post))
    client.post(autosave_url(post), {"body": "Typed"})
    with CaptureQueriesContext(connection) as with_offer:
        page = client.get(change_url(post)).content.decode()
    assert offer_on(page) is not None
    assert len(with_offer) == len(without_offer)
