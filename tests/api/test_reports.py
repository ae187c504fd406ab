#!/usr/bin/env python3
"""test_reports.py - black-box tests of the report resources (reports, versions,
comments, indicators), health and the OpenAPI document.

    python3 test_reports.py /path/to/kring

Uses tests/api/kringtest.py (the shared harness). When jsonschema and
openapi_spec_validator are importable, the OpenAPI document is validated and
every answer of these routes is checked against the schema the document
gives for it."""
import json
import os
import re
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
for cand in (os.path.join(HERE, "..", "..", "tests", "api"), "/work/main/tests/api"):
    if os.path.exists(os.path.join(cand, "kringtest.py")):
        sys.path.insert(0, os.path.abspath(cand))
        break
import kringtest as K  # noqa: E402

try:
    import jsonschema
    import referencing
    from referencing.jsonschema import DRAFT202012
except ImportError:  # schema checks are skipped
    jsonschema = None
try:
    from openapi_spec_validator import validate as oas_validate
except ImportError:
    oas_validate = None


def q(s):
    return urllib.parse.quote(s, safe="")


class Schemas:
    """Checks answers against the response schemas of openapi.json."""

    def __init__(self, doc, ck):
        self.ck = ck
        self.doc = doc
        self.n = 0
        if jsonschema is None:
            return
        res = referencing.Resource.from_contents(doc, default_specification=DRAFT202012)
        self.registry = referencing.Registry().with_resource("urn:kring:openapi", res)

    def check(self, method, path, resp, what):
        if jsonschema is None or not isinstance(self.doc, dict):
            return
        tmpl = self.template(method, path)
        if tmpl is None and resp.status in (404, 405):
            return  # the router's answers to paths no operation has
        if tmpl is None:
            self.ck.fail("%s: no OpenAPI operation for %s %s" % (what, method, path))
            return
        op = self.doc["paths"][tmpl][method.lower()]
        r = op["responses"].get(str(resp.status))
        if r is None:
            self.ck.fail("%s: status %d not documented for %s %s" % (what, resp.status,
                                                                    method, tmpl))
            return
        if "$ref" in r:
            r = self.doc["components"]["responses"][r["$ref"].split("/")[-1]]
        content = r.get("content")
        if not content:
            self.ck.ok(resp.raw == b"", "%s: %d has no body documented" % (what, resp.status))
            return
        ctype = resp.headers.get("content-type", "").split(";")[0].strip()
        if not self.ck.ok(ctype in content, "%s: content type %r not in %s"
                          % (what, ctype, list(content))):
            return
        schema = content[ctype]["schema"]
        if "$ref" in schema:
            schema = {"$ref": "urn:kring:openapi" + schema["$ref"]}
        v = jsonschema.Draft202012Validator(schema, registry=self.registry,
                                           format_checker=jsonschema.FormatChecker())
        errs = sorted(v.iter_errors(resp.data), key=lambda e: list(e.path))
        self.n += 1
        self.ck.ok(not errs, "%s: answer does not match the OpenAPI schema: %s; body %s"
                   % (what, [(list(e.path), e.message[:200]) for e in errs[:3]],
                      K.short(resp.text, 300)))

    def template(self, method, path):
        path = path.split("?")[0]
        if not path.startswith("/api/"):
            path = K.API + path
        for tmpl, item in self.doc.get("paths", {}).items():
            if method.lower() not in item:
                continue
            rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(tmpl)) + "$"
            if re.match(rx, path):
                return tmpl
        return None


def main(kt):
    ck = kt.ck
    w = K.World(kt)
    admin = kt.admin_token()

    # ---- meta and the OpenAPI document
    r = kt.req("GET", "/openapi.json")
    ck.status(r, 200, "openapi.json")
    ck.ok(r.headers.get("content-type", "").startswith("application/json"),
          "openapi.json content type")
    doc = json.loads(r.text)
    ck.ok(str(doc.get("openapi")).startswith("3.1"), "openapi 3.1")
    if oas_validate:
        try:
            oas_validate(doc)
            ck.ok(True, "valid")
        except Exception as e:  # noqa: BLE001
            ck.fail("openapi.json is not a valid OpenAPI 3.1 document: %s" % str(e)[:500])
        broken = json.loads(r.text)
        broken["paths"]["/api/v1/health"]["get"]["responses"] = {"200": {"content": 5}}
        try:
            oas_validate(broken)
            ck.fail("the validator accepts a broken document (test cannot fail)")
        except Exception:  # noqa: BLE001
            ck.ok(True, "validator rejects a broken document")
    else:
        print("note: openapi_spec_validator not importable; document validation skipped")
    S = Schemas(doc, ck)
    p = kt.cli("routes")
    routes = set()
    for line in p.stdout.splitlines():
        m, pat = line.split("\t")
        if pat.startswith("/api/v1/"):  # web pages and TAXII have their own documents
            routes.add((m, re.sub(r":([a-z_]+)", r"{\1}", pat)))
    ops = {(m.upper(), path) for path, item in doc["paths"].items() for m in item}
    ck.eq(sorted(routes - ops), [], "routes missing from openapi.json")
    ck.eq(sorted(ops - routes), [], "openapi operations that kring does not route")
    for path, item in doc["paths"].items():
        for m, op in item.items():
            names = re.findall(r"\{([^}]+)\}", path)
            declared = [x.get("name") for x in op.get("parameters", []) if x.get("in") == "path"]
            ck.eq(sorted(declared), sorted(names), "path parameters of %s %s" % (m, path))
            schema = (op.get("requestBody", {}).get("content", {})
                      .get("application/json", {}).get("schema", {}))
            if "$ref" in schema:  # JSON bodies; uploads (text/csv, …) are raw
                ref = schema["$ref"]
                sch = doc["components"]["schemas"][ref.split("/")[-1]]
                ck.eq(sch.get("additionalProperties"), False,
                      "request schema %s is closed" % ref)

    # every answer from here on (also the World's) is checked against the document
    kt.observer = lambda tok, method, path, resp: S.check(method, path, resp,
                                                          "%s %s" % (method, path))
    r = kt.req("GET", "/health")
    ck.status(r, 200, "health")
    ck.eq((r.data.get("status"), r.data.get("store")), ("ok", "sqlite"), "health body")
    ck.problem(kt.req("GET", "/health?x=1"), "health with an unknown parameter", 400, "bad-query")

    def req(method, path, body=None, token=None, raw=None, headers=None):
        return kt.req(method, path, body=body, token=token, raw=raw, headers=headers)

    # ---- the world: community k with A (a1 chair, a2), B (b1 secretary), C (c1 never
    # accepts); D outside; community m with A and D (a1, d1 accepted)
    for o in "ABCD":
        w.org(o)
    for pk, o in [("a1", "A"), ("a2", "A"), ("b1", "B"), ("c1", "C"), ("d1", "D")]:
        w.person(pk, o)
    w.community("k")
    w.community("m")
    for o in "ABC":
        w.member("k", o)
    w.member("m", "A")
    w.member("m", "D")
    w.rep("k", "a1", "primary", "chair")
    w.rep("k", "b1", "primary", "secretary")
    for pk in ("a1", "a2", "b1"):
        w.accept(pk, "k")
    w.accept("a1", "m")
    w.accept("d1", "m")
    a1, a2, b1, c1, d1 = (w.token(x) for x in ("a1", "a2", "b1", "c1", "d1"))
    cid, mid = w.cid("k"), w.cid("m")

    def rep(**over):
        b = {"community_id": cid, "kind": "incident", "title": "t", "level": "tactical",
             "tlp": "GREEN"}
        b.update(over)
        return b

    # ---- creation rules
    r = req("POST", "/reports", rep(title="Green one", body="# Head\n\n<script>x</script>\n\nSee <img src=x onerror=y> "
                                    "[l](javascript:alert(1)) **b**",
                                    indicators=[{"type": "domain", "value": "Green.Example.NL."},
                                                {"type": "ipv4", "value": "192.0.2.1",
                                                 "comment": "c2", "first_seen": "2026-01-02"}]),
            token=a1)
    ck.status(r, 201, "create GREEN")
    green = r.data["id"]
    ck.eq(r.headers.get("location"), "/api/v1/reports/%d" % green, "Location of a new report")
    ck.eq((r.data["author_id"], r.data["source_organisation_id"], r.data["version"]),
          (w.pid("a1"), w.oid("A"), 1), "author, source, version")
    html = r.data.get("body_html", "")
    ck.ok("<h1>Head</h1>" in html and "<strong>b</strong>" in html and "<script" not in html
          and "javascript:" not in html and "<img" not in html and "onerror" not in html,
          "body_html is rendered and safe: %r" % html)
    ck.eq(sorted(i["value"] for i in r.data["indicators"]), ["192.0.2.1", "green.example.nl"],
          "indicators normalised")
    r = req("POST", "/reports", rep(title="Amber secret zqamber1", tlp="AMBER",
                                    body="body zqamberbody",
                                    indicators=[{"type": "domain", "value": "zqamber.example.org"}]),
            token=a1)
    ck.status(r, 201, "create AMBER")
    amber = r.data["id"]
    r = req("POST", "/reports", rep(title="Red for b1", tlp="RED",
                                    recipient_people=[w.pid("b1")]), token=a1)
    ck.status(r, 201, "create RED")
    red = r.data["id"]
    r = req("POST", "/reports", rep(title="Clear by b1", tlp="CLEAR"), token=b1)
    ck.status(r, 201, "create CLEAR")
    clear = r.data["id"]
    r = req("POST", "/reports", rep(title="Amber to B", tlp="AMBER",
                                    recipient_organisations=[w.oid("B")]), token=a1)
    ck.status(r, 201, "create AMBER with a recipient organisation")
    amber_b = r.data["id"]

    ck.problem(req("POST", "/reports", rep(tlp="RED"), token=a1), "RED without people",
               422, "validation", "recipient_people")
    ck.problem(req("POST", "/reports", rep(tlp="tlp:red", recipient_people=[w.pid("d1")]),
                   token=a1), "recipient person outside", 422, "validation", "recipient_people")
    ck.problem(req("POST", "/reports", rep(tlp="AMBER", recipient_organisations=[w.oid("D")]),
                   token=a1), "recipient org outside", 422, "validation",
               "recipient_organisations")
    ck.problem(req("POST", "/reports", rep(recipient_organisations=[w.oid("B"), w.oid("B")]),
                   token=a1), "recipient org twice", 422, "validation",
               "recipient_organisations")
    ck.problem(req("POST", "/reports", rep(community_id=999999), token=a1),
               "unknown community", 422, "validation", "community_id")
    ck.problem(req("POST", "/reports", rep(indicators=[{"type": "ipv4", "value": "1.2.3"}]),
                   token=a1), "bad indicator", 422, "validation", "indicators[0].value")
    ck.problem(req("POST", "/reports", rep(indicators=[{"type": "domain", "value": "x.example"},
                                                       {"type": "domain", "value": "X.example."}]),
                   token=a1), "duplicate indicator", 422, "validation", "indicators[1].value")
    ck.problem(req("POST", "/reports", rep(indicators=[{"type": "ipv4", "value": "192.0.2.1",
                                                        "first_seen": "2026-02-01",
                                                        "last_seen": "2026-01-01"}]),
                   token=a1), "last_seen before first_seen", 422, "validation",
               "indicators[0].last_seen")
    ck.problem(req("POST", "/reports", rep(indicators=[7]), token=a1),
               "indicator not an object", 422, "validation", "indicators[0]")
    r = req("POST", "/reports", rep(), token=d1)
    ck.problem(r, "outsider shares into k", 403, "forbidden")
    ck.ok("participant" in r.data.get("detail", ""), "403 names participation: %r"
          % r.data.get("detail"))
    ck.problem(req("POST", "/reports", rep(), token=c1), "member without accepted guidelines",
               403, "forbidden")
    ck.problem(req("POST", "/reports", rep()), "anonymous POST", 401, "unauthorized")
    r = req("POST", "/tokens", {"name": "ro", "scope": "read"}, token=b1)
    ck.status(r, 201, "read-only token")
    ro = r.data["token"]
    ck.problem(req("POST", "/reports", rep(), token=ro), "read-only token POST", 403,
               "forbidden")

    # ---- visibility: 404 everywhere, never 403
    seen = {green: ["a1", "a2", "b1"], amber: ["a1", "a2"], red: ["a1", "b1"],
            clear: ["a1", "a2", "b1", "c1", "d1", None], amber_b: ["a1", "a2", "b1"]}
    toks = {"a1": a1, "a2": a2, "b1": b1, "c1": c1, "d1": d1, None: None}
    for rid, readers in seen.items():
        for who, tok in toks.items():
            base = "/reports/%d" % rid
            if who in readers:
                r = req("GET", base, token=tok)
                ck.status(r, 200, "%s reads %d" % (who, rid))
                for sub in ("/versions", "/versions/1", "/comments", "/indicators"):
                    ck.status(req("GET", base + sub, token=tok), 200,
                              "%s reads %s%s" % (who, base, sub))
                continue
            for sub in ("", "/versions", "/versions/1", "/comments", "/indicators"):
                ck.problem(req("GET", base + sub, token=tok), "%s GET %s%s" % (who, base, sub),
                           404, "not-found")
            if tok:
                ck.problem(req("PATCH", base, {"title": "x"}, token=tok),
                           "%s PATCH %d" % (who, rid), 404, "not-found")
                ck.problem(req("POST", base + "/comments", {"body": "x"}, token=tok),
                           "%s comments %d" % (who, rid), 404, "not-found")
                ck.problem(req("POST", base + "/indicators",
                               {"type": "ipv4", "value": "192.0.2.3"}, token=tok),
                           "%s adds indicator %d" % (who, rid), 404, "not-found")
                ck.problem(req("DELETE", base + "/indicators/1", token=tok),
                           "%s deletes indicator %d" % (who, rid), 404, "not-found")
    r = req("GET", "/reports/%d" % green, token=b1)
    ck.eq(r.data["permissions"], {"comment": True, "edit": False, "forward": True,
                                  "export": True}, "permissions of a GREEN reader")
    r = req("GET", "/reports/%d" % green, token=a1)
    ck.eq(r.data["permissions"]["edit"], True, "the author may edit")
    r = req("GET", "/reports/%d" % red, token=b1)
    ck.eq((r.data["permissions"]["forward"], r.data["permissions"]["export"]), (False, False),
          "RED recipient may not forward or export")
    ck.problem(req("PATCH", "/reports/%d" % green, {"title": "mine"}, token=b1),
               "reader PATCHes", 403, "forbidden")
    ck.problem(req("PATCH", "/reports/%d" % green, {"title": "ro"}, token=ro),
               "read-only token PATCHes", 403, "forbidden")
    ck.problem(req("POST", "/reports/%d/comments" % clear, {"body": "hi"}, token=d1),
               "outsider comments on CLEAR", 403, "forbidden")
    ck.problem(req("GET", "/reports/abc", token=a1), "non-numeric id", 404, "not-found")
    ck.problem(req("GET", "/reports/%d/versions/9" % green, token=a1), "no version 9", 404,
               "not-found")
    ck.problem(req("GET", "/reports/%d?x=1" % green, token=a1), "unknown param", 400,
               "bad-query")

    # ---- versions: each snapshot decided on its own label
    r = req("POST", "/reports", rep(title="Sanitise me zqredv1", tlp="RED",
                                    body="original zqredbody",
                                    recipient_people=[w.pid("a2")]), token=a1)
    ck.status(r, 201, "RED to sanitise")
    san = r.data["id"]
    r = req("PATCH", "/reports/%d" % san, {"title": "Sanitised zqamberv2", "tlp": "AMBER",
                                           "body": "clean", "recipient_people": [],
                                           "recipient_organisations": [w.oid("B")]}, token=a1)
    ck.status(r, 200, "PATCH RED -> AMBER")
    ck.eq((r.data.get("version"), r.data.get("tlp"), r.data.get("recipient_people")),
          (2, "AMBER", []), "patched report")
    r = req("GET", "/reports/%d/versions" % san, token=b1)
    ck.eq([v["version"] for v in r.data["items"]], [2], "b1 sees only the AMBER version")
    ck.ok("zqredv1" not in r.text, "older RED title not in b1's versions list")
    ck.problem(req("GET", "/reports/%d/versions/1" % san, token=b1), "b1 reads RED version 1",
               404, "not-found")
    r = req("GET", "/reports/%d/versions/2" % san, token=b1)
    ck.status(r, 200, "b1 reads version 2")
    ck.eq((r.data.get("title"), r.data.get("version")), ("Sanitised zqamberv2", 2),
          "version 2 snapshot")
    r = req("GET", "/reports/%d/versions" % san, token=a2)
    ck.eq([v["version"] for v in r.data["items"]], [2, 1], "a2 (RED recipient) sees both")
    r = req("GET", "/reports/%d/versions/1" % san, token=a2)
    ck.eq((r.data.get("title"), r.data.get("tlp"), r.data.get("body")),
          ("Sanitise me zqredv1", "RED", "original zqredbody"), "version 1 snapshot")
    r = req("PATCH", "/reports/%d" % san, {}, token=a1)
    ck.eq((r.status, r.data.get("version")), (200, 2), "an empty PATCH makes no version")
    ck.problem(req("PATCH", "/reports/%d" % san, {"title": " \t"}, token=a1), "blank title",
               422, "validation", "title")
    ck.problem(req("PATCH", "/reports/%d" % san, {"tlp": "RED"}, token=a1),
               "PATCH to RED without people", 422, "validation", "recipient_people")
    ck.problem(req("PATCH", "/reports/%d" % san, {"recipient_people": [w.pid("d1")]},
                   token=a1), "PATCH recipient outside", 422, "validation", "recipient_people")
    ck.problem(req("PATCH", "/reports/%d" % san, {"community_id": mid}, token=a1),
               "PATCH community", 422, "validation", "community_id")

    # ---- comments
    r = req("POST", "/reports/%d/comments" % green, {"body": "RED *note* zqredc"}, token=b1)
    ck.status(r, 201, "comment with default label")
    ck.eq(r.data.get("tlp"), "GREEN", "comment label defaults to the report's")
    ck.ok("<em>note</em>" in r.data.get("body_html", ""), "comment body_html")
    r = req("POST", "/reports/%d/comments" % green, {"body": "only a1 zqredcomment",
                                                       "tlp": "RED"}, token=b1)
    ck.status(r, 201, "RED comment")
    red_c = r.data["id"]
    ck.problem(req("POST", "/reports/%d/comments" % amber_b, {"body": "x", "tlp": "GREEN"},
                   token=b1), "looser comment", 422, "validation", "tlp")
    ck.problem(req("POST", "/reports/%d/comments" % green, {"body": ""}, token=b1),
               "empty comment", 422, "validation", "body")
    r = req("GET", "/reports/%d/comments" % green, token=a1)
    ck.ok(red_c in K.ids_of(r.data["items"]), "report author reads the RED comment")
    r = req("GET", "/reports/%d/comments" % green, token=a2)
    ck.ok(red_c not in K.ids_of(r.data["items"]) and "zqredcomment" not in r.text,
          "colleague of the author does not read the RED comment")
    ck.eq(len(r.data["items"]), 1, "colleague reads the GREEN comment")

    # ---- indicators
    base = "/reports/%d/indicators" % green
    r = req("POST", base, {"type": "url", "value": "HTTP://Evil.Example.com/x"}, token=a1)
    ck.status(r, 201, "add indicator")
    ck.eq(r.data.get("value"), "http://evil.example.com/x", "URL normalised")
    iid = r.data["id"]
    ck.problem(req("POST", base, {"type": "domain", "value": "GREEN.example.nl"}, token=a1),
               "duplicate indicator", 409, "conflict")
    ck.problem(req("POST", base, {"type": "ipv4", "value": "192.0.2.9"}, token=b1),
               "reader adds an indicator", 403, "forbidden")
    ck.problem(req("POST", base, {"type": "ipv4", "value": "192.0.2.9", "tlp": "RED"},
                   token=a1), "unknown indicator field", 422, "validation", "tlp")
    ck.problem(req("POST", base, {"value": "192.0.2.9"}, token=a1), "missing type", 422,
               "validation", "type")
    ck.problem(req("DELETE", "/reports/%d/indicators/%d" % (clear, iid), token=b1),
               "indicator through another report", 404, "not-found")
    ck.problem(req("DELETE", "%s/%d" % (base, iid), token=b1), "reader deletes", 403,
               "forbidden")
    ck.status(req("DELETE", "%s/%d" % (base, iid), token=a1), 204, "author deletes")
    ck.problem(req("DELETE", "%s/%d" % (base, iid), token=a1), "delete again", 404,
               "not-found")
    r = req("GET", "/indicators?type=domain&value=Green.Example.NL.", token=b1)
    ck.eq([i["report_id"] for i in r.data["items"]], [green], "search normalises with type")
    r = req("GET", "/indicators?value=zqamber.example.org", token=b1)
    ck.eq(r.data["items"], [], "b1 does not find an AMBER indicator")
    r = req("GET", "/indicators?q=zqamber", token=a2)
    ck.eq([i["report_id"] for i in r.data["items"]], [amber], "a2 finds it by substring")
    ck.problem(req("GET", "/indicators?type=ipv4&value=1.2.3", token=b1),
               "invalid search value", 400, "bad-query")
    ck.problem(req("GET", "/indicators?q=" + "x" * 201, token=b1), "q too long", 400,
               "bad-query")
    r = req("GET", "/indicators?q=zqamber")
    ck.eq(r.data["items"], [], "anonymous finds nothing non-CLEAR")

    # ---- lists: readable rows only, full pages across unreadable ones and batches
    visible = [green, clear, amber_b, red, san]
    marks = []
    for i in range(230):  # more than one candidate batch invisible to b1
        r = kt.req("POST", "/reports", rep(title="hidden zqh%03d" % i, tlp="AMBER",
                                           kind="threat"), token=a2)
        if r.status != 201:
            ck.status(r, 201, "hidden report %d" % i)
            break
        marks.append(r.data["id"])
        if i in (7, 150):
            r = kt.req("POST", "/reports", rep(title="visible zqv%d" % i), token=a2)
            visible.append(r.data["id"])
    items, _ = K.page_all(kt, "/reports", b1, 3, ck, "b1 paging limit=3")
    ck.eq(sorted(K.ids_of(items)), sorted(visible), "b1 lists exactly the readable reports")
    ck.ok("zqh" not in json.dumps(items), "no hidden title in b1's list")
    r = req("GET", "/reports?limit=3", token=b1)
    ck.eq(len(r.data["items"]), 3, "a page is full although unreadable rows lie between")
    r = req("GET", "/reports?limit=%d" % len(visible), token=b1)
    ck.eq(len(r.data["items"]), len(visible), "one page with all")
    r = req("GET", "/reports/count", token=b1)
    ck.eq(r.data.get("count"), len(visible), "b1 count")
    r = req("GET", "/reports/count?kind=threat", token=b1)
    ck.eq(r.data.get("count"), 0, "b1 count of threats (all hidden)")
    r = req("GET", "/reports/count?kind=threat", token=a1)
    ck.eq(r.data.get("count"), 230, "a1 count of threats")
    r = req("GET", "/reports?tlp=RED&limit=200", token=b1)
    ck.eq(K.ids_of(r.data["items"]), [red], "tlp filter")
    r = req("GET", "/reports?q=ZQV150", token=b1)
    ck.eq(len(r.data["items"]), 1, "q filter, case-insensitive")
    r = req("GET", "/reports?community=%d&limit=200" % mid, token=a1)
    ck.eq(r.data["items"], [], "community filter")
    r = req("GET", "/reports?since=2999-01-01", token=a1)
    ck.eq(r.data["items"], [], "since filter")
    r = req("GET", "/reports?limit=200")
    ck.eq(K.ids_of(r.data["items"]), [clear], "anonymous lists CLEAR only")
    r = req("GET", "/reports/count")
    ck.eq(r.data.get("count"), 1, "anonymous count")
    r = req("GET", "/reports?limit=200", token=d1)
    ck.eq(K.ids_of(r.data["items"]), [clear], "outsider lists CLEAR only")
    for qs in ["limit=0", "limit=201", "cursor=0", "cursor=x", "tlp=WHITE", "bogus=1",
               "since=yesterday", "q=" + "y" * 201, "community=0"]:
        ck.problem(req("GET", "/reports?" + qs, token=b1), "list ?" + qs, 400, "bad-query")
    ck.problem(req("GET", "/reports/count?limit=5", token=b1), "count ?limit", 400,
               "bad-query")

    # ---- audit of reads
    def reads():
        rows, _ = K.page_all(kt, "/audit?action=read&person=%d" % w.pid("b1"), admin, 200, ck,
                             "audit")
        return [(a["object_id"], a["detail"]) for a in rows]

    before = reads()
    req("GET", "/reports/count", token=b1)
    ck.eq(reads(), before, "counts are not audited")
    req("GET", "/reports/%d" % amber_b, token=b1)
    req("GET", "/reports/%d/comments" % amber_b, token=b1)
    req("GET", "/reports/%d/versions" % amber_b, token=b1)
    req("GET", "/reports/%d/indicators" % red, token=b1)
    req("GET", "/reports/%d" % green, token=b1)
    got = reads()
    for want in [(amber_b, "tlp=AMBER view"), (amber_b, "tlp=AMBER comments"),
                 (amber_b, "tlp=AMBER versions"), (red, "tlp=RED indicators"),
                 (red, "tlp=RED list"), (amber_b, "tlp=AMBER list")]:
        ck.ok(want in got, "audit record %s" % (want,))
    ck.ok((green, "tlp=GREEN view") not in got and all(o != green for o, _ in got),
          "GREEN reads are not audited")
    r = req("GET", "/indicators?q=green", token=b1)
    ck.ok(len(r.data["items"]) >= 1, "search as b1")

    # ---- the other resources, for the schema checks of the document
    for path in ["/me", "/tokens", "/organisations", "/organisations/%d" % w.oid("A"),
                 "/people", "/people/%d" % w.pid("a1"), "/communities",
                 "/communities/%d" % cid, "/communities/%d/members" % cid,
                 "/communities/%d/applications" % cid, "/audit?limit=5",
                 "/communities/%d/audit?limit=5" % cid]:
        ck.status(req("GET", path, token=admin), 200, "admin GET " + path)
    ck.status(req("PATCH", "/organisations/%d" % w.oid("D"), {"region": "zuid"}, token=admin),
              200, "PATCH organisation")
    ck.status(req("PATCH", "/people/%d" % w.pid("d1"), {"name": "D One"}, token=admin), 200,
              "PATCH person")
    ck.status(req("PATCH", "/communities/%d" % mid, {"description": "m"}, token=admin), 200,
              "PATCH community")
    w.org("E")
    w.person("e1", "E")
    r = req("POST", "/communities/%d/applications" % mid,
            {"organisation_id": w.oid("E"), "representatives": [w.pid("e1")]},
            token=w.token("e1"))
    ck.status(r, 201, "apply")
    app = r.data["id"]
    ck.status(req("GET", "/communities/%d/applications/%d" % (mid, app), token=admin), 200,
              "get application")
    w.rep("m", "a1", "primary", "chair")
    w.rep("m", "d1", "primary", "member")
    ck.status(req("POST", "/communities/%d/applications/%d/votes" % (mid, app), {"vote": "yes"},
                  token=a1), 200, "vote")
    ck.status(req("DELETE", "/communities/%d/representatives/%d" % (mid, w.pid("d1")),
                  token=admin), 204, "remove representative")
    r = req("GET", "/tokens", token=b1)
    tid = [t["id"] for t in r.data["items"]][0]
    ck.status(req("DELETE", "/tokens/%d" % tid, token=b1), 204, "revoke token")
    ck.problem(req("POST", "/auth/login", {"email": "nobody@x.example.org",
                                          "password": "wrong password"}),
               "failed login", 401, "unauthorized")
    ck.problem(req("GET", "/nowhere"), "unknown route", 404, "not-found")
    tmp = kt.login(w.people["c1"]["email"], w.people["c1"]["password"])
    ck.status(req("POST", "/auth/logout", token=tmp), 204, "logout")

    # ---- the leak sweep of this test: b1, c1, d1, anonymous never see hidden markers
    for who in ("b1", "c1", "d1", None):
        tok = toks[who]
        for path in ["/reports?limit=200", "/indicators?limit=200", "/reports/%d" % san,
                     "/reports/%d/versions" % san, "/indicators?q=zq"]:
            r = kt.req("GET", path, token=tok)
            for m in ("zqamber1", "zqamberbody", "zqamber.example.org", "zqredv1",
                      "zqredbody", "zqh0"):
                ck.ok(m not in r.text, "%s %s leaks %s" % (who, path, m))
    print("schema checks: %d answers" % S.n)


if __name__ == "__main__":
    K.run("apib", main)
