"""test_taxii_paging.py - paging a 10 000-object TAXII collection with next
while other clients keep adding objects: no object is missed, none is
repeated, pages come in the order the objects were added, and a client that
continues with added_after (the X-TAXII-Date-Added-Last of its last page)
gets exactly the rest.

The 10 000 objects are imported with `kring import` (one bundle of GREEN
indicators); the writers post small envelopes over TAXII while the reader
pages, with several page sizes and both credential kinds.

    python3 test_taxii_paging.py /path/to/kring
"""

import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taxiitest import K, Taxii, api_token, basic, bundle, indicator, ip_of, small_world  # noqa

N = 10000


class Writer(threading.Thread):
    """Posts envelopes of a few new indicators until stopped; remembers the
    ids whose POST had completed, with the time it completed."""

    def __init__(self, tx, cid, tok, start, step):
        super().__init__(daemon=True)
        self.tx, self.cid, self.tok = tx, cid, tok
        self.i = start
        self.step = step
        self.done = []      # (monotonic time when acknowledged, [ids])
        self.errors = []
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            objs = [indicator(ip_of(self.i + k), "GREEN") for k in range(3)]
            self.i += self.step
            try:
                r = self.tx.req("POST", self.tx.objects_path(self.cid), token=self.tok,
                                body={"objects": objs})
            except OSError as e:
                self.errors.append(str(e))
                continue
            if r.status != 202 or r.data.get("success_count") != 3:
                self.errors.append("%d %s" % (r.status, K.short(r.text)))
                continue
            self.done.append((time.monotonic(), [o["id"] for o in objs]))
            time.sleep(0.005)


def page_through(ck, tx, cid, label, limit, writers, auth=None, token=None):
    """Pages from the start while writers write; returns (ids in order,
    time the last page was asked for, last date added)."""
    seen, nxt, pages, last_added, asked = [], None, 0, None, None
    dates = []
    while True:
        q = "?limit=%d" % (limit() if callable(limit) else limit)
        if nxt:
            q += "&next=" + nxt
        asked = time.monotonic()
        r = tx.req("GET", tx.objects_path(cid) + q, token=token, auth=auth)
        if not ck.status(r, 200, "%s: page %d" % (label, pages + 1)):
            return seen, asked, last_added
        objs = r.data.get("objects", [])
        seen.extend((o["id"], o.get("modified")) for o in objs)
        if objs:
            first = r.headers.get("x-taxii-date-added-first")
            last_added = r.headers.get("x-taxii-date-added-last")
            dates.append((first, last_added))
        pages += 1
        if not r.data.get("more"):
            break
        nxt = r.data.get("next")
        if not ck.ok(bool(nxt), "%s: more without next" % label):
            break
    flat = [d for pair in dates for d in pair]
    ck.eq(flat, sorted(flat), "%s: date added grows from page to page" % label)
    ck.ok(all(a < b for a, b in zip(dates, dates[1:]) if a[1] and b[0]) and
          all(a[1] < b[0] for a, b in zip(dates, dates[1:])),
          "%s: pages do not overlap in date added" % label)
    print("%s: %d pages, %d objects" % (label, pages, len(seen)), flush=True)
    return seen, asked, last_added


def body(kt):
    ck = kt.ck
    w = small_world(kt)
    tx = Taxii(kt)
    cid = w.cid("c1")
    tok_r = api_token(w, "o2a", "read", "reader")
    tok_w = [api_token(w, "o1a", "write", "writer %d" % i) for i in range(2)]

    objs = [indicator(ip_of(i), "GREEN", name="bulk %d" % i) for i in range(N)]
    path = os.path.join(kt.tmp, "bulk.json")
    with open(path, "w") as f:
        json.dump(bundle(objs), f)
    t0 = time.time()
    p = kt.cli("import", path, "--community", str(cid), "--as", w.people["o1a"]["email"],
               timeout=1200)
    ck.eq(p.returncode, 0, "import of %d objects: %s" % (N, p.stderr[-500:]))
    print("imported %d objects in %.1f s: %s" % (N, time.time() - t0, p.stdout.strip()),
          flush=True)
    base = {o["id"] for o in objs}

    rnd = random.Random(7)
    runs = [("bearer, limit 100", 100, {"token": tok_r}),
            ("Basic, limits 1..250", lambda: rnd.randint(1, 250),
             {"auth": basic(w.people["o2a"]["email"], tok_r)})]
    start = 1 << 20
    for label, limit, cred in runs:
        writers = [Writer(tx, cid, tok_w[i], start + i, 2) for i in range(2)]
        start += 1 << 18
        for wr in writers:
            wr.start()
        seen, asked, last_added = page_through(ck, tx, cid, label, limit, writers, **cred)
        for wr in writers:
            wr.stop.set()
        for wr in writers:
            wr.join(60)
            ck.eq(wr.errors, [], "%s: writer errors" % label)
        ids = [i for i, _ in seen]
        ck.eq(len(seen), len(set(seen)), "%s: no object repeated" % label)
        missing = base - set(ids)
        ck.ok(not missing, "%s: %d of the %d imported objects missed" % (label, len(missing), N))
        acked = [i for wr in writers for t, lst in wr.done if t < asked for i in lst]
        late = [i for i in acked if i not in set(ids)]
        ck.ok(not late, "%s: %d objects added before the last page was asked for are missing"
              % (label, len(late)))
        written = [i for wr in writers for _, lst in wr.done for i in lst]
        ck.ok(len(written) > 20, "%s: the writers wrote while paging (%d)" % (label, len(written)))
        # continue from the last date added: exactly what is left
        more, nxt = [], None
        while True:
            q = "?limit=500&added_after=" + last_added + ("&next=" + nxt if nxt else "")
            r = tx.req("GET", tx.objects_path(cid) + q, **cred)
            if not ck.status(r, 200, label + ": added_after"):
                break
            more.extend(o["id"] for o in r.data.get("objects", []))
            if not r.data.get("more"):
                break
            nxt = r.data["next"]
        allids = ids + more
        ck.eq(len(allids), len(set(allids)), "%s: added_after repeats nothing" % label)
        lost = set(written) - set(allids)
        ck.ok(not lost, "%s: %d written objects never seen" % (label, len(lost)))
        base |= set(written)
    # the manifest pages the same way
    man, nxt = [], None
    while True:
        r = tx.req("GET", tx.root(cid) + "collections/reports/manifest/?limit=1000" +
                   ("&next=" + nxt if nxt else ""), token=tok_r)
        if not ck.status(r, 200, "manifest page"):
            break
        man.extend(m["id"] for m in r.data.get("objects", []))
        if not r.data.get("more"):
            break
        nxt = r.data["next"]
    ck.ok(base <= set(man), "the manifest lists every object")
    ck.eq(len(man), len(set(man)), "the manifest repeats nothing")


if __name__ == "__main__":
    K.run("taxii-paging", body)
