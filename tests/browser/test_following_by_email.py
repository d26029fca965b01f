"""A reader follows a post's comments by email, confirms from the mail, hears of a new
comment, and stops the mails in one click (in Chromium)."""

import re

import pytest
from django.core import mail

from comments.models import Subscription
from tests.browser.test_standards import AXE_TAGS
from tests.factories import make_comment, make_post

pytestmark = pytest.mark.browser


def link_in(message, part):
    return next(link for link in re.findall(r"https?://\S+", message.body) if part in link)


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    assert not results.response["violations"], [v["id"] for v in results.response["violations"]]


def test_a_reader_follows_a_post_by_email_confirms_hears_of_a_comment_and_unsubscribes(
    page, transactional_db, settings, live_server
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.BLOG_SITE_URL = live_server.url
    post = make_post(title="Kilo release notes", path="/openstack/kilo")
    page.goto(post.get_absolute_url())
    page.fill("#follow-email", "rita@example.com")
    page.click(".follow-form button")
    assert "Check your mail" in page.locator("h1").inner_text()
    [confirmation] = mail.outbox
    assert confirmation.to == ["rita@example.com"]

    page.goto(link_in(confirmation, "/follow/confirm/"))
    assert not Subscription.objects.confirmed().exists()  # opening the link is not enough
    page.click("button:has-text('Confirm')")
    assert "comments on “Kilo release notes”" in page.locator("[role=status]").inner_text()
    assert_accessible(page)

    make_comment(post=post, author_name="Bob", body="A *new* comment.")  # approved
    notice = mail.outbox[-1]
    assert notice.to == ["rita@example.com"] and "A *new* comment." in notice.body

    page.goto(link_in(notice, "/follow/stop/"))
    page.click("button:has-text('Stop')")  # the one click
    assert "no more mails" in page.locator("[role=status]").inner_text()
    assert not Subscription.objects.exists()
    page.goto(link_in(notice, "/follow/yours/"))
    assert "gets no mail" in page.locator("[role=status]").inner_text()
    assert_accessible(page)


def test_the_follow_and_privacy_forms_answer_errors_in_place_and_pass_axe(
    page, transactional_db, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    make_post(path="/openstack/kilo")
    page.goto("/openstack/")
    page.click("text=Follow new posts here by email")
    assert "new posts under /openstack/" in page.locator("h1").inner_text()
    page.fill("#id_email", "not an address")
    page.click(".follow-form button")
    page.locator(".field-error").first.wait_for()  # the answer's page, not the one just left
    assert page.locator("#id_email").input_value() == "not an address"
    assert page.locator(".field-error").count() == 1
    assert_accessible(page)
    page.goto("/comments/privacy/")
    assert_accessible(page)
    page.fill("#id_email", "rita@example.com")
    page.check("input[value=erase]")
    page.click("button[type=submit]:has-text('Mail me the link')")
    assert "Check your mail" in page.locator("h1").inner_text()
    assert "/comments/privacy/" in mail.outbox[-1].body
