#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A real SMTP submission server for Outpost's integration tests, on python3-aiosmtpd
# (Debian 12: 1.4.3). Started by tests/servers/smtp.sh; see tests/servers/README.md.
#
# Two listeners on one host:
#   --port      plain SMTP with STARTTLS: AUTH is offered only after TLS (RFC 3207 §4,
#               RFC 4954 §4) and every command but EHLO/HELO/NOOP/QUIT/STARTTLS needs TLS
#               first; MAIL needs AUTH.
#   --tls-port  implicit TLS (RFC 8314 §3.3, "port 465"): AUTH at once, needed for MAIL.
#               aiosmtpd counts only STARTTLS as encryption, so auth_require_tls is off
#               on this listener (testing.md "Mail"): the socket is TLS from its first byte.
#
# AUTH PLAIN and LOGIN are aiosmtpd's; CRAM-MD5 (RFC 2195) is implemented here. SIZE
# (the limit given), 8BITMIME, SMTPUTF8 and PIPELINING are offered (aiosmtpd reads
# commands one after another from its stream, so pipelined commands simply wait in the
# buffer; it does not advertise the keyword itself).
#
# Every accepted message is stored as one file in --maildir/new, exactly as received after
# dot-unstuffing (CRLF line ends, no header added), and its envelope in
# --maildir/envelope/NAME (same NAME): a GKeyFile the C tests read with GKeyFile. With
# --deliver-to DIR, a copy also goes to DIR/new (Dovecot's Maildir), owned by DIR's owner.
# Recipients whose local part starts with "reject" are refused with 550 5.1.1.

import argparse
import asyncio
import hmac
import itertools
import os
import secrets
import signal
import socket
import ssl
import sys
import time

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword, MISSING

_counter = itertools.count()


def keyfile_escape(value):
    """A value for a GKeyFile string (list element): backslash, line breaks, ';'."""
    return (value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
            .replace("\t", "\\t").replace(";", "\\;"))


def maildir_name():
    """A unique Maildir file name (the classic time.MusecPpidQn.host form)."""
    now = time.time()
    return "%d.M%dP%dQ%d.%s" % (int(now), int((now % 1) * 1e6), os.getpid(),
                                next(_counter), socket.gethostname().replace("/", "_")
                                .replace(":", "_"))


def write_maildir(directory, name, content, owner=None, mode=0o644):
    """tmp/ then rename into new/: a reader never sees half a message (Maildir rule)."""
    tmp = os.path.join(directory, "tmp", name)
    final = os.path.join(directory, "new", name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
            f.flush()
            os.fsync(f.fileno())
        if owner is not None:
            os.chown(tmp, owner[0], owner[1])
        os.rename(tmp, final)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return final


def ensure_maildir(directory, owner=None):
    for sub in ("tmp", "new", "cur"):
        path = os.path.join(directory, sub)
        if not os.path.isdir(path):
            os.makedirs(path, exist_ok=True)
            if owner is not None:
                os.chown(path, owner[0], owner[1])


class Handler:
    def __init__(self, args, user, password, deliver_to):
        self.maildir = args.maildir
        self.envelopes = os.path.join(args.maildir, "envelope")
        self.user = user.encode()
        self.password = password.encode()
        self.deliver_to = deliver_to
        self.deliver_owner = None
        if deliver_to is not None:
            st = os.stat(deliver_to)
            self.deliver_owner = (st.st_uid, st.st_gid)
            ensure_maildir(deliver_to, self.deliver_owner)
        ensure_maildir(self.maildir)
        os.makedirs(self.envelopes, exist_ok=True)

    # --- capabilities -------------------------------------------------------------

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        # Before the final "250 HELP" line.
        return responses[:-1] + ["250-PIPELINING"] + responses[-1:]

    # --- authentication -----------------------------------------------------------

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and hmac.compare_digest(auth_data.login, self.user)
              and hmac.compare_digest(auth_data.password, self.password))
        # handled=False: aiosmtpd then answers a failure with 535 5.7.8 itself.
        return AuthResult(success=ok, handled=False,
                          auth_data=auth_data.login if ok else None)

    # The method name becomes the mechanism: "__" is "-" (aiosmtpd's rule).
    async def auth_CRAM__MD5(self, server, args):
        if len(args) != 1:
            await server.push("501 5.5.2 CRAM-MD5 takes no initial response")
            return AuthResult(success=False, handled=True)
        # RFC 2195 §2: a msg-id style challenge, unique per attempt.
        challenge = "<%s.%d@outpost.test>" % (secrets.token_hex(8), int(time.time()))
        response = await server.challenge_auth(challenge)
        if response is MISSING:
            return AuthResult(success=False, handled=True)
        user, _, digest = response.rpartition(b" ")
        expected = hmac.new(self.password, challenge.encode(), "md5").hexdigest().encode()
        ok = (hmac.compare_digest(user, self.user)
              and hmac.compare_digest(digest.lower(), expected))
        return AuthResult(success=ok, handled=False, auth_data=user if ok else None)

    # --- envelope -----------------------------------------------------------------

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.rpartition("@")[0] if "@" in address else address
        if local.lower().startswith("reject"):
            return "550 5.1.1 <%s>: Recipient address rejected: no such user" % address
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 2.1.5 OK"

    @staticmethod
    def is_tls(server, session):
        # STARTTLS sets session.ssl; on the implicit-TLS listener the transport itself
        # is the TLS one.
        return (session.ssl is not None
                or server.transport.get_extra_info("ssl_object") is not None)

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content
        name = maildir_name()
        write_maildir(self.maildir, name, content)
        lines = [
            "[envelope]",
            "mail-from=" + keyfile_escape(envelope.mail_from),
            "rcpt-to=" + "".join(keyfile_escape(r) + ";" for r in envelope.rcpt_tos),
            "mail-options=" + "".join(keyfile_escape(o) + ";"
                                      for o in envelope.mail_options),
            "smtputf8=" + ("true" if envelope.smtp_utf8 else "false"),
            "size=%d" % len(content),
            "tls=" + ("true" if self.is_tls(server, session) else "false"),
            "auth-user=" + keyfile_escape(
                session.auth_data.decode("utf-8", "replace")
                if isinstance(session.auth_data, bytes) else ""),
        ]
        sidecar = os.path.join(self.envelopes, name)
        with open(sidecar + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.rename(sidecar + ".tmp", sidecar)
        if self.deliver_to is not None:
            write_maildir(self.deliver_to, name, content, self.deliver_owner, 0o600)
        print("stored %s from %s to %s (%d bytes)" % (name, envelope.mail_from,
                                                        ", ".join(envelope.rcpt_tos),
                                                        len(content)), flush=True)
        return "250 2.0.0 OK: queued as %s" % name


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int, required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password-file", required=True,
                        help="a file holding the password (not on the command line: ps)")
    parser.add_argument("--size-limit", type=int, required=True)
    parser.add_argument("--deliver-to", help="also deliver into this Maildir (Dovecot's)")
    args = parser.parse_args()

    with open(args.password_file, encoding="utf-8") as f:
        password = f.read().strip()

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.minimum_version = ssl.TLSVersion.TLSv1_2
    tls.load_cert_chain(args.cert, args.key)

    handler = Handler(args, args.user, password, args.deliver_to)

    def factory(implicit):
        def make():
            return SMTP(handler,
                        hostname="outpost-test-smtp",
                        ident="Outpost test SMTP (aiosmtpd)",
                        data_size_limit=args.size_limit,
                        enable_SMTPUTF8=True,
                        decode_data=False,
                        tls_context=None if implicit else tls,
                        require_starttls=not implicit,
                        auth_required=True,
                        auth_require_tls=not implicit,
                        authenticator=handler.authenticate,
                        timeout=60)
        return make

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    servers = [
        loop.run_until_complete(loop.create_server(factory(False), args.host, args.port)),
        loop.run_until_complete(loop.create_server(factory(True), args.host, args.tls_port,
                                                   ssl=tls)),
    ]
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, loop.stop)
    print("listening on %s: %d (STARTTLS), %d (implicit TLS); storing in %s%s"
          % (args.host, args.port, args.tls_port, args.maildir,
             "; delivering to " + args.deliver_to if args.deliver_to else ""), flush=True)
    try:
        loop.run_forever()
    finally:
        for s in servers:
            s.close()
        loop.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
