import logging
import os
import re
import subprocess
import sys

import pytest
from django.db import OperationalError
from django.test import Client, override_settings

from tests.factories import make_comment, make_picture, make_post, make_user

PUBLIC_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
}


def policy(response):
    header = response["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";") if part.strip())


@pytest.fixture
def pages(db):
    post = make_post(
        path="/diary/pictures",
        tags=["life"],
        author=make_user(username="ada"),
        body="Text with `code`.\n\n```python\nx = 1\n```",
    )
    make_comment(post=post)
    make_picture(post=post)
    draft = make_post(published=False)
    return [
        "/",
        post.get_absolute_url(),
        "/diary/",
        "/tags/",
        "/tags/life/",
        "/authors/ada/",
        "/comments/",
        post.get_gallery_url(),
        draft.get_share_url(),
        f"/{post.pub_date:%Y}/",
        "/no-such-page/",
    ]


def test_public_pages_carry_a_strict_policy_and_security_headers(client, pages):
    for url in pages:
        response = client.get(url)
        directives = policy(response)
        for name, value in PUBLIC_POLICY.items():
            assert directives[name] == value, (url, name)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_public_pages_need_no_inline_script_or_style(client, pages):
    for url in pages:
        page = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert "<style" not in page and " style=" not in page, url
        assert not re.search(r"\son[a-z]+=", page), url


def test_the_admin_has_its_own_strict_policy(client, db):
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    for url in ("/admin/", "/admin/blog/post/add/", "/admin/login/"):
        directives = policy(client.get(url))
        assert directives["script-src"] == "'self'" and directives["object-src"] == "'none'"
        assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"


def test_check_deploy_reports_nothing_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "SECRET_KEY", "ALLOWED_HOSTS"))
    }
    env |= {"SECRET_KEY": "k3y-" + "x9Vq2#mZ!aL7@pR4" * 4, "ALLOWED_HOSTS": "blog.example"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_plain_http_is_sent_to_https_in_production(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/tags/")
    assert response.status_code == 301 and response["Location"] == "https://testserver/tags/"


def test_healthz_answers_when_database_and_cache_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.content == b"ok\n"


def test_healthz_names_a_failing_cache(client, db):
    unreachable = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
    }
    with override_settings(CACHES={"default": unreachable}):
        response = client.get("/healthz")
    assert response.status_code == 503 and b"failing: cache" in response.content


def test_healthz_names_a_failing_database(client, db, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503 and b"failing: database" in response.content


def admin_login(client, password):
    return client.post(
        "/admin/login/",
        {"username": "boss", "password": password, "next": "/admin/"},
        REMOTE_ADDR="198.51.100.1",
    )


def test_admin_login_locks_after_repeated_failures_and_an_admin_command_unlocks(db, settings):
    from django.core.management import call_command

    settings.AXES_FAILURE_LIMIT = 3
    make_user(username="boss", password="the-right-password-42", is_staff=True)
    client = Client()
    for _ in range(3):
        assert admin_login(client, "wrong").status_code in (200, 429)
    locked = admin_login(client, "the-right-password-42")
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    other_address = Client().post(
        "/admin/login/",
        {"username": "boss", "password": "the-right-password-42", "next": "/admin/"},
        REMOTE_ADDR="203.0.113.5",
    )
    assert other_address.status_code == 302  # locked for that address only
    call_command("axes_reset_username", "boss", stdout=open(os.devnull, "w"))  # noqa: SIM115
    assert admin_login(Client(), "the-right-password-42").status_code == 302


def test_the_session_key_changes_at_login(db):
    make_user(username="boss", password="the-right-password-42", is_staff=True)
    client = Client()
    session = client.session
    session["seen"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    before = session.session_key
    assert admin_login(client, "the-right-password-42").status_code == 302
    assert client.cookies["sessionid"].value != before


def test_passwords_are_checked_by_validators(db):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("password")
    with pytest.raises(ValidationError):
        validate_password("12345678901")


def test_each_request_is_logged_in_one_line(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="blog.requests"):
        client.get("/tags/")
        client.get("/no-such-page/")
    lines = [r.getMessage() for r in caplog.records if r.name == "blog.requests"]
    assert re.fullmatch(r"GET /tags/ 200 \d+\.\dms", lines[0])
    assert lines[1].startswith("GET /no-such-page/ 404")


def test_an_unreachable_database_gives_a_quick_503_not_a_500(client, db, monkeypatch):
    from blog.models import Post

    def refuse(*args, **kwargs):
        raise OperationalError("connection to server failed: Connection refused")

    with monkeypatch.context() as patch:
        patch.setattr(Post.objects, "published", refuse)
        response = client.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10" and b"Back in a moment" in response.content
    assert client.get("/").status_code == 200  # and back once the database is
