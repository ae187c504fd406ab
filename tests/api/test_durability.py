"""test_durability.py - acknowledged writes survive kill -9.

Writes N reports over the API and remembers every acknowledged (201) id and
its content; then, while a second thread keeps writing, the server is
killed with SIGKILL and restarted on the same data directory. Every
acknowledged report must be there with the same content (title, body,
label, kind, level, indicators). Three kills. Afterwards `kring check`
prints ok and PRAGMA integrity_check answers ok.

    python3 test_durability.py /path/to/kring
"""

import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402

N_FIRST = 200
KILLS = 3


class Writer:
    """Writes reports until stopped or the server goes away; records each
    acknowledged report."""

    def __init__(self, kt, w, author, acked, lock):
        self.kt, self.w, self.author = kt, w, author
        self.acked, self.lock = acked, lock
        self.n = 0
        self.stop = False
        self.errors = 0

    def one(self, client):
        self.n += 1
        tok = self.w.mk.token()
        tlp = random.choice(["CLEAR", "GREEN", "AMBER"])
        body = {"community_id": self.w.cid("k"), "kind": random.choice(K.REPORT_KINDS),
                "title": "Durable %s %d %s" % (tlp, self.n, tok),
                "body": "Body of %s, line one.\n\nline two %d" % (tok, self.n),
                "level": random.choice(K.LEVELS), "tlp": tlp,
                "indicators": [{"type": "domain", "value": "%s.example.net" % tok}]}
        r = client.request("POST", "/reports", body=body, token=self.w.token(self.author),
                           timeout=30)
        if r.status == 201 and isinstance(r.data, dict) and "id" in r.data:
            with self.lock:
                self.acked[r.data["id"]] = body
            return True
        return False

    def loop(self, client):
        while not self.stop:
            try:
                self.one(client)
            except OSError:
                self.errors += 1
                return  # the server is gone
            except Exception:  # a half-written answer when killed
                self.errors += 1
                return


def verify(kt, w, acked, author, what):
    ck = kt.ck
    tok = w.token(author)
    missing, wrong = [], []
    for rid, body in sorted(acked.items()):
        r = kt.req("GET", "/reports/%d" % rid, token=tok)
        if r.status != 200:
            missing.append((rid, r.status))
            continue
        d = r.data
        for k in ("title", "body", "tlp", "kind", "level", "community_id"):
            if d.get(k) != body[k]:
                wrong.append((rid, k, d.get(k), body[k]))
        vals = sorted(i.get("value") for i in d.get("indicators", []))
        if vals != sorted(i["value"] for i in body["indicators"]):
            wrong.append((rid, "indicators", vals))
    ck.ok(not missing, "%s: %d acknowledged reports missing: %s" % (what, len(missing),
                                                                    K.short(missing, 600)))
    ck.ok(not wrong, "%s: %d fields differ: %s" % (what, len(wrong), K.short(wrong, 600)))
    r = kt.req("GET", "/reports/count", token=tok)
    if ck.status(r, 200, what + ": count"):
        ck.ok(r.data.get("count", 0) >= len(acked), "%s: count %s < acknowledged %d"
              % (what, r.data.get("count"), len(acked)))


def main(kt):
    ck = kt.ck
    w = K.World(kt)
    w.org("A", "company")
    w.person("a1", "A")
    w.community("k", "sector")
    w.member("k", "A")
    w.accept("a1", "k")
    acked, lock = {}, threading.Lock()
    writer = Writer(kt, w, "a1", acked, lock)

    t0 = time.time()
    for _ in range(N_FIRST):
        if not writer.one(kt.client):
            ck.fail("a report write was refused before any kill")
            break
    ck.eq(len(acked), N_FIRST, "reports acknowledged before the first kill")
    print("durability: %d reports in %.1f s" % (len(acked), time.time() - t0), flush=True)
    verify(kt, w, acked, "a1", "before any kill")

    for round_ in range(1, KILLS + 1):
        writer.stop = False
        th = threading.Thread(target=writer.loop, args=(K.Client("127.0.0.1", kt.port),))
        th.start()
        time.sleep(0.5 + random.random())
        n_before = len(acked)
        kt.kill9()
        th.join(timeout=60)
        writer.stop = True
        ck.ok(not th.is_alive(), "writer thread stops after kill %d" % round_)
        print("durability: kill %d after %d more acknowledged writes" % (round_, len(acked) -
                                                                          N_FIRST), flush=True)
        ck.ok(len(acked) >= n_before, "writes acknowledged during round %d" % round_)
        kt.start()
        verify(kt, w, acked, "a1", "after kill %d" % round_)
        # the session survived the restart; the store still takes writes
        ck.ok(writer.one(kt.client), "a write after restart %d" % round_)

    verify(kt, w, acked, "a1", "final")
    kt.stop()
    p = kt.cli("check")
    ck.eq((p.returncode, p.stdout.strip()), (0, "ok"), "kring check after the kills")
    con = kt.db_connect()
    try:
        ck.eq(con.execute("PRAGMA integrity_check").fetchone()[0], "ok",
              "PRAGMA integrity_check")
        mode = con.execute("PRAGMA journal_mode").fetchone()[0]
        ck.eq(mode.lower(), "wal", "journal mode of the store")
    finally:
        con.close()


if __name__ == "__main__":
    K.run("durability", main)
