"""Every page type, on a phone and a desktop, in light and dark: axe-core finds no WCAG 2.2 AA
violation, the Nu HTML Checker (vnu) finds no error, and a screenshot of each is kept in
test-artifacts/pages/ to look at."""

import datetime
import json
import os
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from blog.models import Page, Post
from tests.browser.conftest import ARTIFACTS, VIEWPORTS
from tests.factories import make_comment, make_picture, make_post, make_user

pytestmark = pytest.mark.browser

VNU_JAR = Path(__file__).resolve().parents[2] / "var" / "vnu"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]

BODY = """An entry with the things posts have: **emphasis**, a [link](https://example.org/),
a list, a table, code and a footnote.[^1]

- one
- two

| Release | Year |
|---------|------|
| Kilo    | 2015 |

```python
def hello(name):
    return f"Hello, {name}!"  # a comment
```

A very long word: Donaudampfschifffahrtsgesellschaftskapitänswitwenrentenversicherung.

[^1]: The footnote.
"""


@pytest.fixture
def site(transactional_db):
    """A small site with one of everything; returns {page name: URL}."""
    ada = make_user(username="ada", display_name="Ada", bio="Writes about clouds.")
    day = timezone.now() - datetime.timedelta(days=3)
    post = make_post(
        title="Kilo is out",
        body=BODY,
        path="/openstack/kilo",
        tags=["cloud", "python"],
        author=ada,
        published_at=day,
    )
    picture = make_picture(post=post)
    post.body += f"\n\n{picture.reference}"
    post.save()
    make_post(title="Juno notes", path="/openstack/juno", tags=["cloud"], author=ada)
    first = make_comment(post=post, body="Nice *post*, thanks.", author_url="https://r.example/")
    make_comment(post=post, parent=first, body="Agreed.")
    imported = make_post(
        title="Moved from WordPress",
        markup="html",
        pinned=True,
        author=ada,
        body=(
            f'<img class="alignright size-medium" src="{picture.display.url}" alt="A teal '
            'square" width="64" height="48">Text beside a picture aligned right.\n\n'
            '<p class="embed-card"><a href="https://www.youtube.com/watch?v=x">YouTube video: '
            "https://www.youtube.com/watch?v=x</a></p>\n\n"
            f'<div class="gallery"><img src="{picture.display.url}" alt="In a gallery"></div>'
        ),
    )
    about = Page(title="About", author=ada, body=BODY, status="published")
    about.save()
    team = Page(title="The team", author=ada, parent=about, body="We.", status="published")
    team.save()
    post = Post.objects.get(pk=post.pk)
    year, month, date = f"{day:%Y}", f"{day:%Y/%m}", f"{post.pub_date:%Y/%m/%d}"
    return {
        "front": "/",
        "permalink": post.get_absolute_url(),
        "gallery": post.get_gallery_url(),
        "path": "/openstack/",
        "subpath": "/openstack/kilo/",
        "path-year": f"/openstack/{year}/",
        "year": f"/{year}/",
        "month": f"/{month}/",
        "day": f"/{date}/",
        "tags": "/tags/",
        "tag": "/tags/cloud/",
        "author": "/authors/ada/",
        "authors": "/authors/",
        "comments": "/comments/",
        "search": "/search/?q=kilo",
        "search-empty": "/search/?q=nothing-matches-this",
        "not-found": "/no/such/page/",
        "imported": imported.get_absolute_url(),
        "page": about.get_absolute_url(),
        "child-page": team.get_absolute_url(),
    }


def show_comment_errors(page, site):
    """The permalink with the comment form sent empty: errors shown and tied to the fields."""
    page.goto(site["permalink"])
    page.locator("#comment-form button[name=post]").click()
    page.wait_for_load_state()
    assert page.locator(".field-error, .form-errors").count() >= 1


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_axe_finds_no_violations_on_any_page_type(browser, live_server, site, viewport, scheme):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], color_scheme=scheme, base_url=live_server.url
    )
    page = context.new_page()
    folder = ARTIFACTS / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    found = {}

    def check(name):
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
        page.screenshot(path=folder / f"{name}-{viewport}-{scheme}.png", full_page=True)
        violations = results.response["violations"]
        if violations:
            found[name] = [
                (v["id"], v["help"], [node["target"] for node in v["nodes"]][:3])
                for v in violations
            ]

    for name, url in site.items():
        page.goto(url)
        check(name)
    show_comment_errors(page, site)
    check("comment-form-errors")
    context.close()
    assert not found, json.dumps(found, indent=1)


def vnu_command():
    java = shutil.which("java")
    jars = sorted(VNU_JAR.glob("vnu-*.jar"))
    if java and jars:
        return [java, "-Xss4m", "-jar", str(jars[-1])]
    message = "HTML validation needs Java and var/vnu/vnu-*.jar (make test downloads it)"
    if os.environ.get("REQUIRE_BROWSER_TESTS") == "1":
        pytest.fail(message + ": required by REQUIRE_BROWSER_TESTS=1")
    pytest.skip(message + ": skipped")


def test_every_page_type_is_valid_html(live_server, site, tmp_path):
    command = vnu_command()
    files = []
    for name, url in site.items():
        try:
            body = urllib.request.urlopen(live_server.url + url).read()
        except urllib.error.HTTPError as error:  # the 404 page is checked too
            body = error.read()
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(body)
    result = subprocess.run(
        [*command, "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    errors = [
        (Path(m.get("url", "")).name, m.get("lastLine"), m["message"])
        for m in messages
        if m["type"] == "error"
    ]
    assert not errors, json.dumps(errors, indent=1)
    assert len(files) == len(site)
