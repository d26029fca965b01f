"""Print a JSON map url → HTML for a few pages of whatever DATABASE_URL holds (used by the
backup test, which runs it against the original and the restored database)."""

import json
import os
import re
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from blog.models import Post  # noqa: E402

setup_test_environment()
posts = list(Post.objects.published().order_by("id")[:5])
urls = [
    "/",
    "/feed/",
    "/comments/",
    "/comments/feed/",
    "/tags/",
    "/openstack/",
    "/sitemap.xml",
    *(post.get_absolute_url() for post in posts),
]
client = Client(HTTP_HOST="localhost")
pages = {}
for url in urls:
    response = client.get(url)
    html = response.content.decode()
    # Per-request values (the CSRF token, the comment form's signed time) differ by design.
    html = re.sub(r'name="(csrfmiddlewaretoken|issued)" value="[^"]*"', r'name="\1" value=""', html)
    pages[url] = [response.status_code, html]
json.dump(pages, sys.stdout)
