import re

import pytest
from django.contrib.auth import get_user_model

from blog.models import Path, Post, post_from_share_token
from tests.factories import make_post

NO_PICTURES = {"images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0"}


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-long-enough")
    client.force_login(user)
    client.user = user
    return client


def post_form(**overrides):
    return {
        "title": "Fresh from the admin",
        "slug": "",
        "path_text": "/openstack/liberty/neutron",
        "tags": "openstack, networking",
        "body": "Some **Markdown**.",
        "status": "published",
        "published_at_0": "2015-10-15",
        "published_at_1": "12:30:00",
        "allow_comments": "on",
        "markup": "markdown",
        **NO_PICTURES,
        **overrides,
    }


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/blog/post/",
        "/admin/blog/post/add/",
        "/admin/blog/path/",
        "/admin/blog/path/add/",
        "/admin/taggit/tag/",
        "/admin/accounts/user/",
        "/admin/blog/post/?status__exact=draft",
        "/admin/blog/post/?q=kilo",
        "/admin/blog/post/?published_at__year=2015",
    ],
)
def test_admin_pages_open(admin_client, url):
    make_post(path="/openstack/kilo", tags=["python"], title="Kilo")
    assert admin_client.get(url).status_code == 200


def test_adding_a_post_files_it_under_a_new_path_with_its_ancestors(admin_client):
    response = admin_client.post("/admin/blog/post/add/", post_form())
    assert response.status_code == 302, response.content.decode()[:3000]
    post = Post.objects.get()
    assert post.path.full_path == "/openstack/liberty/neutron"
    assert Path.objects.filter(full_path="/openstack/liberty").exists()
    assert post.author == admin_client.user
    assert post.slug == "fresh-from-the-admin"
    assert "<strong>Markdown</strong>" in post.body_html
    assert sorted(post.tags.names()) == ["networking", "openstack"]


def test_a_bad_path_is_explained_and_what_was_typed_is_kept(admin_client):
    response = admin_client.post("/admin/blog/post/add/", post_form(path_text="/admin/oops"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "is used by the site" in page
    assert 'value="/admin/oops"' in page and "Some **Markdown**." in page
    assert not Post.objects.exists() and not Path.objects.exists()


def test_editing_a_post_shows_its_path_as_text(admin_client):
    post = make_post(path="/diary/pictures")
    page = admin_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'value="/diary/pictures"' in page


def test_a_path_cannot_be_moved_under_itself(admin_client):
    child = Path.objects.ensure("/book/scifi")
    top = child.parent
    response = admin_client.post(
        f"/admin/blog/path/{top.pk}/change/",
        {"parent": child.pk, "segment": "book", "title": "", "description": ""},
    )
    assert "cannot be moved under itself" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_editing_a_post_keeps_its_tags(admin_client):
    post = make_post(tags=["harbour", "photos"])
    page = admin_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    value = page.split('name="tags"')[1].split(">")[0]
    assert 'value="harbour, photos"' in value
    form = post_form(title=post.title, tags="harbour, photos", path_text="/diary")
    admin_client.post(f"/admin/blog/post/{post.pk}/change/", form)
    assert sorted(post.tags.names()) == ["harbour", "photos"]


def test_the_admin_speaks_the_blogs_language(admin_client, settings):
    page = admin_client.get("/admin/").content.decode()
    assert "Django administration" not in page and settings.BLOG_TITLE in page
    assert ">Tags<" in page and "Taggit" not in page and "TAGGIT" not in page


def test_an_empty_post_is_refused_with_a_clear_error_and_keeps_what_was_typed(admin_client):
    typed = post_form(title="", body=" \r\n ", tags="kept-tag", path_text="/kept/here")
    response = admin_client.post("/admin/blog/post/add/", typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "A post needs a title or a body: write at least one of them." in page
    assert 'value="/kept/here"' in page and "kept-tag" in page
    assert not Post.objects.exists()
    for enough in ({"title": "Only a title", "body": ""}, {"title": "", "body": "Only words."}):
        assert admin_client.post("/admin/blog/post/add/", post_form(**enough)).status_code == 302
    assert Post.objects.count() == 2


@pytest.mark.parametrize(
    ("when", "says"),
    [
        ({"published_at_0": "2015-10-15"}, "Published — <a href="),
        (
            {"status": "scheduled", "published_at_0": "2999-12-03", "published_at_1": "09:00:00"},
            "Scheduled for Tue 3 Dec",
        ),
        ({"status": "draft"}, "Saved as a draft: readers do not see it."),
    ],
)
def test_a_save_says_what_readers_now_see(admin_client, when, says):
    response = admin_client.post("/admin/blog/post/add/", post_form(**when), follow=True)
    messages = [str(message) for message in response.context["messages"]]
    assert any(says in message for message in messages), messages
    if "Scheduled" in says:
        assert any("2999 09:00 (in " in message for message in messages)


def test_view_on_site_shows_an_unpublished_post_to_its_author(admin_client):
    draft = make_post(title="Not yet", published=False)
    response = admin_client.get(f"/admin/blog/post/{draft.pk}/change/")
    html = response.content.decode()
    # The link shown is a valid share link of this draft (its token holds the second it was
    # made: compared by what it opens, not by its text).
    token = re.search(r"/drafts/([^/\"<\s]+)/", html).group(1)
    assert post_from_share_token(token) == draft
    assert 'class="copyable"' in html and "until " in html
    on_site = registered_admin().view_on_site(draft)
    assert on_site == draft.get_share_url()
    assert admin_client.get(on_site).status_code == 200  # the author's preview, not a 404


def registered_admin():
    from django.contrib import admin

    return admin.site._registry[Post]


def test_tags_typed_in_the_admin_keep_their_order(admin_client):
    form = post_form(tags='zebra, apple, "big, small", mango')
    assert admin_client.post("/admin/blog/post/add/", form).status_code == 302
    post = Post.objects.get()
    assert [tag.name for tag in post.tag_list] == ["zebra", "apple", "big, small", "mango"]
    edit = admin_client.get(f"/admin/blog/post/{post.pk}/change/").content.decode()
    assert 'value="zebra, apple, &quot;big, small&quot;, mango"' in edit
