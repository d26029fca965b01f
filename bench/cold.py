"""What a page costs the first time it is asked for, run by hand: the long tail a crawler walks,
or every page right after a change that retires everything (a new post). The page cache is off
and the fragment cache emptied first; each of `--pages` distinct permalinks, then each listing
page of the front page, is requested once (cold), then once more (its pieces kept: warm), in
process through Django's test client, beside the render ceiling's page:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_small \\
        REDIS_URL=redis://127.0.0.1:6379/5 SECRET_KEY=x .venv/bin/python bench/cold.py

Prints the mean milliseconds of each kind, cold and warm, and each divided by the ceiling's.
Empties the cache it is given (use a Redis database of its own).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baseline_settings")
os.environ["BLOG_PAGE_CACHE"] = "0"
os.environ.setdefault("DJANGO_HTTPS", "0")  # plain HTTP, as bench/run.py serves it


def timed(client, urls):
    """The mean milliseconds of one request to each of `urls`."""
    took = []
    for url in urls:
        start = time.perf_counter()
        response = client.get(url)
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.mean(took)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="one JSON object (for bench/run.py)")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client

    from blog.models import Post

    client = Client(HTTP_HOST=settings.ALLOWED_HOSTS[0])
    posts = Post.objects.published().filter(kind=Post.Kind.POST).order_by("-published_at")
    permalinks = [post.get_absolute_url() for post in posts[: args.pages]]
    listings = [f"/?page={number}" for number in range(1, max(2, args.pages // 20) + 1)]
    timed(client, ["/_bench/render/"] * 20)  # the ceiling's page warmed up, as it is served
    cache.clear()
    result = {"ceiling": timed(client, ["/_bench/render/"] * 50)}
    result["permalink cold"] = timed(client, permalinks)
    result["listing cold"] = timed(client, listings)
    result["permalink warm"] = timed(client, permalinks)
    result["listing warm"] = timed(client, listings)
    result["ceiling after"] = timed(client, ["/_bench/render/"] * 50)
    if args.json:
        print(json.dumps({"pages": len(permalinks), "listings": len(listings), **result}))
        return
    ceiling = (result["ceiling"] + result["ceiling after"]) / 2
    print(f"{len(permalinks)} permalinks, {len(listings)} pages of the front page")
    for name, ms in result.items():
        print(f"{name:16} {ms:7.1f} ms   ceiling ÷ it {ceiling / ms:.2f}")


if __name__ == "__main__":
    main()
