#!/usr/bin/env bash
# Scenario 6 of the benchmark alone: data-token issue with an API key, on
# PostgreSQL and on SQLite, on a small catalogue (the demo; the token path
# does not depend on the catalogue's size). Prints one JSON line per backend
# (the format of bench/run.sh's results.jsonl) and checks afterwards that the
# audit chain verifies and that every 201 the server answered is in the
# access log and in the audit chain.
#
#   bench/tokens.sh                    # both backends, wrk -c32 -d10s
#   BACKENDS=sqlite DURATION=20s bench/tokens.sh
#   NO_BUILD=1 BIN=/tmp/other/datagate bench/tokens.sh
#   CALLGRIND=1000 bench/tokens.sh     # also: instructions per token under
#                                      # callgrind, over 1000 sequential issues
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
BACKENDS=${BACKENDS:-postgres sqlite}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
PG_DB=${PG_DB:-datagate_bench_tokens}
BIN=${BIN:-target/release/datagate}
OUT=bench/out/tokens-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

[ -n "${NO_BUILD:-}" ] || cargo build --release --locked -q
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }
head -c 4096 /dev/urandom > "$OUT/small.bin"

wait_ready() {  # URL [seconds]
  for _ in $(seq 1 $((${2:-120} * 5))); do curl -fsS "$1" >/dev/null 2>&1 && return 0; sleep 0.2; done
  echo "server at $1 did not become ready" >&2; return 1
}

PORT=18180
for backend in $BACKENDS; do
  DATA=$OUT/data-$backend
  mkdir -p "$DATA"
  if [ "$backend" = postgres ]; then
    export DATABASE_URL="${PG_ADMIN_URL%/*}/$PG_DB"
    psql "$PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" -c "CREATE DATABASE $PG_DB" >/dev/null
  else
    export DATABASE_URL="sqlite://$DATA/datagate.db"
  fi
  export DATAGATE_DATA_DIR=$DATA DATAGATE_DEMO=off DATAGATE_LOG=warn DATAGATE_BIND=127.0.0.1:$PORT \
         DATAGATE_PUBLIC_URL=http://127.0.0.1:$PORT
  "$BIN" demo > "$OUT/load-$backend.log" 2>&1
  "$BIN" serve > "$OUT/serve-$backend.log" 2>&1 &
  pid=$!
  BASE=http://127.0.0.1:$PORT
  wait_ready "$BASE/readyz"
  python3 bench/setup.py "$BASE" "$OUT/small.bin" > "$DATA/ids.json"
  KEY=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_key"])' "$DATA/ids.json")
  GRANT=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["grant_id"])' "$DATA/ids.json")
  cat > "$OUT/token.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer $KEY"
LUA
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  file=$OUT/datagate-$backend-token_issue.txt
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --timeout 30s --latency -s "$OUT/token.lua" \
    "$BASE/api/v1/grants/$GRANT/access-tokens" > "$file" 2>&1 || true
  python3 bench/parse_wrk.py "$file" datagate "$backend" token_issue "$CONNS" 0 0 | tee -a "$OUT/results.jsonl"
  echo "load average before the run: $load" | tee -a "$OUT/results.jsonl.notes"
  kill "$pid"; wait "$pid" 2>/dev/null || true

  # Every answered 201 is a row of the access log and an entry of the chain.
  # (At least as many rows as wrk counted 2xx answers: requests still in
  # flight when wrk stops may commit without being counted.)
  ok=$(grep -Eo '^ +[0-9]+ requests in' "$file" | grep -Eo '[0-9]+' || echo 0)
  non2xx=$(grep -Eo 'Non-2xx or 3xx responses: [0-9]+' "$file" | grep -Eo '[0-9]+$' || echo 0)
  if [ "$backend" = postgres ]; then
    q() { psql "$DATABASE_URL" -Atc "$1"; }
  else
    q() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$DATA/datagate.db" "$1"; }
  fi
  logged=$(q "SELECT count(*) FROM access_log WHERE event = 'token_issued'")
  audited=$(q "SELECT count(*) FROM audit_log WHERE action = 'grant.token_issue'")
  verify=$("$BIN" audit verify 2>&1 | head -n 1)
  echo "$backend: wrk requests $ok (non-2xx $non2xx), access log $logged, audit $audited, chain: $verify" \
    | tee -a "$OUT/results.jsonl.notes"
  if [ "$logged" -lt $((ok - non2xx)) ] || [ "$audited" -lt $((ok - non2xx)) ]; then
    echo "$backend: FEWER tokens recorded than answered" | tee -a "$OUT/results.jsonl.notes"
  fi

  if [ -n "${CALLGRIND:-}" ]; then
    # Instructions of the server process per token, sequential requests:
    # independent of what else the machine runs.
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-$backend.out" \
      "$BIN" serve > "$OUT/serve-$backend-callgrind.log" 2>&1 &
    pid=$!
    wait_ready "$BASE/readyz" 600
    curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $KEY" "$BASE/api/v1/grants/$GRANT/access-tokens"
    callgrind_control -z "$pid" >/dev/null
    for _ in $(seq 1 "$CALLGRIND"); do
      curl -fsS -o /dev/null -X POST -H "Authorization: Bearer $KEY" "$BASE/api/v1/grants/$GRANT/access-tokens"
    done
    callgrind_control -d "$pid" >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    ir=$(for f in "$OUT"/callgrind-"$backend".out*; do callgrind_annotate "$f" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; done | sort -n | tail -n 1)
    echo "$backend: callgrind $((ir / CALLGRIND)) instructions per token (server process, $CALLGRIND sequential issues)" \
      | tee -a "$OUT/results.jsonl.notes"
  fi
  PORT=$((PORT + 1))
done
echo "results in $OUT" >&2
