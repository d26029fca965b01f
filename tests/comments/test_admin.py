import pytest
from django.contrib.auth.models import Group, Permission

from comments.models import Comment
from tests.factories import make_comment, make_post, make_user


def staff(username, *, editor=False):
    user = make_user(username=username, is_staff=True)
    codenames = ["view_comment", "change_comment", "delete_comment"]
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    if editor:
        user.groups.add(Group.objects.get_or_create(name="Editor")[0])
    return user


@pytest.fixture
def comments(db):
    ada, bo = make_user(username="ada_author"), make_user(username="bo_author")
    adas = make_comment(
        post=make_post(author=ada, path="/openstack/kilo"),
        body="On Ada's post",
        status="pending",
        ip_address="203.0.113.5",
    )
    bos = make_comment(
        post=make_post(author=bo, path="/diary"),
        body="On Bo's post",
        status="pending",
        author_email="someone@mail.example",
    )
    return {"ada": ada, "adas": adas, "bos": bos}


def test_editor_sees_every_comment_and_the_pending_count(client, comments):
    client.force_login(staff("ed", editor=True))
    page = client.get("/admin/comments/comment/").content.decode()
    assert "On Ada" in page and "On Bo" in page
    assert "2 comments awaiting moderation" in client.get("/admin/").content.decode()


def test_author_sees_and_moderates_only_comments_on_their_own_posts(client, comments):
    author = comments["ada"]
    author.is_staff = True
    author.save()
    author.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_comment", "change_comment"])
    )
    client.force_login(author)
    page = client.get("/admin/comments/comment/").content.decode()
    assert "On Ada" in page and "On Bo" not in page
    assert "1 comment awaiting moderation" in client.get("/admin/").content.decode()
    other = comments["bos"]
    response = client.get(f"/admin/comments/comment/{other.pk}/change/")
    assert response.status_code == 403
    client.post(
        "/admin/comments/comment/", {"action": "mark_approved", "_selected_action": [other.pk]}
    )
    other.refresh_from_db()
    assert other.status == "pending"


@pytest.mark.parametrize(
    ("action", "status", "count"),
    [("mark_approved", "approved", 1), ("mark_spam", "spam", 0), ("mark_removed", "removed", 0)],
)
def test_bulk_actions_change_status_and_keep_counts(client, comments, action, status, count):
    client.force_login(staff("ed", editor=True))
    adas = comments["adas"]
    client.post("/admin/comments/comment/", {"action": action, "_selected_action": [adas.pk]})
    adas.refresh_from_db()
    assert adas.status == status
    assert adas.post.__class__.objects.get(pk=adas.post_id).comment_count == count


@pytest.mark.parametrize("query", ["203.0.113.5", "someone@mail.example", "Ada's", "Reader"])
def test_search_by_ip_email_body_and_name(client, comments, query):
    client.force_login(staff("ed", editor=True))
    page = client.get("/admin/comments/comment/", {"q": query}).content.decode()
    assert "On Ada" in page or "On Bo" in page


def test_filters_by_status_and_path(client, comments):
    client.force_login(staff("ed", editor=True))
    page = client.get("/admin/comments/comment/", {"under": "/openstack"}).content.decode()
    assert "On Ada" in page and "On Bo" not in page
    Comment.objects.filter(pk=comments["bos"].pk).set_status("spam")
    page = client.get("/admin/comments/comment/", {"status__exact": "spam"}).content.decode()
    assert "On Bo" in page and "On Ada" not in page


def test_moderation_rules_are_edited_in_the_admin(client, db):
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    response = client.post(
        "/admin/comments/moderationrule/add/", {"action": "hold", "text": "casino"}
    )
    assert response.status_code == 302
    assert client.get("/admin/comments/moderationrule/").status_code == 200
