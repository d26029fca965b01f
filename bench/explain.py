"""Print the PostgreSQL plan of every query behind each page type, and flag any sequential scan
of posts, comments or their tags; then list the queries that run once per change of content
(counts, the sidebar) with their times. Run by hand against a large database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_large .venv/bin/python bench/explain.py

It requests each page through Django's test client with the page cache off, captures the SQL
the views run, and asks PostgreSQL to EXPLAIN (ANALYZE, BUFFERS) each statement. Exit status 1
when a sequential scan of a large table was found in a page's own queries.
"""

import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("DJANGO_HTTPS", "0")
os.environ["BLOG_PAGE_CACHE"] = "0"
os.environ["ALLOWED_HOSTS"] = "testserver"

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.pages import page_urls  # noqa: E402

LARGE_TABLES = ("blog_post", "comments_comment", "blog_taggedpost")
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
MOMENT = re.compile(r"'\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00'")


def shape(sql):
    """The statement without the moment it ran (published() compares with now)."""
    return MOMENT.sub("?", sql)


def explain(sql):
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return plan, float(re.search(r"Execution Time: ([\d.]+) ms", plan).group(1))


def captured(client, url):
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        status = client.get(url).status_code
        elapsed = (time.perf_counter() - started) * 1000
    selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return status, elapsed, selects


def main():
    if connection.vendor != "postgresql":
        sys.exit("bench/explain.py needs DATABASE_URL pointing at PostgreSQL.")
    client, problems, once = Client(), [], []
    for name, url in page_urls().items():
        # Every request: the page with its shared counts and sidebar already computed (the
        # page cache is off). These queries are held to the rule.
        client.get(url)
        status, elapsed, queries = captured(client, url)
        print(f"\n=== {name}: {url} → {status}, {len(queries)} queries, {elapsed:.1f} ms")
        for number, sql in enumerate(queries, start=1):
            plan, total = explain(sql)
            print(f"--- query {number} ({total} ms): {sql[:300]}")
            print(plan)
            for table in SEQ_SCAN.findall(plan):
                # Search facets count every match: with thousands of matches a scan is the
                # cheaper plan, so search is reported but not held to the rule.
                if table in LARGE_TABLES and name != "search":
                    problems.append(f"{name}: sequential scan of {table} in query {number}")
        # Right after a change: the same page also computes what pages share until the next
        # change (counts, month counts, the sidebar). Aggregates over every post: reported.
        cache.clear()
        status, elapsed, cold = captured(client, url)
        known = {shape(sql) for sql in queries}
        for sql in cold:
            if shape(sql) not in known:
                plan, total = explain(sql)
                once.append((total, name, sql))
        print(f"    after a change: {len(cold)} queries, {elapsed:.1f} ms")
    print("\nQueries run once per change of content (shared by every page until the next):")
    seen = set()
    for total, name, sql in sorted(once, reverse=True):
        if shape(sql)[:200] not in seen:
            seen.add(shape(sql)[:200])
            print(f"  {total:8.1f} ms  ({name}) {sql[:150]}")
    print("\n" + ("\n".join(problems) if problems else "No sequential scan of a large table."))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
