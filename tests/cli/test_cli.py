#!/usr/bin/env python3
"""test_cli.py - black-box tests of the `kring` command line contract.

    python3 test_cli.py /path/to/kring

Runs every command against fresh data directories under a temporary
directory: exit statuses (0 ok, 1 failure, 2 usage) with exactly one stderr
line on failure, configuration precedence, init/migrate/check/backup, the
admin commands, serve and demo (real servers on 127.0.0.1, stopped with
SIGTERM/SIGINT), the demo logins against the API, and `report list` through
the TLP policy. Exits 0 when every check passed, 1 otherwise (one line per
failed check). Any sanitizer report on stderr fails the check that saw it.
"""

import http.client
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time

SANITIZER_WORDS = ("AddressSanitizer", "LeakSanitizer", "runtime error:")
PASSWORD = "correct horse battery staple 7"


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


ck = Checker()


class Kring:
    def __init__(self, exe, tmp):
        self.exe = exe
        self.tmp = tmp
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("KRING_")}
        self.env["KRING_ALLOW_ROOT"] = "1"  # CI runs as root; serve refuses root otherwise

    def run(self, *args, env=None, data=None, stdin=None, timeout=120):
        e = dict(self.env)
        e.update(env or {})
        argv = [self.exe] + (["--data", data] if data else []) + list(args)
        p = subprocess.run(argv, env=e, capture_output=True, text=True, timeout=timeout,
                           input=stdin)
        for w in SANITIZER_WORDS:
            if w in p.stderr:
                ck.ok(False, "kring %s: sanitizer report:\n%s" % (" ".join(args), p.stderr))
                break
        return p

    def ok(self, *args, **kw):
        """Runs a command that must succeed; returns its stdout."""
        p = self.run(*args, **kw)
        ck.ok(p.returncode == 0 and p.stderr == "",
              "kring %s: exit %d, stderr %r" % (" ".join(args), p.returncode, p.stderr))
        return p.stdout

    def fails(self, code, *args, want=None, **kw):
        """Runs a command that must fail with exit code and one stderr line."""
        p = self.run(*args, **kw)
        name = "kring " + " ".join(args)
        ck.eq(p.returncode, code, name + ": exit status")
        lines = p.stderr.splitlines()
        ck.ok(len(lines) == 1 and lines[0].startswith("kring: "),
              "%s: stderr must be one line 'kring: ...', got %r" % (name, p.stderr))
        ck.eq(p.stdout, "", name + ": stdout")
        if want is not None:
            ck.ok(want in p.stderr, "%s: stderr %r lacks %r" % (name, p.stderr, want))
        return p


# --------------------------------------------------------------------------
# servers

class Server:
    """A running `kring serve`/`demo` whose stdout is read line by line."""

    def __init__(self, k, args, data, env=None):
        e = dict(k.env)
        e.update(env or {})
        self.stderr_path = os.path.join(k.tmp, "server-%d.err" % time.monotonic_ns())
        self.err = open(self.stderr_path, "w")
        self.proc = subprocess.Popen([k.exe, "--data", data] + args, env=e,
                                     stdout=subprocess.PIPE, stderr=self.err)
        self.buf = b""

    def line(self, timeout=60):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return None
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self.err.close()
        with open(self.stderr_path) as f:
            err = f.read()
        for w in SANITIZER_WORDS:
            if w in err:
                ck.ok(False, "server: sanitizer report:\n" + err[-4000:])
                break
        return code, err


def http_req(port, method, path, body=None, token=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdrs = {"Connection": "close"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if token:
        hdrs["Authorization"] = "Bearer " + token
    conn.request(method, path, body=data, headers=hdrs)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    try:
        payload = json.loads(raw) if raw else None
    except ValueError:
        payload = raw.decode("utf-8", "replace")
    return resp.status, payload


def listening_port(line):
    prefix = "kring listening on http://127.0.0.1:"
    if not line or not line.startswith(prefix) or not line.endswith("/"):
        return None
    try:
        return int(line[len(prefix):-1])
    except ValueError:
        return None


# --------------------------------------------------------------------------
# the checks

def check_usage(k):
    for args in (["--help"], ["help"], ["-h"], ["help", "org"], ["org", "--help"],
                 ["org", "add", "--help"], ["serve", "--help"], ["report", "list", "-h"],
                 ["backup", "--help"], ["routes", "--help"]):
        p = k.run(*args)
        ck.eq(p.returncode, 0, "kring %s: exit status" % " ".join(args))
        ck.ok(p.stdout.startswith("usage: kring"), "kring %s prints usage: %r"
              % (" ".join(args), p.stdout[:80]))
        ck.eq(p.stderr, "", "kring %s: stderr" % " ".join(args))
    top = k.run("--help").stdout
    for cmd in ("init", "migrate", "serve", "demo", "org add", "user add", "community add",
                "member add", "report list", "backup", "check", "routes"):
        ck.ok(("  " + cmd + " ") in top, "kring --help lists %r" % cmd)
    k.fails(2, want="missing command")
    k.fails(2, "frobnicate", want="unknown command")
    k.fails(2, "--frobnicate", "init")
    k.fails(2, "--data")
    k.fails(2, "org")
    k.fails(2, "org", "remove")
    k.fails(2, "org", "add", "--kind", "csirt")
    k.fails(2, "org", "add", "--name")
    k.fails(2, "org", "add", "--name", "X", "--kind", "csirt", "--colour", "blue")
    k.fails(2, "init", "extra")
    k.fails(2, "backup")
    k.fails(2, "member", "add", "--community", "1")
    k.fails(2, "org", "add", "--name", "X", "--kind", "csirt",
            *sum([["--sector", "s%d" % i] for i in range(9)], []))


def check_config(k, tmp):
    a, b, c = (os.path.join(tmp, n) for n in ("cfg-a", "cfg-b", "cfg-c"))
    conf = os.path.join(tmp, "kring.conf")
    with open(conf, "w") as f:
        f.write("# test\nlisten = 127.0.0.1:0\ndata = %s\nlog_level = warn\n" % a)
    ck.eq(k.ok("--config", conf, "init"), "initialised %s/kring.db\n" % a,
          "config file sets data")
    ck.eq(k.ok("--config", conf, "init", env={"KRING_DATA": b}),
          "initialised %s/kring.db\n" % b, "environment overrides the config file")
    ck.eq(k.ok("--config", conf, "--data", c, "init", env={"KRING_DATA": b}),
          "initialised %s/kring.db\n" % c, "--data overrides the environment")
    for d in (a, b, c):
        ck.eq(stat.S_IMODE(os.stat(d).st_mode), 0o700, "mode of data directory " + d)
    nested = os.path.join(tmp, "x", "y", "z")
    ck.eq(k.ok("--data", nested, "init"), "initialised %s/kring.db\n" % nested,
          "init creates missing parents")
    bad = os.path.join(tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("listen = 127.0.0.1:0\ncolour = blue\n")
    k.fails(1, "--config", bad, "init", want="bad.conf:2: unknown key 'colour'")
    k.fails(1, "--config", os.path.join(tmp, "missing.conf"), "init", want="missing.conf")
    k.fails(1, "--data", a, "init", env={"KRING_MAX_BODY": "lots"}, want="KRING_MAX_BODY")
    k.fails(1, "--data", a, "init", env={"KRING_SESSION_TTL": "1"}, want="KRING_SESSION_TTL")
    k.fails(1, "--data", a, "init", env={"KRING_LOG_LEVEL": "chatty"}, want="KRING_LOG_LEVEL")
    k.fails(1, "--data", a, "init", env={"KRING_LISTEN": "nowhere"}, want="KRING_LISTEN")
    afile = os.path.join(tmp, "a-file")
    open(afile, "w").close()
    k.fails(1, "--data", afile, "init", want="data directory")


def check_store_commands(k, tmp):
    d = os.path.join(tmp, "store")
    out = k.ok("--data", d, "migrate")
    ck.ok(out.startswith("schema version ") and out.endswith(")\n"), "migrate output %r" % out)
    version = int(out.split()[2]) if out.startswith("schema version ") else -1
    ck.ok(version >= 1, "schema version is at least 1")
    ck.eq(out, "schema version %d (applied %d)\n" % (version, version),
          "migrate of a new store applies every migration")
    ck.eq(k.ok("--data", d, "migrate"), "schema version %d (applied 0)\n" % version,
          "migrate again applies nothing")
    ck.eq(k.ok("--data", d, "check"), "ok\n", "check of a new store")
    os.makedirs(os.path.join(tmp, "bk"))
    dest = os.path.join(tmp, "bk", "kring.db")
    ck.eq(k.ok("--data", d, "backup", dest), "backup written to %s\n" % dest, "backup output")
    with open(dest, "rb") as f:
        ck.eq(f.read(16), b"SQLite format 3\x00", "backup is an SQLite file")
    k.fails(1, "--data", d, "backup", dest, want="exists")
    ck.eq(k.ok("--data", os.path.dirname(dest), "check"), "ok\n", "check of the backup")
    broken = os.path.join(tmp, "broken")
    os.makedirs(broken, mode=0o700)
    with open(os.path.join(broken, "kring.db"), "wb") as f:
        f.write(b"this is not a database" * 100)
    k.fails(1, "--data", broken, "check")


def check_admin(k, tmp):
    d = os.path.join(tmp, "admin")
    k.ok("--data", d, "init")
    org = k.ok("--data", d, "org", "add", "--name", "Netbeheer Test B.V.", "--kind", "company",
               "--sector", "energy", "--sector", "water", "--region", "Noord-Nederland",
               "--size", "large", "--nis2", "essential", "--website",
               "https://www.netbeheer-test.example.nl/")
    ck.ok(org.strip().isdigit(), "org add prints an id: %r" % org)
    org = org.strip()
    org2 = k.ok("--data", d, "org", "add", "--name=CSIRT Test", "--kind=csirt").strip()
    ck.ok(org2.isdigit() and org2 != org, "second org id %r" % org2)
    k.fails(1, "--data", d, "org", "add", "--name", "X", "--kind", "bakery", want="--kind")
    k.fails(1, "--data", d, "org", "add", "--name", "X", "--kind", "csirt", "--size", "huge")
    k.fails(1, "--data", d, "org", "add", "--name", "X", "--kind", "csirt", "--nis2", "maybe")
    k.fails(1, "--data", d, "org", "add", "--name", "", "--kind", "csirt")
    k.fails(1, "--data", d, "org", "add", "--name", "X" * 201, "--kind", "csirt")
    k.fails(1, "--data", d, "org", "add", "--name", "X", "--kind", "csirt", "--website",
            "javascript:alert(1)")

    env = {"KRING_PASSWORD": PASSWORD}
    admin = k.ok("--data", d, "user", "add", "--name", "Ada Beheer", "--email",
                 "Ada.Beheer@Netbeheer-Test.example.nl", "--org", org, "--admin", "--lang", "en",
                 env=env).strip()
    ck.ok(admin.isdigit(), "user add prints an id: %r" % admin)
    k.fails(1, "--data", d, "user", "add", "--name", "Ada Twee", "--email",
            "ada.beheer@netbeheer-test.example.nl", "--org", org, env=env, want="already")
    k.fails(1, "--data", d, "user", "add", "--name", "Info", "--email",
            "info@netbeheer-test.example.nl", "--org", org, env=env)
    k.fails(1, "--data", d, "user", "add", "--name", "Kort", "--email",
            "kort@netbeheer-test.example.nl", "--org", org, env={"KRING_PASSWORD": "short"},
            want="12 to 1024")
    k.fails(1, "--data", d, "user", "add", "--name", "Lang", "--email",
            "lang@netbeheer-test.example.nl", "--org", org,
            env={"KRING_PASSWORD": "x" * 1025}, want="12 to 1024")
    k.fails(1, "--data", d, "user", "add", "--name", "Nergens", "--email",
            "nergens@netbeheer-test.example.nl", "--org", "99999", env=env,
            want="no organisation")
    k.fails(1, "--data", d, "user", "add", "--name", "Taal", "--email",
            "taal@netbeheer-test.example.nl", "--org", org, "--lang", "de", env=env)
    k.fails(1, "--data", d, "user", "add", "--name", "Id", "--email",
            "id@netbeheer-test.example.nl", "--org", "abc", env=env)
    pwfile = os.path.join(tmp, "pw.txt")
    with open(pwfile, "w") as f:
        f.write("file password 12345\n")
    bob = k.ok("--data", d, "user", "add", "--name", "Bob Analist", "--email",
               "bob.analist@csirt-test.example.nl", "--org", org2, "--password-file",
               pwfile).strip()
    ck.ok(bob.isdigit(), "user add with --password-file: %r" % bob)
    nopw = k.ok("--data", d, "user", "add", "--name", "Zonder Wachtwoord", "--email",
                "zonder@csirt-test.example.nl", "--org", org2).strip()
    ck.ok(nopw.isdigit(), "user add without a password: %r" % nopw)

    gl = os.path.join(tmp, "guidelines.md")
    with open(gl, "w") as f:
        f.write("# Richtlijnen\n\n1. TLP wordt gerespecteerd.\n")
    comm = k.ok("--data", d, "community", "add", "--name", "Test-ISAC", "--kind", "sector",
                "--description", "Een test.", "--guidelines-file", gl, "--max-primary", "3",
                "--default-tlp", "GREEN").strip()
    ck.ok(comm.isdigit(), "community add prints an id: %r" % comm)
    k.fails(1, "--data", d, "community", "add", "--name", "Y", "--kind", "club")
    k.fails(1, "--data", d, "community", "add", "--name", "Y", "--kind", "theme",
            "--max-primary", "11")
    k.fails(1, "--data", d, "community", "add", "--name", "Y", "--kind", "theme",
            "--default-tlp", "PURPLE")
    k.fails(1, "--data", d, "community", "add", "--name", "Y", "--kind", "theme",
            "--guidelines-file", os.path.join(tmp, "nope.md"))
    big = os.path.join(tmp, "big.md")
    with open(big, "w") as f:
        f.write("x" * 65537)
    k.fails(1, "--data", d, "community", "add", "--name", "Y", "--kind", "theme",
            "--guidelines-file", big)

    ck.eq(k.ok("--data", d, "member", "add", "--community", comm, "--org", org), "ok\n",
          "member add")
    k.fails(1, "--data", d, "member", "add", "--community", comm, "--org", org,
            want="already a member")
    k.fails(1, "--data", d, "member", "add", "--community", "999", "--org", org,
            want="no community")
    k.fails(1, "--data", d, "member", "add", "--community", comm, "--org", "999",
            want="no organisation")

    # the writes are audited (person 0, address "cli"), visible to the admin
    srv = Server(k, ["serve", "--listen", "127.0.0.1:0"], d)
    port = listening_port(srv.line())
    ck.ok(port is not None, "serve prints the listening line")
    if port:
        st, body = http_req(port, "POST", "/api/v1/auth/login",
                            {"email": "ada.beheer@netbeheer-test.example.nl",
                             "password": PASSWORD})
        ck.eq(st, 200, "CLI-created admin can log in")
        token = body.get("token") if isinstance(body, dict) else None
        st, body = http_req(port, "GET", "/api/v1/audit?limit=200", token=token)
        ck.eq(st, 200, "admin reads the audit log")
        items = body.get("items", []) if isinstance(body, dict) else []
        cli_rows = [i for i in items if i.get("address") == "cli"]
        kinds = sorted(set(i.get("object_type") for i in cli_rows))
        ck.ok(len(cli_rows) >= 7, "audit has the CLI writes: %d rows" % len(cli_rows))
        for want in ("organisation", "person", "community", "membership"):
            ck.ok(want in kinds, "audit has a CLI %s write (%s)" % (want, kinds))
        ck.ok(all(i.get("person_id") in (0, None) for i in cli_rows),
              "CLI audit rows belong to the operator (person 0)")
        st, _ = http_req(port, "POST", "/api/v1/auth/login",
                         {"email": "bob.analist@csirt-test.example.nl",
                          "password": "file password 12345"})
        ck.eq(st, 200, "password from --password-file works (trailing newline dropped)")
    code, err = srv.stop(signal.SIGINT)
    ck.eq(code, 0, "serve exits 0 on SIGINT")


def check_serve(k, tmp):
    d = os.path.join(tmp, "serve")
    k.fails(1, "--data", d, "serve", "--listen", "localhost:8080", want="literal IP")
    k.fails(1, "--data", d, "serve", "--listen", "127.0.0.1")
    k.fails(1, "--data", d, "demo", "--listen", "kring.example.nl:80", want="literal IP")
    k.fails(1, "--data", d, "serve", env={"KRING_LISTEN": "localhost:0"}, want="literal IP")
    srv = Server(k, ["serve"], d, env={"KRING_LISTEN": "127.0.0.1:0"})
    line = srv.line()
    port = listening_port(line)
    ck.ok(port is not None and port > 0, "serve listening line with the bound port: %r" % line)
    if port:
        st, body = http_req(port, "GET", "/api/v1/health")
        ck.eq(st, 200, "health answers 200")
        ck.ok(isinstance(body, dict) and body.get("status") == "ok", "health body %r" % body)
        # a second server on the same port fails with one line
        k.fails(1, "--data", d, "serve", "--listen", "127.0.0.1:%d" % port)
    code, err = srv.stop(signal.SIGTERM)
    ck.eq(code, 0, "serve exits 0 on SIGTERM")
    ck.ok("listening" in err, "serve logs to stderr: %r" % err[-300:])
    # IPv6 literal
    srv = Server(k, ["serve", "--listen", "[::1]:0"], d)
    line = srv.line()
    ck.ok(bool(line) and line.startswith("kring listening on http://[::1]:"),
          "IPv6 listening line %r" % line)
    srv.stop()

    routes = k.ok("routes").splitlines()
    ck.ok(len(routes) > 20, "routes lists the API: %d lines" % len(routes))
    ck.ok(all(len(r.split("\t")) == 2 for r in routes), "routes are METHOD<TAB>PATTERN")
    ck.ok("GET\t/api/v1/health" in routes, "routes has GET /api/v1/health")
    ck.ok("GET\t/api/v1/reports/:id" in routes, "routes has GET /api/v1/reports/:id")


def report_list(k, d, *args):
    out = k.ok("--data", d, "report", "list", *args)
    rows = [l.split("\t") for l in out.splitlines()]
    ck.ok(all(len(r) == 4 and r[0].isdigit() for r in rows),
          "report list rows are id<TAB>TLP<TAB>kind<TAB>title: %r" % out[:300])
    return rows


def check_demo(k, tmp):
    d = os.path.join(tmp, "demo")
    srv = Server(k, ["demo", "--listen", "127.0.0.1:0"], d)
    line = srv.line()
    port = listening_port(line)
    ck.ok(port is not None, "demo prints the URL first: %r" % line)
    logins = []
    for _ in range(2):
        l = srv.line(timeout=10)
        ck.ok(bool(l) and l.startswith("demo login: ") and " / " in l,
              "demo login line: %r" % l)
        if l and " / " in l:
            email, pw = l[len("demo login: "):].split(" / ", 1)
            logins.append((email, pw))
    ck.eq(len(logins), 2, "two demo logins")
    ck.ok(len(logins) == 2 and logins[0][0].split("@")[1] != logins[1][0].split("@")[1],
          "the demo logins belong to two organisations")
    for email, pw in logins:
        ck.ok(len(pw) >= 16, "demo password of %s has 16+ characters" % email)
    cred = os.path.join(d, "demo-credentials.txt")
    ck.ok(os.path.exists(cred), "demo-credentials.txt exists")
    if os.path.exists(cred):
        ck.eq(stat.S_IMODE(os.stat(cred).st_mode), 0o600, "demo-credentials.txt mode")
    tokens = {}
    if port:
        for email, pw in logins:
            st, body = http_req(port, "POST", "/api/v1/auth/login",
                                {"email": email, "password": pw})
            ck.eq(st, 200, "demo login %s works" % email)
            if isinstance(body, dict):
                tokens[email] = body.get("token")
        st, _ = http_req(port, "POST", "/api/v1/auth/login",
                         {"email": logins[0][0], "password": "wrong password 123"})
        ck.eq(st, 401, "a wrong demo password is refused")
        # the API and the CLI agree on what each demo login may read
        for email, token in tokens.items():
            st, body = http_req(port, "GET", "/api/v1/reports?limit=200", token=token)
            ck.eq(st, 200, "GET /reports as " + email)
            api_ids = sorted(i["id"] for i in body.get("items", [])) \
                if isinstance(body, dict) else []
            tokens[email] = api_ids
    code, err = srv.stop()
    ck.eq(code, 0, "demo exits 0 on SIGTERM")

    anon = report_list(k, d)
    ck.ok(len(anon) >= 1 and all(r[1] == "CLEAR" for r in anon),
          "anonymous report list shows CLEAR only: %r" % anon)
    total = set()
    seen_tlps = set()
    for email, _ in logins:
        rows = report_list(k, d, "--as", email)
        total |= set(r[0] for r in rows)
        seen_tlps |= set(r[1] for r in rows)
        if isinstance(tokens.get(email), list):
            ck.eq(sorted(int(r[0]) for r in rows), tokens[email],
                  "report list --as %s equals what the API shows" % email)
        ids = [int(r[0]) for r in rows]
        ck.eq(ids, sorted(ids, reverse=True), "report list is newest first")
    ck.eq(seen_tlps, {"CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"},
          "the demo logins together see every TLP")
    first = report_list(k, d, "--as", logins[0][0].upper())
    ck.ok(len(first) >= 5, "the first demo login reads most reports: %d" % len(first))
    second = report_list(k, d, "--as", logins[1][0])
    ck.ok(len(second) < len(first), "the second login reads fewer reports than the first")
    ck.ok(any(r[1] == "RED" for r in second), "the second login is a named RED recipient")
    ck.ok(any(r[1] == "AMBER" for r in first) and not any(r[1] == "AMBER" for r in second),
          "the AMBER report is hidden from an organisation that is not a recipient")
    only_red = report_list(k, d, "--as", logins[0][0], "--tlp", "RED")
    ck.ok(len(only_red) == 1 and only_red[0][1] == "RED", "--tlp RED: %r" % only_red)
    inc = report_list(k, d, "--as", logins[0][0], "--kind", "incident")
    ck.ok(len(inc) >= 1 and all(r[2] == "incident" for r in inc), "--kind incident: %r" % inc)
    lim = report_list(k, d, "--as", logins[0][0], "--limit", "2")
    ck.eq(lim, first[:2], "--limit 2 shows the newest two")
    ck.eq(report_list(k, d, "--community", "999"), [], "an unknown community lists nothing")
    k.fails(1, "--data", d, "report", "list", "--as", "nobody@example.nl", want="no person")
    k.fails(1, "--data", d, "report", "list", "--tlp", "PURPLE")
    k.fails(1, "--data", d, "report", "list", "--kind", "gossip")
    k.fails(1, "--data", d, "report", "list", "--community", "x")

    # a second demo run seeds nothing and prints the same logins
    srv = Server(k, ["demo", "--listen", "127.0.0.1:0"], d)
    ck.ok(listening_port(srv.line()) is not None, "second demo run prints the URL")
    again = [srv.line(timeout=10) for _ in range(2)]
    ck.eq(again, ["demo login: %s / %s" % l for l in logins],
          "second demo run prints the same logins")
    srv.stop()
    ck.eq(set(r[0] for r in report_list(k, d, "--as", logins[0][0])),
          set(r[0] for r in first), "second demo run did not seed again")
    ck.eq(k.ok("--data", d, "check"), "ok\n", "check of the demo store")


def main():
    if len(sys.argv) != 2:
        print("usage: %s /path/to/kring" % sys.argv[0], file=sys.stderr)
        return 2
    exe = os.path.abspath(sys.argv[1])
    tmp = tempfile.mkdtemp(prefix="kring-cli-")
    k = Kring(exe, tmp)
    try:
        for fn in (check_usage, check_config, check_store_commands, check_admin, check_serve,
                   check_demo):
            try:
                if fn is check_usage:
                    fn(k)
                else:
                    fn(k, tmp)
            except Exception as e:  # a crash in one group must not hide the others
                ck.ok(False, "%s raised %r" % (fn.__name__, e))
    finally:
        if os.environ.get("KRING_TEST_KEEP"):
            print("kept " + tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("cli: %d checks passed, %d failed" % (ck.passed, ck.failed), flush=True)
    return 0 if ck.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
