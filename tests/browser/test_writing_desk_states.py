"""States on the writing desk, on a phone and a desktop: a post scheduled, shown as scheduled and
live at its time; a draft seen on the site by its author only; a contributor's post submitted for
review, the editors told by mail, an editor publishing it; a post form without sideways
scrolling. The admin pages touched have no axe violations."""

import datetime
import re
import time

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from blog.models import Post
from tests.browser.conftest import ARTIFACTS
from tests.factories import WRITING_PERMISSIONS, make_post, make_user, role_group

pytestmark = pytest.mark.browser

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
ROLES = {
    "Author": WRITING_PERMISSIONS,
    "Contributor": WRITING_PERMISSIONS,
    "Editor": [*WRITING_PERMISSIONS, "change_path"],
}


def role(name):
    """The group the migrations made (a transactional test before this one may have flushed
    it: then made again)."""
    return role_group(name, ROLES[name])


@pytest.fixture
def desk(transactional_db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    people = {}
    for name, group in (("ann", "Author"), ("bob", "Author"), ("dara", "Contributor")):
        people[name] = make_user(
            username=name,
            password=f"{name}-password-123",
            email=f"{name}@example.com",
            is_staff=True,
        )
        people[name].groups.add(role(group))
    people["eve"] = make_user(
        username="eve", password="eve-password-123", email="eve@example.com", is_staff=True
    )
    people["eve"].groups.add(role("Editor"))
    mail.outbox = []
    return people


def log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def assert_no_axe_violations(page):
    """Axe on the page, but the pictures inline (the media work's own)."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results = Axe().run(page, options=options)
    violations = [
        (v["id"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
    ]
    assert not violations, f"{page.url}: {violations}"


def success_message(page):
    return page.locator("ul.messagelist li.success").inner_text()


def reader(browser, live_server, page):
    """Another browser, logged out, at the same size."""
    return browser.new_context(viewport=page.viewport_size, base_url=live_server.url).new_page()


def test_a_scheduled_post_is_shown_as_scheduled_then_goes_live_at_its_time(
    page, desk, browser, live_server
):
    log_in(page, "ann")
    page.goto("/admin/blog/post/add/")
    page.fill("#id_title", "Harbour at noon")
    page.fill("#id_path_text", "/diary")
    page.fill("#id_body", "The ferry comes in.")
    page.select_option("#id_status", "scheduled")
    when = timezone.localtime(timezone.now() + datetime.timedelta(seconds=90))
    page.fill("#id_published_at_0", f"{when:%Y-%m-%d}")
    page.fill("#id_published_at_1", f"{when:%H:%M:%S}")
    page.click("input[name=_save]")
    assert success_message(page).startswith(f"Scheduled for {when:%a %-d %b %H:%M}")
    row = page.locator("#result_list tbody tr", has_text="Harbour at noon")
    assert row.locator(".post-state-scheduled").inner_text().strip().endswith("Scheduled")
    assert_no_axe_violations(page)
    row.locator("th a").click()
    page.wait_for_url(re.compile(r"/change/$"))
    page.wait_for_load_state()
    assert page.locator("#id_status").input_value() == "scheduled"
    assert_no_axe_violations(page)

    # Its time brought near (the checks above take a while on a busy machine): a save, as
    # the admin's would; nothing is written when the time comes.
    post = Post.objects.get(title="Harbour at noon")
    post.published_at = timezone.now() + datetime.timedelta(seconds=8)
    post.save()
    visitor = reader(browser, live_server, page)
    visitor.goto("/")
    assert "Harbour at noon" not in visitor.content()
    assert visitor.goto(post.get_absolute_url()).status == 404
    time.sleep(max(0.0, (post.published_at - timezone.now()).total_seconds()) + 1)
    visitor.goto("/")
    assert "Harbour at noon" in visitor.content()  # no job ran: its time came
    assert visitor.goto(post.get_absolute_url()).status == 200
    visitor.context.close()


def test_a_draft_is_seen_on_the_site_by_its_author_and_by_no_one_else(
    page, desk, browser, live_server
):
    draft = make_post(author=desk["ann"], published=False, title="Unfinished thoughts")
    log_in(page, "ann")
    page.goto(f"/admin/blog/post/{draft.pk}/change/")
    # The share link: shown as text, with a Copy button that says what it did.
    share = page.locator(".field-share_link input.copyable")
    assert "/drafts/" in share.input_value()
    page.locator(".field-share_link button.copy-button").click()
    # The clipboard answers asynchronously: the status is waited for, not read at once.
    expect(page.locator(".field-share_link .copy-status")).to_have_text(
        re.compile(r"^(Copied\.|Selected: press Ctrl\+C \(⌘C\) to copy\.)$")
    )
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value")
    assert_no_axe_violations(page)
    page.goto(page.get_attribute("a.viewsitelink", "href"))
    assert "Unfinished thoughts" in page.locator("h1").inner_text()
    assert "Draft" in page.locator(".draft-banner").inner_text()

    visitor = reader(browser, live_server, page)
    assert visitor.goto(draft.get_absolute_url()).status == 404
    log_in(visitor, "bob")
    assert visitor.goto(draft.get_absolute_url()).status == 404
    assert visitor.goto(f"/admin/blog/post/{draft.pk}/change/").status == 403
    visitor.context.close()


def test_a_contributor_submits_for_review_and_an_editor_publishes(page, desk, browser, live_server):
    log_in(page, "dara")
    page.goto("/admin/blog/post/add/")
    options = page.locator("#id_status option").evaluate_all("els => els.map(e => e.value)")
    assert options == ["draft", "pending"]
    page.fill("#id_title", "Tide tables explained")
    page.fill("#id_path_text", "/diary")
    page.fill("#id_body", "High water twice a day.")
    assert_no_axe_violations(page)
    page.click("input[name=_submit_for_review]")
    assert success_message(page).startswith("Submitted for review")
    post = Post.objects.get(title="Tide tables explained")
    assert post.status == "pending"
    assert [message.to for message in mail.outbox] == [["eve@example.com"]]
    assert "Tide tables explained" in mail.outbox[0].subject

    editor = reader(browser, live_server, page)
    log_in(editor, "eve")
    assert_no_axe_violations(editor)  # the admin's index, with the queue's link
    editor.click("text=1 post waiting for review")
    editor.wait_for_url("**/admin/blog/post/?state=pending")
    editor.wait_for_load_state()
    assert_no_axe_violations(editor)
    editor.locator("#result_list th a", has_text="Tide tables explained").click()
    editor.select_option("#id_status", "published")
    editor.click("input[name=_save]")
    assert success_message(editor).startswith("Published — view it")
    editor.click("ul.messagelist a")
    assert "Tide tables explained" in editor.locator("h1").inner_text()
    post.refresh_from_db()
    assert post.is_published and post.author == desk["dara"]
    assert mail.outbox[-1].to == ["dara@example.com"]
    editor.context.close()


@pytest.mark.parametrize("size", [(1366, 768), (390, 844)], ids=["laptop", "phone"])
def test_the_post_form_fits_without_sideways_scrolling(browser, live_server, desk, size):
    width, height = size
    post = make_post(author=desk["ann"], title="A title " * 12, body="Words " * 400)
    context = browser.new_context(
        viewport={"width": width, "height": height}, base_url=live_server.url
    )
    page = context.new_page()
    log_in(page, "ann")
    for url in ("/admin/blog/post/add/", f"/admin/blog/post/{post.pk}/change/"):
        page.goto(url)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= width, (url, scroll_width)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"post-form-{width}px.png", full_page=True)
    body = page.locator("#id_body").bounding_box()
    state = page.locator("#id_status").bounding_box()
    if width >= 1200:
        assert body["width"] >= 560  # the text is wide (beside the admin's own side menu)
        assert state["x"] >= body["x"] + body["width"]  # the metadata beside it
    else:
        assert body["width"] >= width * 0.8
        assert state["y"] >= body["y"] + body["height"]  # the metadata below it
    assert_no_axe_violations(page)
    page.goto("/admin/blog/post/")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()
