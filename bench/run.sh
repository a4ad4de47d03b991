#!/usr/bin/env bash
# The project's performance run (`make bench`): the shared load harness and its
# two anchors (a bare psycopg + orjson floor and a naive DRF server) measured in
# the same interleaved rounds as this project's production server, then
# statements per request, peak worker memory under the list load, and the
# list's cost with 10,000 outposts stored against 100.
#
# Environment: BENCH_HARNESS (default ../shared/bench), BENCH_DIR (writable
# copy, default /tmp/outposts-bench), ROUNDS (default 3), BENCH_PORT (9400),
# REDIS_URL (default redis://127.0.0.1:6379/15; two workers need it).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
HARNESS=${BENCH_HARNESS:-$ROOT/../shared/bench}
WORK=${BENCH_DIR:-/tmp/outposts-bench}
ROUNDS=${ROUNDS:-3}
PORT=${BENCH_PORT:-9400}
PY=$ROOT/.venv/bin/python
URL=http://127.0.0.1:$PORT

[ -d "$WORK" ] || cp -r "$HARNESS" "$WORK"
"$WORK/setup.sh" >/dev/null
"$WORK/db.sh" >/dev/null
mkdir -p "$WORK/results"

# The harness's own scripts read DATABASE_URL too, so the project's settings are
# given to the project's commands only.
PROJECT_ENV=(
    DATABASE_URL=postgres://bench@127.0.0.1:5432/outposts_bench
    REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/15}"
    OUTPOSTS_WORKERS=2 OUTPOSTS_LISTEN=127.0.0.1:$PORT
)
project() { env "${PROJECT_ENV[@]}" "$PY" manage.py "$@"; }
unset DATABASE_URL
psql -h 127.0.0.1 -U bench -d bench -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'outposts_bench'" | grep -q 1 \
    || psql -h 127.0.0.1 -U bench -d bench -qc "CREATE DATABASE outposts_bench"
cd "$ROOT"
project migrate --noinput -v0

seed() {  # seed N: N outposts, the first 100 with 10 providers each
    eval "$(project seed_bench "$1" 10 | tail -n 1)"
}
SERVER=
start() {
    (exec env "${PROJECT_ENV[@]}" "$PY" manage.py serve) >"$WORK/results/project.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 100); do curl -sf -o /dev/null "$URL/-/health/ready/" && return; sleep 0.2; done
    echo "the server did not start; see $WORK/results/project.log" >&2
    exit 1
}
stop() { [ -z "$SERVER" ] || { kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=; }; }
trap stop EXIT
peak_rss() {  # the highest resident set size any worker has reached, in MB
    for pid in $(pgrep -f "multiprocessing.spawn" -P "$SERVER"); do
        awk '/VmHWM/ {print $2}' "/proc/$pid/status"
    done | sort -n | tail -n 1 | awk '{printf "%.1f", $1 / 1024}'
}

seed 100
start
echo "== interleaved rounds: anchors and this project (100 outposts x 10 providers)"
"$WORK/rounds.sh" "$ROUNDS" "project=$URL,$TOKEN,$UUID"

echo "== this project: statements per request (pg_stat_statements)"
seed 100
PGURL=postgresql://bench@127.0.0.1:5432/bench "$WORK/sqlcount.sh" "$URL" "$TOKEN" "$UUID" project
echo "== this project: peak resident memory per worker after the list load: $(peak_rss) MB"

echo "== list page of 100 with 100 and with 10,000 outposts stored"
SCENARIOS=list_c1 NLIST=150 OUT="$WORK/results/scale.tsv" \
    "$WORK/run.sh" "$URL" "$TOKEN" "$UUID" "project-100"
seed 10000
SCENARIOS=list_c1 NLIST=150 OUT="$WORK/results/scale.tsv" \
    "$WORK/run.sh" "$URL" "$TOKEN" "$UUID" "project-10000"
seed 100
