import datetime
import io
import shutil

import feedparser
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from blog.models import LegacyUrl, Page, Path, PathRedirect, Post, PostImage, TagRedirect
from comments.models import Comment
from tests.factories import make_comment, make_post
from tooling import wxr


def export(tmp_path):
    target = tmp_path / "export.xml"
    call_command(
        "export_wxr", output=str(target), site_url="https://blog.example", stderr=io.StringIO()
    )
    return target


def numbered_pictures(text, post):
    """The text with picture numbers and stored file names as the post's picture order (they
    are new on another site; what they show is the same)."""
    for index, picture in enumerate(post.images.all()):
        text = text.replace(f"image:{picture.pk}", f"image:#{index}")
        for stored in picture.files:
            text = text.replace(stored.url, f"/media/#{index}/{stored.field.name}")
    return text


def site_state(client=None):
    posts = {
        (
            p.get_absolute_url(),
            p.kind,
            p.title,
            p.status,
            numbered_pictures(p.body, p),
            p.markup,
            p.summary,
            p.path.full_path if p.path else None,
            p.parent.get_absolute_url() if p.parent else None,
            p.menu_order,
            p.pinned,
            p.feed_id("blog.example"),
            tuple(sorted(p.tags.names())),
            p.author.username,
            p.published_at,
            p.allow_comments,
            numbered_pictures(p.body_html, p),
            tuple(
                (i.alt, i.caption, i.order, i.original_width, i.width, i.thumbnail_width)
                for i in p.images.all()
            ),
        )
        for p in Post.objects.select_related("path", "author", "parent").prefetch_related(
            "tags", "images"
        )
    }
    comments = {
        (
            c.post.get_absolute_url(),
            c.author_name,
            c.author_email,
            c.author_url,
            c.body,
            c.status,
            c.created_at,
            c.depth,
            c.body_html,
            (c.parent.author_name, c.parent.created_at) if c.parent else None,
        )
        for c in Comment.objects.select_related("post", "parent")
    }
    return {
        "posts": posts,
        "comments": comments,
        "paths": set(Path.objects.values_list("full_path", "title", "description")),
        "tags": set(
            Tag.objects.filter(blog_taggedpost_items__isnull=False).values_list("name", flat=True)
        ),
        "counts": set(Post.objects.values_list("slug", "comment_count")),
        "old addresses": {
            (legacy.old_url, legacy.post.get_absolute_url())
            for legacy in LegacyUrl.objects.select_related("post")
        },
        "old paths": set(PathRedirect.objects.values_list("old_full_path", "path__full_path")),
        "old tag slugs": set(TagRedirect.objects.values_list("old_slug", "tag__slug")),
        "answers": answers(client) if client else None,
    }


def empty_the_site(settings):
    """Nothing left: a new site's database and media folder."""
    Comment.objects.all().delete()
    while Post.objects.exists():  # pages below others before them
        Post.objects.filter(children__isnull=True).delete()
    for path in Path.objects.order_by("-full_path"):  # children before their parents
        path.delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()
    PathRedirect.objects.all().delete()
    shutil.rmtree(settings.MEDIA_ROOT)


def answers(client):
    """What readers get: every old address's redirect, the feeds' entry ids."""
    redirects = {}
    for legacy in LegacyUrl.objects.all():
        path, _, query = legacy.old_url.partition("?")
        response = client.get(path, dict([query.split("=")]) if query else {})
        redirects[legacy.old_url] = (response.status_code, response.get("Location"))
    for old in PathRedirect.objects.values_list("old_full_path", flat=True):
        path, _, query = old.partition("?")
        response = client.get(
            path + ("" if query else "/"), dict([query.split("=")]) if query else {}
        )
        redirects[old] = (response.status_code, response.get("Location"))
    for old in TagRedirect.objects.values_list("old_slug", flat=True):
        response = client.get(f"/tag/{old}/")
        redirects[f"/tag/{old}/"] = (response.status_code, response.get("Location"))
    feeds = {
        url: sorted(entry.id for entry in feedparser.parse(client.get(url).content).entries)
        for url in ("/feed/", "/feed/atom/")
    }
    return redirects, feeds


def test_export_then_import_into_an_empty_database_gives_the_same_site(
    db, tmp_path, client, settings
):
    settings.ALLOWED_HOSTS = ["blog.example"]
    client.defaults["HTTP_HOST"] = "blog.example"
    call_command(
        "generate_content",
        posts=60,
        comments=150,
        galleries=2,
        workers=1,
        seed=11,
        stdout=io.StringIO(),
    )
    post = Post.objects.published().first()
    post.summary = "A *hand-written* summary."
    post.pinned = True
    post.save()
    moved = Post.objects.published().last()
    moved.slug = "a-new-name"  # its former address answers 301
    moved.save()
    LegacyUrl.objects.create(old_url="/?p=4711", post=moved)  # from an earlier import
    Post.objects.filter(pk=post.pk).update(guid="http://old.example/?p=12")
    renamed = Path.objects.get(full_path="/diary/pictures")
    renamed.segment = "photos"
    renamed.save()
    author, when = post.author, timezone.now().replace(microsecond=0)  # WXR: whole seconds
    about = Page.objects.create(
        title="About",
        slug="about",
        author=author,
        body="Us.",
        status="published",
        published_at=when,
    )
    Page.objects.create(
        title="Team",
        author=author,
        parent=about,
        menu_order=2,
        body="We.",
        status="published",
        published_at=when,
    )
    reply_target = Comment.objects.filter(status="approved", depth=1).first()
    make_comment(
        post=reply_target.post,
        parent=reply_target,
        body="A reply with `code`.",
        created_at=timezone.now().replace(microsecond=0),
    )  # WXR keeps whole seconds
    before = site_state(client)
    assert len(before["posts"]) == 62 and len(before["comments"]) == 151
    assert PostImage.objects.count() >= 6 and len(before["old addresses"]) == 2
    target = export(tmp_path)
    media = tmp_path / "old-site-media"
    shutil.copytree(settings.MEDIA_ROOT, media)  # the old site's files

    empty_the_site(settings)

    output = io.StringIO()
    call_command("import_wxr", str(target), media_dir=str(media), stdout=output)
    assert "62 created, 0 updated, 0 unchanged, 0 skipped" in output.getvalue()
    after = site_state(client)
    for part in ("paths", "tags", "counts", "posts", "comments", "old addresses", "old paths"):
        assert after[part] == before[part], part
    assert after["answers"] == before["answers"]
    again = io.StringIO()
    call_command("import_wxr", str(target), media_dir=str(media), stdout=again)
    assert "0 created, 0 updated, 62 unchanged, 0 skipped" in again.getvalue()


def test_export_is_wxr_1_2_with_everything_wordpress_needs(db, tmp_path):
    post = make_post(
        title="Kilo <notes> & more",
        path="/openstack/kilo",
        tags=["python"],
        body="Some *text*.",
        published=False,
    )
    make_comment(post=post, body="Nice.", author_email="reader@example.com")
    target = export(tmp_path)
    text = target.read_text()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert 'xmlns:wp="http://wordpress.org/export/1.2/"' in text
    site = wxr.read(target.open("rb"))
    assert site.version == "1.2"
    assert [(c.nicename, c.name, c.parent) for c in site.categories] == [
        ("openstack", "openstack", ""),
        ("openstack-kilo", "kilo", "openstack"),
    ]
    assert site.tags == [("python", "python")]
    item = site.items[0]
    assert item.title == "Kilo <notes> & more" and item.status == "draft"
    assert item.content == "<p>Some <em>text</em>.</p>"
    assert item.meta[wxr.SOURCE_META] == "Some *text*."
    assert ("category", "openstack-kilo", "kilo") in item.categories
    assert item.comments[0].email == "reader@example.com"
    assert item.post_name == post.slug and item.post_date_gmt
    assert site.authors[0].login == post.author.username


def test_export_to_standard_output(db):
    make_post(title="To stdout")
    out = io.StringIO()
    call_command("export_wxr", stdout=out)
    text = out.getvalue()
    assert "<title>To stdout</title>" in text
    assert (
        "<wp:meta_key>_blosxom_markup</wp:meta_key><wp:meta_value>markdown</wp:meta_value>" in text
    )


def test_each_state_has_its_wordpress_status_and_comes_back_on_import(db, tmp_path, settings):
    states = {
        "A draft": ("draft", timezone.now()),
        "Waiting": ("pending", timezone.now()),
        "Later": ("published", timezone.now() + datetime.timedelta(days=3)),
        "Out": ("published", timezone.now() - datetime.timedelta(days=1)),
        "By link": ("unlisted", timezone.now() - datetime.timedelta(days=1)),
    }
    for title, (status, when) in states.items():
        post = make_post(title=title, published_at=when)
        post.status = status
        post.save()
    target = export(tmp_path)
    items = {item.title: item for item in wxr.read(target.open("rb")).items}
    assert {title: item.status for title, item in items.items()} == {
        "A draft": "draft",
        "Waiting": "pending",
        "Later": "future",
        "Out": "publish",
        "By link": "private",
    }
    assert items["By link"].meta[wxr.STATE_META] == "unlisted"
    assert wxr.STATE_META not in items["Out"].meta
    before = {post.title: post.state for post in Post.objects.all()}
    assert before["Later"] == "Scheduled" and before["By link"] == "Unlisted"
    Comment.objects.all().delete()
    Post.objects.all().delete()
    call_command("import_wxr", str(target), stdout=io.StringIO())
    assert {post.title: post.state for post in Post.objects.all()} == before
