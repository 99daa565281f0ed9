#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: `build-aux/dev demo --non-interactive` (issue 18, "A demo anyone can run"),
# read through the accessibility tree like a screen reader would:
#
#   run-with-display.sh /usr/bin/python3 e2e-demo.py DEV BUILD-DIR --screenshot-dir DIR
#
# The demo starts vsftpd, Dovecot, the SMTP server and INN in a run folder of its own
# with its sample data and opens Outpost on a throwaway profile. Checked: Files lists the
# FTP tree (connected with the saved site's password from the demo's keyring, no trust
# prompt: the certificate is pinned), Mail shows the inbox (plain, HTML, attachment,
# Chinese, a conversation), News shows the demo group's threads and the yEnc binary's
# article, the Console is there. Ctrl+Q ends the app; the demo must then stop its servers
# and remove its run folder, and the caller's own profile must stay untouched.
# Screenshots: demo-files.png, demo-mail.png, demo-news.png, demo-console.png.
# Each view, with its data loaded, also passes the accessibility audit of a11y_audit.py
# (no control without a name, no two alike in one window); the problems of all views are
# reported together at the end.
#
# The servers need root (tests/servers/README.md "Root"): without it the test is skipped
# (77), or fails when OUTPOST_TEST_REQUIRE_SERVERS=1.

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

import pyatspi

from a11y_audit import audit_application
from outpost_atspi import (SKIP, Failure, children, click, dump, find, find_application,
                           find_prefix, focus_window, is_visible, key, log,
                           main_window_id, press, run, run_main, texts, wait_for, walk)

OVERALL_TIMEOUT = 420
START_TIMEOUT = 240  # servers, sample data (a large file), profile, app: a busy machine


def body_text(acc):
    try:
        t = acc.queryText()
        return t.getText(0, t.characterCount)
    except Exception:
        return ""


def all_text(root):
    """Labels and the contents of text views (a message or article body) under @root."""
    out = []
    for acc in walk(root):
        try:
            if not is_visible(acc):
                continue
            if acc.getRole() == pyatspi.ROLE_LABEL and acc.name:
                out.append(acc.name)
            elif acc.getRole() in (pyatspi.ROLE_TEXT, pyatspi.ROLE_DOCUMENT_TEXT):
                out.append(body_text(acc))
        except Exception:
            continue
    return out


class Demo:
    def __init__(self, dev, build_dir, user_profile):
        env = dict(os.environ)
        env["OUTPOST_BUILD_DIR"] = build_dir
        env["OUTPOST_DEMO_LARGE_MB"] = "16"
        # The strings looked for are the English ones.
        env.pop("LANGUAGE", None)
        env["LC_ALL"] = "C.UTF-8"
        # The caller's own profile: the demo must never write there.
        for name in ("config", "data", "cache", "state"):
            env[f"XDG_{name.upper()}_HOME"] = os.path.join(user_profile, name)
        self.proc = subprocess.Popen([dev, "demo", "--non-interactive"], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self.lines = []
        self.rundir = None
        self.app_pid = None
        self.reader = threading.Thread(target=self.read, daemon=True)
        self.reader.start()

    def read(self):
        for raw in iter(self.proc.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            self.lines.append(line)
            print(f"  | {line}", flush=True)
            m = re.match(r"demo: run folder (\S+)$", line)
            if m:
                self.rundir = m.group(1)
            m = re.match(r"demo: Outpost is running \(pid (\d+)\)$", line)
            if m:
                self.app_pid = int(m.group(1))

    def check_running(self, when):
        if self.proc.poll() is not None:
            self.reader.join(timeout=2)
            tail = "\n".join(self.lines[-25:])
            raise Failure(f"the demo exited with status {self.proc.returncode} {when}:\n{tail}")

    def criticals(self):
        return [line for line in self.lines if "-CRITICAL **" in line]


def window_screenshot(pid, path):
    """The main window alone (README's pictures), not the whole display."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    r = run(["import", "-window", main_window_id(pid), path])
    if r.returncode != 0 or not os.path.exists(path):
        raise Failure(f"import -window … {path} failed: {r.stderr.strip()}")
    log(f"screenshot saved: {path}")


def open_page(window, title):
    tab = wait_for(f"the {title} page in the view switcher",
                   lambda: find(window, title, roles=[pyatspi.ROLE_PAGE_TAB]),
                   context=lambda: window)
    press(tab)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dev")
    parser.add_argument("build_dir")
    parser.add_argument("--screenshot-dir", required=True)
    args = parser.parse_args()
    if os.geteuid() != 0:
        what = "the demo's servers need root (tests/servers/README.md)"
        if os.environ.get("OUTPOST_TEST_REQUIRE_SERVERS") == "1":
            raise Failure(f"{what}, and OUTPOST_TEST_REQUIRE_SERVERS=1 says they must run")
        log(f"SKIP: {what}")
        sys.exit(SKIP)

    def on_alarm(signum, frame):
        raise Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)
    user_profile = tempfile.mkdtemp(prefix="outpost-e2e-user-")
    demo = Demo(args.dev, args.build_dir, user_profile)
    try:
        scenario(demo, args)
        touched = [os.path.join(d, n) for d, dirs, files in os.walk(user_profile)
                   for n in dirs + files]
        if touched:
            raise Failure(f"the demo wrote into the caller's own XDG folders: {touched[:10]}")
        log("the caller's own profile was not touched")
    finally:
        if demo.proc.poll() is None:
            # A failed check: end the app, then the demo the way Ctrl+C does, so it
            # cleans up (bash runs its trap once the command it waits for has ended).
            if demo.app_pid is not None:
                try:
                    os.kill(demo.app_pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
            demo.proc.send_signal(signal.SIGINT)
            try:
                demo.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                demo.proc.kill()
        shutil.rmtree(user_profile, ignore_errors=True)


def scenario(demo, args):
    def started():
        demo.check_running("before Outpost appeared")
        return demo.app_pid is not None and find_application(demo.app_pid) is not None

    wait_for("the demo to open Outpost", started, timeout=START_TIMEOUT)
    window = wait_for("the main window", lambda: next(
        (c for c in children(find_application(demo.app_pid))
         if c.name == "Outpost" and is_visible(c)), None))
    focus_window(demo.app_pid)
    log(f"Outpost is up (pid {demo.app_pid}), run folder {demo.rundir}")
    if demo.rundir is None or not os.path.isdir(demo.rundir):
        raise Failure(f"the demo named no run folder that exists ({demo.rundir!r})")

    # Files: connected to the saved site, the tree listed, no trust prompt.
    wait_for("Files to list the demo tree",
             lambda: {"Documents", "Pictures", "Software"} <= set(texts(window)),
             timeout=60, context=lambda: window)
    if len([c for c in children(find_application(demo.app_pid)) if is_visible(c)]) != 1:
        raise Failure("a dialog is open beside the main window (a trust or password prompt?):\n"
                      + "\n".join(dump(find_application(demo.app_pid))))
    window_screenshot(demo.app_pid, os.path.join(args.screenshot_dir, "demo-files.png"))
    log("Files: Documents, Pictures and Software listed")
    problems = audit_application(find_application(demo.app_pid), "Demo, Files")

    # Mail: the inbox, synced from Dovecot with the keyring's password.
    open_page(window, "Mail")
    subjects = ["Welcome to the Outpost demo", "Your December newsletter",
                "Quarterly figures (spreadsheet attached)", "周末一起去爬山吗？",
                "Lunch on Friday?"]
    wait_for("Mail to show the demo inbox",
             lambda: all(any(s in t for t in texts(window)) for s in subjects),
             timeout=60, context=lambda: window)
    log(f"Mail: {len(subjects)} conversations shown")
    # The welcome message opened: its body comes from the server.
    click(wait_for("the welcome conversation", lambda: next(
        (a for a in walk(window) if a.getRole() == pyatspi.ROLE_LABEL and is_visible(a)
         and a.name == "Welcome to the Outpost demo"), None)))
    wait_for("the welcome message's body",
             lambda: any("this mailbox lives on a Dovecot" in t for t in all_text(window)),
             timeout=30, context=lambda: window)
    window_screenshot(demo.app_pid, os.path.join(args.screenshot_dir, "demo-mail.png"))
    log("Mail: the welcome message read")
    problems += audit_application(find_application(demo.app_pid), "Demo, Mail")

    # News: the subscribed demo group and its threads, fetched by the profile helper.
    open_page(window, "News")
    row = wait_for("the demo group in the News sidebar",
                   lambda: find_prefix(window, "News: local.demo, "), context=lambda: window)
    click(row)
    threads = ["Welcome to the demo group, by ", "Which editor do you use?, by ",
               "Sunset picture - \"sunset.png\" yEnc (1/1), by "]
    wait_for("News to show the demo group's threads",
             lambda: all(find_prefix(window, t) is not None for t in threads),
             timeout=30, context=lambda: window)
    log("News: local.demo with its threads and the yEnc binary")
    click(find_prefix(window, threads[0]))
    wait_for("the welcome article's body",
             lambda: any("This group lives on an INN server" in t for t in all_text(window)),
             timeout=30, context=lambda: window)
    window_screenshot(demo.app_pid, os.path.join(args.screenshot_dir, "demo-news.png"))
    log("News: the welcome article read")
    problems += audit_application(find_application(demo.app_pid), "Demo, News")

    # Console: there.
    open_page(window, "Console")
    wait_for("the Console page with its new-session button",
             lambda: find_prefix(window, "New Console Session", pyatspi.ROLE_PUSH_BUTTON) is not None
             and "No Console Sessions" in texts(window),
             context=lambda: window)
    window_screenshot(demo.app_pid, os.path.join(args.screenshot_dir, "demo-console.png"))
    log("Console: shown")
    problems += audit_application(find_application(demo.app_pid), "Demo, Console")
    unique = list(dict.fromkeys(problems))
    if unique:
        raise Failure(f"{len(unique)} accessibility problems with the demo's data:\n  "
                      + "\n  ".join(unique))

    if demo.criticals():
        raise Failure("the app printed a GLib-CRITICAL: " + " | ".join(demo.criticals()))

    # Quitting Outpost ends the demo: servers stopped, run folder removed.
    focus_window(demo.app_pid)
    key("ctrl+q")
    try:
        status = demo.proc.wait(timeout=90)
    except subprocess.TimeoutExpired:
        raise Failure("the demo did not end within 90 s of Ctrl+Q")
    demo.reader.join(timeout=5)
    if status != 0:
        raise Failure(f"the demo exited with status {status}:\n" + "\n".join(demo.lines[-20:]))
    if os.path.exists(demo.rundir):
        raise Failure(f"the run folder {demo.rundir} is still there after the demo ended")
    leftovers = subprocess.run(["pgrep", "-f", demo.rundir], capture_output=True, text=True).stdout
    if leftovers.strip():
        raise Failure(f"processes of the demo's servers are still running: {leftovers.split()}")
    if demo.criticals():
        raise Failure("the app printed a GLib-CRITICAL: " + " | ".join(demo.criticals()))
    log("Ctrl+Q ended the demo: servers stopped, run folder removed")


if __name__ == "__main__":
    run_main(main)
