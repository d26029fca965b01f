#!/usr/bin/env bash
# Run by hand: restart PostgreSQL while gunicorn serves the site under load (loopback only,
# bounded), and count the answers per second. Expected: 200s, a few seconds of quick 503s while
# the server is down, then 200s again from the same workers (no restart of gunicorn).
set -euo pipefail
cd "$(dirname "$0")/.."
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench_source}
export SECRET_KEY=bench-only DJANGO_HTTPS=0 DJANGO_STATIC_MANIFEST=1
PORT=${PORT:-8131}
.venv/bin/python manage.py migrate -v0
.venv/bin/python manage.py collectstatic --noinput -v0
.venv/bin/gunicorn config.wsgi --bind 127.0.0.1:$PORT --workers 3 --timeout 30 \
  --pid var/bench-gunicorn.pid >var/bench-gunicorn.log 2>&1 &
sleep 3
workers_before=$(pgrep -P "$(cat var/bench-gunicorn.pid)" | sort | tr '\n' ' ')
.venv/bin/python - "$PORT" <<'PY' &
import collections, concurrent.futures, sys, time, urllib.error, urllib.request
port, seconds = sys.argv[1], 40
def fetch(_):
    started = time.monotonic()
    try:
        status = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=15).status
    except urllib.error.HTTPError as error:
        status = error.code
    except Exception as error:
        status = type(error).__name__
    return int(started), status, time.monotonic() - started
end, results = time.monotonic() + seconds, []
with concurrent.futures.ThreadPoolExecutor(8) as pool:
    while time.monotonic() < end:
        results += pool.map(fetch, range(16))
by_second = collections.defaultdict(collections.Counter)
for second, status, _ in results:
    by_second[second][status] += 1
first = min(by_second)
for second in sorted(by_second):
    print(f"t+{second - first:2d}s", dict(by_second[second]))
print("slowest answer:", round(max(took for *_, took in results), 2), "s")
PY
load=$!
sleep 10
echo "== restarting PostgreSQL"
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main restart
wait $load
workers_after=$(pgrep -P "$(cat var/bench-gunicorn.pid)" | sort | tr '\n' ' ')
echo "workers before: $workers_before"
echo "workers after:  $workers_after"
kill "$(cat var/bench-gunicorn.pid)"
