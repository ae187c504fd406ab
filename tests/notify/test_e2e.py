"""test_e2e.py - target and victim notification end to end.

A constituency with an IT supplier and two clients inside its block (one
routed via the supplier, one told directly), a linking organisation with
two members (one only through it, one also directly) and an organisation
outside it; a Shadowserver report from the shared interop folder
rewritten onto those addresses; a real SMTP server (aiosmtpd) on
127.0.0.1. Checks that exactly the expected messages arrive, in the
expected languages, with the right TLP labels, a CSV and a STIX part
holding exactly the rows each recipient may see (each labelled with the
organisation it concerns), the acknowledgement link, de-duplication
against the window, the same input resuming its run, and the registry
and run routes of the API.

    python3 test_e2e.py /path/to/kring
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notifytest as N  # noqa: E402

K = N.K


def block(prefix, n, start=1):
    return ["%s.%d" % (prefix, start + i) for i in range(n)]


def main():
    exe = sys.argv[1]
    src = N.interop_file("intelmq-3.2.1", "scan_dns.csv")
    if not src:
        print("SKIP: ../shared/interop/shadowserver is not there")
        print("notify-e2e: 0 passed, 0 failed")
        return 77
    kt = K.Kring(exe, "notify-e2e")
    ck = kt.ck
    smtp = N.Smtp(os.path.join(kt.tmp, "mail")).start()
    env = N.notify_env(smtp.port, {"KRING_NOTIFY_URL": "https://kring.example.org/"})
    try:
        kt.bootstrap()

        def cli(*args):
            p = kt.cli(*args, env=env)
            for w in K.SANITIZER_WORDS:
                ck.ok(w not in p.stderr, "kring %s: sanitizer report: %s" % (args, p.stderr))
            return p

        def ok(*args):
            p = cli(*args)
            ck.eq(p.returncode, 0, "kring %s exit status (stderr %s)" % (" ".join(args), p.stderr))
            return p.stdout

        ids = {}
        for key, name, kind in [("S", "Supplier BV", "supplier"), ("A", "Client A", "company"),
                                ("B", "Client B", "company"), ("L", "Sector Link", "linking"),
                                ("M1", "Member One", "company"), ("M2", "Member Two", "company"),
                                ("X", "Outsider", "company")]:
            ids[key] = int(ok("org", "add", "--name", name, "--kind", kind).strip())
        ok("constituency", "add", "--org", "Supplier BV", "--prefix", "10.20.0.0/16",
           "--contact", "Sam Supplier <sam.supplier@supplier.example>", "--lang", "en")
        ok("constituency", "add", "--org", str(ids["A"]), "--prefix", "10.20.1.0/24",
           "--route", "supplier:Supplier BV", "--contact", "Anna Aal <anna.aal@clienta.example>",
           "--lang", "nl")
        ok("constituency", "add", "--org", str(ids["B"]), "--prefix", "10.20.2.0/24",
           "--contact", "Bert Bos <bert.bos@clientb.example>", "--lang", "nl")
        # the linking organisation and its members come from a bulk load,
        # with bad rows that are reported and skipped
        load = os.path.join(kt.tmp, "registry.csv")
        with open(load, "w") as f:
            f.write("org,type,value,name,lang\n"
                    "Sector Link,contact,lisa.link@sectorlink.example,Lisa Link,en\n"
                    "Member One,prefix,172.16.1.0/24,,\n"
                    "Member One,route,linking:Sector Link,,\n"
                    "Member Two,prefix,172.16.2.0/24,,\n"
                    "Member Two,route,linking:%d,,\n"
                    "Member Two,route,direct,,\n"
                    "Member Two,contact,mia.member@member2.example,Mia Member,nl\n"
                    "Outsider,prefix,172.16.3.0/24,,\n"
                    "Outsider,contact,otto.out@outsider.example,Otto Out,en\n"
                    "Outsider,prefix,172.16.3.5/24,,\n"
                    "Nobody Known,prefix,172.16.4.0/24,,\n"
                    "Outsider,route,supplier:Member One,,\n"
                    "Outsider,contact,security@outsider.example,Desk,en\n"
                    "Member One,prefix,10.20.1.0/24,,\n" % ids["L"])
        out = N.summary(ok("constituency", "load", load))
        ck.eq(out.get("added"), "9", "bulk load: valid rows kept")
        ck.eq(out.get("rows_rejected"), "5", "bulk load: bad rows rejected")
        # loading again adds nothing new and names every row's problem
        p = cli("constituency", "load", load)
        ck.ok("host bits" in p.stdout, "a prefix with host bits is named: %s" % p.stdout)
        ck.ok("no such organisation" in p.stdout, "an unknown organisation is named")
        ck.ok("kind supplier" in p.stdout, "a supplier route via a company is refused")
        ck.ok("registered to organisation %d" % ids["A"] in p.stdout,
              "a prefix registered to another organisation is named: %s" % p.stdout)

        report = os.path.join(kt.tmp, "2021-03-04-scan_dns-test.csv")
        addrs = (block("10.20.1", 10) + block("10.20.2", 10) + block("10.20.9", 10) +
                 block("172.16.1", 10) + block("172.16.2", 10) + block("172.16.3", 10))
        n = N.rewrite_report(src, report, addrs)
        ck.eq(n, 100, "scan_dns rows")
        # a dry run counts and sends nothing
        out = N.summary(ok("notify", "run", "--input", report, "--dry-run"))
        ck.eq(out.get("notifications_queued"), "6", "dry run: notifications counted")
        ck.eq(smtp.files(), [], "dry run sends nothing")
        out = N.summary(ok("notify", "run", "--input", report))
        for k, want in [("format", "shadowserver"), ("type", "scan_dns"), ("rows_read", "100"),
                        ("rows_matched", "60"), ("rows_unmatched", "40"), ("rows_rejected", "0"),
                        ("organisations", "6"), ("recipients", "6"),
                        ("notifications_queued", "6"), ("sent", "6"), ("failed", "0")]:
            ck.eq(out.get(k), want, "notify run summary " + k)
        msgs = smtp.messages()
        ck.eq(len(msgs), 6, "exactly six messages")
        by = {}
        for m in msgs:
            key = (tuple(m["env_to"]), m["tlp"])
            ck.ok(key not in by, "one message per recipient and route: %s" % (key,))
            by[key] = m
        want = {
            (("sam.supplier@supplier.example",), "AMBER"): ("en", {"Client A": block("10.20.1", 10)}),
            (("sam.supplier@supplier.example",), "AMBER+STRICT"):
                ("en", {"Supplier BV": block("10.20.9", 10)}),
            (("bert.bos@clientb.example",), "AMBER+STRICT"): ("nl", {"Client B": block("10.20.2", 10)}),
            (("lisa.link@sectorlink.example",), "AMBER"):
                ("en", {"Member One": block("172.16.1", 10), "Member Two": block("172.16.2", 10)}),
            (("mia.member@member2.example",), "AMBER+STRICT"):
                ("nl", {"Member Two": block("172.16.2", 10)}),
            (("otto.out@outsider.example",), "AMBER+STRICT"): ("en", {"Outsider": block("172.16.3", 10)}),
        }
        ck.eq(sorted(by), sorted(want), "recipients and labels")
        ack_urls = []
        for key, (lang, rows) in want.items():
            m = by.get(key)
            if not m:
                continue
            what = "message to %s (%s)" % key
            ck.eq(m["types"], ["text/plain", "text/csv", "application/stix+json"], what + " parts")
            ck.eq(m["filenames"], ["findings.csv", "findings.stix.json"], what + " attachments")
            ck.ok(m["subject"].startswith("[TLP:%s] " % key[1]), what + " subject label: " + m["subject"])
            ck.ok(m["text"].startswith("TLP:%s\n" % key[1]), what + " text label")
            ck.eq(m["env_from"], "csirt.team@example.org", what + " envelope sender")
            ck.ok(re.match(r"^<kring-notify-[0-9a-f]{64}@example\.org>$", m["message_id"]) is not None,
                  what + " Message-ID " + m["message_id"])
            if lang == "nl":
                ck.ok("Beste beveiligingscontactpersoon" in m["text"] and "Wat kunt u doen?" in m["text"],
                      what + " is Dutch")
                ck.ok("bevindingen" in m["subject"], what + " Dutch subject")
            else:
                ck.ok("Dear security contact" in m["text"] and "What can you do?" in m["text"],
                      what + " is English")
                ck.ok("findings" in m["subject"], what + " English subject")
            ck.ok("DNS" in m["text"], what + " explains the report type (DNS resolver)")
            got = {}
            for r in m["csv"] or []:
                got.setdefault(r.get("organisation"), []).append(r.get("ip"))
            ck.eq({k: sorted(v) for k, v in got.items()}, {k: sorted(v) for k, v in rows.items()},
                  what + " CSV rows by organisation")
            ck.eq((m["csv_header"] or [])[:3], ["organisation", "timestamp", "ip"], what + " CSV header")
            st = m["stix"] or {}
            ck.eq(st.get("type"), "bundle", what + " STIX bundle")
            ck.eq(sorted(N.stix_indicator_values(st)), sorted(sum(rows.values(), [])),
                  what + " STIX indicators")
            ck.eq(N.stix_markings(st), {"TLP:" + key[1]}, what + " STIX marking")
            if key[1] == "AMBER":
                ck.ok("TLP:AMBER - " in m["text"], what + " explains AMBER forwarding")
            mu = re.search(r"https://kring\.example\.org/api/v1/notify/ack/([0-9a-f]{64})",
                           m["text"].replace("\n", ""))
            ck.ok(mu is not None, what + " has an acknowledgement link")
            if mu:
                ack_urls.append(mu.group(1))
        # rows never reach a relay that does not serve their organisation
        for m in msgs:
            orgs = {r.get("organisation") for r in m["csv"] or []}
            if "sam.supplier@supplier.example" in m["env_to"]:
                ck.ok("Client B" not in orgs, "the supplier never sees Client B (no consent)")
            if "lisa.link@sectorlink.example" in m["env_to"]:
                ck.ok("Outsider" not in orgs, "the linking organisation never sees a non-member")
            ck.ok("anna.aal@clienta.example" not in m["env_to"],
                  "Client A chose the supplier route only")

        # the same input again resumes its run: nothing is sent twice
        out = N.summary(ok("notify", "run", "--input", report))
        ck.ok(str(out.get("run", "")).endswith("(resumed)"), "same input resumes: %s" % out)
        ck.eq(out.get("sent"), "0", "resumed run sends nothing new")
        ck.eq(len(smtp.files()), 6, "still six messages")

        # a new report with the same findings plus one: de-duplicated
        report2 = os.path.join(kt.tmp, "scan_dns-next-day.csv")
        N.rewrite_report(src, report2, addrs + ["172.16.3.200"])
        out = N.summary(ok("notify", "run", "--input", report2))
        # 60 findings, Member Two's to two recipients
        ck.eq(out.get("suppressed"), "70", "findings sent within the window are suppressed")
        ck.eq(out.get("notifications_queued"), "1", "only the new finding is notified")
        msgs2 = [m for m in smtp.messages() if m["path"] not in {x["path"] for x in msgs}]
        ck.eq([[r.get("ip") for r in m["csv"]] for m in msgs2], [["172.16.3.200"]],
              "the new message holds only the new row")

        # ---- the API: acknowledgement, registry, runs (the server's outbox
        # worker turns only once an hour here: an upload must wake it)
        kt.start(extra_env=dict(env, KRING_NOTIFY_SEND_INTERVAL="3600"))
        for tok in ack_urls[:2]:
            r = kt.req("GET", "/notify/ack/" + tok)
            ck.status(r, 200, "ack status")
            ck.eq((r.data or {}).get("state"), "delivered", "reading does not acknowledge")
            r = kt.req("POST", "/notify/ack/" + tok)
            ck.status(r, 200, "acknowledge")
            ck.eq((r.data or {}).get("state"), "acknowledged", "acknowledged")
            r = kt.req("POST", "/notify/ack/" + tok)
            ck.status(r, 200, "acknowledge twice")
        ck.problem(kt.req("POST", "/notify/ack/" + "0" * 64), "unknown token", 404, "not-found")
        ck.problem(kt.req("GET", "/notify/ack/nothex"), "malformed token", 404, "not-found")
        admin = kt.admin_token()
        r = kt.req("GET", "/notify/runs", token=admin)
        ck.status(r, 200, "runs list")
        runs = (r.data or {}).get("items", [])
        ck.eq(len(runs), 2, "two runs")
        if runs:
            r = kt.req("GET", "/notify/runs/%d" % runs[-1]["id"], token=admin)
            ck.status(r, 200, "run detail")
            d = r.data or {}
            ck.eq(d.get("messages", {}).get("acknowledged"), 2, "two acknowledged messages")
            ck.eq(len(d.get("notifications", [])), 6, "six notifications in the first run")
            ck.eq(d.get("rows", {}).get("matched"), 60, "run rows matched")
        # a person of Client A sees and edits only its own registry
        p = kt.cli("user", "add", "--name", "Anna Aal", "--email", "anna.aal@clienta.example",
                   "--org", str(ids["A"]), env={"KRING_PASSWORD": K.PASSWORD})
        ck.eq(p.returncode, 0, "user add for Client A")
        tok_a = kt.login("anna.aal@clienta.example", K.PASSWORD)
        r = kt.req("GET", "/constituency/registrations", token=tok_a)
        ck.status(r, 200, "own registrations")
        ck.eq([x["value"] for x in (r.data or {}).get("items", [])], ["10.20.1.0/24"],
              "own registrations only")
        ck.problem(kt.req("GET", "/constituency/registrations?org=%d" % ids["B"], token=tok_a),
                   "another organisation's registry", 404, "not-found")
        ck.problem(kt.req("POST", "/constituency/registrations",
                          {"kind": "prefix", "value": "10.20.3.0/24"}, token=tok_a),
                   "a member may not register networks", 403, "forbidden")
        r = kt.req("POST", "/constituency/registrations",
                   {"kind": "product", "value": "Acme:Router OS:1.0:2.5"}, token=tok_a)
        ck.status(r, 201, "a member registers a product")
        ck.eq((r.data or {}).get("value"), "acme:router_os:1.0:2.5", "product normalised")
        ck.problem(kt.req("POST", "/constituency/contacts",
                          {"name": "Desk", "email": "info@clienta.example"}, token=tok_a),
                   "functional mailbox", 422, "validation", field="email")
        r = kt.req("POST", "/constituency/contacts",
                   {"name": "Carl Client", "email": "carl.client@clienta.example",
                    "language": "en"}, token=tok_a)
        ck.status(r, 201, "a member adds a contact")
        ck.problem(kt.req("POST", "/constituency/routes",
                          {"kind": "supplier", "via_organisation_id": ids["B"]}, token=tok_a),
                   "supplier route via a company", 422, "validation", field="via_organisation_id")
        r = kt.req("GET", "/constituency/routes", token=tok_a)
        ck.eq([(x["kind"], x["via_organisation_id"]) for x in (r.data or {}).get("items", [])],
              [("supplier", ids["S"])], "own routes")
        ck.problem(kt.req("GET", "/notify/runs", token=tok_a), "runs are for admins", 404,
                   "not-found")
        r = kt.req("POST", "/constituency/registrations",
                   {"organisation_id": ids["X"], "kind": "prefix", "value": "10.20.1.0/24"},
                   token=admin)
        ck.problem(r, "prefix registered to another organisation", 409, "conflict")
        r = kt.req("POST", "/constituency/registrations",
                   {"organisation_id": ids["X"], "kind": "domain", "value": "Outsider.Example"},
                   token=admin)
        ck.status(r, 201, "admin registers a domain")
        reg_id = (r.data or {}).get("id")
        ck.status(kt.req("DELETE", "/constituency/registrations/%s" % reg_id, token=admin), 204,
                  "admin removes it")
        # an upload through the API: a plain list
        lst = b"# a list\n172.16.3.77 2021-03-04T10:00:00Z seen in a botnet\nnot a thing\n"
        r = kt.req("POST", "/notify/runs?type=list&name=list.txt&dry_run=true", raw=lst,
                   token=admin, headers={"Content-Type": "text/plain"})
        ck.status(r, 200, "dry-run upload")
        ck.eq((r.data or {}).get("id"), None, "a dry run has no id")
        before = len(smtp.files())
        r = kt.req("POST", "/notify/runs?name=list.txt", raw=lst, token=admin,
                   headers={"Content-Type": "text/plain"})
        ck.status(r, 201, "upload")
        run_id = (r.data or {}).get("id")
        d = r.data or {}
        ck.eq((d.get("rows") or {}).get("matched"), 1, "upload matched")
        ck.eq((d.get("rows") or {}).get("rejected"), 1, "upload rejected")
        ck.eq([x.get("row") for x in d.get("rejected", [])], [2], "the bad line is named")
        r = kt.req("POST", "/notify/runs?name=list.txt", raw=lst, token=admin,
                   headers={"Content-Type": "text/plain"})
        ck.status(r, 200, "the same upload again")
        ck.eq((r.data or {}).get("existing"), True, "the same upload finds its run")
        ck.problem(kt.req("POST", "/notify/runs?type=nonsense", raw=lst, token=admin,
                          headers={"Content-Type": "text/plain"}), "unknown type", 422,
                   "validation", field="type")
        # the server sends the upload at once, without `kring notify send`
        deadline = time.time() + 30
        while len(smtp.files()) < before + 1 and time.time() < deadline:
            time.sleep(0.2)
        ck.eq(len(smtp.files()), before + 1, "the server's worker sent the uploaded run")
        state = None
        while time.time() < deadline:
            d = kt.req("GET", "/notify/runs/%s" % run_id, token=admin).data or {}
            state = d.get("state")
            if state == "done":
                break
            time.sleep(0.2)
        ck.eq(state, "done", "the uploaded run is done")
        kt.stop()
        out = N.summary(ok("notify", "send"))
        ck.eq(out.get("sent"), "0", "notify send finds nothing left to send")
        ck.eq(len(smtp.files()), before + 1, "no message twice")
        last = smtp.messages()[-1]
        ck.eq(last["env_to"], ["otto.out@outsider.example"], "the list row's owner is told")
        ck.eq([r.get("description") for r in last["csv"]], ["seen in a botnet"],
              "the list's description travels")
    except Exception:
        import traceback
        ck.fail("exception:\n" + traceback.format_exc())
    finally:
        if kt.proc:
            kt.stop()
        smtp.stop()
        kt.cleanup()
    return 0 if ck.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
