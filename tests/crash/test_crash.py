"""test_crash.py - crash safety: SIGKILL at 20 random moments under load.

While two writers post reports with indicators over the API and, when the
kring binary has the `import` command, `kring import` loads a large STIX
bundle (400 reports, 1200 indicators) into the same store, the server (and
a running import) is killed with SIGKILL at a random moment, 20 times.
After every kill:

  - PRAGMA integrity_check of the store answers ok (and `kring check` too);
  - the server starts again on the same data directory;
  - every report whose creation was acknowledged (201 with an id) is there
    with the same title, label, kind, level and community, and the reports
    acknowledged in the round just ended also with the same body and
    indicators;
  - once an import has reported success, every report of the bundle is
    there exactly once; an interrupted import is run again in the next
    round and must never store a report twice.

At the end the import is run to completion and the bundle's reports and
indicators are counted. Without `kring import` the bundle's reports are
posted over the API by a third writer instead.

    python3 test_crash.py /path/to/kring
KRING_CRASH_SEED=N repeats a run's random moments; KRING_CRASH_KILLS=N
changes the number of kills (default 20); KRING_CRASH_IMPORT=0 posts the
bundle over the API even when `kring import` exists.
"""

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "api"))
import kringtest as K  # noqa: E402

KILLS = int(os.environ.get("KRING_CRASH_KILLS", "20"))
BUNDLE_REPORTS = 400
INDICATORS_PER_REPORT = 3
WRITERS = 2
LIST_LIMIT = 200


# --------------------------------------------------------------------------
# the bundle

def make_bundle(token):
    """A STIX 2.1 bundle of BUNDLE_REPORTS GREEN reports, each naming its
    own indicators. Returns (bundle dict, {title: set of indicator values})."""
    green = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    ts = "2026-01-02T03:04:05.000Z"
    objects, expect = [], {}
    for i in range(BUNDLE_REPORTS):
        refs, values = [], set()
        for k in range(INDICATORS_PER_REPORT):
            n = i * INDICATORS_PER_REPORT + k
            value = "%s-%d.crash.example.net" % (token, n)
            ind_id = "indicator--%s" % uuid.uuid5(uuid.NAMESPACE_URL, "%s/%d" % (token, n))
            objects.append({
                "type": "indicator", "spec_version": "2.1", "id": ind_id,
                "created": ts, "modified": ts, "name": "crash indicator %d" % n,
                "pattern": "[domain-name:value = '%s']" % value, "pattern_type": "stix",
                "valid_from": ts, "object_marking_refs": [green]})
            refs.append(ind_id)
            values.add(value)
        title = "Crash bundle %s report %d" % (token, i)
        objects.append({
            "type": "report", "spec_version": "2.1",
            "id": "report--%s" % uuid.uuid5(uuid.NAMESPACE_URL, "%s/report/%d" % (token, i)),
            "created": ts, "modified": ts, "name": title,
            "description": "Report %d of the crash bundle %s." % (i, token),
            "published": ts, "report_types": ["threat-report"], "object_refs": refs,
            "object_marking_refs": [green]})
        expect[title] = values
    bundle = {"type": "bundle", "id": "bundle--%s" % uuid.uuid5(uuid.NAMESPACE_URL, token),
              "objects": objects}
    return bundle, expect


def has_import(kt):
    p = kt.cli("help", "import", data=False)
    return p.returncode == 0 and "import" in p.stdout


# --------------------------------------------------------------------------
# writers

class Writer:
    """Posts reports until stopped or the server goes away; remembers each
    acknowledged one with the round it was acknowledged in."""

    def __init__(self, w, author, cid, acked, lock, rnd, titles=None):
        self.w, self.author, self.cid = w, author, cid
        self.acked, self.lock, self.rnd = acked, lock, rnd
        self.titles = titles      # bundle fallback: (title, values) to post in order
        self.round = 0
        self.stop = False
        self.n = 0

    def body(self):
        if self.titles is not None:
            with self.lock:
                if not self.titles:
                    return None
                title, values = self.titles[0]
            return {"community_id": self.cid, "kind": "threat", "title": title,
                    "body": "Posted instead of an import.", "level": "technical",
                    "tlp": "GREEN",
                    "indicators": [{"type": "domain", "value": v} for v in sorted(values)]}
        self.n += 1
        tok = self.w.mk.token("zk")
        tlp = self.rnd.choice(["CLEAR", "GREEN", "AMBER"])
        inds = K.indicator_set(self.w.mk, tok)
        return {"community_id": self.cid, "kind": self.rnd.choice(K.REPORT_KINDS),
                "title": "Crash %s %d %s" % (tlp, self.n, tok),
                "body": "Body of %s.\n\nSecond paragraph %d." % (tok, self.n),
                "level": self.rnd.choice(K.LEVELS), "tlp": tlp,
                "indicators": [i for i, _ in inds], "_norm": sorted(v for _, v in inds)}

    def loop(self, client):
        while not self.stop:
            body = self.body()
            if body is None:
                return
            norm = body.pop("_norm", None)
            try:
                r = client.request("POST", "/reports", body=body, token=self.w.token(self.author),
                                   timeout=30)
            except Exception:  # the server is gone (refused, reset, half an answer)
                return
            if r.status == 201 and isinstance(r.data, dict) and "id" in r.data:
                with self.lock:
                    if self.titles is not None:
                        self.titles.pop(0)
                    body["_norm"] = norm
                    self.acked[r.data["id"]] = (self.round, body)
            elif self.titles is not None and r.status == 409:
                return  # cannot happen: titles are not unique keys; stop rather than loop


# --------------------------------------------------------------------------
# checks

def integrity(kt, what):
    ck = kt.ck
    con = kt.db_connect()
    try:
        got = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    ck.eq(got, "ok", "%s: PRAGMA integrity_check" % what)
    p = kt.cli("check")
    ck.eq((p.returncode, p.stdout.strip()), (0, "ok"), "%s: kring check" % what)


def list_reports(kt, token, query=""):
    """Every readable report as {id: item}, following next_cursor."""
    out, cursor = {}, None
    while True:
        path = "/reports?limit=%d%s%s" % (LIST_LIMIT, query, "&cursor=" + cursor if cursor else "")
        r = kt.req("GET", path, token=token)
        if r.status != 200:
            raise RuntimeError("GET %s: HTTP %d %s" % (path, r.status, K.short(r.text)))
        for it in r.data["items"]:
            out[it["id"]] = it
        cursor = r.data["next_cursor"]
        if cursor is None:
            return out


def verify_acked(kt, w, author, acked, rnd, round_, what):
    """Every acknowledged report is listed with its fields; those of this
    round (and a sample of older ones) are read in full."""
    ck = kt.ck
    tok = w.token(author)
    listed = list_reports(kt, tok)
    missing, wrong = [], []
    for rid, (r_round, body) in sorted(acked.items()):
        it = listed.get(rid)
        if it is None:
            missing.append(rid)
            continue
        for k in ("title", "tlp", "kind", "level", "community_id"):
            if it.get(k) != body[k]:
                wrong.append((rid, k, it.get(k), body[k]))
    ck.ok(not missing, "%s: %d acknowledged reports missing: %s" % (what, len(missing),
                                                                    K.short(missing, 400)))
    ck.ok(not wrong, "%s: %d listed fields differ: %s" % (what, len(wrong), K.short(wrong, 400)))
    full = [rid for rid, (r_round, _) in acked.items() if r_round == round_]
    older = [rid for rid, (r_round, _) in acked.items() if r_round != round_]
    full += rnd.sample(older, min(10, len(older)))
    for rid in full:
        body = acked[rid][1]
        r = kt.req("GET", "/reports/%d" % rid, token=tok)
        if not ck.status(r, 200, "%s: report %d" % (what, rid)):
            continue
        ck.eq(r.data.get("body"), body["body"], "%s: body of report %d" % (what, rid))
        vals = sorted(i.get("value") for i in r.data.get("indicators", []))
        want = body.get("_norm") or sorted(i["value"] for i in body["indicators"])
        ck.eq(vals, want, "%s: indicators of report %d" % (what, rid))
    return len(full)


def bundle_titles(kt, token, bundle_token):
    """Titles of the readable reports of the bundle, with repetitions."""
    items = list_reports(kt, token, "&q=" + bundle_token)
    return sorted(it["title"] for it in items.values() if bundle_token in it["title"])


def verify_bundle(kt, w, author, expect, bundle_token, complete, what, indicators=False,
                  once=True):
    """No bundle report twice (once: an import must not store one twice; a
    POST whose answer a kill swallowed is sent again, so posted copies may
    repeat); all of them once the import completed."""
    ck = kt.ck
    tok = w.token(author)
    titles = bundle_titles(kt, tok, bundle_token)
    dups = sorted({t for t in titles if titles.count(t) > 1})
    if once:
        ck.ok(not dups, "%s: bundle reports stored twice: %s" % (what, K.short(dups, 300)))
    unknown = [t for t in titles if t not in expect]
    ck.ok(not unknown, "%s: unexpected bundle titles: %s" % (what, K.short(unknown, 300)))
    if complete:
        ck.eq(len(set(titles)), len(expect), "%s: bundle reports present" % what)
    if indicators:
        items = list_reports(kt, tok, "&q=" + bundle_token)
        bad = 0
        for rid, it in items.items():
            r = kt.req("GET", "/reports/%d" % rid, token=tok)
            if r.status != 200:
                bad += 1
                continue
            vals = {i.get("value") for i in r.data.get("indicators", [])}
            if vals != expect.get(it["title"]):
                bad += 1
        ck.eq(bad, 0, "%s: bundle reports with other indicators than the bundle's" % what)
    return len(titles)


# --------------------------------------------------------------------------

def main(kt):
    ck = kt.ck
    seed = int(os.environ.get("KRING_CRASH_SEED", str(int(time.time()))))
    rnd = random.Random(seed)
    print("crash: seed %d, %d kills" % (seed, KILLS), flush=True)

    w = K.World(kt)
    w.org("A", "company")
    w.person("a1", "A")
    w.community("k", "sector")
    w.member("k", "A")
    w.accept("a1", "k")
    cid = w.cid("k")
    email = w.people["a1"]["email"]

    bundle_token = "zb" + uuid.uuid4().hex[:10]
    bundle, expect = make_bundle(bundle_token)
    bundle_path = os.path.join(kt.tmp, "bundle.json")
    with open(bundle_path, "w") as f:
        json.dump(bundle, f)
    use_import = os.environ.get("KRING_CRASH_IMPORT", "1") != "0" and has_import(kt)
    print("crash: bundle of %d objects (%d KiB) %s" % (
        len(bundle["objects"]), os.path.getsize(bundle_path) // 1024,
        "through kring import" if use_import else "posted over the API (no kring import)"),
        flush=True)

    acked, lock = {}, threading.Lock()
    writers = [Writer(w, "a1", cid, acked, lock, random.Random(rnd.random()))
               for _ in range(WRITERS)]
    fallback = None
    if not use_import:
        fallback = Writer(w, "a1", cid, {}, lock, random.Random(rnd.random()),
                          titles=sorted(expect.items()))
    import_done = False
    import_runs = 0
    kills_during_import = 0

    def start_import():
        env = K.sanitizer_env()
        return subprocess.Popen(
            [kt.exe, "--data", kt.data, "import", bundle_path, "--as", email,
             "--community", str(cid)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    t0 = time.time()
    for round_ in range(1, KILLS + 1):
        for wr in writers + ([fallback] if fallback else []):
            wr.round, wr.stop = round_, False
        threads = [threading.Thread(target=wr.loop, args=(K.Client("127.0.0.1", kt.port),))
                   for wr in writers + ([fallback] if fallback else [])]
        n_before = len(acked)
        imp = None
        if use_import and not import_done:
            imp = start_import()
            import_runs += 1
        for th in threads:
            th.start()
        time.sleep(0.3 + rnd.random() * 4.7)

        # the moment: server and import die together, as in a power cut
        if imp is not None and imp.poll() is None:
            imp.send_signal(signal.SIGKILL)
            kills_during_import += 1
        kt.kill9()
        for wr in writers + ([fallback] if fallback else []):
            wr.stop = True
        for th in threads:
            th.join(timeout=60)
            ck.ok(not th.is_alive(), "round %d: a writer hangs after the kill" % round_)
        if imp is not None:
            out, err = imp.communicate(timeout=60)
            err = err.decode("utf-8", "replace")
            for word in K.SANITIZER_WORDS:
                ck.ok(word not in err, "round %d: import stderr has %s:\n%s" % (round_, word,
                                                                               err[-4000:]))
            if imp.returncode == 0:
                import_done = True
            elif imp.returncode != -signal.SIGKILL:
                ck.fail("round %d: kring import failed (%d): %s %s" % (
                    round_, imp.returncode, out.decode(errors="replace"), err[-2000:]))
                use_import = False  # the import is broken: go on with the API writers only

        what = "kill %d" % round_
        integrity(kt, what)
        kt.start()
        nfull = verify_acked(kt, w, "a1", acked, rnd, round_, what)
        complete = import_done or (fallback is not None and not fallback.titles)
        nb = verify_bundle(kt, w, "a1", expect, bundle_token, complete, what,
                           once=fallback is None)
        print("crash: %s at +%.1f s: %d reports acknowledged (%d this round, %d read in full), "
              "bundle %d/%d%s" % (what, time.time() - t0, len(acked), len(acked) - n_before,
                                  nfull, nb, len(expect),
                                  " (import done)" if import_done else ""), flush=True)

    # finish the bundle: the import (resumed) or the remaining posts
    if use_import and not import_done:
        imp = start_import()
        out, err = imp.communicate(timeout=900)
        ck.eq(imp.returncode, 0, "final import: exit status (%s)" % err.decode(errors="replace")
              [-2000:])
        import_done = imp.returncode == 0
    elif fallback is not None and fallback.titles:
        fallback.stop = False
        fallback.loop(kt.client)
    verify_bundle(kt, w, "a1", expect, bundle_token, True, "final", indicators=True,
                  once=fallback is None)
    verify_acked(kt, w, "a1", acked, rnd, KILLS, "final")
    print("crash: %d kills (%d during an import, %d import runs), %d acknowledged reports"
          % (KILLS, kills_during_import, import_runs, len(acked)), flush=True)
    kt.stop()
    integrity(kt, "final")


if __name__ == "__main__":
    K.run("crash", main)
