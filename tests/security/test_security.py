"""test_security.py - hardening of the running server.

- root: `kring serve` and `kring demo` refuse to run as root (exit 1, one
  line, nothing created) unless given --allow-root or KRING_ALLOW_ROOT=1
  (checked only when the test itself runs as root);
- secrets never logged: with log_level debug, a server that saw logins
  (good and bad passwords), sessions, API tokens created, used and revoked,
  people created and passwords changed writes none of those passwords or
  secrets (nor their SHA-256) to its log;
- secrets never stored in plain: the store file, its WAL and the audit log
  contain none of them either; session and token rows hold SHA-256 hashes;
- secrets leave only once: a token's secret is in the answer that creates
  it and in no later answer (token list, /me);
- a wrong password and an unknown account fail alike: the same answer in
  about the same time;
- the web sign-in sets its session cookie HttpOnly, SameSite=Strict,
  Path=/ and (without TLS) not Secure, and never puts the secret in a URL;
- availability: 128 keep-alive connections sending requests back to back
  are all answered, none left waiting (libmicrohttpd's epoll mode once left
  them unread until the idle timeout).

    python3 test_security.py /path/to/kring
"""

import hashlib
import os
import re
import urllib.parse
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import kringtest as K  # noqa: E402


def root_refusal(kt):
    ck = kt.ck
    if os.geteuid() != 0:
        print("security: not root: root refusal not exercised (skipped)", flush=True)
        return
    base = K.sanitizer_env()
    base.pop("KRING_ALLOW_ROOT", None)
    for cmd in (["serve"], ["demo"]):
        for allow in (None, "0", "yes", ""):
            env = dict(base)
            if allow is not None:
                env["KRING_ALLOW_ROOT"] = allow
            data = os.path.join(kt.tmp, "root-%s-%s" % (cmd[0], allow))
            p = subprocess.run([kt.exe, "--data", data] + cmd + ["--listen", "127.0.0.1:0"],
                               env=env, capture_output=True, text=True, timeout=60)
            what = "kring %s as root (KRING_ALLOW_ROOT=%r)" % (cmd[0], allow)
            ck.eq(p.returncode, 1, what + ": exit status")
            lines = p.stderr.splitlines()
            ck.ok(len(lines) == 1 and lines[0].startswith("kring: refusing to serve as root"),
                  what + ": one line 'kring: refusing to serve as root ...': %r" % p.stderr)
            ck.ok(not os.path.exists(data), what + ": data directory created anyway")
    # allowed by the flag (without the variable) and by the variable
    for how, args, env in (("--allow-root", ["--allow-root"], dict(base)),
                           ("KRING_ALLOW_ROOT=1", [], dict(base, KRING_ALLOW_ROOT="1"))):
        data = os.path.join(kt.tmp, "root-ok-%d" % len(args))
        errp = os.path.join(kt.tmp, "root-ok-%d.err" % len(args))
        with open(errp, "wb") as errf:
            proc = subprocess.Popen([kt.exe, "--data", data, "serve", "--listen",
                                     "127.0.0.1:0"] + args, env=env, stdout=subprocess.PIPE,
                                    stderr=errf)
            line = proc.stdout.readline().decode()
            ck.ok(line.startswith("kring listening on http://127.0.0.1:"),
                  "serve as root with %s: listening line %r" % (how, line))
            time.sleep(0.3)
            proc.terminate()
            rc = proc.wait(timeout=30)
            proc.stdout.close()
        with open(errp, encoding="utf-8", errors="replace") as f:
            err = f.read()
        ck.eq(rc, 0, "serve as root with %s: exit status after SIGTERM" % how)
        ck.ok("serving as root" in err, "serve as root with %s warns in its log: %r"
              % (how, err[-500:]))
        for w in K.SANITIZER_WORDS:
            ck.ok(w not in err, "serve as root with %s: %s in stderr" % (how, w))


def equal_failures(kt, email, wrong):
    """A wrong password and an unknown account fail alike: same answer, and
    about the same time (the unknown account pays a dummy argon2id check)."""
    ck = kt.ck
    known, unknown, bodies = [], [], set()
    for i in range(3):  # 1 + 3 failures: the three free ones and one more
        for email_i, times in ((email, known), ("nobody%d.%s@nowhere.example.org"
                                                % (i, os.urandom(3).hex()), unknown)):
            t0 = time.monotonic()
            r = kt.req("POST", "/auth/login", {"email": email_i, "password": wrong})
            times.append(time.monotonic() - t0)
            ck.status(r, 401, "failed login of %s" % email_i)
            bodies.add(r.text)
    ck.eq(len(bodies), 1, "a wrong password and an unknown account answer the same")
    k, u = sorted(known)[1], sorted(unknown)[1]
    ck.ok(u >= k / 3 and u <= k * 3, "failed logins take about as long for an unknown "
          "account (%.1f ms) as for a wrong password (%.1f ms)" % (u * 1000, k * 1000))


def exercise(kt):
    """Drives every path that handles a secret; returns the secrets."""
    ck = kt.ck
    w = K.World(kt)
    w.org("A", "company")
    w.person("a1", "A")
    w.community("k", "sector")
    w.member("k", "A")
    w.accept("a1", "k")
    a1 = w.people["a1"]
    secrets = {"admin password": kt.admin["password"], "a1 password": a1["password"]}

    wrong = "Wrong-Password-%s" % os.urandom(6).hex()
    r = kt.req("POST", "/auth/login", {"email": a1["email"], "password": wrong})
    ck.status(r, 401, "login with a wrong password")
    secrets["wrong password"] = wrong
    equal_failures(kt, a1["email"], wrong)
    time.sleep(1.1)  # the progressive delay after a fourth failure

    session = kt.login(a1["email"], a1["password"])
    secrets["a1 session"] = session
    ck.status(kt.req("GET", "/me", token=session), 200, "/me with the session")

    r = kt.req("POST", "/tokens", {"name": "probe", "scope": "write"}, token=session)
    ck.status(r, 201, "token created")
    token = r.data["token"]
    secrets["a1 token"] = token
    ck.status(kt.req("GET", "/reports", token=token), 200, "reports with the token")
    r = kt.req("GET", "/tokens", token=session)
    ck.ok(token not in r.text, "the token list shows the secret again")
    r = kt.req("GET", "/me", token=token)
    ck.ok(token not in r.text and session not in r.text, "/me shows a secret")
    token_id = kt.req("GET", "/tokens", token=session).data["items"][0]["id"]
    ck.status(kt.req("DELETE", "/tokens/%d" % token_id, token=session), 204, "token revoked")
    ck.status(kt.req("GET", "/me", token=token), 401, "revoked token refused")

    # a new person with a password, and a password change
    new_pw = "New-Person-Password-%s" % os.urandom(6).hex()
    r = kt.req("POST", "/people", {"name": "Pia Probe", "email": "pia.probe@a.example.org",
                                   "organisation_id": w.oid("A"), "password": new_pw},
               token=kt.admin_token())
    ck.status(r, 201, "person created with a password")
    secrets["new person password"] = new_pw
    changed = "Changed-Password-%s" % os.urandom(6).hex()
    r = kt.req("PATCH", "/people/%d" % w.pid("a1"),
               {"password": changed, "current_password": a1["password"]}, token=session)
    ck.status(r, 200, "password changed")
    secrets["changed password"] = changed
    session2 = kt.login(a1["email"], changed)
    secrets["a1 second session"] = session2
    ck.status(kt.req("POST", "/auth/logout", token=session2), 204, "logout")
    # a secret-shaped but unknown bearer, and one in a query string
    fake = "ks_" + hashlib.sha256(b"unknown").hexdigest()
    ck.status(kt.req("GET", "/me", token=fake), 401, "unknown session refused")
    secrets["unknown session"] = fake
    r = kt.req("GET", "/reports?token=" + token, token=session)
    ck.status(r, (400, 401), "secret in a query string")
    return secrets


def forms(secret):
    """The secret and the forms an implementation might write instead."""
    return [secret, hashlib.sha256(secret.encode()).hexdigest()] if secret.startswith(
        ("ks_", "kt_")) else [secret]


KEEPALIVE_CONNECTIONS = 128
KEEPALIVE_REQUESTS = 50
KEEPALIVE_WAIT_S = 5
KEEPALIVE_FIRST_S = 60
KEEPALIVE_ROUNDS = 3


def keepalive_client(port, token, out, lock):
    """One keep-alive connection: KEEPALIVE_REQUESTS requests of /me, each
    sent as soon as the previous answer is complete. Counts answers and
    stalls: the first answer may wait KEEPALIVE_FIRST_S (a busy server
    accepts a burst of new connections over a few seconds), every later one
    at most KEEPALIVE_WAIT_S."""
    req = ("GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n"
           % token).encode()
    got, stalled, buf = 0, 0, b""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=KEEPALIVE_FIRST_S)
    except OSError:
        with lock:
            out["refused"] += 1
        return
    try:
        s.sendall(req)
        while got < KEEPALIVE_REQUESTS:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                stalled = 1
                break
            if not chunk:
                break
            buf += chunk
            while True:
                end = buf.find(b"\r\n\r\n")
                if end < 0:
                    break
                head = buf[:end].decode("latin-1").lower().split("\r\n")
                cl = [int(h.split(":", 1)[1]) for h in head if h.startswith("content-length:")]
                if not cl or len(buf) < end + 4 + cl[0]:
                    break
                buf = buf[end + 4 + cl[0]:]
                got += 1
                s.settimeout(KEEPALIVE_WAIT_S)
                if got < KEEPALIVE_REQUESTS:
                    s.sendall(req)
    finally:
        s.close()
    with lock:
        out["answers"] += got
        out["stalled"] += stalled


def keepalive(kt):
    """KEEPALIVE_ROUNDS rounds: the stall depended on timing, so one round
    could miss it."""
    ck = kt.ck
    token = kt.admin_token()
    for rnd in range(1, KEEPALIVE_ROUNDS + 1):
        out, lock = {"answers": 0, "stalled": 0, "refused": 0}, threading.Lock()
        threads = [threading.Thread(target=keepalive_client, args=(kt.port, token, out, lock))
                   for _ in range(KEEPALIVE_CONNECTIONS)]
        t0 = time.time()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        print("security: keep-alive round %d: %d answers on %d connections in %.1f s" % (
            rnd, out["answers"], KEEPALIVE_CONNECTIONS, time.time() - t0), flush=True)
        ck.eq(out["refused"], 0, "round %d: keep-alive connections refused" % rnd)
        ck.eq(out["stalled"], 0, "round %d: keep-alive connections left waiting more than %d s"
              % (rnd, KEEPALIVE_WAIT_S))
        ck.eq(out["answers"], KEEPALIVE_CONNECTIONS * KEEPALIVE_REQUESTS,
              "round %d: keep-alive answers" % rnd)


def web_cookie(kt):
    """Signs in through the web form and checks the session cookie."""
    ck = kt.ck
    conn = http_request(kt, "GET", "/signin")
    if conn is None:
        return
    status, headers, body = conn
    if status == 404:
        print("security: no web interface: session cookie not checked (skipped)", flush=True)
        return
    csrf_cookie = [v for k, v in headers if k == "set-cookie" and v.startswith("kring_csrf=")]
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', body)
    if not ck.ok(csrf_cookie and m, "the sign-in page sets a CSRF cookie and token"):
        return
    form = urllib.parse.urlencode({"email": kt.admin["email"], "password": kt.admin["password"],
                                   "csrf": m.group(1), "next": "/"})
    status, headers, _ = http_request(kt, "POST", "/signin", form.encode(), {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": csrf_cookie[0].split(";")[0]})
    ck.eq(status, 303, "web sign-in answers a redirect")
    cookies = [v for k, v in headers if k == "set-cookie" and v.startswith("kring_session=")]
    if not ck.ok(cookies, "web sign-in sets the session cookie"):
        return
    attrs = [a.strip().lower() for a in cookies[0].split(";")[1:]]
    ck.ok("httponly" in attrs, "session cookie is HttpOnly: %r" % cookies[0][-80:])
    ck.ok("samesite=strict" in attrs, "session cookie is SameSite=Strict")
    ck.ok("path=/" in attrs, "session cookie has Path=/")
    ck.ok("secure" not in attrs, "session cookie is not Secure without TLS")
    secret = cookies[0].split(";")[0].split("=", 1)[1]
    location = " ".join(v for k, v in headers if k == "location")
    ck.ok(secret and secret not in location, "the session secret is not in the redirect URL")


def http_request(kt, method, path, body=None, headers=None):
    """(status, [(lower-case name, value)], text) without the API prefix."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", kt.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, [(k.lower(), v) for k, v in r.getheaders()], \
            r.read().decode("utf-8", "replace")
    finally:
        conn.close()


def main(kt):
    ck = kt.ck
    web_cookie(kt)
    keepalive(kt)
    root_refusal(kt)
    kt.stop()
    kt.start(extra_env={"KRING_LOG_LEVEL": "debug"})
    secrets = exercise(kt)
    kt.stop()

    log = kt.stderr_text()
    ck.ok(len(log.splitlines()) > 10, "the debug log has lines (%d)" % len(log.splitlines()))
    for name, s in secrets.items():
        for f in forms(s):
            ck.ok(f not in log, "the server log contains the %s (%s...)" % (name, f[:10]))

    # the store: no secret in plain; sessions and tokens only by hash
    blob = b""
    for suffix in ("", "-wal"):
        try:
            with open(kt.db + suffix, "rb") as fh:
                blob += fh.read()
        except OSError:
            pass
    ck.ok(len(blob) > 0, "the store file was read")
    for name, s in secrets.items():
        ck.ok(s.encode() not in blob, "the store holds the %s in plain" % name)
    con = kt.db_connect()
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for t in names:
            for row in con.execute('SELECT * FROM "%s"' % t.replace('"', '""')):
                text = " ".join(str(v) for v in row)
                for name, s in secrets.items():
                    ck.ok(s not in text, "table %s holds the %s in plain" % (t, name))
        session_hash = hashlib.sha256(secrets["a1 session"].encode()).hexdigest()
        found = [t for t in names if "session" in t.lower()
                 and any(session_hash in " ".join(str(v) for v in row)
                         for row in con.execute('SELECT * FROM "%s"' % t))]
        ck.ok(found, "a session row holds the SHA-256 of the session secret")
    finally:
        con.close()
    kt.start()


if __name__ == "__main__":
    K.run("security", main)
