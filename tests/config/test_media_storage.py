"""Pictures on S3-compatible storage: the settings, the URLs, and the sanitiser and CSP that
must let the media origin through and nothing else."""

import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import override_settings

from blog.markup import render_post, sanitize_post_html
from config.settings import s3_media_settings

PRINT = (
    "import json, config.settings as s; print(json.dumps({'storage': s.STORAGES['default'], "
    "'media_url': s.MEDIA_URL, 'serve': s.BLOG_SERVE_MEDIA, "
    "'img': s.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']}))"
)


def settings_with(**env):
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        env={"PATH": "/usr/bin:/bin", "SECRET_KEY": "x", **env},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


def test_without_a_bucket_pictures_stay_on_the_local_disk():
    loaded = settings_with()
    assert loaded["storage"]["BACKEND"] == "django.core.files.storage.FileSystemStorage"
    assert loaded["img"] == ["'self'"] and loaded["serve"] is True


def test_a_bucket_moves_pictures_to_s3_with_a_cdn_domain_and_opens_the_csp_to_it():
    loaded = settings_with(MEDIA_S3_BUCKET="blog-media", MEDIA_S3_CUSTOM_DOMAIN="media.example.net")
    assert loaded["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert loaded["storage"]["OPTIONS"]["bucket_name"] == "blog-media"
    assert loaded["storage"]["OPTIONS"]["querystring_auth"] is False
    assert loaded["media_url"] == "https://media.example.net/"
    assert loaded["img"] == ["'self'", "https://media.example.net"]
    assert loaded["serve"] is False


def test_an_s3_compatible_endpoint_serves_from_its_own_address():
    found = s3_media_settings(
        {"MEDIA_S3_BUCKET": "pics", "MEDIA_S3_ENDPOINT_URL": "https://minio.example.org:9000/"}
    )
    assert found["media_url"] == "https://minio.example.org:9000/pics/"
    assert found["storage"]["OPTIONS"]["endpoint_url"] == "https://minio.example.org:9000"


def test_the_s3_storage_gives_plain_urls_on_the_media_domain():
    from storages.backends.s3 import S3Storage

    options = s3_media_settings(
        {"MEDIA_S3_BUCKET": "blog-media", "MEDIA_S3_CUSTOM_DOMAIN": "media.example.net"}
    )["storage"]["OPTIONS"]
    storage = S3Storage(**options)  # builds the URL without contacting any bucket
    assert storage.url("images/2026/11/a.png") == "https://media.example.net/images/2026/11/a.png"


@override_settings(MEDIA_URL="https://media.example.net/")
@pytest.mark.parametrize(
    ("src", "kept"),
    [
        ("https://media.example.net/images/a.png", True),
        ("https://media.example.net.evil.example/a.png", False),
        ("https://evil.example/media.example.net/a.png", False),
        ("//media.example.net/a.png", False),
        ("/media/images/a.png", True),
    ],
)
def test_with_pictures_on_s3_only_the_media_origin_may_be_an_img_src(src, kept):
    html = sanitize_post_html(f'<img src="{src}" alt="x">')
    assert (f'src="{src}"' in html) is kept


@override_settings(MEDIA_URL="https://media.example.net/")
def test_srcset_on_s3_names_only_the_media_origin():
    good = "https://media.example.net/a.png 300w, https://media.example.net/b.png 900w"
    assert "srcset" in render_post(f'<img src="/x.png" alt="" srcset="{good}">').html
    bad = "https://media.example.net/a.png 300w, https://evil.example/b.png 900w"
    assert "srcset" not in render_post(f'<img src="/x.png" alt="" srcset="{bad}">').html


def test_uploaded_pictures_go_to_the_bucket_and_pages_show_them_from_the_media_domain(
    db, settings, monkeypatch
):
    """End to end against moto's S3 (in process, no network): every rendition is stored in
    the bucket with its content type, and the post shows the picture from the media domain."""
    import boto3
    from moto import mock_aws

    from tests.factories import make_picture, make_post

    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    found = s3_media_settings(
        {"MEDIA_S3_BUCKET": "blog-media", "MEDIA_S3_CUSTOM_DOMAIN": "media.example.net"}
    )
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="blog-media")
        settings.STORAGES = {**settings.STORAGES, "default": found["storage"]}
        settings.MEDIA_URL = found["media_url"]
        post = make_post(title="Harbour")
        picture = make_picture(post=post, width=900, height=600)
        post.body = f"The harbour:\n\n{picture.reference}"
        post.save()
        stored = {
            item["Key"]: s3.head_object(Bucket="blog-media", Key=item["Key"])
            for item in s3.list_objects_v2(Bucket="blog-media")["Contents"]
        }
    assert len(stored) == 3  # original, display and thumbnail
    assert {head["ContentType"] for head in stored.values()} == {"image/png"}
    assert all("immutable" in head["CacheControl"] for head in stored.values())
    assert picture.display.url.startswith("https://media.example.net/images/")
    assert f'src="{picture.display.url}"' in post.body_html
    assert picture.thumbnail.url in post.body_html  # in the srcset
