"""Never lose words, in a browser: an author's text comes back after the tab is closed, leaving
with unsaved changes asks first, and two editors' conflicting saves are not a silent
overwrite. The post form keeps zero axe violations throughout."""

import json
import re

import pytest

from blog.models import Autosave, Post
from tests.browser.conftest import ARTIFACTS, VIEWPORTS
from tests.browser.test_standards import AXE_TAGS
from tests.factories import make_post, make_staff, make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    ann = make_staff(username="ann", password="ann-password-123")
    eve = make_user(username="eve", password="eve-password-123", is_staff=True, is_superuser=True)
    post = make_post(title="Harbour notes", body="The published text.", author=ann)
    return {"ann": ann, "eve": eve, "post": post}


def log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def assert_no_axe_violations(page):
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results = Axe().run(page, options=options)
    violations = [
        (v["id"], v["help"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
    ]
    assert not violations, json.dumps(violations, indent=1)


def test_an_author_closes_the_tab_and_gets_the_text_back(page, people):
    post = people["post"]
    change = f"/admin/blog/post/{post.pk}/change/"
    log_in(page, "ann")
    tab = page.context.new_page()
    tab.goto(change)
    tab.fill("#id_title", "Harbour notes, rewritten")
    tab.locator("#id_body").press("Control+End")
    tab.locator("#id_body").press_sequentially(" Words typed and never saved.")
    tab.get_by_role("status").filter(has_text="Autosaved at").wait_for()
    tab.close()  # no save, no goodbye

    # Readers still see the published text.
    assert Post.objects.get(pk=post.pk).body == "The published text."
    reader = page.goto(post.get_absolute_url())
    assert "The published text." in page.content() and reader.status == 200
    assert "never saved" not in page.content()

    page.goto(change)
    offer = page.locator(".autosave-offer")
    assert re.search(r"Restore the text from \d\d:\d\d\?", offer.inner_text())
    assert page.input_value("#id_body") == "The published text."
    assert_no_axe_violations(page)
    page.screenshot(path=ARTIFACTS / f"autosave-offer-{page.viewport_name}.png")
    offer.get_by_role("button", name="Restore").click()
    assert page.input_value("#id_body") == "The published text. Words typed and never saved."
    assert page.input_value("#id_title") == "Harbour notes, rewritten"
    assert page.locator(".autosave-offer").count() == 0

    # Restored, then saved: no "leave the page?" question, and the autosave is spent.
    page.on("dialog", lambda dialog: pytest.fail(f"unexpected {dialog.type} dialog"))
    page.click("input[name=_continue]")
    page.wait_for_url(f"**{change}")
    assert Post.objects.get(pk=post.pk).body == "The published text. Words typed and never saved."
    assert not Autosave.objects.exists()
    assert page.locator(".autosave-offer").count() == 0


def test_leaving_a_new_post_with_unsaved_text_asks_first_and_keeps_it(page, people):
    log_in(page, "ann")
    page.goto("/admin/blog/post/add/")
    page.locator("#id_title").press_sequentially("A post begun")
    page.locator("#id_body").press_sequentially("Its first line")
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()  # leave anyway

    page.on("dialog", answer)
    page.goto("/admin/")  # before the idle autosave: the one sent on leaving keeps the text
    assert dialogs == ["beforeunload"]
    # The text leaves as a beacon, which the server may store after the next page is served:
    # come back once it is stored, as an author coming back a moment later would.
    for _ in range(100):
        if Autosave.objects.exists():
            break
        page.wait_for_timeout(100)
    page.goto("/admin/blog/post/add/")
    page.locator(".autosave-offer").get_by_role("button", name="Restore").click()
    assert page.input_value("#id_title") == "A post begun"
    assert page.input_value("#id_body") == "Its first line"
    page.fill("#id_path_text", "/diary")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/blog/post/")
    assert dialogs == ["beforeunload"]  # saving does not ask
    assert Post.objects.filter(title="A post begun", body="Its first line").exists()
    assert not Autosave.objects.exists()


def test_two_editors_the_second_save_is_refused_with_a_diff_and_keeps_the_text(
    page, people, browser, live_server
):
    post = people["post"]
    change = f"/admin/blog/post/{post.pk}/change/"
    log_in(page, "ann")
    page.goto(change)
    other = browser.new_context(viewport=VIEWPORTS[page.viewport_name], base_url=live_server.url)
    eve = other.new_page()
    log_in(eve, "eve")
    eve.goto(change)

    eve.fill("#id_body", "The published text, checked by Eve.")
    eve.click("input[name=_continue]")
    eve.wait_for_url(f"**{change}")
    other.close()

    page.fill("#id_body", "Ann's second thoughts.")
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    error = page.locator(".errorlist.nonfield")
    assert "Not saved: this was saved by eve at" in error.inner_text()
    assert error.locator(".diff-removed").inner_text() == "- The published text, checked by Eve."
    assert error.locator(".diff-added").inner_text() == "+ Ann's second thoughts."
    assert page.input_value("#id_body") == "Ann's second thoughts."
    assert Post.objects.get(pk=post.pk).body == "The published text, checked by Eve."
    assert_no_axe_violations(page)
    page.screenshot(path=ARTIFACTS / f"autosave-conflict-{page.viewport_name}.png", full_page=True)

    page.click("input[name=_continue]")  # deliberately, having seen Eve's version
    page.wait_for_url(f"**{change}")
    assert page.locator(".errorlist.nonfield").count() == 0
    assert Post.objects.get(pk=post.pk).body == "Ann's second thoughts."


def test_words_autosaved_before_someone_elses_save_come_back_without_overwriting_it(
    page, people, browser, live_server
):
    post = people["post"]
    change = f"/admin/blog/post/{post.pk}/change/"
    log_in(page, "ann")
    tab = page.context.new_page()
    tab.goto(change)
    tab.fill("#id_body", "Ann's words, typed before Eve saved.")
    tab.get_by_role("status").filter(has_text="Autosaved at").wait_for()
    tab.close()

    other = browser.new_context(viewport=VIEWPORTS[page.viewport_name], base_url=live_server.url)
    eve = other.new_page()
    log_in(eve, "eve")
    eve.goto(change)
    eve.fill("#id_body", "Eve's edit.")
    eve.click("input[name=_continue]")
    eve.wait_for_url(f"**{change}")
    other.close()

    page.goto(change)
    offer = page.locator(".autosave-offer")
    assert "which was saved since" in offer.inner_text()
    offer.get_by_role("button", name="Restore").click()
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    error = page.locator(".errorlist.nonfield")
    assert error.locator(".diff-removed").inner_text() == "- Eve's edit."
    assert page.input_value("#id_body") == "Ann's words, typed before Eve saved."
    assert Post.objects.get(pk=post.pk).body == "Eve's edit."
