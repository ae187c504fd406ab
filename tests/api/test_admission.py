"""test_admission.py - admission by unanimous vote and representative limits.

A community with three founding member organisations (A, B, C). Applicant D
applies; two yes votes leave it pending (D's people still read no GREEN);
the third yes admits D (membership listed, proposed people are primary
representatives, after accepting the guidelines they read GREEN). Applicant
E gets one no and is rejected. One vote per organisation (second -> 409);
outsiders and plain members cannot vote; the secretary sees the tally, a
plain member does not. Limits: third primary of one organisation -> 409,
second chair / secretary -> 409.

    python3 test_admission.py /path/to/kring
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kringtest as K  # noqa: E402


def main(kt):
    ck = kt.ck
    w = K.World(kt)
    for o in ("A", "B", "C", "D", "E", "F"):
        w.org(o, "company")
    people = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "c1": "C", "c2": "C",
              "d1": "D", "d2": "D", "e1": "E", "f1": "F"}
    for p, o in people.items():
        w.person(p, o)
    w.community("k", "theme")
    for o in ("A", "B", "C"):
        w.member("k", o)
    w.rep("k", "a1", "primary", "chair")
    w.rep("k", "a2", "primary", "member")
    w.rep("k", "b1", "primary", "secretary")
    w.rep("k", "b2", "backup", "member")
    w.rep("k", "c1", "primary", "member")
    for p in ("a1", "a2", "a3", "b1", "b2", "c1", "c2"):
        w.accept(p, "k")
    cid = w.cid("k")
    green = w.report("green", "a1", "k", "GREEN")
    gpath = "/reports/%d" % green["id"]
    ck.status(kt.req("GET", gpath, token=w.token("c2")), 200, "plain member c2 reads GREEN")

    # ---- D applies
    apps = "/communities/%d/applications" % cid
    r = kt.req("POST", apps, {"organisation_id": w.oid("D"),
                              "representatives": [w.pid("d1"), w.pid("d2")],
                              "motivation": "Grid operator in the north."}, token=w.token("d1"))
    if not ck.status(r, 201, "D applies"):
        return
    app_d = r.data
    ck.eq(app_d.get("status"), "pending", "new application status")
    ck.eq((app_d.get("organisation") or {}).get("id"), w.oid("D"), "application organisation")
    ck.eq(sorted(app_d.get("representatives") or []), sorted([w.pid("d1"), w.pid("d2")]),
          "application representatives")
    dpath = "%s/%d" % (apps, app_d["id"])
    r = kt.req("POST", apps, {"organisation_id": w.oid("D"), "representatives": [w.pid("d1")]},
               token=w.token("d2"))
    ck.problem(r, "second pending application of D", 409, "conflict")
    r = kt.req("POST", apps, {"organisation_id": w.oid("A"), "representatives": [w.pid("a3")]},
               token=w.token("a3"))
    ck.status(r, (409, 403), "a member organisation applies again")
    r = kt.req("POST", apps, {"organisation_id": w.oid("F"), "representatives": [w.pid("d1")]},
               token=w.token("d1"))
    ck.status(r, (403, 404, 422), "D applies on behalf of F")

    # d1 may accept the guidelines while applying, but is no participant
    w.accept("d1", "k")
    ck.status(kt.req("GET", gpath, token=w.token("d1")), 404, "applicant d1 reads GREEN")

    # ---- E applies; A says no -> rejected
    r = kt.req("POST", apps, {"organisation_id": w.oid("E"), "representatives": [w.pid("e1")]},
               token=w.token("e1"))
    ck.status(r, 201, "E applies")
    app_e = r.data if isinstance(r.data, dict) else {}
    epath = "%s/%s" % (apps, app_e.get("id"))

    r = kt.req("GET", apps + "?status=pending", token=w.token("b1"))
    if ck.status(r, 200, "secretary lists pending applications"):
        ck.eq(sorted(K.ids_of(r.data.get("items", []))), sorted([app_d["id"], app_e.get("id")]),
              "pending applications")
    ck.status(kt.req("GET", apps, token=w.token("f1")), 404, "outsider lists applications")

    # ---- votes on D
    vote = lambda path, p, v: kt.req("POST", path + "/votes", {"vote": v},  # noqa: E731
                                     token=w.token(p))
    r = vote(dpath, "a2", "yes")
    if ck.status(r, 200, "A votes yes on D"):
        ck.eq(r.data.get("status"), "pending", "D after one yes")
        ck.eq(r.data.get("my_vote"), "yes", "my_vote of A")
    r = vote(dpath, "a1", "no")
    ck.problem(r, "second vote of organisation A", 409, "conflict")
    r = vote(dpath, "b1", "yes")
    if ck.status(r, 200, "B votes yes on D"):
        ck.eq(r.data.get("status"), "pending", "D after two of three yes")
    r = vote(dpath, "b2", "yes")
    ck.problem(r, "second vote of organisation B (backup rep)", 409, "conflict")
    r = vote(dpath, "f1", "yes")
    ck.status(r, (404, 403), "outsider F votes")
    ck.problem(r, "outsider F votes")
    r = vote(dpath, "d1", "yes")
    ck.status(r, (403, 404), "applicant D votes on itself")
    r = vote(dpath, "c2", "yes")
    ck.problem(r, "plain member c2 (no representative) votes", 403, "forbidden")
    r = kt.req("POST", dpath + "/votes", {"vote": "maybe"}, token=w.token("c1"))
    ck.problem(r, "vote maybe", 422, "validation", "vote")

    # still pending: D's people read no GREEN, the tally is for the secretary
    ck.status(kt.req("GET", gpath, token=w.token("d1")), 404, "d1 reads GREEN with 2/3 yes")
    r = kt.req("GET", "/reports?limit=200", token=w.token("d1"))
    if ck.status(r, 200, "d1 lists reports"):
        ck.ok(green["id"] not in K.ids_of(r.data.get("items", [])), "d1 lists the GREEN item")
    r = kt.req("GET", dpath, token=w.token("b1"))
    if ck.status(r, 200, "secretary reads application D"):
        t = r.data.get("tally")
        if ck.ok(isinstance(t, dict), "secretary sees the tally: %s" % K.short(r.data)):
            ck.eq((t.get("yes"), t.get("no"), t.get("outstanding")), (2, 0, 1), "tally of D")
            ck.eq(sorted((v.get("organisation_id"), v.get("vote")) for v in t.get("votes", [])),
                  sorted([(w.oid("A"), "yes"), (w.oid("B"), "yes")]), "tally votes of D")
    r = kt.req("GET", dpath, token=w.token("c2"))
    if ck.status(r, 200, "plain member reads application D"):
        ck.ok("tally" not in r.data, "plain member sees the tally")
        ck.eq(r.data.get("my_vote"), None, "my_vote of C before voting")
    r = kt.req("GET", dpath, token=w.token("a3"))
    if ck.status(r, 200, "A's non-representative reads application D"):
        ck.ok("tally" not in r.data, "a3 sees the tally")
    r = kt.req("GET", dpath, token=w.token("d2"))
    if ck.status(r, 200, "applicant d2 reads its application"):
        ck.ok("tally" not in r.data, "applicant sees the tally")
    r = kt.req("GET", dpath, token=kt.admin_token())
    if ck.status(r, 200, "admin reads application D"):
        ck.ok("tally" in r.data, "admin sees the tally")
    ck.status(kt.req("GET", dpath, token=w.token("f1")), 404, "outsider reads application D")

    # ---- the third yes admits D
    r = vote(dpath, "c1", "yes")
    if ck.status(r, 200, "C votes yes on D"):
        ck.eq(r.data.get("status"), "admitted", "D after three of three yes")
        ck.ok(r.data.get("decided"), "admitted application has a decided time")
    w.comms["k"]["members"].add("D")
    w.reps[("k", "d1")] = ("primary", "member")
    w.reps[("k", "d2")] = ("primary", "member")
    r = vote(dpath, "a3", "no")
    ck.status(r, (403, 409), "vote on a decided application")
    r = kt.req("GET", "/communities/%d/members" % cid, token=w.token("a1"))
    if ck.status(r, 200, "members after admission"):
        by_org = {(i.get("organisation") or {}).get("id"): i for i in r.data.get("items", [])}
        m = by_org.get(w.oid("D"))
        if ck.ok(m is not None, "D listed as member"):
            ck.eq(m.get("status"), "member", "D membership status")
            reps = {(x.get("person") or {}).get("id"): x for x in m.get("representatives", [])}
            for p in ("d1", "d2"):
                x = reps.get(w.pid(p))
                if ck.ok(x is not None, "%s is a representative of D" % p):
                    ck.eq(x.get("kind"), "primary", "%s representative kind" % p)
    r = kt.req("GET", "/me", token=w.token("d2"))
    if ck.status(r, 200, "d2 /me"):
        ms = {m.get("community_id"): m for m in r.data.get("memberships", [])}
        m = ms.get(cid, {})
        ck.eq((m.get("status"), m.get("representative")), ("member", "primary"),
              "d2 membership after admission")
        ck.eq(m.get("guidelines_accepted"), False, "d2 has not accepted yet")
    # d1 accepted while applying: a participant now; d2 must accept first
    ck.status(kt.req("GET", gpath, token=w.token("d1")), 200, "d1 reads GREEN after admission")
    ck.status(kt.req("GET", gpath, token=w.token("d2")), 404,
              "d2 reads GREEN before accepting the guidelines")
    w.accept("d2", "k")
    ck.status(kt.req("GET", gpath, token=w.token("d2")), 200, "d2 reads GREEN after accepting")
    r = kt.req("GET", "/reports/count?community=%d" % cid, token=w.token("d2"))
    if ck.status(r, 200, "d2 counts"):
        ck.eq(r.data.get("count"), 1, "d2 counts the GREEN report")
    r = kt.req("POST", apps, {"organisation_id": w.oid("D"), "representatives": [w.pid("d1")]},
               token=w.token("d1"))
    ck.problem(r, "admitted D applies again", 409, "conflict")

    # ---- E: one no -> rejected (D is a member now, but a single no decides)
    r = vote(epath, "a1", "no")
    if ck.status(r, 200, "A votes no on E"):
        ck.eq(r.data.get("status"), "rejected", "E after one no")
    r = kt.req("GET", epath, token=w.token("e1"))
    if ck.status(r, 200, "E reads its application"):
        ck.eq(r.data.get("status"), "rejected", "E status")
    ck.status(kt.req("GET", "/reports/%d" % green["id"], token=w.token("e1")), 404,
              "rejected E reads GREEN")
    r = kt.req("GET", "/communities/%d/members" % cid, token=w.token("e1"))
    ck.status(r, 404, "rejected E lists members")

    # ---- representative limits
    rp = lambda p: "/communities/%d/representatives/%d" % (cid, w.pid(p))  # noqa: E731
    r = kt.req("PUT", rp("a3"), {"kind": "primary", "role": "member"}, token=w.token("a1"))
    ck.problem(r, "third primary of A", 409, "conflict")
    r = kt.req("PUT", rp("a3"), {"kind": "backup", "role": "member"}, token=w.token("a1"))
    ck.status(r, (200, 201, 204), "backup representative for A")
    r = kt.req("PUT", rp("c2"), {"kind": "backup", "role": "chair"}, token=w.token("b1"))
    ck.problem(r, "second chair", 409, "conflict")
    r = kt.req("PUT", rp("c2"), {"kind": "backup", "role": "secretary"}, token=w.token("a1"))
    ck.problem(r, "second secretary", 409, "conflict")
    r = kt.req("PUT", rp("c2"), {"kind": "backup", "role": "vice-chair"}, token=w.token("a1"))
    ck.status(r, (200, 201, 204), "a vice-chair")
    r = kt.req("PUT", rp("c1"), {"kind": "primary", "role": "vice-chair"}, token=w.token("a1"))
    ck.problem(r, "second vice-chair", 409, "conflict")
    r = kt.req("PUT", rp("a1"), {"kind": "primary", "role": "chair"}, token=w.token("a1"))
    ck.status(r, (200, 201, 204), "re-setting the chair's own row")
    r = kt.req("PUT", rp("c2"), {"kind": "primary", "role": "member"}, token=w.token("c1"))
    ck.problem(r, "a plain representative sets representatives", 403, "forbidden")
    r = kt.req("PUT", rp("e1"), {"kind": "primary", "role": "member"}, token=w.token("a1"))
    ck.status(r, (404, 422), "representative from a non-member organisation")
    r = kt.req("DELETE", rp("a3"), token=w.token("b1"))
    ck.status(r, 204, "secretary removes a backup representative")
    r = kt.req("PUT", rp("a3"), {"kind": "primary", "role": "member"}, token=w.token("a1"))
    ck.problem(r, "third primary of A again", 409, "conflict")


if __name__ == "__main__":
    K.run("admission", main)
