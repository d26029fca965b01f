"""A reader comments, an editor approves, the conversation appears everywhere (in Chromium)."""

import feedparser
import pytest
from django.contrib.auth.models import Group, Permission

from tests.factories import make_post, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, settings):
    settings.COMMENTS_MIN_SECONDS = 1
    editor = make_user(username="editor", password="editor-password-123", is_staff=True)
    editor.groups.add(Group.objects.get_or_create(name="Editor")[0])
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="comments"))
    return make_post(title="Kilo release notes", path="/openstack/kilo")


def write_comment(page, *, name, email, body):
    page.fill("#id_author_name", name)
    page.fill("#id_author_email", email)
    page.fill("#id_body", body)
    page.wait_for_timeout(1100)  # people take a moment; robots that do not are refused
    page.click("button[name=post]")


def test_comment_is_held_approved_by_an_editor_and_then_shown_everywhere(
    page, site, browser, live_server
):
    post = site
    page.goto(post.get_absolute_url())
    write_comment(page, name="Rita Reader", email="rita@example.com", body="Great *notes*, thanks!")
    held = page.locator(".comment-held")
    assert "awaiting moderation" in held.inner_text()
    comment_id = held.get_attribute("id")

    editor = browser.new_context(base_url=live_server.url).new_page()
    editor.goto("/admin/login/")
    editor.fill("#id_username", "editor")
    editor.fill("#id_password", "editor-password-123")
    editor.click("input[type=submit]")
    assert "1 comment awaiting moderation" in editor.locator("#content").inner_text()
    editor.click("text=1 comment awaiting moderation")
    editor.check("input.action-select")
    editor.select_option("select[name=action]", "mark_approved")
    editor.click("button[name=index]")
    assert "1 comment(s) approved" in editor.locator(".messagelist").inner_text()
    editor.context.close()

    page.goto(post.get_absolute_url())
    approved = page.locator(f"#{comment_id}")
    assert "Great notes, thanks!" in approved.inner_text()
    assert "awaiting moderation" not in approved.inner_text()
    assert page.locator("#comments-heading").inner_text() == "1 comment"
    page.goto("/comments/")
    assert "Rita Reader on Kilo release notes" in page.locator(".recent-comments").inner_text()
    feed = feedparser.parse(page.request.get("/comments/feed/").body())
    assert [entry.title for entry in feed.entries] == [
        "Comment on Kilo release notes by Rita Reader"
    ]

    page.goto(post.get_absolute_url())
    page.click(f"#{comment_id} .reply-link")
    assert page.locator("#comment-form h3").inner_text().startswith("Reply to Rita Reader")
    write_comment(page, name="Rita Reader", email="rita@example.com", body="And a follow-up.")
    reply = page.locator(f"#{comment_id} .comment-replies > li")
    assert reply.count() == 1 and "And a follow-up." in reply.inner_text()


def test_form_errors_keep_what_was_typed(page, site):
    page.goto(site.get_absolute_url())
    page.fill("#id_author_name", "Rita Reader")
    page.fill("#id_body", "Something worth keeping.")
    page.wait_for_timeout(1100)
    page.click("button[name=post]")
    assert page.locator("#id_author_email_error").inner_text() == "This field is required."
    assert page.input_value("#id_author_name") == "Rita Reader"
    assert page.input_value("#id_body") == "Something worth keeping."


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_a_reply_nests_under_its_comment_with_or_without_javascript(
    browser, live_server, site, settings, javascript
):
    from comments.models import Comment
    from tests.factories import make_comment

    settings.COMMENTS_MODERATION = "none"
    post = site
    first = make_comment(post=post, author_name="Ann", body="First thoughts.")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(post.get_absolute_url())
    page.click(f"#comment-{first.pk} a.reply-link")
    if javascript:  # the form moves under the comment; the page does not reload
        assert page.url.endswith(post.get_absolute_url())
        assert page.locator(f"#comment-{first.pk} #comment-form").count() == 1
        page.click("button.cancel-reply")
        assert page.locator(f"#comment-{first.pk} #comment-form").count() == 0
        page.click(f"#comment-{first.pk} a.reply-link")
    else:  # the link loads ?reply_to=, and the server prepares the form
        assert f"reply_to={first.pk}" in page.url
    assert page.locator("#id_parent").input_value() == str(first.pk)
    write_comment(page, name="Bea", email="bea@example.com", body="A reply to Ann.")
    reply = Comment.objects.get(body="A reply to Ann.")
    assert reply.parent_id == first.pk
    nested = page.locator(f"#comment-{first.pk} .comment-replies #comment-{reply.pk}")
    assert nested.count() == 1
    context.close()
