import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from blog.models import PostImage
from blog.uploads import open_upload
from tests.factories import make_picture, make_post, make_user, picture_bytes


def upload(data, name="holiday.jpg"):
    return SimpleUploadedFile(name, data)


def gps_jpeg():
    """A 40x20 JPEG taken 'on its side', with a camera make and a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "SpyCam"
    exif[ExifTags.IFD.GPSInfo] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 0.0)}
    return picture_bytes(width=40, height=20, image_format="JPEG", exif=exif.tobytes())


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "GIF", "WEBP"])
def test_real_pictures_are_accepted_with_three_renditions(db, image_format):
    post = make_post()
    picture = PostImage(post=post, alt="x")
    picture.set_upload(upload(picture_bytes(width=1600, height=1000, image_format=image_format)))
    picture.save()
    assert (picture.original_width, picture.original_height) == (1600, 1000)
    assert (picture.width, picture.height) == (1200, 750)
    assert max(picture.thumbnail_width, picture.thumbnail_height) == 320
    for rendition in (picture.original, picture.display, picture.thumbnail):
        with rendition.open("rb") as stored:
            assert Image.open(stored).format == {"GIF": "PNG"}.get(image_format, image_format)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "not a picture"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "not a picture"),
        (b"GIF89a<script>alert(1)</script>", "not a picture"),
        (b"", "empty"),
        ("TRUNCATED", "not a picture"),
        ("BMP", "Only JPEG, PNG, GIF and WebP"),
        ("TIFF", "Only JPEG, PNG, GIF and WebP"),
    ],
)
def test_files_that_are_not_acceptable_pictures_are_refused(db, data, message):
    if data == "TRUNCATED":
        data = picture_bytes(width=300, height=300, image_format="JPEG")[:600]
    elif data in ("BMP", "TIFF"):
        data = picture_bytes(image_format=data)
    with pytest.raises(ValidationError, match=message):
        open_upload(upload(data))


def test_a_decompression_bomb_is_refused(db):
    buffer = io.BytesIO()
    Image.new("1", (12_000, 12_000)).save(buffer, "PNG")  # small file, 144 million pixels
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(ValidationError, match=r"million allowed|too many pixels"):
        open_upload(upload(buffer.getvalue(), "small.png"))


def test_pixel_and_size_limits_come_from_settings(db, settings):
    settings.BLOG_IMAGE_MAX_PIXELS = 1_000_000
    with pytest.raises(ValidationError, match="1200 by 1000 pixels"):
        open_upload(upload(picture_bytes(width=1200, height=1000)))
    settings.BLOG_IMAGE_MAX_BYTES = 2 * 1024 * 1024
    noisy = Image.effect_noise((1000, 1000), 100).convert("RGB")
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    assert len(buffer.getvalue()) > 2 * 1024 * 1024
    with pytest.raises(ValidationError, match="larger than 2 MB"):
        open_upload(upload(buffer.getvalue(), "noise.png"))


def test_gps_and_all_metadata_are_gone_from_every_rendition_and_orientation_applied(db):
    post = make_post()
    picture = PostImage(post=post, alt="Turned")
    picture.set_upload(upload(gps_jpeg()))
    picture.save()
    assert (picture.original_width, picture.original_height) == (20, 40)  # turned upright
    for rendition in (picture.original, picture.display, picture.thumbnail):
        with rendition.open("rb") as stored:
            data = stored.read()
        assert b"SpyCam" not in data and b"Exif" not in data
        assert not dict(Image.open(io.BytesIO(data)).getexif())


def test_stored_names_are_random_not_the_uploaders(db):
    picture = make_picture(post=make_post())
    names = {picture.original.name, picture.display.name, picture.thumbnail.name}
    assert len(names) == 3
    assert not any("upload" in name for name in names)
    assert all(name.startswith("images/") for name in names)


def test_a_picture_reference_in_the_body_becomes_a_sized_lazy_figure(db):
    post = make_post(body="Before.")
    picture = make_picture(post=post, alt="Harbour", caption="At dusk", width=1600, height=1000)
    post.body = (
        f'Before.\n\n![](image:{picture.pk})\n\n![Own alt](image:{picture.pk} "Own caption")'
    )
    post.save()
    html = post.body_html
    assert html.count("<figure>") == 2
    assert f'src="{picture.display.url}"' in html
    assert 'width="1200"' in html and 'height="750"' in html
    assert 'loading="lazy"' in html and f"{picture.thumbnail.url} 320w" in html
    assert 'alt="Harbour"' in html and "<figcaption>At dusk</figcaption>" in html
    assert 'alt="Own alt"' in html and "<figcaption>Own caption</figcaption>" in html


def test_a_reference_to_a_missing_picture_says_so(db):
    post = make_post(body="![x](image:999)")
    assert '<span class="missing-picture">[picture 999 not found]</span>' in post.body_html


def test_uploading_a_picture_refreshes_the_posts_html(db):
    post = make_post(body="![x](image:1)")
    picture = make_picture(post=post)
    post.body = f"![x](image:{picture.pk})"
    post.save()
    picture.delete()
    post.refresh_from_db()
    assert "not found" in post.body_html


def test_srcset_pointing_elsewhere_is_dropped(db):
    post = make_post(body='<img src="/media/a.png" srcset="https://evil.example/x.png 2x" alt="a">')
    assert "srcset" not in post.body_html


def test_listing_shows_a_thumbnail_strip_and_see_more_thumbnails(client, db):
    post = make_post(title="Holiday")
    pictures = [make_picture(post=post, alt=f"Picture {n}", order=n) for n in range(5)]
    page = client.get("/").content.decode()
    assert page.count('class="thumbnail-strip"') == 1
    assert (
        f'src="{pictures[0].thumbnail.url}"' in page
        and f'src="{pictures[4].thumbnail.url}"' not in page
    )
    assert f'<a href="{post.get_gallery_url()}">See more thumbnails</a>' in page


def test_gallery_shows_every_picture_linking_to_its_full_size(client, db):
    post = make_post(title="Holiday")
    pictures = [
        make_picture(post=post, alt=f"Picture {n}", caption=f"Caption {n}") for n in range(3)
    ]
    page = client.get(post.get_gallery_url()).content.decode()
    for picture in pictures:
        assert f'<a href="{picture.original.url}"><img src="{picture.display.url}"' in page
        assert f'alt="{picture.alt}"' in page and picture.caption in page
    assert 'width="64" height="48"' in page


def test_gallery_of_a_post_without_pictures_or_unpublished_is_404(client, db):
    assert client.get(make_post().get_gallery_url()).status_code == 404
    draft = make_post(published=False)
    make_picture(post=draft)
    assert client.get(draft.get_gallery_url()).status_code == 404


def test_media_is_served_with_its_type_and_nosniff(client, db):
    picture = make_picture(post=make_post())
    response = client.get(picture.thumbnail.url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.fixture
def author_client(client, db):
    from django.contrib.auth.models import Group

    user = make_user(username="ann", is_staff=True)
    user.groups.add(Group.objects.get(name="Author"))
    client.force_login(user)
    return client


def post_with_pictures(*files, alt="A teal square"):
    data = {
        "title": "With pictures",
        "slug": "",
        "path_text": "/diary/pictures",
        "tags": "",
        "body": "Text.",
        "status": "published",
        "published_at_0": "2015-10-15",
        "published_at_1": "12:30:00",
        "allow_comments": "on",
        "markup": "markdown",
        "images-TOTAL_FORMS": str(len(files)),
        "images-INITIAL_FORMS": "0",
    }
    for n, file in enumerate(files):
        data |= {f"images-{n}-upload": file, f"images-{n}-alt": alt, f"images-{n}-order": n}
    return data


def test_author_uploads_several_pictures_at_once_in_the_post_form(author_client, settings):
    files = [upload(picture_bytes(image_format="JPEG"), f"p{n}.jpg") for n in range(3)]
    response = author_client.post("/admin/blog/post/add/", post_with_pictures(*files))
    assert response.status_code == 302
    assert PostImage.objects.count() == 3


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload(b"not a picture at all", "fake.jpg"), "not a picture"),
        (upload(picture_bytes(), "x.png"), "This field is required"),
    ],
)
def test_a_refused_upload_is_explained_and_nothing_is_stored(
    author_client, settings, file, message
):
    alt = "" if "required" in message else "Alt"
    response = author_client.post("/admin/blog/post/add/", post_with_pictures(file, alt=alt))
    page = response.content.decode()
    assert response.status_code == 200 and message in page
    assert not PostImage.objects.exists()
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_a_picture_opens_its_large_rendition(client, db):
    post = make_post(body="Before.")
    picture = make_picture(post=post, alt="Harbour")
    post.body = f"Before.\n\n![](image:{picture.pk})\n\n[![Linked](image:{picture.pk})](https://example.com/)"
    post.save()
    opening = (
        f'<a class="picture-link" href="{picture.original.url}" rel="noopener">'
        f'<img src="{picture.display.url}"'
    )
    assert post.body_html.count(opening) == 1  # a link the author put around one stays theirs
    assert '<a href="https://example.com/" rel="noopener"><img' in post.body_html
    assert opening in client.get(post.get_absolute_url()).content.decode()


def test_a_post_with_one_picture_shows_it_once(client, db):
    post = make_post(body="Before.")
    picture = make_picture(post=post)
    post.body = f"Before.\n\n{picture.reference}"
    post.save()
    for url in ("/", post.get_absolute_url()):
        page = client.get(url).content.decode()
        assert page.count(f'src="{picture.display.url}"') == 1, url
        assert picture.thumbnail.url not in page and "thumbnail" not in page, url
        assert "1 picture" not in page, url


def test_a_lone_picture_the_text_does_not_show_is_a_thumbnail_opening_it(client, db):
    post = make_post(body="No picture in the text.")
    picture = make_picture(post=post)
    page = client.get("/").content.decode()
    assert f'<a href="{picture.original.url}"><img src="{picture.thumbnail.url}"' in page
    assert "See more thumbnails" not in page


def test_the_gallery_title_says_pictures_once(client, db):
    harbour = make_post(title="Pictures of the harbour")
    make_picture(post=harbour)
    page = client.get(harbour.get_gallery_url()).content.decode()
    assert "<h1>Pictures of the harbour</h1>" in page
    assert "<title>Pictures of the harbour — " in page and "Pictures of “Pictures" not in page
    kilo = make_post(title="Kilo summit")
    make_picture(post=kilo)
    assert (
        "<h1>Pictures of “Kilo summit”</h1>" in client.get(kilo.get_gallery_url()).content.decode()
    )


def test_permalink_with_a_picture_has_og_image(client, db):
    post = make_post(body="Text.")
    picture = make_picture(post=post, alt="Harbour", width=1600, height=1000)
    page = client.get(post.get_absolute_url()).content.decode()
    assert f'<meta property="og:image" content="http://testserver{picture.display.url}">' in page
    assert '<meta property="og:image:alt" content="Harbour">' in page
    assert '<meta name="twitter:card" content="summary_large_image">' in page
    plain = client.get(make_post().get_absolute_url()).content.decode()
    assert "og:image" not in plain and "twitter:card" not in plain
