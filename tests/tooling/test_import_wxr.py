import datetime
import io
from pathlib import Path as FilePath

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from PIL import Image

from blog.models import LegacyUrl, Path, Post, PostImage
from comments.models import Comment

DATA = FilePath(__file__).resolve().parents[1] / "data" / "wxr"
SAMPLE = DATA / "sample-1.2.xml"


def run(file=SAMPLE, **options):
    out = io.StringIO()
    call_command("import_wxr", str(file), stdout=out, **options)
    return out.getvalue()


def post(title):
    return Post.objects.get(title=title)


def test_authors_become_inactive_imported_users(db):
    run()
    margit = get_user_model().objects.get(username="margit")
    assert margit.display_name == "Margit Sørensen" and margit.email == "margit@harbour.example"
    assert not margit.is_active and not margit.has_usable_password()
    assert margit.imported_from == "wordpress"
    assert get_user_model().objects.filter(username="tom.b").exists()


def test_nested_categories_become_nested_paths(db):
    run()
    paths = set(Path.objects.values_list("full_path", flat=True))
    assert {"/boats", "/boats/sail", "/boats/sail/dinghies", "/x-2014"} <= paths
    assert Path.objects.get(full_path="/boats").description == "Everything that floats."
    windy = Post.objects.get(slug="windy-wet-tuesday")
    assert windy.path.full_path == "/boats/sail/dinghies"
    assert sorted(windy.tags.names()) == ["2014", "weather"]  # a second category becomes a tag


def test_statuses_dates_and_slugs(db, settings):
    settings.TIME_ZONE = "Europe/Copenhagen"
    output = run()
    windy = Post.objects.get(slug="windy-wet-tuesday")
    assert windy.is_published
    assert windy.published_at == datetime.datetime(2014, 5, 13, 19, 40, tzinfo=datetime.UTC)
    kare = post("Kåre's dinghy — ÆØÅ")
    assert kare.slug == "kåres-dinghy"  # the slug WordPress had, percent-decoded
    # no GMT date: the local one, in the site's zone (CEST, UTC+2)
    assert kare.published_at == datetime.datetime(2014, 5, 13, 9, 0, tzinfo=datetime.UTC)
    assert not kare.allow_comments
    assert Post.objects.get(slug="windy-wet-tuesday-2").body.startswith("Same title")
    assert post("Next season").is_scheduled
    for title in ("Half-written", "Private notes"):
        assert post(title).status == "draft"
    assert post("Pending review").status == "pending"  # still waiting for an editor
    about = post("About this blog")
    assert about.is_page and about.path is None and about.get_absolute_url() == "/about/"
    untitled = Post.objects.get(import_key="http://harbour.example#post-14")
    # No title invented: the post has none, as on WordPress; links name it by its first words.
    assert untitled.title == "" and str(untitled).startswith("A status update without a title")
    assert "9 created, 0 updated, 0 unchanged, 1 skipped" in output
    assert "skipped item 19 “No date at all”: it has no date" in output
    assert not Post.objects.filter(title="No date at all").exists()


def test_wordpress_formatting_and_excerpts(db):
    run()
    windy = Post.objects.get(slug="windy-wet-tuesday")
    html = windy.body_html
    assert "<p>The wind came from the west<br>\nand did not stop.</p>" in html
    assert "<figcaption>The harbour at noon</figcaption></figure>" in html
    assert '<p>Prices: 5 &lt; 7 &amp; "quotes" \u2014 and</p>' in html  # a gallery is a block
    # [gallery ids="11"]: the picture (without a file here, a link to where it was)
    assert '<div class="gallery"><a href="http://harbour.example/wp-content/uploads/2014' in html
    assert "[gallery" not in html
    assert "<script" not in html and "alert" not in html
    assert "harbour at noon" in windy.excerpt_html and "Prices" not in windy.excerpt_html
    kare = post("Kåre's dinghy — ÆØÅ")
    assert kare.excerpt_html == "<p>A short summary written by hand.</p>"


def test_comments_keep_status_threads_and_authors(db):
    run()
    windy = Post.objects.get(slug="windy-wet-tuesday")
    statuses = dict(windy.comments.values_list("author_name", "status"))
    assert statuses["Ole"] == "approved" and statuses["Held Helga"] == "pending"
    assert statuses["Cheap Pills"] == "spam" and statuses["Binned"] == "removed"
    assert statuses["Sailing Weekly"] == "approved"  # a pingback
    reply = windy.comments.get(author_name="Margit Sørensen")
    assert reply.parent.author_name == "Ole" and reply.depth == 2
    ole = windy.comments.get(author_name="Ole")
    assert ole.ip_address == "203.0.113.9" and ole.author_url == "http://ole.example/"
    assert ole.body_html == "<p>Lovely <em>photo</em>!<br>\nSecond line.</p>"
    assert ole.created_at == datetime.datetime(2014, 5, 13, 20, 0, tzinfo=datetime.UTC)
    assert windy.comment_count == 4


def test_hostile_comments_are_neutralised(client, db):
    run()
    sneaky = Comment.objects.get(author_email="sneaky@bad.example")
    assert sneaky.author_url == ""
    assert "<script" not in sneaky.body_html and "javascript:" not in sneaky.body_html
    assert "onerror" not in sneaky.body_html
    page = client.get(sneaky.post.get_absolute_url()).content.decode()
    assert (
        "<script>alert(1)" not in page and "alert(1)Sneaky" in page
    )  # a name is text: its tags dropped


def test_importing_the_same_file_again_changes_nothing(db):
    run()
    before = (Post.objects.count(), Comment.objects.count(), LegacyUrl.objects.count())
    output = run()
    assert "0 created, 0 updated, 9 unchanged, 1 skipped" in output
    assert "0 comments and 0 authors created" in output
    assert (Post.objects.count(), Comment.objects.count(), LegacyUrl.objects.count()) == before


def test_a_newer_export_updates_what_changed(db, tmp_path):
    run()
    newer = SAMPLE.read_text().replace("Kåre painted it blue.", "Kåre painted it green.")
    held = "<![CDATA[Waiting for approval.]]></wp:comment_content>\n\t\t\t<wp:comment_approved>"
    newer = newer.replace(held + "<![CDATA[0]]>", held + "<![CDATA[1]]>")
    assert newer.count("painted it green") == 1
    changed = tmp_path / "newer.xml"
    changed.write_text(newer)
    output = run(changed)
    assert "0 created, 2 updated, 7 unchanged" in output
    assert "green" in post("Kåre's dinghy — ÆØÅ").body_html
    assert Comment.objects.get(author_name="Held Helga").status == "approved"
    assert Post.objects.get(slug="windy-wet-tuesday").comment_count == 5


def test_dry_run_reports_and_writes_nothing(db):
    output = run(dry_run=True)
    assert "Would import WXR 1.2" in output and "9 created" in output
    assert "Dry run: nothing was written." in output
    assert not Post.objects.exists() and not Comment.objects.exists()
    assert not get_user_model().objects.exists() and not Path.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("hostile-xxe.xml", "Refused"),
        ("hostile-billion-laughs.xml", "Refused"),
        ("broken.xml", "Not well-formed XML at line"),
    ],
)
def test_hostile_or_broken_files_are_refused_and_nothing_imported(db, name, message):
    with pytest.raises(CommandError, match=message):
        run(DATA / name)
    assert not Post.objects.exists() and not get_user_model().objects.exists()


def test_not_a_wordpress_file_is_refused(db, tmp_path):
    other = tmp_path / "feed.xml"
    other.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
    )
    with pytest.raises(CommandError, match="not a WordPress export"):
        run(other)


def test_wxr_1_1_imports_too(db):
    output = run(DATA / "sample-1.1.xml")
    assert "WXR 1.1" in output and "1 created" in output
    lamp = post("The lamp is lit")
    assert lamp.path.full_path == "/lamps" and lamp.comments.get().author_name == "Sailor"


def test_wxr_1_0_keeps_its_tags(db):
    output = run(DATA / "sample-1.0.xml")
    assert "WXR 1.0" in output and "1 created" in output
    lamp = post("The lamp is lit")
    assert lamp.path.full_path == "/lamps"
    assert sorted(lamp.tags.names()) == ["Fyr", "Lighthouse keeping"]
    assert lamp.tags.get(name="Lighthouse keeping").slug == "lighthouse-keeping"


def test_authors_the_channel_does_not_list_are_made_from_the_items(db, tmp_path):
    ghostly = tmp_path / "ghost.xml"
    ghostly.write_text(
        (DATA / "sample-1.1.xml")
        .read_text()
        .replace("<dc:creator>keeper</dc:creator>", "<dc:creator>ghost</dc:creator>")
        .replace("<wp:author><wp:author_login>keeper", "<wp:unused><wp:author_login>keeper")
        .replace(
            "The Keeper]]></wp:author_display_name></wp:author>",
            "The Keeper]]></wp:author_display_name></wp:unused>",
        )
    )
    assert "1 created" in run(ghostly, dry_run=True)
    get_user_model().objects.create_user("editor")
    assert "1 created" in run(ghostly, default_author="editor")
    assert post("The lamp is lit").author.username == "editor"
    Post.objects.all().delete()
    assert "1 created" in run(ghostly)  # without --default-author: made from dc:creator
    ghost = post("The lamp is lit").author
    assert ghost.username == "ghost" and not ghost.is_active and ghost.imported_from
    with pytest.raises(CommandError, match="is not a user"):
        run(ghostly, default_author="nobody")


def test_old_urls_answer_301(client, db):
    run()
    windy = Post.objects.get(slug="windy-wet-tuesday")
    response = client.get("/?p=10")
    assert response.status_code == 301 and response["Location"] == windy.get_absolute_url()
    about = post("About this blog")  # a page, at the address it had
    assert client.get("/about/").context["post"] == about
    assert client.get("/about")["Location"] == about.get_absolute_url()
    assert client.get("/?page_id=2")["Location"] == about.get_absolute_url()
    untitled = Post.objects.get(import_key="http://harbour.example#post-14")
    assert client.get("/?p=14")["Location"] == untitled.get_absolute_url()
    assert client.get("/?p=16").status_code == 200  # a draft: the front page, no redirect
    assert client.get("/private-notes/").status_code == 404
    assert client.get("/?p=99999").status_code == 200


def test_attachments_under_media_dir_become_pictures(client, db, tmp_path):
    uploads = tmp_path / "uploads" / "2014" / "05"
    uploads.mkdir(parents=True)
    Image.new("RGB", (600, 400), "seagreen").save(uploads / "harbour.jpg", "JPEG")
    run(media_dir=str(tmp_path / "uploads"))
    windy = Post.objects.get(slug="windy-wet-tuesday")
    picture = windy.images.get()
    assert picture.alt == "harbour.jpg" and picture.caption == "The harbour at noon"
    assert "wp-content/uploads" not in windy.body_html
    assert f'src="{picture.display.url}"' in windy.body_html
    assert client.get(picture.display.url).status_code == 200
    run(media_dir=str(tmp_path / "uploads"))
    assert PostImage.objects.count() == 1  # idempotent


def test_missing_attachments_keep_their_url_and_are_reported(db, tmp_path):
    output = run(media_dir=str(tmp_path))
    assert "harbour.jpg (not under --media-dir; --fetch-media would try the old site)" in output
    windy = Post.objects.get(slug="windy-wet-tuesday")
    assert "http://harbour.example/wp-content/uploads/2014/05/harbour.jpg" in windy.body_html
    assert not PostImage.objects.exists()


def test_an_item_failing_half_way_is_skipped_whole(db, monkeypatch):
    from tooling.management.commands import import_wxr

    real = import_wxr.Command.keep_old_urls

    def fail_for_windy(self, post, item):
        if item.post_id == "10":  # after its post and comments were written
            raise import_wxr.Skip("the database refused it")
        return real(self, post, item)

    monkeypatch.setattr(import_wxr.Command, "keep_old_urls", fail_for_windy)
    output = run()
    assert "skipped item 10 “A windy & wet Tuesday”: the database refused it" in output
    assert not Post.objects.filter(import_key="http://harbour.example#post-10").exists()
    assert not Comment.objects.filter(author_name="Ole").exists()
    assert Post.objects.filter(slug="kåres-dinghy").exists()


def test_invalid_comment_addresses_are_dropped(db, tmp_path):
    odd = tmp_path / "odd.xml"
    odd.write_text(SAMPLE.read_text().replace("203.0.113.9", "not-an-ip"))
    run(odd)
    assert Comment.objects.get(author_name="Ole").ip_address is None


def test_a_tag_merged_with_another_keeps_its_wordpress_slug_as_an_address(client, db, tmp_path):
    # WordPress: the tag "Boats" (boats-2, as a category was named boats first) and "boats".
    file = tmp_path / "tags.xml"
    file.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>T</title><link>https://t.example</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>ann</wp:author_login></wp:author>
<wp:tag><wp:tag_slug>boats-2</wp:tag_slug><wp:tag_name>Boats</wp:tag_name></wp:tag>
<item><title>Sailing</title><dc:creator>ann</dc:creator>
<content:encoded>On the water.</content:encoded>
<wp:post_id>7</wp:post_id><wp:post_date>2014-05-13 10:00:00</wp:post_date>
<wp:post_name>sailing</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type>
<category domain="post_tag" nicename="boats-2">Boats</category>
<category domain="post_tag" nicename="boats">boats</category></item>
</channel></rss>"""
    )
    run(file)
    sailing = Post.objects.get(title="Sailing")
    assert sailing.tags.count() == 1  # one tag, whatever the case
    slug = sailing.tags.get().slug
    other = "boats-2" if slug == "boats" else "boats"
    response = client.get(f"/tag/{other}/")
    assert response.status_code == 301 and response["Location"] == f"/tags/{slug}/"
    assert "Sailing" in client.get(response["Location"]).content.decode()


def test_a_wordpress_com_export_with_undeclared_prefixes_and_wp_author_imports(db, tmp_path):
    # WordPress.com exports of around 2012: <atom:link> without xmlns:atom, <wp:wp_author>,
    # and comments on an attachment's own page.
    file = tmp_path / "wpcom.xml"
    file.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Com</title><link>https://com.example</link>
<atom:link rel="search" type="application/opensearchdescription+xml"
 href="https://com.example/osd.xml" title="Com" />
<wp:wxr_version>1.2</wp:wxr_version>
<wp:wp_author><wp:author_login>gnu</wp:author_login>
<wp:author_display_name>G. Nu</wp:author_display_name></wp:wp_author>
<item><title>Post</title><dc:creator>gnu</dc:creator><content:encoded>Text.</content:encoded>
<wp:post_id>5</wp:post_id><wp:post_date>2012-05-13 10:00:00</wp:post_date>
<wp:post_name>post</wp:post_name><wp:status>publish</wp:status><wp:post_type>post</wp:post_type></item>
<item><title>pic</title><dc:creator>gnu</dc:creator><wp:post_id>6</wp:post_id>
<wp:post_date>2012-05-13 10:00:00</wp:post_date><wp:status>inherit</wp:status>
<wp:post_parent>5</wp:post_parent><wp:post_type>attachment</wp:post_type>
<wp:attachment_url>https://com.example/files/2012/05/pic.jpg</wp:attachment_url>
<wp:comment><wp:comment_id>9</wp:comment_id><wp:comment_author>Rita</wp:comment_author>
<wp:comment_content>Lovely picture.</wp:comment_content><wp:comment_approved>1</wp:comment_approved>
<wp:comment_date>2012-05-14 10:00:00</wp:comment_date></wp:comment></item>
</channel></rss>"""
    )
    report = run(file)
    assert "1 created, 0 updated, 0 unchanged, 0 skipped" in report
    imported = post("Post")
    assert imported.author.username == "gnu" and imported.author.display_name == "G. Nu"
    assert imported.comments.get().body == "Lovely picture."  # from the attachment's page
    assert "1 unchanged" in run(file)


def blog_of(posts, *, comments_each):
    """A WordPress export of `posts` posts in one category with two tags, each with threads of
    comments (every second one a reply), every fifth comment held."""
    items = []
    for number in range(1, posts + 1):
        comments = "".join(
            f"<wp:comment><wp:comment_id>{number * 100 + c}</wp:comment_id>"
            f"<wp:comment_author>Reader {c}</wp:comment_author>"
            f"<wp:comment_content>Comment *{c}* on &lt;b&gt;{number}&lt;/b&gt;</wp:comment_content>"
            f"<wp:comment_approved>{0 if c % 5 == 0 else 1}</wp:comment_approved>"
            f"<wp:comment_parent>{number * 100 + c - 1 if c % 2 == 0 else 0}</wp:comment_parent>"
            f"<wp:comment_date>2014-05-14 10:{c:02}:00</wp:comment_date></wp:comment>"
            for c in range(1, comments_each + 1)
        )
        items.append(
            f"<item><title>Post {number}</title><dc:creator>ann</dc:creator>"
            f"<link>https://many.example/2014/05/13/post-{number}/</link>"
            f"<content:encoded>Text of post {number}.\n\nA second &lt;em&gt;paragraph&lt;/em&gt;."
            "</content:encoded>"
            f"<wp:post_id>{number}</wp:post_id><wp:post_date>2014-05-13 10:00:00</wp:post_date>"
            # Every third post takes the slug of the one before: numbered on the clash.
            f"<wp:post_name>post-{number - (number % 3 == 0)}</wp:post_name>"
            "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            '<category domain="category" nicename="boats">Boats</category>'
            '<category domain="post_tag" nicename="sail">sail</category>'
            f'<category domain="post_tag" nicename="wind">Wind</category>{comments}</item>'
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel><title>Many</title><link>https://many.example</link><wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>ann</wp:author_login></wp:author>
{"".join(items)}
</channel></rss>"""


def queries_to_import(file):
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        run(file)
        again = len(queries)
        run(file)
        transaction.set_rollback(True)
    return again, len(queries) - again


def test_the_queries_of_an_import_do_not_grow_with_its_posts_and_comments(db, tmp_path):
    few, many = tmp_path / "few.xml", tmp_path / "many.xml"
    few.write_text(blog_of(3, comments_each=4))
    many.write_text(blog_of(30, comments_each=8))
    # The first import (posts, tags, comments by level; on SQLite, long inserts in several
    # statements) and the second (nothing changes).
    (first_few, again_few), (first_many, again_many) = map(queries_to_import, (few, many))
    assert first_many < first_few + 10 and again_many == again_few


@pytest.mark.parametrize("render_ahead", [False, True], ids=["here", "in-a-second-process"])
def test_posts_and_comments_imported_together_are_stored_as_one_save_stores_them(
    db, tmp_path, monkeypatch, render_ahead
):
    from tooling.management.commands import import_wxr

    monkeypatch.setattr(import_wxr, "RENDER_AHEAD_FROM", 1 if render_ahead else 10**9)
    monkeypatch.setattr(import_wxr, "BATCH", 3)  # (several batches, each rendered ahead)
    rendered, real = [], import_wxr.Command.import_batch
    monkeypatch.setattr(
        import_wxr.Command,
        "import_batch",
        lambda self, *a: rendered.append(self.rendered) or real(self, *a),
    )
    file = tmp_path / "many.xml"
    file.write_text(blog_of(7, comments_each=6))
    report = run(file)
    assert "7 created, 0 updated, 0 unchanged, 0 skipped; 42 comments" in report
    posts = list(Post.objects.order_by("pk"))
    assert [p.slug for p in posts[:4]] == ["post-1", "post-2", "post-2-2", "post-4"]
    for imported in posts:
        stored = (imported.body_html, imported.excerpt_html, imported.body_text, imported.slug)
        imported.save()
        imported.refresh_from_db()
        assert (imported.body_html, imported.excerpt_html, imported.body_text) == stored[:3]
        assert imported.slug == stored[3] and imported.comment_count == 5
    for comment in Comment.objects.select_related("parent"):
        stored = comment.body_html
        comment.render()
        assert comment.body_html == stored and "<b>" not in stored
        assert comment.parent_id is None or comment.parent.import_key.endswith(
            f"-{int(comment.import_key.rsplit('-', 1)[1]) - 1}"
        )
    assert Comment.objects.filter(status=Comment.Status.PENDING).count() == 7
    assert LegacyUrl.objects.filter(old_url="/2014/05/13/post-3/").get().post == posts[2]
    assert "0 created, 0 updated, 7 unchanged" in run(file)
    assert [len(texts) for texts in rendered] == ([18, 18, 6] if render_ahead else [0, 0, 0]) + [
        0,
        0,
        0,
    ]
