#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Accessibility audit: every view of the window (Files, Mail, News, Console) is shown in
# turn and the whole AT-SPI tree of every window of the app is walked with the rules of
# a11y_audit.py (no interactive control without a name; no two alike in one window).
# e2e-demo.py applies the same rules to every view with the demo's data loaded.
#
#   run-with-display.sh /usr/bin/python3 e2e-a11y-audit.py OUTPOST [--schema-dir DIR]
#
# Data: with vsftpd from tests/servers (its variables set), the Files view is connected
# to it first (quick connect, explicit TLS, "Always Trust"), so its remote listing and
# transfer log are audited filled; the Console gets a TCP server tab and a client tab.
# Mail and News are audited as a new profile shows them (no account, no server).
# Without vsftpd the Files view is audited unconnected, or the test fails when
# OUTPOST_TEST_REQUIRE_SERVERS=1.

import argparse
import os
import signal
import time

import pyatspi

from a11y_audit import audit_application
from outpost_atspi import (App, Failure, VSFTPD_VARIABLES, click, fill, find,
                           find_button, focus_top, focus_window, log, press,
                           run_main, wait_for)

TIMEOUT = 240


def audit(app, where):
    problems = audit_application(app.app(), where)
    app.check_alive(f"while the tree was audited ({where})")
    return problems


def show_view(app, name):
    focus_window(app.pid)
    tab = wait_for(f"the {name} page in the view switcher",
                   lambda: find(app.window, name, roles=(pyatspi.ROLE_PAGE_TAB,)),
                   context=lambda: app.window)
    click(tab)
    time.sleep(1.0)


# --- data ------------------------------------------------------------------------------

def have_vsftpd():
    if all(os.environ.get(n) for n in VSFTPD_VARIABLES):
        return True
    if os.environ.get("OUTPOST_TEST_REQUIRE_SERVERS") == "1":
        raise Failure("no vsftpd (tests/servers/start), and OUTPOST_TEST_REQUIRE_SERVERS=1 "
                      "says the servers must run")
    log("no vsftpd: the Files view is audited unconnected")
    return False


FIELD_ROLES = (pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT, pyatspi.ROLE_TEXT,
               pyatspi.ROLE_SPIN_BUTTON)


def connect_files(app):
    """Quick connect to vsftpd with explicit TLS (the protocol list's default), trusting
    the test CA's certificate, and wait for the remote listing."""
    def field(name):
        acc = find(app.window, name, roles=FIELD_ROLES)
        if acc is None:
            raise Failure(f"no visible field named {name!r} in the quick-connect bar")
        return acc

    fill(field("Host"), os.environ["OUTPOST_TEST_FTP_HOST"])
    fill(field("Port"), os.environ["OUTPOST_TEST_VSFTPD_FTPS_PORT"])
    fill(field("Username"), os.environ["OUTPOST_TEST_VSFTPD_USER"])
    fill(field("Password"), os.environ["OUTPOST_TEST_VSFTPD_PASSWORD"])
    press(find(app.window, "Connect", roles=(pyatspi.ROLE_PUSH_BUTTON,)))
    trust = wait_for("the trust dialog", lambda: app.dialog("Untrusted Certificate"),
                     context=app.app)
    problems = audit(app, "Files, the trust dialog")
    always = find_button(trust, "Always Trust")
    if always is None:
        raise Failure("no 'Always Trust' button in the trust dialog")
    focus_top(app.pid)
    app.close_as_screen_reader("the trust dialog", lambda: press(always),
                               lambda: app.dialog("Untrusted Certificate") is None)
    wait_for("the 'Connected' state", lambda: find(app.window, "Connected"),
             timeout=30, context=lambda: app.window)
    # The listing arrives after the state changes.
    time.sleep(2)
    log("Files connected to vsftpd")
    return problems


def console_tabs(app):
    """A TCP server tab and a TCP client tab, so both forms are in the tree."""
    for kind in ("TCP Server", "TCP Client"):
        click(find(app.window, "New Console Session", roles=(pyatspi.ROLE_PUSH_BUTTON,)))
        item = wait_for(f"the menu item {kind!r}",
                        lambda: find(app.app(), kind, roles=(pyatspi.ROLE_MENU_ITEM,)),
                        context=app.app)
        press(item)
        time.sleep(0.8)
    log("Console: a server and a client tab")


def on_alarm(signum, frame):
    raise Failure(f"the audit took longer than {TIMEOUT} s")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("--schema-dir")
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIMEOUT)

    problems = []
    with App(args.outpost, args.schema_dir) as app:
        app.start()
        problems += audit(app, "Files, unconnected")
        if have_vsftpd():
            problems += connect_files(app)
            problems += audit(app, "Files, connected")
        show_view(app, "Mail")
        problems += audit(app, "Mail")
        show_view(app, "News")
        problems += audit(app, "News")
        show_view(app, "Console")
        problems += audit(app, "Console, empty")
        console_tabs(app)
        problems += audit(app, "Console, two tabs")
        app.check_alive("at the end of the audit")

    # One report line per problem, the same problem seen in several views once.
    unique = list(dict.fromkeys(problems))
    if unique:
        raise Failure(f"{len(unique)} accessibility problems:\n  " + "\n  ".join(unique))


if __name__ == "__main__":
    run_main(main)
