#!/usr/bin/env bash
# Run by hand (not by the tests): how long import_wxr takes for 10,000 posts with 100,000
# comments on PostgreSQL. Generates a site, exports it, imports it into an empty database,
# then imports it again (nothing changes). Figures go to docs/performance.md by hand.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PG:-postgres://postgres@127.0.0.1:5432}
POSTS=${POSTS:-10000}
COMMENTS=${COMMENTS:-100000}
export SECRET_KEY=bench-only
PY=.venv/bin/python
mkdir -p var

for db in bench_source bench_target; do
  psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
done
DATABASE_URL=$PG/bench_source $PY manage.py migrate -v0
DATABASE_URL=$PG/bench_source $PY manage.py generate_content --posts "$POSTS" \
  --comments "$COMMENTS" --galleries 0 | tail -n 1
echo "== export_wxr"
/usr/bin/time -f "export: %e s, %M KB peak" env DATABASE_URL=$PG/bench_source \
  $PY manage.py export_wxr --output var/bench-export.xml
ls -l var/bench-export.xml
DATABASE_URL=$PG/bench_target $PY manage.py migrate -v0
echo "== import_wxr into an empty database"
/usr/bin/time -f "import: %e s, %M KB peak" env DATABASE_URL=$PG/bench_target \
  $PY manage.py import_wxr var/bench-export.xml | tail -n 3
echo "== import_wxr again (nothing changes)"
/usr/bin/time -f "re-import: %e s, %M KB peak" env DATABASE_URL=$PG/bench_target \
  $PY manage.py import_wxr var/bench-export.xml | tail -n 3
