"""test_crash_notify.py - crash safety of a notification run: SIGKILL at 20
random moments spread over matching, building the messages and sending.

A constituency of 150 companies, two IT suppliers and a linking
organisation (prefixes nested in a supplier's network, domains, AS
numbers; contacts in Dutch and English; victims told directly, through
their supplier, through the linking organisation, or both; one
organisation without contacts) and a Shadowserver report of 27 000 rows
(rows found by address, by host name and by AS number, rows of nobody,
rejected and repeated rows) go through `kring notify run`, with a real SMTP
server (python3-aiosmtpd, tests/notify/smtpsink.py) on 127.0.0.1. The
kring process is killed with SIGKILL at random moments: while it matches
(a random point of the input), while it builds the messages (a random
point of the recipients) and while it sends (a random point of the
messages, a random delay after the relay took one). Each time it is
started again - `kring notify run` with the same input (which resumes the
run), `kring notify send` or `kring serve` (whose outbox worker sends) -
until the run completes. The phase is read
from the progress bar, which kring draws when stderr is a terminal; the
test gives it a pseudo-terminal.

After every kill:
  - PRAGMA integrity_check answers ok, and `kring check` too;
  - before the run is committed, nothing of it is stored and nothing sent;
  - once committed, the run keeps its id, counts, every match and every
    message; no message goes back from sent, no attempt count shrinks, at
    most one message is in state sending (the one in doubt);
  - every message recorded as sent was received by the relay, and every
    received message is recorded as sending or sent.

At the end every recipient (computed from the fixture by this script, not
read from kring's tables) got exactly its messages, in its language, with
its label and exactly its rows; nobody else got anything; a message
arrived twice only if it was the one in doubt at a kill, at most once more
per such kill, and with the same Message-ID.

    python3 test_crash_notify.py /path/to/kring
KRING_CRASH_SEED=N chooses the random moments (default 1729; printed);
KRING_CRASH_KILLS=N changes the number of kills (default 20).
"""

import collections
import ipaddress
import os
import pty
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "notify"))
import notifytest as N  # noqa: E402

K = N.K

SEED = int(os.environ.get("KRING_CRASH_SEED", "1729"))
KILLS = max(3, int(os.environ.get("KRING_CRASH_KILLS", "20")))

ORGS = 150
HOSTS = 80           # per organisation, each on two ports
FALLBACK_ROWS = 12   # per organisation found by host name only; the same by AS number
SUPPLIERS = {"Supplier A": "10.200", "Supplier B": "10.201"}
LINK = "Sector Link"
SILENT = "Org Silent"
TLP_OF_ROUTE = {"direct": "AMBER+STRICT", "supplier": "AMBER", "linking": "AMBER"}
GREETING = {"nl": "Beste", "en": "Dear"}
MID_RE = re.compile(r"^<kring-notify-([0-9a-f]{64})@example\.org>$")
PROGRESS_RE = re.compile(rb"(matching|queueing|sending)\s+\[[#.]+\]\s+(\d+)%")
STATE_RANK = {"queued": 0, "sending": 1, "sent": 2, "acknowledged": 3, "failed": 3}


# --------------------------------------------------------------------------
# the constituency and the input, and what must arrive

class Org:
    def __init__(self, name, kind):
        self.name = name
        self.kind = kind
        self.prefixes = []
        self.domains = []
        self.asns = []
        self.contacts = []   # (name, address, lang)
        self.routes = []     # "direct", "supplier:<name>", "linking:<name>"


def constituency():
    """The organisations, by name."""
    orgs = {}
    sup_contacts = {"Supplier A": [("Anna Smit", "anna.smit@supplier-a.example", "en"),
                                   ("Bram de Vries", "bram.devries@supplier-a.example", "nl")],
                    "Supplier B": [("Carla Jansen", "carla.jansen@supplier-b.example", "nl")]}
    for name, net in SUPPLIERS.items():
        o = orgs[name] = Org(name, "supplier")
        o.prefixes.append(net + ".0.0/16")
        o.domains.append(name.lower().replace(" ", "-") + ".example")
        o.contacts = sup_contacts[name]
    link = orgs[LINK] = Org(LINK, "linking")
    link.contacts = [("Dirk Bakker", "dirk.bakker@sectorlink.example", "en"),
                     ("Eva Visser", "eva.visser@sectorlink.example", "en")]
    silent = orgs[SILENT] = Org(SILENT, "company")
    silent.prefixes.append("10.250.0.0/24")
    for i in range(ORGS):
        o = orgs["Org %03d" % i] = Org("Org %03d" % i, "company")
        sup = None
        if i % 6 == 0:
            sup = "Supplier A" if (i // 6) % 2 == 0 else "Supplier B"
            o.prefixes.append("%s.%d.0/24" % (SUPPLIERS[sup], i))  # inside the supplier's /16
        else:
            o.prefixes.append("10.100.%d.0/24" % i)
        o.domains.append("org%03d.example" % i)
        if i % 4 == 1:
            o.asns.append(65000 + i)
        langs = [["nl"], ["en"], ["nl", "en"]][i % 3]
        for lang in langs:
            o.contacts.append(("Person %03d %s" % (i, lang),
                               "person.%03d.%s@org%03d.example" % (i, lang, i), lang))
        if i % 10 == 4:
            o.contacts.append(("Deputy %03d" % i, "deputy.%03d@org%03d.example" % (i, i),
                               langs[0]))
        if sup:
            o.routes.append("supplier:" + sup)
            if i % 12 == 0:
                o.routes.append("direct")
        if i % 11 == 3:
            o.routes.append("linking:" + LINK)
        if i % 11 == 7:
            o.routes.append("linking:" + LINK)
            if "direct" not in o.routes:
                o.routes.append("direct")
        if i % 13 == 5 and not o.routes:
            o.routes.append("direct")
    return orgs


def write_registry(path, orgs):
    with open(path, "w") as f:
        f.write("org,type,value,name,lang\n")
        for o in orgs.values():
            for p in o.prefixes:
                f.write("%s,prefix,%s,,\n" % (o.name, p))
            for d in o.domains:
                f.write("%s,domain,%s,,\n" % (o.name, d))
            for a in o.asns:
                f.write("%s,asn,%d,,\n" % (o.name, a))
            for name, addr, lang in o.contacts:
                f.write("%s,contact,%s,%s,%s\n" % (o.name, addr, name, lang))
            for r in o.routes:
                f.write("%s,route,%s,,\n" % (o.name, r))


def report_rows(orgs):
    """The input rows as (ip, port, hostname, asn); fixed, in a shuffled
    order so every part of the input concerns many organisations."""
    rows = []
    for i in range(ORGS):
        o = orgs["Org %03d" % i]
        net = o.prefixes[0].rsplit(".", 1)[0]
        for h in range(1, HOSTS + 1):
            for port in (80, 8080):
                host, asn = "", 64500
                if h % 25 == 7:   # another organisation's domain: the address decides
                    host = "www.org%03d.example" % ((i + 1) % ORGS)
                if h % 25 == 8:   # another organisation's AS number: the address decides
                    asn = 65001
                rows.append(("%s.%d" % (net, h), port, host, asn))
        for h in range(1, FALLBACK_ROWS + 1):   # an unknown address, a known host name
            rows.append(("172.16.%d.%d" % (i, h), 443, "h%d.org%03d.example" % (h, i), 64500))
        if o.asns:
            for h in range(1, FALLBACK_ROWS + 1):   # unknown address and name, known AS
                rows.append(("172.17.%d.%d" % (i, h), 8443,
                             "cpe-%d.isp.test" % h if h % 2 else "", o.asns[0]))
    for net in SUPPLIERS.values():          # the suppliers' own hosts
        for h in range(1, 61):
            for port in (80, 8080):
                rows.append(("%s.250.%d" % (net, h), port, "", 64500))
    for h in range(1, 31):                  # an organisation nobody can be told about
        rows.append(("10.250.0.%d" % h, 80, "", 64500))
    for net in ("192.0.2", "198.51.100"):   # nobody's
        for h in range(1, 255):
            rows.append(("%s.%d" % (net, h), 80, "x%d.unknown.test" % h, 64511))
    rnd = random.Random(7)  # the fixture is the same for every seed
    rnd.shuffle(rows)
    # repeated findings: kept once
    rows[100:100] = [rows[5], rows[6]]
    mid = len(rows) // 2
    rows[mid:mid] = [rows[7]]
    # rejected rows, never notified
    rows[2000:2000] = [("10.100.1.999", 80, "", ""), ("not-an-address", 80, "", "")]
    return rows


def write_report(path, rows):
    with open(path, "w") as f:
        f.write('"timestamp","ip","protocol","port","hostname","tag","asn","geo","region",'
                '"city","naics","sic"\n')
        for ip, port, host, asn in rows:
            f.write('"2024-01-02 03:04:05","%s","tcp",%d,"%s","http",%s,"NL",,,,\n'
                    % (ip, port, host, asn))


def owner_of(orgs, ip, host, asn):
    """Who owns a row, decided here from the fixture alone: the most specific
    prefix, else the host name's registered domain suffix, else the AS
    number. None for nobody (or an unusable address)."""
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return None
    best, best_len = None, -1
    for o in orgs.values():
        for p in o.prefixes:
            n = ipaddress.ip_network(p)
            if a in n and n.prefixlen > best_len:
                best, best_len = o.name, n.prefixlen
    if best:
        return best
    if host:
        for o in orgs.values():
            for d in o.domains:
                if host == d or host.endswith("." + d):
                    return o.name
    if asn != "":
        for o in orgs.values():
            if asn in o.asns:
                return o.name
    return None


class Index:
    """owner_of with dictionaries: prefixes by their text (the fixture's are
    /24 and /16 networks only), domains, AS numbers. Checked against
    owner_of on a sample of the rows."""

    def __init__(self, orgs):
        self.nets = {p: o.name for o in orgs.values() for p in o.prefixes}
        self.domains = {d: o.name for o in orgs.values() for d in o.domains}
        self.asns = {a: o.name for o in orgs.values() for a in o.asns}

    def owner(self, ip, host, asn):
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            return None
        parts = ip.split(".")
        for p in (".".join(parts[:3]) + ".0/24", ".".join(parts[:2]) + ".0.0/16"):
            if p in self.nets:
                return self.nets[p]
        labels = host.split(".") if host else []
        for i in range(len(labels)):
            d = ".".join(labels[i:])
            if d in self.domains:
                return self.domains[d]
        return self.asns.get(asn) if asn != "" else None


def expectation(orgs, rows):
    """What a run of rows must do: ({(sorted envelope recipients, TLP label):
    message}, counts), where a message is {"recipient", "route", "lang",
    "rows": set of (victim, ip, port)} and counts has the rows a run reports
    as matched (distinct per victim), unmatched, rejected (no address) and
    repeated, the victims, the recipients (per route) and those that cannot
    be told."""
    ix = Index(orgs)
    by_victim = collections.defaultdict(set)
    counts = collections.Counter()
    for ip, port, host, asn in rows:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            counts["rows_rejected"] += 1
            continue
        v = ix.owner(ip, host, asn)
        if not v:
            counts["rows_unmatched"] += 1
        elif (v, ip, str(port)) in by_victim[v]:
            counts["duplicates"] += 1
        else:
            by_victim[v].add((v, ip, str(port)))
    counts["rows_matched"] = sum(len(found) for found in by_victim.values())
    counts["organisations"] = len(by_victim)
    counts["rows_read"] = len(rows)
    groups = collections.defaultdict(set)   # (recipient, route) -> rows
    for v, found in by_victim.items():
        for r in orgs[v].routes or ["direct"]:
            kind, _, via = r.partition(":")
            groups[(via or v, kind)] |= found
    out = {}
    for (rcpt, route), found in groups.items():
        # a recipient and route without contacts cannot be told
        counts["recipients" if orgs[rcpt].contacts else "unroutable"] += 1
        for lang in ("nl", "en"):
            addrs = tuple(sorted(a for _, a, lng in orgs[rcpt].contacts if lng == lang))
            if not addrs:
                continue
            key = (addrs, TLP_OF_ROUTE[route])
            assert key not in out, key
            out[key] = {"recipient": rcpt, "route": route, "lang": lang, "rows": found}
    counts["notifications_queued"] = len(out)
    return out, counts


# --------------------------------------------------------------------------
# a kring notify process with its progress bar on a pseudo-terminal

class Proc:
    """`kring notify ...` with stdout on a pipe and stderr on a terminal of
    its own; a thread reads the terminal and keeps the phase and percentage
    last drawn."""

    def __init__(self, argv, env):
        master, slave = pty.openpty()
        self.p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=slave)
        os.close(slave)
        self.master = master
        self.err = bytearray()
        self.phase, self.pct = None, -1
        self.t0 = time.time()
        self.seen = {}   # phase -> seconds after the start when first drawn
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                break
            if not chunk:
                break
            self.err += chunk
            hits = PROGRESS_RE.findall(bytes(self.err[-400:]))
            if hits:
                self.phase, self.pct = hits[-1][0].decode(), int(hits[-1][1])
                self.seen.setdefault(self.phase, time.time() - self.t0)

    def alive(self):
        return self.p.poll() is None

    def kill(self):
        if self.alive():
            self.p.send_signal(signal.SIGKILL)

    def finish(self, timeout=600):
        """Waits for the end; returns (exit status, stdout text, stderr text)."""
        out, _ = self.p.communicate(timeout=timeout)
        self.reader.join(timeout=10)
        os.close(self.master)
        return (self.p.returncode, out.decode("utf-8", "replace"),
                bytes(self.err).decode("utf-8", "replace"))


class Serve:
    """`kring serve`, whose outbox worker sends what is queued, with the
    interface of Proc (its phase is always sending)."""

    def __init__(self, kt, env):
        self.kt = kt
        kt.start(extra_env=env)
        self.p = kt.proc
        self.phase, self.pct = "sending", -1
        self.seen = {}

    def alive(self):
        return self.p.poll() is None

    def kill(self):
        if self.alive():
            self.p.send_signal(signal.SIGKILL)

    def finish(self, timeout=600):
        rc = self.p.wait(timeout=timeout)
        self.kt.kill9()  # reaps and checks the server's stderr
        return rc, "", self.kt.stderr_text()


# --------------------------------------------------------------------------

def db(kt):
    return sqlite3.connect("file:%s?mode=ro" % kt.db, uri=True, timeout=30)


def snapshot(kt):
    """The run and its outbox as stored now."""
    con = db(kt)
    try:
        runs = con.execute("SELECT id, input_hash, state, rows_read, rows_matched, "
                           "rows_rejected, rows_duplicate, notifications FROM notify_runs"
                           ).fetchall()
        outbox = {k: (s, a) for k, s, a in con.execute(
            "SELECT dedup_key, state, attempts FROM notify_outbox")}
        counts = {t: con.execute("SELECT count(*) FROM %s" % t).fetchone()[0]
                  for t in ("notify_matches", "notify_outbox", "notify_sentlog",
                            "notify_run_rejects")}
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return runs, outbox, counts, integrity


def delivered(smtp):
    """Messages the relay holds (its files in progress start with a dot)."""
    return sum(1 for f in os.listdir(smtp.dir) if f.endswith(".eml") and f[0] != ".")


def received_ids(smtp):
    """{dedup key: copies received} from the Message-IDs of the relay's files."""
    out = collections.Counter()
    for path in smtp.files():
        with open(path, "rb") as f:
            head = f.read(16384)
        m = re.search(rb"\r\nMessage-ID: (<[^>\r\n]*>)", head, re.IGNORECASE)
        mm = MID_RE.match(m.group(1).decode()) if m else None
        out[mm.group(1) if mm else "?"] += 1
    return out


class Crash:
    """The kills and what is checked after each; the state the checks
    compare with (the run as last seen, the messages in doubt)."""

    ORDER = ["matching", "queueing", "sending"]

    def __init__(self, kt, smtp, report, counts):
        self.kt, self.ck, self.smtp = kt, kt.ck, smtp
        self.counts = counts
        self.nmatches, self.nmsg = counts["rows_matched"], counts["notifications_queued"]
        self.env = K.sanitizer_env()
        self.env.update(N.notify_env(smtp.port))
        self.argv = {"run": [kt.exe, "--data", kt.data, "notify", "run", "--input", report],
                     "send": [kt.exe, "--data", kt.data, "notify", "send"]}
        self.serve_env = N.notify_env(smtp.port, {"KRING_NOTIFY_SEND_INTERVAL": "1"})
        self.kills = collections.Counter()     # phase -> kills
        self.in_doubt = collections.Counter()  # dedup key -> kills that left it in doubt
        self.procs = 0
        self.last = None      # (run, outbox, counts) once the run exists
        self.sent = 0         # messages recorded as sent at the last kill
        self.gap = 0.1        # seconds between two messages, as last seen
        self.live = None

    def start(self, how):
        self.procs += 1
        if how == "serve":
            self.live = Serve(self.kt, self.serve_env)
        else:
            self.live = Proc(self.argv[how], self.env)
        return self.live

    def stop(self):
        if self.live is not None and self.live.alive():
            self.live.kill()
            self.live.finish()

    def check_stderr(self, what, err):
        for w in K.SANITIZER_WORDS:
            self.ck.ok(w not in err, "%s: sanitizer report %s:\n%s" % (what, w, err[-4000:]))

    def wait_phase(self, proc, phase, pct):
        """Until the progress bar shows phase at pct or a later point."""
        deadline = time.time() + 300
        while proc.alive() and time.time() < deadline:
            ph = proc.phase
            if ph is not None and (self.ORDER.index(ph) > self.ORDER.index(phase) or
                                   (ph == phase and proc.pct >= pct)):
                return
            time.sleep(0.002)

    def wait_sent(self, proc, target):
        """Until the relay holds target messages; updates gap from the
        deliveries this process made meanwhile."""
        deadline = time.time() + 300
        start = delivered(self.smtp)
        first = None
        while proc.alive() and time.time() < deadline:
            n = delivered(self.smtp)
            if first is None and n > start:
                first = (time.time(), n)
            if n >= target:
                if first is not None and n - first[1] >= 2:
                    self.gap = (time.time() - first[0]) / (n - first[1])
                return
            time.sleep(0.002)

    def after_kill(self, what, proc):
        """Reaps a killed process and checks the store and the relay.
        Returns the phase the kill hit."""
        ck = self.ck
        rc, _, err = proc.finish()
        self.live = None
        self.check_stderr(what, err)
        if rc != -signal.SIGKILL:
            ck.fail("%s: the process ended by itself (%s) before the kill:\n%s"
                    % (what, rc, err[-2000:]))
        runs, outbox, counts, integrity = snapshot(self.kt)
        ck.eq(integrity, "ok", "%s: PRAGMA integrity_check" % what)
        p = self.kt.cli("check")
        ck.eq((p.returncode, p.stdout.strip()), (0, "ok"), "%s: kring check" % what)
        got = received_ids(self.smtp)
        if not runs:
            phase = "queueing" if proc.phase == "queueing" else "matching"
            ck.ok(self.last is None, "%s: a committed run disappeared" % what)
            ck.eq(counts, {"notify_matches": 0, "notify_outbox": 0, "notify_sentlog": 0,
                           "notify_run_rejects": 0},
                  "%s: a run killed before its commit left nothing" % what)
            ck.eq(sum(got.values()), 0, "%s: nothing sent before the run was committed" % what)
            self.kills[phase] += 1
            return phase
        self.kills["sending"] += 1
        ck.eq(len(runs), 1, "%s: one run" % what)
        run = runs[0]
        ck.eq(run[4], self.nmatches, "%s: rows matched" % what)
        ck.eq(run[7], self.nmsg, "%s: notifications of the run" % what)
        ck.eq(counts["notify_matches"], self.nmatches, "%s: every match stored" % what)
        ck.eq(counts["notify_outbox"], self.nmsg, "%s: every message stored" % what)
        if self.last is not None:
            lrun, lout, lcounts = self.last
            ck.eq(run[:2] + run[3:], lrun[:2] + lrun[3:], "%s: the run is unchanged" % what)
            ck.ok(not (lrun[2] == "done" and run[2] != "done"),
                  "%s: run state went back from done to %s" % (what, run[2]))
            ck.eq(counts, lcounts, "%s: matches, messages, sent-log, rejects" % what)
            back = [(k, lout[k], outbox.get(k)) for k in lout
                    if outbox.get(k) is None or STATE_RANK[outbox[k][0]] <
                    STATE_RANK[lout[k][0]] or outbox[k][1] < lout[k][1]]
            ck.ok(not back, "%s: progress went backwards: %s" % (what, K.short(back, 600)))
        states = collections.Counter(s for s, _ in outbox.values())
        sending = [k for k, (s, _) in outbox.items() if s == "sending"]
        ck.ok(len(sending) <= 1, "%s: at most one message in doubt: %s" % (what, states))
        ck.eq(states.get("failed", 0), 0, "%s: no message failed" % what)
        for k in sending:
            self.in_doubt[k] += 1
        nsent = states.get("sent", 0)
        ck.ok(nsent >= self.sent, "%s: sent went down from %d to %d" % (what, self.sent, nsent))
        lost = [k for k, (s, _) in outbox.items() if s == "sent" and got.get(k, 0) == 0]
        ck.ok(not lost, "%s: %d messages recorded as sent never reached the relay: %s"
              % (what, len(lost), K.short(lost, 300)))
        unknown = [k for k in got if outbox.get(k, ("?",))[0] not in ("sending", "sent")]
        ck.ok(not unknown, "%s: received messages that were never sending: %s"
              % (what, K.short(unknown, 300)))
        self.sent = nsent
        self.last = (run, outbox, counts)
        return "sending"

    def kill_preparing(self, n, phase, rnd, t0):
        """Kill n at a random point of matching or of building the messages;
        each start reads the whole input again."""
        proc = self.start("run")
        pct = rnd.randint(1, 97)
        self.wait_phase(proc, phase, pct)
        time.sleep(rnd.random() * 0.05)
        proc.kill()
        got = self.after_kill("kill %d (%s %d%%)" % (n, phase, pct), proc)
        print("crash-notify: kill %d planned while %s at %d%%: at %s %d%% (+%.1f s), %s"
              % (n, phase, pct, proc.phase, proc.pct, time.time() - t0, got), flush=True)

    def kill_sending(self, n, left, how, rnd, t0):
        """Kill n while sending: the range of messages still to go is split
        among the kills left and this one falls at a random point of the
        first part, a random delay (up to the time one message takes) after
        the relay took a message."""
        have = delivered(self.smtp)
        room = max(1, (self.nmsg - 4 - have) // left)
        target = have + rnd.randint(1, room)
        proc = self.start(how)
        self.wait_sent(proc, target)
        delay = 0.0 if rnd.random() < 0.3 else rnd.random() * self.gap
        time.sleep(delay)
        proc.kill()
        got = self.after_kill("kill %d (%s, message %d + %.0f ms)"
                              % (n, how, target, delay * 1000), proc)
        if "queueing" in proc.seen and "sending" in proc.seen:
            print("crash-notify: a whole run: matching %.1f s, building messages %.1f s, "
                  "then sending" % (proc.seen["queueing"],
                                    proc.seen["sending"] - proc.seen["queueing"]), flush=True)
        print("crash-notify: kill %d of %s after message %d + %.0f ms (+%.1f s): %s, "
              "%d sent, %d received, %d in doubt so far"
              % (n, how, target, delay * 1000, time.time() - t0, got, self.sent,
                 delivered(self.smtp), sum(self.in_doubt.values())), flush=True)

    def complete(self):
        """The last start completes the run; nothing is left to send."""
        ck = self.ck
        proc = self.start("run")
        rc, stdout, err = proc.finish(timeout=900)
        self.live = None
        self.check_stderr("final run", err)
        ck.eq(rc, 0, "final run exit status (%s)" % err[-2000:])
        out = N.summary(stdout)
        ck.ok(str(out.get("run", "")).endswith("(resumed)"), "the final run resumed: %s" % out)
        for k, v in sorted(self.counts.items()):
            ck.eq(out.get(k), str(v), "final run: %s" % k)
        ck.eq(out.get("failed"), "0", "nothing failed")
        ck.eq(int(out.get("sent", -1)), self.nmsg - self.sent,
              "the final run sends exactly what was not sent")
        out = N.summary(self.kt.cli_ok("notify", "send", env=N.notify_env(self.smtp.port)))
        ck.eq(out.get("sent"), "0", "nothing is left to send")
        runs, outbox, _, integrity = snapshot(self.kt)
        ck.eq(integrity, "ok", "final: PRAGMA integrity_check")
        ck.eq([r[2] for r in runs], ["done"], "the run is done")
        ck.eq(collections.Counter(s for s, _ in outbox.values()), {"sent": self.nmsg},
              "every message is sent")


def setup(kt):
    """The constituency in the store and the report on disk. Returns
    (organisations, input rows, report path)."""
    ck = kt.ck
    # organisations over the API (quicker than a CLI process each), the
    # rest in one `kring constituency load`
    orgs = constituency()
    admin = kt.admin_token()
    for o in orgs.values():
        r = kt.req("POST", "/organisations", {"name": o.name, "kind": o.kind}, token=admin)
        if not ck.status(r, 201, "organisation " + o.name):
            raise RuntimeError("cannot create the organisations")
    kt.stop()
    reg = os.path.join(kt.tmp, "registry.csv")
    write_registry(reg, orgs)
    out = N.summary(kt.cli_ok("constituency", "load", reg))
    nreg = sum(len(o.prefixes) + len(o.domains) + len(o.asns) + len(o.contacts) + len(o.routes)
               for o in orgs.values())
    ck.eq(out.get("added"), str(nreg), "registry loaded (%s)" % out)
    rows = report_rows(orgs)
    report = os.path.join(kt.tmp, "scan_http-crash.csv")
    write_report(report, rows)
    # the quick owner lookup of the expectation agrees with the plain one
    ix = Index(orgs)
    for ip, _, host, asn in random.Random(11).sample(rows, 400):
        ck.eq(ix.owner(ip, host, asn), owner_of(orgs, ip, host, asn),
              "fixture: owner of %s %s %s" % (ip, host, asn))
    return orgs, rows, report


def verify_delivery(kt, smtp, expect, in_doubt):
    """What the relay received against what the fixture says must arrive.
    Returns (messages received, distinct, second copies, rows expected)."""
    ck = kt.ck
    con = db(kt)
    try:
        stored = {k: (tuple(sorted(a.strip() for a in rc.split(","))), tlp) for k, rc, tlp in
                  con.execute("SELECT dedup_key, recipients, tlp FROM notify_outbox")}
    finally:
        con.close()
    msgs = smtp.messages()
    copies = collections.defaultdict(list)
    for m in msgs:
        copies[(tuple(sorted(m["env_to"])), m["tlp"])].append(m)
    stray = sorted(set(copies) - set(expect))
    ck.ok(not stray, "messages to nobody expected: %s" % K.short(stray, 600))
    missing = sorted(set(expect) - set(copies))
    ck.ok(not missing, "messages never received: %s" % K.short(missing, 600))
    ids = {}
    extra = nrows = 0
    for key in sorted(set(copies) & set(expect)):
        want = expect[key]
        ms = copies[key]
        what = "%s (%s, %s)" % (want["recipient"], want["route"], want["lang"])
        ck.eq(len({m["message_id"] for m in ms}), 1, "%s: every copy has the same Message-ID"
              % what)
        mid = ms[0]["message_id"]
        mm = MID_RE.match(mid)
        ck.ok(mm is not None, "%s: Message-ID %r" % (what, mid))
        ck.ok(mid not in ids, "%s: Message-ID shared with %s" % (what, ids.get(mid)))
        ids[mid] = what
        dkey = mm.group(1) if mm else ""
        ck.eq(stored.get(dkey), key, "%s: the stored message its Message-ID names" % what)
        if len(ms) > 1:
            extra += len(ms) - 1
            ck.ok(len(ms) - 1 <= in_doubt.get(dkey, 0),
                  "%s: %d copies, but in doubt at %d kills" % (what, len(ms),
                                                                in_doubt.get(dkey, 0)))
        nrows += len(want["rows"])
        for m in ms:
            got = [(r.get("organisation"), r.get("ip"), r.get("port")) for r in m["csv"] or []]
            ck.eq(len(got), len(set(got)), "%s: no row twice" % what)
            gs = set(got)
            lost, foreign = want["rows"] - gs, gs - want["rows"]
            ck.ok(not lost and not foreign, "%s: %d rows missing, %d not its own: %s %s" % (
                what, len(lost), len(foreign), K.short(sorted(lost)[:5]),
                K.short(sorted(foreign)[:5])))
            ck.ok(m["subject"].startswith("[TLP:%s]" % key[1]), "%s: subject %r"
                  % (what, m["subject"]))
            ck.ok(m["text"] is not None and GREETING[want["lang"]] in m["text"],
                  "%s: the text in its language" % what)
    ck.ok(extra <= sum(in_doubt.values()),
          "copies: %d, kills with a message in doubt: %d" % (extra, sum(in_doubt.values())))
    return len(msgs), len(copies), extra, nrows


def main(kt):
    ck = kt.ck
    rnd = random.Random(SEED)
    print("crash-notify: seed %d (KRING_CRASH_SEED), %d kills" % (SEED, KILLS), flush=True)
    t_start = time.time()
    orgs, rows, report = setup(kt)
    expect, counts = expectation(orgs, rows)
    nmatches, nmsg = counts["rows_matched"], counts["notifications_queued"]
    print("crash-notify: %d organisations, %d input rows, %d matches, %d messages expected "
          "(%.1f s setup)" % (len(orgs), len(rows), nmatches, nmsg, time.time() - t_start),
          flush=True)

    # the plan: a few kills while matching and while building the messages
    # (in a random order), the rest while sending
    n_match = max(1, round(KILLS * 0.15) + rnd.choice((-1, 0, 1)))
    n_queue = max(1, round(KILLS * 0.15) + rnd.choice((-1, 0, 1)))
    plan = ["matching"] * n_match + ["queueing"] * n_queue
    rnd.shuffle(plan)

    smtp = N.Smtp(os.path.join(kt.tmp, "mail")).start()
    c = Crash(kt, smtp, report, counts)
    try:
        t0 = time.time()
        for n, phase in enumerate(plan, 1):
            c.kill_preparing(n, phase, rnd, t0)
        # resumed by the same `kring notify run`, by `kring notify send` or
        # by the outbox worker of `kring serve`
        how = "run"
        for n in range(len(plan) + 1, KILLS + 1):
            c.kill_sending(n, KILLS - n + 1, how, rnd, t0)
            how = rnd.choice(("run", "send", "serve"))
        c.complete()
    finally:
        c.stop()
        smtp.stop()
    nrecv, ndistinct, extra, nrows = verify_delivery(kt, smtp, expect, c.in_doubt)

    told = set().union(*(m["rows"] for m in expect.values()))
    print("crash-notify: kills while matching %d, while building messages %d, while sending %d "
          "(%d processes)" % (c.kills["matching"], c.kills["queueing"], c.kills["sending"],
                              c.procs), flush=True)
    print("crash-notify: %d messages expected, %d received (%d distinct, %d second copies, "
          "%d kills left a message in doubt); %d matches, %d of them about organisations that "
          "can be told, %d rows in the messages (per recipient and language); %.1f s"
          % (nmsg, nrecv, ndistinct, extra, sum(c.in_doubt.values()), nmatches, len(told),
             nrows, time.time() - t_start), flush=True)
    ck.eq(sum(c.kills.values()), KILLS, "number of kills")
    ck.ok(all(c.kills[p] > 0 for p in Crash.ORDER), "kills in every phase: %s" % dict(c.kills))


if __name__ == "__main__":
    K.run("crash-notify", main)
