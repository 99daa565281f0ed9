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
# The app must not crash or print a GLib-CRITICAL.

import argparse
import os
import signal
import subprocess
import time

import pyatspi

from outpost_atspi import (App, Failure, Keyring, click, dump, fill, find, find_button,
                           find_prefix, focus_top, key, log, press, require_servers, run_main,
                           screenshot, texts, type_text, wait_for)

OVERALL_TIMEOUT = 150
INN_VARIABLES = ("OUTPOST_TEST_NEWS_HOST", "OUTPOST_TEST_INN_PORT", "OUTPOST_TEST_INN_USER",
                 "OUTPOST_TEST_INN_PASSWORD", "OUTPOST_TEST_INN_GROUP")


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

    def subscribe(self):
        groups = wait_for("the server's group list button",
                          lambda: find(self.window, f"News: Groups on {self.host}"),
                          context=lambda: self.window)
        press(groups)
        title = f"Newsgroups on {self.host}"
        dialog = wait_for("the group list", lambda: self.app.frame(title), context=self.tree)
        wait_for("the group list from the server", lambda: self.group in texts(dialog),
                 timeout=30, context=lambda: dialog)
        focus_top(self.app.pid)
        search = find_prefix(dialog, "News: Filter Groups")
        fill(search, "threaded")
        wait_for("the filter to leave the threaded group only",
                 lambda: self.group in texts(dialog) and "local.empty" not in texts(dialog),
                 context=lambda: dialog)
        check = wait_for("the group's check box",
                         lambda: find(dialog, f"News: Subscribe to {self.group}"),
                         context=lambda: dialog)
        # GTK 4.8's check boxes offer no AT-SPI action: a click, as a user does.
        click(check)
        wait_for("the group in the sidebar with 7 unread",
                 lambda: find(self.window, f"News: {self.group}, 7 unread"),
                 context=lambda: self.window)
        self.app.close_as_screen_reader("the group list", lambda: key("Escape"),
                                        lambda: self.app.frame(title) is None)
        log("subscribed through the filtered group list")

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
        scenario.subscribe()
        scenario.read()
        app.check_alive("at the end of the scenario")


if __name__ == "__main__":
    run_main(main)
