"""test_taxii_tlp.py - the TLP test of every machine way out: TAXII, the MISP
feed and `kring export`, for every person of the standard world (three
communities, reports under every label with recipients, edits that tighten
and loosen, comments with stricter labels; see kringtest.build_standard).

Asserted for each person and community:
  - an organisation outside the community gets 404 for its API root, its
    collections, its objects and its MISP feed;
  - a member receives exactly the reports the policy lets it export
    (readable, and TLP:RED only to the author), no more, no fewer, over
    TAXII, the feed and the CLI export;
  - no RED object reaches anybody but its author, and no answer carries a
    marker (title, body, indicator value, comment) of an item the person may
    not export.

    python3 test_taxii_tlp.py /path/to/kring
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from taxiitest import K, TLP2, Taxii, api_token, basic, bundle, validate_stix  # noqa: E402

BUNDLES = []  # every STIX bundle exported here, validated at the end


def keep_bundle(kt, label, objs):
    """Writes objects (or a whole bundle text) to a file for the validator."""
    d = os.path.join(kt.tmp, "bundles")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "%03d-%s.json" % (len(BUNDLES), label.replace(" ", "_")))
    with open(path, "w") as f:
        f.write(objs if isinstance(objs, str) else json.dumps(bundle(objs)))
    BUNDLES.append(path)

RED = TLP2["RED"]


def exportable(w, pkey, key):
    r = w.reports[key]
    return w.can_read(pkey, key) and (r["tlp"] != "RED" or r["author"] == pkey)


def comment_exportable(w, pkey, key, c):
    r = w.reports[key]
    strict = max(K.TLP_RANK[c["tlp"]], K.TLP_RANK[r["tlp"]])
    return w.can_read_comment(pkey, key, c) and (strict != K.TLP_RANK["RED"] or
                                                c["author"] == pkey)


def forbidden(w, pkey, ckey):
    """(marker, what) pairs pkey must never receive from community ckey."""
    out = []
    for key in w.order:
        rec = w.reports[key]
        if rec["community"] != ckey:
            continue
        if not exportable(w, pkey, key):
            out.extend((s, "report " + key) for s in w.leak_strings(key))
        else:
            # only the current version is served; older titles never
            cur = rec["versions"][-1]["ttok"]
            out.extend((v["ttok"], "old title of " + key) for v in rec["versions"]
                       if v["ttok"] != cur)
        for c in rec["comments"]:
            if not comment_exportable(w, pkey, key, c):
                out.append((c["token"], "comment %d on %s" % (c["id"], key)))
    return out


def scan(ck, label, text, forb):
    low = text.lower()
    for s, what in forb:
        if s.lower() in low:
            ck.fail("LEAK to %s: %s shows %r of %s" % (label, "answer", s, what))


def member(w, pkey, ckey):
    return w.people[pkey]["org"] in w.comms[ckey]["members"]


def check_taxii(ck, tx, w, pkey, ckey, tok):
    cid = w.cid(ckey)
    label = "%s in %s" % (pkey, ckey)
    paths = [tx.root(cid), tx.root(cid) + "collections/",
             tx.root(cid) + "collections/reports/", tx.objects_path(cid),
             tx.root(cid) + "collections/reports/manifest/"]
    if not member(w, pkey, ckey):
        for p in paths:
            r = tx.req("GET", p, token=tok)
            ck.status(r, 404, "%s (outside organisation): GET %s" % (label, p))
        return
    for p in paths[:3]:
        ck.status(tx.req("GET", p, token=tok), 200, "%s: GET %s" % (label, p))
    if not w.participant(pkey, ckey):
        ck.status(tx.req("GET", tx.objects_path(cid), token=tok), 403,
                  "%s (member, not a participant): objects" % label)
        return
    forb = forbidden(w, pkey, ckey)
    objs, pages, ok, last = tx.page_all(cid, token=tok, limit=17, query="match[version]=all")
    if not ck.ok(ok, "%s: paging objects: %s" % (label, K.short(last.text))):
        return
    scan(ck, label + " TAXII objects", json.dumps(objs), forb)
    if objs:
        keep_bundle(tx.kt, "taxii " + label, objs)
    got = sorted(o.get("name") for o in objs if o.get("type") == "report")
    want = sorted(w.reports[k]["title"] for k in w.order
                  if w.reports[k]["community"] == ckey and exportable(w, pkey, k))
    ck.eq(got, want, "%s: the STIX reports served" % label)
    # a RED object is the author's: its report (the report itself, or the
    # one whose object_refs hold it) or its comment is by this person
    by_title = {w.reports[k]["title"]: k for k in w.order}
    holders = {}
    for o in objs:
        if o.get("type") == "report":
            for ref in o.get("object_refs", []) + [o["id"]]:
                holders.setdefault(ref, []).append(by_title.get(o.get("name")))
    notes = {c["token"]: c for k in w.order for c in w.reports[k]["comments"]}
    for o in objs:
        if RED not in o.get("object_marking_refs", []):
            continue
        if o.get("type") == "note":
            mine = [c for t, c in notes.items() if t in o.get("content", "")]
            ok = len(mine) == 1 and mine[0]["author"] == pkey
        else:
            keys = [k for k in holders.get(o["id"], []) if k]
            ok = bool(keys) and all(w.reports[k]["author"] == pkey for k in keys)
        ck.ok(ok, "%s: a RED object reached someone not its author: %s" % (label, o.get("id")))
        ck.ok(pkey is not None, "RED to anonymous")
    ids = [(o["id"], o.get("modified")) for o in objs]
    ck.eq(len(ids), len(set(ids)), "%s: no object twice" % label)
    r = tx.req("GET", tx.root(cid) + "collections/reports/manifest/?limit=1000", token=tok)
    scan(ck, label + " manifest", r.text, forb)
    # every report's own object, asked for directly, answers as it should
    for k in w.order:
        rec = w.reports[k]
        if rec["community"] != ckey:
            continue
        sid = rec.get("stix_id")
        if not sid:
            continue
        r = tx.req("GET", tx.objects_path(cid) + sid + "/", token=tok)
        scan(ck, label + " object " + k, r.text, forb)
        ck.status(r, 200 if exportable(w, pkey, k) else 404,
                  "%s: GET the object of report %s (%s)" % (label, k, rec["tlp"]))


def check_feed(ck, tx, w, pkey, ckey, tok):
    cid = w.cid(ckey)
    label = "%s feed of %s" % (pkey, ckey)
    base = "/feeds/misp/%d/" % cid
    if not member(w, pkey, ckey):
        for f in ("manifest.json", "hashes.csv"):
            ck.status(tx.req("GET", base + f, token=tok, accept=None), 404,
                      "%s (outside organisation): %s" % (label, f))
        return
    forb = forbidden(w, pkey, ckey)
    r = tx.req("GET", base + "manifest.json", token=tok, accept=None)
    if not ck.status(r, 200, label + ": manifest.json"):
        return
    scan(ck, label + " manifest", r.text, forb)
    want = sorted(w.reports[k]["json"]["uuid"] for k in w.order
                  if w.reports[k]["community"] == ckey and exportable(w, pkey, k))
    ck.eq(sorted(r.data.keys()) if isinstance(r.data, dict) else r.text, want,
          label + ": events in the manifest")
    r = tx.req("GET", base + "hashes.csv", token=tok, accept=None)
    ck.status(r, 200, label + ": hashes.csv")
    ck.ok(r.headers.get("content-type", "").startswith("text/csv"), label + ": csv type")
    ck.ok(all(line.split(",")[1] in want for line in r.text.splitlines() if line),
          label + ": hashes.csv names only exportable events")
    for k in w.order:
        rec = w.reports[k]
        if rec["community"] != ckey:
            continue
        r = tx.req("GET", base + rec["json"]["uuid"] + ".json", token=tok, accept=None)
        scan(ck, label + " event " + k, r.text, forb)
        ck.status(r, 200 if exportable(w, pkey, k) else 404,
                  "%s: event of %s (%s)" % (label, k, rec["tlp"]))


def check_export(ck, kt, w, pkey, ckey):
    label = "%s export of %s" % (pkey, ckey)
    email = w.people[pkey]["email"] if pkey else None
    forb = forbidden(w, pkey, ckey) if pkey else [
        (s, "report " + k) for k in w.order if w.reports[k]["community"] == ckey and
        w.reports[k]["tlp"] != "CLEAR" for s in w.leak_strings(k)]
    want = sorted(w.reports[k]["title"] for k in w.order
                  if w.reports[k]["community"] == ckey and
                  (exportable(w, pkey, k) if pkey else w.reports[k]["tlp"] == "CLEAR"))
    for fmt in ("stix", "misp", "csv"):
        args = ["export", "--format", fmt, "--community", str(w.cid(ckey))]
        if email:
            args += ["--as", email]
        p = kt.cli(*args)
        for word in K.SANITIZER_WORDS:
            ck.ok(word not in p.stderr, "%s %s: sanitizer: %s" % (label, fmt, p.stderr[-2000:]))
        if not want and fmt == "stix":
            # nothing readable: a bundle cannot be empty
            ck.ok(p.returncode in (0, 1), "%s stix: exit %d" % (label, p.returncode))
            continue
        if not ck.eq(p.returncode, 0, "%s %s: exit status (%s)" % (label, fmt, p.stderr.strip())):
            continue
        scan(ck, "%s %s" % (label, fmt), p.stdout, forb)
        if fmt == "stix":
            keep_bundle(kt, label, p.stdout)
            d = json.loads(p.stdout)
            got = sorted(o["name"] for o in d["objects"] if o["type"] == "report")
        elif fmt == "misp":
            d = json.loads(p.stdout)
            got = sorted(e["Event"]["info"] for e in d["response"])
        else:
            continue
        ck.eq(got, want, "%s %s: reports exported" % (label, fmt))


def body(kt):
    ck = kt.ck
    w = K.build_standard(K.World(kt))
    tx = Taxii(kt)
    toks = {}
    for pkey in sorted(w.people):
        toks[pkey] = api_token(w, pkey, "read", "tlp test")
    # the STIX id of each report's own object, from an author's view
    for key in w.order:
        rec = w.reports[key]
        r = tx.req("GET", tx.objects_path(w.cid(rec["community"])) + "?match[type]=report&limit=1000",
                   token=toks[rec["author"]])
        for o in r.data.get("objects", []) if isinstance(r.data, dict) else []:
            if o.get("name") == rec["title"]:
                rec["stix_id"] = o["id"]
        ck.ok(rec.get("stix_id"), "the author of %s finds its STIX report" % key)
    for pkey in sorted(w.people):
        for ckey in sorted(w.comms):
            check_taxii(ck, tx, w, pkey, ckey, toks[pkey])
            check_feed(ck, tx, w, pkey, ckey, toks[pkey])
    # Basic with a token gives the same view as the bearer token
    r1 = tx.req("GET", tx.objects_path(w.cid("c1")) + "?limit=1000", token=toks["o2a"])
    r2 = tx.req("GET", tx.objects_path(w.cid("c1")) + "?limit=1000",
                auth=basic(w.people["o2a"]["email"], toks["o2a"]))
    ck.eq(r2.data, r1.data, "Basic and bearer see the same")
    for pkey in [None] + sorted(w.people):
        for ckey in sorted(w.comms):
            check_export(ck, kt, w, pkey, ckey)
    status, text = validate_stix(BUNDLES)
    if status == 77:
        print("skipped: schema validation of %d bundles (%s)" % (len(BUNDLES), text.strip()))
    else:
        ck.eq(status, 0, "every exported bundle validates against the OASIS schemas:\n" +
              text[-3000:])
        print("validated %d bundles: %d lines VALID" % (len(BUNDLES), text.count("VALID ")))


if __name__ == "__main__":
    K.run("taxii-tlp", body)
