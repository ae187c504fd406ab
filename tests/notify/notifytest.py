"""notifytest.py - helpers of the notification tests: a real SMTP server
(aiosmtpd with the smtpsink handler) on a free port of 127.0.0.1, reading
the messages it received, the notification settings for kring, and
Shadowserver reports rewritten onto a test constituency.

Uses tests/api/kringtest.py for the kring installation, the CLI and the
checker.
"""

import csv
import email
import glob
import io
import json
import os
import socket
import subprocess
import sys
import time
from email import policy

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "api"))
import kringtest as K  # noqa: E402

SHADOW = os.path.join(HERE, "..", "..", "..", "shared", "interop", "shadowserver")
FROM = "CSIRT Test <csirt.team@example.org>"


def interop_file(*parts):
    """Path of a file of the shared interop folder, or None (the test then
    says it was skipped)."""
    p = os.path.join(os.environ.get("KRING_SHADOWSERVER", SHADOW), *parts)
    return p if os.path.exists(p) else None


class Smtp:
    """`python3 -m aiosmtpd` writing every message into a directory."""

    def __init__(self, directory):
        self.dir = directory
        self.port = None
        self.proc = None

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        self.port = K.free_port()
        env = dict(os.environ)
        env["PYTHONPATH"] = HERE + os.pathsep + env.get("PYTHONPATH", "")
        self.log = open(os.path.join(self.dir, "..", "smtp-%d.log" % self.port), "wb")
        self.proc = subprocess.Popen(
            ["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:%d" % self.port,
             "-c", "smtpsink.Sink", self.dir], env=env, stdout=self.log, stderr=self.log)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("aiosmtpd exited; is python3-aiosmtpd installed?")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"220"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("aiosmtpd did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        self.log.close()

    def files(self):
        return sorted(glob.glob(os.path.join(self.dir, "*.eml")))

    def messages(self):
        return [parse_message(f) for f in self.files()]

    def clear(self):
        for f in self.files():
            os.unlink(f)


def parse_message(path):
    """A received message as a dict: envelope, headers, text, csv rows
    (list of dicts), csv header, stix (parsed JSON), parts' types."""
    with open(path, "rb") as f:
        raw = f.read()
    head, _, rest = raw.partition(b"X-Envelope-To: ")
    env_to = []
    lines = raw.split(b"\r\n")
    i = 0
    env_from = ""
    while i < len(lines) and lines[i].startswith(b"X-Envelope-"):
        k, _, v = lines[i].decode().partition(": ")
        if k == "X-Envelope-From":
            env_from = v
        else:
            env_to.append(v)
        i += 1
    body = b"\r\n".join(lines[i:])
    m = email.message_from_bytes(body, policy=policy.default)
    out = {"path": path, "raw": body, "env_from": env_from, "env_to": env_to,
           "to": str(m["To"]), "from": str(m["From"]), "subject": str(m["Subject"]),
           "message_id": str(m["Message-ID"]), "tlp": str(m["X-TLP"]),
           "types": [], "text": None, "csv": None, "csv_header": None, "stix": None,
           "filenames": []}
    for part in m.walk():
        ctype = part.get_content_type()
        if part.is_multipart():
            continue
        out["types"].append(ctype)
        if part.get_filename():
            out["filenames"].append(part.get_filename())
        if ctype == "text/plain":
            out["text"] = part.get_content().replace("\r\n", "\n")
        elif ctype == "text/csv":
            data = part.get_content()
            if isinstance(data, bytes):
                data = data.decode("utf-8")
            rows = list(csv.reader(io.StringIO(data)))
            out["csv_header"] = rows[0] if rows else []
            out["csv"] = [dict(zip(rows[0], r)) for r in rows[1:]]
        elif ctype == "application/stix+json":
            data = part.get_content()
            if isinstance(data, str):
                data = data.encode()
            out["stix"] = json.loads(data.decode("utf-8"))
    return out


def notify_env(smtp_port, extra=None):
    env = {"KRING_SMTP_RELAY": "127.0.0.1:%d" % smtp_port, "KRING_SMTP_STARTTLS": "no",
           "KRING_NOTIFY_FROM": FROM}
    if extra:
        env.update(extra)
    return env


def summary(stdout):
    """`key: value` lines -> dict (repeated keys -> list)."""
    out = {}
    for line in stdout.splitlines():
        k, sep, v = line.partition(": ")
        if not sep:
            continue
        if k in out:
            if not isinstance(out[k], list):
                out[k] = [out[k]]
            out[k].append(v)
        else:
            out[k] = v
    return out


def rewrite_report(src, dst, addresses, column="ip", clear=("hostname",)):
    """Copies a Shadowserver CSV, putting addresses[i] into the subject
    column of row i (rows past the list keep theirs) and emptying the
    columns in clear (so only the address decides the owner). Returns
    the number of data rows."""
    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    ci = header.index(column)
    clear_i = [header.index(c) for c in clear if c in header]
    n = 0
    for i, row in enumerate(rows[1:]):
        if i < len(addresses):
            row[ci] = addresses[i]
        for c in clear_i:
            if c < len(row):
                row[c] = ""
        n += 1
    with open(dst, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return n


def stix_indicator_values(bundle):
    vals = []
    for o in bundle.get("objects", []):
        if o.get("type") == "indicator":
            p = o.get("pattern", "")
            if "'" in p:
                vals.append(p.split("'")[1])
    return vals


def stix_markings(bundle):
    return {o.get("name") for o in bundle.get("objects", [])
            if o.get("type") == "marking-definition"}
