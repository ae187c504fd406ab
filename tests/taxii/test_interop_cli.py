"""test_interop_cli.py - `kring import` and `kring export`, and the MISP feed:

  - the command-line contract (--help, usage errors exit 2, one-line
    "kring: ..." failures exit 1, who may import);
  - every STIX example of the shared interop folder that SOURCES.md lists as
    valid imports, and the export gives back every imported object with the
    same properties; every one listed as invalid is refused with a message
    naming the problem;
  - every MISP event of misp/feed, misp/events and misp/pymisp-minimal and of
    kring's own fixtures imports, with its indicators and its TLP label;
    importing again adds nothing; the MISP export gives back the raw event;
  - CSV export, --since, --out;
  - an import killed half-way and run again: resumed, nothing twice;
  - the progress bar on a terminal, and none without one;
  - the MISP feed has the shape of misp/feed (manifest, event files,
    hashes.csv with the MD5 of every value);
  - every STIX bundle exported here validates against the OASIS schemas
    (tests/interop/validate-stix.sh; skipped, and said so, without node).

    python3 test_interop_cli.py /path/to/kring
"""

import glob
import hashlib
import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taxiitest import (INTEROP, SOURCE, K, TLP2, Taxii, api_token, basic, bundle,  # noqa
                       indicator, ip_of, small_world, stix_id, validate_stix)

EXAMPLES = os.path.join(INTEROP, "stix2.1", "examples")
INVALID = {
    "stix-validator-tests/invalid_braces.json": "not valid JSON",
    "stix-validator-tests/invalid_comma.json": "not valid JSON",
    "stix-validator-tests/invalid_identity.json": "modified is required",
    "stix-validator-tests/invalid_timestamp.json": "modified is earlier than created",
    "python-stix2/sco-examples.json": "payload_bin is not base64",
    "python-stix2/stix2_data/malware/malware--b42378e0-f147-496f-992a-26a49705395b/"
    "20170531213215263882.json": "STIX 2.0",
}
TLP_RANK = {"CLEAR": 0, "WHITE": 0, "GREEN": 1, "AMBER": 2, "AMBER+STRICT": 3, "RED": 4}
TLP_NAME = ["CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"]


def one_line_failure(ck, p, code, what, want=None):
    ok = ck.eq(p.returncode, code, what + ": exit status (stderr %r)" % p.stderr)
    lines = p.stderr.strip().splitlines()
    ok &= ck.ok(len(lines) == 1 and lines[0].startswith("kring: "),
                what + ": one line 'kring: ...' on stderr: %r" % p.stderr)
    if want:
        ok &= ck.ok(want in p.stderr, "%s: stderr names %r: %r" % (what, want, p.stderr))
    return ok


def check_usage(ck, kt, w, c1):
    email = w.people["o1a"]["email"]
    p = kt.cli("import", "--help")
    ck.ok(p.returncode == 0 and p.stdout.startswith("usage: kring import"), "import --help")
    p = kt.cli("export", "--help")
    ck.ok(p.returncode == 0 and p.stdout.startswith("usage: kring export"), "export --help")
    p = kt.cli("--help")
    ck.ok("import" in p.stdout and "export" in p.stdout, "kring --help lists import and export")
    one_line_failure(ck, kt.cli("import"), 2, "import without a file")
    one_line_failure(ck, kt.cli("import", "a.json", "b.json", "--as", email), 2,
                     "import with two files")
    one_line_failure(ck, kt.cli("import", os.path.join(EXAMPLES, "infrastructure.json")), 2,
                     "import without --as", "--as")
    one_line_failure(ck, kt.cli("import", os.path.join(EXAMPLES, "infrastructure.json"),
                                "--as", email, "--bogus"), 2, "import with an unknown option")
    one_line_failure(ck, kt.cli("export", "--community", str(c1)), 2, "export without --format")
    one_line_failure(ck, kt.cli("export", "--format", "xml", "--community", str(c1)), 2,
                     "export --format xml", "stix, misp or csv")
    one_line_failure(ck, kt.cli("export", "--format", "stix"), 2, "export without --community")
    one_line_failure(ck, kt.cli("export", "--format", "csv", "--community", str(c1), "--since",
                                "yesterday"), 1, "export --since yesterday", "--since")
    one_line_failure(ck, kt.cli("import", "/nonexistent/x.json", "--as", email,
                                "--community", str(c1)), 1, "import of a missing file",
                     "/nonexistent/x.json")
    junk = os.path.join(kt.tmp, "junk.json")
    with open(junk, "w") as f:
        f.write('{"hello": "world"}')
    one_line_failure(ck, kt.cli("import", junk, "--as", email, "--community", str(c1)), 1,
                     "import of JSON that is neither", "neither a STIX")
    inf = os.path.join(EXAMPLES, "infrastructure.json")
    one_line_failure(ck, kt.cli("import", inf, "--as", "nobody@example.org", "--community",
                                str(c1)), 1, "import as an unknown person", "no person")
    one_line_failure(ck, kt.cli("import", inf, "--as", w.people["o2b"]["email"], "--community",
                                str(c1)), 1, "import by a non-participant", "not a participant")
    one_line_failure(ck, kt.cli("import", inf, "--as", w.people["o4a"]["email"], "--community",
                                str(c1)), 1, "import by an outsider", "not a participant")
    one_line_failure(ck, kt.cli("import", inf, "--as", email, "--community", "999"), 1,
                     "import into an unknown community", "no community")
    one_line_failure(ck, kt.cli("import", inf, "--as", email), 2,
                     "import without --community while there are two", "--community")
    one_line_failure(ck, kt.cli("export", "--format", "stix", "--community", "999"), 1,
                     "export of an unknown community", "no community")


def examples():
    out = []
    for path in sorted(glob.glob(os.path.join(EXAMPLES, "**", "*.json"), recursive=True)):
        rel = os.path.relpath(path, EXAMPLES)
        if rel.endswith("sco-deterministic-ids.json"):
            continue
        out.append((rel, path))
    return out


def objects_of(path):
    with open(path) as f:
        d = json.load(f)
    if isinstance(d, list):
        return d
    if d.get("type") == "bundle":
        return d.get("objects", [])
    return [d]


def check_stix_examples(ck, kt, w, c1, outdir):
    email = w.people["o1a"]["email"]
    expected = {}  # id -> (version, object) of the newest version imported
    nvalid = ninvalid = 0
    for rel, path in examples():
        p = kt.cli("import", path, "--community", str(c1), "--as", email)
        if rel in INVALID:
            ninvalid += 1
            one_line_failure(ck, p, 1, "import of invalid " + rel, INVALID[rel])
            continue
        nvalid += 1
        if not ck.eq(p.returncode, 0, "import of %s: %s" % (rel, p.stderr.strip())):
            continue
        ck.ok(p.stdout.startswith("imported "), "summary line of %s: %r" % (rel, p.stdout))
        for o in objects_of(path):
            ver = o.get("modified") or o.get("created") or ""
            old = expected.get(o["id"])
            if old is None or ver > old[0]:
                expected[o["id"]] = (ver, o)
    ck.eq(ninvalid, len(INVALID), "every invalid example was met")
    ck.ok(nvalid >= 50, "at least 50 valid examples (%d)" % nvalid)
    out = os.path.join(outdir, "examples-export.json")
    p = kt.cli("export", "--format", "stix", "--community", str(c1), "--as", email, "--out", out)
    if not ck.eq(p.returncode, 0, "export of the examples: %s" % p.stderr):
        return []
    ck.ok(re.match(r"exported \d+ objects of community \d+ to ", p.stdout),
          "export --out prints a summary: %r" % p.stdout)
    ck.eq(oct(os.stat(out).st_mode & 0o777), "0o600", "the export file is mode 0600")
    with open(out) as f:
        exp = json.load(f)
    ck.eq(exp.get("type"), "bundle", "the export is a bundle")
    got = {}
    for o in exp.get("objects", []):
        ck.ok(o["id"] not in got, "export has one version of %s" % o["id"])
        got[o["id"]] = o
    lost = [i for i in expected if i not in got]
    ck.ok(not lost, "every imported object is exported (%d lost: %s)" % (len(lost), lost[:5]))
    diff = [i for i in expected if i in got and got[i] != expected[i][1]]
    ck.ok(not diff, "exported objects equal the imported ones (%d differ: %s)"
          % (len(diff), diff[:3]))
    extra = [o for i, o in got.items() if i not in expected and o["type"] != "marking-definition"]
    ck.eq(extra, [], "nothing but marking definitions is added")
    print("examples: %d valid imported and exported equal, %d refused" % (nvalid, ninvalid),
          flush=True)
    return [out]


def expected_tlp(event):
    e = event.get("Event", event)
    best = -1
    for t in e.get("Tag", []) or []:
        m = re.fullmatch(r"tlp:(clear|white|green|amber|amber\+strict|red)", t.get("name", ""),
                         re.I)
        if m:
            best = max(best, TLP_RANK[m.group(1).upper()])
    return TLP_NAME[best] if best >= 0 else "AMBER"


def reports_by_uuid(w, c1, pkey):
    out, cursor = {}, None
    while True:
        path = "/reports?community=%d&limit=200" % c1 + ("&cursor=%s" % cursor if cursor else "")
        d = w.call("GET", path, token=w.token(pkey))
        for r in d["items"]:
            out[r["uuid"]] = r
        cursor = d.get("next_cursor")
        if not cursor:
            return out


def misp_files():
    files = []
    for sub in ("feed", "events", "pymisp-minimal"):
        for path in sorted(glob.glob(os.path.join(INTEROP, "misp", sub, "*.json"))):
            if os.path.basename(path) != "manifest.json":
                files.append(path)
    files += sorted(glob.glob(os.path.join(SOURCE, "tests", "fixtures", "misp", "*.json")))
    return files


def check_misp(ck, kt, w, c1, outdir):
    email = w.people["o1a"]["email"]
    imported = []
    for path in misp_files():
        name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        p = kt.cli("import", path, "--community", str(c1), "--as", email)
        if not ck.eq(p.returncode, 0, "import of MISP %s: %s" % (name, p.stderr.strip())):
            continue
        m = re.search(r"MISP event ([0-9a-f-]{36}), \d+ reports \((\d) new\), (\d+) indicators",
                      p.stdout)
        if not ck.ok(m, "summary of %s: %r" % (name, p.stdout)):
            continue
        with open(path) as f:
            ev = json.load(f)
        imported.append((path, m.group(1), m.group(2) == "1", int(m.group(3)), ev))
    reps = reports_by_uuid(w, c1, "o1a")
    for path, uuid, new, nind, ev in imported:
        name = os.path.basename(path)
        rep = reps.get(uuid)
        if not ck.ok(rep, "the report of %s exists" % name):
            continue
        if new:
            d = w.call("GET", "/reports/%d/indicators" % rep["id"], token=w.token("o1a"))
            ck.eq(len(d["items"]), nind, "%s: indicators stored = indicators reported" % name)
            ck.eq(rep["tlp"], expected_tlp(ev), "%s: TLP label" % name)
    # importing again changes nothing
    path = imported[0][0]
    p = kt.cli("import", path, "--community", str(c1), "--as", email)
    ck.ok(p.returncode == 0 and "(0 new)" in p.stdout, "importing a MISP event again: %r"
          % p.stdout)
    # the MISP export gives back a raw event as it came
    out = os.path.join(outdir, "misp-export.json")
    p = kt.cli("export", "--format", "misp", "--community", str(c1), "--as", email,
               "--out", out)
    if ck.eq(p.returncode, 0, "MISP export: %s" % p.stderr):
        with open(out) as f:
            d = json.load(f)
        events = {e["Event"].get("uuid"): e["Event"] for e in d.get("response", [])}
        ck.ok(None not in events, "every exported MISP event has a uuid")
        feedfile = os.path.join(INTEROP, "misp", "feed", "5a0a9aa9-23a4-4607-b6df-41a9950d210f.json")
        with open(feedfile) as f:
            src = json.load(f)["Event"]
        ck.eq(events.get(src["uuid"]), src, "the exported MISP event is the imported one")
        ck.ok(len(events) >= len({u for _, u, _, _, _ in imported}),
              "every imported event is exported (%d)" % len(events))
    # CSV: a header and one line per indicator
    out = os.path.join(outdir, "export.csv")
    p = kt.cli("export", "--format", "csv", "--community", str(c1), "--as", email, "--out", out)
    if ck.eq(p.returncode, 0, "CSV export: %s" % p.stderr):
        with open(out, "rb") as f:
            text = f.read().decode()
        lines = text.split("\r\n")
        ck.eq(lines[-1], "", "CSV lines end with CRLF")
        ck.eq(lines[0], "report_uuid,report_title,tlp,type,value,comment,first_seen,last_seen,"
              "valid_until,created", "CSV header")
        total = 0
        for r in reports_by_uuid(w, c1, "o1a").values():
            total += len(w.call("GET", "/reports/%d/indicators" % r["id"],
                                token=w.token("o1a"))["items"])
        import csv
        import io
        rows = list(csv.reader(io.StringIO(text, newline="")))
        ck.eq(len(rows) - 1, total, "CSV: one line per indicator")
    # --since in the future: nothing
    p = kt.cli("export", "--format", "csv", "--community", str(c1), "--as", email, "--since",
               "2099-01-01")
    ck.ok(p.returncode == 0 and p.stdout.count("\n") == 1, "CSV --since the future: header only")
    # anonymous: only TLP:CLEAR
    p = kt.cli("export", "--format", "misp", "--community", str(c1))
    if ck.eq(p.returncode, 0, "anonymous MISP export"):
        d = json.loads(p.stdout)
        ck.ok(all(expected_tlp(e) == "CLEAR" for e in d["response"]) and d["response"],
              "anonymous MISP export has only CLEAR events (%d)" % len(d["response"]))


def db(kt):
    return sqlite3.connect("file:%s?mode=ro" % kt.db, uri=True, timeout=30)


def check_resume(ck, kt, w, c2, outdir):
    """An import killed half-way, run again: resumed, nothing twice."""
    email = w.people["o3a"]["email"]
    n = 6000
    inds = [indicator(ip_of(0x200000 + i), ["GREEN", "AMBER"][i % 2], name="resume %d" % i)
            for i in range(n)]
    rep = {"type": "report", "spec_version": "2.1", "id": stix_id("report"),
           "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
           "name": "Resume report", "published": "2026-01-01T00:00:00.000Z",
           "report_types": ["threat-report"], "object_refs": [o["id"] for o in inds[:300:2]],
           "object_marking_refs": [TLP2["GREEN"]]}
    path = os.path.join(outdir, "resume.json")
    with open(path, "w") as f:
        json.dump(bundle(inds + [rep]), f)
    sha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    argv = [kt.exe, "--data", kt.data, "import", path, "--community", str(c2), "--as", email,
            "--batch", "50"]
    proc = subprocess.Popen(argv, env=K.sanitizer_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    done, deadline = 0, time.time() + 600
    while time.time() < deadline and proc.poll() is None:
        try:
            con = db(kt)
            row = con.execute("SELECT done, total FROM import_runs WHERE sha256 = ?",
                              (sha,)).fetchone()
            con.close()
        except sqlite3.Error:
            row = None
        if row and row[0] >= 1000:
            done = row[0]
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    con = db(kt)
    st = con.execute("SELECT id, status, done, total FROM import_runs WHERE sha256 = ?",
                     (sha,)).fetchall()
    con.close()
    if not ck.ok(len(st) == 1 and st[0][1] == "running" and 0 < st[0][2] < st[0][3],
                 "the killed import left a running run half-way: %s (done seen %d)" % (st, done)):
        return
    run_id = st[0][0]
    p = kt.cli("import", path, "--community", str(c2), "--as", email, "--batch", "50",
               timeout=900)
    ck.eq(p.returncode, 0, "the import run again: %s" % p.stderr)
    ck.ok("(resumed)" in p.stdout and ("run %d" % run_id) in p.stdout,
          "the second run says it resumed run %d: %r" % (run_id, p.stdout))
    con = db(kt)
    try:
        nobj = con.execute("SELECT count(*), count(DISTINCT stix_id) FROM stix_objects "
                           "WHERE community_id = ?", (c2,)).fetchone()
        ck.eq(nobj, (n + 1, n + 1), "every object once")
        nind = con.execute("SELECT count(*), count(DISTINCT value) FROM indicators i JOIN reports "
                           "r ON r.id = i.report_id WHERE r.community_id = ?", (c2,)).fetchone()
        ck.eq(nind, (n, n), "every indicator once")
        nrep = con.execute("SELECT count(*) FROM reports WHERE community_id = ?",
                           (c2,)).fetchone()[0]
        # the STIX report (150 GREEN indicators) and reports of the others:
        # 2850 GREEN -> 3, 3000 AMBER -> 3
        ck.eq(nrep, 1 + 3 + 3, "the reports were made once")
        st = con.execute("SELECT status, done, total, nobjects FROM import_runs WHERE id = ?",
                         (run_id,)).fetchone()
        ck.eq(st, ("done", n + 1, n + 1, n + 1), "the run is done with every object counted")
    finally:
        con.close()
    p = kt.cli("import", path, "--community", str(c2), "--as", email)
    ck.ok(p.returncode == 0 and "(0 new, %d already there)" % (n + 1) in p.stdout and
          "resumed" not in p.stdout, "a third import finds everything: %r" % p.stdout)


def check_progress_bar(ck, kt, w, c2, outdir):
    email = w.people["o3a"]["email"]
    path = os.path.join(outdir, "bar.json")
    with open(path, "w") as f:
        json.dump(bundle([indicator(ip_of(0x300000 + i), "GREEN") for i in range(2500)]), f)
    p = kt.cli("import", path, "--community", str(c2), "--as", email)
    ck.eq((p.returncode, p.stderr), (0, ""), "no progress bar without a terminal")
    path2 = os.path.join(outdir, "bar2.json")
    with open(path2, "w") as f:
        json.dump(bundle([indicator(ip_of(0x310000 + i), "GREEN") for i in range(2500)]), f)
    master, slave = pty.openpty()
    proc = subprocess.Popen([kt.exe, "--data", kt.data, "import", path2, "--community",
                             str(c2), "--as", email, "--batch", "100"],
                            env=K.sanitizer_env(), stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    buf = b""
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        buf += chunk
    out, _ = proc.communicate(timeout=300)
    os.close(master)
    text = buf.decode("utf-8", "replace")
    ck.eq(proc.returncode, 0, "import on a terminal")
    ck.ok("\rimporting [" in text and "100% 2500/2500 objects" in text,
          "a progress bar on the terminal: %r" % text[-300:])
    ck.ok(out.decode().startswith("imported "), "the summary still goes to stdout")


def check_feed(ck, kt, w, c1):
    """The MISP feed of c1 as o1a has the shape of misp/feed."""
    tx = Taxii(kt)
    tok = api_token(w, "o1a", "read", "feed")
    auth = basic(w.people["o1a"]["email"], tok)
    base = "/feeds/misp/%d/" % c1
    r = tx.req("GET", base + "manifest.json", auth=auth, accept=None)
    if not ck.status(r, 200, "feed manifest"):
        return
    ck.ok(r.headers.get("content-type", "").startswith("application/json"), "manifest is JSON")
    man = r.data
    with open(os.path.join(INTEROP, "misp", "feed", "manifest.json")) as f:
        ref = json.load(f)
    ref_keys = set(next(iter(ref.values())).keys())
    ck.ok(len(man) > 0, "the feed has events")
    for uuid, entry in man.items():
        ck.eq(set(entry.keys()), ref_keys, "manifest entry keys of %s" % uuid)
        ck.ok(set(entry["Orgc"].keys()) >= {"name", "uuid"}, "manifest Orgc")
    r = tx.req("GET", base + "hashes.csv", auth=auth, accept=None)
    ck.status(r, 200, "feed hashes.csv")
    hashes = [line.split(",") for line in r.text.splitlines() if line]
    ck.ok(all(re.fullmatch(r"[0-9a-f]{32}", h) and u in man for h, u in hashes),
          "hashes.csv lines are <md5>,<event uuid>")
    ref_event = json.load(open(glob.glob(os.path.join(INTEROP, "misp", "feed", "5*.json"))[0]))
    n = 0
    for uuid in list(man)[:40]:
        r = tx.req("GET", base + uuid + ".json", auth=auth, accept=None)
        if not ck.status(r, 200, "feed event " + uuid):
            continue
        ev = r.data.get("Event", {})
        ck.eq(ev.get("uuid"), uuid, "event file uuid")
        ck.ok(set(ev.keys()) <= set(ref_event["Event"].keys()) | {"Attribute"},
              "event keys are MISP's: %s" % sorted(ev.keys()))
        ck.eq(ev.get("info"), man[uuid]["info"], "event info = manifest info")
        want = sorted(hashlib.md5(a["value"].encode()).hexdigest()
                      for a in ev.get("Attribute", []))
        got = sorted(h for h, u in hashes if u == uuid)
        ck.eq(got, want, "hashes.csv holds the MD5 of every value of " + uuid)
        n += 1
    ck.ok(n > 0, "event files fetched")
    ck.status(tx.req("GET", base + "00000000-0000-4000-8000-000000000000.json", auth=auth,
                     accept=None), 404, "feed: unknown event")
    ck.status(tx.req("GET", base + "nope.txt", auth=auth, accept=None), 404, "feed: other file")
    r = tx.req("GET", base + "manifest.json", accept=None)
    ck.status(r, 401, "feed without a credential")
    ck.ok(r.headers.get("content-type", "").startswith("application/problem+json"),
          "feed errors are problem+json")
    tok4 = api_token(w, "o4a", "read", "feed")
    ck.status(tx.req("GET", base + "manifest.json", token=tok4, accept=None), 404,
              "feed of c1 for an outsider")


def check_file_names(ck, kt, w, c2):
    """Loose indicators are filed under a report titled after the file: a long
    UTF-8 name or one that is not UTF-8 at all still gives a valid title, so
    the API can list the community."""
    email = w.people["o3a"]["email"]
    names = [b"a" * 181 + "\u00e9".encode() * 12 + b".json", b"bad-\xff\xfe-name.json"]
    for i, raw in enumerate(names):
        path = os.path.join(os.fsencode(kt.tmp), raw)
        with open(path, "w") as f:
            json.dump(bundle([indicator(ip_of(0x500000 + 16 * i + k), "GREEN")
                              for k in range(3)]), f)
        p = subprocess.run([kt.exe, "--data", kt.data, "import", path, "--community", str(c2),
                            "--as", email], env=K.sanitizer_env(), capture_output=True)
        ck.eq(p.returncode, 0, "import of a file named %r: %r" % (raw[:40], p.stderr[-300:]))
    d = w.call("GET", "/reports?community=%d&limit=200" % c2, None, w.token("o3a"), 200,
               "the community lists after imports with odd file names")
    titles = [it.get("title", "") for it in (d.get("items", []) if isinstance(d, dict) else [])]
    ck.ok(any(t.startswith("Indicators from " + "a" * 100) for t in titles),
          "a title from the long name: %r" % [t[:40] for t in titles])
    ck.ok(any("bad-" in t and "-name.json" in t for t in titles),
          "a title from the name that is not UTF-8")


def body(kt):
    ck = kt.ck
    w = small_world(kt)
    c1, c2 = w.cid("c1"), w.cid("c2")
    outdir = os.path.join(kt.tmp, "exports")
    os.makedirs(outdir)
    check_usage(ck, kt, w, c1)
    bundles = check_stix_examples(ck, kt, w, c1, outdir)
    check_misp(ck, kt, w, c1, outdir)
    check_feed(ck, kt, w, c1)
    check_resume(ck, kt, w, c2, outdir)
    check_progress_bar(ck, kt, w, c2, outdir)
    check_file_names(ck, kt, w, c2)
    # exports of kring's own reports too, under every label
    for tlp in ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT"):
        w.report("own-" + tlp, "o3a", "c2", tlp)
    w.report("own-red", "o3a", "c2", "RED", rpeople=["o3a"])
    w.comment("own-GREEN", "o3a", "AMBER")
    out = os.path.join(outdir, "c2-export.json")
    p = kt.cli("export", "--format", "stix", "--community", str(c2), "--as",
               w.people["o3a"]["email"], "--out", out)
    if ck.eq(p.returncode, 0, "STIX export of c2: %s" % p.stderr):
        bundles.append(out)
        d = json.load(open(out))
        names = {o.get("name") for o in d["objects"] if o["type"] == "report"}
        for k in ("own-CLEAR", "own-GREEN", "own-AMBER", "own-AMBER+STRICT", "own-red"):
            ck.ok(w.reports[k]["title"] in names, "the author exports " + k)
        ck.ok(any(o["type"] == "note" for o in d["objects"]), "the comment is exported as a note")
        marks = {o["id"] for o in d["objects"] if o["type"] == "marking-definition"}
        ck.ok(set(TLP2.values()) <= marks, "the TLP 2.0 definitions in use are in the bundle")
    p = kt.cli("export", "--format", "stix", "--community", str(c2), "--since", "2099-01-01",
               "--as", w.people["o3a"]["email"])
    one_line_failure(ck, p, 1, "a STIX export with nothing in it", "nothing to export")
    status, text = validate_stix(bundles)
    if status == 77:
        print("skipped: schema validation of %d exported bundles (%s)" % (len(bundles),
                                                                         text.strip()))
    else:
        ck.eq(status, 0, "every exported bundle validates against the OASIS schemas:\n" +
              text[-3000:])
        print(text.strip(), flush=True)


if __name__ == "__main__":
    K.run("interop-cli", body)
