"""The benchmark: run by hand, never by the tests.

    .venv/bin/python bench/run.py                  # everything, at both sizes
    .venv/bin/python bench/run.py --quick          # 3 s per measurement, to try it out
    .venv/bin/python bench/run.py --quick --sizes small --parts pages,stream --no-write

In one run it
1. makes sure two PostgreSQL databases hold generated data (`bench_large`: 100,000 posts and
   1,000,000 comments; `bench_small`: 1,000 posts and 10,000 comments), generating them if empty
   (time and peak memory recorded in var/, and reported);
2. serves the site with gunicorn (3 workers), production settings, Redis as the cache and
   hashed static files, and at each size measures
   - `pages`: each page with wrk on loopback (32 connections): the page cache off (every request
     rendered from the database), on, and on behind Varnish (tools/varnish.py), beside three
     baselines: the render ceiling and the request floor (bench/baseline_views.py, served by the
     same gunicorn) and nginx (1 worker process) serving a static file the size of the front page;
   - `search`: p50/p99 of a broad, a narrow and a tag-narrowed search, rendered in-process with
     the page cache off (bench/search.py);
   - `stream`: 32 connections read a post while one comment a second is sent to it through the
     comment form (a post with 30 comments, one with 3,000), and other pages are read meanwhile;
     then 32 people comment at the same moment (bench/stream.py);
   - `import`: exporting and importing a WXR file (10,000 posts with 100,000 comments at the large
     size, 1,000 with 10,000 at the small one), as bench/import_wxr.sh does;
   - `wordpress`: each page uncached beside WordPress's page of the same kind, one after the
     other in the same run: Debian's WordPress on a classic theme holding the same posts and
     comments, php-fpm with as many children as gunicorn has workers, behind nginx
     (bench/wordpress.py; it installs Debian's packages when missing, and needs MariaDB on
     127.0.0.1:3306, root without a password);
3. writes a table per part and a line per target into docs/performance.md, each part between its
   own markers (a run of some parts leaves the others' figures alone).
Needs wrk, nginx and varnishd with xkey (apt-get install wrk nginx varnish varnish-modules),
PostgreSQL and Redis on 127.0.0.1. BENCH_REDIS_URL and BENCH_PORT choose another Redis
database and port (when other runs share the machine). Other work on the machine moves the
absolute figures: read the ratios, each taken within one run.
"""

import argparse
import contextlib
import datetime
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # bench.stream, tools.varnish

from bench import stream, wordpress  # noqa: E402

PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
PG = os.environ.get("PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PORT = int(os.environ.get("BENCH_PORT", "8901"))
WORKERS = 3
NGINX_WORKERS = 1
CONNECTIONS = 32
SIZES = {"large": (100_000, 1_000_000), "small": (1_000, 10_000)}
IMPORT_SIZES = {"large": (10_000, 100_000), "small": (1_000, 10_000)}
PARTS = ("pages", "search", "stream", "import", "wordpress")
STREAM_POSTS = (30, 3_000)  # comments on the post being commented on
BURST = 32  # commenters sending at the same moment
# A narrow search in generated data: 98 matches at 100,000 posts, 2 at 1,000 (bench/search.py's
# "hill" is no longer in the generated text).
NARROW_SEARCH = 'tuchman "honest window"'
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"
VAR = ROOT / "var"
TIMES = "\N{MULTIPLICATION SIGN}"
LOAD_AT_START = os.getloadavg()[0]


def site_env(database, *, page_cache):
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.baseline_settings",
        DATABASE_URL=f"{PG}/{database}",
        REDIS_URL=REDIS,
        SECRET_KEY="bench-only-secret-key-not-for-production-use-0123456789",
        ALLOWED_HOSTS="127.0.0.1",
        DJANGO_HTTPS="0",
        DJANGO_STATIC_MANIFEST="1",
        BLOG_PAGE_CACHE="1" if page_cache else "0",
        # The comment-stream test: every comment is published at once (not held for a first-time
        # commenter), and each commenter comes from an address of its own through one proxy.
        COMMENTS_MODERATION="none",
        TRUSTED_PROXIES="1",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env, *args, quiet=True):
    subprocess.run(
        [PY, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL if quiet else None,
    )


def psql(database, sql):
    return subprocess.run(
        ["psql", f"{PG}/{database}", "-tAc", sql], capture_output=True, text=True, check=True
    ).stdout.strip()


def timed(env, *args, output=None):
    """A manage.py command under /usr/bin/time: (seconds, peak RSS in MB) and its output."""
    with tempfile.NamedTemporaryFile("r") as record:
        result = subprocess.run(
            ["/usr/bin/time", "-o", record.name, "-f", "%e %M", PY, "manage.py", *args],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seconds, kilobytes = record.read().split()[-2:]
    return float(seconds), int(kilobytes) / 1024, result.stdout


def generation_record(database):
    return VAR / f"bench-generated-{database}.json"


def ensure_data(database, posts, comments):
    """The database filled (generated when empty, timed); the generation's record, if any."""
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {database}"],
        stderr=subprocess.DEVNULL,
        check=False,
    )
    env = site_env(database, page_cache=False)
    manage(env, "migrate", "--noinput")
    if psql(database, "SELECT count(*) FROM blog_post") == "0":
        print(f"Generating {posts} posts and {comments} comments in {database} …", flush=True)
        seconds, peak, output = timed(
            env, "generate_content", f"--posts={posts}", f"--comments={comments}", "--galleries=0"
        )
        record = {
            "posts": posts,
            "comments": comments,
            "seconds": seconds,
            "peak_mb": peak,
            "date": f"{datetime.date.today():%Y-%m-%d}",
            "summary": output.strip().splitlines()[-1],
            "posts_seconds": float(re.search(r"Posts saved after ([\d.]+) s", output).group(1)),
        }
        generation_record(database).write_text(json.dumps(record))
    subprocess.run(["psql", f"{PG}/{database}", "-qc", "VACUUM ANALYZE"], check=True)
    path = generation_record(database)
    return json.loads(path.read_text()) if path.exists() else None


def json_from(database, *arguments):
    """The JSON value the last line of `python arguments` prints, run on `database` with the
    page cache off."""
    output = subprocess.run(
        [PY, *arguments],
        cwd=ROOT,
        env=site_env(database, page_cache=False),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def in_django(database, code):
    """The JSON value `code` prints, run with Django set up on `database`."""
    return json_from(database, "-c", f"import django, json; django.setup(); {code}")


def page_urls(database):
    return in_django(database, "from bench.pages import page_urls; print(json.dumps(page_urls()))")


@contextlib.contextmanager
def gunicorn(database, *, page_cache):
    env = site_env(database, page_cache=page_cache)
    subprocess.run(["redis-cli", "-u", REDIS, "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)
    log = open(VAR / "bench-gunicorn.log", "ab")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            GUNICORN,
            "config.wsgi",
            f"--bind=127.0.0.1:{PORT}",
            f"--workers={WORKERS}",
            "--timeout=60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        wait_for(f"http://127.0.0.1:{PORT}/healthz")
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def wait_for(url):
    for _attempt in range(150):
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2)
            return
        time.sleep(0.2)
    raise SystemExit(f"Nothing answers at {url}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def nginx(page):
    """nginx (NGINX_WORKERS worker processes) serving `page` as a static file; its port."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="bench-nginx-") as folder:
        os.chmod(folder, 0o755)  # its worker runs as another user when started by root
        (Path(folder) / "www").mkdir()
        (Path(folder) / "www" / "index.html").write_bytes(page)
        temporary = " ".join(
            f"{kind}_temp_path {folder}/{kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (Path(folder) / "nginx.conf").write_text(
            f"worker_processes {NGINX_WORKERS};\ndaemon off;\npid {folder}/nginx.pid;\n"
            f"error_log {folder}/error.log;\nevents {{ worker_connections 1024; }}\n"
            f"http {{ access_log off; {temporary} default_type text/html;\n"
            f"  server {{ listen 127.0.0.1:{port}; root {folder}/www; }} }}\n"
        )
        server = subprocess.Popen(
            ["nginx", "-c", f"{folder}/nginx.conf", "-p", folder, "-e", f"{folder}/error.log"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(f"http://127.0.0.1:{port}/")
            yield port
        finally:
            server.send_signal(signal.SIGQUIT)  # nginx's graceful stop
            server.wait(timeout=30)


def worker_rss_mb(server):
    output = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    sizes = [int(line) / 1024 for line in output.split()]
    return max(sizes) if sizes else 0.0


def wrk(url, seconds, *, port=PORT, warm=True):
    if warm:  # the first requests fill the page cache and the workers' imports
        for _warm in range(3):
            urllib.request.urlopen(f"http://127.0.0.1:{port}{url}").read()
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            f"http://127.0.0.1:{port}{url}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = parse_ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1))
    p99 = parse_ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")
    return rate, p50, p99


def parse_ms(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def running_varnish():
    """tools.varnish.running_varnish, or None while the project has none."""
    try:
        from tools.varnish import running_varnish
    except ImportError:
        return None
    return running_varnish


# Part 1: pages.


def measure_pages(database, seconds, urls):
    result = {"uncached": {}, "cached": {}, "varnish": {}, "baselines": {}}
    print(f"Uncached (page cache off), {database}:", flush=True)
    with gunicorn(database, page_cache=False) as server:
        ceilings = [wrk("/_bench/render/", seconds)]
        result["baselines"]["request floor"] = wrk("/_bench/floor/", seconds)
        for name, url in urls.items():
            result["uncached"][name] = wrk(url, seconds)
            print(f"  {name:34} {result['uncached'][name][0]:8.0f} req/s", flush=True)
        # Measured again after the pages: the higher of the two is kept (a ceiling measured
        # while the machine was busy would make every page look nearer to it).
        ceilings.append(wrk("/_bench/render/", seconds))
        result["baselines"]["render ceiling"] = max(ceilings, key=lambda figures: figures[0])
        print(f"  render ceiling: {', '.join(f'{c[0]:.0f}' for c in ceilings)} req/s", flush=True)
        result["rss_uncached"] = worker_rss_mb(server)
    print(f"Cached, {database}:", flush=True)
    with gunicorn(database, page_cache=True) as server:
        front = urllib.request.urlopen(f"http://127.0.0.1:{PORT}/").read()
        for name, url in urls.items():
            result["cached"][name] = wrk(url, seconds)
            print(f"  {name:34} {result['cached'][name][0]:8.0f} req/s", flush=True)
        result["rss_cached"] = worker_rss_mb(server)
        result["varnish_note"] = through_varnish(result["varnish"], seconds, urls, database)
    with nginx(front) as nginx_port:
        result["baselines"]["nginx, static file"] = wrk("/", seconds, port=nginx_port)
    result["front_bytes"] = len(front)
    return result


def through_varnish(results, seconds, urls, database):
    """Each page through Varnish in front of the running gunicorn, into `results`; a note on
    what could not be measured (no tools/varnish.py yet, Varnish failing), or ""."""
    varnish = running_varnish()
    if varnish is None:
        print("  (no tools/varnish.py: the Varnish column is left empty)", flush=True)
        return (
            "Through Varnish: — (tools/varnish.py, `running_varnish(backend_port)`, was not in "
            "the project when this was measured; the column fills in once it is)."
        )
    print(f"Through Varnish, {database}:", flush=True)
    failed = []
    try:
        with varnish(PORT) as varnish_port:
            wait_for(f"http://127.0.0.1:{varnish_port}/")
            for name, url in urls.items():
                try:
                    results[name] = wrk(url, seconds, port=varnish_port)
                except (SystemExit, OSError) as error:
                    failed.append(f"{name}: {str(error).splitlines()[0]}")
                    continue
                print(f"  {name:34} {results[name][0]:8.0f} req/s", flush=True)
    except (Exception, SystemExit) as error:  # Varnish did not run: the rest still counts
        return f"Through Varnish: — (Varnish did not run: {error})."
    return f"Through Varnish, not measured: {'; '.join(failed)}." if failed else ""


def cell(figures):
    if not figures:
        return "—"
    rate, p50, p99 = figures
    return f"{rate:.0f} ({p50:.1f} / {p99:.1f})"


def ratio(figures, base):
    return f"{figures[0] / base[0]:.2f}" if figures and base else "—"


def pages_table(result, urls):
    base = result["baselines"]
    ceiling, floor = base["render ceiling"], base["request floor"]
    static = base["nginx, static file"]
    lines = [
        "| page | uncached req/s (p50 / p99 ms) | ÷ ceiling | cached req/s (p50 / p99 ms) "
        "| ÷ floor | ÷ nginx | through Varnish req/s (p50 / p99 ms) | ÷ nginx |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in urls:
        u, c, v = result["uncached"][name], result["cached"][name], result["varnish"].get(name)
        lines.append(
            f"| {name} | {cell(u)} | {ratio(u, ceiling)} | {cell(c)} | {ratio(c, floor)} "
            f"| {ratio(c, static)} | {cell(v)} | {ratio(v, static)} |"
        )
    for name, figures in base.items():
        lines.append(f"| *{name}* | {cell(figures)} | | | | {ratio(figures, static)} | | |")
    return "\n".join(lines)


def flat_table(results, sizes):
    large, small = results["large"], results["small"]
    lines = [
        "| page | uncached at 100k req/s | uncached at 1k req/s | 100k ÷ 1k cost "
        "| cached at 100k | cached at 1k |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, figures in large["uncached"].items():
        small_figures = small["uncached"].get(name)
        small_cached = small["cached"].get(name)
        lines.append(
            f"| {name} | {figures[0]:.0f} | {small_figures[0]:.0f} "
            f"| {ratio(small_figures, figures)} | {large['cached'][name][0]:.0f} "
            f"| {small_cached[0]:.0f} |"
            if small_figures and small_cached
            else f"| {name} | {figures[0]:.0f} | — | — | {large['cached'][name][0]:.0f} | — |"
        )
    return "\n".join(lines)


def verdict(met, text):
    return f"| {text} | {'met' if met else '**not met**'} |"


def pages_targets(size, result):
    floor = result["baselines"]["request floor"][0]
    ceiling = result["baselines"]["render ceiling"][0]
    cached = result["cached"]
    low = min(cached, key=lambda name: cached[name][0])
    worst_p99 = max(cached, key=lambda name: cached[name][2])
    rendered = result["uncached"]  # every page type (issue 19's target)
    slow = min(rendered, key=lambda name: rendered[name][0])
    rss = max(result["rss_uncached"], result["rss_cached"])
    rows = [
        verdict(
            cached[low][0] >= 0.5 * floor,
            f"{size}: cached pages ≥ 0.5 {TIMES} the request floor: lowest {low} "
            f"{cached[low][0] / floor:.2f}",
        ),
        verdict(
            cached[worst_p99][2] < 100,
            f"{size}: cached p99 under 100 ms at {CONNECTIONS} connections: highest "
            f"{worst_p99} {cached[worst_p99][2]:.1f} ms",
        ),
        verdict(rss < 120, f"{size}: worker RSS under 120 MB: {rss:.0f} MB"),
        verdict(
            rendered[slow][0] >= 0.6 * ceiling,
            f"{size}: every page type uncached ≥ 0.6 {TIMES} the render ceiling: lowest "
            f"{slow} {rendered[slow][0] / ceiling:.2f}",
        ),
    ]
    return rows


def pages_report(results, sizes, seconds, url_sets):
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} by `{command()}` ({seconds} s "
        f"of wrk per row, {CONNECTIONS} connections, gunicorn with {WORKERS} sync workers, "
        "the render ceiling measured before and after the uncached pages and the higher kept, "
        f"Redis cache, PostgreSQL; nginx with {NGINX_WORKERS} worker process serving a static "
        f"file the size of the front page; all on this machine: {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, load average when the run began {load()}).",
        "",
    ]
    notes = dict.fromkeys(results[size]["varnish_note"] for size in sizes)
    lines += [f"{note}\n" for note in notes if note]
    targets = []
    for size in sizes:
        result = results[size]
        posts, comments = SIZES[size]
        lines += [
            f"**{posts:,} posts / {comments:,} comments** (front page {result['front_bytes']:,} "
            "bytes):",
            "",
            pages_table(result, url_sets[size]),
            "",
            f"Worker memory (largest RSS): {result['rss_uncached']:.0f} MB after the uncached "
            f"run, {result['rss_cached']:.0f} MB after the cached run.",
            "",
            "Pages measured: "
            + ", ".join(f"{name} `{url}`" for name, url in url_sets[size].items())
            + ".",
            "",
        ]
        targets += pages_targets(f"{posts:,} posts", result)
    if "large" in sizes and "small" in sizes:
        lines += ["Page cost against data size:", "", flat_table(results, sizes), ""]
        large, small = results["large"]["uncached"], results["small"]["uncached"]
        costs = {name: small[name][0] / large[name][0] for name in large if name in small}
        steep = {name: cost for name, cost in costs.items() if cost > 1.5}
        targets.append(
            verdict(
                not steep,
                f"page cost flat in data size (100k vs 1k posts within 1.5{TIMES}): "
                + (
                    ", ".join(f"{name} {cost:.2f}" for name, cost in steep.items())
                    if steep
                    else f"highest {max(costs.values()):.2f}"
                ),
            )
        )
    lines += ["| target | result |", "| --- | --- |", *targets]
    return "\n".join(lines)


# Part 2: search.


def measure_search(database, runs):
    return json_from(
        database, "bench/search.py", "--json", f"--runs={runs}", f"--narrow={NARROW_SEARCH}"
    )


def search_report(results, sizes):
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} by `{command()}` "
        "(bench/search.py: the search page rendered in-process, page cache off, after one "
        f"untimed run; load average when the run began {load()}).",
        "",
        "| data | query | ranked | p50 ms | p99 ms | slowest ms |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    targets = []
    for size in sizes:
        result = results[size]
        for row in result["queries"]:
            query = " ".join(f"{key}={value}" for key, value in row["params"].items())
            lines.append(
                f"| {result['published']:,} published posts ({result['runs']} runs) "
                f"| {row['name']}: `{query}` | {row['ranked']}{row['more']} "
                f"| {row['p50']:.1f} | {row['p99']:.1f} | {row['max']:.1f} |"
            )
            if row["name"] in ("broad", "narrow"):
                label = f"{SIZES[size][0]:,} posts, {row['name']} search"
                targets.append(verdict(row["p50"] < 50, f"{label}: p50 < 50 ms: {row['p50']:.1f}"))
                targets.append(
                    verdict(row["p99"] < 150, f"{label}: p99 < 150 ms: {row['p99']:.1f}")
                )
    lines += ["", "| target | result |", "| --- | --- |", *targets]
    return "\n".join(lines)


# Part 3: the comment stream.


def measure_stream(database, seconds, urls):
    hot_posts = {
        count: in_django(
            database,
            f"from bench.pages import post_with_comments; print(json.dumps("
            f"post_with_comments({count})))",
        )
        for count in STREAM_POSTS
    }
    base = f"http://127.0.0.1:{PORT}"
    tag = f"bench-{int(time.time())}"
    result = {"posts": {}}
    with gunicorn(database, page_cache=True):
        for count, hot in hot_posts.items():
            others = [
                url
                for name, url in urls.items()
                if not url.startswith(hot) and name not in ("recent comments", "comments feed")
            ]
            print(f"Comment stream on {hot} ({count} comments), {database} …", flush=True)
            outcome = stream.stream(base, PORT, hot, others, seconds, wrk, f"{tag}-{count}")
            outcome["url"] = hot
            result["posts"][count] = outcome
        print(f"{BURST} commenters at once, {database} …", flush=True)
        before = int(psql(database, "SELECT count(*) FROM comments_comment"))
        burst_tag = f"{tag}-burst"
        statuses, bodies = stream.burst(base, hot_posts[STREAM_POSTS[0]], BURST, burst_tag)
        stored = psql(
            database,
            "SELECT count(*), count(DISTINCT body) FROM comments_comment "
            f"WHERE body LIKE '{burst_tag} comment %'",
        ).split("|")
        result["burst"] = {
            "statuses": statuses,
            "rows": int(stored[0]),
            "distinct": int(stored[1]),
            "added": int(psql(database, "SELECT count(*) FROM comments_comment")) - before,
            "sent": len(bodies),
        }
    return result


def stream_report(results, sizes, seconds):
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} by `{command()}` "
        f"(page cache on, gunicorn with {WORKERS} sync workers; load average when the run began "
        f"{load()}). "
        f"wrk reads the post's permalink for {seconds} s with {CONNECTIONS} connections, once "
        "idle and once while one comment a second is sent to that post through the comment "
        "form (each by a reader of its own: the page fetched, its CSRF cookie and token and the "
        "form's token sent back at least 3 s later, from its own address through one trusted "
        "proxy, `COMMENTS_MODERATION=none` so each is published at once); meanwhile two more "
        "connections read the other pages of the pages table (not the post's own pages, "
        "/comments/ and the comments feed, which show the new comments), each read once "
        "before, one after another, and count `X-Page-Cache: hit`. A page that links to the "
        "post is counted apart (its entry on a listing shows its number of comments, which "
        "each comment changes; a title in an archive or among related posts does not): the "
        "target is for the pages that do not link to it.",
        "",
        "| data | post | idle req/s (p99 ms) | while commented on req/s (p99 ms) | ÷ idle "
        "| comments sent (stored) | other pages read | hits | pages linking to the post: read, "
        "hits |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    targets = []
    for size in sizes:
        label = f"{SIZES[size][0]:,} posts"
        for count, outcome in results[size]["posts"].items():
            idle, busy = outcome["idle"], outcome["busy"]
            reads = sum(hit + miss for hit, miss in outcome["others"].values())
            hits = sum(hit for hit, _miss in outcome["others"].values())
            share = hits / reads if reads else 0.0
            stored = sum(status == 302 for status in outcome["statuses"])
            linking = outcome.get("linking", {})
            shown_reads = sum(hit + miss for hit, miss in linking.values())
            shown_hits = sum(hit for hit, _miss in linking.values())
            shown = f"{shown_reads:,}, {shown_hits / shown_reads:.1%}" if shown_reads else "none"
            lines.append(
                f"| {label} | {count:,} comments `{outcome['url']}` | {idle[0]:.0f} "
                f"({idle[2]:.1f}) | {busy[0]:.0f} ({busy[2]:.1f}) | {busy[0] / idle[0]:.2f} "
                f"| {len(outcome['statuses'])} ({stored}) | {reads:,} | {share:.1%} | {shown} |"
            )
            targets.append(
                verdict(
                    busy[0] >= 0.5 * idle[0],
                    f"{label}, post with {count:,} comments: hot permalink ≥ 0.5 {TIMES} its idle "
                    f"cached rate: {busy[0] / idle[0]:.2f} (p99 {busy[2]:.1f} ms)",
                )
            )
            targets.append(
                verdict(
                    share >= 0.99,
                    f"{label}, post with {count:,} comments: other pages ≥ 99 % page-cache "
                    f"hits: {share:.1%} of {reads:,}",
                )
            )
    for size in sizes:
        for count, outcome in results[size]["posts"].items():
            misses = ", ".join(
                f"`{url}` {miss}/{hit + miss}"
                for url, (hit, miss) in outcome["others"].items()
                if miss
            )
            shown = ", ".join(
                f"`{url}` {miss}/{hit + miss}"
                for url, (hit, miss) in outcome.get("linking", {}).items()
            )
            lines.append(
                f"\nMisses among the other pages ({SIZES[size][0]:,} posts, post with {count:,} "
                f"comments): {misses or 'none'}."
                + (f" Pages linking to the post, misses of reads: {shown}." if shown else "")
            )
    lines += [
        "",
        f"{BURST} commenters sending at the same moment (each its own reader, address, email "
        "and text), to the post with 30 comments:",
        "",
        "| data | responses | rows stored | distinct texts |",
        "| --- | --- | ---: | ---: |",
    ]
    for size in sizes:
        burst = results[size]["burst"]
        label = f"{SIZES[size][0]:,} posts"
        statuses = ", ".join(
            f"{burst['statuses'].count(status)} {TIMES} {status}"
            for status in sorted(set(burst["statuses"]))
        )
        lines.append(f"| {label} | {statuses} | {burst['rows']} | {burst['distinct']} |")
        targets.append(
            verdict(
                burst["rows"] == burst["distinct"] == burst["sent"],
                f"{label}: {BURST} comments sent at once, each stored once: "
                f"{burst['rows']} rows for {burst['distinct']} texts",
            )
        )
    lines += ["", "| target | result |", "| --- | --- |", *targets]
    return "\n".join(lines)


# Part 4: generating and importing.


def measure_import(size):
    posts, comments = IMPORT_SIZES[size]
    source, target = "bench_import_source", "bench_import_target"
    for database in (source, target):
        subprocess.run(
            ["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE IF EXISTS {database}"], check=True
        )
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {database}"], check=True)
        manage(site_env(database, page_cache=False), "migrate", "--noinput")
    source_env, target_env = (site_env(db, page_cache=False) for db in (source, target))
    export = VAR / "bench-export.xml"
    print(f"WXR: generating {posts} posts and {comments} comments …", flush=True)
    generated = timed(
        source_env,
        "generate_content",
        f"--posts={posts}",
        f"--comments={comments}",
        "--galleries=0",
    )
    print("WXR: export, import, import again …", flush=True)
    steps = {
        "generate_content": generated,
        "export_wxr": timed(source_env, "export_wxr", "--output", str(export)),
        "import_wxr into an empty database": timed(target_env, "import_wxr", str(export)),
        "import_wxr again (nothing changes)": timed(target_env, "import_wxr", str(export)),
    }
    result = {
        "posts": posts,
        "comments": comments,
        "file_mb": export.stat().st_size / 1e6,
        "steps": {name: list(step[:2]) for name, step in steps.items()},
        "rows": [
            int(psql(target, f"SELECT count(*) FROM {t}"))
            for t in ("blog_post", "comments_comment")
        ],
    }
    for database in (source, target):
        subprocess.run(["psql", f"{PG}/postgres", "-qc", f"DROP DATABASE {database}"], check=True)
    export.unlink()
    return result


def import_report(results, sizes, generated):
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} by `{command()}` "
        f"(`/usr/bin/time -f '%e %M'`: wall time and the peak RSS of the largest process; load "
        f"average when the run began {load()}).",
        "",
        "| data | step | time | peak memory |",
        "| --- | --- | ---: | ---: |",
    ]
    for database, record in generated.items():
        if record:
            lines.append(
                f"| `{database}`: {record['posts']:,} posts, {record['comments']:,} comments "
                f"| generate_content (measured {record['date']} when generated; posts "
                f"{record['posts_seconds']:.0f} s, then the comments) "
                f"| {record['seconds']:.1f} s | {record['peak_mb']:.0f} MB |"
            )
        else:
            lines.append(
                f"| `{database}` | generate_content: generated before, not timed | — | — |"
            )
    targets = []
    for size in sizes:
        result = results[size]
        label = f"{result['posts']:,} posts, {result['comments']:,} comments"
        for step, (seconds, peak) in result["steps"].items():
            lines.append(f"| {label} | {step} | {seconds:.1f} s | {peak:.0f} MB |")
        imported = result["steps"]["import_wxr into an empty database"][0]
        lines.append(
            f"| {label} | (the file: {result['file_mb']:.0f} MB; imported: "
            f"{result['rows'][0]:,} posts, {result['rows'][1]:,} comments) | | |"
        )
        if size == "large":
            targets.append(
                verdict(
                    imported < 60,
                    f"import_wxr of 10,000 posts and 100,000 comments under 60 s: {imported:.1f} s",
                )
            )
    if targets:
        lines += ["", "| target | result |", "| --- | --- |", *targets]
    return "\n".join(lines)


# Part 5: against WordPress.


def measure_wordpress(database, seconds, urls):
    """Each page of ours and WordPress's page of the same kind, uncached, one after the other."""
    port = free_port()
    our_settings = in_django(database, wordpress.OUR_SETTINGS)
    setup = wordpress.ensure_filled(database, PG, f"http://127.0.0.1:{port}", our_settings)
    pairs = wordpress.equivalents(urls)
    result = {"setup": setup, "pairs": pairs, "ours": {}, "wordpress": {}}
    print(f"Uncached, ours and WordPress's, {database}:", flush=True)
    with gunicorn(database, page_cache=False), wordpress.serving(port, WORKERS):
        wait_for(f"http://127.0.0.1:{port}/")
        result["shown"] = wordpress.compare(PORT, port, pairs)
        for name, (ours, theirs) in pairs.items():
            result["ours"][name] = wrk(ours, seconds)
            result["wordpress"][name] = wrk(theirs, seconds, port=port)
            print(
                f"  {name:34} {result['ours'][name][0]:8.0f} {result['wordpress'][name][0]:8.0f}"
                " req/s",
                flush=True,
            )
    result["skipped"] = [name for name in urls if name not in pairs]
    return result


def wordpress_report(results, sizes, seconds):
    setup = results[sizes[0]]["setup"]
    ours = setup["settings"]
    lines = [
        f"Measured {datetime.date.today():%Y-%m-%d} by `{command()}` ({seconds} s of wrk per "
        f"row, {CONNECTIONS} connections, each of our pages and then WordPress's page of the same "
        f"kind; load average when the run began {load()}). Ours: gunicorn with {WORKERS} sync "
        "workers answering wrk itself, the page cache off (every request rendered from "
        "PostgreSQL; Redis holds the fragments it reuses). WordPress "
        f"{setup['wordpress']} from Debian's packages with its classic theme {setup['theme']} "
        f"as installed (its default footer widgets), PHP {setup['php']} with opcache as Debian "
        f"ships it ({setup['opcache']}), php-fpm with a static pool of {WORKERS} children "
        f"behind nginx (1 worker, FastCGI over a Unix socket), MariaDB {setup['mariadb']}, no "
        "page cache and no object cache, WP-Cron off "
        "(no request to itself during a measurement); permalinks "
        "`/%year%/%monthnum%/%day%/%postname%/` and our page sizes: "
        f"{ours['posts_per_page']} posts a page, {ours['posts_per_rss']} in the posts feed, "
        f"{ours['comments_per_rss']} in the comments feed, {ours['search_per_page']} search "
        f"results a page, threaded comments {ours['thread_comments_depth']} levels deep, "
        f"{ours['comments_per_page']} top-level comments a page ({ours['comment_order']} "
        "first); the last two by a must-use plugin bench/wordpress.py writes. It holds the same "
        "posts (ids, titles, slugs, stored HTML, dates, authors, tags, our paths as nested "
        "categories) and comments (ids, statuses, threads), filled from our database through "
        "WordPress's functions by bench/wordpress.php. Before measuring, each page of each site "
        "answered 200 itself (no redirect, not a page of nothing found); the last column counts "
        "the posts (entries and feed items, by permalink; a lone post by its title) and the "
        "comments (by id) ours shows that WordPress's page shows too.",
        "",
    ]
    targets = []
    for size in sizes:
        result = results[size]
        posts, comments = result["setup"]["posts"], result["setup"]["comments"]
        lines += [
            f"**{posts:,} posts / {comments:,} comments:**",
            "",
            "| page | ours req/s (p50 / p99 ms) | WordPress req/s (p50 / p99 ms) "
            "| ours ÷ WordPress | on both: posts, comments |",
            "| --- | ---: | ---: | ---: | ---: |",
        ]
        for name in result["pairs"]:
            ours, theirs = result["ours"][name], result["wordpress"][name]
            shown = result["shown"][name]
            lines.append(
                f"| {name} | {cell(ours)} | {cell(theirs)} | {ratio(ours, theirs)} "
                f"| {'/'.join(map(str, shown['posts']))}, "
                f"{'/'.join(map(str, shown['comments']))} |"
            )
        lines += [
            "",
            "Pages measured (ours, WordPress's): "
            + ", ".join(
                f"{name} `{ours}` `{theirs}`" for name, (ours, theirs) in result["pairs"].items()
            )
            + "."
            + (
                f" Not compared (WordPress has no such page): {', '.join(result['skipped'])}."
                if result["skipped"]
                else ""
            ),
            "",
        ]
        rates = {
            name: result["ours"][name][0] / result["wordpress"][name][0] for name in result["pairs"]
        }
        lowest = min(rates, key=rates.get)
        targets.append(
            verdict(
                rates[lowest] >= 3,
                f"{posts:,} posts: every page type ≥ 3 {TIMES} WordPress uncached: lowest "
                f"{lowest} {rates[lowest]:.2f}",
            )
        )
    lines += ["| target | result |", "| --- | --- |", *targets]
    return "\n".join(lines)


# Writing it down.


def command():
    return " ".join(["bench/run.py", *sys.argv[1:]])


def load():
    """The load average when the run began (other work on the machine)."""
    return f"{LOAD_AT_START:.1f}"


def write(part, report):
    start, end = f"<!-- bench:{part}:start -->", f"<!-- bench:{part}:end -->"
    block = f"{start}\n{report}\n{end}"
    text = DOC.read_text()
    if start in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        heading = {
            "pages": "### Pages: uncached, cached, through Varnish",
            "search": "### Search",
            "stream": "### Reading while comments arrive",
            "import": "### Generating and importing",
            "wordpress": "### Uncached, against WordPress",
        }[part]
        if START not in text:
            text += f"\n## Measured by bench/run.py\n\n{START}\n{END}\n"
        text = text.replace(END, f"{heading}\n\n{block}\n\n{END}")
    DOC.write_text(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per measurement")
    parser.add_argument("--quick", action="store_true", help="3 s per measurement")
    parser.add_argument("--parts", default=",".join(PARTS), help="some of " + ",".join(PARTS))
    parser.add_argument("--sizes", default=",".join(SIZES), help="large,small or one of them")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args()
    seconds = 3 if args.quick else args.seconds
    parts = [part for part in PARTS if part in args.parts.split(",")]
    sizes = [size for size in SIZES if size in args.sizes.split(",")]
    if not parts or not sizes or set(args.parts.split(",")) - set(PARTS):
        sys.exit(f"--parts: some of {','.join(PARTS)}; --sizes: some of {','.join(SIZES)}")
    for tool in ("wrk", "nginx", "redis-cli", "psql"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is needed (apt-get install {tool})")
    VAR.mkdir(exist_ok=True)
    generated = {}
    if {"pages", "stream", "wordpress"} & set(parts):
        manage(site_env("bench_large", page_cache=True), "collectstatic", "--noinput")
    if {"pages", "search", "stream"} & set(parts):
        for size in sizes:
            generated[f"bench_{size}"] = ensure_data(f"bench_{size}", *SIZES[size])
    else:
        for size in sizes:
            path = generation_record(f"bench_{size}")
            generated[f"bench_{size}"] = json.loads(path.read_text()) if path.exists() else None
    url_sets = {
        size: page_urls(f"bench_{size}")
        for size in sizes
        if {"pages", "stream", "wordpress"} & set(parts)
    }
    reports = {}
    if "pages" in parts:
        results = {size: measure_pages(f"bench_{size}", seconds, url_sets[size]) for size in sizes}
        reports["pages"] = pages_report(results, sizes, seconds, url_sets)
    if "search" in parts:
        runs = 50 if args.quick else 200
        results = {size: measure_search(f"bench_{size}", runs) for size in sizes}
        reports["search"] = search_report(results, sizes)
    if "stream" in parts:
        results = {size: measure_stream(f"bench_{size}", seconds, url_sets[size]) for size in sizes}
        reports["stream"] = stream_report(results, sizes, seconds)
    if "import" in parts:
        results = {size: measure_import(size) for size in sizes}
        reports["import"] = import_report(results, sizes, generated)
    if "wordpress" in parts:
        results = {
            size: measure_wordpress(f"bench_{size}", seconds, url_sets[size]) for size in sizes
        }
        reports["wordpress"] = wordpress_report(results, sizes, seconds)
    for part, report in reports.items():
        print(f"\n{report}\n")
        if not args.no_write:
            write(part, report)
    if reports and not args.no_write:
        print(f"Written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
