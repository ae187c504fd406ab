"""test_api.py - ordinary behaviour of the kring API, route by route.

Login/logout, wrong passwords and the login rate limit, API tokens
(secret shown once, read-only scope, revocation, no token-made tokens),
every route of docs/API.md at least once with its success status and
shape, cursor paging, report versions, comment labels, indicator
normalisation, audit records for an AMBER read and a login, security
headers on every answer, 405 with Allow, and the OpenAPI document against
`kring routes`.

    python3 test_api.py /path/to/kring
"""

import json
import time
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402

# Every route of docs/API.md (the contract).
# The routes this test exercises with a success; later features (notification
# runs, constituency) have their own suites.
CORE_ROUTES = {
    ("GET", "/api/v1/health"), ("GET", "/api/v1/openapi.json"),
    ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/me"),
    ("GET", "/api/v1/tokens"), ("POST", "/api/v1/tokens"), ("DELETE", "/api/v1/tokens/{}"),
    ("GET", "/api/v1/organisations"), ("POST", "/api/v1/organisations"),
    ("GET", "/api/v1/organisations/{}"), ("PATCH", "/api/v1/organisations/{}"),
    ("GET", "/api/v1/people"), ("POST", "/api/v1/people"), ("GET", "/api/v1/people/{}"),
    ("PATCH", "/api/v1/people/{}"),
    ("GET", "/api/v1/communities"), ("POST", "/api/v1/communities"),
    ("GET", "/api/v1/communities/{}"), ("PATCH", "/api/v1/communities/{}"),
    ("POST", "/api/v1/communities/{}/guidelines/accept"),
    ("GET", "/api/v1/communities/{}/members"), ("POST", "/api/v1/communities/{}/members"),
    ("PUT", "/api/v1/communities/{}/representatives/{}"),
    ("DELETE", "/api/v1/communities/{}/representatives/{}"),
    ("POST", "/api/v1/communities/{}/applications"),
    ("GET", "/api/v1/communities/{}/applications"),
    ("GET", "/api/v1/communities/{}/applications/{}"),
    ("POST", "/api/v1/communities/{}/applications/{}/votes"),
    ("GET", "/api/v1/reports"), ("GET", "/api/v1/reports/count"), ("POST", "/api/v1/reports"),
    ("GET", "/api/v1/reports/{}"), ("PATCH", "/api/v1/reports/{}"),
    ("GET", "/api/v1/reports/{}/versions"), ("GET", "/api/v1/reports/{}/versions/{}"),
    ("GET", "/api/v1/reports/{}/comments"), ("POST", "/api/v1/reports/{}/comments"),
    ("GET", "/api/v1/reports/{}/indicators"), ("POST", "/api/v1/reports/{}/indicators"),
    ("DELETE", "/api/v1/reports/{}/indicators/{}"), ("GET", "/api/v1/indicators"),
    ("GET", "/api/v1/audit"), ("GET", "/api/v1/communities/{}/audit"),
}


def doc_routes():
    """(METHOD, path) of every route table row in docs/API.md."""
    here = os.path.dirname(os.path.abspath(__file__))
    out = set()
    with open(os.path.join(here, "..", "..", "docs", "API.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*`([^`?]+)", line)
            if m:
                out.add((m.group(1), norm_route(m.group(2))))
    return out


ORG_KEYS = {"id", "name", "kind", "sectors", "region", "size_class", "nis2", "website", "created"}
PERSON_KEYS = {"id", "name", "organisation_id", "language", "is_admin", "disabled", "created"}
REPORT_KEYS = {"id", "uuid", "kind", "title", "level", "tlp", "community_id",
               "source_organisation_id", "author_id", "recipient_organisations",
               "recipient_people", "version", "created", "updated"}
REPORT_ITEM_KEYS = REPORT_KEYS | {"body", "body_html", "indicators", "permissions"}
IND_KEYS = {"id", "report_id", "type", "value", "comment", "first_seen", "last_seen",
            "valid_until", "created"}
COMMENT_KEYS = {"id", "report_id", "author_id", "organisation_id", "tlp", "body", "body_html",
                "created"}
AUDIT_KEYS = {"id", "at", "person_id", "organisation_id", "community_id", "action",
              "object_type", "object_id", "detail", "address"}
APP_KEYS = {"id", "community_id", "organisation", "status", "representatives", "motivation",
            "created", "decided", "my_vote"}
TOKEN_KEYS = {"id", "name", "scope", "prefix", "created", "expires", "last_used", "revoked"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def norm_route(path):
    """'/api/v1/reports/:id' or '/reports/{id}' -> '/api/v1/reports/{}'."""
    if not path.startswith("/api/v1"):
        path = "/api/v1" + path
    path = re.sub(r"/:[^/]+", "/{}", path)
    return re.sub(r"\{[^}/]*\}", "{}", path)


class Api:
    def __init__(self, kt):
        self.kt = kt
        self.ck = kt.ck
        self.seen = set()   # (method, normalised path) exercised with success
        kt.observer = self.observe

    def observe(self, token, method, path, r):
        ck = self.ck
        for h, v in K.SECURITY_HEADERS.items():
            ck.ok(r.headers.get(h, "").lower() == v.lower(),
                  "%s %s: header %s = %r, want %r" % (method, path, h, r.headers.get(h), v))
        csp = r.headers.get("content-security-policy", "")
        ck.ok("default-src 'none'" in csp and "frame-ancestors 'none'" in csp,
              "%s %s: Content-Security-Policy %r" % (method, path, csp))
        ck.ok(r.status < 500, "%s %s: HTTP %d %s" % (method, path, r.status, K.short(r.text)))
        if r.status >= 400:
            ck.problem(r, "%s %s" % (method, path))
        if 200 <= r.status < 300:
            p = path.split("?")[0]
            self.seen.add((method, norm_route(re.sub(r"/\d+", "/{}", p))))

    def keys(self, obj, want, what):
        if not isinstance(obj, dict):
            self.ck.fail("%s: not an object: %s" % (what, K.short(obj)))
            return
        missing = want - set(obj)
        self.ck.ok(not missing, "%s: missing keys %s in %s" % (what, sorted(missing),
                                                              K.short(obj, 300)))

    def times(self, obj, names, what):
        for n in names:
            v = obj.get(n)
            self.ck.ok(v is None or (isinstance(v, str) and RFC3339.match(v)),
                       "%s: %s = %r is not RFC 3339 UTC" % (what, n, v))


def main(kt):
    ck = kt.ck
    api = Api(kt)
    req = kt.req
    admin = kt.admin_token()

    # ---- meta
    r = req("GET", "/health")
    if ck.status(r, 200, "health"):
        ck.eq(r.data.get("status"), "ok", "health status")
        ck.eq(r.data.get("store"), "sqlite", "health store")
        ck.ok(isinstance(r.data.get("version"), str) and r.data["version"], "health version")
    ck.ok(kt.listen_line == "kring listening on http://127.0.0.1:%d/" % kt.port,
          "serve prints the listening line: %r" % kt.listen_line)

    # ---- directory through the API
    w = K.World(kt)
    w.org("A", "company", sectors=["energy", "water"], region="noord", size_class="large",
          nis2="essential", website="https://a.example.org/")
    w.org("B", "csirt")
    w.org("C", "supplier")
    ok = w.orgs["A"]["json"]
    api.keys(ok, ORG_KEYS, "organisation JSON")
    ck.eq(ok.get("sectors"), ["energy", "water"], "organisation sectors")
    api.times(ok, ["created"], "organisation")
    for p, o in (("a1", "A"), ("a2", "A"), ("b1", "B"), ("c1", "C"), ("rl", "A"),
                 ("gone", "B")):
        w.person(p, o, login=p not in ("rl",))
    pj = w.people["a1"]["json"]
    api.keys(pj, PERSON_KEYS | {"email"}, "person JSON (admin view)")
    ck.eq(pj.get("email"), w.people["a1"]["email"], "person e-mail lower-cased and kept")
    w.community("k", "sector", max_primary=2, default_tlp="AMBER")
    w.member("k", "A")
    w.member("k", "B")
    w.rep("k", "a1", "primary", "chair")
    w.rep("k", "b1", "primary", "secretary")
    w.rep("k", "a2", "backup", "member")
    for p in ("a1", "a2", "b1"):
        w.accept(p, "k")
    cid = w.cid("k")

    # ---- login / logout
    r = req("POST", "/auth/login", {"email": w.people["a2"]["email"], "password": K.PASSWORD})
    if ck.status(r, 200, "login"):
        ck.ok(r.data.get("token", "").startswith("ks_"), "session secret starts with ks_")
        ck.ok("expires" in r.data, "login answer has expires")
        ck.eq((r.data.get("person") or {}).get("id"), w.pid("a2"), "login answer person")
        sess = r.data["token"]
        ck.status(req("GET", "/me", token=sess), 200, "/me with the new session")
        ck.status(req("POST", "/auth/logout", token=sess), 204, "logout")
        r = req("GET", "/me", token=sess)
        ck.problem(r, "old session after logout", 401, "unauthorized")
        ck.ok("bearer" in r.headers.get("www-authenticate", "").lower(),
              "401 carries WWW-Authenticate: Bearer")
    r = req("POST", "/auth/login", {"email": w.people["a2"]["email"], "password": "wrong" * 4})
    ck.problem(r, "wrong password", 401, "unauthorized")
    r = req("POST", "/auth/login", {"email": w.people["a2"]["email"].upper(),
                                    "password": K.PASSWORD})
    ck.status(r, 200, "login with an upper-case e-mail")
    r = req("GET", "/me", token=w.token("a1"))
    if ck.status(r, 200, "/me"):
        api.keys(r.data, {"person", "organisation", "memberships"}, "/me")
        ms = r.data.get("memberships") or [{}]
        api.keys(ms[0], {"community_id", "community", "status", "representative", "role",
                         "guidelines_accepted", "guidelines_version"}, "/me membership")
        ck.eq((ms[0].get("representative"), ms[0].get("role")), ("primary", "chair"),
              "/me representative and role")
    ck.problem(req("GET", "/me"), "anonymous /me", 401, "unauthorized")

    # ---- tokens
    a1 = w.token("a1")
    r = req("POST", "/tokens", {"name": "ci write", "scope": "write", "expires_days": 30},
            token=a1)
    wtok = wid = None
    if ck.status(r, 201, "create write token"):
        wtok, wid = r.data.get("token", ""), r.data.get("id")
        ck.ok(wtok.startswith("kt_"), "token secret starts with kt_")
        api.keys(r.data, TOKEN_KEYS - {"revoked", "last_used"}, "token create answer")
    r = req("POST", "/tokens", {"name": "ci read", "scope": "read"}, token=a1)
    rtok = rid_tok = None
    if ck.status(r, 201, "create read token"):
        rtok, rid_tok = r.data.get("token"), r.data.get("id")
    r = req("GET", "/tokens", token=a1)
    if ck.status(r, 200, "list tokens"):
        items = r.data.get("items", [])
        ck.eq(sorted(K.ids_of(items)), sorted([wid, rid_tok]), "token ids listed")
        for it in items:
            api.keys(it, TOKEN_KEYS, "token list item")
            ck.ok("token" not in it and (wtok or "x") not in json.dumps(it)
                  and (rtok or "x") not in json.dumps(it), "token list hides the secret")
            if it.get("id") == wid and wtok:
                ck.ok(wtok.startswith(it.get("prefix") or "\0"), "token prefix is the secret's start")
    if rtok:
        ck.status(req("GET", "/me", token=rtok), 200, "read token reads /me")
        r = req("POST", "/reports", {"community_id": cid, "kind": "incident", "title": "ro",
                                     "level": "tactical", "tlp": "GREEN"}, token=rtok)
        ck.problem(r, "read-only token POSTs a report", 403, "forbidden")
        r = req("PATCH", "/people/%d" % w.pid("a1"), {"name": "Renamed"}, token=rtok)
        ck.problem(r, "read-only token PATCHes", 403, "forbidden")
    if wtok:
        r = req("POST", "/tokens", {"name": "from a token", "scope": "read"}, token=wtok)
        ck.problem(r, "a token creates a token", 403, "forbidden")
        r = req("GET", "/tokens", token=wtok)
        ck.status(r, 200, "a token lists tokens")
    r = req("DELETE", "/tokens/%s" % rid_tok, token=w.token("b1"))
    ck.problem(r, "revoke someone else's token", 404, "not-found")
    r = req("DELETE", "/tokens/%s" % rid_tok, token=a1)
    ck.status(r, 204, "revoke own token")
    if rtok:
        ck.problem(req("GET", "/me", token=rtok), "revoked token", 401, "unauthorized")
    r = req("GET", "/tokens", token=a1)
    if ck.status(r, 200, "list tokens after revoke"):
        rev = [i for i in r.data.get("items", []) if i.get("id") == rid_tok]
        ck.ok(rev and rev[0].get("revoked"), "revoked token shows revoked: %s" % K.short(rev))

    # ---- organisations
    r = req("GET", "/organisations?kind=csirt", token=admin)
    if ck.status(r, 200, "organisations by kind"):
        ck.ok(w.oid("B") in K.ids_of(r.data["items"]) and
              w.oid("A") not in K.ids_of(r.data["items"]), "kind filter of organisations")
    r = req("GET", "/organisations?q=%s" % w.orgs["C"]["name"].split()[-1], token=admin)
    if ck.status(r, 200, "organisations by q"):
        ck.eq(K.ids_of(r.data["items"]), [w.oid("C")], "q filter of organisations")
    r = req("PATCH", "/organisations/%d" % w.oid("C"), {"region": "zuid", "nis2": "important"},
            token=admin)
    if ck.status(r, 200, "patch organisation"):
        ck.eq((r.data.get("region"), r.data.get("nis2")), ("zuid", "important"), "patched org")
    r = req("GET", "/organisations/%d" % w.oid("C"), token=admin)
    if ck.status(r, 200, "get organisation"):
        ck.eq(r.data.get("region"), "zuid", "patched region stored")
    ck.problem(req("PATCH", "/organisations/%d" % w.oid("A"), {"region": "x"}, token=a1),
               "non-admin patches an organisation", 403, "forbidden")
    ck.problem(req("GET", "/organisations/%d" % w.oid("C"), token=a1),
               "organisation outside my communities", 404, "not-found")
    items, _ = K.page_all(kt, "/organisations", admin, 2, ck, "organisations paging")
    ck.eq(sorted(K.ids_of(items)), sorted([kt.admin["org"]] + [w.oid(o) for o in "ABC"]),
          "organisations paging visits every row once")

    # ---- people
    r = req("GET", "/people?org=%d" % w.oid("A"), token=admin)
    if ck.status(r, 200, "people by org"):
        ck.eq(sorted(K.ids_of(r.data["items"])), sorted(w.pid(p) for p in ("a1", "a2", "rl")),
              "people of A")
    r = req("GET", "/people?q=gone", token=admin)
    if ck.status(r, 200, "people by q"):
        ck.eq(K.ids_of(r.data["items"]), [w.pid("gone")], "q filter of people")
    r = req("GET", "/people/%d" % w.pid("b1"), token=a1)
    if ck.status(r, 200, "a1 reads b1 (a representative of a shared community)"):
        api.keys(r.data, PERSON_KEYS, "person JSON")
        ck.ok(not r.data.get("email"), "e-mail of another organisation hidden")
    r = req("GET", "/people/%d" % w.pid("a2"), token=a1)
    if ck.status(r, 200, "a1 reads a2"):
        ck.eq(r.data.get("email"), w.people["a2"]["email"], "e-mail within the organisation")
    r = req("PATCH", "/people/%d" % w.pid("a2"), {"name": "Anna Tweede"}, token=w.token("a2"))
    if ck.status(r, 200, "self patch name"):
        ck.eq(r.data.get("name"), "Anna Tweede", "patched name")
    r = req("PATCH", "/people/%d" % w.pid("a2"), {"password": "a brand new secret 99"},
            token=w.token("a2"))
    ck.status(r, (403, 422), "self password change without current_password")
    r = req("POST", "/auth/login", {"email": w.people["a2"]["email"], "password": K.PASSWORD})
    other_session = r.data["token"] if ck.status(r, 200, "a2 opens a second session") else None
    r = req("PATCH", "/people/%d" % w.pid("a2"), {"password": "a brand new secret 99",
                                                  "current_password": K.PASSWORD},
            token=w.token("a2"))
    ck.status(r, 200, "self password change")
    if other_session:
        ck.problem(req("GET", "/me", token=other_session),
                   "another session ends with a password change", 401)
    ck.status(req("GET", "/me", token=w.token("a2")), 200,
              "the session that changed the password goes on")
    r = req("POST", "/auth/login", {"email": w.people["a2"]["email"],
                                    "password": "a brand new secret 99"})
    if ck.status(r, 200, "login with the new password"):
        w.people["a2"]["token"] = r.data["token"]  # older sessions may end with the change
    w.people["a2"]["password"] = "a brand new secret 99"
    ck.problem(req("PATCH", "/people/%d" % w.pid("a2"), {"is_admin": True},
                   token=w.token("a2")), "self makes self admin", (403, 422))
    ck.problem(req("PATCH", "/people/%d" % w.pid("a1"), {"name": "x"}, token=w.token("a2")),
               "patch a colleague", 403, "forbidden")
    gone_tok = w.token("gone")
    r = req("PATCH", "/people/%d" % w.pid("gone"), {"disabled": True}, token=admin)
    if ck.status(r, 200, "admin disables a person"):
        ck.eq(r.data.get("disabled"), True, "disabled flag")
    ck.problem(req("GET", "/me", token=gone_tok), "session of a disabled person", 401)
    ck.problem(req("POST", "/auth/login", {"email": w.people["gone"]["email"],
                                           "password": K.PASSWORD}),
               "login of a disabled person", 401)

    # ---- communities
    r = req("GET", "/communities", token=w.token("c1"))
    if ck.status(r, 200, "communities for an outsider"):
        it = [i for i in r.data["items"] if i.get("id") == cid]
        ck.ok(it and {"id", "name", "kind", "description"} <= set(it[0]), "community list item")
    r = req("GET", "/communities/%d" % cid, token=a1)
    if ck.status(r, 200, "get community"):
        ck.ok(isinstance(r.data.get("guidelines"), str), "community has guidelines")
        ck.eq(r.data.get("max_primary"), 2, "max_primary")
        ck.eq(r.data.get("default_tlp"), "AMBER", "default_tlp")
    r = req("PATCH", "/communities/%d" % cid, {"description": "Energy sector sharing."},
            token=a1)
    if ck.status(r, 200, "chair patches description"):
        ck.eq(r.data.get("guidelines_version"), 1, "description change keeps the version")
    ck.problem(req("PATCH", "/communities/%d" % cid, {"description": "x"}, token=w.token("a2")),
               "plain member patches the community", 403, "forbidden")
    ck.problem(req("PATCH", "/communities/%d" % cid, {"description": "x"}, token=w.token("c1")),
               "outsider patches the community", 403, "forbidden")
    r = req("POST", "/communities", {"name": "Second community", "kind": "theme"}, token=admin)
    if ck.status(r, 201, "create community with defaults"):
        ck.eq((r.data.get("guidelines_version"), r.data.get("max_primary"),
               r.data.get("default_tlp")), (1, 2, "AMBER"), "community defaults")
        k2 = r.data["id"]
        r = req("POST", "/communities/%d/members" % k2, {"organisation_id": w.oid("C")},
                token=a1)
        ck.problem(r, "non-admin adds a founding member", 403, "forbidden")
        r = req("POST", "/communities/%d/members" % k2, {"organisation_id": w.oid("C")},
                token=admin)
        ck.status(r, 201, "admin adds a founding member")
        ck.problem(req("POST", "/communities/%d/members" % k2, {"organisation_id": w.oid("C")},
                       token=admin), "founding member twice", 409, "conflict")
    ck.problem(req("POST", "/communities", {"name": "x", "kind": "theme"}, token=a1),
               "non-admin creates a community", 403, "forbidden")
    r = req("GET", "/communities/%d/members" % cid, token=a1)
    if ck.status(r, 200, "members"):
        m = r.data.get("items", [])
        ck.eq(sorted((i.get("organisation") or {}).get("id") for i in m),
              sorted([w.oid("A"), w.oid("B")]), "member organisations")
        for i in m:
            api.keys(i, {"organisation", "status", "since", "representatives"}, "member item")
            for rp in i.get("representatives", []):
                api.keys(rp, {"person", "kind", "role"}, "representative item")
    ck.problem(req("GET", "/communities/%d/members" % cid, token=w.token("c1")),
               "outsider lists members", 404, "not-found")
    r = req("PUT", "/communities/%d/representatives/%d" % (cid, w.pid("a2")),
            {"kind": "primary", "role": "vice-chair"}, token=w.token("b1"))
    ck.status(r, (200, 201, 204), "secretary sets a representative")
    r = req("DELETE", "/communities/%d/representatives/%d" % (cid, w.pid("a2")), token=a1)
    ck.status(r, 204, "chair removes a representative")
    r = req("GET", "/me", token=w.token("a2"))
    if ck.status(r, 200, "a2 /me"):
        m = [x for x in r.data.get("memberships", []) if x.get("community_id") == cid]
        ck.ok(m and m[0].get("representative") is None, "a2 no longer a representative")
    ck.problem(req("POST", "/communities/%d/guidelines/accept" % cid, {"version": 2},
                   token=a1), "accept a future version", 409, "conflict")

    # ---- admission (one full round; the details are in test_admission.py)
    r = req("POST", "/communities/%d/applications" % cid,
            {"organisation_id": w.oid("C"), "representatives": [w.pid("c1")],
             "motivation": "Supplier of the grid."}, token=w.token("c1"))
    if ck.status(r, 201, "apply"):
        app = r.data
        api.keys(app, APP_KEYS, "application JSON")
        ap = "/communities/%d/applications/%d" % (cid, app["id"])
        r = req("GET", "/communities/%d/applications" % cid, token=a1)
        if ck.status(r, 200, "list applications"):
            ck.eq(K.ids_of(r.data.get("items", [])), [app["id"]], "applications listed")
        ck.status(req("GET", ap, token=w.token("c1")), 200, "applicant reads its application")
        ck.status(req("POST", ap + "/votes", {"vote": "yes"}, token=a1), 200, "vote A")
        r = req("POST", ap + "/votes", {"vote": "yes"}, token=w.token("b1"))
        if ck.status(r, 200, "vote B"):
            ck.eq(r.data.get("status"), "admitted", "unanimous yes admits")
        w.comms["k"]["members"].add("C")

    # ---- reports
    b1 = w.token("b1")
    r = req("POST", "/reports", {"community_id": cid, "kind": "incident",
                                 "title": "Phishing wave",
                                 "body": "# Heads up\n\nClick [here](javascript:alert(1)) "
                                 "**now** <script>alert(2)</script> <b onclick=x>b</b>",
                                 "level": "operational", "tlp": "GREEN",
                                 "indicators": [
                                     {"type": "domain", "value": "Example.NL"},
                                     {"type": "ipv6", "value": "2001:DB8::0:1"},
                                     {"type": "ipv4", "value": "192.0.2.10", "comment": "C2",
                                      "first_seen": "2026-01-02T03:04:05Z"},
                                     {"type": "cve", "value": "cve-2024-3094"},
                                     {"type": "asn", "value": "AS64500"},
                                     {"type": "cidr", "value": "10.1.2.3/24"},
                                     {"type": "sha256", "value": "AB" * 32}]}, token=a1)
    if not ck.status(r, 201, "create report"):
        return
    rep = r.data
    api.keys(rep, REPORT_KEYS, "report JSON")
    ck.eq((rep.get("version"), rep.get("author_id"), rep.get("source_organisation_id")),
          (1, w.pid("a1"), w.oid("A")), "report version, author, source")
    ck.ok(re.match(r"^[0-9a-f-]{36}$", rep.get("uuid") or ""), "report uuid")
    api.times(rep, ["created", "updated"], "report")
    rp = "/reports/%d" % rep["id"]
    r = req("GET", rp, token=b1)
    if ck.status(r, 200, "get report"):
        d = r.data
        api.keys(d, REPORT_ITEM_KEYS, "single report JSON")
        api.keys(d.get("permissions") or {}, {"comment", "edit", "forward", "export"},
                 "permissions")
        ck.eq((d["permissions"].get("edit"), d["permissions"].get("comment")), (False, True),
              "permissions of a reader")
        html = d.get("body_html", "")
        ck.ok("<h1>" in html and "<strong>now</strong>" in html, "body_html rendered: %r" % html)
        ck.ok("<script" not in html and "javascript:" not in html and "onclick" not in html,
              "body_html drops raw HTML and javascript: links: %r" % html)
        vals = {i.get("type"): i.get("value") for i in d.get("indicators", [])}
        ck.eq(vals.get("domain"), "example.nl", "domain normalised")
        ck.eq(vals.get("ipv6"), "2001:db8::1", "IPv6 normalised")
        ck.eq(vals.get("cve"), "CVE-2024-3094", "CVE normalised")
        ck.eq(vals.get("asn"), "64500", "ASN normalised")
        ck.eq(vals.get("cidr"), "10.1.2.0/24", "CIDR normalised")
        ck.eq(vals.get("sha256"), "ab" * 32, "hash normalised")
        for i in d.get("indicators", []):
            api.keys(i, IND_KEYS, "indicator JSON")
            if i.get("type") == "ipv4":
                ck.eq((i.get("comment"), i.get("first_seen")),
                      ("C2", "2026-01-02T03:04:05.000Z"), "indicator comment and first_seen")
    r = req("GET", rp + "/indicators", token=b1)
    if ck.status(r, 200, "indicators of a report"):
        ck.eq(len(r.data.get("items", [])), 7, "seven indicators")
    r = req("GET", "/indicators?value=example.nl", token=b1)
    if ck.status(r, 200, "indicator search by value"):
        ck.eq([i.get("report_id") for i in r.data.get("items", [])], [rep["id"]],
              "search by value finds the report")
    r = req("GET", "/indicators?type=ipv6&value=2001:db8::1", token=b1)
    if ck.status(r, 200, "indicator search by type and value"):
        ck.eq(len(r.data.get("items", [])), 1, "search by type and value")
    r = req("GET", "/indicators?q=example", token=b1)
    if ck.status(r, 200, "indicator search by q"):
        ck.ok(len(r.data.get("items", [])) >= 1, "search by q")
    r = req("POST", rp + "/indicators", {"type": "domain", "value": "EXAMPLE.nl."}, token=a1)
    ck.problem(r, "duplicate indicator (after normalisation)", 409, "conflict")
    r = req("POST", rp + "/indicators", {"type": "url", "value": "HTTP://Evil.Example.com/x"},
            token=a1)
    iid = None
    if ck.status(r, 201, "add indicator"):
        ck.eq(r.data.get("value"), "http://evil.example.com/x", "URL normalised")
        iid = r.data.get("id")
    ck.problem(req("POST", rp + "/indicators", {"type": "ipv4", "value": "192.0.2.99"},
                   token=b1), "non-author adds an indicator", 403, "forbidden")
    if iid:
        ck.problem(req("DELETE", "%s/indicators/%d" % (rp, iid), token=b1),
                   "non-author deletes an indicator", 403, "forbidden")
        ck.status(req("DELETE", "%s/indicators/%d" % (rp, iid), token=a1), 204,
                  "delete indicator")
        r = req("GET", rp + "/indicators", token=a1)
        ck.ok(iid not in K.ids_of(r.data.get("items", [])), "deleted indicator gone")
        ck.problem(req("DELETE", "%s/indicators/%d" % (rp, iid), token=a1),
                   "delete it again", 404, "not-found")

    # versions after PATCH
    r = req("PATCH", rp, {"title": "Phishing wave (update)", "tlp": "AMBER",
                          "recipient_organisations": [w.oid("B")]}, token=a1)
    if ck.status(r, 200, "patch report"):
        ck.eq((r.data.get("version"), r.data.get("tlp")), (2, "AMBER"), "version 2 after patch")
    ck.problem(req("PATCH", rp, {"title": "hijack"}, token=b1), "reader patches", 403,
               "forbidden")
    ck.status(req("GET", rp, token=b1), 200, "b1 (recipient organisation) reads the AMBER report")
    r = req("GET", rp + "/versions", token=a1)
    if ck.status(r, 200, "versions"):
        vs = r.data.get("items", [])
        ck.eq(sorted((v.get("version"), v.get("title"), v.get("tlp")) for v in vs),
              [(1, "Phishing wave", "GREEN"), (2, "Phishing wave (update)", "AMBER")],
              "versions list")
        for v in vs:
            api.keys(v, {"version", "title", "tlp", "updated"}, "version item")
    r = req("GET", rp + "/versions/1", token=a1)
    if ck.status(r, 200, "version 1"):
        ck.eq((r.data.get("title"), r.data.get("tlp")), ("Phishing wave", "GREEN"),
              "version 1 snapshot")
    r = req("GET", rp + "/versions/2", token=a1)
    if ck.status(r, 200, "version 2"):
        ck.eq(r.data.get("title"), "Phishing wave (update)", "version 2 snapshot")
    ck.problem(req("GET", rp + "/versions/3", token=a1), "version 3", 404, "not-found")
    r = req("GET", rp, token=w.token("c1"))
    ck.problem(r, "C (admitted, not accepted) reads the AMBER report", 404, "not-found")

    # comments
    r = req("POST", rp + "/comments", {"body": "Seen here too."}, token=b1)
    if ck.status(r, 201, "comment with the default label"):
        api.keys(r.data, COMMENT_KEYS, "comment JSON")
        ck.eq(r.data.get("tlp"), "AMBER", "comment label defaults to the report's")
    r = req("POST", rp + "/comments", {"body": "Only for the author.", "tlp": "RED"}, token=b1)
    ck.status(r, 201, "stricter comment")
    red_c = r.data.get("id") if isinstance(r.data, dict) else None
    ck.problem(req("POST", rp + "/comments", {"body": "x", "tlp": "GREEN"}, token=b1),
               "looser comment", 422, "validation", "tlp")
    r = req("POST", rp + "/comments", {"body": "x", "tlp": "AMBER+STRICT"}, token=rtok)
    ck.status(r, 401, "comment with a revoked token")
    r = req("GET", rp + "/comments", token=a1)
    if ck.status(r, 200, "comments"):
        got = K.ids_of(r.data.get("items", []))
        ck.ok(len(got) == 2 and got == sorted(got), "comments oldest first: %s" % got)
        ck.ok(red_c in got, "report author reads a RED comment addressed to it")
    r = req("GET", rp + "/comments", token=w.token("a2"))
    if ck.status(r, 200, "comments for a colleague of the author"):
        ck.ok(red_c not in K.ids_of(r.data.get("items", [])),
              "RED comment hidden from the author's colleague")

    # ---- pagination over many reports, lists and counts
    made = [rep["id"]]
    for i in range(22):
        r = req("POST", "/reports", {"community_id": cid, "kind": K.REPORT_KINDS[i % 7],
                                     "title": "Paging %02d" % i, "level": K.LEVELS[i % 4],
                                     "tlp": ["CLEAR", "GREEN"][i % 2]}, token=b1)
        if ck.status(r, 201, "paging report %d" % i):
            made.append(r.data["id"])
    items, _ = K.page_all(kt, "/reports", a1, 5, ck, "reports paging")
    ck.eq(sorted(K.ids_of(items)), sorted(made), "reports paging visits every row once")
    for it in items[:1]:
        api.keys(it, REPORT_KEYS, "report list item")
    r = req("GET", "/reports/count", token=a1)
    if ck.status(r, 200, "count"):
        ck.eq(r.data, {"count": len(made)}, "count answer")
    r = req("GET", "/reports?limit=1", token=a1)
    if ck.status(r, 200, "limit=1"):
        ck.eq(len(r.data["items"]), 1, "limit 1")
        ck.ok(r.data["next_cursor"] is not None, "next_cursor on a full page")
    r = req("GET", "/reports?limit=200", token=a1)
    if ck.status(r, 200, "limit=200"):
        ck.eq(r.data.get("next_cursor"), None, "next_cursor null on the last page")
    r = req("GET", "/reports", token=None)
    if ck.status(r, 200, "anonymous list"):
        ck.ok(all(i.get("tlp") == "CLEAR" for i in r.data["items"]) and r.data["items"],
              "anonymous sees only CLEAR")
    r = req("GET", "/reports/count?tlp=CLEAR", token=None)
    if ck.status(r, 200, "anonymous count"):
        ck.eq(r.data.get("count"), 11, "anonymous count of CLEAR")

    # ---- audit
    r = req("GET", "/audit?action=read&limit=200", token=admin)
    if ck.status(r, 200, "audit reads"):
        rows = r.data.get("items", [])
        for a in rows[:1]:
            api.keys(a, AUDIT_KEYS, "audit JSON")
            api.times(a, ["at"], "audit")
        ck.ok(any(a.get("object_id") == rep["id"] and a.get("person_id") == w.pid("b1")
                  and a.get("object_type") == "report" for a in rows),
              "an audit record of b1 reading the AMBER report")
        ck.ok(all(a.get("action") == "read" for a in rows), "action filter")
    r = req("GET", "/audit?action=login&person=%d" % w.pid("a2"), token=admin)
    if ck.status(r, 200, "audit logins"):
        ck.ok(any(a.get("person_id") == w.pid("a2") for a in r.data.get("items", [])),
              "an audit record of a2's login")
    r = req("GET", "/audit?action=login-failed", token=admin)
    if ck.status(r, 200, "audit failed logins"):
        ck.ok(len(r.data.get("items", [])) >= 1, "failed logins are audited")
    r = req("GET", "/audit?action=logout", token=admin)
    if ck.status(r, 200, "audit logouts"):
        ck.ok(len(r.data.get("items", [])) >= 1, "logouts are audited")
    items, _ = K.page_all(kt, "/audit", admin, 7, ck, "audit paging")
    ck.ok(len(items) >= 30, "audit has many records (%d)" % len(items))
    r = req("GET", "/communities/%d/audit?action=write" % cid, token=b1)
    if ck.status(r, 200, "secretary reads the community audit"):
        ck.ok(all(a.get("community_id") == cid for a in r.data.get("items", [])),
              "community audit is of that community")
    ck.status(req("GET", "/audit?community=%d" % cid, token=b1), 200,
              "secretary reads /audit?community=")
    ck.problem(req("GET", "/communities/%d/audit" % cid, token=a1), "chair reads audit", 404,
               "not-found")
    ck.problem(req("GET", "/audit", token=b1), "secretary without community=", 404)

    # ---- 405 with Allow
    for m, p, want in [("DELETE", "/health", {"GET"}), ("POST", rp, {"GET", "PATCH"}),
                       ("PUT", "/reports", {"GET", "POST"}), ("DELETE", "/me", {"GET"})]:
        r = req(m, p, token=a1)
        if ck.problem(r, "%s %s" % (m, p), 405, "method-not-allowed"):
            allow = {x.strip() for x in r.headers.get("allow", "").split(",") if x.strip()}
            ck.ok(want <= allow, "%s %s: Allow %s lacks %s" % (m, p, allow, want))
    ck.problem(req("GET", "/nowhere"), "unknown route", 404, "not-found")

    # ---- OpenAPI against `kring routes`
    r = req("GET", "/openapi.json")
    doc = None
    if ck.status(r, 200, "openapi.json"):
        ck.ok(r.headers.get("content-type", "").startswith("application/json"),
              "openapi content type")
        try:
            doc = json.loads(r.text)
        except ValueError as e:
            ck.fail("openapi.json is not valid JSON: %s" % e)
    p = kt.cli("routes")
    ck.eq(p.returncode, 0, "kring routes exit status")
    routes = set()
    for line in p.stdout.splitlines():
        parts = line.split("\t")
        # The JSON API is what docs/API.md and openapi.json describe; the web
        # pages, TAXII and feeds have their own documents.
        if ck.ok(len(parts) == 2, "kring routes line %r is METHOD<TAB>PATTERN" % line) \
                and parts[1].startswith("/api/v1/"):
            routes.add((parts[0], norm_route(parts[1])))
    DOC_ROUTES = doc_routes()
    ck.ok(CORE_ROUTES <= DOC_ROUTES, "docs/API.md describes the core routes: missing %s"
          % sorted(CORE_ROUTES - DOC_ROUTES))
    ck.eq(sorted(routes - DOC_ROUTES), [], "routes that docs/API.md does not describe")
    ck.eq(sorted(DOC_ROUTES - routes), [], "routes of docs/API.md that kring lacks")
    if isinstance(doc, dict):
        ck.ok(str(doc.get("openapi", "")).startswith("3.1"), "openapi version %r"
              % doc.get("openapi"))
        ops = set()
        prefix = ""
        for s in doc.get("servers", []) or []:
            u = s.get("url", "")
            if u.rstrip("/").endswith("/api/v1"):
                prefix = "/api/v1"
        for path, item in (doc.get("paths") or {}).items():
            full = path if path.startswith("/api/") else prefix + path
            for m, op in item.items():
                if m.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
                    ops.add((m.upper(), norm_route(full)))
                    names = re.findall(r"\{([^}]+)\}", path)
                    params = [x.get("name") for x in
                              (op.get("parameters") or []) + (item.get("parameters") or [])
                              if isinstance(x, dict) and x.get("in") == "path"]
                    ck.ok(all(n in params for n in names), "openapi %s %s: path parameters %s "
                          "not all declared (%s)" % (m.upper(), path, names, params))
        ck.eq(sorted(ops - routes), [], "openapi operations kring does not route")
        ck.eq(sorted(routes - ops), [], "routes missing from openapi.json")
    # every documented route answered a success at least once in this test
    missing = sorted(CORE_ROUTES - api.seen - {("DELETE", "/api/v1/tokens/{}")}
                     - {("POST", "/api/v1/auth/logout")})
    ck.eq(missing, [], "documented routes not exercised with success")

    # ---- login rate limit (last: it blocks the account)
    # Three failures are free; after the 4th the next attempt waits 1 s (the
    # progressive delay, refused without counting); the 5th failure blocks
    # the account until its window ends.
    rl = w.people["rl"]["email"]
    for i in range(4):
        r = req("POST", "/auth/login", {"email": rl, "password": "not the password %d" % i})
        ck.problem(r, "failure %d" % (i + 1), 401, "unauthorized")
    r = req("POST", "/auth/login", {"email": rl, "password": "not the password 4"})
    ck.problem(r, "attempt right after the 4th failure is delayed", 429, "rate-limited")
    delay = r.headers.get("retry-after", "")
    ck.eq(delay, "1", "the first delay is 1 s")
    time.sleep(1.1)
    r = req("POST", "/auth/login", {"email": rl, "password": "not the password 5"})
    ck.problem(r, "failure 5 after waiting out the delay", 401, "unauthorized")
    r = req("POST", "/auth/login", {"email": rl, "password": "not the password 6"})
    ck.problem(r, "sixth failure", 429, "rate-limited")
    ck.ok(r.headers.get("retry-after", "").isdigit() and int(r.headers["retry-after"]) > 60,
          "after five failures Retry-After is the rest of the window: %r"
          % r.headers.get("retry-after"))
    r = req("POST", "/auth/login", {"email": rl, "password": K.PASSWORD})
    ck.problem(r, "right password while limited", 429, "rate-limited")
    r = req("POST", "/auth/login", {"email": w.people["b1"]["email"], "password": K.PASSWORD})
    ck.status(r, 200, "another account still logs in")
    # The client address has its own count (10 free failures, then the
    # delay for every account tried from it, then 20 block it): failures
    # on accounts that do not exist use up the free ones.
    delayed = None
    for i in range(15):
        r = req("POST", "/auth/login", {"email": "nobody%d@nowhere.example.org" % i,
                                        "password": "not the password"})
        if r.status == 429:
            delayed = r
            break
        ck.problem(r, "unknown account %d" % i, 401, "unauthorized")
    if ck.ok(delayed is not None, "failures from one address are delayed within 15"):
        ck.eq(delayed.headers.get("retry-after"), "1", "the address's first delay is 1 s")
        r = req("POST", "/auth/login", {"email": w.people["b1"]["email"],
                                        "password": K.PASSWORD})
        ck.problem(r, "right password from a delayed address", 429, "rate-limited")
        time.sleep(1.1)
        r = req("POST", "/auth/login", {"email": w.people["b1"]["email"],
                                        "password": K.PASSWORD})
        ck.status(r, 200, "after the address's delay the right password logs in")
    kt.observer = None


if __name__ == "__main__":
    K.run("api", main)
