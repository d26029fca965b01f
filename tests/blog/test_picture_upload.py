"""Pictures uploaded from the body editor as soon as they are chosen, before any save."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django.utils.html import escape

from blog.models import Post, PostImage
from tests.factories import make_picture, make_post, make_user, picture_bytes

UPLOAD_URL = "/admin/blog/post/pictures/upload/"
PREVIEW_URL = "/admin/blog/post/preview/"


def with_role(username, role):
    user = make_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def ann(db):
    return with_role("ann", "Author")


@pytest.fixture
def bob(db):
    return with_role("bob", "Author")


def upload(client, data=None, *, name="harbour.png", alt="Boats in the harbour", **fields):
    data = picture_bytes(width=80, height=60) if data is None else data
    return client.post(UPLOAD_URL, {"file": SimpleUploadedFile(name, data), "alt": alt, **fields})


def new_post_data(body, **overrides):
    now = timezone.now() - datetime.timedelta(minutes=1)
    return {
        "title": "At the harbour",
        "slug": "",
        "path_text": "/diary",
        "tags": "",
        "body": body,
        "status": Post.Status.DRAFT,
        "published_at_0": now.strftime("%Y-%m-%d"),
        "published_at_1": now.strftime("%H:%M:%S"),
        "markup": "markdown",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        **overrides,
    }


def test_a_picture_for_a_new_post_is_the_uploaders_until_the_first_save_takes_it(client, ann):
    client.force_login(ann)
    response = upload(client, caption="Evening")
    assert response.status_code == 201
    result = response.json()
    picture = PostImage.objects.get(pk=result["id"])
    assert (picture.post, picture.owner, picture.file_name) == (None, ann, "harbour.png")
    assert result["reference"] == f'![Boats in the harbour](image:{picture.pk} "Evening")'

    response = client.post(
        "/admin/blog/post/add/", new_post_data(f"Look:\n\n{result['reference']}")
    )
    assert response.status_code == 302
    post = Post.objects.get(title="At the harbour")
    picture.refresh_from_db()
    assert picture.post == post
    assert picture.display.url in post.body_html
    assert list(post.pictures_shown.all()) == [picture]


def test_a_picture_uploaded_while_editing_a_saved_post_belongs_to_it_at_once(client, ann):
    post = make_post(author=ann)
    client.force_login(ann)
    response = upload(client, post_id=str(post.pk))
    assert response.status_code == 201
    assert PostImage.objects.get(pk=response.json()["id"]).post == post


def test_uploading_to_another_authors_post_is_refused(client, ann, bob):
    post = make_post(author=bob, published=False)
    client.force_login(ann)
    assert upload(client, post_id=str(post.pk)).status_code == 403
    assert not PostImage.objects.exists()


@pytest.mark.parametrize("post_id", ["12x", "99999", "9" * 40])
def test_an_unknown_post_number_is_a_404(client, ann, post_id):
    client.force_login(ann)
    assert upload(client, post_id=post_id).status_code == 404


def test_upload_is_post_only_and_needs_the_csrf_token(ann):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(ann)
    assert client.get(UPLOAD_URL).status_code == 403
    assert upload(client).status_code == 403
    assert not PostImage.objects.exists()


def test_readers_cannot_upload(client, db):
    client.force_login(make_user())
    response = upload(client)
    assert response.status_code == 302  # to the admin's login
    assert not PostImage.objects.exists()


@pytest.mark.parametrize(
    ("data", "limits", "message"),
    [
        (b"<svg onload=alert(1)>", {}, "not a picture"),
        ("BIG", {"BLOG_IMAGE_MAX_BYTES": 1024 * 1024}, "larger than 1 MB"),
        ("BOMB", {"BLOG_IMAGE_MAX_PIXELS": 10_000}, "more than the"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(client, ann, settings, data, limits, message):
    for name, value in limits.items():
        setattr(settings, name, value)
    if data == "BIG":
        data = picture_bytes(width=1000, height=1000, image_format="BMP")[:-1] + b"\0" * 2**20
    elif data == "BOMB":
        data = picture_bytes(width=200, height=200)
    client.force_login(ann)
    response = upload(client, data)
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["file"])
    assert not PostImage.objects.exists()


def test_alt_text_is_asked_for(client, ann):
    client.force_login(ann)
    response = upload(client, alt="")
    assert response.status_code == 400
    assert response.json()["errors"]["alt"] == ["Say what it shows."]


def test_the_preview_shows_an_uploaded_picture_of_a_post_not_saved_yet(client, ann):
    client.force_login(ann)
    reference = upload(client).json()["reference"]
    response = client.post(PREVIEW_URL, {"body": reference, "post_id": ""})
    picture = PostImage.objects.get()
    assert picture.display.url in response.json()["html"]
    assert not Post.objects.exists()


def test_another_authors_unpublished_picture_is_not_shown_by_number(client, ann, bob):
    hidden = make_picture(post=make_post(author=bob, published=False))
    client.force_login(ann)
    response = client.post(PREVIEW_URL, {"body": f"![x](image:{hidden.pk})"})
    assert hidden.display.url not in response.json()["html"]
    assert f"picture {hidden.pk} not found" in response.json()["html"]


def test_a_picture_of_a_published_post_is_reused_in_another(client, ann, bob):
    shared = make_picture(post=make_post(author=bob))
    client.force_login(ann)
    body = f"Bob's boat:\n\n![A boat](image:{shared.pk})"
    assert client.post("/admin/blog/post/add/", new_post_data(body)).status_code == 302
    post = Post.objects.get(title="At the harbour")
    assert shared.display.url in post.body_html
    assert list(shared.shown_in.all()) == [post]
    shared.refresh_from_db()
    assert shared.post.author == bob  # reused, not taken


def test_someone_elses_pending_picture_is_not_taken_by_a_post(client, ann, bob):
    client.force_login(bob)
    bobs = PostImage.objects.get(pk=upload(client).json()["id"])
    client.force_login(ann)
    body = f"![x](image:{bobs.pk})"
    assert client.post("/admin/blog/post/add/", new_post_data(body)).status_code == 302
    bobs.refresh_from_db()
    assert bobs.post is None
    assert bobs.display.url not in Post.objects.get().body_html


def test_a_failed_save_keeps_the_uploaded_pictures_and_their_references(client, ann):
    client.force_login(ann)
    reference = upload(client).json()["reference"]
    picture = PostImage.objects.get()
    body = f"Look:\n\n{reference}"
    response = client.post("/admin/blog/post/add/", new_post_data(body, path_text=""))
    assert response.status_code == 200  # sent back with an error
    assert response.context["adminform"].form.errors["path_text"]
    html = response.content.decode()
    assert picture.thumbnail.url in html  # the form still shows the picture
    assert escape(reference) in html  # and the text that refers to it
    preview = client.post(PREVIEW_URL, {"body": body}).json()["html"]
    assert picture.display.url in preview  # and the reference still resolves

    response = client.post("/admin/blog/post/add/", new_post_data(body))  # corrected
    assert response.status_code == 302
    assert picture.display.url in Post.objects.get().body_html


def test_a_failed_save_of_a_saved_post_keeps_pictures_uploaded_for_it(client, ann):
    post = make_post(author=ann, title="Boats")
    client.force_login(ann)
    reference = upload(client, post_id=str(post.pk)).json()["reference"]
    picture = PostImage.objects.get()
    data = new_post_data(f"{post.body}\n\n{reference}", title="Boats", path_text="")
    response = client.post(f"/admin/blog/post/{post.pk}/change/", data)
    assert response.status_code == 200
    assert picture.thumbnail.url in response.content.decode()
    picture.refresh_from_db()
    assert picture.post == post


def test_without_javascript_the_post_form_keeps_its_inline_upload(client, ann):
    client.force_login(ann)
    html = client.get("/admin/blog/post/add/").content.decode()
    assert 'name="images-0-upload"' in html
    assert "picture-tray-controls" in html and "picture-tray-fallback" in html


def test_a_reference_keeps_brackets_and_quotes_of_alt_and_caption(client, ann):
    client.force_login(ann)
    result = upload(client, alt="The [old] pier", caption='The "Mary" at dusk').json()
    post = make_post(author=ann, body=result["reference"])
    picture = PostImage.objects.get()
    assert picture.display.url in post.body_html
    assert 'alt="The [old] pier"' in post.body_html
    assert '<figcaption>The "Mary" at dusk</figcaption>' in post.body_html


def test_a_page_takes_pictures_the_same_way(client, ann):
    from blog.models import Page

    page = Page(title="About", author=ann, body="We.", status="published")
    page.save()
    client.force_login(ann)
    response = client.post(
        "/admin/blog/page/pictures/upload/",
        {
            "file": SimpleUploadedFile("team.png", picture_bytes()),
            "alt": "The team",
            "post_id": str(page.pk),
        },
    )
    assert response.status_code == 201
    assert PostImage.objects.get().post_id == page.pk
