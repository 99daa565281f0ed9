#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the application shell, seen the way a user (and a screen reader) sees it.
#
#   run-with-display.sh /usr/bin/python3 e2e-shell.py OUTPOST --screenshot PNG
#       [--schema-dir DIR]
#
# Launches OUTPOST with a fresh profile, finds it in the AT-SPI registry, checks the main
# window (title, view switcher title, the Files view in the switcher and no welcome page),
# saves a screenshot, quits with Ctrl+Q and checks that the process exited cleanly and
# printed no GLib-CRITICAL.
#
# Run with Debian's /usr/bin/python3: pyatspi comes from python3-pyatspi, which a
# separately installed python3 on PATH does not see (testing.md "Mail").

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pyatspi

from outpost_atspi import (StderrWatch, children, describe, dump, find_application,
                           fresh_environment, is_visible, walk)

OVERALL_TIMEOUT = 60   # seconds for the whole scenario
APPEAR_TIMEOUT = 25    # the app registering on the accessibility bus with its window
EXIT_TIMEOUT = 10      # the app exiting after Ctrl+Q

TITLE = "Outpost"
WELCOME = "Welcome to Outpost"
FILES = "Files"


class Failure(Exception):
    pass


class Timeout(Exception):
    pass


def log(msg):
    print(f"e2e-shell: {msg}", flush=True)


def on_alarm(signum, frame):
    raise Timeout(f"the scenario took longer than {OVERALL_TIMEOUT} s")


# --- accessibility tree helpers --------------------------------------------------------

def registered_names():
    desktop = pyatspi.Registry.getDesktop(0)
    names = []
    for app in children(desktop):
        try:
            names.append(f"{app.name!r} (pid {app.get_process_id()})")
        except Exception:
            continue
    return names


def wait_for_window(proc):
    """The app's accessible and its visible top-level frame, once both exist."""
    deadline = time.monotonic() + APPEAR_TIMEOUT
    app = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise Failure(f"outpost exited with status {proc.returncode} before its window "
                          "appeared in the accessibility tree")
        app = find_application(proc.pid)
        if app is not None:
            frames = [c for c in children(app)
                      if c.getRole() == pyatspi.ROLE_FRAME and is_visible(c)]
            if frames:
                return app, frames
        time.sleep(0.2)
    if app is None:
        raise Failure(f"outpost (pid {proc.pid}) did not register on the accessibility bus "
                      f"within {APPEAR_TIMEOUT} s; registered: {registered_names() or 'none'}")
    raise Failure(f"outpost registered as {app.name!r} but showed no visible frame within "
                  f"{APPEAR_TIMEOUT} s; its tree:\n" + "\n".join(dump(app)))


def find_view_switcher_title(window):
    """The header bar's AdwViewSwitcherTitle: it holds the view switcher (role page tab
    list) and the window title shown while there is no view to switch to."""
    for acc in walk(window):
        if acc.name == "AdwViewSwitcherTitle":
            return acc
    # Were it given an accessible label, recognise it by what it contains instead.
    # The innermost node holding both the switcher and the title label is the widget.
    found = None
    for acc in walk(window):
        inner = list(walk(acc))
        if any(k.getRole() == pyatspi.ROLE_PAGE_TAB_LIST for k in inner) \
                and any(k.getRole() == pyatspi.ROLE_LABEL and k.name == TITLE for k in inner):
            found = acc
    return found


def check_shell(window):
    tree = "\n".join(dump(window))

    if window.name != TITLE:
        raise Failure(f"the main window's title is {window.name!r}, expected {TITLE!r}")
    log(f"main window found: {describe(window)}")

    vst = find_view_switcher_title(window)
    if vst is None or not is_visible(vst):
        raise Failure("no visible view switcher title (AdwViewSwitcherTitle) in the header "
                      "bar; the window's tree:\n" + tree)
    switchers = [a for a in walk(vst) if a.getRole() == pyatspi.ROLE_PAGE_TAB_LIST]
    if not switchers:
        raise Failure("the view switcher title holds no view switcher (page tab list); "
                      "its tree:\n" + "\n".join(dump(vst)))
    tabs = [a for s in switchers for a in walk(s) if a.getRole() == pyatspi.ROLE_PAGE_TAB]
    log(f"view switcher title found with {len(switchers)} switcher(s), {len(tabs)} view tab(s)")

    welcome = [a for a in walk(window)
               if a.getRole() == pyatspi.ROLE_LABEL and a.name == WELCOME and is_visible(a)]
    # The Files view has landed (issue 4): the window must show it, not the welcome page
    # that stands in while a window has no views.
    if not tabs:
        raise Failure("the view switcher lists no views; the Files view is missing. The "
                      "window's tree:\n" + tree)
    unnamed = [describe(t) for t in tabs if not t.name]
    if unnamed:
        raise Failure("view switcher tabs without an accessible name: " + ", ".join(unnamed))
    names = list(dict.fromkeys(t.name for t in tabs))
    if FILES not in names:
        raise Failure(f"the view switcher lists {', '.join(names)} but no {FILES!r} view")
    if welcome:
        raise Failure(f"the window has views ({', '.join(names)}) but still shows "
                      f"{WELCOME!r}")
    # The wide and the narrow switcher each list every view.
    log("views: " + ", ".join(names))


# --- X helpers -------------------------------------------------------------------------

def run(cmd, **kwargs):
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=15,
                          **kwargs)


def x_window_of(pid):
    """The X window id of the app's mapped top-level (GTK sets _NET_WM_PID)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        r = run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)])
        ids = r.stdout.split()
        if ids:
            return ids[-1]
        time.sleep(0.2)
    raise Failure(f"no mapped X window belongs to pid {pid} (xdotool search --pid)")


def screenshot(path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    r = run(["import", "-window", "root", path])
    if r.returncode != 0 or not os.path.exists(path):
        raise Failure(f"import -window root {path} failed: {r.stderr.strip()}")
    # A window that never painted leaves a uniformly black root window.
    r = run(["identify", "-format", "%[fx:standard_deviation]", path])
    try:
        spread = float(r.stdout.strip())
    except ValueError:
        raise Failure(f"identify could not read the screenshot {path}: {r.stderr.strip()}")
    if spread == 0.0:
        raise Failure(f"the screenshot {path} is a single flat colour: nothing was drawn")
    log(f"screenshot saved: {path}")


def quit_with_ctrl_q(proc):
    wid = x_window_of(proc.pid)
    # Xvfb runs no window manager, so give the window the keyboard focus ourselves before
    # typing: XTEST key events go to the focused window.
    r = run(["xdotool", "windowfocus", "--sync", wid])
    if r.returncode != 0:
        raise Failure(f"xdotool could not focus window {wid}: {r.stderr.strip()}")
    r = run(["xdotool", "key", "--clearmodifiers", "ctrl+q"])
    if r.returncode != 0:
        raise Failure(f"xdotool could not type Ctrl+Q: {r.stderr.strip()}")
    try:
        status = proc.wait(timeout=EXIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Failure(f"outpost was still running {EXIT_TIMEOUT} s after Ctrl+Q")
    if status != 0:
        raise Failure(f"outpost exited with status {status} after Ctrl+Q, expected 0")
    log("Ctrl+Q quit the application (exit status 0)")


# --- scenario --------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("outpost", help="the built outpost executable")
    parser.add_argument("--screenshot", required=True, help="PNG file to write")
    parser.add_argument("--schema-dir",
                        help="folder with the build's compiled GSettings schema")
    args = parser.parse_args()

    if not os.environ.get("DISPLAY"):
        raise Failure("DISPLAY is not set: run this under tests/ui/run-with-display.sh")
    if not os.access(args.outpost, os.X_OK):
        raise Failure(f"{args.outpost} is not an executable; build it first (ninja -C BUILD)")
    for tool, package in (("xdotool", "xdotool"), ("import", "imagemagick"),
                          ("identify", "imagemagick")):
        if shutil.which(tool) is None:
            raise Failure(f"{tool} is not installed (Debian package: {package})")
    if args.schema_dir and not os.path.exists(os.path.join(args.schema_dir,
                                                            "gschemas.compiled")):
        raise Failure(f"no gschemas.compiled in {args.schema_dir}: the build compiles the "
                      "schema there for tests (data/meson.build)")

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)

    profile = tempfile.mkdtemp(prefix="outpost-e2e-")
    proc = None
    try:
        env = fresh_environment(profile, args.schema_dir)
        log(f"starting {args.outpost} with a fresh profile in {profile}")
        proc = subprocess.Popen([args.outpost], env=env, stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        watch = StderrWatch(proc.stderr)
        watch.start()
        app, frames = wait_for_window(proc)
        log(f"application registered as {app.name!r} with {len(frames)} visible frame(s)")
        windows = [f for f in frames if f.name == TITLE]
        window = windows[0] if windows else frames[0]
        try:
            check_shell(window)
        except Failure:
            # What the window looked like is the first thing to ask about a failure.
            failed = os.path.splitext(args.screenshot)[0] + "-failed.png"
            try:
                screenshot(failed)
            except Failure as e:
                log(f"could not save {failed} either: {e}")
            raise
        # Let the first frames land before taking the picture.
        time.sleep(0.5)
        screenshot(args.screenshot)
        quit_with_ctrl_q(proc)
        watch.join(timeout=2)
        if watch.criticals:
            raise Failure("the app printed a GLib-CRITICAL: " + " | ".join(watch.criticals))
    finally:
        signal.alarm(0)
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    try:
        main()
    except (Failure, Timeout) as e:
        print(f"e2e-shell: FAIL: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    print("e2e-shell: PASS", flush=True)
