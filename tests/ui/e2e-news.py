#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the News view against INN (tests/servers/inn.sh) with STARTTLS, driven
# through the accessibility tree and the keyboard with a fresh profile.
#
#   run-with-display.sh /usr/bin/python3 e2e-news.py OUTPOST --screenshot-dir DIR
#       [--schema-dir DIR]
#
# Needs OUTPOST_TEST_NEWS_HOST, OUTPOST_TEST_INN_PORT, _USER, _PASSWORD and _GROUP
# (`start --only inn`, then `. RUNDIR/env`). Without them it exits 77 (skipped), or
# fails when OUTPOST_TEST_REQUIRE_SERVERS=1.
#
# Scenario (issue 15, steps 1-4): switch to News; add the server with STARTTLS and a
# login, trusting the test certificate in the trust dialog; open the server's group
# list, filter it and subscribe to the threaded group; close the list (a screen
# reader's questions follow); open the group, get its headers and see its threads;
# read the first article and see it marked read, then Space reads the next unread one. Screenshot: news-reading.png.
# Then posting (a new article and a follow-up, step 5), and step 6: a yEnc binary posted
# here over NNTP is saved through the real folder chooser ("Save Binary To": Ctrl+L, the
# folder's path) and compared by SHA-256. Screenshot: news-binary.png.
# The app must not crash or print a GLib-CRITICAL.

import argparse
import email.utils
import hashlib
import importlib.util
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time

import pyatspi

from outpost_atspi import (App, Failure, Keyring, click, dump, fill, find, find_button,
                           find_prefix, focus_top, key, log, press, require_servers, run_main,
                           screenshot, texts, type_text, wait_for, walk)

OVERALL_TIMEOUT = 240
INN_VARIABLES = ("OUTPOST_TEST_NEWS_HOST", "OUTPOST_TEST_INN_PORT", "OUTPOST_TEST_INN_USER",
                 "OUTPOST_TEST_INN_PASSWORD", "OUTPOST_TEST_INN_GROUP",
                 "OUTPOST_TEST_INN_POST_GROUP", "OUTPOST_TEST_INN_TLS_PORT", "OUTPOST_TEST_CA")


def demo_data():
    """tests/demo/demo-data.py, for its yEnc encoder (and nntplib, Debian's Python 3.11)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo", "demo-data.py")
    spec = importlib.util.spec_from_file_location("demo_data", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def on_alarm(signum, frame):
    raise Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")


class Scenario:
    def __init__(self, app, args):
        self.app = app
        self.window = app.window
        self.args = args
        self.host = os.environ["OUTPOST_TEST_NEWS_HOST"]
        self.port = os.environ["OUTPOST_TEST_INN_PORT"]
        self.user = os.environ["OUTPOST_TEST_INN_USER"]
        self.password = os.environ["OUTPOST_TEST_INN_PASSWORD"]
        self.group = os.environ["OUTPOST_TEST_INN_GROUP"]
        self.post_group = os.environ["OUTPOST_TEST_INN_POST_GROUP"]

    def tree(self):
        return self.app.app()

    def show_news(self):
        tab = wait_for("the News page in the view switcher",
                       lambda: find(self.window, "News", roles=[pyatspi.ROLE_PAGE_TAB]),
                       context=lambda: self.window)
        press(tab)
        wait_for("the News page's empty state", lambda: "No News Servers" in texts(self.window),
                 context=lambda: self.window)
        log("News shown: no servers yet")

    def add_server(self):
        button = wait_for("the Add Server button",
                          lambda: find_prefix(self.window, "News: Add Server", pyatspi.ROLE_PUSH_BUTTON),
                          context=lambda: self.window)
        press(button)
        dialog = wait_for("the Add News Server dialog", lambda: self.app.frame("Add News Server"))
        focus_top(self.app.pid)
        fields = {}
        for name in ("News: Server Host", "News: Server Port", "News: Server User Name",
                     "News: Server Password"):
            # GTK 4.8 names an entry row after its accessible label and its title.
            fields[name] = wait_for(f"the field {name!r}", lambda n=name: find_prefix(dialog, n),
                                    context=lambda: dialog)
        fill(fields["News: Server Host"], self.host)
        fill(fields["News: Server Port"], self.port)
        key("Tab")
        fill(fields["News: Server User Name"], self.user)
        fill(fields["News: Server Password"], self.password)
        add = find_prefix(dialog, "News: Add Server", pyatspi.ROLE_PUSH_BUTTON)
        if add is None:
            raise Failure("no Add button in the dialog:\n" + "\n".join(dump(dialog)))
        press(add)
        trust = wait_for("the trust dialog", lambda: self.app.dialog("Untrusted Certificate"),
                         timeout=30, context=self.tree)
        always = find_button(trust, "Always Trust")
        if always is None:
            raise Failure("no 'Always Trust' button in the trust dialog:\n" + "\n".join(dump(trust)))
        self.app.close_as_screen_reader("the trust dialog", lambda: press(always),
                                        lambda: self.app.dialog("Untrusted Certificate") is None)
        wait_for("the Add News Server dialog to close after the connection test",
                 lambda: self.app.frame("Add News Server") is None, timeout=30,
                 context=self.tree)
        wait_for("the server in the sidebar", lambda: find(self.window, self.host),
                 context=lambda: self.window)
        stored = wait_for("the password in the keyring", lambda: subprocess.run(
            ["secret-tool", "lookup", "protocol", "nntp", "host", self.host, "port", self.port,
             "user", self.user], capture_output=True, text=True).stdout == self.password)
        log(f"server added after the connection test; its password is in the keyring ({bool(stored)})")

    def subscribe(self, group, filter_text, row_prefix):
        groups = wait_for("the server's group list button",
                          lambda: find(self.window, f"News: Groups on {self.host}"),
                          context=lambda: self.window)
        press(groups)
        title = f"Newsgroups on {self.host}"
        dialog = wait_for("the group list", lambda: self.app.frame(title), context=self.tree)
        wait_for("the group list from the server", lambda: group in texts(dialog),
                 timeout=30, context=lambda: dialog)
        focus_top(self.app.pid)
        search = find_prefix(dialog, "News: Filter Groups")
        fill(search, filter_text)
        wait_for(f"the filter to leave {group} only",
                 lambda: group in texts(dialog) and "local.empty" not in texts(dialog),
                 context=lambda: dialog)
        check = wait_for("the group's check box",
                         lambda: find(dialog, f"News: Subscribe to {group}"),
                         context=lambda: dialog)
        # GTK 4.8's check boxes offer no AT-SPI action: a click, as a user does.
        click(check)
        wait_for(f"the group in the sidebar ({row_prefix}…)",
                 lambda: find_prefix(self.window, row_prefix),
                 context=lambda: self.window)
        self.app.close_as_screen_reader("the group list", lambda: key("Escape"),
                                        lambda: self.app.frame(title) is None)
        log(f"subscribed to {group} through the filtered group list")

    def read(self):
        row = find(self.window, f"News: {self.group}, 7 unread")
        click(row)
        wait_for("the group to open", lambda: "No Articles" in texts(self.window),
                 context=lambda: self.window)
        get = wait_for("the Get Headers button",
                       lambda: find_prefix(self.window, "News: Get Headers", pyatspi.ROLE_PUSH_BUTTON),
                       context=lambda: self.window)
        press(get)
        wait_for("the threads", lambda: find_prefix(self.window, "Threading fixture, by "),
                 timeout=30, context=lambda: self.window)
        log("headers fetched and threaded")
        headers = find(self.window, "News: Headers")
        click(find_prefix(self.window, "Threading fixture, by "))
        wait_for("the article pane", lambda: find(self.window, "News: Article Body"),
                 timeout=30, context=lambda: self.window)
        wait_for("the article marked read",
                 lambda: find_prefix(self.window, "Threading fixture, by ") is not None
                 and find_prefix(self.window, "Threading fixture, by ").name.endswith(", read"),
                 timeout=30, context=lambda: headers)
        wait_for("the sidebar's count to drop", lambda: find(self.window, f"News: {self.group}, 6 unread"),
                 context=lambda: self.window)
        log("article read and marked read")
        # Space: the article is short, so it moves on to the next unread one (Pan).
        key("space")
        wait_for("Space to read the next unread article",
                 lambda: find(self.window, f"News: {self.group}, 5 unread"),
                 timeout=30, context=lambda: self.window)
        screenshot(os.path.join(self.args.screenshot_dir, "news-reading.png"))
        log("Space read the next unread article")

    def header_names(self):
        headers = find(self.window, "News: Headers")
        # The rows that take the focus (the list items), in the list's order: the row
        # widget inside each carries the same name.
        return [acc.name for acc in walk(headers)
                if acc.getRole() == pyatspi.ROLE_LIST_ITEM and acc.name
                and (acc.name.endswith(", read") or acc.name.endswith(", unread"))]

    def click_header(self, prefix):
        """Clicks the header row named @prefix…; the newest thread may be below the pane's
        end (other tests post to the group too): End scrolls there first."""
        row = find_prefix(self.window, prefix)
        ext = row.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if ext.width <= 0 or ext.height <= 0:
            # A row on screen (the list keeps rows it scrolled past, without extents).
            first = next(acc for acc in walk(find(self.window, "News: Headers"))
                         if (acc.name.endswith(", read") or acc.name.endswith(", unread"))
                         and acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS).height > 0)
            click(first)
            key("End")
            row = wait_for(f"the row {prefix!r} scrolled into view",
                           lambda: (lambda r: r if r is not None and r.queryComponent()
                                    .getExtents(pyatspi.WINDOW_COORDS).height > 0 else None)(
                               find_prefix(self.window, prefix)),
                           context=lambda: self.window)
        click(row)

    def compose(self, title, fields, body, first_click_body):
        composer = wait_for(f"the composer ({title})", lambda: self.app.frame(title),
                            context=self.tree)
        focus_top(self.app.pid)
        for name, value in fields.items():
            field = wait_for(f"the composer's {name!r}",
                             lambda n=name: find_prefix(composer, f"News Composer: {n}"),
                             context=lambda: composer)
            fill(field, value)
        text = find_prefix(composer, "News Composer: Article Text")
        if first_click_body:
            click(text)
        else:
            # A follow-up starts with the cursor below the quote: Ctrl+End keeps it there.
            click(text)
            key("ctrl+End")
        type_text(body)
        return composer

    def post(self):
        """Ctrl+N in the posting group, then F on the new article, both posted through
        INN with the login (AUTHINFO) and seen after the refresh, the reply under it."""
        subject = f"E2E post {os.getpid()} {int(time.time())}"
        self.subscribe(self.post_group, "post", f"News: {self.post_group}, ")
        click(find_prefix(self.window, f"News: {self.post_group}, "))
        get = wait_for("the Get Headers button",
                       lambda: find_prefix(self.window, "News: Get Headers", pyatspi.ROLE_PUSH_BUTTON),
                       context=lambda: self.window)
        press(get)
        focus_top(self.app.pid)
        key("ctrl+n")
        composer = self.compose("New Article",
                                {"From": "Outpost E2E <e2e@example.test>", "Subject": subject},
                                "Posted from the end-to-end test.", True)
        screenshot(os.path.join(self.args.screenshot_dir, "news-composer.png"))
        post = find_prefix(composer, "News Composer: Post", pyatspi.ROLE_PUSH_BUTTON)
        self.app.close_as_screen_reader("the composer", lambda: press(post),
                                        lambda: self.app.frame("New Article") is None)
        wait_for("the new article in the group after the refresh",
                 lambda: find_prefix(self.window, f"{subject}, by Outpost E2E"),
                 timeout=30, context=lambda: self.window)
        log("new article posted and seen in the group")

        self.click_header(f"{subject}, by Outpost E2E")
        # Follow Up is enabled once the article is in the article pane.
        wait_for("the article in the article pane (Follow Up enabled)",
                 lambda: (lambda b: b is not None
                          and b.getState().contains(pyatspi.STATE_SENSITIVE))(
                     find_prefix(self.window, "News: Follow Up", pyatspi.ROLE_PUSH_BUTTON)),
                 timeout=30, context=lambda: self.window)
        focus_top(self.app.pid)
        key("f")
        composer = wait_for("the follow-up composer", lambda: self.app.frame("Follow-up"),
                            context=self.tree)
        # Its "Re:" subject is checked by the row it makes (and in ui-news-view).
        self.compose("Follow-up", {}, "Agreed.", False)
        post = find_prefix(composer, "News Composer: Post", pyatspi.ROLE_PUSH_BUTTON)
        self.app.close_as_screen_reader("the follow-up composer", lambda: press(post),
                                        lambda: self.app.frame("Follow-up") is None)
        wait_for("the follow-up in the group after the refresh",
                 lambda: find_prefix(self.window, f"Re: {subject}, by Outpost E2E"),
                 timeout=30, context=lambda: self.window)
        names = self.header_names()
        parent = next(i for i, n in enumerate(names) if n.startswith(f"{subject}, by "))
        if parent + 1 >= len(names) or not names[parent + 1].startswith(f"Re: {subject}, by "):
            raise Failure("the follow-up is not right under its parent:\n" + "\n".join(names))
        screenshot(os.path.join(self.args.screenshot_dir, "news-posted.png"))
        log("follow-up posted and seen under its parent")

    def save_binary(self):
        """Step 6: a yEnc binary posted over NNTP (AUTHINFO over TLS) to the posting
        group, fetched with Get Headers, saved through the folder chooser, SHA-256 equal."""
        demo = demo_data()
        stamp = f"{os.getpid()}-{int(time.time())}"
        name = f"e2e-{stamp}.bin"
        # Every byte value (the escaped ones included), then random bytes.
        data = bytes(range(256)) * 8 + os.urandom(30000)
        subject = f'E2E binary {stamp} - "{name}" yEnc (1/1)'
        headers = ["From: Outpost E2E <e2e@example.test>",
                   f"Newsgroups: {self.post_group}",
                   f"Subject: {subject}",
                   f"Message-ID: <e2e-binary-{stamp}@example.test>",
                   f"Date: {email.utils.formatdate(time.time())}"]
        lines = [h.encode("utf-8") for h in headers] + [b""] \
            + [line.encode("latin-1") for line in demo.yenc_encode(name, data)]
        context = ssl.create_default_context(cafile=os.environ["OUTPOST_TEST_CA"])
        server = demo.nntplib.NNTP_SSL(self.host, int(os.environ["OUTPOST_TEST_INN_TLS_PORT"]),
                                       user=self.user, password=self.password,
                                       ssl_context=context, readermode=True, usenetrc=False)
        server.post(lines)
        server.quit()
        log(f"posted {name} ({len(data)} bytes) yEnc-encoded to {self.post_group}")

        row = f"{subject}, by Outpost E2E"
        get = find_prefix(self.window, "News: Get Headers", pyatspi.ROLE_PUSH_BUTTON)

        def fetched():
            # nnrpd hands the article to innd: ask again until the group has it.
            if find_prefix(self.window, row) is not None:
                return True
            if get.getState().contains(pyatspi.STATE_SENSITIVE):
                press(get)
            time.sleep(1)
            return False

        wait_for("the binary's header after Get Headers", fetched, timeout=40,
                 context=lambda: self.window)
        self.click_header(row)
        save = wait_for("Save in the binary's bar (enabled: the posting is whole)",
                        lambda: (lambda b: b if b is not None
                                 and b.getState().contains(pyatspi.STATE_SENSITIVE) else None)(
                            find_prefix(self.window, "News: Save Binary", pyatspi.ROLE_PUSH_BUTTON)),
                        timeout=30, context=lambda: self.window)
        screenshot(os.path.join(self.args.screenshot_dir, "news-binary.png"))
        folder = tempfile.mkdtemp(prefix="e2e-news-binary-")
        try:
            press(save)
            chooser = wait_for("the folder chooser", lambda: self.app.frame("Save Binary To"),
                               context=self.tree)
            focus_top(self.app.pid)
            key("ctrl+l")
            type_text(folder)
            time.sleep(0.3)

            def choose():
                # Return in the location field chooses the folder typed; when GTK only
                # went into it, the chooser's own Save button chooses the folder shown.
                key("Return")
                time.sleep(1)
                if self.app.frame("Save Binary To") is not None:
                    accept = find_button(chooser, "Save")
                    if accept is None:
                        raise Failure("no Save button in the folder chooser:\n"
                                      + "\n".join(dump(chooser)))
                    press(accept)

            self.app.close_as_screen_reader("the folder chooser", choose,
                                            lambda: self.app.frame("Save Binary To") is None)
            target = os.path.join(folder, name)
            wait_for(f"{target} written", lambda: os.path.exists(target)
                     and os.path.getsize(target) == len(data)
                     and not os.path.exists(target + ".part"), timeout=30)
            want = hashlib.sha256(data).hexdigest()
            got = hashlib.sha256(open(target, "rb").read()).hexdigest()
            if want != got:
                raise Failure(f"the saved binary's SHA-256 is {got}, the posted one's {want}")
            log(f"binary saved through the folder chooser, SHA-256 equal ({got[:16]}…)")
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def open_link(self):
        """`outpost nntp://HOST:PORT/GROUP` from another process: the running app opens
        the group (GApplication's open, the URI router, the News view)."""
        uri = f"nntp://{self.host}:{self.port}/{self.group}"
        done = subprocess.run([self.app.outpost, uri], env=self.app.env, timeout=30,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure(f"outpost {uri} exited with {done.returncode}: {done.stderr}")
        wait_for(f"{uri} to open the threaded group",
                 lambda: find_prefix(self.window, "Threading fixture, by "),
                 timeout=30, context=lambda: self.window)
        log(f"outpost {uri} opened the group in the running app")
        # nntp://HOST:PORT/GROUP/NUMBER selects that article (RFC 5538 §2.3): shown, and
        # so marked read (its row says so). Article 7 is <other.7@…>, unread until now.
        uri = f"nntp://{self.host}:{self.port}/{self.group}/7"
        done = subprocess.run([self.app.outpost, uri], env=self.app.env, timeout=30,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure(f"outpost {uri} exited with {done.returncode}: {done.stderr}")

        def article_read():
            row = find_prefix(self.window, "另一个话题 (another topic), by ")
            return row if row is not None and row.name.endswith(", read") else None

        wait_for(f"{uri} to select and read article 7", article_read, timeout=30,
                 context=lambda: self.window)
        log(f"outpost {uri} selected the article in the running app")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--schema-dir")
    args = parser.parse_args()
    require_servers(INN_VARIABLES, "INN")
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)
    with Keyring(), App(args.outpost, args.schema_dir) as app:
        app.start()
        scenario = Scenario(app, args)
        scenario.show_news()
        scenario.add_server()
        scenario.subscribe(scenario.group, "threaded", f"News: {scenario.group}, 7 unread")
        scenario.read()
        scenario.post()
        scenario.save_binary()
        scenario.open_link()
        app.check_alive("at the end of the scenario")


if __name__ == "__main__":
    run_main(main)
