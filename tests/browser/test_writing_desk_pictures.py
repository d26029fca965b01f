"""Pictures in one step: dropped into the body editor, a picture is uploaded, described and
shown in the preview without saving; a save that fails keeps it; the media library offers it
to the open post. On a phone and a desktop."""

import re

import pytest

from blog.models import Post, PostImage
from tests.browser.test_standards import AXE_TAGS
from tests.factories import make_user, picture_bytes, role_group

pytestmark = pytest.mark.browser


@pytest.fixture
def ann(transactional_db):
    user = make_user(username="ann", password="ann-password-123", is_staff=True)
    user.groups.add(role_group("Author"))
    return user


def log_in(page):
    page.goto("/admin/login/")
    page.fill("#id_username", "ann")
    page.fill("#id_password", "ann-password-123")
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


def drop_picture(page, name="harbour.png", data=None):
    """A synthetic drop on the body editor, its DataTransfer carrying a real PNG."""
    data = list(data or picture_bytes(width=640, height=400, color="navy"))
    page.evaluate(
        """([bytes, name]) => {
            const transfer = new DataTransfer();
            transfer.items.add(new File([new Uint8Array(bytes)], name, {type: "image/png"}));
            const body = document.querySelector("#id_body");
            body.focus();
            body.setSelectionRange(body.value.length, body.value.length);
            body.dispatchEvent(new DragEvent("drop", {
                dataTransfer: transfer, bubbles: true, cancelable: true,
            }));
        }""",
        [data, name],
    )


def describe_and_upload(page, alt):
    dialog = page.get_by_role("dialog", name="Describe the pictures")
    dialog.wait_for()
    assert_no_axe_violations(page, ".picture-tray")  # the dialog, open
    dialog.get_by_label("Alt text (required)").fill(alt)
    dialog.get_by_role("button", name="Upload").click()
    page.get_by_text("Uploaded, and placed in the text.").wait_for()


def assert_no_axe_violations(page, within=None):
    """axe-core (WCAG 2.2 AA) on the page, or on the part of it `within` selects."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": AXE_TAGS}}
    results = Axe().run(page, context=within and {"include": [within]}, options=options)
    violations = [
        (v["id"], v["help"], [node["target"] for node in v["nodes"]][:3])
        for v in results.response["violations"]
    ]
    assert not violations, violations


def start_post(page):
    log_in(page)
    page.goto("/admin/blog/post/add/")
    page.fill("#id_title", "Harbour at dusk")
    page.fill("#id_path_text", "/diary")
    page.fill("#id_body", "Evening at the harbour.")


def test_a_dropped_picture_is_uploaded_and_previewed_without_saving(page, ann):
    start_post(page)
    drop_picture(page)
    describe_and_upload(page, "Boats in a dark blue harbour")

    picture = PostImage.objects.get()
    assert (picture.post, picture.owner) == (None, ann)
    body = page.input_value("#id_body")
    assert body.startswith(
        f'Evening at the harbour.\n\n![Boats in a dark blue harbour](image:{picture.pk} "")'
    )
    preview = page.locator(f'.post-preview-content img[src="{picture.display.url}"]')
    preview.wait_for()
    assert preview.get_attribute("alt") == "Boats in a dark blue harbour"
    assert not Post.objects.exists()  # nothing was saved
    assert_no_axe_violations(page, ".picture-tray")

    drop_picture(page, name="notes.png", data=b"not a picture at all")
    dialog = page.get_by_role("dialog", name="Describe the pictures")
    dialog.get_by_label("Alt text (required)").fill("Notes")
    dialog.get_by_role("button", name="Upload").click()
    page.get_by_text("Not uploaded: The file is not a picture, or it is damaged.").wait_for()
    assert PostImage.objects.count() == 1


def test_a_failed_save_keeps_the_dropped_pictures(page, ann):
    start_post(page)
    drop_picture(page)
    describe_and_upload(page, "Boats in a dark blue harbour")
    picture = PostImage.objects.get()

    page.fill("#id_path_text", "")  # the save fails: a post needs a path
    page.click("input[name=_continue]")
    page.locator(".errornote").first.wait_for()
    assert not Post.objects.exists()
    assert f"image:{picture.pk}" in page.input_value("#id_body")
    assert page.locator(f'.picture-tray-list img[src="{picture.thumbnail.url}"]').is_visible()
    page.locator(f'.post-preview-content img[src="{picture.display.url}"]').wait_for()

    page.fill("#id_path_text", "/diary")
    page.click("input[name=_continue]")
    page.wait_for_url(re.compile(r"/change/$"))
    post = Post.objects.get()
    picture.refresh_from_db()
    assert picture.post == post
    assert picture.display.url in post.body_html


def test_the_media_library_inserts_a_picture_into_the_open_post(page, ann):
    start_post(page)
    drop_picture(page, name="lighthouse.png")
    describe_and_upload(page, "A lighthouse")
    page.fill("#id_body", "Again:")

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="reuse one from the media library").click()
    library = opened.value
    library.wait_for_load_state()
    assert "lighthouse.png" in library.content()
    assert "640 by 400 pixels" in library.content()
    assert_no_axe_violations(library)
    library.get_by_role("button", name="Insert into the open post").click()
    page.wait_for_function("() => /image:\\d+/.test(document.querySelector('#id_body').value)")
    assert page.input_value("#id_body").startswith("Again:\n\n![A lighthouse](image:")
    library.close()
