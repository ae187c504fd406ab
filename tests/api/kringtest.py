"""kringtest.py - harness for kring's black-box tests.

Runs a real `kring serve` on a free port of 127.0.0.1 with a fresh data
directory, bootstraps an administrator through the CLI, and offers a small
HTTP client, result checks, and a World builder that seeds communities,
organisations, people, memberships, representatives and reports through the
API while keeping a model of who may read what under kring's TLP rules.

Each test script is a standalone program:
    python3 test_x.py /path/to/kring
It exits 0 when every check passed, 1 otherwise (one line per failed check).
When the server is stopped it must exit 0 and its stderr must carry no
sanitizer report; otherwise the test fails and the stderr is printed.
Set KRING_TEST_KEEP=1 to keep the temporary directory for inspection.
"""

import hashlib
import http.client
import json
import os
import secrets
import select
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import traceback

API = "/api/v1"
TLPS = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]
TLP_RANK = {t: i for i, t in enumerate(TLPS)}
REPORT_KINDS = ["incident", "threat", "vulnerability", "measure", "lesson", "advisory",
                "question"]
LEVELS = ["strategic", "tactical", "operational", "technical"]
SANITIZER_WORDS = ("AddressSanitizer", "LeakSanitizer", "runtime error")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
PASSWORD = "correct horse battery staple 7"


# --------------------------------------------------------------------------
# checks

class Checker:
    """Collects check results; prints one line per failed check."""

    MAX_PRINTED = 400

    def __init__(self, name):
        self.name = name
        self.passed = 0
        self.failed = 0

    def ok(self, cond, msg):
        if cond:
            self.passed += 1
            return True
        self.fail(msg)
        return False

    def fail(self, msg):
        self.failed += 1
        if self.failed <= self.MAX_PRINTED:
            print("FAIL: " + msg, flush=True)
        elif self.failed == self.MAX_PRINTED + 1:
            print("FAIL: (further failures not printed)", flush=True)

    def eq(self, got, want, msg):
        if got == want:
            self.passed += 1
            return True
        self.fail("%s: got %s, want %s" % (msg, short(got), short(want)))
        return False

    def status(self, resp, want, msg):
        """want: an int or a collection of ints."""
        wants = (want,) if isinstance(want, int) else tuple(want)
        if resp.status in wants:
            self.passed += 1
            return True
        self.fail("%s: HTTP %d, want %s; body %s" % (msg, resp.status,
                                                     "/".join(map(str, wants)),
                                                     short(resp.text, 300)))
        return False

    def problem(self, resp, msg, status=None, slug=None, field=None):
        """Checks an RFC 9457 answer: content type, members, status echo,
        the stable slug and, for validation errors, errors[] naming field."""
        good = True
        if status is not None:
            good &= self.status(resp, status, msg)
        ctype = resp.headers.get("content-type", "")
        good &= self.ok(ctype.startswith("application/problem+json"),
                        "%s: content-type %r, want application/problem+json" % (msg, ctype))
        d = resp.data
        if not isinstance(d, dict):
            self.fail("%s: problem body is not a JSON object: %s" % (msg, short(resp.text)))
            return False
        for k in ("type", "title", "status", "detail"):
            good &= self.ok(k in d, "%s: problem lacks %r: %s" % (msg, k, short(d)))
        good &= self.ok(d.get("status") == resp.status,
                        "%s: problem status %r differs from HTTP %d" % (msg, d.get("status"),
                                                                       resp.status))
        t = d.get("type", "")
        good &= self.ok(isinstance(t, str) and t.startswith("urn:kring:problem:"),
                        "%s: problem type %r" % (msg, t))
        if slug is not None:
            good &= self.eq(t, "urn:kring:problem:" + slug, msg + ": problem type")
        if field is not None:
            errs = d.get("errors")
            fields = [e.get("field") for e in errs if isinstance(e, dict)] \
                if isinstance(errs, list) else []
            named = [f for f in fields if isinstance(f, str) and
                     (f == field or f.startswith(field + "[") or f.startswith(field + "."))]
            good &= self.ok(named, "%s: errors[] should name %r, has %s" % (msg, field, fields))
        return good

    def summary(self):
        print("%s: %d checks passed, %d failed" % (self.name, self.passed, self.failed),
              flush=True)
        return self.failed == 0


def short(v, n=200):
    s = v if isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[:n] + "..."


# --------------------------------------------------------------------------
# HTTP client

class Resp:
    """An HTTP answer: unpacks as (status, headers, data); headers have
    lower-case names; data is the parsed JSON when the body is JSON, else
    the text. raw/text keep the exact body for leak scans."""

    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        self.text = raw.decode("utf-8", "replace")
        self.data = self.text
        if "json" in headers.get("content-type", "") and raw:
            try:
                self.data = json.loads(self.text)
            except ValueError:
                pass

    def __iter__(self):
        return iter((self.status, self.headers, self.data))

    def __repr__(self):
        return "<Resp %d %s>" % (self.status, short(self.text, 120))


def _headers_of(msg):
    out = {}
    for k, v in msg.items():
        k = k.lower()
        out[k] = out[k] + ", " + v if k in out else v
    return out


class Client:
    """A new connection per request, so a half-dead server or an early
    answer cannot confuse the next request."""

    def __init__(self, host, port):
        self.host = host
        self.port = port

    def url(self, path):
        if path.startswith("/api/") or path == "/api" or path.startswith("//"):
            return path
        return API + path

    def request(self, method, path, body=None, token=None, raw=None, headers=None,
                timeout=60):
        """body: a JSON value to send; raw: exact bytes to send instead.
        headers: extra headers; a value of None removes a default header.
        Returns a Resp."""
        hdrs = {"Accept": "application/json", "Connection": "close"}
        data = None
        if raw is not None:
            data = raw
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        for k, v in (headers or {}).items():
            for old in [h for h in hdrs if h.lower() == k.lower()]:
                del hdrs[old]
            if v is not None:
                hdrs[k] = v
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.putrequest(method, self.url(path), skip_accept_encoding=True)
            for k, v in hdrs.items():
                conn.putheader(k, v)
            if data is not None:
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders()
            if data:
                try:
                    conn.send(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the server may answer (413) before reading everything
            r = conn.getresponse()
            raw_body = r.read()
            return Resp(r.status, _headers_of(r.msg), raw_body)
        finally:
            conn.close()

    def request_expect(self, method, path, data, token=None, content_type="application/json",
                       timeout=30):
        """Sends a large body politely: headers with Expect: 100-continue,
        then the body only if the server asks for it. Returns a Resp."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            head = ["%s %s HTTP/1.1" % (method, self.url(path)),
                    "Host: %s:%d" % (self.host, self.port),
                    "Content-Type: " + content_type,
                    "Content-Length: %d" % len(data),
                    "Expect: 100-continue",
                    "Connection: close"]
            if token:
                head.append("Authorization: Bearer " + token)
            s.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
            ready, _, _ = select.select([s], [], [], 3.0)
            buf = b""
            if ready:
                buf = _recv_some(s)
            if not ready or buf.startswith(b"HTTP/1.1 100"):
                # drop the interim answer, then send the body
                end = buf.find(b"\r\n\r\n")
                buf = buf[end + 4:] if end >= 0 else b""
                try:
                    for i in range(0, len(data), 65536):
                        s.sendall(data[i:i + 65536])
                except (BrokenPipeError, ConnectionResetError):
                    pass
            while True:
                try:
                    chunk = s.recv(65536)
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                buf += chunk
            return _parse_raw_response(buf)
        finally:
            s.close()

    def raw_exchange(self, request_bytes, timeout=10):
        """Sends exact request bytes; returns a Resp (status 0 if the server
        closed without an answer)."""
        s = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            s.sendall(request_bytes)
            buf = b""
            while True:
                try:
                    chunk = s.recv(65536)
                except (ConnectionResetError, socket.timeout):
                    break
                if not chunk:
                    break
                buf += chunk
            return _parse_raw_response(buf)
        finally:
            s.close()


def _recv_some(s):
    try:
        return s.recv(65536)
    except ConnectionResetError:
        return b""


def _parse_raw_response(buf):
    end = buf.find(b"\r\n\r\n")
    if not buf.startswith(b"HTTP/") or end < 0:
        return Resp(0, {}, buf)
    lines = buf[:end].decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        k = k.strip().lower()
        v = v.strip()
        headers[k] = headers[k] + ", " + v if k in headers else v
    body = buf[end + 4:]
    if "chunked" in headers.get("transfer-encoding", ""):
        out, rest = b"", body
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            try:
                size = int(size_line.split(b";")[0], 16)
            except ValueError:
                break
            if size == 0:
                break
            out += rest[:size]
            rest = rest[size + 2:]
        body = out
    elif "content-length" in headers:
        body = body[:int(headers["content-length"])]
    return Resp(status, headers, body)


# --------------------------------------------------------------------------
# the server under test

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sanitizer_env(base=None):
    env = dict(os.environ if base is None else base)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
    for k in ("KRING_LISTEN", "KRING_DATA", "KRING_LOG_LEVEL", "KRING_MAX_BODY",
              "KRING_SESSION_TTL", "KRING_PASSWORD"):
        env.pop(k, None)
    env["KRING_ALLOW_ROOT"] = "1"  # CI runs as root; kring serve refuses root otherwise
    return env


class Kring:
    """One kring installation under a temporary directory: the CLI, the
    server process, a client, a checker and the bootstrapped admin."""

    def __init__(self, exe, name):
        self.exe = os.path.abspath(exe)
        self.ck = Checker(name)
        self.tmp = tempfile.mkdtemp(prefix="kring-bbt-")
        self.data = os.path.join(self.tmp, "data")
        self.db = os.path.join(self.data, "kring.db")
        self.proc = None
        self.port = None
        self.client = None
        self.stderr_path = None
        self.nstarts = 0
        self.admin = None
        self.observer = None

    # ---- CLI
    def cli(self, *args, env=None, data=True, timeout=120, input=None):
        """Runs `kring [--data DIR] args...`; returns CompletedProcess (text)."""
        e = sanitizer_env()
        if env:
            e.update(env)
        argv = [self.exe] + (["--data", self.data] if data else []) + list(args)
        return subprocess.run(argv, env=e, capture_output=True, text=True, timeout=timeout,
                              input=input)

    def cli_ok(self, *args, env=None):
        """Runs a CLI command that must succeed; returns its stdout stripped."""
        p = self.cli(*args, env=env)
        if p.returncode != 0:
            raise RuntimeError("kring %s failed (%d): %s %s" % (" ".join(args), p.returncode,
                                                               p.stdout, p.stderr))
        for w in SANITIZER_WORDS:
            if w in p.stderr:
                self.ck.fail("kring %s: sanitizer report:\n%s" % (" ".join(args), p.stderr))
        return p.stdout.strip()

    def bootstrap(self):
        """init + an operator organisation + an admin person, via the CLI."""
        out = self.cli_ok("init")
        self.ck.ok(out.startswith("initialised "), "kring init prints 'initialised <path>': %r"
                   % out)
        org_id = int(self.cli_ok("org", "add", "--name", "Kring Operations", "--kind", "csirt"))
        pid = int(self.cli_ok("user", "add", "--name", "Ada Operator", "--email",
                              "ada.operator@ops.example.org", "--org", str(org_id), "--admin",
                              env={"KRING_PASSWORD": PASSWORD}))
        self.admin = {"id": pid, "org": org_id, "email": "ada.operator@ops.example.org",
                      "password": PASSWORD, "token": None}

    # ---- server
    def start(self, extra_env=None, tries=3):
        """Starts `kring serve` and waits for /health = 200 (30 s)."""
        last = None
        for _ in range(tries):
            self.port = free_port()
            self.nstarts += 1
            self.stderr_path = os.path.join(self.tmp, "serve-%d.stderr" % self.nstarts)
            env = sanitizer_env()
            env["KRING_DATA"] = self.data
            if extra_env:
                env.update(extra_env)
            self.stderr_file = open(self.stderr_path, "wb")
            # KRING_WRAPPER (e.g. "valgrind --error-exitcode=99") runs the server under it
            self.proc = subprocess.Popen(
                shlex.split(os.environ.get("KRING_WRAPPER", "")) +
                [self.exe, "serve", "--listen", "127.0.0.1:%d" % self.port],
                env=env, stdout=subprocess.PIPE, stderr=self.stderr_file)
            self.client = Client("127.0.0.1", self.port)
            deadline = time.time() + 30
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    break
                try:
                    r = self.client.request("GET", "/health", timeout=5)
                    if r.status == 200:
                        self.listen_line = self._first_stdout_line()
                        return
                except (OSError, http.client.HTTPException):
                    pass
                time.sleep(0.1)
            last = self.stderr_text()
            self._reap(kill=True)
        raise RuntimeError("kring serve did not become healthy; stderr:\n" + (last or ""))

    def _first_stdout_line(self):
        """The first stdout line, read from the raw descriptor."""
        buf, fd, end = b"", self.proc.stdout.fileno(), time.time() + 5
        while b"\n" not in buf and time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                buf += chunk
        return buf.split(b"\n")[0].decode("utf-8", "replace").strip()

    def stderr_text(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def _reap(self, kill):
        if self.proc is None:
            return None
        if kill and self.proc.poll() is None:
            self.proc.kill()
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.stderr_file.close()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None
        return rc

    def check_stderr(self, what):
        text = self.stderr_text()
        bad = [w for w in SANITIZER_WORDS if w in text]
        if bad:
            self.ck.fail("%s: server stderr contains %s:\n%s" % (what, bad, text[-20000:]))

    def stop(self):
        """SIGTERM; the server must exit 0 with a clean stderr."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.ck.fail("server did not exit within 30 s of SIGTERM")
            rc = self._reap(kill=True)
        else:
            rc = self._reap(kill=False)
        if rc != 0:
            self.ck.fail("server exited %s after SIGTERM; stderr:\n%s"
                         % (rc, self.stderr_text()[-20000:]))
        self.check_stderr("after SIGTERM")

    def kill9(self):
        """SIGKILL (no clean-up in the server); stderr still checked."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGKILL)
        self._reap(kill=False)
        self.check_stderr("after SIGKILL")

    def cleanup(self):
        if os.environ.get("KRING_TEST_KEEP"):
            print("kept " + self.tmp)
            return
        shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- client shortcuts
    def req(self, method, path, body=None, token=None, raw=None, headers=None):
        """A request; every answer is also shown to self.observer(token,
        method, path, resp) when one is set (leak scans)."""
        r = self.client.request(method, path, body=body, token=token, raw=raw,
                                headers=headers)
        if self.observer:
            self.observer(token, method, path, r)
        return r

    def login(self, email, password):
        """Returns the session secret; raises if the login fails."""
        r = self.req("POST", "/auth/login", {"email": email, "password": password})
        if r.status != 200 or not isinstance(r.data, dict) or "token" not in r.data:
            raise RuntimeError("login %s failed: %d %s" % (email, r.status, short(r.text)))
        return r.data["token"]

    def admin_token(self):
        if not self.admin["token"]:
            self.admin["token"] = self.login(self.admin["email"], self.admin["password"])
        return self.admin["token"]

    # ---- the store, read-only (WAL is fine)
    def db_connect(self):
        return sqlite3.connect("file:%s?mode=ro" % self.db, uri=True, timeout=30)

    def db_dump(self, skip=("audit", "session")):
        """Every row of every table whose name contains none of skip,
        as {table: sorted rows}; sqlite_sequence rows of skipped tables too
        are left out."""
        con = self.db_connect()
        try:
            out = {}
            names = [r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
            for t in names:
                if any(s in t.lower() for s in skip):
                    continue
                rows = con.execute('SELECT * FROM "%s"' % t.replace('"', '""')).fetchall()
                if t == "sqlite_sequence":
                    rows = [r for r in rows if not any(s in str(r[0]).lower() for s in skip)]
                out[t] = sorted(rows, key=repr)
            return out
        finally:
            con.close()


def run(name, body, start=True):
    """Entry point of each test script: body(kt) with a started server.
    Exits 0 when all checks passed."""
    if len(sys.argv) < 2:
        print("usage: %s /path/to/kring" % sys.argv[0], file=sys.stderr)
        sys.exit(2)
    kt = Kring(sys.argv[1], name)
    t0 = time.time()
    try:
        kt.bootstrap()
        if start:
            kt.start()
        body(kt)
    except Exception:  # a crash of the test is a failure, with its story
        kt.ck.fail("exception in test:\n" + traceback.format_exc())
        if kt.proc is not None:
            print("--- server stderr (tail) ---\n" + kt.stderr_text()[-6000:])
    finally:
        try:
            kt.stop()
        except Exception:
            kt.ck.fail("stopping the server:\n" + traceback.format_exc())
        kt.cleanup()
    print("%s: %.1f s" % (name, time.time() - t0))
    sys.exit(0 if kt.ck.summary() else 1)


# --------------------------------------------------------------------------
# markers: unique strings that reveal a leak wherever they appear

class Markers:
    """Distinct, fixed-width marker strings; none is a substring of another."""

    def __init__(self):
        self.n = 0

    def token(self, prefix="zq"):
        return prefix + secrets.token_hex(5)

    def next(self):
        self.n += 1
        return self.n


def indicator_set(mk, token):
    """A few indicators derived from a marker token. Returns a list of
    (input dict, normalised value expected)."""
    i = mk.next()
    h = hashlib.sha256(token.encode()).hexdigest()
    rot = [
        ({"type": "ipv4", "value": "203.0.113.%d" % (100 + i % 150)},
         "203.0.113.%d" % (100 + i % 150)),
        ({"type": "ipv6", "value": "2001:DB8::%X" % (0x1000 + i)},
         "2001:db8::%x" % (0x1000 + i)),
        ({"type": "url", "value": "HTTPS://%s.Example.org/ioc" % token.upper()},
         "https://%s.example.org/ioc" % token),
        ({"type": "email", "value": "x.%s@example.com" % token}, "x.%s@example.com" % token),
        ({"type": "md5", "value": hashlib.md5(token.encode()).hexdigest().upper()},
         hashlib.md5(token.encode()).hexdigest()),
        ({"type": "sha1", "value": hashlib.sha1(token.encode()).hexdigest()},
         hashlib.sha1(token.encode()).hexdigest()),
        ({"type": "cve", "value": "cve-2031-%d" % (100000 + i)}, "CVE-2031-%d" % (100000 + i)),
        ({"type": "asn", "value": "AS%d" % (4200000000 + i)}, "%d" % (4200000000 + i)),
        ({"type": "cidr", "value": "100.64.%d.7/24" % (100 + i % 150)},
         "100.64.%d.0/24" % (100 + i % 150)),
    ]
    extra = rot[i % len(rot)]
    return [
        ({"type": "domain", "value": "%s.Example.NET." % token.upper()},
         "%s.example.net" % token),
        ({"type": "sha256", "value": h.upper()}, h),
        extra,
    ]


# --------------------------------------------------------------------------
# the World: seeded through the API, with a model of the TLP rules

class World:
    """Builds organisations, people, communities, memberships, representatives,
    guideline acceptance, reports and comments through the API (as admin
    where needed) and remembers everything by short keys."""

    def __init__(self, kt):
        self.kt = kt
        self.ck = kt.ck
        self.mk = Markers()
        self.orgs = {}        # key -> {"id", "name"}
        self.people = {}      # key -> {"id", "org", "email", "password", "token"}
        self.comms = {}       # key -> {"id", "name", "version", "members": set(org keys)}
        self.accepted = {}    # (person key, community key) -> version
        self.pending = {}     # (community key, org key) -> application id
        self.reps = {}        # (community key, person key) -> (kind, role)
        self.reports = {}     # key -> record (see report())
        self.order = []       # report keys in creation order
        self.by_id = {}       # report id -> key

    # ---- plumbing
    def admin(self):
        return self.kt.admin_token()

    def call(self, method, path, body=None, token=None, want=(200, 201, 204), what=None):
        r = self.kt.req(method, path, body=body, token=token)
        if r.status not in ((want,) if isinstance(want, int) else want):
            raise RuntimeError("%s %s (%s): HTTP %d %s" % (method, path, what or "",
                                                          r.status, short(r.text, 500)))
        return r.data

    def pid(self, pkey):
        return self.people[pkey]["id"]

    def oid(self, okey):
        return self.orgs[okey]["id"]

    def cid(self, ckey):
        return self.comms[ckey]["id"]

    def token(self, pkey):
        p = self.people[pkey]
        if not p["token"]:
            p["token"] = self.kt.login(p["email"], p["password"])
        return p["token"]

    # ---- directory
    def org(self, key, kind="company", **extra):
        name = extra.pop("name", "Org %s %s" % (key.upper(), secrets.token_hex(2)))
        body = {"name": name, "kind": kind}
        body.update(extra)
        d = self.call("POST", "/organisations", body, self.admin(), 201, "org " + key)
        self.orgs[key] = {"id": d["id"], "name": name, "json": d}
        return d

    def person(self, key, org_key, admin=False, lang="en", login=True):
        first = key.replace("_", "")
        email = ("%s.tester@%s.example.org" % (first, org_key.replace("_", ""))).lower()
        body = {"name": "Person %s" % key, "email": email,
                "organisation_id": self.oid(org_key), "language": lang,
                "password": PASSWORD, "is_admin": admin}
        d = self.call("POST", "/people", body, self.admin(), 201, "person " + key)
        self.people[key] = {"id": d["id"], "org": org_key, "email": email,
                            "password": PASSWORD, "token": None, "json": d}
        if login:
            self.token(key)
        return d

    def community(self, key, kind="sector", guidelines=None, max_primary=None,
                  default_tlp=None):
        name = "Community %s %s" % (key.upper(), secrets.token_hex(2))
        body = {"name": name, "kind": kind, "description": "Test community " + key,
                "guidelines": guidelines or "# Rules\n\n1. Respect TLP.\n2. Share.\n"}
        if max_primary is not None:
            body["max_primary"] = max_primary
        if default_tlp is not None:
            body["default_tlp"] = default_tlp
        d = self.call("POST", "/communities", body, self.admin(), 201, "community " + key)
        self.comms[key] = {"id": d["id"], "name": name, "version": d.get("guidelines_version", 1),
                           "members": set(), "max_primary": max_primary or 2}
        return d

    def member(self, ckey, okey):
        self.call("POST", "/communities/%d/members" % self.cid(ckey),
                  {"organisation_id": self.oid(okey)}, self.admin(), (200, 201),
                  "member %s %s" % (ckey, okey))
        self.comms[ckey]["members"].add(okey)

    def rep(self, ckey, pkey, kind="primary", role="member", token=None):
        self.call("PUT", "/communities/%d/representatives/%d" % (self.cid(ckey), self.pid(pkey)),
                  {"kind": kind, "role": role}, token or self.admin(), (200, 201, 204),
                  "rep %s %s" % (ckey, pkey))
        self.reps[(ckey, pkey)] = (kind, role)

    def accept(self, pkey, ckey):
        v = self.comms[ckey]["version"]
        d = self.call("POST", "/communities/%d/guidelines/accept" % self.cid(ckey),
                      {"version": v}, self.token(pkey), 200, "accept %s %s" % (pkey, ckey))
        self.ck.eq(d.get("accepted_version") if isinstance(d, dict) else d, v,
                   "accept answer of %s in %s" % (pkey, ckey))
        self.accepted[(pkey, ckey)] = v

    def change_guidelines(self, ckey, pkey, text):
        d = self.call("PATCH", "/communities/%d" % self.cid(ckey), {"guidelines": text},
                      self.token(pkey), 200, "guidelines " + ckey)
        v = d.get("guidelines_version")
        self.ck.eq(v, self.comms[ckey]["version"] + 1, "guidelines_version after a change")
        self.comms[ckey]["version"] = v if isinstance(v, int) else self.comms[ckey]["version"] + 1
        return d

    # ---- reports
    def report(self, key, author, ckey, tlp, kind="incident", level="operational",
               rorgs=(), rpeople=(), nind=True):
        tok = self.mk.token()
        ttok = self.mk.token("zt")
        inds = indicator_set(self.mk, tok) if nind else []
        body = {"community_id": self.cid(ckey), "kind": kind,
                "title": "%s %s report %s" % (tlp, kind, ttok),
                "body": "Details of **%s**.\n\n- seen at night\n" % tok,
                "level": level, "tlp": tlp,
                "recipient_organisations": [self.oid(o) for o in rorgs],
                "recipient_people": [self.pid(p) for p in rpeople],
                "indicators": [i for i, _ in inds]}
        d = self.call("POST", "/reports", body, self.token(author), 201, "report " + key)
        rec = {"key": key, "id": d["id"], "community": ckey, "tlp": tlp, "kind": kind,
               "level": level, "author": author, "source": self.people[author]["org"],
               "rorgs": list(rorgs), "rpeople": list(rpeople), "title": body["title"],
               "titles": [body["title"]], "tokens": [tok, ttok], "body": body["body"],
               "versions": [{"title": body["title"], "ttok": ttok, "tlp": tlp,
                             "rorgs": list(rorgs), "rpeople": list(rpeople)}],
               "indicators": [v for _, v in inds], "ind_inputs": [i for i, _ in inds],
               "comments": [], "version": d.get("version", 1), "updated": d.get("updated"),
               "json": d}
        self.reports[key] = rec
        self.order.append(key)
        self.by_id[d["id"]] = key
        return rec

    def patch(self, key, **changes):
        """PATCH as the author; title changes get a fresh marker token. Every
        PATCH makes a version whose snapshot (label, recipients, title) the
        model keeps."""
        rec = self.reports[key]
        body = {}
        ttok = rec["versions"][-1]["ttok"]
        if changes.pop("new_title", False):
            ttok = self.mk.token("zt")
            rec["tokens"].append(ttok)
            body["title"] = "%s edited report %s" % (changes.get("tlp", rec["tlp"]), ttok)
        if "tlp" in changes:
            body["tlp"] = changes["tlp"]
        if "rorgs" in changes:
            body["recipient_organisations"] = [self.oid(o) for o in changes["rorgs"]]
        if "rpeople" in changes:
            body["recipient_people"] = [self.pid(p) for p in changes["rpeople"]]
        for k in ("kind", "level", "body"):
            if k in changes:
                body[k] = changes[k]
        d = self.call("PATCH", "/reports/%d" % rec["id"], body, self.token(rec["author"]), 200,
                      "patch " + key)
        for k in ("tlp", "rorgs", "rpeople", "kind", "level", "body"):
            if k in changes:
                rec[k] = changes[k]
        if "title" in body:
            rec["title"] = body["title"]
            rec["titles"].append(body["title"])
        rec["versions"].append({"title": rec["title"], "ttok": ttok, "tlp": rec["tlp"],
                                "rorgs": list(rec["rorgs"]), "rpeople": list(rec["rpeople"])})
        rec["version"] = d.get("version", rec["version"] + 1)
        rec["updated"] = d.get("updated", rec["updated"])
        return d

    def add_indicator(self, key, ind_in, norm):
        rec = self.reports[key]
        d = self.call("POST", "/reports/%d/indicators" % rec["id"], ind_in,
                      self.token(rec["author"]), 201, "indicator " + key)
        rec["indicators"].append(norm)
        return d

    def comment(self, key, author, tlp=None):
        rec = self.reports[key]
        tok = self.mk.token("zc")
        body = {"body": "Comment %s on it." % tok}
        if tlp:
            body["tlp"] = tlp
        d = self.call("POST", "/reports/%d/comments" % rec["id"], body, self.token(author), 201,
                      "comment on " + key)
        c = {"id": d["id"], "author": author, "org": self.people[author]["org"],
             "tlp": tlp or rec["tlp"], "token": tok}
        rec["comments"].append(c)
        return c

    # ---- the model of kring's rules (policy.h)
    def participant(self, pkey, ckey):
        p = self.people[pkey]
        c = self.comms[ckey]
        return p["org"] in c["members"] and self.accepted.get((pkey, ckey)) == c["version"]

    def item_readable(self, pkey, tlp, ckey, author, source, rorgs, rpeople):
        if tlp == "CLEAR":
            return True
        if pkey is None:
            return False
        if pkey == author:
            return True
        if not self.participant(pkey, ckey):
            return False
        if tlp == "GREEN":
            return True
        if tlp in ("AMBER", "AMBER+STRICT"):
            orgs = {source} | set(rorgs) | {self.people[p]["org"] for p in rpeople}
            return self.people[pkey]["org"] in orgs
        return pkey in rpeople  # RED

    def can_read(self, pkey, key):
        r = self.reports[key]
        return self.item_readable(pkey, r["tlp"], r["community"], r["author"], r["source"],
                                  r["rorgs"], r["rpeople"])

    def can_read_comment(self, pkey, key, c):
        if not self.can_read(pkey, key):
            return False
        r = self.reports[key]
        rorgs = [r["source"]] + list(r["rorgs"]) + [self.people[p]["org"] for p in r["rpeople"]]
        rpeople = [r["author"]] + list(r["rpeople"])
        return self.item_readable(pkey, c["tlp"], r["community"], c["author"], c["org"], rorgs,
                                  rpeople)

    def can_read_version(self, pkey, key, n):
        """Version n (1-based) is shown to readers of the report whose own
        snapshot (label and recipients of that version) allows them too, so
        an older stricter version does not leak through a looser edit."""
        if not self.can_read(pkey, key):
            return False
        r = self.reports[key]
        v = r["versions"][n - 1]
        return self.item_readable(pkey, v["tlp"], r["community"], r["author"], r["source"],
                                  v["rorgs"], v["rpeople"])

    def readable_versions(self, pkey, key):
        return [n for n in range(1, len(self.reports[key]["versions"]) + 1)
                if self.can_read_version(pkey, key, n)]

    def leak_strings(self, key):
        """Every string that reveals report key (titles of all versions, body
        token, indicator values)."""
        r = self.reports[key]
        return list(r["tokens"]) + list(r["indicators"])

    def leak_strings_for(self, pkey, key):
        """The strings of report key that pkey must never see: all of them
        when the report is unreadable, else the titles of versions pkey may
        not read (unless a readable version has the same title)."""
        if not self.can_read(pkey, key):
            return self.leak_strings(key)
        vs = self.reports[key]["versions"]
        ok = {vs[n - 1]["ttok"] for n in self.readable_versions(pkey, key)}
        return sorted({v["ttok"] for v in vs} - ok)


def ids_of(items):
    return [i.get("id") for i in items if isinstance(i, dict)]


def page_all(kt, path, token, limit, ck, what, max_pages=500):
    """Follows next_cursor; returns (all items, ok). Checks the list shape,
    that every page is newest first and that no id repeats."""
    sep = "&" if "?" in path else "?"
    items, cursor, pages = [], None, 0
    while True:
        p = "%s%slimit=%d" % (path, sep, limit) + ("&cursor=%s" % cursor if cursor else "")
        r = kt.req("GET", p, token=token)
        if not ck.status(r, 200, what + " " + p):
            return items, False
        d = r.data
        if not (isinstance(d, dict) and isinstance(d.get("items"), list) and "next_cursor" in d):
            ck.fail("%s: list shape {items, next_cursor} expected: %s" % (what, short(r.text)))
            return items, False
        ck.ok(len(d["items"]) <= limit, "%s: page longer than limit %d" % (what, limit))
        items.extend(d["items"])
        pages += 1
        cursor = d["next_cursor"]
        if cursor is None or pages >= max_pages:
            break
        if not d["items"]:
            ck.fail("%s: empty page with a next_cursor" % what)
            break
    got = ids_of(items)
    ck.ok(len(got) == len(set(got)), "%s: an id appears twice across pages: %s" % (what, got))
    ck.ok(got == sorted(got, reverse=True), "%s: not newest first: %s" % (what, got))
    return items, True


# --------------------------------------------------------------------------
# the standard world of the acceptance tests

# Members of each community, in the order the report recipes use them.
STANDARD_MEMBERS = {"c1": ["o1", "o2", "o6", "o3"],
                    "c2": ["o4", "o5", "o1"],
                    "c3": ["o2", "o4", "o6"]}
STANDARD_KINDS = {"c1": "sector", "c2": "region", "c3": "chain"}
ORG_KINDS = {"o1": "company", "o2": "government", "o3": "csirt", "o4": "linking",
             "o5": "supplier", "o6": "company", "o7": "company"}


def build_standard(w):
    """Three communities, seven organisations (o7 is in none: it has a
    pending application to c1), thirteen people plus the admin, founding
    members, representatives with chair/secretary roles, guideline
    acceptance (except o3b in c1), and in every community reports under
    every label, recipients, edits that tighten and loosen a label, comments
    with stricter labels and an indicator added later."""
    kt = w.kt
    w.orgs["ops"] = {"id": kt.admin["org"], "name": "Kring Operations"}
    w.people["admin"] = {"id": kt.admin["id"], "org": "ops", "email": kt.admin["email"],
                         "password": kt.admin["password"], "token": kt.admin_token()}
    for o in sorted(ORG_KINDS):
        w.org(o, ORG_KINDS[o], sectors=["energy"] if o in ("o1", "o6") else [],
              region="noord", size_class="medium", nis2="essential")
    for o in sorted(ORG_KINDS):
        w.person(o + "a", o)
        if o != "o7":
            w.person(o + "b", o, lang="nl")
    for c, members in STANDARD_MEMBERS.items():
        w.community(c, STANDARD_KINDS[c])
        for o in members:
            w.member(c, o)
        w.rep(c, members[0] + "a", "primary", "chair")
        w.rep(c, members[1] + "a", "primary", "secretary")
        for o in members[2:]:
            w.rep(c, o + "a", "primary", "member")
        w.rep(c, members[0] + "b", "backup", "member")
    for c, members in STANDARD_MEMBERS.items():
        for o in members:
            for suffix in "ab":
                if (o + suffix, c) == ("o3b", "c1"):
                    continue  # a person of a member org who never accepted
                w.accept(o + suffix, c)
    # o7 applies to c1; its person may accept the guidelines but is no participant
    d = w.call("POST", "/communities/%d/applications" % w.cid("c1"),
               {"organisation_id": w.oid("o7"), "representatives": [w.pid("o7a")],
                "motivation": "We would like to join."}, w.token("o7a"), 201, "apply o7")
    w.pending[("c1", "o7")] = d["id"]
    w.accept("o7a", "c1")

    n = 0
    for c, members in STANDARD_MEMBERS.items():
        m0, m1, m2 = members[:3]
        k = lambda s: c + "_" + s  # noqa: E731
        w.report(k("clear"), m0 + "a", c, "CLEAR", "advisory", "strategic")
        w.report(k("green"), m1 + "a", c, "GREEN", "threat", "tactical")
        w.report(k("amber"), m2 + "a", c, "AMBER", "incident", "operational")
        w.report(k("amber_ro"), m0 + "b", c, "AMBER", "vulnerability", "technical",
                 rorgs=[m1])
        w.report(k("strict"), m1 + "b", c, "AMBER+STRICT", "measure", "technical",
                 rpeople=[m2 + "a"])
        w.report(k("red"), m2 + "a", c, "RED", "lesson", "strategic", rpeople=[m0 + "a"])
        w.report(k("red2"), m0 + "a", c, "RED", "question", "operational",
                 rpeople=[m1 + "b", m2 + "b"])
        w.report(k("tighten"), m1 + "a", c, "GREEN", "incident", "tactical")
        w.report(k("loosen"), m2 + "b", c, "RED", "threat", "operational",
                 rpeople=[m2 + "a"])
        w.patch(k("tighten"), new_title=True, tlp="RED", rpeople=[m1 + "b"])
        w.patch(k("loosen"), new_title=True, tlp="AMBER", rpeople=[], rorgs=[m0])
        n += 1
        w.add_indicator(k("green"), {"type": "ipv4", "value": "198.51.100.%d" % (100 + n)},
                        "198.51.100.%d" % (100 + n))
        w.comment(k("green"), m2 + "b", "AMBER")
        w.comment(k("green"), m0 + "b", "RED")
        w.comment(k("green"), m0 + "a", None)
        w.comment(k("clear"), m1 + "a", "GREEN")
        w.comment(k("clear"), m2 + "a", "CLEAR")
        w.comment(k("clear"), m0 + "b", "AMBER+STRICT")
        w.comment(k("amber_ro"), m1 + "b", "AMBER+STRICT")
        w.comment(k("red"), m0 + "a", "RED")
    return w
