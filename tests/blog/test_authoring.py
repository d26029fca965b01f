import datetime
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.core import signing
from django.utils import timezone

from blog.models import Post, PostRevision
from tests.factories import make_picture, make_post, make_user, post_form_data

BODY = "## Setup\n\nSome *text*[^1] and code:\n\n```python\nx = 1\n```\n\n[^1]: A note."


@pytest.fixture
def author(db):
    user = make_user(username="ann", is_staff=True)
    user.groups.add(Group.objects.get(name="Author"))
    return user


def test_preview_of_unsaved_text_equals_the_published_html(client, author):
    post = make_post(author=author, title="Pipeline", body="old")
    client.force_login(author)
    preview = client.post(
        "/admin/blog/post/preview/", {"body": BODY, "title": post.title, "post_id": post.pk}
    ).json()
    post.body = BODY
    post.save()
    assert preview["html"] == Post.objects.get(pk=post.pk).body_html
    assert '<span class="n">x</span>' in preview["html"]
    assert preview["words"] == post.word_count and preview["minutes"] == 1


def test_preview_shows_the_posts_pictures(client, author):
    post = make_post(author=author, body="x")
    picture = make_picture(post=post, alt="Boats")
    client.force_login(author)
    body = f"![](image:{picture.pk})"
    preview = client.post("/admin/blog/post/preview/", {"body": body, "post_id": post.pk}).json()
    assert "<figure>" in preview["html"] and f'src="{picture.display.url}"' in preview["html"]


def test_preview_is_for_staff_only_and_only_by_post(client, author, db):
    assert client.post("/admin/blog/post/preview/", {"body": "x"}).status_code == 302  # to login
    client.force_login(make_user(username="reader"))
    assert client.post("/admin/blog/post/preview/", {"body": "x"}).status_code == 302
    client.force_login(author)
    assert client.get("/admin/blog/post/preview/").status_code == 403


def test_preview_of_another_authors_post_is_refused(client, author):
    other = make_post(author=make_user(username="bob"))
    client.force_login(author)
    response = client.post("/admin/blog/post/preview/", {"body": "x", "post_id": other.pk})
    assert response.status_code == 403


def test_word_count_and_reading_time(db):
    post = make_post(body=" ".join(["word"] * 500) + "\n\n<!--more-->\n\nmore")
    assert post.word_count == 501
    assert post.reading_minutes == 3


def test_share_link_shows_the_draft_marked_and_uncached(client, db):
    draft = make_post(title="Secret plans", body="Not *yet*.", published=False, tags=["x"])
    response = client.get(draft.get_share_url())
    page = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Draft</strong>" in page and "Not <em>yet</em>." in page
    assert '<meta name="robots" content="noindex, nofollow">' in page
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert client.get(draft.get_absolute_url()).status_code == 404  # the public URL stays shut


def test_share_link_of_a_scheduled_post_says_when(client, db):
    later = timezone.now() + datetime.timedelta(days=2)
    scheduled = make_post(title="Soon", published_at=later)
    assert "scheduled for" in client.get(scheduled.get_share_url()).content.decode()


def test_expired_share_link_explains_itself(client, db, settings):
    draft = make_post(published=False)
    eight_days_ago = signing.time.time() - 8 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=eight_days_ago):
        url = draft.get_share_url()
    response = client.get(url)
    assert response.status_code == 410
    assert "expired" in response.content.decode()


@pytest.mark.parametrize("token", ["tampered", "other-salt", "missing-post", "junk"])
def test_tampered_or_unknown_share_links_are_404(client, db, token):
    draft = make_post(published=False)
    token = {
        "tampered": draft.share_token()[:-2] + "xx",
        "other-salt": signing.dumps(draft.pk, salt="something-else"),
        "missing-post": signing.dumps(999999, salt="blog.shared-draft"),
        "junk": "not-a-token",
    }[token]
    assert client.get(f"/drafts/{token}/").status_code == 404


def test_share_link_after_publishing_leads_to_the_permalink(client, db):
    draft = make_post(published=False)
    url = draft.get_share_url()
    draft.status = "published"
    draft.save()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()


def test_change_form_offers_the_share_link_and_one_history_that_shows_revisions(client, author):
    draft = make_post(author=author, published=False)
    client.force_login(author)
    page = client.get(f"/admin/blog/post/{draft.pk}/change/").content.decode()
    assert "/drafts/" in page and "View draft" in page
    # The admin's History button is the only history link; it opens the revisions.
    assert f"/admin/blog/post/{draft.pk}/history/" in page and "/revisions/" not in page
    response = client.get(f"/admin/blog/post/{draft.pk}/history/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/blog/post/{draft.pk}/revisions/"


def test_saving_a_changed_title_or_body_keeps_the_previous_version(db):
    ann, bob = make_user(username="ann"), make_user(username="bob")
    post = make_post(title="First title", body="First body.", edited_by=ann)
    post.allow_comments = False
    post.save()  # neither title nor body changed
    assert not PostRevision.objects.exists()
    post.body, post.edited_by = "Second body.", bob
    post.save()
    revision = PostRevision.objects.get()
    assert (revision.title, revision.body, revision.edited_by) == (
        "First title",
        "First body.",
        ann,
    )


def test_revisions_page_shows_a_readable_diff(client, author):
    post = make_post(author=author, title="Kilo", body="line one\nline two\nline three")
    post.body = "line one\nline 2\nline three"
    post.save()
    client.force_login(author)
    page = client.get(f"/admin/blog/post/{post.pk}/revisions/").content.decode()
    assert '<span class="diff-removed">- line two</span>' in page
    assert '<span class="diff-added">+ line 2</span>' in page
    assert "Restore this version" in page


def test_diff_escapes_what_it_shows(client, author):
    post = make_post(author=author, body="<script>alert(1)</script>")
    post.body = "safe"
    post.save()
    client.force_login(author)
    page = client.get(f"/admin/blog/post/{post.pk}/revisions/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert(1)" not in page


def test_restoring_a_version_is_itself_a_new_revision(client, author):
    post = make_post(author=author, title="One", body="Version one.")
    post.title, post.body = "Two", "Version two."
    post.save()
    first = PostRevision.objects.get()
    client.force_login(author)
    response = client.post(f"/admin/blog/post/{post.pk}/revisions/{first.pk}/restore/")
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.title, post.body) == ("One", "Version one.")
    assert "<p>Version one.</p>" in post.body_html
    assert list(PostRevision.objects.values_list("title", flat=True)) == ["Two", "One"]
    assert (
        client.get(f"/admin/blog/post/{post.pk}/revisions/{first.pk}/restore/").status_code == 403
    )


def test_saving_an_imported_post_unchanged_keeps_its_text_and_makes_no_revision(client, author):
    # As an import stores it: an indented first line (code), a hard line break (two spaces),
    # white space at the end; a browser sends the textarea back with CRLF line endings.
    body = "    indented code first\n\nA hard break  \nnext line.\n\n"
    post = make_post(author=author, title="Imported", body=body)
    change = f"/admin/blog/post/{post.pk}/change/"
    client.force_login(author)
    response = client.post(change, post_form_data(post, body=body.replace("\n", "\r\n")))
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.body == body and not post.revisions.exists()
    client.post(change, post_form_data(post, body=body + "More."))  # a real change
    assert post.revisions.get().body == body


def test_another_authors_revisions_cannot_be_restored(client, author):
    other = make_post(author=make_user(username="bob"), title="A", body="a")
    other.body = "b"
    other.save()
    client.force_login(author)
    revision = other.revisions.get()
    response = client.post(f"/admin/blog/post/{other.pk}/revisions/{revision.pk}/restore/")
    assert response.status_code == 403
    other.refresh_from_db()
    assert other.body == "b"


def test_preview_follows_the_markup_choice(client, author):
    client.force_login(author)
    html = client.post(
        "/admin/blog/post/preview/", {"body": "One *line*\nnext\n\nTwo", "markup": "html"}
    ).json()["html"]
    assert html == "<p>One *line*<br>\nnext</p>\n<p>Two</p>"
