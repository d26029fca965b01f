"""A contributor writes drafts and submits them for review; editors are told by mail (through
the task queue) and publish, schedule or send back with a note; a contributor never publishes."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from blog.models import Post
from tests.factories import make_post, make_user

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("immediate_tasks"),
]


@pytest.fixture
def immediate_tasks():
    backend = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=backend):
        yield


@pytest.fixture
def committed(client, django_capture_on_commit_callbacks):
    """client.post, then what runs when its transaction commits (the tasks are queued)."""

    def post(*args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(*args, **kwargs)

    return post


def with_role(username, role, **fields):
    user = make_user(username=username, is_staff=True, email=f"{username}@example.com", **fields)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def people(db):
    return {
        "dara": with_role("dara", "Contributor"),
        "ann": with_role("ann", "Author"),
        "eve": with_role("eve", "Editor"),
        "root": with_role("root", None, is_superuser=True),
    }


def form_data(post=None, **overrides):
    when = timezone.localtime(post.published_at if post else timezone.now())
    return {
        "title": post.title if post else "From a contributor",
        "slug": post.slug if post else "",
        "path_text": post.path.full_path if post else "/diary",
        "tags": "",
        "body": post.body if post else "Words for review.",
        "status": post.current_state.value if post else "draft",
        "published_at_0": f"{when:%Y-%m-%d}",
        "published_at_1": f"{when:%H:%M:%S}",
        "allow_comments": "on",
        "markup": "markdown",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        **overrides,
    }


def draft_of(user, **fields):
    return make_post(author=user, published=False, title="Dara's draft", **fields)


def test_a_contributor_may_choose_only_draft_and_pending_review(client, people):
    client.force_login(people["dara"])
    page = client.get("/admin/blog/post/add/").content.decode()
    assert ">Draft</option>" in page and ">Pending review</option>" in page
    for state in ("Scheduled", "Published", "Unlisted"):
        assert f">{state}</option>" not in page
    assert 'name="_submit_for_review"' in page


@pytest.mark.parametrize("state", ["published", "scheduled", "unlisted"])
def test_a_contributor_cannot_publish_or_schedule_by_sending_the_form(client, people, state):
    client.force_login(people["dara"])
    later = timezone.now() + datetime.timedelta(days=1)
    when = (
        {"published_at_0": f"{timezone.localtime(later):%Y-%m-%d}"} if state == "scheduled" else {}
    )
    response = client.post("/admin/blog/post/add/", form_data(status=state, **when))
    assert response.status_code == 200 and not Post.objects.exists()
    assert "Select a valid choice" in response.content.decode()


def test_a_contributor_cannot_publish_with_the_list_actions(client, people):
    draft = draft_of(people["dara"])
    client.force_login(people["dara"])
    for action in ("publish_now", "unpublish"):
        client.post("/admin/blog/post/", {"action": action, "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "draft"
    page = client.get("/admin/blog/post/").content.decode()
    assert 'value="publish_now"' not in page and 'value="submit_for_review"' in page


def test_a_contributor_cannot_change_their_post_once_published(client, people):
    post = make_post(author=people["dara"], title="Out there")
    client.force_login(people["dara"])
    page = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert "Published: an editor has reviewed it." in page and 'name="_save"' not in page
    response = client.post(f"/admin/blog/post/{post.pk}/change/", form_data(post, title="Changed"))
    assert response.status_code == 403
    post.refresh_from_db()
    assert post.title == "Out there"


def test_saving_a_post_already_waiting_for_review_does_not_say_it_was_submitted_again(
    client, committed, people
):
    client.force_login(people["dara"])
    submitted = form_data(_submit_for_review="Submit for review")
    committed("/admin/blog/post/add/", submitted, follow=True)  # its message shown
    post = Post.objects.get()
    mail.outbox.clear()
    change = f"/admin/blog/post/{post.pk}/change/"
    response = committed(change, form_data(post, body="A fix while it waits."), follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert not any("Submitted for review" in message for message in messages), messages
    assert any("Saved: still waiting for review." in message for message in messages), messages
    assert mail.outbox == []  # the editors were told once, when it was submitted
    post.refresh_from_db()
    assert post.status == Post.Status.PENDING and post.body == "A fix while it waits."


def test_submit_for_review_moves_the_post_to_pending_and_mails_the_editors(
    client, committed, people
):
    client.force_login(people["dara"])
    response = committed(
        "/admin/blog/post/add/", form_data(_submit_for_review="Submit for review"), follow=True
    )
    post = Post.objects.get()
    assert post.status == Post.Status.PENDING and post.author == people["dara"]
    messages = [str(message) for message in response.context["messages"]]
    assert any("Submitted for review" in message for message in messages), messages
    # One mail an editor (none sees the others' addresses); not ann, not dara.
    assert sorted(message.to for message in mail.outbox) == [
        ["eve@example.com"],
        ["root@example.com"],
    ]
    for sent in mail.outbox:
        assert "From a contributor" in sent.subject
        assert f"/admin/blog/post/{post.pk}/change/" in sent.body


def test_the_submit_action_sends_drafts_for_review(client, committed, people):
    draft = draft_of(people["dara"])
    client.force_login(people["dara"])
    committed("/admin/blog/post/", {"action": "submit_for_review", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == "pending" and len(mail.outbox) == 2  # the two editors


def test_editors_see_the_queue_on_the_admin_index_and_as_a_filter(client, people):
    waiting = draft_of(people["dara"])
    waiting.status = Post.Status.PENDING
    waiting.save()
    draft_of(people["dara"], slug="not-waiting")
    client.force_login(people["eve"])
    index = client.get("/admin/").content.decode()
    assert '/admin/blog/post/?state=pending">1 post waiting for review</a>' in index
    queue = client.get("/admin/blog/post/?state=pending").content.decode()
    assert f"/admin/blog/post/{waiting.pk}/change/" in queue
    assert "/not-waiting" not in queue and queue.count('class="post-state ') == 1
    client.force_login(people["ann"])
    assert "waiting for review" not in client.get("/admin/").content.decode()


def test_an_editor_sends_a_post_back_with_a_note_the_contributor_reads(client, committed, people):
    post = draft_of(people["dara"])
    post.status = Post.Status.PENDING
    post.save()
    client.force_login(people["eve"])
    note = "Please cite the source of the second quote."
    response = committed(
        f"/admin/blog/post/{post.pk}/change/",
        form_data(post, status="draft", review_note=note, author=post.author_id),
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == "draft" and post.review_note == note
    assert [message.to for message in mail.outbox] == [["dara@example.com"]]
    assert note in mail.outbox[0].body and "Sent back" in mail.outbox[0].subject
    client.force_login(people["dara"])
    page = client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert note in page and 'name="review_note"' not in page  # read, not edited


def test_an_editor_publishes_a_pending_post_and_its_author_is_told(client, committed, people):
    post = draft_of(people["dara"])
    post.status = Post.Status.PENDING
    post.save()
    client.force_login(people["eve"])
    committed(
        f"/admin/blog/post/{post.pk}/change/",
        form_data(post, status="published", author=post.author_id),
    )
    post.refresh_from_db()
    assert post.is_published and post.author == people["dara"]
    assert [message.to for message in mail.outbox] == [["dara@example.com"]]
    assert mail.outbox[0].subject.startswith("Published")
    assert client.get(post.get_absolute_url()).status_code == 200


def test_mail_is_queued_not_sent_in_the_request_with_the_database_backend(
    client, committed, people
):
    backend = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    with override_settings(TASKS=backend):
        client.force_login(people["dara"])
        committed("/admin/blog/post/add/", form_data(status="pending"))
    assert Post.objects.get().status == "pending"
    assert mail.outbox == []
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path__endswith="mail_editors_post_submitted").exists()
