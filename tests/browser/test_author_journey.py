"""An Author writes a post with a picture in the admin; another Author cannot open it."""

import re

import feedparser
import pytest

from blog.models import Post
from tests.factories import make_user, picture_bytes, role_group

pytestmark = pytest.mark.browser


@pytest.fixture
def authors(transactional_db):
    group = role_group("Author")
    people = []
    for name in ("ann", "bob"):
        user = make_user(username=name, password=f"{name}-password-123", is_staff=True)
        user.groups.add(group)
        people.append(user)
    return people


def log_in(page, username):
    page.goto("/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", f"{username}-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def test_author_writes_previews_and_publishes_a_post_with_a_picture(
    page, authors, browser, live_server
):
    log_in(page, "ann")
    page.goto("/admin/blog/post/add/")
    page.fill("#id_title", "Harbour at dusk")
    page.fill("#id_path_text", "/diary/pictures")
    page.fill("#id_tags", "photos, harbour")
    page.fill("#id_body", "A first *draft*.")
    page.set_input_files(
        "#id_images-0-upload",
        files=[
            {
                "name": "harbour.png",
                "mimeType": "image/png",
                "buffer": picture_bytes(width=900, height=600, color="navy"),
            }
        ],
    )
    page.fill("#id_images-0-alt", "Boats in a dark blue harbour")
    page.click("input[name=_continue]")
    assert "Saved as a draft" in page.locator(".messagelist").inner_text()

    reference = page.locator(".field-reference .readonly").first.inner_text()
    assert re.fullmatch(r'!\[Boats in a dark blue harbour\]\(image:\d+ ""\)', reference)
    placed = reference.replace('""', '"The harbour at dusk"')
    body = "Evening at the harbour.\n\n" + placed
    page.fill("#id_body", body)
    preview = page.locator(".post-preview-content figure")
    preview.wait_for()
    assert preview.locator("figcaption").inner_text() == "The harbour at dusk"
    assert "words" in page.locator(".post-preview-meta").inner_text()

    # A reader has the pages open already (so they sit in the page cache).
    reader = browser.new_context(base_url=live_server.url).new_page()
    listings = ["/", "/diary/pictures/", "/feed/", "/tags/harbour/"]
    for url in listings[:3]:
        reader.goto(url)
        assert "Harbour at dusk" not in reader.content()

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    post = Post.objects.get(title="Harbour at dusk")

    # At the reader's next request it is on the front page, its path, its tag and the feed,
    for url in listings:
        response = reader.goto(url)
        assert response.status == 200 and "Harbour at dusk" in reader.content(), url
    entries = feedparser.parse(reader.request.get("/feed/").body()).entries
    assert entries[0].title == "Harbour at dusk"
    # and a search from the header finds it (journey 4).
    reader.goto("/")
    reader.fill("#site-search-q", "harbour dusk")
    reader.press("#site-search-q", "Enter")
    reader.wait_for_url("**/search/?q=harbour+dusk")
    assert reader.locator(".search-count").inner_text() == "1 post found."
    reader.click(".search-result a:text('Harbour at dusk')")
    reader.wait_for_url(f"**{post.get_absolute_url()}")
    reader.context.close()
    assert post.is_published and sorted(post.tags.names()) == ["harbour", "photos"]

    page.goto(post.get_absolute_url())
    figure = page.locator("article figure img")
    assert figure.get_attribute("alt") == "Boats in a dark blue harbour"
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0")  # it loaded
    picture = post.images.get()
    assert figure.evaluate("img => new URL(img.currentSrc).pathname") in {
        picture.display.url,
        picture.thumbnail.url,
    }
    assert page.locator("article figcaption").inner_text() == "The harbour at dusk"
    # One picture is shown once (no "see all 1 picture"); it opens its large rendition over
    # the page, and Escape or the Back button closes it, back at the picture.
    assert page.locator(".gallery-link").count() == 0
    permalink = page.url
    large = page.locator("dialog.lightbox img")
    page.click("article figure a.picture-link")
    large.wait_for()
    assert large.get_attribute("src").endswith(picture.original.url)
    # (the large rendition loads after the dialog opens: wait for it, not a fixed moment)
    page.wait_for_function(
        "() => { const img = document.querySelector('dialog.lightbox img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )
    assert large.evaluate("img => img.naturalWidth") == picture.original_width
    page.keyboard.press("Escape")
    page.wait_for_url(permalink)
    assert not page.locator("dialog.lightbox").evaluate("d => d.open")
    assert page.evaluate("document.activeElement.classList.contains('picture-link')")
    page.click("article figure a.picture-link")
    large.wait_for()
    page.go_back()
    page.wait_for_url(permalink)
    assert not page.locator("dialog.lightbox").evaluate("d => d.open")
    assert page.locator("article figcaption").inner_text() == "The harbour at dusk"

    other = browser.new_context(base_url=live_server.url).new_page()
    log_in(other, "bob")
    response = other.goto(f"/admin/blog/post/{post.pk}/change/")
    assert response.status == 403
    other.goto("/admin/blog/post/")
    assert "Harbour at dusk" not in other.locator("#content").inner_text()
    other.context.close()
