"""Factory functions: keyword-only arguments with defaults that make a valid object."""

import datetime
import itertools

from django.contrib.auth import get_user_model
from django.utils import timezone

from blog.models import Path, Post

_numbers = itertools.count(1)


def make_user(*, username=None, display_name="", **fields):
    number = next(_numbers)
    return get_user_model().objects.create_user(
        username=username or f"user{number}",
        email=fields.pop("email", f"user{number}@example.com"),
        password=fields.pop("password", "a-long-test-password"),
        display_name=display_name,
        **fields,
    )


def make_path(full_path="/diary"):
    return Path.objects.ensure(full_path)


def make_post(
    *,
    author=None,
    path="/diary",
    tags=(),
    published=True,
    title=None,
    body="Some *text*.",
    published_at=None,
    **fields,
):
    post = Post(
        title=f"Post number {next(_numbers)}" if title is None else title,
        author=author or make_user(),
        path=path if isinstance(path, Path) else make_path(path),
        body=body,
        status=Post.Status.PUBLISHED if published else Post.Status.DRAFT,
        published_at=published_at or timezone.now() - datetime.timedelta(minutes=5),
        **fields,
    )
    post.save()
    if tags:
        post.tags.add(*tags)
    return post


def make_comment(*, post=None, status="approved", parent=None, **fields):
    from comments.models import Comment

    number = next(_numbers)
    comment = Comment(
        post=post or (parent.post if parent else make_post()),
        parent=parent,
        author_name=fields.pop("author_name", f"Reader {number}"),
        author_email=fields.pop("author_email", f"reader{number}@example.com"),
        body=fields.pop("body", f"Comment number {number}."),
        status=status,
        **fields,
    )
    comment.save()
    return comment


def picture_bytes(*, width=64, height=48, image_format="PNG", color="teal", **save_options):
    """The bytes of a real picture file, made with Pillow."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def make_picture(*, post, alt="A teal square", caption="", order=0, **picture_options):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from blog.models import PostImage

    image = PostImage(post=post, alt=alt, caption=caption, order=order)
    image.set_upload(SimpleUploadedFile("upload.png", picture_bytes(**picture_options)))
    image.save()
    return image


# What the writing roles may do in the admin (accounts/migrations/0002, 0003): the migrations
# give the groups these; a transactional test's flush empties them, and role_group gives them
# back.
WRITING_PERMISSIONS = [
    "add_post",
    "change_post",
    "delete_post",
    "view_post",
    "view_path",
    "add_tag",
    "view_tag",
    "add_postimage",
    "change_postimage",
    "delete_postimage",
    "view_postimage",
]


def role_group(name, codenames=WRITING_PERMISSIONS):
    """The role's group (Author, Editor, Contributor), its permissions given again if a flush
    took them."""
    from django.contrib.auth.models import Group, Permission

    group, _ = Group.objects.get_or_create(name=name)
    if not group.permissions.exists():
        group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    return group


def make_staff(*, role="Author", username=None, **fields):
    """A user of the admin with a role (None: no group; add is_superuser=True for the owner)."""
    user = make_user(username=username, is_staff=True, **fields)
    if role:
        user.groups.add(role_group(role))
    return user


def make_desk(*, ann_post_body="Some *text*."):
    """Two authors and an editor, with a published post of Ann's and a draft of Bob's: the
    people of the admin's permission and autosave tests."""
    ann, bob = make_staff(username="ann"), make_staff(username="bob")
    return {
        "ann": ann,
        "bob": bob,
        "eve": make_staff(username="eve", role="Editor"),
        "ann_post": make_post(title="Ann writes", body=ann_post_body, author=ann),
        "bob_post": make_post(title="Bob writes", author=bob, published=False),
    }


def post_form_data(post, **overrides):
    """What the admin's post form sends for `post`, unchanged but for `overrides`."""
    return {
        "title": post.title,
        "slug": post.slug,
        "path_text": post.path.full_path,
        "tags": "",
        "body": post.body,
        "status": post.status,
        "published_at_0": post.published_at.strftime("%Y-%m-%d"),
        "published_at_1": post.published_at.strftime("%H:%M:%S"),
        "allow_comments": "on",
        "markup": "markdown",
        "images-TOTAL_FORMS": "0",
        "images-INITIAL_FORMS": "0",
        **overrides,
    }
