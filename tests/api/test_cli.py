"""test_cli.py - the kring command line against its contract.

--help of every command; usage errors (exit 2, one line); bad values (exit
1, one line `kring: ...`); the admin commands with their output and their
effect seen through the API; `report list --as` shows exactly the readable
reports; backup and check; KRING_LISTEN / KRING_DATA / --config / flags
precedence for serve; demo prints working logins.

    python3 test_cli.py /path/to/kring
"""

import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402

COMMANDS = [["init"], ["migrate"], ["serve"], ["demo"], ["org", "add"], ["user", "add"],
            ["community", "add"], ["member", "add"], ["report", "list"], ["backup"], ["check"],
            ["routes"]]


def one_error_line(ck, p, code, what):
    """code: the exit status, or a tuple of acceptable ones."""
    if p is None:
        ck.fail("%s: still running after 20 s (want a one-line error)" % what)
        return
    codes = (code,) if isinstance(code, int) else code
    ck.ok(p.returncode in codes, "%s: exit status %d, want %s (stdout %r, stderr %r)"
          % (what, p.returncode, codes, p.stdout[:200], p.stderr))
    lines = [x for x in p.stderr.splitlines() if x.strip()]
    ck.ok(len(lines) == 1 and lines[0].startswith("kring: "),
          "%s: want exactly one stderr line 'kring: ...', got %r" % (what, p.stderr))
    for w in K.SANITIZER_WORDS:
        ck.ok(w not in p.stderr, "%s: sanitizer report" % what)


def cli_bounded(kt, *args, env=None):
    """A command that must fail quickly; None if it keeps running."""
    try:
        return kt.cli(*args, env=env, timeout=20)
    except subprocess.TimeoutExpired:
        return None


def spawn_serve(kt, args, env_extra, data=None):
    env = K.sanitizer_env()
    env.update(env_extra)
    argv = [kt.exe] + args
    errf = open(os.path.join(kt.tmp, "extra-%d.stderr" % time.time_ns()), "w+b")
    p = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=errf)
    return p, errf


def wait_health(port, proc, timeout=30):
    c = K.Client("127.0.0.1", port)
    end = time.time() + timeout
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            if c.request("GET", "/health", timeout=5).status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def read_lines(proc, n, timeout=10):
    """Up to n complete stdout lines, read from the raw descriptor (the
    server may print several lines at once)."""
    buf, end, fd = b"", time.time() + timeout, proc.stdout.fileno()
    while buf.count(b"\n") < n and time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            buf += chunk
    return [x.decode("utf-8", "replace") for x in buf.split(b"\n")[:n] if x]


def term(ck, proc, errf, what):
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    errf.seek(0)
    err = errf.read().decode("utf-8", "replace")
    errf.close()
    proc.stdout.close()
    ck.eq(rc, 0, "%s: exit status after SIGTERM (stderr tail %r)" % (what, err[-2000:]))
    for w in K.SANITIZER_WORDS:
        ck.ok(w not in err, "%s: sanitizer report in stderr:\n%s" % (what, err[-6000:]))


def main(kt):
    ck = kt.ck
    cli = kt.cli

    # ---- help
    for args in (["--help"], ["help"]):
        p = cli(*args, data=False)
        ck.eq(p.returncode, 0, "kring %s exit status" % " ".join(args))
        ck.ok(p.stdout.strip(), "kring %s prints usage to stdout" % " ".join(args))
    for c in COMMANDS:
        p = cli(*(c + ["--help"]), data=False)
        ck.eq(p.returncode, 0, "kring %s --help exit status (stderr %r)" % (" ".join(c), p.stderr))
        ck.ok(p.stdout.strip(), "kring %s --help prints usage to stdout" % " ".join(c))

    # ---- usage errors: exit 2, one line
    for args in (["frobnicate"], ["init", "--bogus"], ["--nope", "check"],
                 ["org", "add", "--name", "X", "--kind", "company", "--frobnicate", "1"],
                 ["org", "add", "--name"], ["org", "frob"], ["report", "list", "--limit"],
                 ["serve", "--listen"]):
        one_error_line(ck, cli_bounded(kt, *args), 2, "kring " + " ".join(args))

    # ---- init, migrate, check, routes
    fresh = os.path.join(kt.tmp, "fresh", "nested")
    p = cli("--data", fresh, "init", data=False)
    ck.eq(p.returncode, 0, "init of a fresh data dir")
    ck.ok(p.stdout.strip().startswith("initialised "), "init output %r" % p.stdout)
    ck.ok(os.path.exists(os.path.join(fresh, "kring.db")), "init creates <data>/kring.db")
    if os.path.isdir(fresh):
        ck.eq(stat.S_IMODE(os.stat(fresh).st_mode), 0o700, "data dir mode")
    p = cli("--data", fresh, "migrate", data=False)
    ck.ok(p.returncode == 0 and re.match(r"^schema version \d+ \(applied 0\)$", p.stdout.strip()),
          "migrate on a current store: %r %r" % (p.stdout, p.stderr))
    p = cli("--data", fresh, "check", data=False)
    ck.eq((p.returncode, p.stdout.strip()), (0, "ok"), "check of a fresh store")
    p = cli("routes")
    ck.eq(p.returncode, 0, "routes exit status")
    ck.ok("GET\t/api/v1/health" in p.stdout.splitlines(), "routes lists GET /api/v1/health")
    for want in ("GET\t/signin", "GET\t/reports/:id", "GET\t/taxii2/:root/collections/:coll/objects",
                 "GET\t/feeds/misp/:community/:file"):
        ck.ok(want in p.stdout.splitlines(), "routes lists %s (web, TAXII, feed)" % want)

    # ---- admin commands and their effect through the API
    oid = kt.cli_ok("org", "add", "--name", "Netbeheer Noord", "--kind", "company", "--sector",
                    "energy", "--sector", "water", "--region", "noord", "--size", "large",
                    "--nis2", "essential", "--website", "https://netbeheer.example.nl/")
    ck.ok(re.match(r"^\d+$", oid), "org add prints an id: %r" % oid)
    admin = kt.admin_token()
    r = kt.req("GET", "/organisations/%s" % oid, token=admin)
    if ck.status(r, 200, "org made by the CLI"):
        d = r.data
        ck.eq((d.get("name"), d.get("kind"), d.get("sectors"), d.get("region"),
               d.get("size_class"), d.get("nis2"), d.get("website")),
              ("Netbeheer Noord", "company", ["energy", "water"], "noord", "large", "essential",
               "https://netbeheer.example.nl/"), "org fields")
    oid2 = kt.cli_ok("org", "add", "--name", "Water Zuid", "--kind", "government")
    oid3 = kt.cli_ok("org", "add", "--name", "Outsider BV", "--kind", "supplier")
    pwfile = os.path.join(kt.tmp, "pw.txt")
    with open(pwfile, "w") as f:
        f.write("a file-borne password 42\n")
    u1 = kt.cli_ok("user", "add", "--name", "Noor de Vries", "--email", "Noor.deVries@netbeheer.example.nl",
                   "--org", oid, "--lang", "nl", "--password-file", pwfile)
    ck.ok(re.match(r"^\d+$", u1), "user add prints an id: %r" % u1)
    r = kt.req("POST", "/auth/login", {"email": "noor.devries@netbeheer.example.nl",
                                       "password": "a file-borne password 42"})
    ck.status(r, 200, "login with the password from --password-file")
    u2 = kt.cli_ok("user", "add", "--name", "Bram Water", "--email", "bram@waterzuid.example.nl",
                   "--org", oid2, env={"KRING_PASSWORD": K.PASSWORD})
    u3 = kt.cli_ok("user", "add", "--name", "Olga Out", "--email", "olga@outsider.example.nl",
                   "--org", oid3, env={"KRING_PASSWORD": K.PASSWORD})
    r = kt.req("GET", "/people/%s" % u1, token=admin)
    if ck.status(r, 200, "person made by the CLI"):
        ck.eq((r.data.get("email"), r.data.get("language"), r.data.get("is_admin")),
              ("noor.devries@netbeheer.example.nl", "nl", False), "person fields")
    gfile = os.path.join(kt.tmp, "guidelines.md")
    with open(gfile, "w") as f:
        f.write("# Richtlijnen\n\n1. Respecteer TLP.\n")
    cid = kt.cli_ok("community", "add", "--name", "Energie-ISAC", "--kind", "sector",
                    "--description", "Sector ISAC", "--guidelines-file", gfile,
                    "--max-primary", "3", "--default-tlp", "GREEN")
    r = kt.req("GET", "/communities/%s" % cid, token=admin)
    if ck.status(r, 200, "community made by the CLI"):
        d = r.data
        ck.eq((d.get("name"), d.get("kind"), d.get("guidelines"), d.get("max_primary"),
               d.get("default_tlp"), d.get("guidelines_version")),
              ("Energie-ISAC", "sector", "# Richtlijnen\n\n1. Respecteer TLP.\n", 3, "GREEN", 1),
              "community fields")
    for o in (oid, oid2):
        ck.eq(kt.cli_ok("member", "add", "--community", cid, "--org", o), "ok", "member add")
    r = kt.req("GET", "/communities/%s/members" % cid, token=admin)
    if ck.status(r, 200, "members made by the CLI"):
        ck.eq(sorted((i.get("organisation") or {}).get("id") for i in r.data.get("items", [])),
              sorted([int(oid), int(oid2)]), "member organisations")
    one_error_line(ck, cli("member", "add", "--community", cid, "--org", oid), 1,
                   "member add twice")

    # ---- bad values: exit 1, one line
    for args, env in [
            (["org", "add", "--name", "X", "--kind", "bank"], None),
            (["org", "add", "--name", "", "--kind", "company"], None),
            (["org", "add", "--name", "X", "--kind", "company", "--nis2", "maybe"], None),
            (["user", "add", "--name", "X", "--email", "not-an-email", "--org", oid],
             {"KRING_PASSWORD": K.PASSWORD}),
            (["user", "add", "--name", "X", "--email", "info@netbeheer.example.nl", "--org", oid],
             {"KRING_PASSWORD": K.PASSWORD}),
            (["user", "add", "--name", "X", "--email", "x.y@netbeheer.example.nl", "--org", oid],
             {"KRING_PASSWORD": "short"}),
            (["user", "add", "--name", "X", "--email", "x.w@netbeheer.example.nl", "--org",
              "999999"], {"KRING_PASSWORD": K.PASSWORD}),
            (["user", "add", "--name", "X", "--email", "bram@waterzuid.example.nl", "--org",
              oid2], {"KRING_PASSWORD": K.PASSWORD}),
            (["user", "add", "--name", "X", "--email", "x.v@netbeheer.example.nl", "--org", oid,
              "--password-file", os.path.join(kt.tmp, "missing.txt")], None),
            (["community", "add", "--name", "X", "--kind", "club"], None),
            (["community", "add", "--name", "X", "--kind", "theme", "--max-primary", "0"], None),
            (["community", "add", "--name", "X", "--kind", "theme", "--default-tlp", "PINK"],
             None),
            (["member", "add", "--community", "999999", "--org", oid], None),
            (["member", "add", "--community", cid, "--org", "999999"], None),
            (["report", "list", "--as", "nobody.here@example.org"], None),
            (["report", "list", "--tlp", "PURPLE"], None),
            (["serve", "--listen", "localhost:8080"], None),
            (["serve", "--listen", "example.org:80"], None)]:
        one_error_line(ck, cli_bounded(kt, *args, env=env), 1, "kring " + " ".join(args))
    # without a password the person exists but cannot log in (or the command refuses)
    p = cli_bounded(kt, "user", "add", "--name", "No Login", "--email",
                    "no.login@netbeheer.example.nl", "--org", oid)
    if p is not None and p.returncode == 0:
        for pw in ("", K.PASSWORD):
            r = kt.req("POST", "/auth/login", {"email": "no.login@netbeheer.example.nl",
                                               "password": pw})
            ck.status(r, (401, 422), "login of a person made without a password (%r)" % pw)
    else:
        one_error_line(ck, p, (1, 2), "user add without a password")

    # ---- report list --as
    w = K.World(kt)
    w.orgs.update({"N": {"id": int(oid)}, "W": {"id": int(oid2)}, "O": {"id": int(oid3)}})
    w.people.update({
        "noor": {"id": int(u1), "org": "N", "email": "noor.devries@netbeheer.example.nl",
                 "password": "a file-borne password 42", "token": None},
        "bram": {"id": int(u2), "org": "W", "email": "bram@waterzuid.example.nl",
                 "password": K.PASSWORD, "token": None},
        "olga": {"id": int(u3), "org": "O", "email": "olga@outsider.example.nl",
                 "password": K.PASSWORD, "token": None}})
    w.person("noor2", "N")
    w.comms["k"] = {"id": int(cid), "name": "Energie-ISAC", "version": 1, "members": {"N", "W"}}
    for p in ("noor", "noor2", "bram"):
        w.accept(p, "k")
    w.report("clear", "noor", "k", "CLEAR", "advisory")
    w.report("green", "bram", "k", "GREEN", "threat")
    w.report("amber", "bram", "k", "AMBER", "incident")
    w.report("amber_n", "bram", "k", "AMBER", "incident", rorgs=["N"])
    w.report("strict", "noor", "k", "AMBER+STRICT", "measure")
    w.report("red", "bram", "k", "RED", "lesson", rpeople=["noor2"])
    w.report("red_me", "noor", "k", "RED", "question", rpeople=["bram"])

    def listing(args):
        p = cli("report", "list", *args)
        ck.eq(p.returncode, 0, "report list %s (stderr %r)" % (" ".join(args), p.stderr))
        rows = []
        for line in p.stdout.splitlines():
            parts = line.split("\t")
            if ck.ok(len(parts) == 4, "report list line %r has 4 tab-separated fields" % line):
                rows.append((int(parts[0]), parts[1], parts[2], parts[3]))
        return rows

    def expect(pkey, pred=lambda r: True):
        return sorted((r["id"], r["tlp"], r["kind"], r["title"]) for k, r in w.reports.items()
                      if w.can_read(pkey, k) and pred(r))

    for pkey in ("noor", "noor2", "bram", "olga", None):
        args = ["--as", w.people[pkey]["email"]] if pkey else []
        ck.eq(sorted(listing(args)), expect(pkey), "report list as %s" % (pkey or "anonymous"))
    ck.eq(sorted(listing(["--as", w.people["noor2"]["email"], "--tlp", "RED"])),
          expect("noor2", lambda r: r["tlp"] == "RED"), "report list --tlp RED as noor2")
    ck.eq(sorted(listing(["--as", w.people["bram"]["email"], "--kind", "incident",
                          "--community", cid])),
          expect("bram", lambda r: r["kind"] == "incident"), "report list --kind --community")
    rows = listing(["--as", w.people["bram"]["email"], "--limit", "2"])
    ck.eq(len(rows), 2, "report list --limit 2")
    ck.ok(rows == sorted(rows, reverse=True), "report list newest first")

    # ---- backup and check
    dest = os.path.join(kt.tmp, "backup.db")
    p = cli("backup", dest)
    ck.eq((p.returncode, p.stdout.strip()), (0, "backup written to " + dest), "backup")
    one_error_line(ck, cli("backup", dest), 1, "backup over an existing file")
    copy = os.path.join(kt.tmp, "copy")
    os.makedirs(copy, mode=0o700)
    if os.path.exists(dest):
        shutil.copy(dest, os.path.join(copy, "kring.db"))
    p = cli("--data", copy, "check", data=False)
    ck.eq((p.returncode, p.stdout.strip()), (0, "ok"), "check of the backup copy")
    p = cli("--data", copy, "report", "list", "--as", w.people["bram"]["email"], data=False)
    ck.eq(len(p.stdout.splitlines()), len(expect("bram")), "the backup holds the reports")
    with open(os.path.join(copy, "kring.db"), "r+b") as f:  # damage a page in the middle
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(4096, (size // 2) // 4096 * 4096))
        f.write(b"\x5a" * 4096)
    p = cli("--data", copy, "check", data=False)
    ck.ok(p.returncode == 1, "check of a damaged store exits 1: %d %r" % (p.returncode,
                                                                         p.stdout + p.stderr))

    # ---- serve honours KRING_LISTEN / KRING_DATA, config file, flags
    kt.stop()
    port = K.free_port()
    proc, errf = spawn_serve(kt, ["serve"], {"KRING_LISTEN": "127.0.0.1:%d" % port,
                                             "KRING_DATA": kt.data})
    up = wait_health(port, proc)
    ck.ok(up, "serve listens on KRING_LISTEN")
    if up:
        ck.eq(read_lines(proc, 1), ["kring listening on http://127.0.0.1:%d/" % port],
              "listening line")
        c = K.Client("127.0.0.1", port)
        r = c.request("POST", "/auth/login", body={"email": w.people["bram"]["email"],
                                                   "password": K.PASSWORD})
        ck.status(r, 200, "serve uses KRING_DATA (login of a CLI-made person)")
    term(ck, proc, errf, "serve with KRING_LISTEN")

    p_conf, p_env, p_flag = K.free_port(), K.free_port(), K.free_port()
    conf = os.path.join(kt.tmp, "kring.conf")
    with open(conf, "w") as f:
        f.write("# test configuration\nlisten = 127.0.0.1:%d\ndata = %s\nlog_level = warn\n"
                % (p_conf, kt.data))
    proc, errf = spawn_serve(kt, ["--config", conf, "serve"], {})
    ck.ok(wait_health(p_conf, proc), "serve listens on the config file's address")
    term(ck, proc, errf, "serve with --config")
    proc, errf = spawn_serve(kt, ["--config", conf, "serve"],
                             {"KRING_LISTEN": "127.0.0.1:%d" % p_env})
    ck.ok(wait_health(p_env, proc), "environment overrides the config file")
    term(ck, proc, errf, "serve with --config and KRING_LISTEN")
    proc, errf = spawn_serve(kt, ["--config", conf, "serve", "--listen", "127.0.0.1:%d" % p_flag],
                             {"KRING_LISTEN": "127.0.0.1:%d" % p_env})
    ck.ok(wait_health(p_flag, proc), "--listen overrides the environment")
    term(ck, proc, errf, "serve with --listen")
    bad = os.path.join(kt.tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("colour = blue\n")
    one_error_line(ck, cli("--config", bad, "check"), 1, "unknown key in the config file")
    one_error_line(ck, cli("check", env={"KRING_MAX_BODY": "lots"}), 1, "bad KRING_MAX_BODY")

    # ---- demo
    demo_data = os.path.join(kt.tmp, "demo")
    for run_no in (1, 2):
        port = K.free_port()
        proc, errf = spawn_serve(kt, ["--data", demo_data, "demo", "--listen",
                                      "127.0.0.1:%d" % port], {})
        up = wait_health(port, proc, timeout=60)
        ck.ok(up, "demo run %d serves" % run_no)
        if up:
            lines = read_lines(proc, 3)
            ck.ok(lines and "http://127.0.0.1:%d/" % port in lines[0],
                  "demo run %d prints the URL first: %r" % (run_no, lines))
            logins = [re.match(r"^demo login: (\S+) / (\S+)$", x) for x in lines[1:]]
            logins = [m for m in logins if m]
            ck.ok(len(logins) >= 1, "demo run %d prints demo logins: %r" % (run_no, lines))
            c = K.Client("127.0.0.1", port)
            for m in logins:
                r = c.request("POST", "/auth/login", body={"email": m.group(1),
                                                           "password": m.group(2)})
                if ck.status(r, 200, "demo login %s works" % m.group(1)):
                    r2 = c.request("GET", "/reports?limit=200", token=r.data["token"])
                    if ck.status(r2, 200, "demo user lists reports"):
                        ck.ok(len(r2.data.get("items", [])) >= 2, "demo user reads reports")
            r = c.request("GET", "/reports/count")
            if ck.status(r, 200, "anonymous count on demo"):
                ck.ok(r.data.get("count", 0) >= 1, "demo has a CLEAR report")
        term(ck, proc, errf, "demo run %d" % run_no)
    cred = os.path.join(demo_data, "demo-credentials.txt")
    if os.path.exists(cred):
        ck.eq(stat.S_IMODE(os.stat(cred).st_mode), 0o600, "demo-credentials.txt mode")


if __name__ == "__main__":
    K.run("cli", main)
