"""test_tlp_leak.py - the leak sweep: every GET endpoint of docs/API.md as every
person (and anonymous, and a read-only token) against a seeded world with
items under every TLP label in three communities.

For each caller the expected readable set is computed from the rules of
src/policy/policy.h (kringtest.World.can_read / can_read_comment). Asserted:
no answer carries a marker (title token, body token, indicator value,
comment token) of an item the caller may not read; every readable item is
found in lists, counts, filters, searches; unreadable items answer 404 on
every item route, never 403. Then the chair changes the guidelines of one
community and the sweep is repeated: nobody who has not accepted the new
version sees its GREEN/AMBER/RED items (except their own).

    python3 test_tlp_leak.py /path/to/kring
"""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402


def q(v):
    return urllib.parse.quote(str(v), safe="")


class Sweep:
    def __init__(self, kt, w):
        self.kt = kt
        self.w = w
        self.ck = kt.ck
        self.caller = None      # (label, person key or None)
        self.forbidden = []     # strings the current caller must never see
        kt.observer = self.observe

    # ---- the leak scan, on every answer
    def set_caller(self, label, pkey):
        w = self.w
        self.caller = (label, pkey)
        forb = []
        for key in w.order:
            rec = w.reports[key]
            readable = w.can_read(pkey, key)
            forb.extend((s, "report %s" % key) for s in w.leak_strings_for(pkey, key))
            for c in rec["comments"]:
                if not (readable and w.can_read_comment(pkey, key, c)):
                    forb.append((c["token"], "comment %d (%s) on %s" % (c["id"], c["tlp"], key)))
        self.forbidden = forb

    def observe(self, token, method, path, resp):
        if self.caller is None:
            return
        label = self.caller[0]
        self.ck.ok(resp.status < 500, "%s: GET %s answered %d: %s"
                   % (label, path, resp.status, K.short(resp.text)))
        text = resp.text.lower()
        for s, what in self.forbidden:
            if s.lower() in text:
                self.ck.fail("LEAK to %s: GET %s shows %r of %s: %s"
                             % (label, path, s, what, K.short(resp.text, 400)))

    # ---- helpers
    def get(self, path, tok):
        return self.kt.req("GET", path, token=tok)

    def expect_list(self, label, path, tok, want_ids, anon):
        r = self.get(path, tok)
        if anon and r.status == 401:
            return
        if not self.ck.status(r, 200, "%s GET %s" % (label, path)):
            return
        d = r.data
        items = d.get("items") if isinstance(d, dict) else None
        if not isinstance(items, list):
            self.ck.fail("%s GET %s: no items[]: %s" % (label, path, K.short(r.text)))
            return
        self.ck.eq(sorted(K.ids_of(items)), sorted(want_ids), "%s GET %s ids" % (label, path))
        return items

    def expect_count(self, label, path, tok, want):
        r = self.get(path, tok)
        if not self.ck.status(r, 200, "%s GET %s" % (label, path)):
            return
        got = r.data.get("count") if isinstance(r.data, dict) else None
        self.ck.eq(got, want, "%s GET %s count" % (label, path))

    def expect_404(self, label, path, tok, anon):
        r = self.get(path, tok)
        # anonymous callers may get 401 on routes that need a login (no item
        # is revealed); report routes read CLEAR anonymously and answer 404
        ok = (404, 401) if anon and not path.startswith("/reports") else (404,)
        if r.status == 403:
            self.ck.fail("%s GET %s: 403 reveals an invisible item (want 404)" % (label, path))
            return
        if self.ck.status(r, ok, "%s GET %s (unreadable)" % (label, path)):
            self.ck.problem(r, "%s GET %s" % (label, path))

    # ---- the sweep of one caller
    def reports(self, label, pkey, tok, full=True):
        w, ck = self.w, self.ck
        anon = tok is None
        readable = [k for k in w.order if w.can_read(pkey, k)]
        rid = {k: w.reports[k]["id"] for k in w.order}
        want_all = [rid[k] for k in readable]

        items, ok = K.page_all(self.kt, "/reports", tok, 4, ck, label + " /reports paging")
        if ok:
            ck.eq(sorted(K.ids_of(items)), sorted(want_all), label + " /reports (paged) ids")
            for it in items:
                ck.ok("body" not in it, "%s: list item %s carries a body" % (label, it.get("id")))
        items, ok = K.page_all(self.kt, "/reports", tok, 200, ck, label + " /reports")
        if ok:
            ck.eq(sorted(K.ids_of(items)), sorted(want_all), label + " /reports ids")
        self.expect_count(label, "/reports/count", tok, len(want_all))

        filters = []
        for kind in sorted({w.reports[k]["kind"] for k in w.order}):
            filters.append(("kind=" + kind, lambda r, v=kind: r["kind"] == v))
        for tlp in K.TLPS:
            filters.append(("tlp=" + q(tlp), lambda r, v=tlp: r["tlp"] == v))
        for c in sorted(w.comms):
            filters.append(("community=%d" % w.cid(c), lambda r, v=c: r["community"] == v))
        for lv in K.LEVELS:
            filters.append(("level=" + lv, lambda r, v=lv: r["level"] == v))
        ups = sorted(w.reports[k]["updated"] for k in w.order if w.reports[k]["updated"])
        if ups:
            mid = ups[len(ups) // 2]
            filters.append(("since=" + q(mid), lambda r, v=mid: r["updated"] >= v))
            filters.append(("since=2999-01-01T00:00:00Z", lambda r: False))
        filters.append(("tlp=RED&community=%d" % w.cid("c1"),
                        lambda r: r["tlp"] == "RED" and r["community"] == "c1"))
        if not full:
            filters = [f for f in filters if f[0].startswith(("tlp=", "community="))]
        for qs, pred in filters:
            want = [rid[k] for k in readable if pred(w.reports[k])]
            self.expect_list(label, "/reports?%s&limit=200" % qs, tok, want, False)
            self.expect_count(label, "/reports/count?" + qs, tok, len(want))

        # search by every item's marker, readable or not
        for k in w.order:
            rec = w.reports[k]
            for t in sorted({rec["tokens"][0], rec["versions"][-1]["ttok"]}):
                want = [rid[k]] if k in readable else []
                self.expect_list(label, "/reports?q=%s&limit=200" % t, tok, want, False)
                if full:
                    self.expect_count(label, "/reports/count?q=" + t, tok, len(want))

        # every item route of every report
        for k in w.order:
            rec = w.reports[k]
            base = "/reports/%d" % rec["id"]
            routes = [base, base + "/versions", base + "/versions/1", base + "/comments",
                      base + "/indicators"] if full else [base, base + "/comments"]
            if k not in readable:
                for p in routes:
                    self.expect_404(label, p, tok, anon)
                continue
            r = self.get(base, tok)
            if ck.status(r, 200, "%s GET %s (%s, readable)" % (label, base, k)):
                d = r.data
                ck.eq(d.get("title"), rec["title"], "%s %s title" % (label, k))
                ck.eq(d.get("tlp"), rec["tlp"], "%s %s tlp" % (label, k))
                inds = d.get("indicators") or []
                ck.eq(sorted(i.get("value") for i in inds), sorted(rec["indicators"]),
                      "%s %s indicators" % (label, k))
                ck.ok(isinstance(d.get("permissions"), dict), "%s %s permissions" % (label, k))
            want_c = [c["id"] for c in rec["comments"] if w.can_read_comment(pkey, k, c)]
            r = self.get(base + "/comments", tok)
            if not (anon and r.status == 401) and \
                    ck.status(r, 200, "%s GET %s/comments" % (label, base)):
                got = K.ids_of(r.data.get("items", [])) if isinstance(r.data, dict) else None
                ck.eq(got, want_c, "%s %s comments (oldest first)" % (label, k))
            if not full:
                continue
            r = self.get(base + "/versions", tok)
            if not (anon and r.status == 401) and \
                    ck.status(r, 200, "%s GET %s/versions" % (label, base)):
                vs = r.data.get("items", []) if isinstance(r.data, dict) else []
                ck.eq(sorted(v.get("version") for v in vs), w.readable_versions(pkey, k),
                      "%s %s readable versions" % (label, k))
            if not w.can_read_version(pkey, k, 1):
                self.expect_404(label, base + "/versions/1", tok, anon)
            else:
                r = self.get(base + "/versions/1", tok)
                if not (anon and r.status == 401) and \
                        ck.status(r, 200, "%s GET %s/versions/1" % (label, base)):
                    ck.eq(r.data.get("title"), rec["titles"][0],
                          "%s %s version 1 title" % (label, k))
            r = self.get(base + "/indicators", tok)
            if not (anon and r.status == 401) and \
                    ck.status(r, 200, "%s GET %s/indicators" % (label, base)):
                vals = [i.get("value") for i in r.data.get("items", [])] \
                    if isinstance(r.data, dict) else []
                ck.eq(sorted(vals), sorted(rec["indicators"]), "%s %s /indicators" % (label, k))
        if not full:
            return

        # indicator search: by exact value and by marker substring
        for k in w.order:
            rec = w.reports[k]
            for v in rec["indicators"]:
                want = [rid[k]] if k in readable else []
                r = self.get("/indicators?value=%s&limit=200" % q(v), tok)
                if anon and r.status == 401:
                    continue
                if ck.status(r, 200, "%s GET /indicators?value=%s" % (label, v)):
                    got = [i.get("report_id") for i in r.data.get("items", [])]
                    ck.eq(sorted(set(got)), want, "%s /indicators?value=%s report ids"
                          % (label, v))
            t = rec["tokens"][0]
            r = self.get("/indicators?q=%s&limit=200" % t, tok)
            if not (anon and r.status == 401) and \
                    ck.status(r, 200, "%s GET /indicators?q=%s" % (label, t)):
                got = {i.get("report_id") for i in r.data.get("items", [])}
                ck.eq(sorted(got), [rid[k]] if k in readable else [],
                      "%s /indicators?q=%s report ids" % (label, t))

    # ---- writes on invisible items: 404 as well, never 403
    def writes(self, label, pkey, tok):
        w, ck = self.w, self.ck
        for k in w.order:
            if w.can_read(pkey, k):
                continue
            rec = w.reports[k]
            base = "/reports/%d" % rec["id"]
            tries = [("POST", base + "/comments", {"body": "probe"}),
                     ("PATCH", base, {"title": "probe"}),
                     ("POST", base + "/indicators", {"type": "domain",
                                                     "value": "probe.example.org"})]
            if rec.get("ind_ids"):
                tries.append(("DELETE", "%s/indicators/%d" % (base, rec["ind_ids"][0]), None))
            for m, p, body in tries:
                r = self.kt.req(m, p, body=body, token=tok)
                ok = (404, 401) if tok is None else (404,)
                if r.status == 403:
                    self.ck.fail("%s %s %s: 403 reveals an invisible item (want 404)"
                                 % (label, m, p))
                elif ck.status(r, ok, "%s %s %s (unreadable)" % (label, m, p)):
                    ck.problem(r, "%s %s %s" % (label, m, p))

    # ---- directory routes (no TLP, but visibility rules and leak scan)
    def directory(self, label, pkey, tok):
        w, ck = self.w, self.ck
        if tok is None:
            for p in ["/communities", "/communities/%d" % w.cid("c1"), "/organisations",
                      "/people", "/me", "/audit", "/tokens",
                      "/communities/%d/members" % w.cid("c1")]:
                r = self.get(p, None)
                ck.status(r, 401, "anonymous GET %s" % p)
            return
        me = w.people[pkey]
        is_admin = pkey == "admin"
        org = me["org"]
        member_of = {c for c in w.comms if org in w.comms[c]["members"]}

        r = self.get("/communities", tok)
        if ck.status(r, 200, label + " /communities"):
            got = {i.get("id"): i for i in r.data.get("items", [])}
            for c in w.comms:
                it = got.get(w.cid(c))
                if not ck.ok(it is not None, "%s: /communities lacks %s" % (label, c)):
                    continue
                if c in member_of:
                    ck.ok("guidelines_version" in it, "%s: /communities %s (member) lacks "
                          "guidelines_version" % (label, c))
                elif not is_admin:  # admins manage communities and may see their settings
                    ck.ok("max_primary" not in it and "default_tlp" not in it,
                          "%s: /communities %s (not a member) shows member-only fields"
                          % (label, c))
        for c in w.comms:
            cid = w.cid(c)
            r = self.get("/communities/%d" % cid, tok)
            if ck.status(r, 200, "%s /communities/%s" % (label, c)):
                ck.eq(r.data.get("guidelines_version"), w.comms[c]["version"],
                      "%s /communities/%s guidelines_version" % (label, c))
            r = self.get("/communities/%d/members" % cid, tok)
            if c in member_of or is_admin:
                if ck.status(r, 200, "%s /communities/%s/members" % (label, c)):
                    orgs = {i.get("organisation", {}).get("id") for i in r.data.get("items", [])
                            if i.get("status") in (None, "member")}
                    want = {w.oid(o) for o in w.comms[c]["members"]}
                    ck.ok(want <= orgs, "%s /communities/%s/members: %s not within %s"
                          % (label, c, want, orgs))
            else:
                self.expect_404(label, "/communities/%d/members" % cid, tok, False)
            r = self.get("/communities/%d/applications" % cid, tok)
            applicant = (c, org) in w.pending
            if c in member_of or is_admin:
                ck.status(r, 200, "%s /communities/%s/applications" % (label, c))
            elif applicant:
                ck.status(r, (200, 404), "%s /communities/%s/applications (applicant)"
                          % (label, c))
            else:
                self.expect_404(label, "/communities/%d/applications" % cid, tok, False)
            for (pc, po), app in w.pending.items():
                if pc != c:
                    continue
                p = "/communities/%d/applications/%d" % (cid, app)
                r = self.get(p, tok)
                if c in member_of or is_admin or po == org:
                    if ck.status(r, 200, "%s GET %s" % (label, p)):
                        sec = is_admin or w.reps.get((c, pkey), (None, None))[1] == "secretary"
                        ck.eq("tally" in r.data, sec, "%s GET %s shows the tally" % (label, p))
                else:
                    self.expect_404(label, p, tok, False)
            r = self.get("/communities/%d/audit" % cid, tok)
            if is_admin or w.reps.get((c, pkey), (None, None))[1] == "secretary":
                ck.status(r, 200, "%s /communities/%s/audit" % (label, c))
                r = self.get("/audit?community=%d" % cid, tok)
                ck.status(r, 200, "%s /audit?community=%s" % (label, c))
            else:
                self.expect_404(label, "/communities/%d/audit" % cid, tok, False)
                self.expect_404(label, "/audit?community=%d" % cid, tok, False)

        # organisations: own + co-members (admin: all)
        vis_orgs = set(w.orgs) if is_admin else \
            {org} | {o for c in member_of for o in w.comms[c]["members"]}
        r = self.get("/organisations?limit=200", tok)
        if ck.status(r, 200, label + " /organisations"):
            ck.eq(sorted(K.ids_of(r.data.get("items", []))), sorted(w.oid(o) for o in vis_orgs),
                  label + " /organisations ids")
        for o in w.orgs:
            p = "/organisations/%d" % w.oid(o)
            if o in vis_orgs:
                ck.status(self.get(p, tok), 200, "%s GET %s" % (label, p))
            else:
                self.expect_404(label, p, tok, False)

        # people: own organisation + representatives of shared communities
        vis_people = set(w.people) if is_admin else \
            {p for p in w.people if w.people[p]["org"] == org} | \
            {p for (c, p) in w.reps if c in member_of}
        r = self.get("/people?limit=200", tok)
        if ck.status(r, 200, label + " /people"):
            items = r.data.get("items", [])
            ck.eq(sorted(K.ids_of(items)), sorted(w.pid(p) for p in vis_people),
                  label + " /people ids")
            for it in items:
                other = [p for p in w.people if w.people[p]["id"] == it.get("id")]
                if not other:
                    continue
                same = w.people[other[0]]["org"] == org
                ck.eq(bool(it.get("email")), same or is_admin,
                      "%s /people: e-mail of %s shown" % (label, other[0]))
        for p in w.people:
            path = "/people/%d" % w.pid(p)
            if p in vis_people:
                ck.status(self.get(path, tok), 200, "%s GET %s" % (label, path))
            else:
                self.expect_404(label, path, tok, False)

        r = self.get("/me", tok)
        if ck.status(r, 200, label + " /me"):
            d = r.data
            ck.eq((d.get("person") or {}).get("id"), me["id"], label + " /me person id")
            ck.eq((d.get("organisation") or {}).get("id"), w.oid(org), label + " /me org id")
            ms = {m.get("community_id"): m for m in d.get("memberships", [])}
            for c in member_of:
                m = ms.get(w.cid(c))
                if not ck.ok(m is not None, "%s /me lacks membership of %s" % (label, c)):
                    continue
                ck.eq(m.get("status"), "member", "%s /me %s status" % (label, c))
                ck.eq(m.get("guidelines_accepted"), w.participant(pkey, c),
                      "%s /me %s guidelines_accepted" % (label, c))
                ck.eq(m.get("guidelines_version"), w.comms[c]["version"],
                      "%s /me %s guidelines_version" % (label, c))
                kind, role = w.reps.get((c, pkey), (None, "member"))
                ck.eq(m.get("representative"), kind, "%s /me %s representative" % (label, c))
                if kind:
                    ck.eq(m.get("role"), role, "%s /me %s role" % (label, c))

        r = self.get("/audit", tok)
        if is_admin:
            ck.status(r, 200, label + " /audit")
            for a in ("login", "read", "write"):
                ck.status(self.get("/audit?action=%s&limit=200" % a, tok), 200,
                          "%s /audit?action=%s" % (label, a))
        else:
            ck.status(r, 404, label + " /audit (not admin, no community)")
        r = self.get("/tokens", tok)
        if ck.status(r, 200, label + " /tokens"):
            for it in r.data.get("items", []):
                ck.ok("token" not in it and "hash" not in it,
                      "%s /tokens shows a secret: %s" % (label, K.short(it)))


def main(kt):
    w = K.World(kt)
    K.build_standard(w)
    ck = kt.ck
    ck.ok(len(w.comms) >= 3 and len(w.orgs) >= 7 and len(w.people) >= 11,
          "world size: %d communities, %d organisations, %d people"
          % (len(w.comms), len(w.orgs), len(w.people)))
    r = kt.req("POST", "/tokens", {"name": "read-only sweep", "scope": "read"},
               token=w.token("o1a"))
    ck.status(r, 201, "create read-only token")
    ro = r.data.get("token") if isinstance(r.data, dict) else None

    # indicator ids, for the DELETE attempts on invisible items
    for k in w.order:
        rec = w.reports[k]
        r = kt.req("GET", "/reports/%d/indicators" % rec["id"], token=w.token(rec["author"]))
        if ck.status(r, 200, "author lists indicators of " + k):
            rec["ind_ids"] = K.ids_of(r.data.get("items", []))

    sw = Sweep(kt, w)
    callers = [(p, p, w.token(p)) for p in sorted(w.people)]
    callers.append(("anonymous", None, None))
    if ro:
        callers.append(("o1a read-only token", "o1a", ro))

    def sweep(full, directory):
        for label, pkey, tok in callers:
            sw.set_caller(label, pkey)
            sw.reports(label, pkey, tok, full=full)
            if directory:
                sw.directory(label, pkey, tok)
                if not label.endswith("read-only token"):
                    sw.writes(label, pkey, tok)
            sw.caller = None

    sweep(full=True, directory=True)

    # The chair of c1 changes the guidelines: nobody has accepted v2 yet.
    sw.caller = None
    w.change_guidelines("c1", "o1a", "# Rules v2\n\n1. Respect TLP.\n2. Attend meetings.\n")
    # o3a is no author in c1: it must see nothing but CLEAR of c1 now
    authors = {w.reports[k]["author"] for k in w.order if w.reports[k]["community"] == "c1"}
    ck.ok("o3a" not in authors, "o3a is no author in c1")
    r = kt.req("GET", "/reports?community=%d&limit=200" % w.cid("c1"), token=w.token("o3a"))
    if ck.status(r, 200, "o3a lists c1 after the guidelines changed"):
        tl = {i.get("tlp") for i in r.data.get("items", [])}
        ck.eq(sorted(tl), ["CLEAR"], "labels of c1 seen by o3a (v2 not accepted)")
    r = kt.req("GET", "/reports/%d" % w.reports["c1_green"]["id"], token=w.token("o3a"))
    ck.status(r, 404, "o3a reads c1 GREEN before accepting v2")
    sweep(full=False, directory=False)

    # some accept again; the author rule keeps own items readable meanwhile
    for p in ("o2a", "o3a", "o6a"):
        w.accept(p, "c1")
    r = kt.req("GET", "/reports/%d" % w.reports["c1_green"]["id"], token=w.token("o3a"))
    ck.status(r, 200, "o3a reads c1 GREEN after accepting v2")
    sweep(full=False, directory=False)
    kt.observer = None


if __name__ == "__main__":
    K.run("tlp-leak", main)
