"""A link to a comment on a later page of a busy post lands on it, and the pages of comments
are walked through on a phone as on a desktop (in Chromium)."""

import pytest

from tests.factories import make_comment, make_post

pytestmark = pytest.mark.browser

LONG = "\n\n".join(["Plenty to say about this, at some length, over several lines."] * 8)


@pytest.fixture
def busy_post(transactional_db, settings):
    settings.COMMENTS_THREADS_PER_PAGE = 2
    post = make_post(title="Everyone comments here", path="/diary")
    threads = [make_comment(post=post, body=f"Thread {n}.\n\n{LONG}") for n in range(5)]
    reply = make_comment(post=post, parent=threads[3], body=f"A reply on page two.\n\n{LONG}")
    return post, reply


def is_in_view(page, selector):
    """The element's top is on the screen (waiting for a smooth scroll to end)."""
    page.wait_for_function(
        "selector => { const box = document.querySelector(selector).getBoundingClientRect();"
        " return box.top > -2 && box.top < window.innerHeight; }",
        arg=selector,
        timeout=5000,
    )
    return True


def test_a_link_to_a_comment_on_page_two_lands_on_it(page, busy_post):
    post, reply = busy_post
    page.goto("/comments/")
    page.locator(f'a[href$="#comment-{reply.pk}"]').click()
    page.wait_for_load_state()
    assert page.url.endswith(f"{post.get_absolute_url()}comment-page-2/#comment-{reply.pk}")
    assert "A reply on page two." in page.locator(f"#comment-{reply.pk}").inner_text()
    assert page.evaluate("window.scrollY") > 0
    assert is_in_view(page, f"#comment-{reply.pk}")


def test_the_pages_of_comments_are_walked_through(page, busy_post):
    post, _reply = busy_post
    page.goto(post.get_absolute_url())
    navigation = page.get_by_role("navigation", name="Pages of comments")
    assert navigation.locator("[aria-current=page]").inner_text() == "1"
    # Nothing wider than the screen, and every link big enough for a finger.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for link in navigation.get_by_role("link").all():
        box = link.bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24
    navigation.locator("a[rel=next]").click()
    page.wait_for_load_state()
    assert page.url.endswith("comment-page-2/#comments")
    assert is_in_view(page, "#comments")
    assert "Thread 2." in page.locator("#comments").inner_text()
    assert "Thread 0." not in page.locator("#comments").inner_text()
    navigation = page.get_by_role("navigation", name="Pages of comments")
    assert navigation.locator("[aria-current=page]").inner_text() == "2"
    navigation.get_by_role("link", name="Page 3 of comments").click()
    page.wait_for_load_state()
    assert "Thread 4." in page.locator("#comments").inner_text()
    page.get_by_role("navigation", name="Pages of comments").locator("a[rel=prev]").click()
    page.wait_for_load_state()
    assert page.url.endswith("comment-page-2/#comments")


def test_a_page_of_comments_passes_axe(page, busy_post):
    from axe_playwright_python.sync_playwright import Axe

    from tests.browser.test_standards import AXE_TAGS

    post, _reply = busy_post
    page.goto(f"{post.get_absolute_url()}comment-page-2/")
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    violations = [
        (v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]
    ]
    assert not violations
