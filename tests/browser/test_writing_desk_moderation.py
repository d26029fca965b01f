"""Moderation you can work in, and the second factor (in Chromium, on a phone and a desktop):
a held comment approved from the list in one click, a reader refused an author's name, an
editor asked for a second factor when the site requires it. Admin pages checked with axe."""

import json
import re
from base64 import b32decode

import pytest
from django.contrib.auth.models import Group, Permission
from django_otp.oath import totp

from tests.browser.test_standards import AXE_TAGS
from tests.factories import make_comment, make_post, make_user

pytestmark = pytest.mark.browser
PASSWORD = "editor-password-123"


def axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        (v["id"], v["help"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
    ]


@pytest.fixture
def site(transactional_db, settings):
    settings.COMMENTS_MIN_SECONDS = 1
    editor = make_user(
        username="chen", password=PASSWORD, is_staff=True, display_name="Chen Editor"
    )
    editor.groups.add(Group.objects.get_or_create(name="Editor")[0])
    editor.user_permissions.add(*Permission.objects.filter(content_type__app_label="comments"))
    post = make_post(title="Kilo release notes", author=editor, path="/openstack/kilo")
    return {"editor": editor, "post": post}


def log_in(page, username="chen"):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def test_a_held_comment_is_approved_from_the_list_in_one_click_and_answered(page, site):
    post = site["post"]
    held = make_comment(post=post, status="pending", author_name="Rita", body="Is *Kilo* out?")
    make_comment(post=make_post(title="Another post"), status="pending", author_name="Sam")
    log_in(page)
    page.goto("/admin/comments/comment/?status__exact=pending")
    row = page.locator("#result_list tbody tr", has_text="Rita")
    assert "Kilo release notes" in row.inner_text() and "Is Kilo out?" in row.inner_text()
    found = {"list": axe_violations(page)}
    row.get_by_role("button", name="Approve the comment by Rita").click()
    page.wait_for_url(re.compile(r"status__exact=pending"))
    assert "The comment by Rita was approved." in page.locator(".messagelist").inner_text()
    assert page.locator("#result_list tbody tr", has_text="Rita").count() == 0  # same filter
    assert page.locator("#result_list tbody tr", has_text="Sam").count() == 1
    held.refresh_from_db()
    assert held.status == "approved"

    page.goto("/admin/comments/comment/")
    page.locator("#result_list tbody tr", has_text="Rita").get_by_role(
        "link", name="Reply to Rita"
    ).click()
    found["reply"] = axe_violations(page)
    page.fill("#id_body", "It is, *today*.")
    page.click("input[type=submit]")
    assert "Your reply to Rita is published" in page.locator(".messagelist").inner_text()
    page.goto(post.get_absolute_url())
    reply = page.locator(f"#comment-{held.pk} .comment-replies > li")
    assert "It is, today." in reply.inner_text() and "Author" in reply.inner_text()
    assert not any(found.values()), json.dumps(found, indent=1)


def test_a_reader_is_refused_an_authors_name_and_keeps_the_text(page, site):
    page.goto(site["post"].get_absolute_url())
    page.fill("#id_author_name", "chen editor")
    page.fill("#id_author_email", "someone@example.com")
    page.fill("#id_body", "Words worth keeping.")
    page.wait_for_timeout(1100)
    page.click("button[name=post]")
    error = page.locator("#id_author_name_error").inner_text()
    assert "used by one of this site's authors" in error
    assert page.input_value("#id_author_name") == "chen editor"
    assert page.input_value("#id_body") == "Words worth keeping."


def test_an_editor_is_asked_for_a_second_factor_when_the_site_requires_it(page, site, settings):
    settings.TWO_FACTOR_REQUIRED = True
    log_in(page)
    page.wait_for_url(re.compile(r"/admin/two-factor/$"))
    assert page.locator("svg.two-factor-qr").is_visible()
    found = {"setup": axe_violations(page)}
    secret = page.locator("#two-factor-secret").inner_text().replace(" ", "")
    key = b32decode(secret)
    page.fill("#id_code", f"{totp(key):06d}")
    page.click("input[type=submit]")
    # The click returns once the POST is sent; the page of codes is awaited, not read at once.
    page.locator(".two-factor-codes code").first.wait_for()
    codes = page.locator(".two-factor-codes code").all_inner_texts()
    assert len(codes) == 10
    found["codes"] = axe_violations(page)
    page.click("text=go on to the admin")
    page.wait_for_url(re.compile(r"/admin/$"))

    page.context.clear_cookies()
    log_in(page)
    page.wait_for_url(re.compile(r"/admin/login/code/"))
    found["code"] = axe_violations(page)
    page.fill("#id_code", f"{totp(key, drift=1):06d}")  # the next code: this one is used
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))
    found["index"] = axe_violations(page)
    page.click("text=Two-factor sign-in")
    assert "Two-factor sign-in is on" in page.locator("#content").inner_text()
    found["on"] = axe_violations(page)
    assert not any(found.values()), json.dumps(found, indent=1)
