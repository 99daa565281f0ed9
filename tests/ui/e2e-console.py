#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the Console view, driven through the accessibility tree like a user would.
#
#   run-with-display.sh /usr/bin/python3 e2e-console.py OUTPOST --screenshot-dir DIR
#       [--schema-dir DIR]
#
# 1. starts a TCP time server in one tab (port 0: the system picks one);
# 2. connects to it from a second tab (Ctrl+T);
# 3. sends a line (Ctrl+Enter) and reads the time-stamped reply;
# 4. looks up "localhost" and sees 127.0.0.1 and ::1;
# 5. opens a TLS session to the test IMAP server (Dovecot's implicit-TLS port from
#    tests/servers), answers the trust dialog with "Trust Once" and sees the certificate
#    and the greeting. Without Dovecot this step is skipped and says so (it fails when
#    OUTPOST_TEST_REQUIRE_SERVERS=1).
# Screenshots: console-server.png, console-client.png, console-lookup.png, console-tls.png.

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pyatspi

# The shared helpers of the end-to-end scenarios (tree walking, clicks, typing,
# screenshots): tests/ui/outpost_atspi.py.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import outpost_atspi as e2e  # noqa: E402

Failure = e2e.Failure
OVERALL_TIMEOUT = 150
APPEAR_TIMEOUT = 30
TIME_REPLY = re.compile(r"^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] hello outpost$")


def log(msg):
    print(f"e2e-console: {msg}", flush=True)


def on_alarm(signum, frame):
    raise Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")


class Scenario:
    def __init__(self, proc, window, shots):
        self.proc = proc
        self.pid = proc.pid
        self.window = window
        self.shots = shots

    def app(self):
        return e2e.find_application(self.pid)

    def tab_view(self):
        """The Console page's subtree: the Files page's widgets stay in the tree."""
        button = e2e.find(self.window, "New Console Session", roles=(pyatspi.ROLE_PUSH_BUTTON,))
        if button is None:
            return None
        acc = button
        for _ in range(8):
            acc = acc.parent
        return acc

    def labels(self):
        return e2e.texts(self.window)

    def field(self, name):
        root = self.tab_view()
        found = [a for a in e2e.walk(root)
                 if a.name == name and e2e.is_visible(a)
                 and a.getRole() in (pyatspi.ROLE_TEXT, pyatspi.ROLE_ENTRY)]
        if not found:
            raise Failure(f"no visible field named {name!r} in the Console; its tree:\n"
                          + "\n".join(e2e.dump(root)))
        # The newest tab's field: tabs behind it are hidden, but GTK 4.8 may still call
        # them visible; the selected page is the last one added here.
        return found[-1]

    def button(self, name):
        root = self.tab_view()
        found = [a for a in e2e.walk(root)
                 if a.getRole() == pyatspi.ROLE_PUSH_BUTTON and e2e.is_visible(a)
                 and a.name == name]
        if not found:
            raise Failure(f"no visible button named {name!r} in the Console; its tree:\n"
                          + "\n".join(e2e.dump(root)))
        return found[-1]

    def shot(self, name):
        time.sleep(0.4)
        e2e.screenshot(os.path.join(self.shots, name))

    def open_console(self):
        e2e.focus_window(self.pid)
        page = e2e.wait_for("the Console page in the view switcher",
                            lambda: e2e.find(self.window, "Console", roles=(pyatspi.ROLE_PAGE_TAB,)),
                            context=lambda: self.window)
        e2e.click(page)
        e2e.wait_for("the Console's empty page",
                     lambda: e2e.find(self.window, "No Console Sessions"),
                     context=lambda: self.window)
        log("Console page shown")

    def new_tab(self, kind):
        e2e.click(e2e.find(self.window, "New Console Session", roles=(pyatspi.ROLE_PUSH_BUTTON,)))
        item = e2e.wait_for(f"the menu item {kind!r}",
                            lambda: e2e.find(self.app(), kind, roles=(pyatspi.ROLE_MENU_ITEM,)),
                            context=self.app)
        e2e.press(item)
        time.sleep(0.5)
        log(f"new tab: {kind}")

    def time_server(self):
        self.new_tab("TCP Server")
        mode = [a for a in e2e.walk(self.tab_view())
                if a.name == "Mode" and a.getRole() == pyatspi.ROLE_COMBO_BOX and e2e.is_visible(a)]
        if not mode:
            raise Failure("no 'Mode' choice in the server form")
        e2e.click(mode[-1])
        time.sleep(0.5)
        # The list pops up on Echo, the first; Time is the next one.
        e2e.key("Down")
        e2e.key("Return")
        time.sleep(0.3)
        if e2e.find(self.tab_view(), "Time", roles=(pyatspi.ROLE_LABEL,)) is None:
            raise Failure("the server's mode did not become Time; the tree:\n"
                          + "\n".join(e2e.dump(self.tab_view())))
        e2e.fill(self.field("Port"), "0")
        e2e.press(self.button("Start"))
        listening = e2e.wait_for(
            "the server to listen",
            lambda: next((t for t in self.labels() if t.startswith("Listening on 127.0.0.1 port ")), None),
            context=self.tab_view)
        port = listening.rsplit(" ", 1)[1]
        log(f"time server listening on port {port}")
        self.shot("console-server.png")
        return port

    def client(self, port):
        e2e.focus_window(self.pid)
        e2e.key("ctrl+t")
        e2e.wait_for("a TCP client tab", lambda: "TCP Client" in self.labels(),
                     context=self.tab_view)
        e2e.fill(self.field("Host"), "127.0.0.1")
        e2e.fill(self.field("Port"), port)
        e2e.press(self.button("Connect"))
        e2e.wait_for("the client to connect",
                     lambda: any(t.startswith(f"Peer 127.0.0.1:{port} · local 127.0.0.1:")
                                 for t in self.labels()),
                     context=self.tab_view)
        log("connected to the time server")
        e2e.fill(self.field("Console Data to Send"), "hello outpost")
        e2e.key("ctrl+Return")
        reply = e2e.wait_for("the time-stamped reply",
                             lambda: next((t for t in self.labels() if TIME_REPLY.match(t)), None),
                             context=self.tab_view)
        log(f"reply: {reply!r}")
        self.shot("console-client.png")

    def lookup(self):
        self.new_tab("Lookups")
        e2e.fill(self.field("Name, Address or Service"), "localhost")
        e2e.press(self.button("Look Up"))
        e2e.wait_for("127.0.0.1 and ::1 for localhost",
                     lambda: {"A  127.0.0.1", "AAAA  ::1"} <= set(self.labels()),
                     context=self.tab_view)
        log("localhost: 127.0.0.1 and ::1")
        self.shot("console-lookup.png")

    def tls(self, port):
        self.new_tab("TLS Client")
        e2e.fill(self.field("Host"), "localhost")
        e2e.fill(self.field("Port"), port)
        e2e.press(self.button("Connect"))
        trust = e2e.wait_for("the trust dialog",
                             lambda: next((c for c in e2e.children(self.app())
                                           if c.name == "Untrusted Certificate"
                                           or any(t == "Untrusted Certificate" for t in e2e.texts(c))), None)
                             if self.app() else None,
                             context=self.app)
        once = e2e.find_button(trust, "Trust Once")
        if once is None:
            raise Failure("no 'Trust Once' button in the trust dialog:\n" + "\n".join(e2e.dump(trust)))
        e2e.press(once)
        e2e.wait_for("the certificate and the IMAP greeting",
                     lambda: any(t.startswith("Certificate: ") and "localhost" in t
                                 for t in self.labels())
                     and any(t.startswith("* OK") for t in self.labels()),
                     context=self.tab_view)
        log("TLS session open: certificate shown, IMAP greeting read")
        self.shot("console-tls.png")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--schema-dir")
    args = parser.parse_args()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)
    profile = tempfile.mkdtemp(prefix="outpost-e2e-console-")
    proc = None
    try:
        env = e2e.fresh_environment(profile, args.schema_dir)
        proc = subprocess.Popen([args.outpost], env=env, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + APPEAR_TIMEOUT
        window = None
        while window is None and time.monotonic() < deadline:
            app = e2e.find_application(proc.pid)
            if app is not None:
                window = next((c for c in e2e.children(app)
                               if c.getRole() == pyatspi.ROLE_FRAME and e2e.is_visible(c)), None)
            time.sleep(0.2)
        if window is None:
            raise Failure("the application's window did not appear")

        scenario = Scenario(proc, window, args.screenshot_dir)
        try:
            scenario.open_console()
            port = scenario.time_server()
            scenario.client(port)
            scenario.lookup()
            imaps = os.environ.get("OUTPOST_TEST_DOVECOT_IMAPS_PORT")
            if imaps:
                scenario.tls(imaps)
            elif os.environ.get("OUTPOST_TEST_REQUIRE_SERVERS") == "1":
                raise Failure("OUTPOST_TEST_DOVECOT_IMAPS_PORT is not set (tests/servers)")
            else:
                log("step 5 (TLS to the test IMAP server) NOT RUN: OUTPOST_TEST_DOVECOT_IMAPS_PORT "
                    "is not set; start tests/servers (--only dovecot) and source its env")
        except Exception:
            state = proc.poll()
            log("the app is still running" if state is None
                else f"the app is gone (exit status {state})")
            e2e.screenshot(os.path.join(args.screenshot_dir, "console-failed.png"))
            raise
    finally:
        signal.alarm(0)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        print(f"e2e-console: FAIL: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    print("e2e-console: PASS", flush=True)
