"""A deleted post or picture takes its files with it (every rendition), once the deletion is
committed; a replaced upload's old files go too."""

import pytest
from django.core.files.storage import default_storage

from blog.models import Post, PostImage
from tests.factories import make_picture, make_post

pytestmark = pytest.mark.django_db(transaction=True)


def stored_names(picture):
    return [field.name for field in picture.files]


def assert_gone(names):
    for name in names:
        assert not default_storage.exists(name), name


def test_deleting_a_post_deletes_every_rendition_of_its_pictures():
    post = make_post()
    names = [
        name
        for picture in (make_picture(post=post), make_picture(post=post))
        for name in stored_names(picture)
    ]
    assert all(default_storage.exists(name) for name in names)
    post.delete()
    assert_gone(names)


def test_deleting_posts_in_bulk_deletes_their_pictures_files():
    names = stored_names(make_picture(post=make_post())) + stored_names(
        make_picture(post=make_post())
    )
    Post.objects.all().delete()
    assert_gone(names)


def test_deleting_one_picture_deletes_its_files_and_keeps_the_others():
    post = make_post()
    kept, gone = make_picture(post=post), make_picture(post=post)
    names = stored_names(gone)
    gone.delete()
    assert_gone(names)
    assert all(default_storage.exists(name) for name in stored_names(kept))


def test_a_deletion_rolled_back_keeps_the_files():
    from django.db import transaction

    picture = make_picture(post=make_post())
    with transaction.atomic():
        PostImage.objects.filter(pk=picture.pk).delete()
        transaction.set_rollback(True)
    assert all(default_storage.exists(name) for name in stored_names(picture))


def test_a_replaced_upload_leaves_no_old_files_behind():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import picture_bytes

    picture = make_picture(post=make_post())
    old = stored_names(picture)
    picture.set_upload(SimpleUploadedFile("new.png", picture_bytes(color="red")))
    picture.save()
    assert_gone(old)
    assert all(default_storage.exists(name) for name in stored_names(picture))


def test_deleting_a_post_through_the_admin_deletes_its_files(admin_client):
    post = make_post()
    names = stored_names(make_picture(post=post))
    response = admin_client.post(f"/admin/blog/post/{post.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert_gone(names)
