"""The two baselines of the benchmark, served by the same gunicorn and middleware as the site.

- render ceiling: a page of the same size and shape as the front page (20 entries grouped by
  day, an include per entry, loops over tags, date and text filters, a sidebar) rendered by
  Django's template engine from a small in-memory context, with no database;
- request floor: the same bytes returned with no template work and no database: what a page
  cache hit could at best cost.
"""

import datetime

from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

PARAGRAPH = (
    "<p>Kilo brings a <strong>new</strong> scheduler, <a href='/openstack/kilo/'>better "
    "networking</a> and a long list of fixes; the upgrade from Juno took an afternoon, most of "
    "it spent reading release notes and waiting for <code>nova-compute</code> to restart.</p>"
)
CODE = (
    '<div class="highlight"><pre tabindex="0"><code><span class="k">def</span> '
    '<span class="nf">hello</span>(name):\n    <span class="k">return</span> '
    '<span class="s2">f"Hello, </span><span class="si">{</span>name<span class="si">}'
    '</span><span class="s2">"</span>\n</code></pre></div>'
)
START = datetime.datetime(2015, 5, 1, 9, 30, tzinfo=datetime.UTC)


def _context():
    entries = []
    for number in range(20):
        entries.append(
            {
                "title": f"Notes on the Kilo release, part {number + 1}",
                "url": f"/2015/05/{1 + number // 3:02d}/notes-on-kilo-{number}/",
                "author": {"name": "Ada Lovelace", "url": "/authors/ada/"},
                "path": "/openstack/kilo",
                "published_at": START + datetime.timedelta(hours=8 * number),
                "body_html": PARAGRAPH * 4 + (CODE if number % 3 == 0 else "") + PARAGRAPH,
                "tags": [
                    {"name": name, "slug": name} for name in ("openstack", "kilo", "upgrades")
                ],
                "comment_count": number % 7,
            }
        )
    return {
        "site_title": "A blosxom-ng blog",
        "site_byline": "Content here is by the authors of this site.",
        "entries": entries,
        "paths": [(f"/path{n}", f"path{n}", n * 3 + 1) for n in range(25)],
        "tags": [(f"tag-{n}", f"tag {n}", 40 - n) for n in range(20)],
        "months": [START - datetime.timedelta(days=30 * n) for n in range(12)],
    }


CONTEXT = _context()
PAGE = render_to_string("bench/ceiling.html", CONTEXT).encode()


def render_ceiling(request):
    return uncached(render(request, "bench/ceiling.html", CONTEXT))


def request_floor(request):
    return uncached(HttpResponse(PAGE, content_type="text/html; charset=utf-8"))


def uncached(response):
    """The baselines are measured as rendered, never as page-cache hits."""
    response["Cache-Control"] = "no-store"
    return response
