import datetime
import io
import os
import shutil
from pathlib import Path as FilePath

import pytest
from django.core.management import CommandError, call_command

from blog.models import Path, Post
from comments.models import Comment
from tests.factories import make_user

TREE = FilePath(__file__).resolve().parents[1] / "data" / "blosxom"
RAINY_MTIME = datetime.datetime(2013, 3, 4, 5, 6, 7, tzinfo=datetime.UTC)


@pytest.fixture
def tree(tmp_path):
    """A copy of the sample tree, with the file time that git does not keep."""
    copy = tmp_path / "blosxom"
    shutil.copytree(TREE, copy)
    stamp = RAINY_MTIME.timestamp()
    os.utime(copy / "diary" / "rainy-day.txt", (stamp, stamp))
    return copy


@pytest.fixture
def owner(db):
    return make_user(username="owner", is_superuser=True, is_staff=True)


def run(tree, **options):
    out = io.StringIO()
    call_command("import_blosxom", str(tree), stdout=out, **options)
    return out.getvalue()


def test_entries_become_posts_under_their_folders(tree, owner):
    output = run(tree)
    assert "10 blosxom entries" in output and "8 created" in output and "2 skipped" in output
    kilo = Post.objects.get(slug="released")
    assert kilo.title == "Kilo is released" and kilo.path.full_path == "/openstack/kilo"
    assert kilo.published_at == datetime.datetime(2015, 4, 30, 14, 5, tzinfo=datetime.UTC)
    assert sorted(kilo.tags.names()) == ["openstack", "python"]
    assert kilo.author == owner and kilo.is_published
    assert "<p>The Kilo release is out. Notes &amp; <em>thanks</em>.</p>" in kilo.body_html
    assert "<p>A second paragraph with a line<br>\nbreak inside it.</p>" in kilo.body_html
    paths = set(Path.objects.values_list("full_path", flat=True))
    assert {"/book/Andy_Weir", "/café", "/x-2014", "/uncategorized", "/diary"} <= paths


def test_the_date_is_the_file_time_without_published(tree, owner):
    run(tree)
    rainy = Post.objects.get(slug="rainy-day")
    assert rainy.published_at == RAINY_MTIME
    assert rainy.body_html == "<p>It rained all day.<br>\nThe cat stayed in.</p>"


def test_an_empty_title_comes_from_the_file_name(tree, owner):
    run(tree)
    assert Post.objects.get(slug="empty-title").title == "empty title"


def test_markdown_entries(tree, owner):
    (tree / "diary" / "md.txt").write_text("Markdown one\n\nSome *emphasis*.")
    run(tree, markup="markdown")
    assert Post.objects.get(slug="md").body_html == "<p>Some <em>emphasis</em>.</p>"


def test_comment_files_become_approved_comments(tree, owner):
    run(tree)
    kilo = Post.objects.get(slug="released")
    first, second = kilo.comments.order_by("created_at")
    assert (first.author_name, first.author_email, first.author_url) == (
        "Nova Fan",
        "fan@nova.example",
        "http://nova.example/",
    )
    assert first.created_at == datetime.datetime.fromtimestamp(1430406000, tz=datetime.UTC)
    assert first.ip_address == "203.0.113.20" and first.status == "approved"
    assert "<script" not in first.body_html and "Great news &amp; thanks!" in first.body_html
    assert second.author_url == "" and second.ip_address is None
    assert kilo.comment_count == 2


def test_hostile_entries_are_neutralised(tree, owner):
    run(tree)
    hostile = Post.objects.get(slug="hostile")
    for bad in ("<script", "javascript:", "onerror"):
        assert bad not in hostile.body_html


def test_bad_entries_are_skipped_whole_with_a_reason(tree, owner):
    output = run(tree)
    assert (
        "skipped diary/broken-comments.txt: broken-comments-1391248800.cmt declares a DTD" in output
    )
    assert "skipped diary/bad-date.txt: #published 'yesterday-ish' is not a date" in output
    assert not Post.objects.filter(slug__in=["broken-comments", "bad-date"]).exists()


def test_importing_again_changes_nothing_and_an_edit_updates(tree, owner):
    run(tree)
    counts = (Post.objects.count(), Comment.objects.count())
    assert "0 created, 0 updated, 8 unchanged" in run(tree)
    assert (Post.objects.count(), Comment.objects.count()) == counts
    (tree / "notes.txt").write_text("Loose notes\n#published 2012-12-31 23:59\n\nEdited.")
    assert "0 created, 1 updated, 7 unchanged" in run(tree)
    assert "Edited." in Post.objects.get(slug="notes").body_html


def test_dry_run_writes_nothing(tree, owner):
    assert "Dry run: nothing was written." in run(tree, dry_run=True)
    assert not Post.objects.exists() and not Path.objects.exists()


def test_needs_a_folder_and_an_author(tmp_path, db):
    with pytest.raises(CommandError, match="not a folder"):
        run(tmp_path / "missing")
    with pytest.raises(CommandError, match="Give --author"):
        run(tmp_path)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/openstack/kilo/released.html", "POST"),
        ("/openstack/kilo/released.rss20", "POST"),
        ("/openstack/kilo/released.atom", "POST"),
        ("/openstack/kilo/index.html", "/openstack/kilo/"),
        ("/openstack/kilo/index.rss20", "/openstack/kilo/feed/"),
        ("/openstack/index.atom", "/openstack/feed/atom/"),
        ("/index.rss20", "/feed/"),
        ("/2015/Apr/30", "/2015/04/30/"),
        ("/2015/apr/30/", "/2015/04/30/"),
        ("/2015/Apr", "/2015/04/"),
    ],
)
def test_old_blosxom_urls_answer_301(client, tree, owner, old, new):
    run(tree)
    if new == "POST":
        new = Post.objects.get(slug="released").get_absolute_url()
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new


def test_unknown_blosxom_forms_stay_404(client, tree, owner):
    run(tree)
    for url in ("/nowhere/index.rss20", "/2015/Foo/30", "/openstack/kilo/nothing.html"):
        assert client.get(url, follow=True).status_code == 404, url


def test_comments_in_the_comment_plugins_folder_are_found_and_line_breaks_not_doubled(tree, owner):
    from comments.models import Comment

    kept = tree / "comments" / "openstack" / "kilo"
    kept.mkdir(parents=True)
    (kept / "released-1430412000.cmt").write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n<item><title>Re</title>'
        "<author>Datadir Reader</author><pubDate>1430412000</pubDate>"
        "<description>First line&lt;br /&gt;\nsecond line</description></item>"
    )
    run(tree)
    comment = Comment.objects.get(author_name="Datadir Reader")
    assert comment.post.slug == "released"
    assert comment.body_html == "<p>First line<br>\nsecond line</p>"
    beside = Comment.objects.filter(post=comment.post).exclude(pk=comment.pk)
    assert beside.count() == 2  # and the ones beside the entry still come too
