import io

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from taggit.models import Tag

from blog.models import Path, Post
from comments.models import Comment
from tests.factories import make_comment, make_post
from tooling import wxr


def export(tmp_path):
    target = tmp_path / "export.xml"
    call_command(
        "export_wxr", output=str(target), site_url="https://blog.example", stderr=io.StringIO()
    )
    return target


def site_state():
    posts = {
        (
            p.get_absolute_url(),
            p.title,
            p.status,
            p.body,
            p.markup,
            p.summary,
            p.path.full_path,
            tuple(sorted(p.tags.names())),
            p.author.username,
            p.published_at,
            p.allow_comments,
            p.body_html,
        )
        for p in Post.objects.select_related("path", "author").prefetch_related("tags")
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
        "paths": set(Path.objects.values_list("full_path", flat=True)),
        "tags": set(
            Tag.objects.filter(blog_taggedpost_items__isnull=False).values_list("name", flat=True)
        ),
        "counts": set(Post.objects.values_list("slug", "comment_count")),
    }


def test_export_then_import_into_an_empty_database_gives_the_same_site(db, tmp_path):
    call_command(
        "generate_content",
        posts=60,
        comments=150,
        galleries=0,
        workers=1,
        seed=11,
        stdout=io.StringIO(),
    )
    post = Post.objects.published().first()
    post.summary = "A *hand-written* summary."
    post.save()
    reply_target = Comment.objects.filter(status="approved", depth=1).first()
    make_comment(
        post=reply_target.post,
        parent=reply_target,
        body="A reply with `code`.",
        created_at=timezone.now().replace(microsecond=0),
    )  # WXR keeps whole seconds
    before = site_state()
    assert len(before["posts"]) == 60 and len(before["comments"]) == 151
    target = export(tmp_path)

    Comment.objects.all().delete()
    Post.objects.all().delete()
    for path in Path.objects.order_by("-full_path"):  # children before their parents
        path.delete()
    Tag.objects.all().delete()
    get_user_model().objects.all().delete()

    output = io.StringIO()
    call_command("import_wxr", str(target), stdout=output)
    assert "60 created, 0 updated, 0 unchanged, 0 skipped" in output.getvalue()
    after = site_state()
    for part in ("paths", "tags", "counts", "posts", "comments"):
        assert after[part] == before[part], part


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
