"""Reads datagate through the standard CKAN client (ckanapi.RemoteCKAN).

Usage: ckan_client.py BASE_URL
"""

import hashlib
import sys
import urllib.request

import ckanapi


def fail(message):
    sys.exit(f"CKAN check failed: {message}")


def main():
    base = sys.argv[1]
    ua = "datagate-standards-check/1.0"
    ckan = ckanapi.RemoteCKAN(base, user_agent=ua)  # POSTs JSON bodies
    ckan_get = ckanapi.RemoteCKAN(base, user_agent=ua, get_only=True)  # GET with query parameters

    status = ckan.action.status_show()
    print(f"  status_show: CKAN API {status['ckan_version']} ({status['site_title']})")

    orgs = ckan.action.organization_list(all_fields=True)
    if len(orgs) < 10:
        fail(f"expected the demo's bureaus, got {len(orgs)} organisations")
    print(f"  organization_list: {len(orgs)} organisations, e.g. {orgs[0]['name']} {orgs[0]['title']}")
    names = ckan_get.action.organization_list(limit=3, offset=1)
    if names != [o["name"] for o in orgs[1:4]]:
        fail(f"organization_list limit/offset: {names}")
    shown = ckan.action.organization_show(id=orgs[0]["name"])
    if shown["id"] != orgs[0]["id"]:
        fail("organization_show does not match organization_list")

    # The whole catalogue through package_search paging.
    everything, start, rows = [], 0, 20
    while True:
        page = ckan.action.package_search(q="", rows=rows, start=start, sort="title_string asc")
        everything += page["results"]
        start += rows
        if start >= page["count"]:
            break
    count = page["count"]
    names = [p["name"] for p in everything]
    if len(names) != count or len(set(names)) != count:
        fail(f"paging read {len(names)} packages ({len(set(names))} distinct), count is {count}")
    listed = ckan_get.action.package_list()
    if sorted(listed) != sorted(names):
        fail("package_list and package_search disagree")
    corpora = [p for p in everything if p["type"] == "corpus"]
    if not corpora:
        fail("no corpora among the packages")
    print(f"  package_search: read all {count} packages in pages of {rows} ({len(corpora)} corpora)")

    # Chinese search with facets.
    found = ckan_get.action.package_search(
        q="教育", rows=5, **{"facet.field": '["organization","groups","res_format","open_condition"]'}
    )
    if found["count"] == 0:
        fail("q=教育 found nothing")
    orgs_facet = found["search_facets"]["organization"]["items"]
    if not orgs_facet or not all({"name", "display_name", "count"} <= set(i) for i in orgs_facet):
        fail(f"search_facets not in CKAN's shape: {found['search_facets']}")
    top = max(orgs_facet, key=lambda i: i["count"])
    print(f"  package_search q=教育: {found['count']} packages; top organisation {top['display_name']} ({top['count']})")

    # Every package with its resources; nothing not open to everyone exposes a file.
    files, hidden = 0, 0
    for name in names:
        pkg = ckan.action.package_show(id=name)
        if pkg["num_resources"] != len(pkg["resources"]):
            fail(f"{name}: num_resources disagrees with resources")
        extras = {e["key"]: e["value"] for e in pkg["extras"]}
        for res in pkg["resources"]:
            url = res["url"]
            if extras["open_condition"] != "unconditional":
                hidden += 1
                if "/file" in url or res["datagate_downloadable"]:
                    fail(f"{name} ({extras['open_condition']}) exposes a file: {url}")
            elif url.endswith("/file"):
                files += 1
    one = next(p for p in everything if p["resources"])
    res = ckan.action.resource_show(id=one["resources"][0]["id"])
    if res["package_id"] != one["id"]:
        fail("resource_show names another package")
    print(f"  package_show: {count} packages; {files} open files, {hidden} resources of restricted data show no file")

    # A file of open data downloads with the hash its resource states.
    open_file = next(
        r for p in everything for r in p["resources"] if r["url"].endswith("/file") and r["hash"]
    )
    req = urllib.request.Request(open_file["url"], headers={"User-Agent": ua})
    with urllib.request.urlopen(req, timeout=30) as r:
        digest = hashlib.sha256(r.read()).hexdigest()
    if digest != open_file["hash"]:
        fail(f"{open_file['url']}: SHA-256 {digest}, resource says {open_file['hash']}")

    groups = ckan.action.group_list(all_fields=True)
    tags = ckan.action.tag_list()
    licences = ckan.action.license_list()
    print(f"  group_list {len(groups)}, tag_list {len(tags)}, license_list {len(licences)}")

    try:
        ckan.action.package_show(id="no-such-package")
        fail("package_show of a missing package succeeded")
    except ckanapi.NotFound:
        pass
    try:
        ckan.action.package_search(rows="many")
        fail("package_search rows=many succeeded")
    except ckanapi.ValidationError:
        pass
    print("  errors: NotFound and ValidationError as CKAN raises them")


if __name__ == "__main__":
    main()
