"""The benchmark: run by hand, never by the tests.

    .venv/bin/python bench/run.py                  # 100,000 posts / 1,000,000 comments
    .venv/bin/python bench/run.py --quick          # 3 s per measurement, to try it out

In one run it
1. makes sure two PostgreSQL databases hold generated data (`bench_large`: 100,000 posts and
   1,000,000 comments; `bench_small`: 1,000 posts and 10,000 comments), generating them if empty;
2. serves the site with gunicorn (3 workers), production settings, Redis as the cache and
   hashed static files;
3. measures each page with wrk on loopback (32 connections): the page cache off (every request
   rendered from the database) and on, the same pages at 1,000 posts, and the two baselines
   (bench/baseline_views.py) served by the same gunicorn: the render ceiling and the request floor;
4. writes the table into docs/performance.md, between the bench markers.
Needs wrk (apt-get install wrk), PostgreSQL and Redis on 127.0.0.1. BENCH_REDIS_URL and
BENCH_PORT choose another Redis database and port (when other runs share the machine).
"""

import argparse
import contextlib
import datetime
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = str(ROOT / ".venv" / "bin" / "python")
GUNICORN = str(ROOT / ".venv" / "bin" / "gunicorn")
PG = os.environ.get("PG", "postgres://postgres@127.0.0.1:5432")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
PORT = int(os.environ.get("BENCH_PORT", "8901"))
WORKERS = 3
CONNECTIONS = 32
SIZES = {"large": (100_000, 1_000_000), "small": (1_000, 10_000)}
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


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


def ensure_data(database, posts, comments):
    subprocess.run(
        ["psql", f"{PG}/postgres", "-qc", f"CREATE DATABASE {database}"],
        stderr=subprocess.DEVNULL,
        check=False,
    )
    env = site_env(database, page_cache=False)
    manage(env, "migrate", "--noinput")
    count = subprocess.run(
        ["psql", f"{PG}/{database}", "-tAc", "SELECT count(*) FROM blog_post"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if count == "0":
        print(f"Generating {posts} posts and {comments} comments in {database} …", flush=True)
        manage(
            env,
            "generate_content",
            f"--posts={posts}",
            f"--comments={comments}",
            "--galleries=0",
            quiet=False,
        )
    subprocess.run(["psql", f"{PG}/{database}", "-qc", "VACUUM ANALYZE"], check=True)


def page_urls(database):
    code = "import json; from bench.pages import page_urls; print(json.dumps(page_urls()))"
    env = site_env(database, page_cache=False)
    output = subprocess.run(
        [PY, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    import json

    return json.loads(output.strip().splitlines()[-1])


@contextlib.contextmanager
def gunicorn(database, *, page_cache):
    env = site_env(database, page_cache=page_cache)
    subprocess.run(["redis-cli", "-u", REDIS, "FLUSHDB"], check=True, stdout=subprocess.DEVNULL)
    log = open(ROOT / "var" / "bench-gunicorn.log", "ab")  # noqa: SIM115 (closed below)
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
        for _attempt in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            time.sleep(0.2)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()


def worker_rss_mb(server):
    output = subprocess.run(
        ["ps", "-o", "rss=", "--ppid", str(server.pid)], capture_output=True, text=True
    ).stdout
    sizes = [int(line) / 1024 for line in output.split()]
    return max(sizes) if sizes else 0.0


def wrk(url, seconds):
    for _warm in range(3):  # the first requests fill the page cache and the workers' imports
        urllib.request.urlopen(f"http://127.0.0.1:{PORT}{url}").read()
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--latency",
            f"http://127.0.0.1:{PORT}{url}",
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


def measure(database, *, page_cache, seconds, urls, baselines=False):
    results = {}
    with gunicorn(database, page_cache=page_cache) as server:
        if baselines:
            results["render ceiling"] = wrk("/_bench/render/", seconds)
            results["request floor"] = wrk("/_bench/floor/", seconds)
        for name, url in urls.items():
            results[name] = wrk(url, seconds)
            print(f"  {name:28} {results[name][0]:8.0f} req/s", flush=True)
        rss = worker_rss_mb(server)
    return results, rss


def table(large, cached, small, baselines, urls):
    ceiling, floor = baselines["render ceiling"][0], baselines["request floor"][0]
    lines = [
        "| page | uncached req/s (p50 / p99 ms) | ratio to ceiling | cached req/s (p50 / p99 ms) "
        "| ratio to floor | uncached at 1,000 posts req/s | 100k ÷ 1k cost |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in urls:
        u, c, s = large[name], cached[name], small.get(name)
        flat = f"{s[0] / u[0]:.2f}" if s else "—"
        lines.append(
            f"| {name} | {u[0]:.0f} ({u[1]:.1f} / {u[2]:.1f}) | {u[0] / ceiling:.2f} "
            f"| {c[0]:.0f} ({c[1]:.1f} / {c[2]:.1f}) | {c[0] / floor:.2f} "
            f"| {s[0]:.0f} | {flat} |"
            if s
            else f"| {name} | {u[0]:.0f} ({u[1]:.1f} / {u[2]:.1f}) | {u[0] / ceiling:.2f} "
            f"| {c[0]:.0f} ({c[1]:.1f} / {c[2]:.1f}) | {c[0] / floor:.2f} | — | — |"
        )
    for name, (rate, p50, p99) in baselines.items():
        lines.append(f"| *{name}* | {rate:.0f} ({p50:.1f} / {p99:.1f}) | | | | | |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--quick", action="store_true", help="3 s per page")
    parser.add_argument("--no-write", action="store_true", help="print, leave the docs alone")
    args = parser.parse_args()
    seconds = 3 if args.quick else args.seconds
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    (ROOT / "var").mkdir(exist_ok=True)
    env = site_env("bench_large", page_cache=True)
    manage(env, "collectstatic", "--noinput")
    for size, (posts, comments) in SIZES.items():
        ensure_data(f"bench_{size}", posts, comments)
    urls = page_urls("bench_large")
    small_urls = page_urls("bench_small")
    print("Uncached (page cache off), 100,000 posts:")
    large, rss_uncached = measure(
        "bench_large", page_cache=False, seconds=seconds, urls=urls, baselines=True
    )
    baselines = {name: large.pop(name) for name in ("render ceiling", "request floor")}
    print("Cached, 100,000 posts:")
    cached, rss_cached = measure("bench_large", page_cache=True, seconds=seconds, urls=urls)
    print("Uncached, 1,000 posts:")
    small, _rss = measure("bench_small", page_cache=False, seconds=seconds, urls=small_urls)
    report = "\n".join(
        [
            START,
            f"Measured {datetime.date.today():%Y-%m-%d} by `bench/run.py` "
            f"({seconds} s of wrk per row, {CONNECTIONS} connections, gunicorn with {WORKERS} "
            "sync workers, Redis cache, PostgreSQL, all on this machine: "
            f"{os.cpu_count()} cores, Python {platform.python_version()}).",
            "",
            table(large, cached, small, baselines, urls),
            "",
            f"Worker memory (largest RSS): {rss_uncached:.0f} MB after the uncached run, "
            f"{rss_cached:.0f} MB after the cached run.",
            "",
            "Pages measured: " + ", ".join(f"{name} `{url}`" for name, url in urls.items()) + ".",
            END,
        ]
    )
    print(report)
    if not args.no_write:
        text = DOC.read_text()
        if START in text:
            text = text[: text.index(START)] + report + text[text.index(END) + len(END) :]
        else:
            text += "\n## Serving pages (bench/run.py)\n\n" + report + "\n"
        DOC.write_text(text)
        print(f"Written to {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
