"""Who may do what in the admin, proved by URL."""

import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.utils import timezone

from blog.models import Post
from tests.factories import make_comment, make_desk, make_post, make_user, post_form_data


@pytest.fixture
def people(db):
    return make_desk()


def change_url(post):
    return f"/admin/blog/post/{post.pk}/change/"


def test_author_lists_only_their_own_posts(client, people):
    client.force_login(people["ann"])
    page = client.get("/admin/blog/post/").content.decode()
    assert "Ann writes" in page and "Bob writes" not in page


@pytest.mark.parametrize("suffix", ["change/", "delete/", "history/", "revisions/"])
def test_another_authors_post_is_refused_by_url(client, people, suffix):
    client.force_login(people["ann"])
    response = client.get(f"/admin/blog/post/{people['bob_post'].pk}/{suffix}")
    assert response.status_code == 403


def test_another_authors_post_cannot_be_changed_or_deleted_by_post(client, people):
    bob_post = people["bob_post"]
    client.force_login(people["ann"])
    assert (
        client.post(change_url(bob_post), post_form_data(bob_post, title="Hijacked")).status_code
        == 403
    )
    assert (
        client.post(f"/admin/blog/post/{bob_post.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    client.post("/admin/blog/post/", {"action": "publish_now", "_selected_action": [bob_post.pk]})
    bob_post.refresh_from_db()
    assert bob_post.title == "Bob writes" and bob_post.status == "draft"


def test_author_field_is_theirs_and_not_editable(client, people):
    client.force_login(people["ann"])
    page = client.get("/admin/blog/post/add/").content.decode()
    assert 'name="author"' not in page
    response = client.post(
        "/admin/blog/post/add/",
        post_form_data(people["ann_post"], title="New by Ann", slug="", author=people["bob"].pk),
    )
    assert response.status_code == 302
    assert Post.objects.get(title="New by Ann").author == people["ann"]


def test_author_publishes_and_edits_their_own_post(client, people):
    ann_post = people["ann_post"]
    ann_post.status = "draft"
    ann_post.save()
    client.force_login(people["ann"])
    client.post("/admin/blog/post/", {"action": "publish_now", "_selected_action": [ann_post.pk]})
    ann_post.refresh_from_db()
    assert ann_post.is_published
    response = client.post(change_url(ann_post), post_form_data(ann_post, title="Ann rewrites"))
    assert response.status_code == 302
    ann_post.refresh_from_db()
    assert ann_post.title == "Ann rewrites" and ann_post.edited_by == people["ann"]


def test_editor_sees_every_post_and_may_change_its_author(client, people):
    client.force_login(people["eve"])
    page = client.get("/admin/blog/post/").content.decode()
    assert "Ann writes" in page and "Bob writes" in page
    bob_post = people["bob_post"]
    response = client.post(change_url(bob_post), post_form_data(bob_post, author=people["ann"].pk))
    assert response.status_code == 302
    bob_post.refresh_from_db()
    assert bob_post.author == people["ann"]


@pytest.mark.parametrize("url", ["/admin/blog/path/add/", "/admin/comments/moderationrule/"])
def test_authors_cannot_manage_paths_or_moderation_rules(client, people, url):
    client.force_login(people["ann"])
    assert client.get(url).status_code == 403


def test_editor_manages_paths_tags_and_comments(client, people):
    client.force_login(people["eve"])
    for url in ("/admin/blog/path/add/", "/admin/taggit/tag/", "/admin/comments/comment/"):
        assert client.get(url).status_code == 200, url


def test_authors_see_and_moderate_only_comments_on_their_own_posts(client, people):
    mine = make_comment(post=people["ann_post"], body="On Ann's", status="pending")
    theirs = make_comment(post=people["bob_post"], body="On Bob's", status="pending")
    client.force_login(people["ann"])
    page = client.get("/admin/comments/comment/").content.decode()
    assert "On Ann" in page and "On Bob" not in page
    assert client.get(f"/admin/comments/comment/{theirs.pk}/change/").status_code == 403
    client.post(
        "/admin/comments/comment/",
        {"action": "mark_approved", "_selected_action": [mine.pk, theirs.pk]},
    )
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("approved", "pending")


def test_post_state_is_shown_and_filtered(client, people):
    make_post(
        title="Later on",
        author=people["ann"],
        published_at=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(people["eve"])
    page = client.get("/admin/blog/post/").content.decode()
    for state in ("Draft", "Scheduled", "Published"):
        # colour (the class), an icon and the word: never colour alone
        assert re.search(
            rf'class="post-state post-state-{state.lower()}"><span aria-hidden="true">.</span> '
            rf"{state}</span>",
            page,
        ), state
    scheduled = client.get("/admin/blog/post/", {"state": "scheduled"}).content.decode()
    assert "Later on" in scheduled and "Ann writes" not in scheduled
    under = client.get("/admin/blog/post/", {"under": "/diary"}).content.decode()
    assert "Ann writes" in under


def test_unpublish_action_returns_a_post_to_draft(client, people):
    client.force_login(people["ann"])
    post = people["ann_post"]
    client.post("/admin/blog/post/", {"action": "unpublish", "_selected_action": [post.pk]})
    post.refresh_from_db()
    assert post.status == "draft"


def test_grant_role_command_and_admin_action(client, db):
    dora = make_user(username="dora")
    call_command("grant_role", "dora", "author", stdout=io.StringIO())
    dora.refresh_from_db()
    assert dora.is_staff and dora.groups.filter(name="Author").exists()
    ed = make_user(username="ed")
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    client.post("/admin/accounts/user/", {"action": "make_editors", "_selected_action": [ed.pk]})
    ed.refresh_from_db()
    assert ed.is_staff and ed.groups.filter(name="Editor").exists()


def test_path_and_tag_fields_suggest_existing_values(client, people):
    people["ann_post"].tags.add("kilo")
    client.force_login(people["ann"])
    page = client.get("/admin/blog/post/add/").content.decode()
    assert 'list="id_path_text-suggestions"' in page and '<option value="/diary">' in page
    assert 'list="id_tags-suggestions"' in page and '<option value="kilo">' in page


def test_an_author_deletes_their_own_post_with_its_comments(client, people):
    post = people["ann_post"]
    make_comment(post=post)
    client.force_login(people["ann"])
    response = client.post(f"/admin/blog/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Post.objects.filter(pk=post.pk).exists()
