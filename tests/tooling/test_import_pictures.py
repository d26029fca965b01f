"""Every picture a WordPress post shows comes along: full size, resized copies (-300x200,
?w=604), srcset entries, links to the full size, in any post; from --media-dir or fetched from
the old site (its own hosts only); what cannot be had stays visible as a link and is listed."""

import functools
import io
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command

from blog.models import Post, PostImage
from tests.factories import picture_bytes
from tooling import wordpress_pictures as pictures

pytestmark = pytest.mark.django_db

ITEM = """<item><title>{title}</title><link>{site}/2014/05/{slug}/</link>
<dc:creator>ann</dc:creator><guid isPermaLink="false">{site}/?p={id}</guid>
<content:encoded><![CDATA[{body}]]></content:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>2014-05-1{id} 10:00:00</wp:post_date>
<wp:post_name>{slug}</wp:post_name><wp:status>publish</wp:status>
<wp:post_parent>0</wp:post_parent><wp:post_type>post</wp:post_type></item>"""
ATTACHMENT = """<item><title>{title}</title><link>{site}/?attachment_id={id}</link>
<dc:creator>ann</dc:creator><guid isPermaLink="false">{url}</guid>
<content:encoded><![CDATA[]]></content:encoded><excerpt:encoded><![CDATA[{caption}]]></excerpt:encoded>
<wp:post_id>{id}</wp:post_id><wp:post_date>2014-05-10 09:00:00</wp:post_date>
<wp:post_name>{slug}</wp:post_name><wp:status>inherit</wp:status>
<wp:post_parent>{parent}</wp:post_parent><wp:post_type>attachment</wp:post_type>
<wp:attachment_url>{url}</wp:attachment_url></item>"""


def export(site, items):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/"
 xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:wp="http://wordpress.org/export/1.2/"><channel><title>Old</title><link>{site}</link>
<wp:wxr_version>1.2</wp:wxr_version>
<wp:author><wp:author_login>ann</wp:author_login></wp:author>
{"".join(items)}</channel></rss>"""


def harbour_export(site, *, foreign="https://elsewhere.example"):
    uploads = f"{site}/wp-content/uploads"
    return export(
        site,
        [
            ATTACHMENT.format(
                site=site,
                id=100,
                parent=1,
                title="The harbour",
                caption="At noon",
                slug="harbour",
                url=f"{uploads}/2014/05/harbour.jpg",
            ),
            ATTACHMENT.format(
                site=site,
                id=101,
                parent=2,
                title="Café «Ö»",
                caption="",
                slug="cafe",
                url=f"{uploads}/2014/05/caf%C3%A9.png",
            ),
            ATTACHMENT.format(
                site=site,
                id=102,
                parent=2,
                title="Gone",
                caption="",
                slug="gone",
                url=f"{uploads}/2014/05/gone.jpg",
            ),
            ITEM.format(
                site=site,
                id=1,
                title="Harbour",
                slug="harbour-day",
                body=(
                    f'<a href="{uploads}/2014/05/harbour.jpg"><img class="alignright size-medium"'
                    f' src="{uploads}/2014/05/harbour-300x200.jpg" alt="Boats" width="300"'
                    f' height="200" srcset="{uploads}/2014/05/harbour-300x200.jpg 300w,'
                    f' {uploads}/2014/05/harbour-1024x683.jpg 1024w"></a>\n\n'
                    f'Again, small: <img src="{uploads}/2014/05/harbour.jpg?w=150" alt="">'
                ),
            ),
            ITEM.format(
                site=site,
                id=2,
                title="Elsewhere",
                slug="elsewhere",
                body=(
                    # Another post's picture, a gallery of its own, a CDN copy, a missing
                    # file and a foreign host's picture.
                    f'<img src="https://i0.wp.com/{uploads.split("//")[1]}/2014/05/'
                    f'harbour-1024x683.jpg" alt="The harbour again">\n\n[gallery]\n\n'
                    f'<img src="{uploads}/2014/05/gone.jpg" alt="A lost picture">\n\n'
                    f'<img src="{foreign}/hotlinked.jpg" alt="Someone else&#039;s">'
                ),
            ),
        ],
    )


def run(file, **options):
    out = io.StringIO()
    call_command("import_wxr", str(file), stdout=out, **options)
    return out.getvalue()


def uploads_folder(root):
    month = root / "2014" / "05"
    month.mkdir(parents=True)
    (month / "harbour.jpg").write_bytes(
        picture_bytes(width=1600, height=1067, image_format="JPEG", color="navy")
    )
    (month / "café.png").write_bytes(picture_bytes(width=300, height=300, color="coral"))
    return root


def shown_pictures(post):
    return pictures.IMG_TAG.findall(post.body_html)


def test_every_size_and_srcset_of_an_upload_is_one_imported_picture(tmp_path, client):
    file = tmp_path / "export.xml"
    file.write_text(harbour_export("https://old.example"))
    report = run(file, media_dir=str(uploads_folder(tmp_path / "uploads")))
    harbour = Post.objects.get(title="Harbour")
    copy = harbour.images.get()  # the full size, its -300x200, -1024x683 and ?w=150 copies
    assert copy.alt == "The harbour" and copy.caption == "At noon"
    shown = shown_pictures(harbour)
    assert len(shown) == 2 and all(copy.display.url in tag for tag in shown)
    assert 'class="alignright size-medium"' in shown[0] and 'width="300"' in shown[0]
    assert 'width="150"' in shown[1]
    assert f'href="{copy.original.url}"' in harbour.body_html  # the link to the full size
    assert "old.example" not in harbour.body_html
    assert client.get(copy.display.url).status_code == 200
    elsewhere = Post.objects.get(title="Elsewhere")
    names = sorted(image.alt for image in elsewhere.images.all())
    assert names == ["Café «Ö»", "The harbour"]  # its gallery's and another post's picture
    assert 'class="gallery"' in elsewhere.body_html
    # What has no file stays visible, as a link with its alt text, and is listed.
    assert '<a href="https://old.example/wp-content/uploads/2014/05/gone.jpg"' in (
        elsewhere.body_html
    )
    assert ">A lost picture</a>" in elsewhere.body_html
    assert ">Someone else's</a>" in elsewhere.body_html
    assert "Pictures: 4 shown from imported copies (3 files imported), 3 left as links" in report
    assert "gone.jpg (not under --media-dir; --fetch-media would try the old site)" in report
    again = run(file, media_dir=str(tmp_path / "uploads"))
    assert "0 created, 0 updated, 2 unchanged" in again and PostImage.objects.count() == 3
    assert not harbour.revisions.exists()


def test_without_any_source_every_picture_stays_a_visible_link(tmp_path):
    file = tmp_path / "export.xml"
    file.write_text(harbour_export("https://old.example"))
    report = run(file)
    harbour = Post.objects.get(title="Harbour")
    assert not shown_pictures(harbour)
    assert ">Boats</a>" in harbour.body_html and ">harbour.jpg</a>" in harbour.body_html
    assert "give --media-dir or --fetch-media" in report


class Files(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def old_site(tmp_path):
    """The old site's uploads, served over HTTP on this machine."""
    root = tmp_path / "site"
    uploads_folder(root / "wp-content" / "uploads")
    (root / "wp-content" / "uploads" / "2014" / "05" / "page.jpg").write_text("<html>not")
    handler = functools.partial(Files, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_fetch_media_downloads_from_the_old_site_and_only_from_its_hosts(tmp_path, old_site):
    file = tmp_path / "export.xml"
    # The foreign picture is on this machine too, under another name for it: not the export's.
    foreign = old_site.replace("127.0.0.1", "localhost")
    file.write_text(harbour_export(old_site, foreign=foreign))
    report = run(file, fetch_media=True)
    harbour = Post.objects.get(title="Harbour")
    assert harbour.images.get().original_width == 1600
    assert len(shown_pictures(harbour)) == 2
    elsewhere = Post.objects.get(title="Elsewhere")
    assert elsewhere.images.count() == 2
    assert "gone.jpg (not fetched: HTTP 404)" in report
    assert "hotlinked.jpg (not fetched: localhost is not one of the export's hosts.)" in report
    assert "Pictures: 4 shown from imported copies (3 files imported), 3 left as links" in report


def test_a_fetched_file_gets_the_same_checks_as_an_upload(tmp_path, old_site):
    file = tmp_path / "export.xml"
    body = f'<img src="{old_site}/wp-content/uploads/2014/05/page.jpg" alt="Fake">'
    file.write_text(
        export(old_site, [ITEM.format(site=old_site, id=3, title="F", slug="f", body=body)])
    )
    report = run(file, fetch_media=True)
    assert "page.jpg (The file is not a picture, or it is damaged." in report
    assert ">Fake</a>" in Post.objects.get(title="F").body_html


@pytest.mark.parametrize(
    ("url", "keys"),
    [
        (
            "https://x.example/wp-content/uploads/2013/03/a-1200x4002.jpg",
            ["2013/03/a-1200x4002.jpg", "2013/03/a.jpg"],
        ),
        ("https://cdn.example/2010/08/m.jpg?w=150", ["2010/08/m.jpg"]),
        (
            "/wp-content/uploads/2020/01/big-scaled.jpeg",
            ["2020/01/big-scaled.jpeg", "2020/01/big.jpeg"],
        ),
        (
            "https://x.example/uploads/2014/05/caf%C3%A9-150x150.PNG",
            ["2014/05/café-150x150.PNG", "2014/05/café.PNG"],
        ),
        ("https://x.example/2014/05/a-page/", []),
        ("https://x.example/song.mp3", []),
    ],
)
def test_a_reference_names_its_upload_whatever_size_or_host(url, keys):
    assert pictures.keys_of(url) == keys


def test_hostile_image_tags_take_linear_time():
    import time

    def cost(size):
        text = ("<img " + 'a="' * size) + ("<a href=" * size)
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            pictures.rewritten(text, lambda url: None)
            pictures.references(text)
            best = min(best, time.process_time() - started)
        return best

    assert cost(40_000) < 10 * max(cost(10_000), 0.001)


def test_a_linked_thumbnail_without_a_file_stays_one_visible_link(tmp_path):
    site = "https://old.example"
    body = (
        f'<a href="{site}/wp-content/uploads/2012/01/image6.png"><img '
        f'src="{site}/wp-content/uploads/2012/01/image_thumb6.png" alt="A diagram"></a>'
    )
    file = tmp_path / "export.xml"
    file.write_text(export(site, [ITEM.format(site=site, id=3, title="T", slug="t", body=body)]))
    run(file)
    html = Post.objects.get(title="T").body_html
    assert html.count("<a ") == 1 and "<a></a>" not in html
    assert (
        f'<a href="{site}/wp-content/uploads/2012/01/image6.png" rel="noopener">A diagram</a>'
        in (html)
    )
