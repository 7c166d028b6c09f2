#!/usr/bin/env bash
# A million listings on PostgreSQL: how long `datagate demo --scale` takes to
# load them, then search, list, deep keyset paging and facet counts measured
# with wrk — first with the cache off, so every request pays its queries,
# then with it on, as served by default. Writes
# bench/out/million-<time>/results.jsonl, which bench/run.sh's report reads
# (the newest one) into docs/benchmarks.md.
#
#   bench/million.sh               # N=1000000
#   N=200000 bench/million.sh      # a smaller trial
#   SKIP_LOAD=1 bench/million.sh   # reuse the loaded database
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-1000000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=${PG_DB:-datagate_million}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=bench/out/million-$STAMP
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"
PORT=18200
BASE=http://127.0.0.1:$PORT

log() { printf '\n== %s\n' "$*" >&2; }
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

log "building the release binary"
[ -n "${NO_BUILD:-}" ] || cargo build --release --locked -q   # NO_BUILD=1: use the binary as built
BIN=target/release/datagate
DATA=bench/out/data-million
export DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DB" DATAGATE_DATA_DIR=$DATA DATAGATE_DEMO=off DATAGATE_LOG=warn \
       DATAGATE_BIND=127.0.0.1:$PORT DATAGATE_PUBLIC_URL=$BASE DATAGATE_CACHE_REFRESH_MS=0 \
       DATAGATE_DB_TIMEOUT=30   # queue for a connection rather than answer 503: measure the real latency

if [ -z "${SKIP_LOAD:-}" ]; then
  log "loading the demo and $N synthetic listings into $PG_DB"
  rm -rf "$DATA"; mkdir -p "$DATA"
  psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
  start=$(date +%s.%N)
  "$BIN" demo --scale "$N" > "$OUT/load.log" 2>&1   # (the progress bar shows on a terminal)
  end=$(date +%s.%N)
  python3 -c "import json,sys; print(json.dumps({'system':'datagate','backend':'postgres','scenario':'load','n':int(sys.argv[1]),'seconds':float(sys.argv[3])-float(sys.argv[2])}))" \
    "$N" "$start" "$end" >> "$RESULTS"
  tail -n 1 "$RESULTS" >&2
fi

"$BIN" serve > "$OUT/serve.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done

urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
run() {
  local scenario=$1 url=$2; shift 2
  local file="$OUT/${SYSTEM:-nocache}-$scenario.txt" before
  before=$(rss_kb "$SERVER_PID")
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency "$@" "$url" > "$file" 2>&1 || true
  python3 bench/parse_wrk.py "$file" "${SYSTEM:-datagate-million}" postgres "$scenario" "$CONNS" "$before" "$(rss_kb "$SERVER_PID")" >> "$RESULTS"
  tail -n 1 "$RESULTS" >&2
}

# Cursors at several depths of the newest-first walk, read from the database
# the same way the API encodes them (base64url of {"s":"modified","t","id"}).
log "cursors at depths 1 000 … $((N - 1000))"
PGTZ=UTC python3 - "$DATABASE_URL" "$N" > "$OUT/cursors.txt" <<'PY'
import base64, json, subprocess, sys
url, n = sys.argv[1], int(sys.argv[2])
for depth in [1_000, 10_000, 100_000, n // 2, n - 1_000]:
    row = subprocess.run(["psql", url, "-Atc",
        "SELECT to_char(modified_at, 'YYYY-MM-DD HH24:MI:SS.US') || '|' || id FROM listings "
        f"WHERE kind = 'dataset' AND status <> 'draft' ORDER BY modified_at DESC, id DESC OFFSET {depth} LIMIT 1"],
        capture_output=True, text=True, check=True).stdout.strip()
    if not row:
        continue
    t, id_ = row.split("|")
    key = json.dumps({"s": "modified", "t": t, "id": id_}, separators=(",", ":")).encode()
    print(base64.urlsafe_b64encode(key).decode().rstrip("="))
PY
python3 - "$OUT/cursors.txt" "$BASE" > "$OUT/deep.lua" <<'PY'
import sys
cursors = [l.strip() for l in open(sys.argv[1]) if l.strip()]
print("local cursors = {" + ", ".join(f'"{c}"' for c in cursors) + "}")
print("local i = 0")
print("request = function()\n  i = i + 1\n  return wrk.format(nil, \"/api/v1/datasets?limit=20&cursor=\" .. cursors[(i % #cursors) + 1])\nend")
PY
# Every cursor must be one the API accepts.
while read -r c; do curl -fsS "$BASE/api/v1/datasets?limit=20&cursor=$c" -o /dev/null; done < "$OUT/cursors.txt"

log "scenarios (cache off)"
run search_zh "$BASE/api/v1/datasets?limit=20&q=$(urlq 教育)"
run search_en "$BASE/api/v1/datasets?limit=20&q=hospital"
run list "$BASE/api/v1/datasets?limit=20"
run list_deep "$BASE/api/v1/datasets" -s "$OUT/deep.lua"
run facets_filtered "$BASE/api/v1/datasets?limit=20&domain=education&open_condition=conditional"

# The same with the cache on (the default): a search's total and facets are
# computed once per catalogue generation, pages are keyset queries.
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
DATAGATE_CACHE_REFRESH_MS=500 "$BIN" serve > "$OUT/serve-cached.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
SYSTEM=datagate-million-cached
log "scenarios (cache on)"
run search_zh "$BASE/api/v1/datasets?limit=20&q=$(urlq 教育)"
run search_en "$BASE/api/v1/datasets?limit=20&q=hospital"
run list "$BASE/api/v1/datasets?limit=20"
run list_deep "$BASE/api/v1/datasets" -s "$OUT/deep.lua"
run facets_filtered "$BASE/api/v1/datasets?limit=20&domain=education&open_condition=conditional"
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
DATAGATE_CACHE_REFRESH_MS=0 "$BIN" serve > "$OUT/serve-single.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 600); do curl -fsS "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.5; done

# A single request's own time, sequentially, for the facet-heavy pages.
python3 - "$BASE" "$(urlq 教育)" >> "$RESULTS" <<'PY'
import json, sys, time, urllib.request
base, zh = sys.argv[1], sys.argv[2]
for name, path in [("single_list_facets", "/api/v1/datasets?limit=20"),
                   ("single_search_zh", f"/api/v1/datasets?limit=20&q={zh}")]:
    times = []
    for _ in range(20):
        t = time.perf_counter()
        urllib.request.urlopen(base + path, timeout=120).read()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(json.dumps({"system": "datagate-million", "backend": "postgres", "scenario": name,
                      "p50_ms": times[len(times) // 2], "max_ms": times[-1]}))
PY
tail -n 2 "$RESULTS" >&2
echo "wrote $RESULTS; rerun bench/run.sh (or: python3 bench/report.py … $RESULTS) to put it in docs/benchmarks.md" >&2
