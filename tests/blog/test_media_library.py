"""The media library: every picture of the site (an author's own), where it is used, reuse,
and deletion of the pictures no post uses."""

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.defaultfilters import filesizeformat

from blog.models import PostImage
from tests.factories import make_picture, make_post, make_user, picture_bytes

LIBRARY_URL = "/admin/blog/postimage/"


def with_role(username, role):
    user = make_user(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def pending_picture(owner, *, alt="A loose picture", file_name="loose.png"):
    """A picture uploaded from the editor for a post never saved."""
    image = PostImage(owner=owner, alt=alt, file_name=file_name)
    image.set_upload(SimpleUploadedFile(file_name, picture_bytes(width=90, height=30)))
    image.save()
    return image


@pytest.fixture
def people(db):
    return {
        "ann": with_role("ann", "Author"),
        "bob": with_role("bob", "Author"),
        "eve": with_role("eve", "Editor"),
    }


def listed_alts(response):
    return sorted(image.alt for image in response.context["cl"].result_list)


def test_an_author_sees_only_their_own_pictures_and_an_editor_all(client, people):
    ann, bob = people["ann"], people["bob"]
    make_picture(post=make_post(author=ann), alt="Ann's harbour")
    pending_picture(ann, alt="Ann's loose one")
    make_picture(post=make_post(author=bob), alt="Bob's boat")
    client.force_login(ann)
    assert listed_alts(client.get(LIBRARY_URL)) == ["Ann's harbour", "Ann's loose one"]
    client.force_login(people["eve"])
    assert len(listed_alts(client.get(LIBRARY_URL))) == 3


def test_another_authors_picture_is_refused_by_url(client, people):
    picture = make_picture(post=make_post(author=people["bob"]))
    client.force_login(people["ann"])
    assert client.get(f"{LIBRARY_URL}{picture.pk}/change/").status_code == 403
    assert client.get(f"{LIBRARY_URL}{picture.pk}/delete/").status_code == 403


@pytest.mark.parametrize("query", ["lighthouse", "dusk", "beacon"])
def test_the_library_is_searched_by_alt_caption_and_file_name(client, people, query):
    ann = people["ann"]
    wanted = pending_picture(ann, alt="A lighthouse", file_name="beacon.png")
    wanted.caption = "At dusk"
    wanted.save()
    pending_picture(ann, alt="A tree", file_name="tree.png")
    client.force_login(ann)
    assert listed_alts(client.get(LIBRARY_URL, {"q": query})) == ["A lighthouse"]


def test_each_picture_shows_its_size_use_and_reference(client, people):
    ann = people["ann"]
    owner_post = make_post(author=ann, title="The harbour")
    picture = make_picture(post=owner_post, width=90, height=30)
    reusing = make_post(author=ann, title="Again", body=f"![x](image:{picture.pk})")
    client.force_login(ann)
    html = client.get(LIBRARY_URL).content.decode()
    assert "90 by 30 pixels" in html
    assert filesizeformat(picture.file_size) in html
    assert f'href="/admin/blog/post/{owner_post.pk}/change/">The harbour</a>' in html
    assert f'href="/admin/blog/post/{reusing.pk}/change/">Again</a>' in html
    assert f"image:{picture.pk}" in html


def test_the_unused_filter_finds_pictures_no_post_owns_or_shows(client, people):
    ann = people["ann"]
    make_picture(post=make_post(author=ann), alt="Owned")
    shown = pending_picture(ann, alt="Shown elsewhere")
    make_post(author=ann, body=f"![x](image:{shown.pk})")
    pending_picture(ann, alt="Loose")
    client.force_login(ann)
    assert listed_alts(client.get(LIBRARY_URL, {"use": "unused"})) == ["Loose"]
    assert listed_alts(client.get(LIBRARY_URL, {"use": "used"})) == ["Owned", "Shown elsewhere"]


def test_deleting_unused_pictures_removes_their_files_and_keeps_used_ones(
    client, people, django_capture_on_commit_callbacks
):
    ann = people["ann"]
    used = make_picture(post=make_post(author=ann), alt="Used")
    loose = pending_picture(ann, alt="Loose")
    files = [stored.name for stored in loose.files]
    assert all(default_storage.exists(name) for name in files)
    client.force_login(ann)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIBRARY_URL,
            {"action": "delete_unused", "_selected_action": [used.pk, loose.pk]},
            follow=True,
        )
    assert "Deleted 1 picture(s)." in response.content.decode()
    assert "Kept 1 picture(s) that a post still uses." in response.content.decode()
    assert list(PostImage.objects.all()) == [used]
    assert not any(default_storage.exists(name) for name in files)


def test_a_picture_a_post_uses_cannot_be_deleted_from_the_library(client, people):
    ann = people["ann"]
    used = make_picture(post=make_post(author=ann))
    client.force_login(ann)
    response = client.post(f"{LIBRARY_URL}{used.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert PostImage.objects.filter(pk=used.pk).exists()
    loose = pending_picture(ann)
    response = client.post(f"{LIBRARY_URL}{loose.pk}/delete/", {"post": "yes"})
    assert not PostImage.objects.filter(pk=loose.pk).exists()


def test_the_library_has_no_delete_everything_action(client, people):
    client.force_login(people["eve"])
    pending_picture(people["eve"])
    actions = dict(client.get(LIBRARY_URL).context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "delete_unused" in actions


@pytest.mark.parametrize("count", [1, 8])
def test_the_library_list_costs_the_same_queries_however_many_pictures(
    client, people, django_assert_num_queries, count
):
    eve = people["eve"]
    for number in range(count):
        post = make_post(author=people["ann"])
        picture = make_picture(post=post, alt=f"Picture {number}")
        make_post(author=people["bob"], body=f"![x](image:{picture.pk})")
        pending_picture(eve)
    client.force_login(eve)
    client.get(LIBRARY_URL)  # warms the session and the permission caches
    with django_assert_num_queries(9):
        response = client.get(LIBRARY_URL)
    assert len(response.context["cl"].result_list) == 2 * count


def test_a_post_reusing_a_deleted_picture_says_it_is_missing(
    people, django_capture_on_commit_callbacks
):
    ann = people["ann"]
    owner_post = make_post(author=ann)
    picture = make_picture(post=owner_post)
    reusing = make_post(author=ann, body=f"![x](image:{picture.pk})")
    assert picture.display.url in reusing.body_html
    with django_capture_on_commit_callbacks(execute=True):
        owner_post.delete()
    reusing.refresh_from_db()
    assert picture.display.url not in reusing.body_html
    assert f"picture {picture.pk} not found" in reusing.body_html


@pytest.mark.django_db(transaction=True)
def test_existing_pictures_get_their_posts_author_as_owner_and_their_file_size():
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = ("blog", "0021_autosave"), ("blog", "0022_picture_library")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    post = old.get_model("blog", "Post").objects.create(
        title="Old",
        slug="old",
        author_id=make_user(username="old-author").pk,
        path=old.get_model("blog", "Path").objects.create(segment="old", full_path="/old"),
        body="x",
        published_at="2020-01-01T00:00:00Z",
        pub_date="2020-01-01",
    )
    data = picture_bytes()
    name = default_storage.save("images/old.png", SimpleUploadedFile("old.png", data))
    old.get_model("blog", "PostImage").objects.create(
        post=post,
        original=name,
        display=name,
        thumbnail=name,
        width=1,
        height=1,
        thumbnail_width=1,
        thumbnail_height=1,
        original_width=1,
        original_height=1,
        alt="Old",
    )
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([after])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    image = PostImage.objects.get(alt="Old")
    assert (image.owner.username, image.file_size) == ("old-author", len(data))


def test_the_library_shows_each_picture_small(client, people):
    picture = pending_picture(people["ann"])
    client.force_login(people["ann"])
    html = client.get(LIBRARY_URL).content.decode()
    assert f'<img src="{picture.thumbnail.url}" alt=""' in html


def test_new_alt_text_from_the_library_reaches_every_post_showing_the_picture(client, people):
    ann = people["ann"]
    picture = make_picture(post=make_post(author=ann), alt="Old words")
    reusing = make_post(author=ann, body=f"![](image:{picture.pk})")
    client.force_login(ann)
    url = f"{LIBRARY_URL}{picture.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"alt": "A red boat", "caption": ""})
    assert response.status_code == 302
    reusing.refresh_from_db()
    assert 'alt="A red boat"' in reusing.body_html
