#!/usr/bin/env bash
# The benchmark: datagate on PostgreSQL and on SQLite, Datasette on an export
# of the same listings, and nginx serving static copies — all in one run on
# this machine, with wrk at fixed concurrency. Writes bench/out/<time>/ and
# docs/benchmarks.md.
#
#   bench/run.sh                 # N=100000 listings
#   N=1000000 bench/run.sh       # the million
#   SKIP_LOAD=1 bench/run.sh     # reuse the last run's databases
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=${PG_DB:-datagate_bench}
ROOT=bench/out
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/$STAMP
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }

# ---- tools -----------------------------------------------------------------
need_apt=()
command -v wrk >/dev/null || need_apt+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
VENV=$ROOT/venv
if [ ! -x "$VENV/bin/datasette" ]; then
  log "installing Datasette into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q datasette
fi

log "building the release binary"
[ -n "${NO_BUILD:-}" ] || cargo build --release --locked -q   # NO_BUILD=1: use the binary as built
BIN=target/release/datagate

BIG=$ROOT/big.bin
if [ ! -f "$BIG" ]; then
  log "creating a 256 MiB test file"
  head -c $((256 * 1024 * 1024)) /dev/urandom > "$BIG"
fi

# ---- helpers -----------------------------------------------------------------
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

# wrk_run SYSTEM BACKEND SCENARIO URL [CONNS] [extra wrk args...]
wrk_run() {
  local system=$1 backend=$2 scenario=$3 url=$4 conns=${5:-$CONNS}
  shift 5 || shift $#
  local threads=$THREADS
  [ "$conns" -lt "$threads" ] && threads=$conns
  local before max pid=${SERVER_PID:-0}
  before=$(rss_kb "$pid"); max=$before
  ( while sleep 0.2; do r=$(rss_kb "$pid"); [ "$r" -gt "$max" ] && max=$r && echo "$max" > "$OUT/.rss"; done ) &
  local sampler=$!
  echo "$before" > "$OUT/.rss"
  local file="$OUT/$system-$backend-$scenario.txt"
  wrk -t"$threads" -c"$conns" -d"$DURATION" --timeout 30s --latency "$@" "$url" > "$file" 2>&1 || true
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  max=$(cat "$OUT/.rss")
  python3 bench/parse_wrk.py "$file" "$system" "$backend" "$scenario" "$conns" "$before" "$max" >> "$RESULTS"
  tail -n 1 "$RESULTS" >&2
}

wait_ready() {
  for _ in $(seq 1 600); do
    curl -fsS "$1" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "server at $1 did not become ready" >&2; return 1
}

urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

# ---- datagate on each backend --------------------------------------------------
PORT=18080
for backend in postgres sqlite; do
  DATA=$ROOT/data-$backend
  if [ "$backend" = postgres ]; then
    export DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DB"
  else
    export DATABASE_URL="sqlite://$DATA/datagate.db"
  fi
  export DATAGATE_DATA_DIR=$DATA DATAGATE_DEMO=off DATAGATE_LOG=warn DATAGATE_BIND=127.0.0.1:$PORT \
         DATAGATE_PUBLIC_URL=http://127.0.0.1:$PORT DATAGATE_UPLOAD_LIMIT=$((1024 * 1024 * 1024))
  if [ -z "${SKIP_LOAD:-}" ]; then
    log "$backend: loading the demo and $N synthetic listings"
    rm -rf "$DATA"; mkdir -p "$DATA"
    if [ "$backend" = postgres ]; then
      psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
    start=$(date +%s.%N)
    "$BIN" demo --scale "$N" > "$OUT/load-$backend.log" 2>&1
    end=$(date +%s.%N)
    python3 -c "import json,sys; print(json.dumps({'system':'datagate','backend':sys.argv[1],'scenario':'load','n':int(sys.argv[2]),'seconds':float(sys.argv[4])-float(sys.argv[3])}))" \
      "$backend" "$N" "$start" "$end" >> "$RESULTS"
    tail -n 1 "$RESULTS" >&2
  fi
  "$BIN" serve > "$OUT/serve-$backend.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "http://127.0.0.1:$PORT/readyz"
  BASE=http://127.0.0.1:$PORT
  if [ -z "${SKIP_LOAD:-}" ] || [ ! -f "$DATA/bench-ids.json" ]; then
    python3 bench/setup.py "$BASE" "$BIG" > "$DATA/bench-ids.json"
  fi
  ids=$DATA/bench-ids.json
  jq_() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$ids" "$1"; }
  DETAIL=$(jq_ detail_id); KEY=$(jq_ api_key); GRANT=$(jq_ grant_id); CFILE=$(jq_ conditional_file); OFILE=$(jq_ open_file)

  log "$backend: scenarios"
  curl -fsS "$BASE/api/v1/datasets?limit=20" -o "$OUT/list-$backend.json"
  wrk_run datagate "$backend" list "$BASE/api/v1/datasets?limit=20"
  wrk_run datagate "$backend" facets "$BASE/api/v1/datasets?limit=20&domain=education"
  wrk_run datagate "$backend" search_zh "$BASE/api/v1/datasets?limit=20&q=$(urlq 教育)"
  wrk_run datagate "$backend" search_en "$BASE/api/v1/datasets?limit=20&q=hospital"
  wrk_run datagate "$backend" detail "$BASE/api/v1/datasets/$DETAIL"
  ETAG=$(curl -fsS -D - -o /dev/null "$BASE/api/v1/datasets/$DETAIL" | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
  wrk_run datagate "$backend" detail_304 "$BASE/api/v1/datasets/$DETAIL" "$CONNS" -H "If-None-Match: $ETAG"
  cat > "$OUT/token.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
  wrk_run datagate "$backend" token_issue "$BASE/api/v1/grants/$GRANT/access-tokens" "$CONNS" -s "$OUT/token.lua"
  TOKEN=$(curl -fsS -X POST -H "Authorization: Bearer $KEY" "$BASE/api/v1/grants/$GRANT/access-tokens" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  wrk_run datagate "$backend" download_grant_1 "$BASE/api/v1/distributions/$CFILE/file?token=$TOKEN" 1
  wrk_run datagate "$backend" download_grant_8 "$BASE/api/v1/distributions/$CFILE/file?token=$TOKEN" 8
  wrk_run datagate "$backend" download_open_1 "$BASE/api/v1/distributions/$OFILE/file" 1
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

  # The same reads with the cache off: what every query costs the database.
  log "$backend: catalogue reads with the cache off"
  DATAGATE_CACHE_REFRESH_MS=0 "$BIN" serve > "$OUT/serve-$backend-nocache.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "http://127.0.0.1:$PORT/readyz"
  wrk_run datagate-nocache "$backend" list "$BASE/api/v1/datasets?limit=20"
  wrk_run datagate-nocache "$backend" facets "$BASE/api/v1/datasets?limit=20&domain=education"
  wrk_run datagate-nocache "$backend" search_zh "$BASE/api/v1/datasets?limit=20&q=$(urlq 教育)"
  wrk_run datagate-nocache "$backend" search_en "$BASE/api/v1/datasets?limit=20&q=hospital"
  wrk_run datagate-nocache "$backend" detail "$BASE/api/v1/datasets/$DETAIL"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
  unset SERVER_PID
  PORT=$((PORT + 1))
done

# ---- Datasette on an export of the same listings --------------------------------
log "datasette: exporting the SQLite run's listings"
python3 bench/export_datasette.py "$ROOT/data-sqlite/datagate.db" "$OUT/bench.db" >&2
cat > "$OUT/metadata.json" <<'JSON'
{"databases": {"bench": {"tables": {"listings": {"fts_table": "listings_fts", "fts_pk": "rowid"}}}}}
JSON
"$VENV/bin/datasette" serve -i "$OUT/bench.db" -m "$OUT/metadata.json" -p 18090 --setting default_page_size 20 \
  --setting sql_time_limit_ms 5000 > "$OUT/datasette.log" 2>&1 &
SERVER_PID=$!
wait_ready "http://127.0.0.1:18090/bench.json"
DS=http://127.0.0.1:18090/bench/listings
ROW=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select rowid from listings where status<>\"draft\" limit 1').fetchone()[0])" "$OUT/bench.db")
wrk_run datasette sqlite list "$DS.json?_size=20&_sort_desc=modified_at&status__not=draft"
wrk_run datasette sqlite facets "$DS.json?_size=20&domain=education&status__not=draft&_facet=domain&_facet=open_condition"
wrk_run datasette sqlite search_zh "$DS.json?_size=20&_search=$(urlq 教育)&status__not=draft&_facet=domain&_facet=open_condition"
wrk_run datasette sqlite search_en "$DS.json?_size=20&_search=hospit&status__not=draft&_facet=domain&_facet=open_condition"
wrk_run datasette sqlite detail "$DS/$ROW.json"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true

# ---- nginx: the ceiling -------------------------------------------------------
log "nginx: static copies"
mkdir -p "$OUT/static"
cp "$OUT/list-postgres.json" "$OUT/static/list.json"
ln -f "$BIG" "$OUT/static/big.bin" 2>/dev/null || cp "$BIG" "$OUT/static/big.bin"
cat > "$OUT/nginx.conf" <<NGINX
worker_processes 2;
pid $PWD/$OUT/nginx.pid;
error_log $PWD/$OUT/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:18100;
    root $PWD/$OUT/static;
  }
}
NGINX
"$NGINX" -c "$PWD/$OUT/nginx.conf" -p "$PWD/$OUT"
sleep 0.5
SERVER_PID=$(cat "$OUT/nginx.pid")
wrk_run nginx static list "http://127.0.0.1:18100/list.json"
wrk_run nginx static download_1 "http://127.0.0.1:18100/big.bin" 1
wrk_run nginx static download_8 "http://127.0.0.1:18100/big.bin" 8
"$NGINX" -c "$PWD/$OUT/nginx.conf" -p "$PWD/$OUT" -s stop

log "report"
python3 bench/report.py "$RESULTS" "$N" "$STAMP" "${MILLION_RESULTS:-$(ls -d bench/out/million-*/results.jsonl 2>/dev/null | tail -n 1)}" > docs/benchmarks.md
echo "wrote docs/benchmarks.md from $OUT" >&2
