"""Hostile values in every URL pattern, query parameter and form field: never a 500."""

import pytest
from django.test import Client

from comments.models import Comment
from tests.comments.conftest import comment_data
from tests.factories import make_comment, make_picture, make_post, make_user

pytestmark = pytest.mark.slow  # subprocesses or whole-site sweeps: make test-fast leaves them out

LONG = "a" * 5000
HOSTILE_WORDS = [
    LONG,
    "%00",
    "a%00b",
    "%ff%fe",
    "%c3%28",
    "\u202etxt.exe",
    "..",
    "../../etc/passwd",
    "%2e%2e%2f",
    "a%2Fb",
    "%252F",
    "<script>",
    "' OR 1=1 --",
    "~!@$^*()",
    "%",
    "+",
    "++",
    "a" * 300 + "/b",
    "/".join(["x"] * 2000),
]
PAGE_VALUES = ["-1", "0", "99999999999999999999999999", "1e10", "1.5", "%00", "abc", LONG, ""]


@pytest.fixture
def site(db):
    post = make_post(path="/openstack/kilo", tags=["python"], author=make_user(username="ada"))
    make_comment(post=post)
    make_picture(post=post)
    return post


def url_patterns(post):
    permalink = post.get_absolute_url()
    day = f"{post.pub_date:%Y/%m/%d}"
    patterns = [
        "/{w}/",
        "/{w}/feed/",
        "/{w}/feed/atom/",
        "/{w}/comments/feed/",
        "/{w}/2014/",
        "/{w}/2014/05/",
        "/openstack/{w}/",
        "/tags/{w}/",
        "/tags/python+{w}/",
        "/tags/{w}/feed/",
        "/authors/{w}/",
        "/authors/{w}/feed/atom/",
        "/2014/{w}/",
        "/{w}/05/10/",
        f"/{day}/{{w}}/",
        f"/{day}/{{w}}/gallery/",
        f"/{day}/{{w}}/feed/",
        "/drafts/{w}/",
        "/media/{w}",
        "/sitemap-{w}.xml",
        "/{w}.html",
        "/{w}/index.rss20",
        "/2014/{w}/13",
        "/static/{w}",
        f"{permalink}{{w}}/",
    ]
    impossible = ["/0000/", "/9999/99/99/", "/2014/02/30/", "/2014/13/01/x/", "/-1/", "/2014/00/"]
    urls = [p.replace("{w}", w) for p in patterns for w in HOSTILE_WORDS] + impossible
    for value in PAGE_VALUES:
        urls += [
            f"/?page={value}",
            f"/tags/python/?page={value}",
            f"/comments/?page={value}",
            f"/openstack/?page={value}",
            f"/comments/?path={value}",
            f"/?p={value}",
            f"{permalink}?reply_to={value}",
            f"/search/?q=kilo&page={value}",
            f"/search/?q={value}",
            f"/search/?q=kilo&year={value}",
            f"/search/?q=kilo&path={value}",
            f"/search/?q=kilo&tag={value}&author={value}",
        ]
    urls += [f"/search/?q={w}" for w in HOSTILE_WORDS]
    urls += [f"/search/?q=kilo&path={w}&tag={w}" for w in HOSTILE_WORDS]
    return urls


def test_every_url_pattern_answers_hostile_values_without_a_500(client, site):
    failures = []
    for url in url_patterns(site):
        for method in (client.get, client.head):
            status = method(url).status_code
            if status >= 500:
                failures.append((method.__name__, url[:120], status))
    assert not failures


def test_hostile_host_headers_are_refused_cleanly(db):
    for host in ("evil.example", "a" * 300, "testserver:bad", "[::1", "\u202ehost"):
        assert Client(HTTP_HOST=host).get("/").status_code == 400


@pytest.mark.parametrize(
    "field", ["author_name", "author_email", "author_url", "body", "parent", "issued", "homepage"]
)
@pytest.mark.parametrize(
    "value", [LONG * 4, "a\x00b", "\u202edlrow", "../../etc", "%ff", "-1", "9" * 40, ""]
)
def test_comment_form_fields_take_hostile_values_without_a_500(client, site, field, value):
    before = Comment.objects.count()
    response = client.post(
        site.get_absolute_url() + "comment/", comment_data(site, **{field: value})
    )
    assert response.status_code < 500
    stored = Comment.objects.count() - before
    if stored:  # only an acceptable comment is stored, and then exactly as sent
        comment = Comment.objects.latest("id")
        assert "\x00" not in comment.body + comment.author_name
        assert len(comment.author_name) <= 100
    else:
        assert response.status_code in (200, 302, 400, 403, 429)


def test_invalid_utf8_bodies_and_query_strings_are_not_a_500(client, site):
    url = site.get_absolute_url() + "comment/"
    response = client.generic(
        "POST",
        url,
        b"author_name=%ff%fe&body=\xff\xfe&email=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code < 500
    assert client.get("/?page=%ff%fe&q=%c3%28").status_code < 500
    assert Comment.objects.count() == 1


def test_admin_preview_takes_hostile_text_without_a_500(client, site):
    client.force_login(make_user(username="root", is_staff=True, is_superuser=True))
    for body in (LONG * 20, "\x00", "<script>" * 1000, "[x](" * 2000, "```\n" * 500):
        response = client.post("/admin/blog/post/preview/", {"body": body, "post_id": "x" * 50})
        assert response.status_code < 500


@pytest.mark.parametrize("url", ["/%00/", "/tags/a%00b/", "/comments/?path=%00", "/?page=1%00"])
def test_nul_bytes_in_addresses_get_a_plain_400(client, db, url):
    response = client.get(url)
    assert response.status_code == 400 and b"NUL bytes" in response.content


ADMIN_VALUES = [
    LONG,
    "\x00",
    "-1",
    "99999999999999999999999",
    "../../etc/passwd",
    "\u202etxt.exe",
    "<script>alert(1)</script>",
    "javascript:alert(1)",
    "2014-13-45",
    "",
]


def admin_forms(request, objects):
    """(URL, model, the form's field names) for every model the admin can add, and for the
    change form of each of `objects`."""
    from django.contrib import admin

    for model, model_admin in admin.site._registry.items():
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}"
        if model_admin.has_add_permission(request):
            yield f"{prefix}/add/", model, list(model_admin.get_form(request)().fields)
        for obj in objects:
            if isinstance(obj, model) and model_admin.has_change_permission(request, obj):
                form = model_admin.get_form(request, obj)(instance=obj)
                yield f"{prefix}/{obj.pk}/change/", model, list(form.fields)


def test_every_admin_form_field_takes_hostile_values_without_a_500(client, site):
    from django.test import RequestFactory

    editor = make_user(username="root", is_staff=True, is_superuser=True)
    client.force_login(editor)
    request = RequestFactory().get("/admin/")
    request.user = editor
    failures, checked, urls = [], 0, []
    objects = [site, site.path, site.author, site.comments.first(), *site.tags.all()]
    for url, model, fields in admin_forms(request, objects):
        urls.append(url)
        assert client.get(url).status_code == 200, url
        for value in ADMIN_VALUES:
            before = model._default_manager.count()
            response = client.post(url, {name: value for name in fields})
            checked += 1
            if response.status_code >= 500:
                failures.append((url, repr(value[:20]), response.status_code))
            # 200 is the form again, with its errors: then nothing may have been saved.
            elif response.status_code == 200 and model._default_manager.count() != before:
                failures.append((url, repr(value[:20]), "saved although refused"))
    assert len(urls) >= 10, urls  # every add form, and the change forms of five kinds of row
    assert checked == len(urls) * len(ADMIN_VALUES)
    assert not failures, failures
