"""test_malformed.py - hostile and broken inputs of `kring notify run` and
the API upload: truncated CSV, wrong columns, invalid IPs, 1 MB lines,
binary data, invalid UTF-8, broken STIX and advisories. Bad rows are
rejected with a reason, the good rows are still matched and notified, and
nothing crashes (exit 0, no sanitizer report).

    python3 test_malformed.py /path/to/kring
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import notifytest as N  # noqa: E402

K = N.K
HEADER = ('"timestamp","ip","protocol","port","hostname","tag","asn","geo","region","city",'
          '"naics","sic","http","http_code","http_reason","content_type","connection",'
          '"www_authenticate","set_cookie","server","content_length","transfer_encoding",'
          '"http_date"\n')


def row(ip, port=80, extra=""):
    return ('"2024-01-02 03:04:05","%s","tcp",%d,,"http",64500,"NL",,,,,"HTTP/1.1",200,"OK",'
            '"text/html",,,,"nginx",,,%s\n' % (ip, port, extra))


def main():
    exe = sys.argv[1]
    kt = K.Kring(exe, "notify-malformed")
    ck = kt.ck
    smtp = N.Smtp(os.path.join(kt.tmp, "mail")).start()
    env = N.notify_env(smtp.port)
    counter = [0]
    try:
        kt.bootstrap()
        org = kt.cli_ok("org", "add", "--name", "Victim Org", "--kind", "company")
        kt.cli_ok("constituency", "add", "--org", org, "--prefix", "192.0.2.0/24",
                  "--prefix", "2001:db8:1::/48", "--domain", "victim.example",
                  "--product", "acme:widget:1.0:2.0",
                  "--contact", "Vera Victim <vera.victim@victim.example>")

        def run(name, data, want_matched, reasons, rejected=None, extra=()):
            counter[0] += 1
            path = os.path.join(kt.tmp, "%02d-%s" % (counter[0], name))
            with open(path, "wb") as f:
                f.write(data)
            p = kt.cli("notify", "run", "--input", path, *extra, env=env, timeout=600)
            ck.eq(p.returncode, 0, "%s: exit status (stderr %s)" % (name, p.stderr[-500:]))
            for w in K.SANITIZER_WORDS:
                ck.ok(w not in p.stderr, "%s: sanitizer report:\n%s" % (name, p.stderr[-3000:]))
            out = N.summary(p.stdout)
            ck.eq(out.get("rows_matched"), str(want_matched), "%s: rows matched" % name)
            if rejected is not None:
                ck.eq(out.get("rows_rejected"), str(rejected), "%s: rows rejected" % name)
            got = out.get("rejected", [])
            got = [got] if isinstance(got, str) else got
            for reason in reasons:
                ck.ok(any(reason in g for g in got),
                      "%s: a rejection says %r: %s" % (name, reason, got))
            if want_matched:
                ck.eq(out.get("sent"), "1", "%s: the good rows are notified" % name)
            return out

        good = row("192.0.2.10") + row("192.0.2.11")
        # invalid IPs, wrong column counts, a 1 MB line, binary data, bad UTF-8,
        # and a truncated last row, among good rows
        data = (HEADER + good + row("999.1.1.1") + row("192.0.2.12", extra='"x","y","z"') +
                '"2024-01-02 03:04:05","' + "A" * (1024 * 1024) + '","tcp",80\n' +
                row("192.0.2.13") + '"2024",\x00\x01\x02"192.0.2.14",\xff\xfe\n' +
                row("192.0.2.15") + '"2024-01-02 03:04:05","192.0.2.16","tcp"')
        run("mixed.csv", data.encode("utf-8", "surrogateescape").replace(
            b"\xc3\xbf\xc3\xbe", b"\xff\xfe"), 4,
            ["invalid IP", "fields, header has", "longer than", "NUL byte", "truncated"],
            rejected=5)
        # a file cut in the middle of a quoted field
        run("truncated.csv", (HEADER + row("192.0.2.50") + row("192.0.2.51") +
                              '"2024-01-02 03:04:05","192.0.2.20","tc').encode(),
            2, ["ended inside a quoted field"], rejected=1)
        # columns that name no address at all: the input is rejected as a whole
        run("wrong-columns.csv", b"a,b,c\n1,2,3\n4,5,6\n", 0, [])
        out = run("no-address.csv", b"\"timestamp\",\"foo\",\"bar\"\n\"x\",\"1\",\"2\"\n", 0, [])
        # pure binary data read as a list: every line rejected, no crash
        blob = bytes((i * 7919 + 13) % 256 for i in range(200000))
        run("random.bin", blob, 0, ["binary data"])
        run("empty.csv", b"", 0, [])
        # a plain list: good and bad lines
        lst = ("# comment\n192.0.2.30\n2001:db8:1::5 2024-01-02T00:00:00Z ipv6 host\n"
               "192.0.2.0/24,2024-01-02,whole net\nhttps://www.victim.example/login phish\n"
               "192.0.2.31/24\nnonsense\n300.1.1.1\n" + "x" * (1024 * 1024) + "\n"
               "192.0.2.32\t2024-01-02 10:11:12\tseen\n")
        run("list.txt", lst.encode(), 5, ["host bits", "not an IP address", "not a valid IPv4",
                                          "longer than"], rejected=4)
        # STIX that is not STIX, and STIX with a RED indicator
        run("junk.json", b'{"type": "bundle", "objects": [1, 2', 0, ["not readable as STIX"])
        bundle = ('{"type":"bundle","id":"bundle--6f1b3d2e-9e1a-4a53-9c64-0d8d2b7c6a11",'
                  '"objects":[{"type":"indicator","spec_version":"2.1",'
                  '"id":"indicator--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",'
                  '"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",'
                  '"pattern":"[ipv4-addr:value = \'192.0.2.40\']","pattern_type":"stix",'
                  '"valid_from":"2024-01-01T00:00:00Z",'
                  '"object_marking_refs":["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]},'
                  '{"type":"indicator","spec_version":"2.1",'
                  '"id":"indicator--1a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",'
                  '"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",'
                  '"pattern":"[domain-name:value = \'mail.victim.example\']","pattern_type":"stix",'
                  '"valid_from":"2024-01-01T00:00:00Z"}]}')
        run("stix.json", bundle.encode(), 1, ["TLP:RED"], rejected=1)
        # advisories: a good row, a bad CVE, no product
        adv = ("cve,vendor,product,version_min,version_max,title\n"
               "CVE-2024-12345,Acme,Widget,1.5,1.9,Widget overflow\n"
               "CVE-NOPE,acme,widget,,,bad id\n"
               "CVE-2024-22222,,,,,no product\n"
               "CVE-2024-33333,acme,widget,3.0,4.0,not in use\n")
        run("advisory.csv", adv.encode(), 1, ["cve:", "no affected product"], rejected=2)
        # the same through the API, with a body of binary data
        kt.start(extra_env=env)
        tok = kt.admin_token()
        r = kt.req("POST", "/notify/runs?name=blob", raw=blob[::-1], token=tok,
                   headers={"Content-Type": "application/octet-stream"})
        ck.status(r, 201, "binary upload is a run with rejections")
        ck.ok(((r.data or {}).get("rows") or {}).get("rejected", 0) > 0, "binary upload rejected")
        r = kt.req("POST", "/notify/runs", raw=b"", token=tok,
                   headers={"Content-Type": "text/plain"})
        ck.problem(r, "empty upload", 422, "validation")
        kt.stop()
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
