"""test_bad_input.py - malformed and hostile requests, table-driven.

Every case is (name, method, path, headers, body bytes, caller) with the
expected 4xx status (never 500), an RFC 9457 problem+json answer with
type/title/status/detail (status equal to the HTTP status) and, for
validation errors, errors[] naming the field. After all cases the store is
unchanged: every table except audit and sessions is compared, read-only,
before and after. Then SQL metacharacters that are valid text are shown to
be stored and searched literally.

    python3 test_bad_input.py /path/to/kring
"""

import json
import os
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402

J = "application/json"


def js(v):
    return json.dumps(v).encode()


def cases(w, ctx):
    """The table. ctx: ids of the seeded world. Returns a list of dicts:
    name, method, path, body (bytes or None), headers, who, status, slug, field."""
    cid, rid, outsider = ctx["cid"], ctx["rid"], ctx["outsider_org"]

    def rep(**over):
        b = {"community_id": cid, "kind": "incident", "title": "Bad input probe",
             "level": "tactical", "tlp": "GREEN"}
        for k, v in over.items():
            if v is DEL:
                b.pop(k, None)
            else:
                b[k] = v
        return js(b)

    def ind(t, v):
        return rep(indicators=[{"type": t, "value": v}])

    def org(**over):
        b = {"name": "Probe Org", "kind": "company"}
        b.update(over)
        return js(b)

    def person(**over):
        b = {"name": "Probe Person", "email": "probe.person@a.example.org",
             "organisation_id": ctx["org_a"], "password": K.PASSWORD}
        b.update(over)
        return js(b)

    def comm(**over):
        b = {"name": "Probe Community", "kind": "theme"}
        b.update(over)
        return js(b)

    T = []

    def add(name, method, path, body, status, slug=None, field=None, who="a1", headers=None):
        T.append({"name": name, "method": method, "path": path, "body": body,
                  "status": status, "slug": slug, "field": field, "who": who,
                  "headers": headers})

    P = "/reports"
    # ---- broken JSON
    add("truncated JSON", "POST", P, b'{"community_id": 1, "title": "x"', 400, "malformed-json")
    add("unquoted key", "POST", P, b'{title: "x"}', 400, "malformed-json")
    add("trailing comma", "POST", P, b'{"title": "x",}', 400, "malformed-json")
    add("single quotes", "POST", P, b"{'title': 'x'}", 400, "malformed-json")
    add("empty body", "POST", P, b"", 400, "malformed-json")
    add("binary garbage", "POST", P, b"\x00\x01\x02\xff", 400, "malformed-json")
    add("two objects", "POST", P, b"{}{}", 400, "malformed-json")
    add("top-level array", "POST", P, b"[1, 2]", 400)
    add("top-level string", "POST", P, b'"report"', 400)
    add("top-level null", "POST", P, b"null", 400)
    add("10 MB body", "POST", P, b'{"title": "' + b"A" * (10 * 1024 * 1024) + b'"}', 413,
        "payload-too-large")
    # ---- content type
    add("text/plain", "POST", P, rep(), 415, "unsupported-media-type",
        headers={"Content-Type": "text/plain"})
    add("no Content-Type", "POST", P, rep(), 415, "unsupported-media-type",
        headers={"Content-Type": None})
    add("form encoded", "POST", P, b"title=x&tlp=RED", 415, "unsupported-media-type",
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    add("multipart", "POST", "/organisations", org(), 415, "unsupported-media-type",
        who="admin", headers={"Content-Type": "multipart/form-data; boundary=x"})
    # ---- wrong types, unknown and missing fields
    add("title is a number", "POST", P, rep(title=5), 422, "validation", "title")
    add("title is null", "POST", P, rep(title=None), 422, "validation", "title")
    add("community_id is a string", "POST", P, rep(community_id=str(cid)), 422, "validation",
        "community_id")
    add("community_id is a real", "POST", P, rep(community_id=1.5), 422, "validation",
        "community_id")
    add("community_id 1e3", "POST", P, rep(title="x").replace(b'"community_id": %d' % cid,
                                                           b'"community_id": 1e3'),
        422, "validation", "community_id")
    add("community_id beyond int64", "POST", P,
        rep().replace(b'"community_id": %d' % cid, b'"community_id": 99999999999999999999999'),
        (400, 422))
    add("community_id negative", "POST", P, rep(community_id=-1), (404, 422))
    add("tlp is a number", "POST", P, rep(tlp=3), 422, "validation", "tlp")
    add("body is a bool", "POST", P, rep(body=True), 422, "validation", "body")
    add("recipient_people is a string", "POST", P, rep(recipient_people="5"), 422, "validation",
        "recipient_people")
    add("recipient_organisations of strings", "POST", P, rep(recipient_organisations=["x"]),
        422, "validation", "recipient_organisations")
    add("indicators is an object", "POST", P, rep(indicators={}), 422, "validation",
        "indicators")
    add("unknown field", "POST", P, rep(owner="mallory"), 422, "validation", "owner")
    add("missing title", "POST", P, rep(title=DEL), 422, "validation", "title")
    add("empty title", "POST", P, rep(title=""), 422, "validation", "title")
    # ---- enums
    add("unknown TLP", "POST", P, rep(tlp="PURPLE"), 422, "validation", "tlp")
    add("TLP AMBER+", "POST", P, rep(tlp="AMBER+"), 422, "validation", "tlp")
    add("TLP WHITE (TLP 1.0)", "POST", P, rep(tlp="WHITE"), 422, "validation", "tlp")
    add("bad kind", "POST", P, rep(kind="rumour"), 422, "validation", "kind")
    add("bad level", "POST", P, rep(level="cosmic"), 422, "validation", "level")
    add("SQL in kind", "POST", P, rep(kind="incident' OR '1'='1"), 422, "validation", "kind")
    add("SQL in tlp", "POST", P, rep(tlp="RED'; DROP TABLE reports;--"), 422, "validation",
        "tlp")
    # ---- query parameters
    for qs in ["tlp=RED'--", "community=1%20OR%201%3D1", "kind=incident%27%3B--", "foo=1",
               "limit=0", "limit=201", "limit=abc", "limit=-1", "cursor=-5", "cursor=abc",
               "cursor=0", "cursor=99999999999999999999999", "since=yesterday",
               "level=1%3BDROP", "community=abc"]:
        add("query " + qs, "GET", P + "?" + qs, None, 400, "bad-query")
    add("count unknown param", "GET", P + "/count?bogus=1", None, 400, "bad-query")
    add("count limit not allowed", "GET", P + "/count?cursor=x", None, 400, "bad-query")
    add("indicator type ipv5", "GET", "/indicators?type=ipv5", None, 400, "bad-query")
    add("indicator unknown param", "GET", "/indicators?report=1", None, 400, "bad-query")
    add("organisations kind bank", "GET", "/organisations?kind=bank", None, 400, "bad-query")
    add("people unknown param", "GET", "/people?admin=1", None, 400, "bad-query")
    add("communities unknown param", "GET", "/communities?q=x", None, 400, "bad-query")
    add("audit action delete", "GET", "/audit?action=delete", None, 400, "bad-query",
        who="admin")
    add("applications status bogus", "GET", "/communities/%d/applications?status=maybe" % cid,
        None, 400, "bad-query")
    # ---- ids and paths
    for p in ["/reports/-1", "/reports/0", "/reports/99999999999999999999999", "/reports/abc",
              "/reports/1%20OR%201=1", "/reports/1%27%3B--", "/reports/%d/versions/0" % rid,
              "/reports/%d/versions/99" % rid, "/reports/%d/versions/x" % rid,
              "/communities/abc/members", "/organisations/-5", "/people/1e3",
              "/reports/999999999", "/api/v1/reports/../organisations",
              "/api/v1/../../etc/passwd", "/api/v1/reports/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "/api/v1/reports/%d/..%%2f..%%2forganisations" % rid, "/api/v2/reports",
              "/api/v1/reports/", "/api/v1//reports"]:
        add("path " + p, "GET", p, None, 404, "not-found")
    # ---- UTF-8, NUL, control characters
    add("invalid UTF-8", "POST", P, rep().replace(b"Bad input probe", b"Bad \xff\xfe probe"), 400,
        "malformed-json")
    add("overlong UTF-8 '/'", "POST", P, rep().replace(b"Bad input probe", b"Bad \xc0\xaf probe"),
        400, "malformed-json")
    add("NUL escape", "POST", P, rep().replace(b"Bad input probe", b"Bad \\u0000 probe"), 400,
        "malformed-json")
    add("lone surrogate", "POST", P, rep().replace(b"Bad input probe", b"Bad \\ud800 probe"),
        (400, 422))
    add("BEL in title", "POST", P, rep(title="Bad \u0007 probe"), 422, "validation", "title")
    add("newline in title", "POST", P, rep(title="Bad\nprobe"), 422, "validation", "title")
    add("ESC in org name", "POST", "/organisations", org(name="Org \u001b[31m"), 422,
        "validation", "name", who="admin")
    # ---- overlong strings
    add("title 301 bytes", "POST", P, rep(title="t" * 301), 422, "validation", "title")
    add("body 65537 bytes", "POST", P, rep(body="b" * 65537), 422, "validation", "body")
    add("org name 201", "POST", "/organisations", org(name="n" * 201), 422, "validation", "name",
        who="admin")
    add("person name 201", "POST", "/people", person(name="n" * 201), 422, "validation", "name",
        who="admin")
    add("community description 4001", "POST", "/communities", comm(description="d" * 4001), 422,
        "validation", "description", who="admin")
    add("comment 16385", "POST", "/reports/%d/comments" % rid, js({"body": "c" * 16385}), 422,
        "validation", "body")
    add("token name 201", "POST", "/tokens", js({"name": "n" * 201, "scope": "read"}), 422,
        "validation", "name")
    # ---- indicators
    for t, v in [("ipv4", "256.1.1.1"), ("ipv4", "01.2.3.4"), ("ipv4", "1.2.3"),
                 ("ipv6", "2001:db8:::1"), ("ipv6", "::g"), ("domain", "-bad.example"),
                 ("domain", "nl"), ("domain", "a..b.example"), ("md5", "abc"),
                 ("sha1", "z" * 40), ("sha256", "g" * 64), ("cve", "CVE-24-1"),
                 ("asn", "AS4294967296"), ("asn", "AS0"), ("url", "javascript:alert(1)"),
                 ("url", "http://exa mple.org/"), ("cidr", "10.0.0.0/33"),
                 ("email", "no-at-sign.example"), ("ipv4", "1.2.3.4' OR 1=1--")]:
        add("indicator %s %r" % (t, v), "POST", P, ind(t, v), 422, "validation",
            "indicators[0].value")
    add("indicator type ipv5", "POST", P, ind("ipv5", "1.2.3.4"), 422, "validation",
        "indicators[0].type")
    add("second indicator bad", "POST", P,
        rep(indicators=[{"type": "ipv4", "value": "192.0.2.1"},
                        {"type": "domain", "value": "bad_domain"}]), 422, "validation",
        "indicators[1].value")
    add("indicator unknown member", "POST", P,
        rep(indicators=[{"type": "ipv4", "value": "192.0.2.1", "score": 9}]), 422, "validation")
    add("duplicate indicators", "POST", P,
        rep(indicators=[{"type": "domain", "value": "dup.example.org"},
                        {"type": "domain", "value": "DUP.example.org."}]), (409, 422))
    add("added indicator invalid", "POST", "/reports/%d/indicators" % rid,
        js({"type": "ipv4", "value": "1.2.3"}), 422, "validation", "value")
    add("added indicator unknown field", "POST", "/reports/%d/indicators" % rid,
        js({"type": "ipv4", "value": "192.0.2.7", "tlp": "RED"}), 422, "validation", "tlp")
    # ---- nesting, duplicates, sizes of arrays
    add("deep nesting 1000", "POST", P, b'{"title": ' + b"[" * 1000 + b"]" * 1000 + b"}", 400,
        "malformed-json")
    add("deep nesting 40", "POST", P, b'{"indicators": ' + b"[" * 40 + b"]" * 40 + b"}", 400,
        "malformed-json")
    add("duplicate keys", "POST", P,
        rep().replace(b'"title": "Bad input probe"', b'"title": "a", "title": "b"'), 400,
        "malformed-json")
    add("65 recipient people", "POST", P,
        rep(tlp="RED", recipient_people=list(range(1, 66))), 422, "validation",
        "recipient_people")
    add("1001 indicators", "POST", P,
        rep(indicators=[{"type": "ipv4", "value": "10.%d.%d.1" % (i // 250, i % 250)}
                        for i in range(1001)]), 422, "validation", "indicators")
    add("9 sectors", "POST", "/organisations", org(sectors=["s%d" % i for i in range(9)]), 422,
        "validation", "sectors", who="admin")
    # ---- rules
    add("RED without recipients", "POST", P, rep(tlp="RED"), 422, "validation",
        "recipient_people")
    add("recipient person unknown", "POST", P, rep(tlp="RED", recipient_people=[999999]), 422,
        "validation", "recipient_people")
    add("recipient org outside community", "POST", P,
        rep(tlp="AMBER", recipient_organisations=[outsider]), 422, "validation",
        "recipient_organisations")
    add("comment looser than report", "POST", "/reports/%d/comments" % rid,
        js({"body": "looser", "tlp": "CLEAR"}), 422, "validation", "tlp")
    add("comment unknown tlp", "POST", "/reports/%d/comments" % rid,
        js({"body": "x", "tlp": "BLACK"}), 422, "validation", "tlp")
    add("comment without body", "POST", "/reports/%d/comments" % rid, js({"tlp": "RED"}), 422,
        "validation", "body")
    add("patch unknown tlp", "PATCH", "/reports/%d" % rid, js({"tlp": "BLACK"}), 422,
        "validation", "tlp")
    add("patch immutable id", "PATCH", "/reports/%d" % rid, js({"id": 5}), 422, "validation",
        "id")
    add("patch community_id", "PATCH", "/reports/%d" % rid, js({"community_id": cid}), 422,
        "validation", "community_id")
    add("patch by non-author", "PATCH", "/reports/%d" % rid, js({"title": "mine now"}), 403,
        "forbidden", who="b1")
    add("patch RED without recipients", "PATCH", "/reports/%d" % rid, js({"tlp": "RED"}), 422,
        "validation", "recipient_people")
    # ---- directory bodies
    add("functional mailbox", "POST", "/people", person(email="info@a.example.org"), 422,
        "validation", "email", who="admin")
    add("not an e-mail", "POST", "/people", person(email="not-an-email"), 422, "validation",
        "email", who="admin")
    add("short password", "POST", "/people", person(password="short"), 422, "validation",
        "password", who="admin")
    add("language de", "POST", "/people", person(language="de"), 422, "validation", "language",
        who="admin")
    add("is_admin a string", "POST", "/people", person(is_admin="yes"), 422, "validation",
        "is_admin", who="admin")
    add("person of unknown org", "POST", "/people", person(organisation_id=999999), (404, 422),
        who="admin")
    add("duplicate e-mail", "POST", "/people", person(email=ctx["a1_email"]), 409, "conflict",
        who="admin")
    add("org kind bank", "POST", "/organisations", org(kind="bank"), 422, "validation", "kind",
        who="admin")
    add("org size huge", "POST", "/organisations", org(size_class="huge"), 422, "validation",
        "size_class", who="admin")
    add("org nis2 maybe", "POST", "/organisations", org(nis2="maybe"), 422, "validation", "nis2",
        who="admin")
    add("org by non-admin", "POST", "/organisations", org(), 403, "forbidden")
    add("max_primary 0", "POST", "/communities", comm(max_primary=0), 422, "validation",
        "max_primary", who="admin")
    add("max_primary 11", "POST", "/communities", comm(max_primary=11), 422, "validation",
        "max_primary", who="admin")
    add("default_tlp PINK", "POST", "/communities", comm(default_tlp="PINK"), 422, "validation",
        "default_tlp", who="admin")
    add("community kind club", "POST", "/communities", comm(kind="club"), 422, "validation",
        "kind", who="admin")
    add("token scope admin", "POST", "/tokens", js({"name": "t", "scope": "admin"}), 422,
        "validation", "scope")
    add("token expires_days -1", "POST", "/tokens",
        js({"name": "t", "scope": "read", "expires_days": -1}), 422, "validation", "expires_days")
    add("accept version as string", "POST", "/communities/%d/guidelines/accept" % cid,
        js({"version": "1"}), 422, "validation", "version")
    add("accept wrong version", "POST", "/communities/%d/guidelines/accept" % cid,
        js({"version": 99}), 409, "conflict")
    add("representative kind bogus", "PUT",
        "/communities/%d/representatives/%d" % (cid, ctx["a1"]),
        js({"kind": "deputy", "role": "member"}), 422, "validation", "kind", who="admin")
    add("member org unknown", "POST", "/communities/%d/members" % cid,
        js({"organisation_id": "1; DROP TABLE memberships"}), 422, "validation",
        "organisation_id", who="admin")
    # ---- authentication
    add("login with numbers", "POST", "/auth/login", js({"email": 1, "password": 2}),
        (400, 401, 422), who=None)
    add("login unknown person", "POST", "/auth/login",
        js({"email": "nobody.here@a.example.org", "password": "whatever-long-1"}), 401,
        "unauthorized", who=None)
    add("bad bearer", "GET", "/me", None, 401, "unauthorized", who=None,
        headers={"Authorization": "Bearer ks_zzz"})
    add("basic auth", "GET", "/me", None, 401, "unauthorized", who=None,
        headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    add("unknown API token", "GET", "/me", None, 401, "unauthorized", who=None,
        headers={"Authorization": "Bearer kt_" + secrets.token_hex(32)})
    add("unknown session", "GET", "/reports", None, 401, "unauthorized", who=None,
        headers={"Authorization": "Bearer ks_" + secrets.token_hex(32)})
    add("SQL in bearer", "GET", "/me", None, 401, "unauthorized", who=None,
        headers={"Authorization": "Bearer ks_' OR '1'='1"})
    # ---- methods
    add("DELETE a report", "DELETE", "/reports/%d" % rid, None, 405, "method-not-allowed")
    add("PUT health", "PUT", "/health", js({}), 405, "method-not-allowed")
    return T


class _Del:
    pass


DEL = _Del()


def main(kt):
    ck = kt.ck
    w = K.World(kt)
    w.org("A", "company")
    w.org("B", "government")
    w.org("X", "supplier")
    w.person("a1", "A")
    w.person("b1", "B")
    w.community("k", "sector")
    w.member("k", "A")
    w.member("k", "B")
    w.accept("a1", "k")
    w.accept("b1", "k")
    green = w.report("green", "a1", "k", "GREEN")
    ctx = {"cid": w.cid("k"), "rid": green["id"], "outsider_org": w.oid("X"),
           "org_a": w.oid("A"), "a1": w.pid("a1"), "a1_email": w.people["a1"]["email"]}
    table = cases(w, ctx)
    ck.ok(len(table) >= 40, "at least 40 cases (%d)" % len(table))
    tokens = {"a1": w.token("a1"), "b1": w.token("b1"), "admin": kt.admin_token(), None: None}

    before = kt.db_dump()
    for c in table:
        name = "%s (%s %s)" % (c["name"], c["method"], K.short(c["path"], 60))
        tok = tokens[c["who"]]
        if c["body"] is not None and len(c["body"]) > 1024 * 1024:
            r = kt.client.request_expect(c["method"], c["path"], c["body"], token=tok)
        else:
            r = kt.client.request(c["method"], c["path"], raw=c["body"], token=tok,
                                  headers=c["headers"])
        want = c["status"]
        wants = (want,) if isinstance(want, int) else want
        if not ck.ok(400 <= r.status < 500, "%s: HTTP %d, want 4xx %s; %s"
                     % (name, r.status, wants, K.short(r.text, 300))):
            continue
        field = c["field"] if r.status == 422 else None
        ck.problem(r, name, want, c["slug"], field)
        if r.status == 405:
            ck.ok(r.headers.get("allow"), "%s: 405 without Allow" % name)
    # the server is still fine
    ck.status(kt.req("GET", "/health"), 200, "health after the hostile cases")
    after = kt.db_dump()
    ck.eq(sorted(after), sorted(before), "tables after the hostile cases")
    for t in before:
        if before[t] != after.get(t):
            added = [r for r in after.get(t, []) if r not in before[t]]
            gone = [r for r in before[t] if r not in after.get(t, [])]
            ck.fail("table %s changed: added %s removed %s" % (t, K.short(added, 600),
                                                               K.short(gone, 600)))

    # ---- valid text with SQL metacharacters is stored and searched literally
    a1 = tokens["a1"]
    title = "Robert'); DROP TABLE reports;-- 100% _x_ \\ \"q\" \u00e9\u6f22\U0001F6A8"
    body = "' OR '1'='1 -- ; SELECT * FROM people; /* %s */" % secrets.token_hex(4)
    r = kt.req("POST", "/reports", {"community_id": ctx["cid"], "kind": "incident",
                                     "title": title, "body": body, "level": "tactical",
                                     "tlp": "GREEN"}, token=a1)
    if ck.status(r, 201, "report with SQL metacharacters"):
        rid = r.data["id"]
        r = kt.req("GET", "/reports/%d" % rid, token=a1)
        if ck.status(r, 200, "read it back"):
            ck.eq(r.data.get("title"), title, "title stored literally")
            ck.eq(r.data.get("body"), body, "body stored literally")
        for qv, want in [("%25", 1), ("_", 1), ("%27%20OR%20%271%27%3D%271", 1),
                         ("DROP%20TABLE", 1), ("%5C", 1), ("x%25", 0), ("%25%25", 0)]:
            r = kt.req("GET", "/reports/count?q=" + qv, token=a1)
            if ck.status(r, 200, "count q=" + qv):
                ck.eq(r.data.get("count"), want, "count of reports with q=%s (literal match)"
                      % qv)
    name = "O'Brien & Sons \"Ltd\"; DROP TABLE organisations;--"
    r = kt.req("POST", "/organisations", {"name": name, "kind": "company"},
               token=tokens["admin"])
    if ck.status(r, 201, "organisation with SQL metacharacters"):
        r = kt.req("GET", "/organisations/%d" % r.data["id"], token=tokens["admin"])
        ck.eq(r.data.get("name") if isinstance(r.data, dict) else None, name,
              "organisation name stored literally")
        r = kt.req("GET", "/organisations?q=%27%20OR%201%3D1&limit=200", token=tokens["admin"])
        if ck.status(r, 200, "organisation search with a quote"):
            ck.eq(len(r.data.get("items", [])), 0, "q=' OR 1=1 matches no organisation")
    r = kt.req("GET", "/reports?limit=200", token=a1)
    if ck.status(r, 200, "reports still listed"):
        ck.eq(len(r.data.get("items", [])), 2, "two reports exist")
    con = kt.db_connect()
    try:
        ck.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok", "integrity_check")
    finally:
        con.close()


if __name__ == "__main__":
    K.run("bad-input", main)
