# SPDX-License-Identifier: GPL-3.0-or-later
#
# What the end-to-end scripts of tests/ui share: the built app started with a fresh
# profile and watched (its stderr copied, a GLib-CRITICAL or a crash fails the test), the
# accessibility tree walked and searched like a screen reader does, X input through
# xdotool, and a keyring for the app's passwords. Imported by the e2e-*.py scripts (the
# script's own folder is first on sys.path).

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import pyatspi

APPEAR_TIMEOUT = 25
STEP_TIMEOUT = 20
SKIP = 77

# What the servers of tests/servers export for vsftpd (`start --only vsftpd`).
VSFTPD_VARIABLES = ["OUTPOST_TEST_FTP_HOST", "OUTPOST_TEST_VSFTPD_PORT",
                    "OUTPOST_TEST_VSFTPD_FTPS_PORT", "OUTPOST_TEST_VSFTPD_USER",
                    "OUTPOST_TEST_VSFTPD_PASSWORD", "OUTPOST_TEST_VSFTPD_ROOT"]


class Failure(Exception):
    pass


class AppDied(Failure):
    """The app crashed, exited or printed a GLib-CRITICAL (App.check_alive)."""


_prefix = os.path.splitext(os.path.basename(sys.argv[0]))[0]


def log(msg):
    print(f"{_prefix}: {msg}", flush=True)


def require_servers(variables, servers):
    """Exits 77 (skipped) when one of @variables (what tests/servers/start exports for
    @servers, "vsftpd") is missing, or fails when OUTPOST_TEST_REQUIRE_SERVERS=1 (as
    `build-aux/dev test` and CI set it, and the C tests honour it:
    tests/servers/README.md)."""
    missing = [n for n in variables if not os.environ.get(n)]
    if not missing:
        return
    what = f"no {servers} (set by tests/servers/start; missing {', '.join(missing)})"
    if os.environ.get("OUTPOST_TEST_REQUIRE_SERVERS") == "1":
        raise Failure(f"{what}, and OUTPOST_TEST_REQUIRE_SERVERS=1 says the servers must run")
    log(f"SKIP: {what}")
    sys.exit(SKIP)


def require_vsftpd():
    require_servers(VSFTPD_VARIABLES, "vsftpd")


# --- accessibility tree ------------------------------------------------------------------

def is_visible(acc):
    return acc.getState().contains(pyatspi.STATE_VISIBLE)


def children(acc):
    try:
        count = acc.childCount
    except Exception:
        # Gone while we walked (a listing's rows being replaced): AT-SPI says "The
        # application no longer exists" about it, though the app runs on. No children.
        return
    for i in range(count):
        try:
            child = acc.getChildAtIndex(i)
        except Exception:
            continue
        if child is not None:
            yield child


def walk(acc):
    yield acc
    for child in children(acc):
        yield from walk(child)


def describe(acc):
    states = sorted(pyatspi.stateToString(s) for s in acc.getState().getStates())
    return f"{acc.getRoleName()} {acc.name!r} [{', '.join(states)}]"


def dump(acc, depth=0, out=None, limit=400):
    out = [] if out is None else out
    if len(out) >= limit:
        return out
    out.append("  " * depth + describe(acc))
    for child in children(acc):
        dump(child, depth + 1, out, limit)
    return out


def find_application(pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in children(desktop):
        try:
            if app.get_process_id() == pid or (os.environ.get("OUTPOST_E2E_GDB")
                                                and app.name == "outpost"):
                return app
        except Exception:
            continue
    return None


def wait_for(what, probe, timeout=STEP_TIMEOUT, context=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            result = probe()
        except Exception as e:
            # An accessible that went away while we looked (a closing dialog, rows of a
            # listing being replaced): look again.
            log(f"(while waiting for {what}: {e}; retrying)")
            result = None
        if result:
            return result
        time.sleep(0.2)
    extra = ""
    if context is not None:
        extra = "; the tree:\n" + "\n".join(dump(context()))
    raise Failure(f"{what} did not happen within {timeout} s{extra}")


def find(root, name, roles=None, visible=True):
    for acc in walk(root):
        try:
            if acc.name == name and (roles is None or acc.getRole() in roles) \
                    and (not visible or is_visible(acc)):
                return acc
        except Exception:
            continue
    return None


def find_prefix(root, prefix, role=None):
    """A visible accessible whose name starts with @prefix: GTK 4.8 appends a labelled
    widget's label text to its accessible label ("News: Add Server _Add Add", "Mail: To
    To")."""
    for acc in walk(root):
        try:
            if acc.name.startswith(prefix) and is_visible(acc) \
                    and (role is None or acc.getRole() == role):
                return acc
        except Exception:
            continue
    return None


def find_button(root, label):
    """A push button showing @label. GTK 4.8 names a button whose label has a mnemonic
    after both the label property and the label child ("Trust _Once Trust Once"), as
    AdwMessageDialog's responses are; match either form."""
    for acc in walk(root):
        try:
            if acc.getRole() == pyatspi.ROLE_PUSH_BUTTON and is_visible(acc) \
                    and (acc.name == label or acc.name.endswith(" " + label)):
                return acc
        except Exception:
            continue
    return None


def texts(root):
    """Every label's text under @root (the cells of a column view are labels)."""
    out = []
    for acc in walk(root):
        try:
            if acc.getRole() == pyatspi.ROLE_LABEL and acc.name:
                out.append(acc.name)
        except Exception:
            continue
    return out


def press(acc):
    action = acc.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in ("click", "press", "activate"):
            action.doAction(i)
            return
    action.doAction(0)


def read_everything(root):
    """Reads every node under @root as a screen reader reviewing the window does: name,
    role, state, description and child count. Returns how many nodes it read. Nodes that
    go away meanwhile (rows being replaced) are skipped; a dead app is not (the caller
    checks the process)."""
    n = 0
    for acc in walk(root):
        try:
            acc.name
            acc.getRoleName()
            acc.getState()
            acc.description
            acc.childCount
        except Exception:
            continue
        n += 1
    return n


# --- X -----------------------------------------------------------------------------------

def run(cmd):
    return subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=15)


def xdo(*args):
    r = run(["xdotool", *args])
    if r.returncode != 0:
        raise Failure(f"xdotool {' '.join(args)} failed: {r.stderr.strip()}")
    return r.stdout


def main_window_id(pid):
    """The main window's X id: the visible one of @pid titled "Outpost" (tooltips,
    popovers and dialogs are windows of their own)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        mine = set(run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)]).stdout.split())
        named = run(["xdotool", "search", "--onlyvisible", "--name", "^Outpost$"]).stdout.split()
        ids = [i for i in named if i in mine]
        if ids:
            return ids[0]
        time.sleep(0.2)
    raise Failure(f"no visible window titled 'Outpost' belongs to pid {pid}")


def focus_window(pid):
    wid = main_window_id(pid)
    xdo("windowfocus", "--sync", wid)
    return wid


def focus_top(pid):
    """Xvfb runs no window manager: give the dialog (a window other than the main one)
    the keyboard."""
    main_id = main_window_id(pid)
    ids = [i for i in run(["xdotool", "search", "--onlyvisible", "--pid", str(pid)]).stdout.split()
           if i != main_id]
    if ids:
        run(["xdotool", "windowfocus", "--sync", ids[-1]])


def key(*keys):
    xdo("key", "--clearmodifiers", *keys)
    time.sleep(0.15)


def type_text(text):
    xdo("type", "--delay", "20", text)
    time.sleep(0.1)


def click(acc):
    """Click the middle of @acc. GTK 4.8 on X11 reports extents relative to the
    top-level ("Screen coordinates not supported"); without a window manager the main
    window sits at the origin, so they are screen coordinates too."""
    ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    if ext.width <= 0 or ext.height <= 0:
        raise Failure(f"{describe(acc)} has no extents to click")
    click_extents(ext)


def click_extents(ext):
    # No --sync: it waits for a motion event forever when the pointer is already there.
    xdo("mousemove", str(ext.x + ext.width // 2), str(ext.y + ext.height // 2))
    xdo("click", "1")
    time.sleep(0.2)


def reveal(acc):
    """Scrolls @acc into its scrolled window's view with the mouse wheel, as a user
    does before clicking a field below the fold (a dialog's page taller than the
    dialog). Fails when it does not come into view."""
    pane = acc.parent
    while pane is not None and pane.getRole() != pyatspi.ROLE_SCROLL_PANE:
        pane = pane.parent
    if pane is None:
        return
    view = pane.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    for _ in range(60):
        ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
        if ext.y >= view.y and ext.y + ext.height <= view.y + view.height:
            return
        xdo("mousemove", str(view.x + view.width // 2), str(view.y + view.height // 2))
        xdo("click", "5" if ext.y + ext.height > view.y + view.height else "4")
        time.sleep(0.1)
    raise Failure(f"{describe(acc)} did not scroll into view")


def fill(acc, text):
    reveal(acc)
    click(acc)
    key("ctrl+a")
    type_text(text)


def screenshot(path):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    r = run(["import", "-window", "root", path])
    if r.returncode != 0 or not os.path.exists(path):
        raise Failure(f"import -window root {path} failed: {r.stderr.strip()}")
    log(f"screenshot saved: {path}")


class Keyring:
    """gnome-keyring-daemon unlocked with a throwaway password in this D-Bus session
    (run-with-display.sh starts none: README), so the app stores the server's password
    as with a desktop session, and no keyring prompt window takes the keyboard."""

    def __enter__(self):
        self.home = tempfile.mkdtemp(prefix="outpost-e2e-keyring-")
        env = dict(os.environ, HOME=self.home, XDG_DATA_HOME=os.path.join(self.home, "data"),
                   XDG_CONFIG_HOME=os.path.join(self.home, "config"))
        self.proc = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                                      "--components=secrets"], env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.proc.stdin.write(b"pw")
        self.proc.stdin.close()
        wait_for("the keyring on the session bus", lambda: subprocess.run(
            ["gdbus", "call", "--session", "--dest", "org.freedesktop.DBus", "--object-path",
             "/org/freedesktop/DBus", "--method", "org.freedesktop.DBus.NameHasOwner",
             "org.freedesktop.secrets"], capture_output=True, text=True).stdout.find("true") >= 0)
        return self

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(timeout=5)
        shutil.rmtree(self.home, ignore_errors=True)
        return False


# --- the app -------------------------------------------------------------------------------

# What GLib prints for g_critical() and a failed g_return_if_fail(): from the app, always a
# bug (GTK 4.8's AT-SPI crash announces itself this way too), so it fails the test.
CRITICAL = b"-CRITICAL **"


class StderrWatch(threading.Thread):
    """Copies the app's stderr to ours and keeps every GLib-CRITICAL line."""

    def __init__(self, stream):
        super().__init__(daemon=True)
        self.stream = stream
        self.criticals = []

    def run(self):
        for line in iter(self.stream.readline, b""):
            if CRITICAL in line:
                self.criticals.append(line.decode(errors="replace").strip())
            sys.stderr.buffer.write(line)
            sys.stderr.flush()


def fresh_environment(profile, schema_dir):
    env = dict(os.environ)
    for name in ("config", "data", "cache", "state", "home"):
        os.makedirs(os.path.join(profile, name), mode=0o700)
    env["XDG_CONFIG_HOME"] = os.path.join(profile, "config")
    env["XDG_DATA_HOME"] = os.path.join(profile, "data")
    env["XDG_CACHE_HOME"] = os.path.join(profile, "cache")
    env["XDG_STATE_HOME"] = os.path.join(profile, "state")
    env["HOME"] = os.path.join(profile, "home")
    # The strings the tests look for are the English ones.
    env.pop("LANGUAGE", None)
    env["LC_ALL"] = "C.UTF-8"
    # Nothing persists between runs: a first start every time.
    env["GSETTINGS_BACKEND"] = "memory"
    if schema_dir:
        env["GSETTINGS_SCHEMA_DIR"] = schema_dir
    return env


SCAN_SECRETS = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "support",
                            "scan-secrets")


def scan_profile(profile):
    """Fails when a test server's password (any OUTPOST_TEST_*_PASSWORD, tests/servers) or
    its SASL blob is anywhere in @profile: settings, accounts, stores, caches, logs. The
    Secret Service's own keyring files are where passwords belong and are left out."""
    if not any(k.startswith("OUTPOST_TEST_") and k.endswith("_PASSWORD") and v
               for k, v in os.environ.items()):
        return
    r = subprocess.run([sys.executable, SCAN_SECRETS,
                        "--skip", os.path.join(profile, "data", "keyrings"), profile],
                       capture_output=True, text=True)
    if r.returncode == 1:
        raise Failure("a test password was found in the app's profile:\n" + r.stdout.strip())
    if r.returncode != 0:
        raise Failure(f"scan-secrets failed: {r.stderr.strip()}")
    log(r.stderr.strip())


class App:
    """The built app with a fresh profile, its main window found through AT-SPI; a
    context manager that ends it, scans the profile for the test passwords (scan_profile)
    and removes it. check_alive() fails the test
    when the app has died or printed a GLib-CRITICAL."""

    def __init__(self, outpost, schema_dir):
        self.outpost = outpost
        self.schema_dir = schema_dir
        self.profile = None
        self.proc = None
        self.watch = None
        self.pid = None
        self.window = None

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="outpost-e2e-")
        self.env = fresh_environment(self.profile, self.schema_dir)
        self.home = self.env["HOME"]
        return self

    def start(self):
        command = [self.outpost]
        if os.environ.get("OUTPOST_E2E_GDB"):
            # Debugging a crash: the backtrace lands in the test log.
            command = ["gdb", "-q", "-batch", "-ex", "run", "-ex", "bt", "--args", self.outpost]
        self.proc = subprocess.Popen(command, env=self.env, stdin=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.watch = StderrWatch(self.proc.stderr)
        self.watch.start()
        deadline = time.monotonic() + APPEAR_TIMEOUT
        while self.window is None and time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure(f"outpost exited with status {self.proc.returncode} before its "
                              "window appeared")
            app = find_application(self.proc.pid)
            if app is not None:
                self.window = next((c for c in children(app)
                                    if c.getRole() == pyatspi.ROLE_FRAME and is_visible(c)),
                                   None)
            time.sleep(0.2)
        if self.window is None:
            raise Failure("the application's window did not appear")
        self.pid = find_application(self.proc.pid).get_process_id()
        focus_window(self.pid)
        return self

    def app(self):
        return find_application(self.pid)

    def check_alive(self, when):
        state = self.proc.poll()
        if state is not None:
            self.watch.join(timeout=2)
            how = f"died of signal {-state}" if state < 0 else f"exited with status {state}"
            raise AppDied(f"the app {how} {when}"
                          + (f" after {self.watch.criticals[0]!r}" if self.watch.criticals else ""))
        if self.watch.criticals:
            raise AppDied(f"the app printed a GLib-CRITICAL {when}: "
                          + " | ".join(self.watch.criticals))

    def frame(self, title):
        """A visible top-level window of the app titled @title."""
        return next((c for c in children(self.app())
                     if c.name == title and is_visible(c)),
                    None)

    def dialog(self, heading_part):
        """A top-level dialog whose labels mention @heading_part."""
        for frame in children(self.app()):
            if frame == self.window or not is_visible(frame):
                continue
            if any(heading_part in t for t in texts(frame)):
                return frame
        return None

    def close_as_screen_reader(self, what, close, gone):
        """Runs @close (which answers or closes the dialog @what), then does what a screen
        reader does around it: it counted the app's windows while the dialog was open,
        and asks for each of them by that count once the dialog has gone (@gone returns
        True) — GTK 4.8 answers an index past the visible windows with the last toplevel,
        and crashes when that one is hidden (README "Windows and the accessibility
        tree") — then reads the whole tree again. The app must live through it without
        a GLib-CRITICAL."""
        app = self.app()
        counted = app.childCount
        close()
        wait_for(f"{what} to close", gone)
        for i in range(counted):
            try:
                app.getChildAtIndex(i)
            except Exception:
                # The app's answer (or its absence) is judged below.
                pass
        nodes = read_everything(app)
        self.check_alive(f"when a screen reader read the window after {what} closed")
        log(f"{what} closed; a screen reader asked for the {counted} window(s) it had "
            f"counted and read {nodes} accessibles: the app lives")

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.watch is not None:
            self.watch.join(timeout=2)
        try:
            if exc[0] is None:
                scan_profile(self.profile)
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)
        return False


def run_main(main):
    """Runs @main, turning a Failure into a FAIL line and exit status 1."""
    try:
        main()
    except Failure as e:
        print(f"{_prefix}: FAIL: {e}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"{_prefix}: PASS", flush=True)
    signal.alarm(0)
