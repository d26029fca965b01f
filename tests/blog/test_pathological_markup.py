"""Hostile Markdown renders in time linear in its length (cmark's pathological shapes), for
posts, comments and imported HTML alike. The absolute times at the largest accepted size are
recorded by bench/pathological.py; here each case's time at four times the size must stay
within a linear factor (a quadratic parser takes 16 times as long). CPU time of this process,
best of five: other work on the machine does not move the ratio."""

import re

import pytest
from django.test import Client

from bench.pathological import cases, timed
from blog.markup import COMMENT_BODY_MAX_CHARS, render_comment, render_post
from tests.comments.conftest import comment_data, comment_url
from tests.factories import make_post

SMALL = COMMENT_BODY_MAX_CHARS // 4
RENDERERS = {
    "comment": render_comment,
    "post": render_post,
    "imported HTML": lambda text: render_post(text, markup="html"),
}


def growth(render, name):
    small, large = cases(SMALL)[name], cases(SMALL * 4)[name]
    return timed(render, large, repeat=5) / max(timed(render, small, repeat=5), 1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("kind", RENDERERS)
@pytest.mark.parametrize("name", cases(100))
def test_rendering_time_grows_linearly_with_the_length_of_hostile_text(kind, name):
    ratio = growth(RENDERERS[kind], name)
    assert ratio < 10, f"{kind} / {name}: 4x the text took {ratio:.1f}x the time"


@pytest.mark.parametrize(
    "name", ["deep list markers - ", "deep block quotes >", "nested links [a]( … )"]
)
def test_deep_nesting_renders_without_overflowing_the_stack(name):
    text = cases(COMMENT_BODY_MAX_CHARS)[name]
    assert render_comment(text)
    assert render_post(text).html


def test_a_hostile_comment_at_the_size_limit_is_answered_not_hung(client, db, settings):
    settings.COMMENTS_MODERATION = "none"
    post = make_post()
    body = "[" * COMMENT_BODY_MAX_CHARS
    for preview in (True, False):
        data = comment_data(post, client=client, body=body, **({"preview": "1"} if preview else {}))
        response = client.post(comment_url(post), data)
        assert response.status_code == (200 if preview else 302)


def test_a_comment_is_rendered_once_when_it_is_stored(client, db, settings, monkeypatch):
    settings.COMMENTS_MODERATION = "none"
    post = make_post()
    import comments.models

    calls = []
    original = comments.models.render_comment

    def counting(text, **kwargs):
        calls.append(text)
        return original(text, **kwargs)

    monkeypatch.setattr(comments.models, "render_comment", counting)
    assert client.post(comment_url(post), comment_data(post, client=client)).status_code == 302
    assert len(calls) == 1


def test_previews_count_toward_a_per_client_rate(db, settings):
    settings.COMMENTS_PREVIEW_LIMIT = 3
    post = make_post()
    reader = Client(REMOTE_ADDR="198.51.100.20")
    statuses = [
        reader.post(comment_url(post), comment_data(post, client=reader, preview="1")).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    other = Client(REMOTE_ADDR="198.51.100.21")
    data = comment_data(post, client=other, preview="1")
    assert other.post(comment_url(post), data).status_code == 200


def test_a_post_body_over_the_limit_is_refused_by_the_form_and_the_preview(admin_client, db):
    from blog.markup import POST_BODY_MAX_CHARS

    response = admin_client.post(
        "/admin/blog/post/preview/", {"body": "x" * (POST_BODY_MAX_CHARS + 1)}
    )
    assert response.status_code == 413
    assert "longer than" in response.json()["error"]


def test_a_post_of_thousands_of_identical_headings_numbers_them_in_linear_time():
    small, large = "# h\n" * 1000, "# h\n" * 4000
    ratio = timed(render_post, large, repeat=3) / timed(render_post, small, repeat=3)
    assert ratio < 10, ratio
    html = render_post("# h\n# h\n# h_1\n# h\n", id_prefix="p-").html
    assert [*re.findall(r'id="p-([^"]+)"', html)] == ["h", "h_1", "h_1_1", "h_2"]
