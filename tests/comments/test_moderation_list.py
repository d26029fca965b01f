"""The held-comment list: compact rows, one-click moderation that returns to the same list,
filters that name only posts with held comments, and a reply from the admin."""

import pytest
from django.contrib.auth.models import Group, Permission

from comments.models import Comment
from tests.factories import make_comment, make_post, make_user

LIST = "/admin/comments/comment/"


def moderator(*, editor=True, username="ed"):
    user = make_user(username=username, is_staff=True, display_name="Ed Itor")
    codenames = ["view_comment", "change_comment", "delete_comment"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    if editor:
        user.groups.add(Group.objects.get_or_create(name="Editor")[0])
    return user


@pytest.fixture
def held(db):
    post = make_post(title="Kilo release notes")
    return make_comment(
        post=post, status="pending", author_name="Rita", body="First *line*.\n\nSecond line."
    )


def test_list_shows_post_title_commenter_rendered_first_lines_and_age(client, held):
    client.force_login(moderator())
    page = client.get(LIST, {"status__exact": "pending"}).content.decode()
    assert "Kilo release notes" in page and "Rita" in page
    assert "First <em>line</em>." in page
    assert "minute" in page  # the age: "0 minutes" / "1 minute"


def test_first_lines_are_cut_without_breaking_the_markup(client, db):
    long = "**" + " ".join(f"word{n}" for n in range(100)) + "**"
    make_comment(status="pending", body=long)
    client.force_login(moderator())
    page = client.get(LIST).content.decode()
    cell = page.split('class="field-first_lines">')[1].split("</td>")[0]
    assert cell.count("<strong>") == cell.count("</strong>") == 1
    assert "word99" not in cell and "…" in cell


@pytest.mark.parametrize(
    ("button", "status", "count"),
    [("approved", "approved", 1), ("spam", "spam", 0), ("removed", "removed", 0)],
)
def test_one_click_moderates_the_row_and_returns_to_the_same_filtered_list(
    client, held, button, status, count
):
    client.force_login(moderator())
    filters = "status__exact=pending&p=1"
    response = client.post(
        f"{LIST}moderate/?_changelist_filters=status__exact%3Dpending%26p%3D1",
        {"moderate": f"{held.pk}:{button}"},
    )
    assert response.status_code == 302
    assert response.url == f"{LIST}?{filters}"
    held.refresh_from_db()
    assert held.status == status
    assert held.post.__class__.objects.get(pk=held.post_id).comment_count == count


def test_moderating_the_last_comment_of_the_last_page_comes_back_to_the_last_page(
    client, db, monkeypatch
):
    from django.contrib import admin

    monkeypatch.setattr(admin.site._registry[Comment], "list_per_page", 2)
    post = make_post()
    comments = [make_comment(post=post, status="pending") for _ in range(5)]
    client.force_login(moderator())
    on_page_three = client.get(LIST, {"status__exact": "pending", "p": "3"}).content.decode()
    alone = next(c for c in comments if f'value="{c.pk}:approved"' in on_page_three)
    response = client.post(
        f"{LIST}moderate/?_changelist_filters=status__exact%3Dpending%26p%3D3",
        {"moderate": f"{alone.pk}:approved"},
    )
    page = client.get(response.url)
    assert page.status_code == 200  # not the admin's redirect to ?e=1
    assert page.content.decode().count('name="moderate"') == 2 * 3  # the last page, page 2


def test_row_buttons_post_through_the_lists_form_with_its_filters(client, held):
    client.force_login(moderator())
    page = client.get(LIST, {"status__exact": "pending"}).content.decode()
    assert (
        'formaction="/admin/comments/comment/moderate/?_changelist_filters=status__exact%3Dpending"'
        in page
    )
    assert f'value="{held.pk}:approved"' in page and 'formmethod="post"' in page


def test_one_click_refuses_a_get_a_bad_value_and_someone_elses_comment(client, held):
    author = moderator(editor=False, username="other_author")
    client.force_login(author)
    assert client.get(f"{LIST}moderate/").status_code == 405
    assert client.post(f"{LIST}moderate/", {"moderate": f"{held.pk}:eaten"}).status_code == 404
    assert (
        client.post(f"{LIST}moderate/", {"moderate": "99999999999999999999999:spam"}).status_code
        == 404
    )
    assert client.post(f"{LIST}moderate/", {"moderate": f"{held.pk}:approved"}).status_code == 403
    held.refresh_from_db()
    assert held.status == "pending"


def test_one_click_needs_the_change_permission(client, held):
    viewer = held.post.author  # may see the comments on their post, not change them
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(viewer)
    assert client.post(f"{LIST}moderate/", {"moderate": f"{held.pk}:approved"}).status_code == 403
    held.refresh_from_db()
    assert held.status == "pending"


def test_one_click_needs_a_csrf_token(held):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(moderator())
    assert client.post(f"{LIST}moderate/", {"moderate": f"{held.pk}:approved"}).status_code == 403


def test_post_filter_lists_only_posts_with_held_comments(client, held):
    make_comment(post=make_post(title="Approved only"), status="approved")
    make_post(title="No comments at all")
    client.force_login(moderator())
    page = client.get(LIST).content.decode()
    filters = page.split('id="changelist-filter"')[1]
    assert "Kilo release notes" in filters
    assert "Approved only" not in filters and "No comments at all" not in filters
    only = client.get(LIST, {"post": held.post_id}).content.decode()
    assert "Rita" in only
    assert client.get(LIST, {"post": "not-a-number"}).status_code == 200


def test_reply_from_the_admin_is_posted_as_the_author_approved_and_threaded(client, held):
    editor = moderator()
    client.force_login(editor)
    form = client.get(f"{LIST}{held.pk}/reply/?_changelist_filters=status__exact%3Dpending")
    assert form.status_code == 200 and "First <em>line</em>." in form.content.decode()
    response = client.post(
        f"{LIST}{held.pk}/reply/?_changelist_filters=status__exact%3Dpending",
        {"body": "Thanks, *Rita*."},
    )
    assert response.status_code == 302 and response.url == f"{LIST}?status__exact=pending"
    answer = Comment.objects.get(parent=held)
    assert answer.user == editor and answer.author_name == "Ed Itor"
    assert answer.status == "approved" and answer.is_by_author
    held.refresh_from_db()
    assert held.status == "approved"  # replying to a held comment approves it
    page = client.get(held.post.get_absolute_url()).content.decode()
    assert "Thanks, <em>Rita</em>." in page


def test_an_empty_reply_is_refused_and_someone_elses_comment_cannot_be_answered(client, held):
    client.force_login(moderator())
    response = client.post(f"{LIST}{held.pk}/reply/", {"body": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    assert not Comment.objects.filter(parent=held).exists()
    client.force_login(moderator(editor=False, username="other_author"))
    assert client.get(f"{LIST}{held.pk}/reply/").status_code == 403
    assert client.get(f"{LIST}12345678/reply/").status_code == 404
    assert client.get(f"{LIST}nonsense/reply/").status_code == 404


@pytest.mark.parametrize("count", [1, 30])
def test_held_list_runs_constant_queries(client, db, django_assert_max_num_queries, count):
    for n in range(count):
        make_comment(post=make_post(), status="pending", body=f"Held *{n}*.")
    client.force_login(moderator())
    client.get(LIST, {"status__exact": "pending"})  # warm the user's permission cache
    with django_assert_max_num_queries(14):
        response = client.get(LIST, {"status__exact": "pending"})
    assert response.content.decode().count('name="moderate"') == count * 3
