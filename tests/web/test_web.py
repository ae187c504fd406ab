"""test_web.py - black-box test of kring's web interface.

Starts `kring demo` (the seeded demo world) on a free port of 127.0.0.1 with
a fresh data directory, signs in as the demo people with urllib-style
requests (http.client, cookies kept by hand) and checks:

  * every page renders 200 for a person who may see it and the 404 page for
    one who may not (reports by TLP, versions, the audit log, applications);
  * every POST form found on any page, sent without its CSRF token or with
    a wrong one, answers 403;
  * every HTML answer carries the exact Content-Security-Policy, and the
    other security headers; HSTS and Secure cookies only over TLS (a trusted
    proxy's X-Forwarded-Proto: https);
  * the flows: sign in with and without TOTP (RFC 6238 codes computed here),
    code replay refused, session expiry and sign-out, write an AMBER report
    and read it from the same organisation, 404 from another one, the
    confirmation before a looser label, comments, voting an applicant in,
    the language switch, API tokens shown once and revoked, the login rate
    limit shared with the API, escaping of hostile text.

Usage: python3 test_web.py /path/to/kring
Exit status 0 when every check passed, 1 otherwise (one line per failure).
The server must stop cleanly on SIGTERM with no sanitizer report.
"""

import base64
import hashlib
import hmac
import html
import http.client
import json
import os
import re
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
SANITIZER_WORDS = ("AddressSanitizer", "LeakSanitizer", "runtime error")

DEMO = {
    "marieke": "marieke.devries@netbeheer-noordkust.example.nl",  # grid, ISAC chair
    "joost": "joost.bakker@netbeheer-noordkust.example.nl",       # grid, ISAC backup
    "sanne": "sanne.visser@waddenstroom.example.nl",              # supplier, ISAC secretary
    "pieter": "pieter.mulder@waddenstroom.example.nl",            # supplier, region chair
    "emma": "emma.jansen@energie-csirt.example.nl",               # CSIRT, ISAC vice-chair
    "thomas": "thomas.wright@energie-csirt.example.nl",           # CSIRT, ISAC backup
    "femke": "femke.smit@dijkstra-ict.example.nl",                # ICT, region only
    "daan": "daan.hoekstra@zuiderzeewarmte.example.nl",           # applicant
}
TITLES = {
    "clear": "Phishing met valse energiefacturen",
    "green": "Scans op OT-gateways vanaf 203.0.113.0/24",
    "amber": "Ransomware bij een onderaannemer van Waddenstroom",
    "strict": "Kwetsbaarheid in de webinterface van een RTU-gateway",
    "red": "Gerichte inlogpogingen op de meldkamer met gelekte accounts",
    "region": "Lessen uit de regionale crisisoefening",
}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def ok(self, cond, msg):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL: " + msg, flush=True)
        return cond

    def eq(self, got, want, msg):
        return self.ok(got == want, "%s: got %r, want %r" % (msg, got, want))


CK = Checker()
HTML_SEEN = []   # (method, path, status) of every HTML answer
FORMS = {}       # action -> (page path, fields without csrf, who)


def totp(secret_b32, t=None, step=30, digits=6):
    """RFC 6238 code (HMAC-SHA1) of a base32 secret at time t."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    counter = int((time.time() if t is None else t) // step)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 15
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % (10 ** digits)
    return "%0*d" % (digits, code)


class Client:
    """One browser: a cookie jar and the last CSRF token seen."""

    def __init__(self, port, name="anon"):
        self.port = port
        self.name = name
        self.cookies = {}
        self.csrf = None

    def request(self, method, path, body=None, headers=None, ctype=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = dict(headers or {})
        if self.cookies:
            hdrs["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        if body is not None:
            hdrs["Content-Type"] = ctype or "application/x-www-form-urlencoded"
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        headers_l = [(k.lower(), v) for k, v in resp.getheaders()]
        conn.close()
        for k, v in headers_l:
            if k == "set-cookie":
                name, _, rest = v.partition("=")
                value = rest.split(";", 1)[0]
                if "Max-Age=0" in v:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        h = {}
        for k, v in headers_l:
            h.setdefault(k, []).append(v)
        ctype_got = (h.get("content-type") or [""])[0]
        if ctype_got.startswith("text/html"):
            HTML_SEEN.append((method, path, resp.status))
            check_html_headers(method, path, h)
            m = re.search(r'name="csrf" value="([0-9a-f]{64})"', data)
            if m:
                self.csrf = m.group(1)
            collect_forms(path, data, self.name)
        return resp.status, h, data

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, fields, csrf=True, **kw):
        f = list(fields.items()) if isinstance(fields, dict) else list(fields)
        if csrf is True:
            f.append(("csrf", self.csrf or ""))
        elif csrf:
            f.append(("csrf", csrf))
        return self.request("POST", path, body=urllib.parse.urlencode(f), **kw)


def check_html_headers(method, path, h):
    what = "%s %s" % (method, path)
    CK.eq(h.get("content-security-policy"), [CSP], what + ": CSP")
    CK.eq(h.get("referrer-policy"), ["no-referrer"], what + ": Referrer-Policy")
    CK.eq(h.get("x-frame-options"), ["DENY"], what + ": X-Frame-Options")
    CK.eq(h.get("x-content-type-options"), ["nosniff"], what + ": nosniff")
    CK.ok(h.get("content-language", [""])[0] in ("nl", "en"), what + ": Content-Language")


def collect_forms(page, body, who):
    for m in re.finditer(r'<form method="post" action="([^"]+)"(.*?)</form>', body, re.S):
        action = html.unescape(m.group(1))
        fields = []
        for inp in re.finditer(r'<(?:input|button|textarea|select)[^>]*name="([^"]+)"'
                               r'(?:[^>]*value="([^"]*)")?', m.group(2)):
            if inp.group(1) != "csrf":
                fields.append((inp.group(1), html.unescape(inp.group(2) or "x")))
        FORMS.setdefault(action, (page, fields, who))


def fields_of(body, form_id):
    """The hidden fields of the form with that id."""
    m = re.search(r'<form[^>]*id="%s".*?</form>' % re.escape(form_id), body, re.S)
    if not m:
        return None
    out = {}
    for inp in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m.group(0)):
        out[inp.group(1)] = html.unescape(inp.group(2))
    return out


def report_ids(client):
    """title -> (id, tlp) of the reports in the reader's list."""
    st, _, body = client.get("/reports")
    CK.eq(st, 200, client.name + ": /reports")
    out = {}
    for m in re.finditer(r'<tr data-test="report-row" data-report-id="(\d+)" data-tlp="([^"]+)">'
                         r'.*?data-test="report-link">([^<]*)</a>', body, re.S):
        out[html.unescape(m.group(3))] = (int(m.group(1)), m.group(2))
    return out


# --------------------------------------------------------------------------
# the server

class Server:
    def __init__(self, kring):
        self.dir = tempfile.mkdtemp(prefix="kring-web-test-")
        self.data = os.path.join(self.dir, "data")
        env = dict(os.environ)
        env.update({"KRING_DATA": self.data, "KRING_LISTEN": "127.0.0.1:0",
                    "KRING_LOG_LEVEL": "warn", "KRING_WEB_TRUSTED_PROXY": "127.0.0.1",
                    "KRING_ALLOW_ROOT": "1"})  # tests may run as root; kring refuses it otherwise
        env.setdefault("ASAN_OPTIONS", "abort_on_error=1:detect_leaks=1")
        self.err = open(os.path.join(self.dir, "stderr.txt"), "w+")
        self.proc = subprocess.Popen([kring, "demo"], stdout=subprocess.PIPE, stderr=self.err,
                                     env=env, text=True)
        line = self.proc.stdout.readline()
        m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.stop()
            raise SystemExit("kring demo did not start: %r\n%s" % (line, self.stderr()))
        self.port = int(m.group(1))
        self.passwords = {}
        with open(os.path.join(self.data, "demo-credentials.txt")) as f:
            for ln in f:
                m = re.match(r"(?:demo login|login): (\S+) / (\S+)$", ln.strip())
                if m:
                    self.passwords[m.group(1)] = m.group(2)

    def stderr(self):
        self.err.flush()
        self.err.seek(0)
        return self.err.read()

    def db(self):
        return sqlite3.connect(os.path.join(self.data, "kring.db"), timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def sign_in(srv, who):
    c = Client(srv.port, who)
    st, _, _ = c.get("/signin")
    CK.eq(st, 200, who + ": GET /signin")
    st, h, body = c.post("/signin", {"email": DEMO[who], "password": srv.passwords[DEMO[who]],
                                     "next": "/"})
    CK.eq(st, 303, who + ": sign-in answers a redirect")
    CK.eq(h.get("location"), ["/"], who + ": sign-in goes home")
    CK.ok("kring_session" in c.cookies, who + ": session cookie set")
    anon = c.csrf
    st, _, _ = c.get("/")
    CK.eq(st, 200, who + ": home page")
    CK.ok(c.csrf and c.csrf != anon, who + ": the session has its own CSRF token")
    return c


# --------------------------------------------------------------------------
# the checks

def check_anonymous(srv):
    c = Client(srv.port)
    st, h, _ = c.get("/")
    CK.eq(st, 303, "anonymous / redirects")
    CK.eq(h.get("location"), ["/signin"], "anonymous / goes to /signin")
    st, h, _ = c.get("/reports/1")
    CK.eq(h.get("location"), ["/signin?next=%2Freports%2F1"], "the page asked for comes back")
    st, h, body = Client(srv.port).get("/signin")
    CK.eq(st, 200, "sign-in page")
    CK.ok('<html lang="' in body and 'id="signin-form"' in body, "sign-in form shown")
    cookie = [v for v in h.get("set-cookie", []) if v.startswith("kring_csrf=")]
    CK.ok(cookie and "HttpOnly" in cookie[0] and "SameSite=Strict" in cookie[0]
          and "Secure" not in cookie[0], "anonymous CSRF cookie attributes: %r" % cookie)
    CK.ok("strict-transport-security" not in h, "no HSTS without TLS")
    st, h, body = c.get("/static/kring.css")
    CK.eq(st, 200, "stylesheet served")
    CK.ok(h.get("content-type", [""])[0].startswith("text/css"), "stylesheet type")
    CK.ok("#FF2B2B" in body and "#FFC000" in body and "#33FF00" in body, "TLP colours")
    st, h, _ = c.get("/static/kring.svg")
    CK.eq((st, h.get("content-type")), (200, ["image/svg+xml"]), "icon served")
    CK.eq(c.get("/static/nope.js")[0], 404, "unknown asset")
    # wrong password: the form comes back with an error, no session
    c.get("/signin")
    st, _, body = c.post("/signin", {"email": DEMO["pieter"], "password": "wrong password 1"})
    CK.eq(st, 200, "failed sign-in shows the form")
    CK.ok('data-test="error"' in body and "kring_session" not in c.cookies,
          "failed sign-in: error shown, no session")
    # behind the trusted proxy with TLS: Secure cookies and HSTS
    st, h, _ = c.get("/signin", headers={"X-Forwarded-Proto": "https"})
    CK.ok(h.get("strict-transport-security", [""])[0].startswith("max-age="),
          "HSTS behind a TLS proxy")
    st, h, _ = Client(srv.port).get("/signin", headers={"X-Forwarded-Proto": "https"})
    cookie = [v for v in h.get("set-cookie", []) if v.startswith("kring_csrf=")]
    CK.ok(cookie and "Secure" in cookie[0], "Secure cookie behind a TLS proxy")


def check_pages(srv, people):
    m, j, s, e, f = (people[k] for k in ("marieke", "joost", "sanne", "emma", "femke"))
    ids = report_ids(m)
    for key in ("clear", "green", "amber", "strict", "red"):
        CK.ok(TITLES[key] in ids, "marieke sees %s" % key)
    amber = ids[TITLES["amber"]][0]
    red = ids[TITLES["red"]][0]
    green = ids[TITLES["green"]][0]
    strict = ids[TITLES["strict"]][0]
    region = report_ids(f).get(TITLES["region"], (0,))[0]
    CK.ok(region > 0, "femke sees the regional report")
    CK.eq(ids[TITLES["amber"]][1], "AMBER", "badge of the AMBER report")

    # each page: 200 for the right person
    pages_ok = [
        (m, "/"), (m, "/reports"), (m, "/reports?tlp=AMBER&kind=incident&level=tactical&q=Ransom"),
        (m, "/reports?community=1"), (m, "/reports/%d" % amber), (m, "/reports/%d" % red),
        (m, "/reports/%d/versions/1" % amber), (m, "/reports/new"),
        (m, "/reports/new?community=1"), (m, "/reports/%d/edit" % red), (m, "/communities"),
        (m, "/communities/1"), (m, "/communities/2"), (m, "/organisation"), (m, "/account"),
        (s, "/communities/1/audit"), (s, "/communities/1/audit?action=write&object=report"),
        (e, "/reports/%d" % red), (e, "/reports/%d" % strict), (j, "/reports/%d" % amber),
        (f, "/reports/%d" % region), (f, "/communities/2/audit"),
    ]
    for c, path in pages_ok:
        st, _, body = c.get(path)
        CK.eq(st, 200, "%s: GET %s" % (c.name, path))
        CK.ok("<main" in body and "</html>" in body, "%s: %s is a whole page" % (c.name, path))
    # the report list filters work
    got = report_ids_from(m, "/reports?tlp=RED")
    CK.eq(set(got.values()), {"RED"}, "TLP filter")
    got = report_ids_from(m, "/reports?q=Ransomware")
    CK.eq(list(got), [amber], "text filter")

    # ... and 404 for the wrong one
    pages_404 = [
        (e, "/reports/%d" % amber),              # AMBER of another organisation
        (e, "/reports/%d/versions/1" % amber),
        (e, "/reports/%d/edit" % amber),
        (j, "/reports/%d" % red),                # RED for a colleague who is not named
        (f, "/reports/%d" % green),              # GREEN of a community she is not in
        (e, "/reports/%d" % region),             # GREEN of the regional community
        (m, "/communities/1/audit"),             # the chair is not the secretary
        (e, "/communities/1/audit"),
        (m, "/reports/999999"), (m, "/reports/abc"), (m, "/communities/999"),
        (m, "/reports/%d/versions/9" % amber),
    ]
    for c, path in pages_404:
        st, _, body = c.get(path)
        CK.eq(st, 404, "%s: GET %s" % (c.name, path))
        CK.ok('data-test="error-title"' in body, "%s: %s is the 404 page" % (c.name, path))
    # the 404 of an unreadable report is the 404 of a missing one
    b1 = e.get("/reports/%d" % amber)[2]
    b2 = e.get("/reports/999999")[2]
    CK.eq(b1.replace("/reports/%d" % amber, "X"), b2.replace("/reports/999999", "X"),
          "an invisible report answers exactly like a missing one")
    # readable but not the author: 403 for editing
    CK.eq(j.get("/reports/%d/edit" % amber)[0], 403, "a reader who is not the author")
    return {"amber": amber, "red": red, "green": green, "strict": strict, "region": region}


def report_ids_from(c, path):
    st, _, body = c.get(path)
    CK.eq(st, 200, "%s: GET %s" % (c.name, path))
    return {int(mm.group(1)): mm.group(2) for mm in
            re.finditer(r'data-report-id="(\d+)" data-tlp="([^"]+)"', body)}


def check_write_and_read(srv, people):
    m, j, e = people["marieke"], people["joost"], people["emma"]
    st, _, body = m.get("/reports/new?community=1")
    CK.ok('data-test="report-form"' in body, "write form")
    CK.ok(not re.search(r'name="tlp"[^>]*checked', body), "no label chosen in advance")
    fields = {"community": "1", "title": "Verdachte <script>alert(1)</script> logins",
              "kind": "incident", "level": "operational", "tlp": "AMBER",
              "body": "**Vet** en <img src=x onerror=alert(1)> tekst",
              "indicators": "ipv4 198.51.100.99 bron\ndomain Evil.Example.COM\n"}
    st, _, body = m.post("/reports", {k: v for k, v in fields.items() if k != "tlp"})
    CK.eq(st, 422, "a report without a label is refused")
    CK.ok('data-field="tlp"' in body, "the missing label is named")
    st, h, _ = m.post("/reports", fields)
    CK.eq(st, 303, "AMBER report written")
    loc = (h.get("location") or [""])[0]
    rid = int(loc.rsplit("/", 1)[-1]) if re.match(r"^/reports/\d+$", loc) else 0
    CK.ok(rid > 0, "redirect to the new report: %r" % loc)
    st, _, body = j.get("/reports/%d" % rid)
    CK.eq(st, 200, "a colleague of the same organisation reads it")
    CK.ok('data-tlp="AMBER"' in body, "AMBER badge on the report")
    CK.ok("&lt;script&gt;alert(1)&lt;/script&gt;" in body and "<script>" not in body,
          "title escaped")
    CK.ok("<strong>Vet</strong>" in body and "onerror" not in body, "Markdown rendered safely")
    CK.ok("198.51.100.99" in body and "evil.example.com" in body, "indicators normalised")
    CK.eq(e.get("/reports/%d" % rid)[0], 404, "another organisation of the community: 404")

    # a comment
    st, _, body = j.get("/reports/%d" % rid)
    st, h, _ = j.post("/reports/%d/comments" % rid, {"body": "Gezien, dank!", "tlp": "AMBER"})
    CK.eq(st, 303, "comment posted")
    st, _, body = m.get("/reports/%d" % rid)
    CK.ok("Gezien, dank!" in body, "the author sees the comment")
    st, _, _ = j.post("/reports/%d/comments" % rid, {"body": "te ruim", "tlp": "GREEN"})
    CK.eq(st, 422, "a comment looser than its report is refused")
    st, _, _ = j.post("/reports/%d/comments" % rid, {"body": "   ", "tlp": "AMBER"})
    CK.eq(st, 422, "an empty comment is refused")

    # looser label: a confirmation first
    edit = {"title": "Verdachte logins", "kind": "incident", "level": "operational",
            "tlp": "GREEN", "body": "nu breder"}
    st, _, body = m.post("/reports/%d" % rid, edit)
    CK.eq(st, 200, "a looser label asks first")
    CK.ok('data-test="tlp-confirm"' in body and 'name="confirm_tlp" value="GREEN"' in body,
          "the confirmation names the new label")
    CK.eq(e.get("/reports/%d" % rid)[0], 404, "nothing changed before the confirmation")
    wrong = dict(edit, confirm_tlp="AMBER")
    CK.eq(m.post("/reports/%d" % rid, wrong)[0], 200, "a confirmation of another label counts not")
    st, _, _ = m.post("/reports/%d" % rid, dict(edit, confirm_tlp="GREEN"))
    CK.eq(st, 303, "confirmed looser label saved")
    st, _, body = e.get("/reports/%d" % rid)
    CK.eq(st, 200, "GREEN now: the whole community reads it")
    CK.ok('data-version="2"' in body, "a second version exists")
    # the older AMBER version stays unreadable for her
    CK.eq(e.get("/reports/%d/versions/1" % rid)[0], 404, "older stricter version stays hidden")
    CK.eq(e.get("/reports/%d/versions/2" % rid)[0], 200, "the current version")
    # a stricter label needs no confirmation
    st, _, _ = m.post("/reports/%d" % rid, dict(edit, tlp="RED", body="alleen Emma"))
    CK.eq(st, 422, "RED without a named recipient is refused")
    st, _, _ = m.post("/reports/%d" % rid, [("title", "Verdachte logins"), ("kind", "incident"),
                                            ("level", "operational"), ("tlp", "RED"),
                                            ("body", "alleen Emma"),
                                            ("recipient_person", str(person_id(srv, "emma")))])
    CK.eq(st, 303, "stricter label saved at once")
    CK.eq(j.get("/reports/%d" % rid)[0], 404, "RED: the colleague no longer reads it")
    CK.eq(e.get("/reports/%d" % rid)[0], 200, "RED: the named recipient reads it")
    # a new report looser than the community's default asks too
    st, _, body = m.post("/reports", dict(fields, tlp="CLEAR", title="Openbaar", indicators=""))
    CK.ok(st == 200 and 'data-test="tlp-confirm"' in body, "CLEAR below the default AMBER asks")
    st, _, _ = m.post("/reports", dict(fields, tlp="CLEAR", title="Openbaar", indicators="",
                                       confirm_tlp="CLEAR"))
    CK.eq(st, 303, "confirmed CLEAR report")
    # someone outside the community cannot share in it
    st, _, _ = people["femke"].post("/reports", dict(fields, title="x"))
    CK.eq(st, 403, "no sharing in a community one does not take part in")
    return rid


def person_id(srv, who):
    with srv.db() as db:
        return db.execute("SELECT id FROM people WHERE email = ?", (DEMO[who],)).fetchone()[0]


def check_vote(srv, people):
    m, s, f = people["marieke"], people["sanne"], people["femke"]
    st, _, body = s.get("/communities/1")
    CK.ok('data-test="application"' in body, "the secretary sees the application")
    tally = re.search(r'data-yes="(\d+)" data-no="(\d+)" data-outstanding="(\d+)"', body)
    CK.ok(tally is not None and tally.groups() == ("1", "0", "2"), "tally 1 yes, 2 outstanding")
    app = re.search(r'data-application-id="(\d+)"', body)
    app_id = int(app.group(1)) if app else 0
    CK.eq(f.post("/communities/1/applications/%d/vote" % app_id, {"vote": "yes"})[0], 404,
          "a non-member cannot see the application to vote")
    CK.eq(people["joost"].post("/communities/1/applications/%d/vote" % app_id,
                               {"vote": "maybe"})[0], 400, "a vote is yes or no")
    st, h, _ = m.post("/communities/1/applications/%d/vote" % app_id, {"vote": "yes"})
    CK.eq((st, h.get("location")), (303, ["/communities/1?msg=voted"]), "first vote")
    st, _, body = m.get("/communities/1")
    CK.ok('data-test="my-vote"' in body and 'data-test="vote-form"' not in body,
          "one vote per organisation")
    CK.eq(people["joost"].post("/communities/1/applications/%d/vote" % app_id,
                               {"vote": "no"})[0], 409, "the colleague cannot vote again")
    st, h, _ = s.post("/communities/1/applications/%d/vote" % app_id, {"vote": "yes"})
    CK.eq((st, h.get("location")), (303, ["/communities/1?msg=admitted"]), "last vote admits")
    st, _, body = s.get("/communities/1")
    CK.ok("Zuiderzee Warmte B.V." in body and 'data-test="application"' not in body,
          "the new member is listed, the application gone")
    # the new member's person accepts the guidelines
    d = sign_in(srv, "daan")
    st, _, body = d.get("/communities/1")
    CK.ok('data-test="guidelines-accepted"' in body, "the applicant had accepted the guidelines")


def api_call(srv, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    hdrs = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        hdrs["Authorization"] = "Bearer " + token
    conn.request(method, "/api/v1" + path, body=None if body is None else json.dumps(body),
                 headers=hdrs)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, json.loads(data) if data else None


def check_guidelines(srv, people):
    # the chair of the region changes its guidelines through the API:
    # everyone must accept the new version
    st, d = api_call(srv, "POST", "/auth/login", {"email": DEMO["pieter"],
                                                  "password": srv.passwords[DEMO["pieter"]]})
    CK.eq(st, 200, "API login of the region's chair")
    st, d = api_call(srv, "PATCH", "/communities/2", {"guidelines": "# Nieuw\n\nVersie twee."},
                     (d or {}).get("token"))
    CK.eq((st, (d or {}).get("guidelines_version")), (200, 2), "guidelines version 2")
    f = people["femke"]
    st, _, body = f.get("/communities/2")
    CK.ok('data-test="guidelines-accept-form"' in body and "Versie twee." in body,
          "accept button for the new version")
    CK.eq(f.get("/reports/new?community=2")[0], 403, "no sharing before accepting again")
    version = fields_of(body, "guidelines-accept-form") or {}
    CK.eq(version.get("version"), "2", "the form names the version read")
    st, _, _ = f.post("/communities/2/guidelines/accept", {"version": "1"})
    CK.eq(st, 409, "accepting an old version")
    st, h, _ = f.post("/communities/2/guidelines/accept", {"version": "2"})
    CK.eq((st, h.get("location")), (303, ["/communities/2?msg=accepted"]), "guidelines accepted")
    st, _, body = f.get("/communities/2")
    CK.ok('data-test="guidelines-accepted"' in body, "accepted now")
    CK.eq(f.get("/reports/new?community=2")[0], 200, "sharing again")
    CK.eq(people["emma"].post("/communities/2/guidelines/accept", {"version": "2"})[0], 404,
          "guidelines of a community one has nothing to do with")


def check_language(srv, people):
    t = people["thomas"]
    st, _, body = t.get("/")
    CK.ok('<html lang="en">' in body, "Thomas's language is English")
    form = fields_of(body, "language-form")
    CK.eq(form.get("lang"), "nl", "the switch offers Dutch")
    st, h, _ = t.post("/language", {"lang": "nl", "next": "/reports"})
    CK.eq((st, h.get("location")), (303, ["/reports"]), "language switched")
    st, h, body = t.get("/reports")
    CK.ok('<html lang="nl">' in body and "Meldingen" in body, "Dutch page after the switch")
    CK.eq(h.get("content-language"), ["nl"], "Content-Language nl")
    CK.ok(re.search(r'<time datetime="[^"]+">\d+ [a-z]+\.? 20\d\d \d\d:\d\d</time>', body),
          "Dutch date style")
    st, h, _ = t.post("/language", {"lang": "en", "next": "//evil.example/"})
    CK.eq(h.get("location"), ["/"], "the switch never leaves kring")
    st, _, body = t.get("/reports")
    CK.ok('<html lang="en">' in body and re.search(
        r'<time datetime="[^"]+">\d+ [A-Z][a-z]+ 20\d\d, \d\d:\d\d</time>', body),
        "English page and date style")
    with srv.db() as db:
        lang = db.execute("SELECT lang FROM people WHERE email = ?", (DEMO["thomas"],)).fetchone()
    CK.eq(lang[0], "en", "the person's language follows the switch")
    CK.eq(t.post("/language", {"lang": "de"})[0], 400, "unknown language")


def code_after(secret, used):
    """A code of the earliest step after `used` that kring accepts now
    (one step of drift either side), waiting for it when needed."""
    while True:
        now = int(time.time()) // 30
        step = max(now - 1, used + 1)
        if step <= now + 1:
            return totp(secret, step * 30), step
        time.sleep(1)


def check_totp(srv):
    j = sign_in(srv, "joost")
    st, _, body = j.get("/account")
    CK.ok('data-state="off"' in body, "TOTP off at first")
    st, h, _ = j.post("/account/totp/start", {})
    CK.eq(st, 303, "enrolment started")
    st, _, body = j.get("/account")
    CK.ok('data-state="pending"' in body and "<svg" in body and 'role="img"' in body,
          "QR code drawn")
    m = re.search(r'data-test="totp-secret">([A-Z2-7 ]+)</code>', body)
    secret = m.group(1).replace(" ", "") if m else "A" * 32
    CK.ok(len(secret) == 32, "base32 secret of 20 bytes shown")
    now = time.time()
    good = totp(secret, now)
    st, _, body = j.post("/account/totp/confirm", {"code": "%06d" % ((int(good) + 1) % 10**6)})
    CK.eq(st, 422, "a wrong code does not finish the enrolment")
    st, h, _ = j.post("/account/totp/confirm", {"code": good})
    CK.eq((st, h.get("location")), (303, ["/account?msg=totp_on"]), "TOTP on")
    used = int(now) // 30
    st, _, _ = j.post("/signout", {})
    CK.eq(st, 303, "signed out")
    CK.eq(j.get("/")[0], 303, "signed out: no more pages")

    # password first, then the code
    c = Client(srv.port, "joost")
    c.get("/signin")
    st, h, _ = c.post("/signin", {"email": DEMO["joost"], "password": srv.passwords[DEMO["joost"]]})
    CK.eq((st, h.get("location")), (303, ["/signin/totp"]), "the code is asked for")
    CK.ok("kring_session" not in c.cookies, "no session before the code")
    CK.eq(c.get("/")[0], 303, "no pages before the code")
    st, _, body = c.get("/signin/totp")
    CK.ok('id="totp-form"' in body, "code form")
    # the code just used for the enrolment cannot be used again
    st, _, body = c.post("/signin/totp", {"code": good})
    CK.ok(st == 200 and 'data-test="error"' in body, "a used code is refused")
    code, used = code_after(secret, used)
    st, h, _ = c.post("/signin/totp", {"code": code[:3] + " " + code[3:]})
    CK.eq((st, h.get("location")), (303, ["/"]), "signed in with a new code")
    CK.eq(c.get("/")[0], 200, "pages after the code")
    st, _, body = c.get("/account")
    CK.ok('data-state="on"' in body, "TOTP on")
    # and off again, which needs a (new) code
    st, _, _ = c.post("/account/totp/disable", {"code": "12"})
    CK.eq(st, 422, "turning off needs a right code")
    c2 = Client(srv.port, "joost-2")  # a second browser, password only: asked for the code
    c2.get("/signin")
    st, h, _ = c2.post("/signin", {"email": DEMO["joost"],
                                   "password": srv.passwords[DEMO["joost"]]})
    CK.eq(h.get("location"), ["/signin/totp"], "second browser asked for the code too")
    code, used = code_after(secret, used)
    st, h, _ = c.post("/account/totp/disable", {"code": code})
    CK.eq((st, h.get("location")), (303, ["/account?msg=totp_off"]), "TOTP off")
    code, used = code_after(secret, used)
    st, h, _ = c2.post("/signin/totp", {"code": code})
    CK.eq(h.get("location"), ["/signin?msg=again"], "a pending sign-in ends when TOTP is gone")


def check_session_expiry_and_signout(srv):
    c = sign_in(srv, "pieter")
    CK.eq(c.get("/")[0], 200, "signed in")
    old = dict(c.cookies)
    with srv.db() as db:
        db.execute("UPDATE sessions SET expires = 1 WHERE person_id = ?",
                   (person_id(srv, "pieter"),))
    st, h, _ = c.get("/")
    CK.eq((st, h.get("location")), (303, ["/signin"]), "an expired session is signed out")
    c = sign_in(srv, "pieter")
    cookie_line = c.cookies.get("kring_session", "")
    CK.ok(cookie_line.startswith("kw_") and len(cookie_line) == 67, "session secret shape")
    st, _, _ = c.post("/signout", {})
    CK.eq(st, 303, "sign-out")
    c.cookies["kring_session"] = cookie_line
    CK.eq(c.get("/")[0], 303, "the old session cookie no longer works")
    c.cookies = old
    CK.eq(c.get("/")[0], 303, "nor the expired one")


def check_tokens(srv, people):
    e = people["emma"]
    st, _, body = e.post("/organisation/tokens", {"name": "SIEM", "scope": "read",
                                                  "expires_days": "30"})
    CK.eq(st, 201, "token created")
    m = re.search(r'data-test="new-token-value">(kt_[0-9a-f]{64})</code>', body)
    CK.ok(m is not None, "the secret is shown once")
    secret = m.group(1) if m else ""
    st, _, body = e.get("/organisation")
    CK.ok(secret and secret not in body and secret[:12] in body, "only the prefix afterwards")
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + secret})
    r = conn.getresponse()
    r.read()
    CK.eq(r.status, 200, "the token works on the API")
    tid = re.search(r'data-token-id="(\d+)"', body)
    tid = int(tid.group(1)) if tid else 0
    CK.eq(people["marieke"].post("/organisation/tokens/%d/revoke" % tid, {})[0], 404,
          "someone else's token does not exist")
    st, h, _ = e.post("/organisation/tokens/%d/revoke" % tid, {})
    CK.eq((st, h.get("location")), (303, ["/organisation?msg=revoked"]), "token revoked")
    conn.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + secret})
    r = conn.getresponse()
    r.read()
    conn.close()
    CK.eq(r.status, 401, "a revoked token stops working")
    CK.eq(e.post("/organisation/tokens", {"name": " ", "scope": "read"})[0], 422, "blank name")
    CK.eq(e.post("/organisation/tokens", {"name": "x", "scope": "root"})[0], 422, "bad scope")


def check_csrf_everywhere(srv, people):
    """Every POST form seen on any page, without its token or with a wrong
    one: 403, and nothing happens."""
    by_name = dict(people)
    CK.ok(len(FORMS) >= 12, "forms collected: %d" % len(FORMS))
    wrong = "0" * 64
    for action, (page, fields, who) in sorted(FORMS.items()):
        c = by_name.get(who)
        if c is None:
            c = Client(srv.port, "anon")
            c.get("/signin")
        for token, label in ((False, "without"), (wrong, "with a wrong")):
            st, h, body = c.post(action, fields, csrf=token)
            CK.eq(st, 403, "POST %s (form of %s) %s CSRF token" % (action, page, label))
            CK.ok('data-test="error-title"' in body, "403 page for " + action)
    # a cross-site form post is refused even with the token
    m = people["marieke"]
    m.get("/")
    st, _, _ = m.post("/language", {"lang": "en", "next": "/"},
                      headers={"Sec-Fetch-Site": "cross-site"})
    CK.eq(st, 403, "cross-site POST refused")
    st, _, _ = m.post("/language", {"lang": "en"}, ctype="text/plain")
    CK.eq(st, 403, "a POST that is not a form is refused")
    # one session's token is no good for another session
    other = people["emma"]
    other.get("/")
    st, _, _ = m.post("/language", {"lang": "en"}, csrf=other.csrf)
    CK.eq(st, 403, "another session's token")


def check_rate_limit(srv):
    c = Client(srv.port, "attacker")
    c.get("/signin")
    for i in range(4):
        st, _, _ = c.post("/signin", {"email": DEMO["femke"], "password": "nope nope nope %d" % i})
        CK.eq(st, 200, "failed attempt %d" % (i + 1))
    # after four failures the next attempt waits a second (progressive delay)
    st, h, _ = c.post("/signin", {"email": DEMO["femke"], "password": "nope nope nope 4"})
    CK.eq(st, 429, "fifth attempt right away is delayed")
    CK.eq(h.get("retry-after"), ["1"], "the first delay is 1 s")
    time.sleep(1.1)
    st, _, _ = c.post("/signin", {"email": DEMO["femke"], "password": "nope nope nope 5"})
    CK.eq(st, 200, "failed attempt 5 after the delay")
    st, h, body = c.post("/signin", {"email": DEMO["femke"], "password": srv.passwords[DEMO["femke"]]})
    CK.eq(st, 429, "sixth attempt limited, even with the right password")
    CK.ok("retry-after" in h, "Retry-After given")
    # the API shares the count
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.request("POST", "/api/v1/auth/login",
                 body=json.dumps({"email": DEMO["femke"],
                                  "password": srv.passwords[DEMO["femke"]]}),
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    conn.close()
    CK.eq(r.status, 429, "the API's login is limited by the web's failures")


def check_forwarded(srv):
    """Behind the trusted proxy (127.0.0.1 here) the client is the address in
    X-Forwarded-For: the login throttle and the audit key on it, and
    X-Forwarded-Proto still counts."""
    c = Client(srv.port, "behind-proxy")
    c.get("/signin")
    via = {"X-Forwarded-For": "192.0.2.66"}
    for i in range(11):
        st, _, _ = c.post("/signin", {"email": "ghost%d@nowhere.example.org" % i,
                                      "password": "nope nope nope"}, headers=via)
        CK.eq(st, 200, "forwarded failure %d" % (i + 1))
    # a client that writes its own X-Forwarded-For gains nothing: the proxy
    # appends the real address, and that is the one that counts
    st, h, _ = c.post("/signin", {"email": "ghost@nowhere.example.org", "password": "nope"},
                      headers={"X-Forwarded-For": "198.51.100.1, 192.0.2.66"})
    CK.eq(st, 429, "the forwarded address is delayed after its free failures")
    CK.eq(h.get("retry-after"), ["1"], "forwarded address: first delay 1 s")
    other = Client(srv.port, "behind-proxy-2")
    other.get("/signin")
    st, h, _ = other.post("/signin", {"email": DEMO["thomas"],
                                      "password": srv.passwords[DEMO["thomas"]]},
                          headers={"X-Forwarded-For": "192.0.2.67",
                                   "X-Forwarded-Proto": "https"})
    CK.eq(st, 303, "another address behind the same proxy signs in")
    CK.ok(h.get("strict-transport-security", [""])[0].startswith("max-age="),
          "HSTS behind a TLS proxy that forwards the address")
    db = srv.db()
    try:
        n = db.execute("SELECT count(*) FROM audit WHERE action = 'login-failed' "
                       "AND addr = '192.0.2.66'").fetchone()[0]
        ok = db.execute("SELECT count(*) FROM audit WHERE action = 'login' "
                        "AND addr = '192.0.2.67'").fetchone()[0]
    finally:
        db.close()
    CK.eq(n, 11, "failed sign-ins audited with the forwarded address")
    CK.eq(ok, 1, "the sign-in audited with the forwarded address")


def check_long_indicators(srv, people):
    """An indicator or its comment longer than the model allows is refused
    with the form, not stored cut (a cut URL is another indicator, a cut
    comment can end inside a character)."""
    m = people["marieke"]
    base = {"community": "1", "title": "Lang", "kind": "incident", "level": "operational",
            "tlp": "AMBER", "body": "x"}
    with srv.db() as db:
        before = db.execute("SELECT count(*) FROM indicators").fetchone()[0]
    for what, line in (("a URL of 3000 bytes",
                        "url https://evil.example.com/" + "a" * 3000 + " bron"),
                       ("a comment of 219 bytes cut inside a character",
                        "domain evil-comment.example.com " + "a" * 199 + "\u00e9" * 10)):
        st, _, body = m.post("/reports", dict(base, indicators=line + "\n"))
        CK.eq(st, 422, "web form refuses %s" % what)
        CK.ok('data-field="indicators"' in body, "the indicators field is named for %s" % what)
    with srv.db() as db:
        after = db.execute("SELECT count(*) FROM indicators").fetchone()[0]
    CK.eq(after, before, "nothing stored from the refused forms")


def main(argv):
    if len(argv) != 2:
        print("usage: test_web.py /path/to/kring", file=sys.stderr)
        return 2
    srv = Server(argv[1])
    try:
        check_anonymous(srv)
        people = {}
        for who in ("marieke", "joost", "sanne", "emma", "thomas", "femke"):
            people[who] = sign_in(srv, who)
        check_pages(srv, people)
        check_write_and_read(srv, people)
        check_long_indicators(srv, people)
        check_vote(srv, people)
        check_guidelines(srv, people)
        check_language(srv, people)
        check_tokens(srv, people)
        check_totp(srv)
        check_session_expiry_and_signout(srv)
        check_csrf_everywhere(srv, people)
        check_rate_limit(srv)
        check_forwarded(srv)
        CK.ok(len(HTML_SEEN) > 100, "HTML answers checked: %d" % len(HTML_SEEN))
    finally:
        rc = srv.stop()
        err = srv.stderr()
        CK.eq(rc, 0, "kring stops cleanly on SIGTERM")
        bad = [w for w in SANITIZER_WORDS if w in err]
        if not CK.ok(not bad, "no sanitizer report"):
            print(err[-20000:])
        if os.environ.get("KRING_TEST_KEEP"):
            print("kept " + srv.dir)
        else:
            shutil.rmtree(srv.dir, ignore_errors=True)
    print("%d passed, %d failed" % (CK.passed, CK.failed))
    return 1 if CK.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
