#!/usr/bin/python3
"""seed_corpus.py - writes the seed corpora of the fuzz targets.

    /usr/bin/python3 tests/fuzz/seed_corpus.py [SHARED_INTEROP_DIR]
    /usr/bin/python3 tests/fuzz/seed_corpus.py --only fuzz_tpl,fuzz_taxii_query

Each target gets tests/fuzz/corpus/<target>/ with small inputs: valid
requests, bodies, indicators, times, configuration files and Markdown
written here, plus STIX bundles and MISP events taken from the shared
interop material (default ../shared/interop next to the repository) and
from tests/fixtures (files above 32 KiB are left out). Existing seed files
with the same name are overwritten; others (e.g. crash reproducers added
by hand) are kept. The seeds are checked in; rerun this only to refresh
them.
"""

import base64
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MAX_SEED = 32 * 1024

ADMIN = "ks_" + "a" * 64
CHAIR = "ks_" + "b" * 64
OUTSIDER = "ks_" + "c" * 64
READ_TOKEN = "kt_" + "d" * 64
WRITE_TOKEN = "kt_" + "e" * 64


def put(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def copy_files(target, paths, prefix):
    for p in paths:
        try:
            with open(p, "rb") as f:
                data = f.read()
        except OSError:
            continue
        if len(data) > MAX_SEED:
            continue
        name = prefix + "-" + os.path.basename(p)
        put(target, name, data)


def files_under(d, ext=".json"):
    out = []
    for base, _, names in os.walk(d):
        for n in sorted(names):
            if n.endswith(ext):
                out.append(os.path.join(base, n))
    return sorted(out)


# ---- indicators: one type byte, then the value
IND_TYPES = ["ipv4", "ipv6", "cidr", "domain", "url", "email", "md5", "sha1", "sha256", "cve",
             "asn"]
INDICATORS = {
    "ipv4": ["198.51.100.7", "0.0.0.0", "255.255.255.255", "010.1.1.1", "1.2.3"],
    "ipv6": ["2001:DB8::1", "::ffff:192.0.2.1", "fe80:0:0:0:0:0:0:1", "::", "1::2::3"],
    "cidr": ["10.1.2.3/24", "2001:db8::1/32", "0.0.0.0/0", "::/128", "10.0.0.0/33"],
    "domain": ["Bad.Example.NET.", "xn--bcher-kva.example", "a-b.c_d.example", "-x.example",
               "example.123"],
    "url": ["HTTP://User@Bad.Example.NET:8080/p?q=1#f", "https://[2001:db8::1]:443/x",
            "ftp://192.0.2.1/", "javascript:alert(1)", "http://exa mple.org/"],
    "email": ["Ann.Example@Example.ORG", "a+tag@b.example", "a..b@c.example",
              "\"q\"@x.example"],
    "md5": ["D41D8CD98F00B204E9800998ECF8427E"],
    "sha1": ["da39a3ee5e6b4b0d3255bfef95601890afd80709"],
    "sha256": ["E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"],
    "cve": ["cve-2024-3094", "CVE-1999-0001", "CVE-2021-44228123", "CVE-2021-0123"],
    "asn": ["AS64500", "as4294967295", "4294967296", "0"],
}


def seed_indicators():
    for t, values in INDICATORS.items():
        for i, v in enumerate(values):
            put("fuzz_indicator", "%s-%d" % (t, i), bytes([IND_TYPES.index(t)]) + v.encode())


def seed_text():
    samples = ["ann.de.vries@netbeheer.example.nl", "Info+Alerts@Example.org",
               "Ünïcödé text\twith tab", "line one\r\nline two", "\xed\xa0\x80",
               "emoji \U0001F600 and CJK \u4e2d\u6587", "soc@csirt.example",
               "a@b", "first.last@sub.domain.example."]
    for i, s in enumerate(samples):
        put("fuzz_text", "text-%d" % i, s.encode("utf-8", "surrogatepass"))
    put("fuzz_text", "overlong", b"\xc0\xaf\xe0\x80\xaf\xf4\x90\x80\x80")


def seed_rfc3339():
    for i, s in enumerate(["2026-11-26T07:32:46.123Z", "2026-11-26", "1985-04-12T23:20:50.52Z",
                           "1996-12-19T16:39:57-08:00", "1990-12-31T23:59:60Z",
                           "2024-02-29t00:00:00+14:00", "0000-01-01T00:00:00Z",
                           "9999-12-31T23:59:59.999999999Z", "2026-13-01T00:00:00Z"]):
        put("fuzz_rfc3339", "time-%d" % i, s)


def seed_config():
    put("fuzz_config", "full.conf",
        "# /etc/kring/kring.conf\nlisten = 127.0.0.1:8080\ndata = /var/lib/kring\n"
        "log_level = info\nmax_body = 1048576\nsession_ttl = 43200\n")
    put("fuzz_config", "quoted.conf", 'listen = "[::1]:0"\n  data="./kring-data"  \n\n#x\n')
    put("fuzz_config", "bad-key.conf", "listen = 127.0.0.1:8080\nnope = 1\n")
    put("fuzz_config", "bad-value.conf", "max_body = 99999999999999999999\n")
    put("fuzz_config", "crlf.conf", "log_level = debug\r\nsession_ttl = 60\r\n")
    put("fuzz_config", "listen-v6", "[2001:db8::1]:65535")


def seed_markdown():
    samples = {
        "basic.md": "# Title\n\nSome *emphasis*, **strong**, `code` and a [link](https://e.org).\n"
                    "\n- one\n- two\n\n1. a\n2. b\n\n> quote\n\n```c\nint x;\n```\n",
        "xss.md": "<script>alert(1)</script>\n\n[x](javascript:alert(1)) "
                  "[y](JaVaScRiPt:alert(1)) ![i](data:image/png;base64,AAAA) "
                  "[d](data:text/html,<b>) <img src=x onerror=alert(1)>\n",
        "entities.md": "[a](&#106;avascript:alert(1)) [b](java&#x09;script:x) "
                       "<a href=\"javascript:x\">c</a> &lt;tag&gt; &amp;\n",
        "autolink.md": "<https://example.org> <mailto:a@b.example> <javascript:alert(1)>\n",
        "table.md": "| a | b |\n|---|---|\n| 1 | 2 |\n\n---\nline  \nbreak\\\nend\n",
        "nested.md": "> > > - > 1. *a **b *c* d** e*\n" * 3,
    }
    for n, s in samples.items():
        put("fuzz_markdown", n, s)
    for p in ["README.md", "docs/ARCHITECTURE.md"]:
        try:
            with open(os.path.join(ROOT, p), "rb") as f:
                put("fuzz_markdown", os.path.basename(p), f.read()[:MAX_SEED])
        except OSError:
            pass


# ---- API bodies: "METHOD /pattern [ids]\n<caller>\n<body>"
REPORT = {"community_id": 1, "kind": "incident", "title": "Phishing wave", "body": "Seen *today*.",
          "level": "operational", "tlp": "AMBER", "recipient_organisations": [2],
          "recipient_people": [2],
          "indicators": [{"type": "ipv4", "value": "198.51.100.9", "comment": "c2"},
                         {"type": "url", "value": "https://bad.example.net/x",
                          "first_seen": "2026-01-01T00:00:00Z",
                          "valid_until": "2027-01-01"}]}
BODIES = [
    ("POST /auth/login", "-", {"email": "carla.chair@member.example.org",
                                "password": "correct horse battery staple 7"}),
    ("POST /auth/login", "-", {"email": "nobody@example.org", "password": "wrong password!"}),
    ("POST /auth/logout", "c", None),
    ("POST /tokens", "c", {"name": "automation", "scope": "write", "expires_days": 30}),
    ("POST /tokens", "w", {"name": "from a token", "scope": "read"}),
    ("POST /organisations", "a", {"name": "New Org", "kind": "company", "sectors": ["energy"],
                                  "region": "noord", "size_class": "small", "nis2": "important",
                                  "website": "https://new.example.org"}),
    ("PATCH /organisations/:id 2", "a", {"region": "zuid", "sectors": []}),
    ("POST /people", "a", {"name": "New Person", "email": "new.person@member.example.org",
                           "organisation_id": 2, "language": "nl", "is_admin": False}),
    ("PATCH /people/:id 2", "c", {"name": "Carla C.", "language": "en"}),
    ("PATCH /people/:id 3", "a", {"disabled": True}),
    ("POST /communities", "a", {"name": "Water", "kind": "sector", "description": "d",
                                "guidelines": "# Be nice", "max_primary": 3,
                                "default_tlp": "GREEN"}),
    ("PATCH /communities/:id", "c", {"guidelines": "# New rules", "description": "changed"}),
    ("POST /communities/:id/guidelines/accept", "c", {"version": 1}),
    ("POST /communities/:id/members", "a", {"organisation_id": 3}),
    ("PUT /communities/:id/representatives/:person_id 1 2", "c",
     {"kind": "primary", "role": "chair"}),
    ("POST /communities/:id/applications", "o", {"organisation_id": 3, "representatives": [3],
                                                 "motivation": "Please."}),
    ("POST /communities/:id/applications/:app_id/votes 1 1", "c", {"vote": "yes"}),
    ("POST /reports", "c", REPORT),
    ("POST /reports", "w", dict(REPORT, tlp="RED", recipient_organisations=[])),
    ("POST /reports", "r", dict(REPORT, tlp="CLEAR")),
    ("PATCH /reports/:id 1", "c", {"title": "Edited", "tlp": "AMBER+STRICT",
                                   "recipient_people": [2]}),
    ("POST /reports/:id/comments 1", "c", {"body": "A *comment*.", "tlp": "RED"}),
    ("POST /reports/:id/comments 2", "o", {"body": "not mine"}),
    ("POST /reports/:id/indicators 1", "c", {"type": "domain", "value": "EVIL.example.com.",
                                             "comment": "seen"}),
    ("POST /reports/:id/indicators 3", "w", {"type": "sha256", "value": "ab" * 32}),
]


def seed_api_body():
    for i, (route, caller, body) in enumerate(BODIES):
        text = "" if body is None else json.dumps(body)
        put("fuzz_api_body", "body-%02d" % i, "%s\n%s\n%s" % (route, caller, text))
    put("fuzz_api_body", "malformed", "POST /reports\nc\n{\"title\": \"x\",")
    put("fuzz_api_body", "deep", "POST /reports\nc\n" + "[" * 40 + "]" * 40)
    put("fuzz_api_body", "dupkey", "POST /tokens\nc\n{\"name\":\"a\",\"name\":\"b\"}")
    put("fuzz_api_body", "textplain", "POST /auth/login\n-x\n{}")


# ---- api_validate: one table byte, then JSON
def seed_api_validate():
    tables = [REPORT,
              {"name": "Org", "kind": "csirt", "sectors": ["a", "b"], "nis2": "none"},
              {"name": "P", "email": "p@x.example", "organisation_id": 1, "is_admin": True},
              {"name": "C", "kind": "theme", "max_primary": 10, "default_tlp": "tlp:amber"},
              {"organisation_id": 1, "representatives": [1, 2, 3, 4, 5]},
              {"email": "a@b.example", "password": "p" * 12},
              {"name": "t", "scope": "GREEN", "expires": "2026-11-26T07:32:46Z", "days": 0},
              {"body": "line\nline", "tlp": None},
              {"type": "url", "value": "http://x.example", "first_seen": "bad", "x": 1}]
    for i, body in enumerate(tables):
        put("fuzz_api_validate", "table-%d" % i, bytes([i]) + json.dumps(body).encode())
    put("fuzz_api_validate", "controls", bytes([2]) + b'{"name":"a\\u0001b","email":""}')


# ---- raw HTTP requests
def req(line, headers=(), body=""):
    return "\n".join([line] + list(headers)) + "\n\n" + body


def seed_http():
    auth = lambda s: "Authorization: Bearer " + s  # noqa: E731
    gets = ["/api/v1/health", "/api/v1/openapi.json", "/api/v1/me", "/api/v1/tokens",
            "/api/v1/organisations?kind=company&q=Fuzz&limit=5",
            "/api/v1/people?org=2&q=carla&cursor=10&limit=1",
            "/api/v1/communities?limit=200", "/api/v1/communities/1",
            "/api/v1/communities/1/members", "/api/v1/communities/1/applications?status=pending",
            "/api/v1/communities/1/applications/1", "/api/v1/audit?action=login&since=2020-01-01",
            "/api/v1/communities/1/audit?person=2",
            "/api/v1/reports?kind=incident&tlp=GREEN&community=1&level=operational&q=report"
            "&since=2020-01-01T00:00:00Z&cursor=99&limit=2",
            "/api/v1/reports/count?tlp=RED", "/api/v1/reports/1", "/api/v1/reports/2/versions",
            "/api/v1/reports/1/versions/1", "/api/v1/reports/1/comments",
            "/api/v1/reports/3/indicators",
            "/api/v1/indicators?type=ipv4&value=198.51.100.7&q=198&limit=10"]
    secrets = [CHAIR, ADMIN, OUTSIDER, READ_TOKEN, WRITE_TOKEN]
    for i, path in enumerate(gets):
        put("fuzz_http", "get-%02d" % i,
            req("GET %s HTTP/1.1" % path, [auth(secrets[i % len(secrets)]),
                                          "Accept: application/json"]))
    put("fuzz_http", "cookie", req("GET /api/v1/me HTTP/1.1",
                                   ["Cookie: kring_session=abc; csrf=\"x\"; theme=dark",
                                    auth(CHAIR)]))
    put("fuzz_http", "post-login", req("POST /api/v1/auth/login HTTP/1.1",
                                       ["Content-Type: application/json; charset=utf-8"],
                                       json.dumps({"email": "carla.chair@member.example.org",
                                                   "password": "x" * 12})))
    put("fuzz_http", "post-report", req("POST /api/v1/reports HTTP/1.1",
                                        ["Content-Type: application/json", auth(WRITE_TOKEN)],
                                        json.dumps(REPORT)))
    put("fuzz_http", "delete", req("DELETE /api/v1/reports/1/indicators/1 HTTP/1.1",
                                   [auth(CHAIR)]))
    put("fuzz_http", "revoke", req("DELETE /api/v1/tokens/1 HTTP/1.1", [auth(CHAIR)]))
    put("fuzz_http", "bad-auth", req("GET /api/v1/me HTTP/1.1",
                                     ["Authorization: Basic dXNlcjpwYXNz"]))
    put("fuzz_http", "bad-method", req("BREW /api/v1/reports HTTP/1.1", [auth(CHAIR)]))
    put("fuzz_http", "encoded", req("GET /api/v1/reports/%31?q=%00%ff&q=2&limit=%2B1 HTTP/1.1",
                                    [auth(CHAIR)]))
    put("fuzz_http", "http10", req("GET /api/v1/health HTTP/1.0"))
    # the web pages: session cookie, CSRF token, forms, language
    cookie = "Cookie: kring_session=%s; kring_lang=nl" % CHAIR
    for i, path in enumerate(["/", "/reports", "/reports/1", "/reports/new", "/reports/1/edit",
                              "/reports/1/versions/1", "/communities", "/communities/1",
                              "/communities/1/audit", "/organisation", "/account", "/signin",
                              "/static/kring.css", "/reports?q=green&tlp=GREEN&page=2"]):
        put("fuzz_http", "web-%02d" % i, req("GET %s HTTP/1.1" % path, [cookie]))
    form = "Content-Type: application/x-www-form-urlencoded"
    put("fuzz_http", "web-signin", req("POST /signin HTTP/1.1",
                                       [form, "Cookie: kring_csrf=" + "f" * 64],
                                       "email=carla.chair%40member.example.org&password="
                                       "correct+horse+battery+staple+7&csrf=" + "f" * 64))
    put("fuzz_http", "web-comment", req("POST /reports/1/comments HTTP/1.1", [form, cookie],
                                        "csrf=" + "f" * 64 + "&body=A+*comment*&tlp=AMBER"))
    put("fuzz_http", "web-language", req("POST /language HTTP/1.1", [form, cookie],
                                         "lang=en&back=%2Freports%3Fq%3Dx"))
    put("fuzz_http", "web-report", req("POST /reports HTTP/1.1", [form, cookie],
                                       "csrf=" + "f" * 64 + "&community_id=1&kind=incident&title=T"
                                       "&level=technical&tlp=GREEN&body=B&indicators=198.51.100.9"))
    # TAXII 2.1 and the MISP feed
    taxii = ["Accept: application/taxii+json;version=2.1", "Authorization: Bearer " + CHAIR]
    for i, path in enumerate([
            "/taxii2/", "/taxii2/1/", "/taxii2/1/collections/",
            "/taxii2/1/collections/reports/",
            "/taxii2/1/collections/reports/objects/?limit=10&match[type]=indicator,report"
            "&added_after=2020-01-01T00:00:00Z&match[spec_version]=2.1",
            "/taxii2/1/collections/reports/manifest/?match[id]=report--84e4d88f-44ea-4bcd-bbf3-"
            "b2c1c320bcb3&match[version]=all&next=abc",
            "/taxii2/1/collections/reports/objects/report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3/"
            "versions/?limit=1",
            "/taxii2/1/status/2d086da7-4bdc-4f91-900e-d77486753710/"]):
        put("fuzz_http", "taxii-%02d" % i, req("GET %s HTTP/1.1" % path, taxii))
    put("fuzz_http", "taxii-basic", req("GET /taxii2/1/collections/ HTTP/1.1",
                                        ["Accept: application/taxii+json;version=2.1",
                                         "Authorization: Basic Y2FybGEuY2hhaXJAbWVtYmVyLmV4YW1"
                                         "wbGUub3JnOmNvcnJlY3QgaG9yc2UgYmF0dGVyeSBzdGFwbGUgNw=="]))
    put("fuzz_http", "taxii-post", req("POST /taxii2/1/collections/reports/objects/ HTTP/1.1",
                                       ["Content-Type: application/taxii+json;version=2.1"] +
                                       taxii, json.dumps({"objects": []})))
    for i, f in enumerate(["manifest.json", "hashes.csv",
                           "84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3.json"]):
        put("fuzz_http", "feed-%d" % i, req("GET /feeds/misp/1/%s HTTP/1.1" % f,
                                            ["Authorization: Bearer " + READ_TOKEN]))
    put("fuzz_http", "many-query", req("GET /api/v1/reports?" +
                                       "&".join("a%d=%d" % (i, i) for i in range(70)) +
                                       " HTTP/1.1", [auth(CHAIR)]))


def seed_http_headers():
    """Header and cookie parsers that are only reachable through the server:
    Accept-Language, the session/CSRF/language cookies, Basic and Bearer,
    Content-Type and Accept with parameters."""
    cookie = "Cookie: kring_session=%s" % CHAIR
    for i, al in enumerate(["en-GB,en;q=0.9,nl;q=0.8", "nl-NL", "fr, de;q=0.5, EN",
                            "*;q=0.1", ",,;, en"]):
        put("fuzz_http", "lang-%d" % i, req("GET /signin HTTP/1.1", ["Accept-Language: " + al]))
    put("fuzz_http", "cookie-lang", req("GET / HTTP/1.1", [cookie + "; kring_lang=en"]))
    put("fuzz_http", "cookie-two", req("GET /reports HTTP/1.1", [
        "Cookie: kring_lang=xx; kring_session=", cookie, "Cookie: kring_csrf=" + "f" * 64]))
    put("fuzz_http", "cookie-quoted", req("GET /account HTTP/1.1", [
        'Cookie: kring_session="%s"; kring_lang="nl"; =x; ;; a==b' % CHAIR]))
    put("fuzz_http", "cookie-pending", req("POST /signin/totp HTTP/1.1", [
        "Content-Type: application/x-www-form-urlencoded; charset=UTF-8",
        "Cookie: kring_pending=kw_" + "0" * 64 + "; kring_csrf=" + "f" * 64],
        "code=123456&csrf=" + "f" * 64))
    put("fuzz_http", "cross-site", req("POST /language HTTP/1.1", [
        "Content-Type: application/x-www-form-urlencoded", cookie, "Sec-Fetch-Site: cross-site",
        "X-Forwarded-Proto: https"], "lang=nl&csrf=" + "f" * 64))
    basic = lambda s: "Authorization: Basic " + base64.b64encode(s).decode()  # noqa: E731
    taxii = "Accept: application/taxii+json;version=2.1"
    for i, cred in enumerate([b"carla.chair@member.example.org:" + READ_TOKEN.encode(),
                              b"CARLA.CHAIR@member.example.org:" + WRITE_TOKEN.encode(),
                              b"no-colon", b":", b"a@b:\x00x", b"\xff\xfe:\x80"]):
        put("fuzz_http", "basic-%d" % i, req("GET /taxii2/ HTTP/1.1", [taxii, basic(cred)]))
    put("fuzz_http", "basic-bad64", req("GET /taxii2/1/ HTTP/1.1",
                                        [taxii, "Authorization: Basic ***==\t"]))
    for i, auth in enumerate(["bearer\t" + READ_TOKEN, "Bearer  " + CHAIR + " ",
                              "Bearer " + CHAIR.upper(), "Token " + CHAIR, "Bearer"]):
        put("fuzz_http", "bearer-%d" % i, req("GET /api/v1/me HTTP/1.1",
                                              ["Authorization: " + auth]))
    for i, acc in enumerate(["*/*", "application/*;q=0.5", "application/taxii+json;version=2.0",
                             "application/taxii+json; version=\"2.1\"; q=0",
                             "text/html, application/taxii+json;version=2.1;q=0.1",
                             "application/json"]):
        put("fuzz_http", "accept-%d" % i, req("GET /taxii2/1/collections/ HTTP/1.1",
                                              ["Accept: " + acc, "Authorization: Bearer " + CHAIR]))
    for i, ct in enumerate(["application/taxii+json;version=2.0", "application/taxii+json",
                            "application/taxii+json ; charset=utf-8",
                            "application/stix+json;version=2.1", "APPLICATION/TAXII+JSON;VERSION=2.1"]):
        put("fuzz_http", "ctype-%d" % i, req("POST /taxii2/1/collections/reports/objects/ HTTP/1.1",
                                             ["Content-Type: " + ct, taxii,
                                              "Authorization: Bearer " + WRITE_TOKEN],
                                             json.dumps({"objects": []})))
    put("fuzz_http", "ctype-json-params", req("POST /api/v1/tokens HTTP/1.1", [
        "Content-Type: Application/JSON ; charset=\"utf-8\"", "Authorization: Bearer " + CHAIR],
        json.dumps({"name": "t", "scope": "read"})))


# ---- TAXII query strings: caller/endpoint byte, object byte, query
def seed_taxii_query():
    """Byte 0: caller (low nibble, 0-10), endpoint (bits 4-5: objects,
    manifest, object, versions), collection by uuid (bit 6), no trailing
    slash (bit 7); byte 1: the object; then the query string."""
    fake = "report--00000000-0000-4000-8000-000000000000"
    queries = ["", "limit=1", "limit=2&next=2", "limit=0", "limit=1001", "limit=-3",
               "limit=99999999999999999999", "limit=%2B1", "limit=1&limit=5",
               "next=abc", "next=0", "next=9223372036854775807",
               "match[type]=report,indicator", "match[type]=note&match[type]=identity",
               "match[type]=report+,+indicator+", "match%5Btype%5D=marking-definition",
               "match[type]=Report", "match[id]=" + fake + "," + fake.replace("report", "note"),
               "match[id]=indicator--zz", "match[version]=all", "match[version]=first,last",
               "match[version]=2026-01-01T00:00:00.000Z", "match[version]=soon",
               "match[spec_version]=2.0", "match[spec_version]=2.0,2.1",
               "match[spec_version]=2.1&match[spec_version]=2.0",
               "added_after=2020-01-01T00:00:00Z", "added_after=2099-01-01T00:00:00.000000Z",
               "added_after=2026-02-30t00:00:00z", "added_after=yesterday",
               "match[foo]=x", "foo=bar&&=&limit", "limit=%00", "%ff%fe=%80",
               "&".join("limit=%d" % i for i in range(1, 70))]
    n = 0
    for ep in range(4):
        for i, q in enumerate(queries):
            if ep and i % 4:
                continue  # every query on objects, a quarter on the others
            caller = (n * 5) % 11
            flags = (0x40 if n % 4 == 1 else 0) | (0x80 if n % 5 == 2 else 0)
            put("fuzz_taxii_query", "q-%d-%02d" % (ep, i),
                bytes([caller | ep << 4 | flags, (n * 7) % 256]) + q.encode())
            n += 1


# ---- templates: byte 0 bit 0 clear: template source; set: data for a shipped one
def seed_tpl():
    sources = {
        "each": "<ul>{{#each items}}<li>{{name}} {{n}}</li>{{else}}none{{/each}}</ul>",
        "if": "{{#if yes}}y{{else}}n{{/if}}{{#unless nil}}u{{/unless}}{{#if empty}}e{{/if}}",
        "paths": "{{obj.name}}|{{obj.deep.name}}|{{.}}|{{n}}|{{real}}|{{yes}}|{{no}}|{{nil}}",
        "text": "{{t nav.home}} {{t report.version_n n}} {{t no.such.key}} {{t k a b c d}}",
        "partials": "{{> part}}{{> loop}}{{> missing}}",
        "raw": "<div>{{raw html}}{{raw name}}</div>",
        "comment": "a {{! a comment\nover lines }} b {{!}}",
        "spaces": "{{  name  }}{{# if yes}}{{/ if}}",
        "bad-close": "{{#if yes}}{{/each}}",
        "unclosed": "{{#each items}}{{name}}",
        "two-else": "{{#if a}}1{{else}}2{{else}}3{{/if}}",
        "braces": "{{na{me}} {{a}b}} }} {{",
        "empty-tag": "{{}}{{ }}",
        "long-name": "{{" + "n" * 70 + "}}",
        "deep": "{{#if yes}}" * 25 + "x" + "{{/if}}" * 25,
        "deep-each": "{{#each items}}" * 24 + "{{name}}" + "{{/each}}" * 24,
        "plain": "<p>no tags at all & nothing to escape? <b>\"'</b></p>",
        "nul": "a\x00{{name}}",
        "marker": "<x-fz{{name}}x-fz>&x-fz'x-fz\"x-fz",
        "loop-each": "{{#each list}}{{.}}{{> loop}}{{/each}}",
    }
    for i, (n, src) in enumerate(sorted(sources.items())):
        put("fuzz_tpl", "src-" + n, bytes([(i % 2) * 2]) + src.encode())
    tdir = os.path.join(ROOT, "src", "web", "templates")
    for n in ["tlp.html", "report_rows.html", "audit.html"]:
        with open(os.path.join(tdir, n), "rb") as f:
            put("fuzz_tpl", "src-shipped-" + n, b"\x02" + f.read())
    # data half: the template (in the order of src/web/meson.build) and bytes
    # for the context generator, from a fixed pseudo-random sequence
    rnd = random.Random(20261126)
    for t in range(18):
        for k in range(2):
            body = bytes(rnd.randrange(256) for _ in range(64 + 192 * k))
            put("fuzz_tpl", "data-%02d-%d" % (t, k), bytes([1, t | (k << 7)]) + body)


def seed_stix(interop):
    ex = os.path.join(interop, "stix2.1", "examples")
    copy_files("fuzz_stix", files_under(ex), "ex")
    put("fuzz_stix", "kring-report.json", json.dumps({
        "type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {"type": "report", "spec_version": "2.1",
             "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-02T00:00:00.000Z",
             "name": "Phishing wave", "description": "Body *text*",
             "published": "2026-01-02T00:00:00Z", "report_types": ["threat-report"],
             "labels": ["kring-kind:incident", "kring-level:technical"],
             "object_refs": ["indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"],
             "object_marking_refs": [
                 "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]},
            {"type": "indicator", "spec_version": "2.1",
             "id": "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.7/32']", "pattern_type": "stix",
             "valid_from": "2026-01-01T00:00:00Z", "name": "c2"},
            {"type": "vulnerability", "spec_version": "2.1",
             "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
             "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
             "name": "CVE-2024-3094",
             "external_references": [{"source_name": "cve", "external_id": "CVE-2024-3094"}]},
        ]}))


def seed_misp(interop):
    copy_files("fuzz_misp", files_under(os.path.join(ROOT, "tests", "fixtures", "misp")),
               "fixture")
    copy_files("fuzz_misp", files_under(os.path.join(interop, "misp", "pymisp-minimal")),
               "pymisp")
    copy_files("fuzz_misp", files_under(os.path.join(interop, "misp", "events")), "event")
    copy_files("fuzz_misp", files_under(os.path.join(interop, "misp", "feed")), "feed")


def seed_csv(interop):
    """CSV reader and Shadowserver reports: two option bytes, then the file."""
    shadow = os.path.join(interop, "shadowserver")
    reports = [p for p in files_under(shadow, ".csv") if os.path.getsize(p) <= MAX_SEED]
    for i, p in enumerate(reports):
        with open(p, "rb") as f:
            data = f.read()
        name = os.path.basename(os.path.dirname(p))[:6] + "-" + os.path.basename(p)
        put("fuzz_shadowserver", name, bytes([7 + i, i % 8]) + data)
        put("fuzz_csv", name, bytes([7 + i, 0]) + data)
    samples = {
        "quotes": b'a,"b ""quoted"" c","multi\nline",d\r\n1,2,3,4\r\n',
        "bom-semicolon": b"\xef\xbb\xbfx;y;z\n\"1;2\";3;4\n",
        "lenient": b'a"b,c\n"open"tail,x\n"unterminated\n',
        "controls": b"a,b\x00c,d\n\x01,\x7f\ne\xff,f\n",
        "long-record": b"x" * 300 + b",y\nshort\n",
        "many-fields": b",".join([b"f"] * 40) + b"\n",
        "cr-only": b"a,b\rc,d\r\re,f",
    }
    options = {"quotes": 0, "bom-semicolon": 1, "lenient": 0, "controls": 2,
               "long-record": 4, "many-fields": 8, "cr-only": 3}
    for n, s in samples.items():
        put("fuzz_csv", n, bytes([13, options[n]]) + s)
    put("fuzz_shadowserver", "minimal", b"\x05\x00timestamp,ip,port,asn,geo,hostname\n"
        b"2021-03-04 05:06:07,192.0.2.1,80,64500,NL,host.example\n"
        b"bad,300.1.1.1,99999,x,,\n2021-03-04 05:06:07,2001:db8::1,,,,\n")
    put("fuzz_shadowserver", "no-subject", b"\x03\x01a,b,c\n1,2,3\n")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--only"]:
        # e.g. --only fuzz_tpl,fuzz_taxii_query: refresh those seeds alone
        only = {"fuzz_taxii_query": seed_taxii_query, "fuzz_tpl": seed_tpl,
                "fuzz_http_headers": seed_http_headers}
        for name in args[1].split(","):
            only[name]()
        return
    interop = args[0] if args else os.path.join(ROOT, "..", "shared", "interop")
    seed_indicators()
    seed_text()
    seed_rfc3339()
    seed_config()
    seed_markdown()
    seed_api_body()
    seed_api_validate()
    seed_http()
    seed_http_headers()
    seed_taxii_query()
    seed_tpl()
    seed_stix(interop)
    seed_misp(interop)
    seed_csv(interop)
    for t in sorted(os.listdir(os.path.join(HERE, "corpus"))):
        d = os.path.join(HERE, "corpus", t)
        files = os.listdir(d)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in files)
        print("%-20s %4d seeds %8d bytes" % (t, len(files), size))


if __name__ == "__main__":
    main()
