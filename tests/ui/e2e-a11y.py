#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the Files view with a screen reader listening (issue 20), against vsftpd.
#
#   run-with-display.sh /usr/bin/python3 e2e-a11y.py OUTPOST SCENARIO [--runs N]
#       [--schema-dir DIR]
#
# Each run starts the app with a fresh profile. Between the steps the script reads the
# whole accessibility tree as a screen reader reviewing the window does, and around each
# dialog it does what made GTK 4.8 crash: it counts the app's windows while the dialog
# is open and asks for each by that count once it has closed (outpost_atspi.App.
# close_as_screen_reader, README "Windows and the accessibility tree"). The app must
# live through every run without a GLib-CRITICAL.
#
# wrong-password: quick connect with explicit TLS and a wrong password, "Always Trust" in
#   the certificate dialog, and the tree read again and again while vsftpd holds back its
#   answer to PASS (about 3 s); then the login failure is shown.
# dialogs: the shortcuts window (Ctrl+?, Escape), then every dialog of the Files view is
#   opened and closed in turn: the site manager (Ctrl+S, Escape), the plaintext-password confirmation (plain FTP, Cancel), the trust
#   dialog (Always Trust), the permissions dialog (Ctrl+Shift+P, Cancel) and the
#   target-exists dialog (Ctrl+Shift+D onto a local file of that name, Overwrite).
#
# Needs vsftpd from tests/servers (see outpost_atspi.require_vsftpd).

import argparse
import os
import shutil
import signal
import time

import pyatspi

from outpost_atspi import (App, AppDied, Failure, click, fill, find, find_button,
                           focus_top, focus_window, key, log, press, read_everything,
                           require_vsftpd, run_main, texts, type_text, wait_for)

RUN_TIMEOUT = 90          # seconds for one run of a scenario
PASS_DELAY_WATCH = 6      # how long the tree is read after the trust dialog (vsftpd: ~3 s)

FIELD_ROLES = (pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT, pyatspi.ROLE_TEXT,
               pyatspi.ROLE_SPIN_BUTTON)

PROTOCOL_EXPLICIT_TLS = 0   # the order of op-files-view.ui's protocol list
PROTOCOL_PLAIN = 2


def on_alarm(signum, frame):
    raise Failure(f"a run took longer than {RUN_TIMEOUT} s")


def field(app, name):
    acc = find(app.window, name, roles=FIELD_ROLES)
    if acc is None:
        raise Failure(f"no visible field named {name!r}")
    return acc


def choose_protocol(app, index):
    """The quick-connect bar's protocol drop-down, by keyboard: open it, go to the top,
    then down to @index and choose it."""
    dropdown = find(app.window, "Protocol")
    if dropdown is None:
        raise Failure("no visible control named 'Protocol' in the quick-connect bar")
    click(dropdown)
    time.sleep(0.3)
    key("Home")
    for _ in range(index):
        key("Down")
    key("Return")
    time.sleep(0.3)
    focus_window(app.pid)


def quick_connect(app, port, password):
    fill(field(app, "Host"), os.environ["OUTPOST_TEST_FTP_HOST"])
    fill(field(app, "Port"), port)
    fill(field(app, "Username"), os.environ["OUTPOST_TEST_VSFTPD_USER"])
    fill(field(app, "Password"), password)
    connect = find(app.window, "Connect", roles=(pyatspi.ROLE_PUSH_BUTTON,))
    if connect is None:
        raise Failure("no visible button named 'Connect'")
    press(connect)


def always_trust(app):
    trust = wait_for("the trust dialog", lambda: app.dialog("Untrusted Certificate"),
                     context=app.app)
    always = find_button(trust, "Always Trust")
    if always is None:
        raise Failure("no 'Always Trust' button in the trust dialog")
    app.close_as_screen_reader("the trust dialog", lambda: press(always),
                               lambda: app.dialog("Untrusted Certificate") is None)


def answer(app, heading, button):
    """Answers the dialog whose text mentions @heading with @button, as a screen reader
    user would see it close."""
    dialog = wait_for(f"the dialog {heading!r}", lambda: app.dialog(heading), context=app.app)
    target = find_button(dialog, button)
    if target is None:
        raise Failure(f"no button {button!r} in the dialog {heading!r}")
    app.close_as_screen_reader(f"the dialog {heading!r}", lambda: press(target),
                               lambda: app.dialog(heading) is None)
    focus_window(app.pid)


def wrong_password(app, args):
    quick_connect(app, os.environ["OUTPOST_TEST_VSFTPD_FTPS_PORT"], "not-the-password")
    always_trust(app)
    # vsftpd holds back its 530 for about 3 s; the FTP worker waits in its reply reader
    # meanwhile, and the screen reader goes on reading.
    deadline = time.monotonic() + PASS_DELAY_WATCH
    reads = 0
    failed = None
    while time.monotonic() < deadline and failed is None:
        read_everything(app.app())
        app.check_alive("while the server held back its answer to PASS")
        reads += 1
        failed = next((t for t in texts(app.window) if t.startswith("Could not connect")), None)
    failed = failed or wait_for("the login failure to be shown", lambda: next(
        (t for t in texts(app.window) if t.startswith("Could not connect")), None))
    app.check_alive("after the login failed")
    log(f"read the tree {reads} times while the server held back its answer; the app "
        f"says {failed!r}")


def dialogs(app, args):
    server_dir = os.path.join(os.environ["OUTPOST_TEST_VSFTPD_ROOT"],
                              f"e2e-a11y-{os.getpid()}-{args.run}")
    os.makedirs(server_dir)
    args.cleanup.append(server_dir)
    remote_file = os.path.join(server_dir, "download.bin")
    with open(remote_file, "wb") as f:
        f.write(os.urandom(4096))
    os.chmod(remote_file, 0o644)
    os.chmod(server_dir, 0o777)
    # A local file of the same name: the download asks whether to overwrite it.
    with open(os.path.join(app.home, "download.bin"), "wb") as f:
        f.write(b"an older local copy")

    # The shortcuts window (Ctrl+?): the hidden toplevel GTK 4.8 crashed on was
    # GtkApplication's prebuilt one (README "Windows and the accessibility tree").
    key("ctrl+question")
    wait_for("the shortcuts window (Ctrl+?)", lambda: app.dialog("Show Shortcuts"),
             context=app.app)
    focus_top(app.pid)
    app.close_as_screen_reader("the shortcuts window", lambda: key("Escape"),
                               lambda: app.dialog("Show Shortcuts") is None)
    focus_window(app.pid)

    # The site manager.
    key("ctrl+s")
    wait_for("the site manager (Ctrl+S)", lambda: app.frame("Sites"), context=app.app)
    focus_top(app.pid)
    app.close_as_screen_reader("the site manager", lambda: key("Escape"),
                               lambda: app.frame("Sites") is None)
    focus_window(app.pid)

    # The plaintext-password confirmation: plain FTP with a password.
    choose_protocol(app, PROTOCOL_PLAIN)
    quick_connect(app, os.environ["OUTPOST_TEST_VSFTPD_PORT"],
                  os.environ["OUTPOST_TEST_VSFTPD_PASSWORD"])
    answer(app, "Send the Password Unencrypted?", "Cancel")

    # The trust dialog: explicit TLS.
    choose_protocol(app, PROTOCOL_EXPLICIT_TLS)
    quick_connect(app, os.environ["OUTPOST_TEST_VSFTPD_FTPS_PORT"],
                  os.environ["OUTPOST_TEST_VSFTPD_PASSWORD"])
    always_trust(app)
    wait_for("the 'Connected' state", lambda: find(app.window, "Connected"),
             context=lambda: app.window)

    # The permissions dialog, on the remote file.
    remote = wait_for("the remote listing", lambda: find(
        app.window, "Remote", roles=(pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE)))
    click(remote)
    key("ctrl+l")
    type_text("/" + os.path.basename(server_dir))
    key("Return")

    def file_cell():
        table = find(app.window, "Remote", roles=(pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE))
        cell = find(table, "download.bin", roles=(pyatspi.ROLE_LABEL,)) if table else None
        if cell is None:
            return None
        ext = cell.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        return cell if ext.width > 0 and ext.height > 0 else None
    click(wait_for("download.bin in the remote listing", file_cell,
                   context=lambda: app.window))
    key("ctrl+shift+p")
    answer(app, "Permissions of “download.bin”", "Cancel")

    # The target-exists dialog: download onto the local file of that name.
    click(wait_for("download.bin in the remote listing", file_cell))
    key("ctrl+shift+d")
    answer(app, "“download.bin” Already Exists", "Overwrite")
    wait_for("the download to replace the local copy",
             lambda: os.path.getsize(os.path.join(app.home, "download.bin")) == 4096,
             timeout=30)
    app.check_alive("after the Files view's dialogs")


SCENARIOS = {"wrong-password": wrong_password, "dialogs": dialogs}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("scenario", choices=sorted(SCENARIOS))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--schema-dir")
    args = parser.parse_args()
    require_vsftpd()

    signal.signal(signal.SIGALRM, on_alarm)
    scenario = SCENARIOS[args.scenario]
    for run in range(1, args.runs + 1):
        args.run = run
        args.cleanup = []
        signal.alarm(RUN_TIMEOUT)
        try:
            with App(args.outpost, args.schema_dir) as app:
                app.start()
                read_everything(app.app())
                try:
                    scenario(app, args)
                except AppDied as e:
                    raise AppDied(f"run {run} of {args.runs}: {e}")
                except Exception as e:
                    # A step that lost its way because the app died says so first.
                    app.check_alive(f"in run {run} of {args.runs} (the step said: {e})")
                    raise Failure(f"run {run} of {args.runs}: {e}")
        finally:
            signal.alarm(0)
            for path in args.cleanup:
                shutil.rmtree(path, ignore_errors=True)
        log(f"run {run} of {args.runs}: the app lived")
    log(f"{args.runs} runs of {args.scenario!r} with a screen reader listening, 0 crashes, "
        "no GLib-CRITICAL")


if __name__ == "__main__":
    run_main(main)
