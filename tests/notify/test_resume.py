"""test_resume.py - kill-and-resume: a run of 100 000 matches for 200
organisations is killed with SIGKILL while it matches, and again while it
sends; started again with the same input it sends the rest. Every
notification must arrive exactly once: one message per organisation with
exactly its 500 rows. The one case the design allows a second copy (a
crash between the relay's acceptance and the commit of `sent`,
docs/internals/notify.md) is checked too: a second copy may only be a
message that was in state sending at the kill, with the same Message-ID.

    python3 test_resume.py /path/to/kring
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notifytest as N  # noqa: E402

K = N.K
ORGS = 200
PER_ORG = 500  # 250 hosts x 2 ports


def org_net(i):
    return "10.%d.%d" % (100 + i // 200, i % 200)


def write_registry(path):
    with open(path, "w") as f:
        f.write("org,type,value,name,lang\n")
        for i in range(ORGS):
            name = "Org %03d" % i
            f.write("%s,prefix,%s.0/24,,\n" % (name, org_net(i)))
            f.write("%s,contact,person.%03d@org%03d.example,Person %03d,%s\n"
                    % (name, i, i, i, "nl" if i % 2 else "en"))


def write_report(path):
    with open(path, "w") as f:
        f.write('"timestamp","ip","protocol","port","hostname","tag","asn","geo","region",'
                '"city","naics","sic"\n')
        for h in range(1, 251):
            for i in range(ORGS):
                for port in (80, 8080):
                    f.write('"2024-01-02 03:04:05","%s.%d","tcp",%d,,"http",64500,"NL",,,,\n'
                            % (org_net(i), h, port))


def db_rows(db, sql):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True, timeout=30)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def main():
    exe = os.path.abspath(sys.argv[1])
    kt = K.Kring(exe, "notify-resume")
    ck = kt.ck
    smtp = N.Smtp(os.path.join(kt.tmp, "mail")).start()
    env = N.notify_env(smtp.port)
    try:
        kt.bootstrap()
        for i in range(ORGS):
            kt.cli_ok("org", "add", "--name", "Org %03d" % i, "--kind", "company")
        reg = os.path.join(kt.tmp, "registry.csv")
        write_registry(reg)
        out = N.summary(kt.cli_ok("constituency", "load", reg))
        ck.eq(out.get("added"), str(2 * ORGS), "registry loaded")
        report = os.path.join(kt.tmp, "scan_http-big.csv")
        write_report(report)

        e = K.sanitizer_env()
        e.update(env)
        argv = [exe, "--data", kt.data, "notify", "run", "--input", report]

        def start():
            return subprocess.Popen(argv, env=e, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE)

        # 1. killed while matching: nothing is stored, nothing is sent
        p = start()
        time.sleep(1.5)
        killed_early = p.poll() is None
        p.send_signal(signal.SIGKILL)
        p.communicate()
        runs = db_rows(kt.db, "SELECT count(*) FROM notify_runs")[0][0]
        if killed_early and runs == 0:
            ck.eq(smtp.files(), [], "a run killed while matching sent nothing")
        else:
            # the kill came after the commit: then the run is whole
            ck.eq(db_rows(kt.db, "SELECT count(*) FROM notify_outbox")[0][0], ORGS,
                  "a committed run is whole")
        ck.eq(db_rows(kt.db, "SELECT count(*) FROM notify_matches WHERE run_id NOT IN "
                             "(SELECT id FROM notify_runs)")[0][0], 0, "no stray matches")

        # 2. killed while sending
        p = start()
        deadline = time.time() + 600
        while time.time() < deadline and len(smtp.files()) < 40 and p.poll() is None:
            time.sleep(0.02)
        ck.ok(p.poll() is None, "the run was still sending when killed")
        p.send_signal(signal.SIGKILL)
        p.communicate()
        states = dict(db_rows(kt.db, "SELECT state, count(*) FROM notify_outbox GROUP BY state"))
        in_doubt = {r[0] for r in db_rows(
            kt.db, "SELECT dedup_key FROM notify_outbox WHERE state = 'sending'")}
        ck.ok(len(in_doubt) <= 1, "at most one message in doubt: %s" % states)
        ck.ok(states.get("sent", 0) >= 30, "some messages were sent before the kill: %s" % states)
        ck.ok(states.get("queued", 0) > 0, "some were still queued: %s" % states)
        delivered_before = len(smtp.files())

        # 3. the same input again resumes and sends the rest
        p = start()
        stdout, stderr = p.communicate(timeout=1800)
        ck.eq(p.returncode, 0, "resumed run exit status (stderr %s)" % stderr[-2000:])
        for w in K.SANITIZER_WORDS:
            ck.ok(w.encode() not in stderr, "resumed run: sanitizer report")
        out = N.summary(stdout.decode())
        ck.ok(str(out.get("run", "")).endswith("(resumed)"), "the run resumed: %s" % out)
        ck.eq(out.get("rows_matched"), str(ORGS * PER_ORG), "rows matched")
        ck.eq(out.get("notifications_queued"), str(ORGS), "notifications of the run")
        ck.eq(int(out.get("sent", -1)), ORGS - states.get("sent", 0),
              "the resumed run sends exactly what was not sent")
        out = N.summary(kt.cli_ok("notify", "send", env=env))
        ck.eq(out.get("sent"), "0", "nothing is left to send")
        ck.eq(dict(db_rows(kt.db, "SELECT state, count(*) FROM notify_outbox GROUP BY state")),
              {"sent": ORGS}, "every message is sent")
        ck.eq(db_rows(kt.db, "SELECT state FROM notify_runs"), [("done",)], "the run is done")

        msgs = smtp.messages()
        ck.ok(len(msgs) > delivered_before, "messages arrived after the resume")
        seen = {}
        dups = set()
        for m in msgs:
            mid = m["message_id"]
            if mid in seen:
                dups.add(mid)
            seen[mid] = m
        ck.eq(len(seen), ORGS, "one distinct Message-ID per organisation")
        in_doubt_ids = {"<kring-notify-%s@example.org>" % k for k in in_doubt}
        ck.ok(dups <= in_doubt_ids, "a second copy only of a message in doubt: %s" % dups)
        ck.ok(len(msgs) - len(seen) <= len(in_doubt), "copies: %d" % (len(msgs) - len(seen)))
        if not dups:
            ck.eq(len(msgs), ORGS, "every notification delivered exactly once")
        owners = {}
        for m in seen.values():
            rows = m["csv"] or []
            orgs = {r.get("organisation") for r in rows}
            ck.eq(len(orgs), 1, "a message holds one organisation's rows")
            org = orgs.pop() if orgs else None
            owners[org] = owners.get(org, 0) + 1
            i = int(org.split()[-1]) if org else -1
            ck.eq(len(rows), PER_ORG, "%s: all its rows" % org)
            ck.ok(all(r.get("ip", "").startswith(org_net(i) + ".") for r in rows),
                  "%s: only its own addresses" % org)
            ck.eq(m["env_to"], ["person.%03d@org%03d.example" % (i, i)], "%s: its contact" % org)
            word = "Beste" if i % 2 else "Dear"
            ck.ok(m["text"] and word in m["text"], "%s: its language" % org)
        ck.eq(sorted(owners), sorted("Org %03d" % i for i in range(ORGS)), "every organisation")
        ck.ok(all(v == 1 for v in owners.values()), "no organisation twice")
    except Exception:
        import traceback
        ck.fail("exception:\n" + traceback.format_exc())
    finally:
        smtp.stop()
        kt.cleanup()
    return 0 if ck.summary() else 1


if __name__ == "__main__":
    sys.exit(main())
