"""test_taxii.py - every TAXII 2.1 endpoint of kring against a running server:
discovery, API roots, collections, objects (GET with added_after, limit,
next, match[id|type|version|spec_version]; POST of an envelope answered by
a status resource), one object, its versions, the manifest, status;
X-TAXII-Date-Added-First/Last; HTTP Basic (token and password) and bearer
tokens; 401/403/404/405/406/415 as TAXII error messages; trailing slashes;
kring's own reports appearing (and changing) as STIX.

    python3 test_taxii.py /path/to/kring
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taxiitest import (K, TAXII, STIX, TLP2, Taxii, api_token, basic, bundle, indicator,  # noqa
                       small_world, stamp, stix_id)


def is_error(ck, r, status, what):
    """A TAXII error message with the given status."""
    ok = ck.status(r, status, what)
    ck.eq(r.headers.get("content-type"), TAXII, what + ": content type")
    d = r.data
    if ck.ok(isinstance(d, dict), what + ": error body is an object: %s" % K.short(r.text)):
        ck.ok(isinstance(d.get("title"), str) and d["title"], what + ": error has a title")
        ck.eq(d.get("http_status"), str(status), what + ": http_status")
    return ok


def check_auth(ck, tx, w, c1, tok_r):
    email = w.people["o1a"]["email"]
    path = tx.root(c1)
    r = tx.req("GET", path)
    is_error(ck, r, 401, "no credential")
    ck.ok("Basic" in r.headers.get("www-authenticate", ""), "401 names Basic")
    ck.ok("Bearer" in r.headers.get("www-authenticate", ""), "401 names Bearer")
    is_error(ck, tx.req("GET", path, token="kt_" + "0" * 64), 401, "unknown bearer token")
    is_error(ck, tx.req("GET", path, token="nonsense"), 401, "malformed bearer")
    ck.status(tx.req("GET", path, token=tok_r), 200, "bearer API token")
    ck.status(tx.req("GET", path, token=w.token("o1a")), 200, "bearer login session")
    ck.status(tx.req("GET", path, auth=basic(email, tok_r)), 200, "Basic e-mail + token")
    ck.status(tx.req("GET", path, auth=basic(email.upper(), tok_r)), 200,
              "Basic e-mail in another case")
    is_error(ck, tx.req("GET", path, auth=basic(w.people["o1b"]["email"], tok_r)), 401,
             "Basic with someone else's token")
    ck.status(tx.req("GET", path, auth=basic(email, K.PASSWORD)), 200, "Basic e-mail + password")
    ck.status(tx.req("GET", path, auth=basic(email, K.PASSWORD)), 200,
              "Basic password again (remembered)")
    is_error(ck, tx.req("GET", path, auth=basic(email, "wrong password 123")), 401,
             "Basic wrong password")
    is_error(ck, tx.req("GET", path, auth="Basic !!!notbase64"), 401, "Basic garbage")
    is_error(ck, tx.req("GET", path, auth=basic("nobody@example.org", K.PASSWORD)), 401,
             "Basic unknown person")
    # too many wrong passwords: 429, also for the right one, until the window passes
    # (the login's throttle: after four failures a one-second delay, which
    # is waited out here, then five block the account)
    failures, delayed = 0, 0
    while failures < 5 and delayed < 10:
        r = tx.req("GET", path, auth=basic(w.people["o1b"]["email"], "wrong password 123"))
        if r.status == 429:
            delayed += 1
            ra = r.headers.get("retry-after", "")
            ck.ok(ra.isdigit() and 1 <= int(ra) <= 60, "Basic delay Retry-After %r" % ra)
            time.sleep(int(ra) + 0.1 if ra.isdigit() and int(ra) <= 5 else 1.1)
        else:
            is_error(ck, r, 401, "Basic wrong password %d" % (failures + 1))
            failures += 1
    ck.eq(failures, 5, "five Basic failures counted")
    ck.ok(delayed >= 1, "a Basic attempt right after the fourth failure is delayed")
    r = tx.req("GET", path, auth=basic(w.people["o1b"]["email"], K.PASSWORD))
    is_error(ck, r, 429, "Basic password after five failures")
    ra = r.headers.get("retry-after", "")
    ck.ok(ra.isdigit() and int(ra) > 60, "Retry-After is the rest of the window: %r" % ra)
    # a revoked token stops at once (no cached answer survives it)
    tok_x = api_token(w, "o1a", "read", "to revoke")
    ck.status(tx.req("GET", path, token=tok_x), 200, "token before revoking")
    lst = w.call("GET", "/tokens", token=w.token("o1a"))
    tid = [t["id"] for t in lst["items"] if t["name"] == "to revoke"][0]
    w.call("DELETE", "/tokens/%d" % tid, token=w.token("o1a"), want=204)
    is_error(ck, tx.req("GET", path, token=tok_x), 401, "token after revoking")


def check_media_types(ck, tx, c1, tok):
    path = tx.root(c1)
    for acc in (None, TAXII, "application/taxii+json", "*/*", "application/*",
                "application/json, application/taxii+json;version=2.1",
                "application/taxii+json; version=2.1; q=0.9"):
        ck.status(tx.req("GET", path, token=tok, accept=acc), 200, "Accept %r" % acc)
    for acc in ("application/json", "application/taxii+json;version=2.0", "text/html",
                "application/stix+json;version=2.1", "application/taxii+json;q=0"):
        is_error(ck, tx.req("GET", path, token=tok, accept=acc), 406, "Accept %r" % acc)
    is_error(ck, tx.req("GET", tx.objects_path(c1), token=tok, accept="application/xml"), 406,
             "objects with Accept application/xml")
    env = {"objects": [indicator("192.0.2.1")]}
    for ct in ("application/json", "application/stix+json;version=2.1", "text/plain",
               "application/taxii+json;version=2.0"):
        is_error(ck, tx.req("POST", tx.objects_path(c1), token=tok, body=env, ctype=ct), 415,
                 "POST Content-Type %r" % ct)
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=tok, body=env, accept="text/html"),
             406, "POST with Accept text/html")


def check_discovery(ck, tx, w, c1, c2, toks):
    r = tx.req("GET", "/taxii2/", token=toks["o1a"])
    ck.status(r, 200, "discovery")
    ck.eq(r.headers.get("content-type"), TAXII, "discovery content type")
    d = r.data if isinstance(r.data, dict) else {}
    ck.ok(isinstance(d.get("title"), str), "discovery has a title")
    roots = d.get("api_roots", [])
    ck.ok(any(x.endswith("/taxii2/%d/" % c1) for x in roots), "o1a sees the root of c1: %s" % roots)
    ck.ok(not any(x.endswith("/taxii2/%d/" % c2) for x in roots), "o1a does not see c2's root")
    ck.ok(d.get("default") in roots, "default is one of the roots")
    r = tx.req("GET", "/taxii2", token=toks["o1a"])
    ck.status(r, 200, "discovery without the trailing slash")
    r = tx.req("GET", "/taxii2/", token=toks["o4a"])
    ck.status(r, 200, "discovery for an outsider")
    ck.eq(r.data.get("api_roots", []) if isinstance(r.data, dict) else None, [],
          "an outsider sees no API roots")
    ck.ok("default" not in r.data, "an outsider has no default root")


def check_roots(ck, tx, w, c1, c2, toks):
    r = tx.req("GET", tx.root(c1), token=toks["o1a"])
    ck.status(r, 200, "API root")
    d = r.data if isinstance(r.data, dict) else {}
    ck.eq(d.get("versions"), [TAXII], "API root versions")
    ck.ok(isinstance(d.get("max_content_length"), int) and d["max_content_length"] > 0,
          "API root max_content_length")
    ck.eq(d.get("title"), w.comms["c1"]["name"], "API root title is the community name")
    for who in ("o4a", "o3a"):
        is_error(ck, tx.req("GET", tx.root(c1), token=toks[who]), 404, "root of c1 for " + who)
        is_error(ck, tx.req("GET", tx.root(c1) + "collections/", token=toks[who]), 404,
                 "collections of c1 for " + who)
        is_error(ck, tx.req("GET", tx.objects_path(c1), token=toks[who]), 404,
                 "objects of c1 for " + who)
    for bad in ("/taxii2/999999/", "/taxii2/0/", "/taxii2/abc/", "/taxii2/1x/",
                "/taxii2/%d/nope/" % c1, "/taxii2/%d/collections/nope/" % c1,
                "/taxii2/%d/collections/reports/objects/nope/" % c1,
                "/taxii2/%d/status/not-a-uuid/" % c1):
        is_error(ck, tx.req("GET", bad, token=toks["o1a"]), 404, "GET " + bad)
    r = tx.req("DELETE", tx.root(c1), token=toks["o1a"])
    is_error(ck, r, 405, "DELETE of an API root")
    ck.ok("GET" in r.headers.get("allow", ""), "405 lists Allow")
    r = tx.req("PUT", tx.objects_path(c1), token=toks["o1a"])
    is_error(ck, r, 405, "PUT of objects")
    ck.ok("POST" in r.headers.get("allow", ""), "405 on objects allows POST")


def check_collections(ck, tx, c1, toks):
    r = tx.req("GET", tx.root(c1) + "collections/", token=toks["o1a"])
    ck.status(r, 200, "collections")
    cols = r.data.get("collections") if isinstance(r.data, dict) else None
    if not ck.ok(isinstance(cols, list) and len(cols) == 1, "one collection: %s" % r.text):
        return None
    col = cols[0]
    for k in ("id", "title", "can_read", "can_write", "media_types"):
        ck.ok(k in col, "collection has %s" % k)
    ck.eq(col.get("media_types"), [STIX], "collection media types")
    ck.eq(col.get("alias"), "reports", "collection alias")
    ck.eq((col.get("can_read"), col.get("can_write")), (True, True), "o1a may read and write")
    cid = col["id"]
    r = tx.req("GET", tx.root(c1) + "collections/%s/" % cid, token=toks["o1a_r"])
    ck.status(r, 200, "collection by id")
    ck.eq((r.data.get("can_read"), r.data.get("can_write")), (True, False),
          "a read-only token may not write")
    r = tx.req("GET", tx.root(c1) + "collections/reports/", token=toks["o2b"])
    ck.status(r, 200, "collection for a member who did not accept the guidelines")
    ck.eq((r.data.get("can_read"), r.data.get("can_write")), (False, False),
          "not a participant: no read, no write")
    is_error(ck, tx.req("GET", tx.objects_path(c1), token=toks["o2b"]), 403,
             "objects for a non-participant member")
    return cid


def post(tx, c1, tok, objs, what, ck, want=202):
    r = tx.req("POST", tx.objects_path(c1), token=tok, body={"objects": objs})
    ck.status(r, want, what)
    return r


def check_post(ck, tx, w, c1, toks):
    a = indicator("198.51.100.21", "GREEN")
    b = indicator("198.51.100.22", "AMBER")
    r = post(tx, c1, toks["o1a"], [a, b], "POST two indicators", ck)
    st = r.data if isinstance(r.data, dict) else {}
    ck.eq(r.headers.get("content-type"), TAXII, "status content type")
    ck.eq((st.get("status"), st.get("total_count"), st.get("success_count"),
           st.get("failure_count"), st.get("pending_count")), ("complete", 2, 2, 0, 0),
          "status counts")
    ck.eq(sorted(x["id"] for x in st.get("successes", [])), sorted([a["id"], b["id"]]),
          "status successes")
    r2 = tx.req("GET", tx.root(c1) + "status/%s/" % st.get("id"), token=toks["o1a"])
    ck.status(r2, 200, "GET status")
    ck.eq(r2.data, st, "status read back")
    is_error(ck, tx.req("GET", tx.root(c1) + "status/%s/" % st.get("id"), token=toks["o2a"]),
             404, "status of another person")
    is_error(ck, tx.req("GET", tx.root(c1) + "status/%s/" % "0" * 1, token=toks["o1a"]), 404,
             "bad status id")
    # the same envelope again: nothing new, still successes
    r = post(tx, c1, toks["o1a"], [a, b], "POST the same again", ck)
    ck.eq(r.data.get("success_count"), 2, "a repeated object is a success")
    # one bad object among good ones: the good go in, the bad is named
    bad = indicator("198.51.100.23")
    del bad["created"]
    good = indicator("198.51.100.24", "GREEN")
    r = post(tx, c1, toks["o1a"], [good, bad], "POST with a bad object", ck)
    ck.eq((r.data.get("success_count"), r.data.get("failure_count")), (1, 1),
          "one success, one failure")
    f = (r.data.get("failures") or [{}])[0]
    ck.eq(f.get("id"), bad["id"], "the failure names the bad object")
    ck.ok("created" in f.get("message", ""), "the failure says why: %s" % f)
    # not an envelope / not JSON
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o1a"], raw=b"[1,2"), 400,
             "POST of broken JSON")
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o1a"], raw=b"[]"), 400,
             "POST of a list")
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o1a"],
                        body={"objects": {"a": 1}}), 400, "POST of objects that are no list")
    r = post(tx, c1, toks["o1a"], [], "POST an empty envelope", ck)
    ck.eq(r.data.get("total_count"), 0, "empty envelope: total 0")
    # who may write
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o1a_r"],
                        body={"objects": [indicator("198.51.100.25")]}), 403,
             "POST with a read-only token")
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o2b"],
                        body={"objects": [indicator("198.51.100.26")]}), 403,
             "POST by a member who did not accept the guidelines")
    is_error(ck, tx.req("POST", tx.objects_path(c1), token=toks["o4a"],
                        body={"objects": [indicator("198.51.100.27")]}), 404,
             "POST by an outsider")
    # posted indicators became kring indicators in a report of their label
    r = w.kt.req("GET", "/indicators?value=198.51.100.21", token=w.token("o1a"))
    ck.ok(r.status == 200 and len(r.data.get("items", [])) == 1,
          "the posted GREEN indicator is a kring indicator: %s" % K.short(r.text))
    r = w.kt.req("GET", "/indicators?value=198.51.100.21", token=w.token("o2a"))
    ck.ok(r.status == 200 and len(r.data.get("items", [])) == 1,
          "o2a (same community) finds the GREEN one")
    r = w.kt.req("GET", "/indicators?value=198.51.100.22", token=w.token("o2a"))
    ck.ok(r.status == 200 and len(r.data.get("items", [])) == 0,
          "o2a (other organisation) does not find the AMBER one")
    return a, b, good


def check_objects(ck, tx, w, c1, toks, a, b, good):
    path = tx.objects_path(c1)
    r = tx.req("GET", path, token=toks["o1a"])
    ck.status(r, 200, "objects")
    ck.eq(r.headers.get("content-type"), TAXII, "objects content type")
    objs = r.data.get("objects", [])
    ids = [o["id"] for o in objs]
    ck.ok(a["id"] in ids and b["id"] in ids and good["id"] in ids, "posted objects listed")
    ck.eq(len(ids), len(set((o["id"], o.get("modified")) for o in objs)), "no repeats")
    ck.ok("x-taxii-date-added-first" in r.headers and "x-taxii-date-added-last" in r.headers,
          "date added headers")
    # match[type], match[id]
    r = tx.req("GET", path + "?match[type]=marking-definition", token=toks["o1a"])
    ck.ok(all(o["type"] == "marking-definition" for o in r.data.get("objects", [])),
          "match[type] filters")
    r = tx.req("GET", path + "?match[type]=indicator,report", token=toks["o1a"])
    types = {o["type"] for o in r.data.get("objects", [])}
    ck.ok(types <= {"indicator", "report"} and "indicator" in types,
          "match[type] with two values: %s" % types)
    r = tx.req("GET", path + "?match[id]=%s,%s" % (a["id"], good["id"]), token=toks["o1a"])
    ck.eq(sorted(o["id"] for o in r.data.get("objects", [])), sorted([a["id"], good["id"]]),
          "match[id] with two ids")
    r = tx.req("GET", path + "?match[id]=%s&match[id]=%s" % (a["id"], b["id"]),
               token=toks["o1a"])
    ck.eq(sorted(o["id"] for o in r.data.get("objects", [])), sorted([a["id"], b["id"]]),
          "match[id] repeated")
    # match[spec_version]
    r = tx.req("GET", path + "?match[spec_version]=2.0", token=toks["o1a"])
    ck.status(r, 200, "match[spec_version]=2.0")
    ck.eq(r.data.get("objects", []), [], "no STIX 2.0 objects")
    r = tx.req("GET", path + "?match[spec_version]=2.0,2.1&match[id]=" + a["id"],
               token=toks["o1a"])
    ck.eq(len(r.data.get("objects", [])), 1, "match[spec_version]=2.0,2.1")
    # versions: post a newer version of a
    a2 = dict(a)
    a2["modified"] = "2026-02-01T00:00:00.000Z"
    a2["name"] = "ip 198.51.100.21 again"
    post(tx, c1, toks["o1a"], [a2], "POST a newer version", ck)
    r = tx.req("GET", path + "?match[id]=" + a["id"], token=toks["o1a"])
    got = r.data.get("objects", [])
    ck.eq([o.get("modified") for o in got], [a2["modified"]], "default: the last version")
    r = tx.req("GET", path + "?match[id]=%s&match[version]=first" % a["id"], token=toks["o1a"])
    ck.eq([o.get("modified") for o in r.data.get("objects", [])], [a["modified"]],
          "match[version]=first")
    r = tx.req("GET", path + "?match[id]=%s&match[version]=all" % a["id"], token=toks["o1a"])
    ck.eq(sorted(o.get("modified") for o in r.data.get("objects", [])),
          sorted([a["modified"], a2["modified"]]), "match[version]=all")
    r = tx.req("GET", path + "?match[id]=%s&match[version]=%s" % (a["id"], a["modified"]),
               token=toks["o1a"])
    ck.eq([o.get("modified") for o in r.data.get("objects", [])], [a["modified"]],
          "match[version]=<timestamp>")
    r = tx.req("GET", path + "?match[id]=%s&match[version]=first,last" % a["id"],
               token=toks["o1a"])
    ck.eq(len(r.data.get("objects", [])), 2, "match[version]=first,last")
    # one object, its versions
    op = path + a["id"] + "/"
    r = tx.req("GET", op, token=toks["o1a"])
    ck.status(r, 200, "object by id")
    ck.eq([o.get("modified") for o in r.data.get("objects", [])], [a2["modified"]],
          "object by id: last version")
    ck.ok("x-taxii-date-added-first" in r.headers, "object by id: date added header")
    r = tx.req("GET", op + "?match[version]=all", token=toks["o1a"])
    ck.eq(len(r.data.get("objects", [])), 2, "object by id, all versions")
    r = tx.req("GET", op + "versions/", token=toks["o1a"])
    ck.status(r, 200, "versions")
    ck.eq(r.data.get("versions"), [a["modified"], a2["modified"]], "versions list")
    ck.eq(r.data.get("more"), False, "versions: more false")
    r = tx.req("GET", op.rstrip("/") + "/versions", token=toks["o1a"])
    ck.status(r, 200, "versions without the trailing slash")
    is_error(ck, tx.req("GET", path + stix_id("indicator") + "/", token=toks["o1a"]), 404,
             "unknown object")
    is_error(ck, tx.req("GET", path + stix_id("indicator") + "/versions/", token=toks["o1a"]),
             404, "versions of an unknown object")
    is_error(ck, tx.req("GET", path + b["id"] + "/", token=toks["o2a"]), 404,
             "an AMBER object of another organisation does not exist")
    is_error(ck, tx.req("GET", op + "?match[type]=indicator", token=toks["o1a"]), 400,
             "match[type] on one object")
    # manifest
    r = tx.req("GET", tx.root(c1) + "collections/reports/manifest/?match[id]=" + a["id"] +
               "&match[version]=all", token=toks["o1a"])
    ck.status(r, 200, "manifest")
    man = r.data.get("objects", [])
    ck.eq(sorted(m.get("version") for m in man), sorted([a["modified"], a2["modified"]]),
          "manifest versions")
    ck.ok(all(m.get("media_type") == STIX and m.get("id") == a["id"] and
              m.get("date_added", "").endswith("Z") for m in man), "manifest records: %s" % man)
    # limits and bad parameters
    for q in ("limit=0", "limit=x", "added_after=yesterday", "added_after=2026-02-29T00:00:00Z",
              "added_after=2025-04-31T12:00:00.5Z", "next=abc", "match[id]=nope",
              "match[type]=Bad_Type", "match[version]=newest", "match[color]=red"):
        is_error(ck, tx.req("GET", path + "?" + q, token=toks["o1a"]), 400, "bad query " + q)
    ck.status(tx.req("GET", path + "?added_after=2024-02-29T00:00:00Z", token=toks["o1a"]), 200,
              "added_after on a leap day")
    r = tx.req("GET", path + "?limit=1", token=toks["o1a"])
    ck.eq((len(r.data.get("objects", [])), r.data.get("more")), (1, True), "limit=1")
    ck.ok(isinstance(r.data.get("next"), str), "next given when more")
    r = tx.req("GET", path + "?limit=100000", token=toks["o1a"])
    ck.status(r, 200, "a limit above the maximum is lowered")
    # added_after: strictly after, in the order added
    r = tx.req("GET", path + "?match[version]=all", token=toks["o1a"])
    alln = r.data.get("objects", [])
    last = r.headers.get("x-taxii-date-added-last")
    r = tx.req("GET", path + "?added_after=" + last, token=toks["o1a"])
    ck.eq(r.data.get("objects", []), [], "nothing after the last date added")
    ck.eq(r.data.get("more"), False, "nothing after the last date added: more false")
    ck.ok("x-taxii-date-added-first" not in r.headers, "no date headers on an empty page")
    first = None
    man = tx.req("GET", tx.root(c1) + "collections/reports/manifest/?match[version]=all",
                 token=toks["o1a"]).data.get("objects", [])
    dates = [m["date_added"] for m in man]
    ck.eq(dates, sorted(dates), "manifest in the order added")
    ck.eq(len(dates), len(set(dates)), "every object has its own date_added")
    if len(man) > 2:
        first = man[1]["date_added"]
        r = tx.req("GET", path + "?match[version]=all&added_after=" + first, token=toks["o1a"])
        ck.eq(len(r.data.get("objects", [])), len(alln) - 2, "added_after drops the first two")
    # a new object is seen at once (no stale answer)
    r1 = tx.req("GET", path, token=toks["o1a"])
    n1 = len(r1.data.get("objects", []))
    post(tx, c1, toks["o1a"], [indicator("198.51.100.30", "GREEN")], "POST one more", ck)
    r2 = tx.req("GET", path, token=toks["o1a"])
    ck.eq(len(r2.data.get("objects", [])), n1 + 1, "the new object is in the next answer")


def check_kring_reports(ck, tx, w, c1, toks):
    """Reports written in kring appear as STIX; an edit gives new versions."""
    rec = w.report("g1", "o1a", "c1", "GREEN")
    path = tx.objects_path(c1)
    r = tx.req("GET", path + "?match[type]=report", token=toks["o2a"])
    reps = [o for o in r.data.get("objects", []) if o.get("name") == rec["title"]]
    if not ck.eq(len(reps), 1, "the GREEN kring report is a STIX report for o2a"):
        return
    rep = reps[0]
    ck.eq(rep.get("object_marking_refs"), [TLP2["GREEN"]], "marked TLP:GREEN")
    refs = rep.get("object_refs", [])
    r = tx.req("GET", path + "?match[id]=" + ",".join(x for x in refs if x.startswith("indicator")),
               token=toks["o2a"])
    pats = " ".join(o.get("pattern", "") for o in r.data.get("objects", []))
    for v in rec["indicators"]:
        if not v.startswith("CVE-"):
            ck.ok(v in pats, "indicator %s is served as a pattern" % v)
    w.patch("g1", new_title=True)
    r = tx.req("GET", path + "?match[id]=" + rep["id"], token=toks["o2a"])
    got = r.data.get("objects", [])
    ck.ok(len(got) == 1 and got[0].get("name") == w.reports["g1"]["title"] and
          got[0]["modified"] > rep["modified"], "the edit is the last version: %s" % K.short(got))
    r = tx.req("GET", path + rep["id"] + "/versions/", token=toks["o2a"])
    ck.eq(len(r.data.get("versions", [])), 1,
          "older versions of kring's own reports are not served")
    w.comment("g1", "o2a", "GREEN")
    r = tx.req("GET", path + "?match[type]=note", token=toks["o1a"])
    notes = [o for o in r.data.get("objects", []) if rep["id"] in o.get("object_refs", [])]
    ck.eq(len(notes), 1, "the comment is a note")
    # an AMBER report of o1 is not served to o2
    am = w.report("a1", "o1a", "c1", "AMBER")
    r = tx.req("GET", path + "?match[type]=report", token=toks["o2a"])
    ck.ok(all(o.get("name") != am["title"] for o in r.data.get("objects", [])),
          "AMBER report of o1 not served to o2")
    r = tx.req("GET", path + "?match[type]=report", token=toks["o1b"])
    ck.ok(any(o.get("name") == am["title"] for o in r.data.get("objects", [])),
          "AMBER report of o1 served to o1b")
    # reading AMBER over TAXII is audited like the API does
    a = w.call("GET", "/communities/%d/audit?limit=200" % c1, token=w.token("o2a"))
    ck.ok(any(e.get("object_id") == am["id"] and e.get("action") == "read" and
              "taxii" in e.get("detail", "") for e in a.get("items", [])),
          "o1b's TAXII read of the AMBER report is audited")


def check_no_filing_of_others(ck, tx, w, c1, toks):
    """Nobody gets at another person's object by filing it under a report of
    their own (a report makes what it holds visible to its readers)."""
    x = indicator("198.51.100.77", "AMBER", name="secret of o1 zqfiling01")
    post(tx, c1, toks["o1a"], [x], "o1a posts an AMBER indicator", ck)
    path = tx.objects_path(c1)
    is_error(ck, tx.req("GET", path + x["id"] + "/", token=toks["o2a"]), 404,
             "o2a may not see o1's AMBER indicator")
    fake = dict(x)
    fake["name"] = "a copy"
    rep = {"type": "report", "spec_version": "2.1", "id": stix_id("report"),
           "created": stamp(5), "modified": stamp(5), "name": "o2 files it zqfiling02",
           "published": stamp(5), "report_types": ["threat-report"],
           "object_refs": [x["id"]], "object_marking_refs": [TLP2["GREEN"]]}
    r = post(tx, c1, toks["o2a"], [rep, fake], "o2a files o1's indicator under its report", ck)
    ck.eq(r.data.get("success_count"), 2, "the envelope is taken")
    r = tx.req("GET", path + x["id"] + "/", token=toks["o2a"])
    is_error(ck, r, 404, "o2a still may not see o1's indicator")
    r = tx.req("GET", path + "?limit=1000&match[version]=all", token=toks["o2a"])
    ck.ok("zqfiling01" not in r.text, "o1's indicator does not reach o2a")
    ck.ok("zqfiling02" in r.text, "o2a's own report is there")
    r = tx.req("GET", path + x["id"] + "/", token=toks["o1b"])
    ck.ok(r.status == 200 and "zqfiling01" in r.text, "o1b still sees the original")


def body(kt):
    ck = kt.ck
    w = small_world(kt)
    tx = Taxii(kt)
    c1, c2 = w.cid("c1"), w.cid("c2")
    toks = {p: api_token(w, p, "write") for p in ("o1a", "o1b", "o2a", "o2b", "o3a", "o4a")}
    toks["o1a_r"] = api_token(w, "o1a", "read", "read only")
    check_auth(ck, tx, w, c1, toks["o1a_r"])
    check_media_types(ck, tx, c1, toks["o1a"])
    check_discovery(ck, tx, w, c1, c2, toks)
    check_roots(ck, tx, w, c1, c2, toks)
    check_collections(ck, tx, c1, toks)
    a, b, good = check_post(ck, tx, w, c1, toks)
    check_objects(ck, tx, w, c1, toks, a, b, good)
    check_kring_reports(ck, tx, w, c1, toks)
    check_no_filing_of_others(ck, tx, w, c1, toks)


if __name__ == "__main__":
    K.run("taxii", body)
