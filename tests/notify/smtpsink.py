"""smtpsink.py - an aiosmtpd handler that writes every message it accepts
to a directory, one file per SMTP transaction, named by arrival order:

    python3 -m aiosmtpd -n -l 127.0.0.1:PORT -c smtpsink.Sink DIR

(with this folder on PYTHONPATH). Each file holds the envelope on its first
lines ("X-Envelope-From:", one "X-Envelope-To:" per recipient), then the
message exactly as received. A file appears complete or not at all
(written aside, then renamed), and the relay answers 250 only after that.
Recipients whose address contains "reject" are refused with 550, and
"tempfail" with 451, so tests can exercise permanent and passing failures.
"""
import itertools
import os


class Sink:
    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.seq = itertools.count(1)

    @classmethod
    def from_cli(cls, parser, *args):
        if len(args) != 1:
            parser.error("smtpsink.Sink needs the output directory")
        return cls(args[0])

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if "reject" in address:
            return "550 5.1.1 mailbox unavailable"
        if "tempfail" in address:
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        n = next(self.seq)
        name = "%08d-%d.eml" % (n, os.getpid())
        tmp = os.path.join(self.dir, "." + name)
        head = "X-Envelope-From: %s\r\n" % envelope.mail_from
        head += "".join("X-Envelope-To: %s\r\n" % r for r in envelope.rcpt_tos)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        with open(tmp, "wb") as f:
            f.write(head.encode() + data)
            f.flush()
            os.fsync(f.fileno())
        os.rename(tmp, os.path.join(self.dir, name))
        return "250 OK message accepted"
