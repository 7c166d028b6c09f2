#!/usr/bin/env bash
# Issue 20's bar for public queries: 64 concurrent worst-case anonymous
# searches (CKAN package_search counting every facet over a listing with
# 30 000 facet values, rows=1000) for SECS seconds, while sign-in, grant
# token issue and a download are timed round after round; their p99 idle and
# under load is printed per backend. It runs the suite's test
# `sec_query::sixty_four_worst_case_searches_leave_sign_in_token_issue_and_download_answering`
# for longer (the suite runs it for 10 s). Figures: docs/benchmarks.md.
#
#   bench/sec_query.sh                    # 60 s, SQLite then PostgreSQL
#   SECS=20 BACKENDS=sqlite bench/sec_query.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${SECS:-60}
BACKENDS=${BACKENDS:-sqlite postgres}
PG_ADMIN_URL=${PG_ADMIN_URL:-postgres://postgres@127.0.0.1:5432/postgres}
TEST=sec_query::sixty_four_worst_case_searches_leave_sign_in_token_issue_and_download_answering
for backend in $BACKENDS; do
    if [ "$backend" = postgres ]; then export TEST_DATABASE_URL=$PG_ADMIN_URL; else unset TEST_DATABASE_URL; fi
    echo "== $backend, ${SECS}s" >&2
    DATAGATE_LOAD_SECS=$SECS cargo test --locked --test api "$TEST" -- --exact --nocapture 2>&1 |
        grep -E "^LOAD|panicked|test result|p99" || true
done
