#!/usr/bin/env python3
"""Prepares a loaded datagate for the benchmark: a 256 MiB hosted file on a
conditional and on an unconditional dataset, an approved grant for the demo
enterprise, and an API key. Prints the ids as JSON.

Usage: setup.py BASE_URL BIG_FILE
"""
import json
import sys
import time
import urllib.request

BASE, BIG = sys.argv[1].rstrip("/"), sys.argv[2]
PASSWORD = "datagate-demo-2026"


def call(method, path, token=None, body=None, headers=None, data=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = f"Bearer {token}"
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    req = urllib.request.Request(BASE + path, data=data, headers=h, method=method)
    try:
        with urllib.request.urlopen(req, timeout=600) as r:
            raw = r.read()
            return json.loads(raw) if raw else None
    except urllib.error.HTTPError as e:
        sys.exit(f"{method} {path} -> {e.code}: {e.read().decode()[:500]}")


def login(email, otp=None):
    body = {"email": email, "password": PASSWORD}
    if otp:
        body["otp"] = otp
    return call("POST", "/api/v1/auth/token", body=body)["access_token"]


def totp(secret_b32):
    """RFC 6238 code of the demo administrator's published second factor."""
    import base64
    import hashlib
    import hmac
    import struct
    mac = hmac.new(base64.b32decode(secret_b32), struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    o = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[o:o + 4])[0] & 0x7FFFFFFF) % 1000000)


# The demo administrator signs in with a second factor (its secret is published
# like the demo password: datagate::demo::DEMO_ADMIN_TOTP_SECRET).
admin = login("admin@demo.datagate.local", totp("DATAGATEDEMOADMINONLYNOTASECRET2"))
edu = login("sh-edu@demo.datagate.local")
owner = login("owner@zhisuan-demo.example.cn")


def dataset(name, condition):
    restricted = condition != "unconditional"
    call("POST", "/api/v1/datasets", edu, {
        "name": name, "title": f"基准测试大文件（{condition}）", "title_en": "Benchmark file",
        "summary": "用于吞吐量基准测试的256MiB文件。", "domain": "education",
        "open_condition": condition,
        "open_condition_reason": "基准测试" if restricted else None,
        "legal_basis": "《上海市公共数据开放暂行办法》" if restricted else None,
        "update_frequency": "irregular", "licence": "CC-BY-4.0", "terms": "仅用于基准测试。",
        "data_items": [{"name": "bytes", "label": "字节", "type": "binary", "description": "随机字节"}],
    })
    d = call("POST", f"/api/v1/datasets/{name}/distributions", edu, {"name": "big.bin", "format": "BIN", "media_type": "application/octet-stream"})
    with open(BIG, "rb") as f:
        size = f.seek(0, 2)
        f.seek(0)
        call("PUT", f"/api/v1/distributions/{d['id']}/file?file_name=big.bin", edu,
             headers={"Content-Type": "application/octet-stream", "Content-Length": str(size)}, data=f)
    ds = call("POST", f"/api/v1/datasets/{name}/publish", edu, {})
    return ds, d


cond, cond_file = dataset("bench-big-conditional", "conditional")
_, open_file = dataset("bench-big-open", "unconditional")
key = call("POST", "/api/v1/api-keys", owner, {"name": "bench"})["secret"]
req = call("POST", "/api/v1/access-requests", key, {
    "listing": "bench-big-conditional", "purpose_category": "model_evaluation",
    "purpose": "测量数据下载吞吐量的基准测试", "scenario": "本机回环网络上的基准测试",
    "duration_days": 30, "security_measures": "测试结束后删除全部数据", "terms_version": cond["terms"]["version"],
})
grant = call("POST", f"/api/v1/access-requests/{req['id']}/approve", admin, {})["grant"]
sample = call("GET", "/api/v1/datasets?limit=1")["items"][0]
print(json.dumps({
    "api_key": key, "grant_id": grant["id"], "conditional_file": cond_file["id"],
    "open_file": open_file["id"], "detail_id": sample["id"],
}))
