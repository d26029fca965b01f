"""Search speed, run by hand: p50 and p99 of the search page rendered uncached (the page cache
off, the view called in-process), for a broad query (a word in many posts), a narrow one and
one with a filter, on the database DATABASE_URL names (e.g. bench_large of bench/run.py, or any
site's copy):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_large SECRET_KEY=x \\
        .venv/bin/python bench/search.py [--runs 200] [--broad "release notes"] [--narrow kilo]

Prints one line per query: matches ranked, p50, p99 and the slowest, in milliseconds. Each
query runs once untimed first (its search and a warm cache, as on a site that is being read).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ["BLOG_PAGE_CACHE"] = "0"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--broad", default="release notes")
    parser.add_argument("--narrow", default="hill", help="a word in a few posts")
    parser.add_argument("--filtered", default="notes", help="the broad word, under a tag")
    parser.add_argument("--json", action="store_true", help="one JSON list (for bench/run.py)")
    args = parser.parse_args()

    import django

    django.setup()
    from blog.models import Post

    published = Post.objects.published().count()
    rows = measure(args.runs, broad=args.broad, narrow=args.narrow, filtered=args.filtered)
    if args.json:
        print(json.dumps({"published": published, "runs": args.runs, "queries": rows}))
        return
    print(f"{published:,} published posts; {args.runs} runs a query")
    for row in rows:
        print(
            f"{row['name']:16} {row['params']}: {row['ranked']}{row['more']} ranked;"
            f" p50 {row['p50']:.1f} ms, p99 {row['p99']:.1f} ms, max {row['max']:.1f} ms"
        )


def measure(runs, *, broad, narrow, filtered):
    """Each query's matches ranked and its p50, p99 and slowest time (ms), as dicts."""
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from blog.models import Post
    from blog.search import Filters, ranked_matches
    from blog.views import search

    tag = Post.objects.published().values_list("tags__slug", flat=True).exclude(tags=None)[:1]
    factory = RequestFactory(HTTP_HOST="127.0.0.1")
    queries = [
        ("broad", {"q": broad}),
        ("narrow", {"q": narrow}),
        ("broad, one tag", {"q": filtered, "tag": tag[0] if tag else ""}),
    ]
    rows = []
    for name, params in queries:
        matches = ranked_matches(params["q"], Filters.from_query(params))  # (and warms up)
        times = []
        for _ in range(runs):
            request = factory.get("/search/", params)
            request.user = AnonymousUser()
            start = time.perf_counter()
            response = search(request)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        times.sort()
        rows.append(
            {
                "name": name,
                "params": params,
                "ranked": len(matches.rows),
                "more": "+" if matches.more else "",
                "p50": statistics.median(times),
                "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
                "max": times[-1],
            }
        )
    return rows


if __name__ == "__main__":
    main()
