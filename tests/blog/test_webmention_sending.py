"""Sending webmentions: endpoint discovery as webmention.rocks tests it (discovery cases 1-23),
against a real local server, and a webmention sent to every link of a post when it is
published or updated, through the queue."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from blog.models import SentWebmention
from blog.webmention import discover_endpoint, links_in
from tests.factories import make_post
from tests.local_site import Answer

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
ABSOLUTE = "http://127.0.0.1:{port}"

# (case, Link headers, HTML, the endpoint's path) — {base} is the local server's address.
CASES = [
    (1, ["</test/1/webmention>; rel=webmention"], "", "/test/1/webmention"),
    (2, ["<{base}/test/2/webmention>; rel=webmention"], "", "/test/2/webmention"),
    (3, [], '<link rel="webmention" href="/test/3/webmention">', "/test/3/webmention"),
    (4, [], '<link rel="webmention" href="{base}/test/4/webmention">', "/test/4/webmention"),
    (5, [], '<a rel="webmention" href="/test/5/webmention">x</a>', "/test/5/webmention"),
    (6, [], '<a rel="webmention" href="{base}/test/6/webmention">x</a>', "/test/6/webmention"),
    (7, ["<{base}/test/7/webmention>; rel=WebMention"], "", "/test/7/webmention"),
    (8, ['<{base}/test/8/webmention>; rel="webmention"'], "", "/test/8/webmention"),
    (
        9,
        [],
        '<link rel="webmention somethingelse" href="/test/9/webmention">',
        "/test/9/webmention",
    ),
    (10, ['</test/10/webmention>; rel="webmention somethingelse"'], "", "/test/10/webmention"),
    (
        11,
        ["</test/11/webmention>; rel=webmention"],
        '<link rel="webmention" href="/test/11/error">'
        '<a rel="webmention" href="/test/11/error">x</a>',
        "/test/11/webmention",
    ),
    (
        12,
        [],
        '<link rel="not-webmention" href="/test/12/error">'
        '<link rel="webmention" href="/test/12/webmention">',
        "/test/12/webmention",
    ),
    (
        13,
        [],
        '<!-- <link rel="webmention" href="/test/13/error"> -->'
        '<link rel="webmention" href="/test/13/webmention">',
        "/test/13/webmention",
    ),
    (
        14,
        [],
        '<code>&lt;a href="/test/14/error" rel="webmention"&gt;&lt;/a&gt;</code>'
        '<a rel="webmention" href="/test/14/webmention">x</a>',
        "/test/14/webmention",
    ),
    (15, [], '<link rel="webmention" href="">', "/test/15"),
    (
        16,
        [],
        '<a rel="webmention" href="/test/16/webmention">x</a>'
        '<link rel="webmention" href="/test/16/error">',
        "/test/16/webmention",
    ),
    (
        17,
        [],
        '<link rel="webmention" href="/test/17/webmention">'
        '<a rel="webmention" href="/test/17/error">x</a>',
        "/test/17/webmention",
    ),
    (
        18,
        ["</test/18/error>; rel=other", "</test/18/webmention>; rel=webmention"],
        "",
        "/test/18/webmention",
    ),
    (
        19,
        ['</test/19/error>; rel="other", </test/19/webmention>; rel="webmention"'],
        "",
        "/test/19/webmention",
    ),
    (
        20,
        [],
        '<link rel="webmention"><a rel="webmention" href="/test/20/webmention">x</a>',
        "/test/20/webmention",
    ),
    (
        21,
        [],
        '<link rel="webmention" href="/test/21/webmention?query=yes">',
        "/test/21/webmention?query=yes",
    ),
    (22, [], '<link rel="webmention" href="22/webmention">', "/test/22/webmention"),
]


@pytest.mark.parametrize(
    ("case", "headers", "html", "endpoint"), CASES, ids=[f"case-{c[0]}" for c in CASES]
)
def test_discovery_follows_the_webmention_rocks_cases(local_site, case, headers, html, endpoint):
    base = local_site.url("")
    local_site.routes[f"/test/{case}"] = Answer(
        body=f"<!doctype html><html><head></head><body>{html.format(base=base)}</body></html>",
        headers=[("Link", header.format(base=base)) for header in headers],
    )
    assert discover_endpoint(local_site.url(f"/test/{case}")) == base + endpoint


def test_discovery_case_23_a_redirected_page_resolves_relative_to_where_it_ended(local_site):
    local_site.routes["/test/23/page"] = Answer(302, headers=[("Location", "/test/23/page/final")])
    local_site.routes["/test/23/page/final"] = Answer(
        headers=[("Link", "<webmention-endpoint>; rel=webmention")]
    )
    assert discover_endpoint(local_site.url("/test/23/page")) == local_site.url(
        "/test/23/page/webmention-endpoint"
    )


def test_a_page_without_an_endpoint_has_none(local_site):
    local_site.routes["/plain"] = Answer(body='<a href="/elsewhere">x</a>')
    assert discover_endpoint(local_site.url("/plain")) is None


def test_links_in_a_post_are_absolute_once_each_and_not_our_own():
    html = (
        '<a href="https://a.example/x#part">1</a> <a href="https://a.example/x">2</a>'
        ' <a href="/2014/01/01/ours/">3</a> <a href="mailto:x@example.com">4</a>'
        ' <a href="//b.example/y">5</a>'
    )
    assert links_in(html, "https://blog.example/2020/01/01/post/") == [
        "https://a.example/x",
        "https://b.example/y",
    ]


@pytest.fixture
def linked_site(local_site, settings):
    settings.SITE_URL = "https://blog.example"
    local_site.routes["/their-post"] = Answer(
        body='<link rel="webmention" href="/endpoint?token=1">'
    )
    local_site.routes["/endpoint?token=1"] = Answer(202, "Accepted")
    return local_site


@override_settings(TASKS=IMMEDIATE)
def test_publishing_a_post_sends_a_webmention_to_each_link_and_records_it(linked_site, db):
    target = linked_site.url("/their-post")
    post = make_post(body=f"I liked [their post]({target}).")
    posts = [r for r in linked_site.requests if r.method == "POST"]
    assert [(r.path, r.form) for r in posts] == [
        (
            "/endpoint?token=1",
            {"source": "https://blog.example" + post.get_absolute_url(), "target": target},
        )
    ]
    sent = SentWebmention.objects.get()
    assert (sent.target, sent.status_code, sent.result) == (target, 202, "Accepted.")
    assert sent.endpoint == linked_site.url("/endpoint?token=1")


@override_settings(TASKS=IMMEDIATE)
def test_a_draft_sends_nothing_and_publishing_it_later_does(linked_site, db):
    target = linked_site.url("/their-post")
    post = make_post(body=f"See [this]({target}).", published=False)
    assert linked_site.requests == []
    post.status = post.Status.PUBLISHED
    post.save()
    assert [r.method for r in linked_site.requests] == ["GET", "POST"]


@override_settings(TASKS=IMMEDIATE)
def test_an_update_that_removes_a_link_tells_the_page_it_linked_to(linked_site, db):
    target = linked_site.url("/their-post")
    post = make_post(body=f"See [this]({target}).")
    linked_site.requests.clear()
    post.body = "No link any more."
    post.save()
    assert [r.form.get("target") for r in linked_site.requests if r.method == "POST"] == [target]


def test_a_scheduled_post_sends_its_webmentions_when_it_comes_out(linked_site, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    from django_tasks import default_task_backend

    coming = timezone.now() + datetime.timedelta(days=1)
    make_post(body=f"See [this]({linked_site.url('/their-post')}).", published_at=coming)
    (result,) = [r for r in default_task_backend.results if r.task.name == "send_webmentions"]
    assert result.task.run_after == coming


@override_settings(TASKS=IMMEDIATE)
def test_links_to_private_addresses_are_never_fetched(local_site, db, settings):
    settings.SITE_URL = "https://blog.example"
    settings.SAFE_FETCH_ALLOWED_NETWORKS = []
    make_post(body=f"See [this]({local_site.url('/their-post')}).")
    assert local_site.requests == []
    assert "private or reserved address" in SentWebmention.objects.get().result
