#!/usr/bin/env python3
"""Turns one wrk --latency output into a JSON line."""
import json
import re
import sys

path, system, backend, scenario, conns, rss_before, rss_max = sys.argv[1:8]
text = open(path).read()


def duration_ms(s):
    m = re.match(r"([\d.]+)(us|ms|s|m)", s)
    if not m:
        return None
    v, unit = float(m.group(1)), m.group(2)
    return v / 1000 if unit == "us" else v if unit == "ms" else v * 1000 if unit == "s" else v * 60000


def size_bytes(s):
    m = re.match(r"([\d.]+)([KMGT]?B)", s)
    if not m:
        return None
    return float(m.group(1)) * {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, "TB": 1024**4}[m.group(2)]


rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
transfer = re.search(r"Transfer/sec:\s+([\d.]+\w+)", text)
p50 = re.search(r"\s50%\s+([\d.]+\w+)", text)
p99 = re.search(r"\s99%\s+([\d.]+\w+)", text)
errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
socket = re.search(r"Socket errors: (.*)", text)
print(json.dumps({
    "system": system, "backend": backend, "scenario": scenario, "connections": int(conns),
    "rps": float(rps.group(1)) if rps else None,
    "transfer_bytes_per_s": size_bytes(transfer.group(1)) if transfer else None,
    "p50_ms": duration_ms(p50.group(1)) if p50 else None,
    "p99_ms": duration_ms(p99.group(1)) if p99 else None,
    "non_2xx": int(errors.group(1)) if errors else 0,
    "socket_errors": socket.group(1) if socket else None,
    "rss_before_kb": int(rss_before or 0), "rss_max_kb": int(rss_max or 0),
}))
