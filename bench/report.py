#!/usr/bin/env python3
"""Writes docs/benchmarks.md from one run's results.jsonl (stdout)."""
import json
import os
import platform
import subprocess
import sys

path, n, stamp = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = [json.loads(l) for l in open(path) if l.strip()]
million_path = sys.argv[4] if len(sys.argv) > 4 and sys.argv[4] else None
million = [json.loads(l) for l in open(million_path) if l.strip()] if million_path else []


def get(system, backend, scenario):
    for r in rows:
        if r["system"] == system and r["backend"] == backend and r["scenario"] == scenario:
            return r
    return None


def cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def mem_gib():
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        return "?"


def fmt(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def mb(v):
    return "–" if v is None else f"{v / 1024 / 1024:,.0f} MB/s"


def rss(r):
    return "–" if not r or not r.get("rss_max_kb") else f"{r['rss_max_kb'] / 1024:.0f} MB"


def yes(ok):
    return "met" if ok else "**missed**"


out = []
w = out.append
w("# Benchmarks\n")
w(f"Measured by `bench/run.sh` on {stamp} with **{n:,} listings**, wrk at {next((r['connections'] for r in rows if 'connections' in r), 32)} "
  f"connections (`-d10s --latency`, 2 threads), datagate release build, everything on one machine.\n")
w(f"- Machine: {os.cpu_count()} cores ({cpu()}), {mem_gib()} GiB RAM, {platform.system()} {platform.release()}")
try:
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
except OSError:
    pg = "?"
w(f"- PostgreSQL: {pg}; SQLite: bundled with datagate (WAL); Datasette {os.popen('bench/out/venv/bin/datasette --version 2>/dev/null').read().strip()} with `-i` (immutable); nginx with `sendfile on`")
w("- Reproduce: `bench/run.sh` (N=100000 by default; `N=1000000 bench/run.sh` for the million). Raw wrk outputs are in `bench/out/<time>/` (not committed). `bench/million.sh` measures the million (`SKIP_LOAD=1` reuses its database; `NO_BUILD=1` either script reuses the release binary).\n")
w("Absolute numbers drift on a shared machine; the ratios are computed pair by pair within one run.\n")

for r in rows:
    if r["scenario"] == "load":
        w(f"- Loading the demo plus {r['n']:,} synthetic listings on {r['backend']}: **{r['seconds']:.0f} s** "
          f"({r['n'] / r['seconds']:,.0f} listings/s).")
w("")

w("## Catalogue reads (req/s; latency in ms)\n")
w("| scenario | datagate PostgreSQL | p50 / p99 | datagate SQLite | p50 / p99 | Datasette | p50 / p99 | PG ÷ Datasette | SQLite ÷ Datasette | target | |")
w("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
names = {
    "list": "1. list, 20 newest", "facets": "2. filtered list + facets", "search_zh": "3. search `教育` + facets",
    "search_en": "4. search `hospital` + facets", "detail": "5. detail by id", "detail_304": "5b. detail, If-None-Match → 304",
}
targets = {"list": 20, "facets": 20, "search_zh": 20, "search_en": 20, "detail": 10}
for sc, label in names.items():
    p, s, d = get("datagate", "postgres", sc), get("datagate", "sqlite", sc), get("datasette", "sqlite", sc if sc != "detail_304" else "detail")
    ratio_p = p["rps"] / d["rps"] if p and d and p.get("rps") and d.get("rps") else None
    ratio_s = s["rps"] / d["rps"] if s and d and s.get("rps") and d.get("rps") else None
    t = targets.get(sc)
    baseline_dead = d is not None and not d.get("rps") and sc != "detail_304"
    if t:
        p99_ok = sc == "detail" or (p.get("p99_ms") or 1e9) <= 20
        ok = ratio_p is not None and ratio_p >= t and p99_ok
        target = f"≥ {t}× Datasette" + ("" if sc == "detail" else ", p99 ≤ 20 ms")
        verdict = yes(ok)
        if baseline_dead:
            verdict = ("p99 met" if p99_ok else "p99 **missed**") + "; ratio: Datasette completed no request in the window"
    else:
        target, verdict = "no body query", ""
    w(f"| {label} | {fmt(p and p['rps'])} | {fmt(p and p['p50_ms'], 2)} / {fmt(p and p['p99_ms'], 2)} "
      f"| {fmt(s and s['rps'])} | {fmt(s and s['p50_ms'], 2)} / {fmt(s and s['p99_ms'], 2)} "
      f"| {fmt(d and d['rps']) if sc != 'detail_304' else '–'} | {(fmt(d and d['p50_ms'], 2) + ' / ' + fmt(d and d['p99_ms'], 2)) if sc != 'detail_304' else '–'} "
      f"| {fmt(ratio_p, 1) + '×' if ratio_p and sc != 'detail_304' else '–'} | {fmt(ratio_s, 1) + '×' if ratio_s and sc != 'detail_304' else '–'} | {target} | {verdict} |")
w("")

nginx_list = get("nginx", "static", "list")
p_list = get("datagate", "postgres", "list")
if nginx_list and p_list and nginx_list.get("rps"):
    w(f"The ceiling: nginx serves a static copy of scenario 1's response at {fmt(nginx_list['rps'])} req/s "
      f"(p99 {fmt(nginx_list['p99_ms'], 2)} ms); datagate on PostgreSQL reaches "
      f"**{100 * p_list['rps'] / nginx_list['rps']:.0f} %** of it.\n")

w("## Grants and downloads\n")
w("| scenario | datagate PostgreSQL | datagate SQLite | nginx | PG ÷ nginx | target | |")
w("|---|---:|---:|---:|---:|---|---|")
tp, ts = get("datagate", "postgres", "token_issue"), get("datagate", "sqlite", "token_issue")
w(f"| 6. data-token issue with an API key (req/s; p99) | {fmt(tp and tp['rps'])}; {fmt(tp and tp['p99_ms'], 1)} ms "
  f"| {fmt(ts and ts['rps'])}; {fmt(ts and ts['p99_ms'], 1)} ms | – | – | ≥ 5 000/s | {yes(bool(tp and tp['rps'] and tp['rps'] >= 5000))} |")
for sc, ng, label, target in [
    ("download_grant_1", "download_1", "7. grant-gated 256 MiB, 1 stream", 0.7),
    ("download_grant_8", "download_8", "7. grant-gated 256 MiB, 8 streams", None),
    ("download_open_1", "download_1", "7. unconditional 256 MiB, 1 stream", None),
]:
    p, s, x = get("datagate", "postgres", sc), get("datagate", "sqlite", sc), get("nginx", "static", ng)
    frac = p["transfer_bytes_per_s"] / x["transfer_bytes_per_s"] if p and x and p.get("transfer_bytes_per_s") and x.get("transfer_bytes_per_s") else None
    verdict = yes(frac is not None and frac >= target) if target else ""
    w(f"| {label} | {mb(p and p['transfer_bytes_per_s'])} | {mb(s and s['transfer_bytes_per_s'])} | {mb(x and x['transfer_bytes_per_s'])} "
      f"| {fmt(frac * 100 if frac else None)} % | {'≥ 70 % of nginx' if target else ''} | {verdict} |")
w("")

w("## Memory\n")
w("| scenario | RSS before → max (PostgreSQL) | RSS before → max (SQLite) |")
w("|---|---:|---:|")
for sc in ["list", "facets", "search_zh", "search_en", "detail", "token_issue", "download_grant_1", "download_grant_8", "download_open_1"]:
    p, s = get("datagate", "postgres", sc), get("datagate", "sqlite", sc)
    f = lambda r: "–" if not r else f"{r['rss_before_kb'] / 1024:.0f} → {max(r['rss_max_kb'], r['rss_before_kb']) / 1024:.0f} MB"
    w(f"| {sc} | {f(p)} | {f(s)} |")
peak = max((r.get("rss_max_kb") or 0) for r in rows if r["system"] == "datagate") / 1024 if rows else 0
w(f"\nPeak RSS of datagate under the whole load: **{peak:.0f} MB** (target ≤ 150 MB: {yes(peak <= 150)}).\n")

w("## The same reads without the cache\n")
w("What each request costs when it has to query the database (`DATAGATE_CACHE_REFRESH_MS=0`); with the cache on, "
  "a repeated public read is answered from memory until the catalogue changes.\n")
w("| scenario | PostgreSQL req/s | p50 / p99 | SQLite req/s | p50 / p99 | PG ÷ Datasette |")
w("|---|---:|---:|---:|---:|---:|")
for sc, label in names.items():
    if sc == "detail_304":
        continue
    p, s, d = get("datagate-nocache", "postgres", sc), get("datagate-nocache", "sqlite", sc), get("datasette", "sqlite", sc)
    ratio = p["rps"] / d["rps"] if p and d and p.get("rps") and d.get("rps") else None
    w(f"| {label} | {fmt(p and p['rps'])} | {fmt(p and p['p50_ms'], 2)} / {fmt(p and p['p99_ms'], 2)} "
      f"| {fmt(s and s['rps'])} | {fmt(s and s['p50_ms'], 2)} / {fmt(s and s['p99_ms'], 2)} | {fmt(ratio, 1) + '×' if ratio else '–'} |")
w("")

if million:
    m = {r["scenario"]: r for r in million if r["system"] != "datagate-million-cached"}
    mc = {r["scenario"]: r for r in million if r["system"] == "datagate-million-cached"}
    w("## A million listings (PostgreSQL)\n")
    w(f"Measured by `bench/million.sh` (results: `{million_path}`).\n")
    if "load" in m:
        r = m["load"]
        w(f"- `datagate demo --scale {r['n']:,}`: **{r['seconds']:.0f} s** ({r['n'] / r['seconds']:,.0f} listings/s; target ≤ 600 s: {yes(r['seconds'] <= 600)}).")
    w("")
    w("| scenario | cache off: req/s | p50 / p99 ms | target | | cache on: req/s | p50 / p99 ms |")
    w("|---|---:|---:|---|---|---:|---:|")
    for sc, label, target, limit in [
        ("search_zh", "search `教育` + facets", "p99 ≤ 50 ms", 50), ("search_en", "search `hospital` + facets", "p99 ≤ 50 ms", 50),
        ("list", "list, first page + facets", "p99 ≤ 20 ms", 20), ("list_deep", "keyset pages at depth 1k…999k (+ facets)", "p99 ≤ 20 ms", 20),
        ("facets_filtered", "domain + condition filter + facets", "p99 ≤ 100 ms", 100),
    ]:
        r = m.get(sc)
        if r:
            c = mc.get(sc) or {}
            w(f"| {label} | {fmt(r.get('rps'))} | {fmt(r.get('p50_ms'), 1)} / {fmt(r.get('p99_ms'), 1)} | {target} | {yes((r.get('p99_ms') or 1e9) <= limit and not r.get('non_2xx'))} "
              f"| {fmt(c.get('rps'))} | {fmt(c.get('p50_ms'), 1)} / {fmt(c.get('p99_ms'), 1)} |")
    for sc, label in [("single_list_facets", "one unfiltered list page with its facet counts, alone"), ("single_search_zh", "one `教育` search with its facets, alone")]:
        r = m.get(sc)
        if r:
            w(f"| {label} | – | {fmt(r['p50_ms'], 1)} / max {fmt(r['max_ms'], 1)} | facets ≤ 100 ms | {yes(r['p50_ms'] <= 100)} | | |")
    w("")

errors = [r for r in rows + million if r.get("non_2xx") or r.get("socket_errors")]
if errors:
    w("## Errors during the run\n")
    for r in errors:
        w(f"- {r['system']}/{r['backend']}/{r['scenario']}: non-2xx {r.get('non_2xx')}, socket errors {r.get('socket_errors')}")
    w("")
analysis = os.path.join(os.path.dirname(__file__), "analysis.md")
if os.path.exists(analysis):
    w(open(analysis).read())
print("\n".join(out))
