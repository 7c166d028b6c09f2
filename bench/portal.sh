#!/usr/bin/env bash
# The portal's pages next to the JSON API's figures: home, search 教育 and a
# dataset page against the list, search and detail endpoints they read, at
# N listings (default 100 000), with wrk at fixed concurrency, on each
# backend. Writes bench/out/portal-<time>/ and docs/benchmarks-portal.md
# (the table and the machine's load average during each run; the
# hand-written sections from "## Reading these numbers" on are kept).
#
#   bench/portal.sh                       # N=100000, PostgreSQL and SQLite
#   BACKENDS=sqlite bench/portal.sh       # one backend
#   SKIP_LOAD=1 bench/portal.sh           # reuse the last run's databases
#   NO_BUILD=1 bench/portal.sh            # use target/release/datagate as built
set -euo pipefail
cd "$(dirname "$0")/.."

N=${N:-100000}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
BACKENDS=${BACKENDS:-postgres sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=${PG_DB:-datagate_bench_portal}
ROOT=bench/out
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=$ROOT/portal-$STAMP
mkdir -p "$OUT"
RESULTS=$OUT/results.jsonl
: > "$RESULTS"

log() { printf '\n== %s\n' "$*" >&2; }

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
log "building the release binary"
[ -n "${NO_BUILD:-}" ] || cargo build --release --locked -q
BIN=target/release/datagate

load1() { cut -d' ' -f1 /proc/loadavg; }
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
urlq() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
wait_ready() {
  for _ in $(seq 1 600); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "server at $1 did not become ready" >&2; return 1
}

# wrk_run SYSTEM BACKEND SCENARIO URL
wrk_run() {
  local system=$1 backend=$2 scenario=$3 url=$4
  local file="$OUT/$system-$backend-$scenario.txt" before load_before
  before=$(rss_kb "$SERVER_PID")
  curl -fsS -o /dev/null "$url"   # fails the run on a non-2xx page
  load_before=$(load1)
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency "$url" > "$file" 2>&1 || true
  python3 bench/parse_wrk.py "$file" "$system" "$backend" "$scenario" "$CONNS" "$before" "$(rss_kb "$SERVER_PID")" \
    | python3 -c 'import json, sys; r = json.loads(sys.stdin.read()); r["load1"] = [float(a) for a in sys.argv[1:]]; print(json.dumps(r))' \
        "$load_before" "$(load1)" >> "$RESULTS"
  tail -n 1 "$RESULTS" >&2
}

for backend in $BACKENDS; do
  DATA=$ROOT/portal-data-$backend
  if [ "$backend" = postgres ]; then
    export DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DB"
  else
    export DATABASE_URL="sqlite://$PWD/$DATA/datagate.db"
  fi
  PORT=$(free_port)
  export DATAGATE_DATA_DIR=$DATA DATAGATE_DEMO=off DATAGATE_LOG=warn DATAGATE_BIND=127.0.0.1:$PORT \
         DATAGATE_PUBLIC_URL=http://127.0.0.1:$PORT
  if [ -z "${SKIP_LOAD:-}" ]; then
    log "$backend: loading the demo and $N synthetic listings"
    rm -rf "$DATA"; mkdir -p "$DATA"
    if [ "$backend" = postgres ]; then
      psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
    fi
    "$BIN" demo --scale "$N" > "$OUT/load-$backend.log" 2>&1
  fi
  "$BIN" serve > "$OUT/serve-$backend.log" 2>&1 &
  SERVER_PID=$!
  BASE=http://127.0.0.1:$PORT
  wait_ready "$BASE/readyz"
  NAME=$(curl -fsS "$BASE/api/v1/datasets?limit=1&open_condition=unconditional" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["name"])')
  Q=$(urlq 教育)
  log "$backend: scenarios (dataset $NAME)"
  wrk_run api "$backend" home "$BASE/api/v1/datasets?limit=6"
  wrk_run portal "$backend" home "$BASE/"
  wrk_run api "$backend" search "$BASE/api/v1/datasets?limit=20&q=$Q"
  wrk_run portal "$backend" search "$BASE/datasets?q=$Q"
  wrk_run portal "$backend" search_filtered "$BASE/datasets?q=$Q&open_condition=unconditional"
  wrk_run api "$backend" detail "$BASE/api/v1/datasets/$NAME"
  wrk_run portal "$backend" detail "$BASE/datasets/$NAME"
  kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
done

log "report"
cp docs/benchmarks-portal.md "$OUT/previous.md" 2>/dev/null || : > "$OUT/previous.md"
python3 - "$RESULTS" "$N" "$STAMP" "$DURATION" "$CONNS" "$(nproc)" "$OUT/previous.md" > docs/benchmarks-portal.md <<'PY'
import json, sys
path, n, stamp, duration, conns, cores, previous = sys.argv[1:8]
rows = [json.loads(l) for l in open(path) if l.strip()]
def get(system, backend, scenario):
    return next((r for r in rows if (r["system"], r["backend"], r["scenario"]) == (system, backend, scenario)), None)
backends = [b for b in ("postgres", "sqlite") if any(r["backend"] == b for r in rows)]
names = {"home": "home page (`/`) · API: 6 newest with facets", "search": "search `教育` (`/datasets?q=教育`) · API: the same search",
         "search_filtered": "search `教育` + a facet filter (page only)", "detail": "dataset page (`/datasets/{name}`) · API: detail"}
print("# Benchmarks: the portal's pages\n")
print(f"Measured by `bench/portal.sh` on {stamp} with **{int(n):,} listings** (the demo plus synthetic ones), "
      f"wrk at {conns} connections (`-d{duration} --latency`), datagate release build, everything on one machine, "
      f"the portal's pages and the JSON endpoints they read from in the same run, on {cores} CPU cores shared with "
      "wrk. Each page request comes from a new browser (no cookies: a CSRF secret is made and signed for every "
      "page) that is not signed in. Target: p99 ≤ 20 ms.\n")
print("Reproduce: `bench/portal.sh` (`BACKENDS=sqlite`, `N=…`, `SKIP_LOAD=1`, `NO_BUILD=1`). "
      "Raw wrk outputs are in `bench/out/portal-<time>/` (not committed).\n")
head = "| scenario | " + " | ".join(f"{b}: API req/s | p50 / p99 ms | page req/s | p50 / p99 ms | p99 ≤ 20 ms | load (1 min) during the page run" for b in backends) + " |"
print(head)
print("|---|" + "---:|---:|---:|---:|---|---:|" * len(backends))
for sc in ("home", "search", "search_filtered", "detail"):
    cells = []
    for b in backends:
        a, p = get("api", b, sc), get("portal", b, sc)
        fmt = lambda r: (f"{r['rps']:,.0f}", f"{r['p50_ms']:.2f} / {r['p99_ms']:.2f}") if r and r["rps"] else ("–", "–")
        ar, al = fmt(a); pr, pl = fmt(p)
        met = "met" if p and p["p99_ms"] is not None and p["p99_ms"] <= 20 else "**missed**"
        errors = f" ({p['non_2xx']} non-2xx)" if p and p["non_2xx"] else ""
        load = "–".join(f"{v:.1f}" for v in p.get("load1", [])) if p else "–"
        cells.append(f"{ar} | {al} | {pr}{errors} | {pl} | {met} | {load or '–'}")
    print(f"| {names[sc]} | " + " | ".join(cells) + " |")
print()
for b in backends:
    rss = [r["rss_max_kb"] for r in rows if r["backend"] == b]
    print(f"- Peak RSS on {b}: {max(rss) // 1024} MB.")
kept = open(previous).read().split("\n## Reading these numbers", 1)
if len(kept) == 2:
    print("\n## Reading these numbers" + kept[1].rstrip())
PY
echo "wrote docs/benchmarks-portal.md from $OUT" >&2
