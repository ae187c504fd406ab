"""taxiitest.py - helpers of kring's TAXII, feed and import/export tests, on
top of tests/api/kringtest.py (imported from there, not copied).

    from taxiitest import K, Taxii, small_world, ...
"""

import base64
import hashlib
import http.client
import json
import os
import subprocess
import sys
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import kringtest as K  # noqa: E402

TAXII = "application/taxii+json;version=2.1"
STIX = "application/stix+json;version=2.1"
SOURCE = os.path.abspath(os.path.join(HERE, "..", ".."))
INTEROP = os.environ.get("KRING_INTEROP") or os.path.abspath(
    os.path.join(SOURCE, "..", "shared", "interop"))
VALIDATOR = os.path.join(SOURCE, "tests", "interop", "validate-stix.sh")
NODE_CACHE = os.environ.get("KRING_NODE_CACHE") or "/tmp/kring-interop-node"

TLP2 = {
    "CLEAR": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "GREEN": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "AMBER": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "AMBER+STRICT": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "RED": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}


def basic(email, secret):
    return "Basic " + base64.b64encode(("%s:%s" % (email, secret)).encode()).decode()


class Taxii:
    """Requests to the TAXII server and the feed of a running kring."""

    def __init__(self, kt):
        self.kt = kt

    def req(self, method, path, token=None, auth=None, accept=TAXII, ctype=None, body=None,
            raw=None, headers=None, timeout=120):
        """token: a bearer secret; auth: a whole Authorization value (Basic).
        accept/ctype None leaves the header out. Returns a kringtest.Resp."""
        hdrs = {"Connection": "close"}
        if accept is not None:
            hdrs["Accept"] = accept
        data = None
        if body is not None:
            data = json.dumps(body).encode()
        if raw is not None:
            data = raw
        if data is not None:
            hdrs["Content-Type"] = ctype if ctype is not None else TAXII
            hdrs["Content-Length"] = str(len(data))
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if auth:
            hdrs["Authorization"] = auth
        hdrs.update(headers or {})
        conn = http.client.HTTPConnection("127.0.0.1", self.kt.port, timeout=timeout)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            conn.endheaders()
            if data:
                conn.send(data)
            r = conn.getresponse()
            return K.Resp(r.status, K._headers_of(r.msg), r.read())
        finally:
            conn.close()

    def root(self, cid):
        return "/taxii2/%d/" % cid

    def objects_path(self, cid, coll="reports"):
        return "/taxii2/%d/collections/%s/objects/" % (cid, coll)

    def page_all(self, cid, token=None, auth=None, limit=100, query="", max_pages=100000,
                 between=None):
        """Follows next; returns (objects, pages, ok). between(i) runs after
        each page (concurrent writes)."""
        objs, nxt, pages = [], None, 0
        while True:
            q = "limit=%d" % limit + (("&" + query) if query else "")
            if nxt is not None:
                q += "&next=" + nxt
            r = self.req("GET", self.objects_path(cid) + "?" + q, token=token, auth=auth)
            if r.status != 200 or not isinstance(r.data, dict):
                return objs, pages, False, r
            objs.extend(r.data.get("objects", []))
            pages += 1
            if between:
                between(pages)
            if not r.data.get("more"):
                return objs, pages, True, r
            nxt = r.data.get("next")
            if not nxt or pages >= max_pages:
                return objs, pages, False, r


def api_token(w, pkey, scope="read", name="taxii"):
    """A new API token of person pkey (shown once)."""
    d = w.call("POST", "/tokens", {"name": name, "scope": scope}, w.token(pkey), 201,
               "token " + pkey)
    return d["token"]


def small_world(kt):
    """One community c1 with member organisations o1, o2 (participants o1a,
    o1b, o2a; o2b member who never accepted the guidelines), a second
    community c2 of o3 only, and an outsider organisation o4."""
    w = K.World(kt)
    w.orgs["ops"] = {"id": kt.admin["org"], "name": "Kring Operations"}
    w.people["admin"] = {"id": kt.admin["id"], "org": "ops", "email": kt.admin["email"],
                         "password": kt.admin["password"], "token": kt.admin_token()}
    for o in ("o1", "o2", "o3", "o4"):
        w.org(o, "company")
    for p, o in (("o1a", "o1"), ("o1b", "o1"), ("o2a", "o2"), ("o2b", "o2"), ("o3a", "o3"),
                 ("o4a", "o4")):
        w.person(p, o)
    w.community("c1", "sector")
    w.community("c2", "region")
    for o in ("o1", "o2"):
        w.member("c1", o)
    w.member("c2", "o3")
    w.rep("c1", "o1a", "primary", "chair")
    w.rep("c1", "o2a", "primary", "secretary")
    w.rep("c2", "o3a", "primary", "chair")
    for p in ("o1a", "o1b", "o2a"):
        w.accept(p, "c1")
    w.accept("o3a", "c2")
    return w


# ---- STIX content made up for the tests

def stix_id(t):
    return "%s--%s" % (t, uuid.uuid4())


def stamp(i=0, base=(2026, 1, 1)):
    sec = i % 60
    minute = (i // 60) % 60
    hour = (i // 3600) % 24
    return "%04d-%02d-%02dT%02d:%02d:%02d.000Z" % (base[0], base[1], base[2], hour, minute, sec)


def indicator(value_ip, tlp=None, created=None, modified=None, oid=None, name=None):
    created = created or stamp(0)
    o = {"type": "indicator", "spec_version": "2.1", "id": oid or stix_id("indicator"),
         "created": created, "modified": modified or created,
         "name": name or ("ip " + value_ip),
         "indicator_types": ["malicious-activity"], "pattern_type": "stix",
         "pattern": "[ipv4-addr:value = '%s']" % value_ip, "valid_from": created}
    if tlp:
        o["object_marking_refs"] = [TLP2[tlp]]
    return o


def bundle(objs):
    return {"type": "bundle", "id": stix_id("bundle"), "objects": objs}


def ip_of(i):
    return "10.%d.%d.%d" % ((i >> 16) & 255, (i >> 8) & 255, i & 255)


def validate_stix(paths):
    """Runs the OASIS schema validator; returns (status, output). 77 = skipped."""
    p = subprocess.run(["sh", VALIDATOR, NODE_CACHE, INTEROP] + list(paths),
                       capture_output=True, text=True, timeout=900)
    return p.returncode, (p.stdout + p.stderr)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()
