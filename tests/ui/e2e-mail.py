#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the Mail view against Dovecot and the SMTP server of tests/servers
# (dovecot.sh, smtp.sh), driven through the accessibility tree and the keyboard with a
# fresh profile.
#
#   run-with-display.sh /usr/bin/python3 e2e-mail.py OUTPOST --screenshot-dir DIR
#       [--schema-dir DIR]
#
# Needs Dovecot and the SMTP server (`start --only dovecot smtp`, then `. RUNDIR/env`):
# the IMAP account is Dovecot's second user (outpost-rt), whose Maildir is where the SMTP
# server delivers, so a message sent from the page comes back over IMAP. Without them it
# exits 77 (skipped), or fails when OUTPOST_TEST_REQUIRE_SERVERS=1.
#
# Scenario (issue 13, "Tests"):
#   1. add the IMAP account through the manual page (its own SMTP login) and trust the
#      test certificate;
#   2. see the preloaded Inbox (the script delivers its messages into the Maildir first);
#   3. open an HTML message with a remote image: the bar is shown and the image's server
#      (a local HTTP server of the script's) is never asked;
#   4. compose to the same account with an attachment, and send;
#   5. the message arrives in the Inbox without a refresh (IDLE);
#   6. open it and save the attachment: SHA-256 equal;
#   7. reply, and see the conversation count grow;
#   8. delete with Undo, then delete: the message is in the server's Trash;
#   9. search for a word of a body and find the message;
#  10. add a POP3 account (Dovecot's seeded user, left on the server) and see its mail;
# and between 9 and 10, forward a message as an attachment (message/rfc822) to the same
# account and see it arrive whole.
# Screenshots: mail-inbox.png, mail-composer.png, mail-conversation.png, mail-pop3.png.
# The app must not crash or print a GLib-CRITICAL.

import argparse
import email.utils
import glob
import hashlib
import http.server
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid

import pyatspi

from outpost_atspi import (App, AppDied, Failure, Keyring, click, describe, dump, fill, find,
                           find_button, find_prefix, focus_top, key, log, press, require_servers,
                           reveal, run_main, screenshot, texts, type_text, walk, wait_for,
                           is_visible)

OVERALL_TIMEOUT = 300
MAIL_VARIABLES = ("OUTPOST_TEST_MAIL_HOST", "OUTPOST_TEST_DOVECOT_IMAPS_PORT",
                  "OUTPOST_TEST_DOVECOT_POP3S_PORT", "OUTPOST_TEST_DOVECOT_USER",
                  "OUTPOST_TEST_DOVECOT_PASSWORD", "OUTPOST_TEST_DOVECOT_RT_USER",
                  "OUTPOST_TEST_DOVECOT_RT_PASSWORD", "OUTPOST_TEST_DOVECOT_RT_MAILDIR",
                  "OUTPOST_TEST_SMTP_HOST", "OUTPOST_TEST_SMTP_TLS_PORT",
                  "OUTPOST_TEST_SMTP_USER", "OUTPOST_TEST_SMTP_PASSWORD")
# The seed message POP3 downloads first (tests/data/mail/seed/01-plain.eml).
POP3_SEED_SUBJECT = "Plain text: lunch on Thursday?"


def on_alarm(signum, frame):
    raise Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")


class ImageServer:
    """An HTTP server on loopback that counts the requests it gets: the remote image of
    the HTML message points here, and blocked means never asked."""

    def __enter__(self):
        requests = self.requests = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                requests.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        return False


class Mailbox:
    """The IMAP account's Maildir on the server's disk: the script delivers the preloaded
    messages as an MTA does (tmp/, then new/, owned by the Maildir's owner) and removes
    everything that carries its token at the end, so a run leaves the Maildir as it was."""

    def __init__(self, maildir, token):
        self.maildir = maildir
        self.token = token
        st = os.stat(maildir)
        self.uid, self.gid = st.st_uid, st.st_gid
        self.n = 0

    def deliver(self, text):
        self.n += 1
        name = f"{int(time.time())}.M{self.n}P{os.getpid()}.e2e-mail"
        data = text.replace("\n", "\r\n").encode()
        tmp = os.path.join(self.maildir, "tmp", name)
        with open(tmp, "wb") as f:
            f.write(data)
        os.chown(tmp, self.uid, self.gid)
        os.chmod(tmp, 0o600)
        os.rename(tmp, os.path.join(self.maildir, "new", name))

    def empty_inbox(self):
        """Removes what other tests delivered into the Inbox (net-smtp-random-cuts alone
        leaves dozens): the scenario reads its rows on screen, and a long list scrolls them
        away. The test runs alone (is_parallel: false), so nothing else is reading it."""
        removed = 0
        for sub in ("cur", "new"):
            for path in glob.glob(os.path.join(self.maildir, sub, "*")):
                try:
                    os.unlink(path)
                    removed += 1
                except FileNotFoundError:
                    continue
        log(f"emptied the Inbox of {removed} message file(s) other tests left")

    def files_with(self, needle, folder=""):
        """The message files of @folder ("" is INBOX, ".Trash" …) that contain @needle."""
        out = []
        base = os.path.join(self.maildir, folder) if folder else self.maildir
        for path in glob.glob(os.path.join(base, "cur", "*")) + glob.glob(os.path.join(base, "new", "*")):
            try:
                with open(path, "rb") as f:
                    if needle.encode() in f.read():
                        out.append(path)
            except FileNotFoundError:
                continue
        return out

    def clean(self):
        removed = 0
        # Every folder: INBOX, and .Sent, .Trash … (which glob's "**" would skip).
        paths = [os.path.join(d, f) for d, _, files in os.walk(self.maildir)
                 if os.path.basename(d) in ("cur", "new") for f in files]
        for path in paths:
            try:
                with open(path, "rb") as f:
                    if self.token.encode() not in f.read():
                        continue
                os.unlink(path)
                removed += 1
            except (FileNotFoundError, IsADirectoryError, PermissionError):
                continue
        log(f"removed the {removed} message file(s) of this run from the Maildir")


class Scenario:
    def __init__(self, app, args, mailbox, images, workdir):
        self.app = app
        self.window = app.window
        self.args = args
        self.mailbox = mailbox
        self.images = images
        self.workdir = workdir
        self.token = mailbox.token
        env = os.environ
        self.host = env["OUTPOST_TEST_MAIL_HOST"]
        self.imaps_port = env["OUTPOST_TEST_DOVECOT_IMAPS_PORT"]
        self.pop3s_port = env["OUTPOST_TEST_DOVECOT_POP3S_PORT"]
        self.user = env["OUTPOST_TEST_DOVECOT_RT_USER"]
        self.password = env["OUTPOST_TEST_DOVECOT_RT_PASSWORD"]
        self.pop_user = env["OUTPOST_TEST_DOVECOT_USER"]
        self.pop_password = env["OUTPOST_TEST_DOVECOT_PASSWORD"]
        self.smtp_host = env["OUTPOST_TEST_SMTP_HOST"]
        self.smtp_port = env["OUTPOST_TEST_SMTP_TLS_PORT"]
        self.smtp_user = env["OUTPOST_TEST_SMTP_USER"]
        self.smtp_password = env["OUTPOST_TEST_SMTP_PASSWORD"]
        self.address = f"{self.user}@example.test"
        self.html_subject = f"Newsletter {self.token}"
        self.plain_subject = f"Minutes {self.token}"
        self.body_word = f"quokka{self.token.replace('-', '')}"
        self.sent_subject = f"Report {self.token}"

    def tree(self):
        return self.app.app()

    def shot(self, name):
        screenshot(os.path.join(self.args.screenshot_dir, name))

    def preload(self):
        # Dated a minute or two ago: the newest mail of an Inbox other tests also deliver
        # into, at the top of the list, where a user sees what has just come in.
        plain_date = email.utils.formatdate(time.time() - 120)
        html_date = email.utils.formatdate(time.time() - 60)
        self.mailbox.deliver(f"""From: Ada Lovelace <ada@example.test>
To: {self.address}
Subject: {self.plain_subject}
Date: {plain_date}
Message-ID: <plain.{self.token}@example.test>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

The meeting notes mention the {self.body_word} once.
""")
        self.mailbox.deliver(f"""From: Shop News <news@shop.example.test>
To: {self.address}
Subject: {self.html_subject}
Date: {html_date}
Message-ID: <html.{self.token}@example.test>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><h1>Offers</h1>
<p>This week's offers.</p>
<img src="http://127.0.0.1:{self.images.port}/pixel-{self.token}.png" width="1" height="1">
</body></html>
""")
        log("preloaded the Inbox with a plain and an HTML message")

    # --- 1. the IMAP account through the manual page ------------------------------------

    def show_mail(self):
        tab = wait_for("the Mail page in the view switcher",
                       lambda: find(self.window, "Mail", roles=[pyatspi.ROLE_PAGE_TAB]),
                       context=lambda: self.window)
        press(tab)
        wait_for("the Mail page's empty state",
                 lambda: find_prefix(self.window, "Mail: Add Account", pyatspi.ROLE_PUSH_BUTTON),
                 context=lambda: self.window)
        self.shot("mail-empty.png")
        log("Mail shown: no account yet")

    def setup_manual(self, opener, name, address, protocol, port, user, password,
                     smtp=None):
        press(opener)
        dialog = wait_for("the Add Mail Account window", lambda: self.app.frame("Add Mail Account"),
                          context=self.tree)
        focus_top(self.app.pid)
        manual = wait_for("the Set Up Manually button",
                          lambda: find_prefix(dialog, "Mail: Set Up Manually", pyatspi.ROLE_PUSH_BUTTON),
                          context=lambda: dialog)
        press(manual)
        fields = {}
        names = ["Mail: Your Name, Manual", "Mail: Email Address, Manual", "Mail: Incoming Server",
                 "Mail: Incoming Port", "Mail: Incoming Username", "Mail: Password, Manual"]
        if smtp is not None:
            names += ["Mail: Outgoing Server", "Mail: Outgoing Port", "Mail: Outgoing Username",
                      "Mail: Outgoing Password"]
        for n in names:
            fields[n] = wait_for(f"the field {n!r}", lambda n=n: find_prefix(dialog, n),
                                 context=lambda: dialog)
        if protocol == "POP3":
            combo = fields["Mail: Incoming Protocol"] = find_prefix(dialog, "Mail: Incoming Protocol")
            if combo is None:
                raise Failure("no protocol row on the manual page:\n" + "\n".join(dump(dialog)))
            reveal(combo)
            click(combo)
            item = wait_for("POP3 in the protocol list",
                            lambda: next((a for a in walk(self.tree())
                                          if a.name == "POP3" and is_visible(a)
                                          and a.getRole() != pyatspi.ROLE_COMBO_BOX), None),
                            context=self.tree)
            click(item)
            wait_for("POP3 chosen", lambda: "POP3" in texts(dialog), context=lambda: dialog)
        fill(fields["Mail: Your Name, Manual"], name)
        fill(fields["Mail: Email Address, Manual"], address)
        fill(fields["Mail: Incoming Server"], self.host)
        fill(fields["Mail: Incoming Port"], port)
        fill(fields["Mail: Incoming Username"], user)
        if smtp is not None:
            fill(fields["Mail: Outgoing Server"], smtp[0])
            fill(fields["Mail: Outgoing Port"], smtp[1])
            fill(fields["Mail: Outgoing Username"], smtp[2])
            fill(fields["Mail: Outgoing Password"], smtp[3])
        fill(fields["Mail: Password, Manual"], password)
        save = find_prefix(dialog, "Mail: Test and Save the Account", pyatspi.ROLE_PUSH_BUTTON)
        if save is None:
            raise Failure("no Test and Save button:\n" + "\n".join(dump(dialog)))
        press(save)
        # One trust dialog per server whose certificate is new (the IMAP or POP3 port,
        # then SMTP's), until the window closes with the account saved.
        deadline = time.monotonic() + 60
        trusted = 0
        while self.app.frame("Add Mail Account") is not None:
            if time.monotonic() > deadline:
                raise Failure("the set-up did not finish within 60 s:\n"
                              + "\n".join(dump(self.app.frame("Add Mail Account"))))
            trust = self.app.dialog("Untrusted Certificate")
            if trust is not None:
                always = find_button(trust, "Always Trust")
                if always is None:
                    raise Failure("no 'Always Trust' in the trust dialog:\n" + "\n".join(dump(trust)))
                # The next server's dialog may follow at once: wait for this one's end.
                which = next((t for t in texts(trust) if t.startswith("The identity of ")), "")
                self.app.close_as_screen_reader("the trust dialog", lambda: press(always),
                                                lambda: which not in (
                                                    t for f in [self.app.dialog("Untrusted Certificate")]
                                                    if f is not None for t in texts(f)))
                trusted += 1
                continue
            error = [t for t in texts(dialog) if "refused" in t or "failed" in t
                     or "could not" in t]
            if error:
                raise Failure(f"the set-up says: {error}")
            time.sleep(0.2)
        self.app.check_alive("after the set-up closed")
        log(f"{protocol} account {address} saved after its connection tests "
            f"({trusted} certificate(s) trusted)")

    def add_imap_account(self):
        opener = find_prefix(self.window, "Mail: Add Account", pyatspi.ROLE_PUSH_BUTTON)
        self.setup_manual(opener, "Outpost Tester", self.address, "IMAP", self.imaps_port,
                          self.user, self.password,
                          smtp=(self.smtp_host, self.smtp_port, self.smtp_user, self.smtp_password))

    # --- 2. the preloaded Inbox -----------------------------------------------------------

    def row(self, subject, root=None):
        """The conversation row whose read-out name has @subject (a reply's "Re: " may
        come first: the row shows the newest message's subject)."""
        root = root or self.window
        for acc in walk(root):
            try:
                if acc.name.startswith("Mail: ") and f"{subject}, " in acc.name and is_visible(acc):
                    return acc
            except Exception:
                continue
        return None

    def click_row(self, subject, root=None):
        """Clicks the conversation row of @subject once it is laid out: a row that has
        just arrived (by IDLE, or back by Undo) is in the tree a moment before the list
        gives it a place on screen, and a list in a stack page not shown (the unified
        Inbox's, the search results') may hold a row of the same name with no place."""
        def placed():
            for acc in walk(root or self.window):
                try:
                    if not (acc.name.startswith("Mail: ") and f"{subject}, " in acc.name
                            and is_visible(acc)):
                        continue
                    ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
                except Exception:
                    continue
                if ext.width > 0 and ext.height > 0:
                    return acc
            return None

        click(wait_for(f"the row of {subject!r} on screen", placed,
                       context=lambda: root or self.window))

    def see_inbox(self):
        wait_for("the preloaded messages in the Inbox",
                 lambda: self.row(self.html_subject) and self.row(self.plain_subject),
                 timeout=40, context=lambda: self.window)
        name = self.row(self.html_subject).name
        if not name.startswith("Mail: Shop News, ") or ", unread" not in name:
            raise Failure(f"the HTML message's row reads {name!r}")
        self.shot("mail-inbox.png")
        log(f"the Inbox shows the preloaded messages ({name!r})")

    # --- 3. remote content blocked ------------------------------------------------------

    def open_html(self):
        self.click_row(self.html_subject)
        wait_for("the remote-content bar",
                 lambda: find_prefix(self.window, "Mail: Show Remote Content", pyatspi.ROLE_PUSH_BUTTON),
                 timeout=30, context=lambda: self.window)
        # The web view has loaded the page by the time the bar shows; give a blocked
        # request that would slip through time to arrive anyway.
        time.sleep(2)
        if self.images.requests:
            raise Failure(f"the remote image was fetched: {self.images.requests}")
        log("HTML message shown with its remote image blocked and the bar offered")

    # --- 4. compose with an attachment, send ------------------------------------------

    def composer(self, title_part):
        for frame in self.tree_children():
            try:
                if title_part in frame.name and is_visible(frame):
                    return frame
            except Exception:
                continue
        return None

    def tree_children(self):
        app = self.tree()
        return [app.getChildAtIndex(i) for i in range(app.childCount)]

    def attach(self, composer, path):
        attach = find_prefix(composer, "Mail: Attach Files", pyatspi.ROLE_PUSH_BUTTON)
        if attach is None:
            raise Failure("no Attach Files button:\n" + "\n".join(dump(composer)))
        press(attach)
        wait_for("the file chooser", lambda: self.app.frame("Attach Files"),
                           context=self.tree)
        focus_top(self.app.pid)
        key("ctrl+l")
        type_text(path)
        time.sleep(0.3)
        self.app.close_as_screen_reader("the file chooser", lambda: key("Return"),
                                        lambda: self.app.frame("Attach Files") is None)
        name = os.path.basename(path)
        wait_for(f"{name} among the attachments", lambda: name in texts(composer),
                 context=lambda: composer)

    def complete_to(self, composer):
        """The address typed in part and taken from the suggestions (the store knows it
        from the preloaded messages' To)."""
        to = find_prefix(composer, "Mail: To")
        fill(to, self.address[:5])
        suggestion = wait_for("the address among the To field's suggestions",
                              lambda: next((a for a in walk(self.tree())
                                            if a.name in (self.address, f"Outpost Tester <{self.address}>")
                                            and is_visible(a)
                                            and a.getRole() == pyatspi.ROLE_LIST_ITEM), None),
                              context=self.tree)
        chosen = suggestion.name
        parent = suggestion.parent
        if not parent.name.startswith("Mail: Address Suggestions for To"):
            raise Failure(f"the suggestion sits in {describe(parent)}")
        key("Return")
        # GTK 4.8 gives an entry's text no AT-SPI text: the sent message's To says it
        # (arrives()).
        wait_for("the suggestions to close",
                 lambda: find_prefix(self.tree(), "Mail: Address Suggestions for To") is None)
        self.completed_to = chosen
        log(f"To completed from the known addresses with {chosen!r}")

    def send(self):
        new = find_prefix(self.window, "Mail: New Message", pyatspi.ROLE_PUSH_BUTTON)
        if new is None:
            raise Failure("no New Message button:\n" + "\n".join(dump(self.window)))
        press(new)
        composer = wait_for("the composer", lambda: self.composer("New Message"), context=self.tree)
        focus_top(self.app.pid)
        self.complete_to(composer)
        fill(find_prefix(composer, "Mail: Subject"), self.sent_subject)
        body = find_prefix(composer, "Mail: Message Body")
        click(body)
        key("ctrl+Home")
        type_text(f"The figures are attached, {self.token}.")
        self.attachment = os.path.join(self.workdir, f"figures-{self.token}.bin")
        with open(self.attachment, "wb") as f:
            f.write(os.urandom(40000))
        self.attach(composer, self.attachment)
        self.shot("mail-composer.png")
        send = find_prefix(composer, "Mail: Send", pyatspi.ROLE_PUSH_BUTTON)
        self.app.close_as_screen_reader("the composer", lambda: press(send),
                                        lambda: self.composer(self.sent_subject) is None)
        log("message with an attachment sent from the composer")

    # --- 5. it arrives by IDLE --------------------------------------------------------

    def arrives(self):
        wait_for("the sent message in the Inbox without a refresh",
                 lambda: self.row(self.sent_subject), timeout=40, context=lambda: self.window)
        wait_for("its copy in the Sent folder on the server",
                 lambda: self.mailbox.files_with(self.sent_subject, ".Sent"), timeout=20)
        data = open(self.mailbox.files_with(self.sent_subject)[0], "rb").read()
        if f"To: {self.completed_to}".encode() not in data:
            raise Failure(f"the message's To is not the completed {self.completed_to!r}:\n"
                          + data.decode(errors="replace")[:1500])
        log("the message arrived in the Inbox by IDLE; its copy is in Sent")

    # --- 6. save the attachment ------------------------------------------------------

    def save_attachment(self):
        self.click_row(self.sent_subject)
        name = os.path.basename(self.attachment)
        save = wait_for("the attachment's Save button",
                        lambda: find_prefix(self.window, f"Mail: Save {name}", pyatspi.ROLE_PUSH_BUTTON),
                        timeout=30, context=lambda: self.window)
        self.shot("mail-conversation.png")
        press(save)
        wait_for("the save dialog", lambda: self.app.frame("Save Attachment"), context=self.tree)
        focus_top(self.app.pid)
        target = os.path.join(self.workdir, "saved", name)
        os.makedirs(os.path.dirname(target))
        key("ctrl+a")
        type_text(target)
        time.sleep(0.3)
        self.app.close_as_screen_reader("the save dialog", lambda: key("Return"),
                                        lambda: self.app.frame("Save Attachment") is None)
        wait_for(f"{target} written", lambda: os.path.exists(target)
                 and os.path.getsize(target) == os.path.getsize(self.attachment))
        want = hashlib.sha256(open(self.attachment, "rb").read()).hexdigest()
        got = hashlib.sha256(open(target, "rb").read()).hexdigest()
        if want != got:
            raise Failure(f"the saved attachment's SHA-256 is {got}, the sent one's {want}")
        log(f"attachment saved, SHA-256 equal ({got[:16]}…)")

    # --- 7. reply -----------------------------------------------------------------------

    def reply(self):
        button = find_prefix(self.window, "Mail: Reply", pyatspi.ROLE_PUSH_BUTTON)
        if button is None or button.name.startswith("Mail: Reply All"):
            button = next((a for a in walk(self.window) if a.name.startswith("Mail: Reply")
                           and not a.name.startswith("Mail: Reply All") and is_visible(a)
                           and a.getRole() == pyatspi.ROLE_PUSH_BUTTON), None)
        press(button)
        composer = wait_for("the reply's composer", lambda: self.composer("Re: " + self.sent_subject),
                            context=self.tree)
        focus_top(self.app.pid)
        body = find_prefix(composer, "Mail: Message Body")
        click(body)
        key("ctrl+Home")
        type_text("Thanks, received.")
        send = find_prefix(composer, "Mail: Send", pyatspi.ROLE_PUSH_BUTTON)
        self.app.close_as_screen_reader("the reply's composer", lambda: press(send),
                                        lambda: self.composer("Re: " + self.sent_subject) is None)
        # The reply is threaded into the conversation: sent, then received by IDLE.
        wait_for("the conversation to count the reply",
                 lambda: self.row(self.sent_subject) is not None
                 and ", 2 messages" in self.row(self.sent_subject).name,
                 timeout=40, context=lambda: self.window)
        log(f"reply sent; the conversation reads {self.row(self.sent_subject).name!r}")

    # --- 8. delete, undo, delete -------------------------------------------------------

    def delete(self):
        self.click_row(self.sent_subject)
        trash = find_prefix(self.window, "Mail: Move to Trash", pyatspi.ROLE_PUSH_BUTTON)
        if trash is None:
            raise Failure("no Move to Trash button:\n" + "\n".join(dump(self.window)))
        press(trash)
        wait_for("the conversation to leave the list", lambda: self.row(self.sent_subject) is None,
                 context=lambda: self.window)
        undo = wait_for("the Undo button of the toast", lambda: find_button(self.window, "Undo"),
                        context=lambda: self.window)
        press(undo)
        wait_for("Undo to bring the conversation back", lambda: self.row(self.sent_subject),
                 timeout=30, context=lambda: self.window)
        log("deleted and undone")
        # Undo puts it back on the server too, before it goes for good below.
        wait_for("the messages back in the server's Inbox",
                 lambda: len(self.mailbox.files_with(self.sent_subject)) >= 2, timeout=30)
        self.click_row(self.sent_subject)
        key("Delete")
        wait_for("the conversation to leave the list again",
                 lambda: self.row(self.sent_subject) is None, context=lambda: self.window)
        wait_for("the messages in the server's Trash",
                 lambda: len(self.mailbox.files_with(self.sent_subject, ".Trash")) >= 2
                 and not self.mailbox.files_with(self.sent_subject), timeout=30)
        log("deleted: the messages are in Trash on the server")

    # --- 9. search --------------------------------------------------------------------

    def search(self):
        focus_top(self.app.pid)
        key("ctrl+f")
        entry = wait_for("the search field", lambda: find_prefix(self.window, "Mail: Search Text"),
                         context=lambda: self.window)
        fill(entry, self.body_word)
        results = wait_for("the search results", lambda: find(self.window, "Mail: Search Results"),
                           context=lambda: self.window)
        # The folder's own list stays in its stack page, "visible" to AT-SPI: look only
        # at the results.
        wait_for("the message found by a word of its body, and no other",
                 lambda: self.row(self.plain_subject, results) is not None
                 and self.row(self.html_subject, results) is None,
                 timeout=20, context=lambda: results)
        key("Escape")
        log(f"search for {self.body_word!r} found the message")

    # --- forward as attachment -------------------------------------------------------

    def forward_as_attachment(self):
        self.click_row(self.plain_subject)
        menu = wait_for("the message's menu button",
                        lambda: find_prefix(self.window, "Mail: Message Menu"),
                        timeout=30, context=lambda: self.window)
        # A menu button's accessible is its box: click it as a user does.
        click(menu)
        item = wait_for("Forward as Attachment in the message's menu",
                        lambda: next((a for a in walk(self.tree()) if is_visible(a)
                                      and a.name.replace("_", "") == "Forward as Attachment"), None),
                        context=self.tree)
        # The popover is a surface of its own, its extents relative to it: its action.
        press(item)
        subject = "Fwd: " + self.plain_subject
        composer = wait_for("the forward's composer", lambda: self.composer(subject),
                            context=self.tree)
        focus_top(self.app.pid)
        wait_for("the original among the attachments",
                 lambda: f"{self.plain_subject}.eml" in texts(composer), context=lambda: composer)
        fill(find_prefix(composer, "Mail: To"), self.address)
        send = find_prefix(composer, "Mail: Send", pyatspi.ROLE_PUSH_BUTTON)
        self.app.close_as_screen_reader("the forward's composer", lambda: press(send),
                                        lambda: self.composer(subject) is None)
        wait_for("the forward in the Inbox", lambda: self.row(subject), timeout=40,
                 context=lambda: self.window)
        files = wait_for("the forward on the server", lambda: self.mailbox.files_with("Subject: " + subject))
        data = open(files[0], "rb").read()
        if b"message/rfc822" not in data or f"<plain.{self.token}@example.test>".encode() not in data:
            raise Failure("the forward carries no message/rfc822 part with the original:\n"
                          + data.decode(errors="replace")[:2000])
        log("forwarded as a message/rfc822 attachment; it arrived whole")

    # --- 10. a POP3 account ---------------------------------------------------------------

    def add_pop3_account(self):
        opener = find_prefix(self.window, "Mail: Add Another Account", pyatspi.ROLE_PUSH_BUTTON)
        if opener is None:
            raise Failure("no Add Another Account button:\n" + "\n".join(dump(self.window)))
        address = f"{self.pop_user}@example.test"
        self.setup_manual(opener, "Outpost POP3", address, "POP3", self.pop3s_port,
                          self.pop_user, self.pop_password)
        folders = wait_for("the POP3 account in the sidebar",
                           lambda: find(self.window, f"Mail: folders of {address}"),
                           timeout=30, context=lambda: self.window)
        inbox = wait_for("the POP3 account's Inbox with its unread mail",
                         lambda: find_prefix(folders, "Mail: folder Inbox, "), timeout=30,
                         context=lambda: folders)
        click(inbox)
        wait_for("the POP3 account's mail", lambda: self.row(POP3_SEED_SUBJECT),
                 timeout=30, context=lambda: self.window)
        self.shot("mail-pop3.png")
        log(f"POP3 account added; its Inbox reads {inbox.name!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--schema-dir")
    args = parser.parse_args()
    require_servers(MAIL_VARIABLES, "Dovecot and SMTP server")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)
    token = "e2e-" + uuid.uuid4().hex[:10]
    mailbox = Mailbox(os.environ["OUTPOST_TEST_DOVECOT_RT_MAILDIR"], token)
    workdir = tempfile.mkdtemp(prefix="outpost-e2e-mail-")
    try:
        with ImageServer() as images, Keyring(), App(args.outpost, args.schema_dir) as app:
            scenario = Scenario(app, args, mailbox, images, workdir)
            mailbox.empty_inbox()
            scenario.preload()
            app.start()
            scenario.window = app.window
            try:
                scenario.show_mail()
                scenario.add_imap_account()
                scenario.see_inbox()
                scenario.open_html()
                scenario.send()
                scenario.arrives()
                scenario.save_attachment()
                scenario.reply()
                scenario.delete()
                scenario.search()
                scenario.forward_as_attachment()
                scenario.add_pop3_account()
                app.check_alive("at the end of the scenario")
            except AppDied:
                screenshot(os.path.join(args.screenshot_dir, "mail-failed.png"))
                raise
            except Exception as e:
                screenshot(os.path.join(args.screenshot_dir, "mail-failed.png"))
                # Say first when a step lost its way because the app died.
                app.check_alive(f"during the scenario (the step said: {e})")
                raise
    finally:
        mailbox.clean()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    run_main(main)
