#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: the Files view against a real vsftpd with explicit TLS, driven like a user
# (and a screen reader) drives it: through the accessibility tree and the keyboard.
#
#   run-with-display.sh /usr/bin/python3 e2e-files.py OUTPOST --screenshot-dir DIR
#       [--schema-dir DIR]
#
# Needs the servers of tests/servers (`start --only vsftpd`, then `. RUNDIR/env`):
# OUTPOST_TEST_FTP_HOST, OUTPOST_TEST_VSFTPD_FTPS_PORT, _USER, _PASSWORD and _ROOT.
# Without them it exits 77 (skipped), or fails when OUTPOST_TEST_REQUIRE_SERVERS=1.
#
# Scenario: quick-connect through the fields named "Host", "Port", "Username",
# "Password" and the "Connect" button; trust the test CA's certificate in the trust
# dialog (always: the transfer sessions check it too); open a folder by typing its path
# (Ctrl+L) and see its files listed; download a file (Ctrl+Shift+D) and upload one (Ctrl+Shift+U) through the transfer
# queue, comparing SHA-256 on both sides; drag a file from the remote pane onto the local
# one where it exists, and answer the target-exists dialog with Overwrite; view/edit a
# remote file (Ctrl+E), save it and accept the offered upload; create a folder (Ctrl+Shift+N), rename it (F2)
# and delete it (Delete, confirmed), checking the server's disk after each step; save
# screenshots of the connected view and of the queue; then compare a local and a remote
# folder (Ctrl+O: rows marked "Only here", "Different size"…), synchronise local → remote
# with deletion (Ctrl+Shift+Y, the preview, "Synchronise") and see both trees equal, file
# by file (SHA-256). Whenever a dialog closes, a screen
# reader's questions follow (outpost_atspi.App.close_as_screen_reader). The app must not
# crash or print a GLib-CRITICAL: either fails the test, there is no rerun.

import argparse
import hashlib
import os
import shutil
import signal
import time

import pyatspi

from outpost_atspi import (App, AppDied, Failure, click, click_extents, dump, fill,
                           find, find_button, focus_top, focus_window, key, log, press,
                           require_vsftpd, run_main, screenshot, texts, type_text,
                           wait_for, xdo)

OVERALL_TIMEOUT = 210


def on_alarm(signum, frame):
    raise Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")


def center(acc):
    ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return ext.x + ext.width // 2, ext.y + ext.height // 2


def drag(source, target):
    """Press on @source, move in steps (GTK starts a drag after a threshold), release on
    @target."""
    (sx, sy), (tx, ty) = center(source), center(target)
    xdo("mousemove", str(sx), str(sy))
    time.sleep(0.2)
    xdo("mousedown", "1")
    for i in range(1, 21):
        xdo("mousemove", str(sx + (tx - sx) * i // 20), str(sy + (ty - sy) * i // 20))
        time.sleep(0.03)
    time.sleep(0.3)
    xdo("mouseup", "1")
    time.sleep(0.3)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# --- scenario ------------------------------------------------------------------------------

class Scenario:
    def __init__(self, app, args, server_dir, remote_dir):
        self.app = app                   # outpost_atspi.App
        self.pid = app.pid
        self.window = app.window
        self.profile = app.profile
        self.args = args
        self.server_dir = server_dir     # on the server's disk
        self.remote_dir = remote_dir     # as the client sees it

    def remote_table(self):
        return find(self.window, "Remote", roles=(pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE))

    def local_table(self):
        return find(self.window, "Local", roles=(pyatspi.ROLE_TABLE, pyatspi.ROLE_TREE_TABLE))

    def select(self, table, name):
        """Click the row showing @name (its name cell)."""
        def extents():
            # A refreshed listing rebinds the rows: a cell found a moment ago may be gone
            # by the time its extents are asked for, so both happen in the probe.
            cell = find(table(), name, roles=(pyatspi.ROLE_LABEL,))
            if cell is None:
                return None
            ext = cell.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
            return ext if ext.width > 0 and ext.height > 0 else None

        click_extents(wait_for(f"a row named {name!r}", extents, context=table))

    def remote_names(self):
        table = self.remote_table()
        return texts(table) if table is not None else []

    def site_manager_shortcut(self):
        """Ctrl+S right after start-up, wherever GTK put the focus (the header bar's menu
        button), opens the site manager; Escape closes it."""
        key("ctrl+s")
        wait_for("the site manager (Ctrl+S)", lambda: self.app.frame("Sites"),
                 context=self.app.app)
        focus_top(self.pid)
        self.app.close_as_screen_reader("the site manager", lambda: key("Escape"),
                                        lambda: self.app.frame("Sites") is None)
        focus_window(self.pid)
        log("Ctrl+S opened the site manager right after start-up; Escape closed it")

    def connect(self):
        host = os.environ["OUTPOST_TEST_FTP_HOST"]
        port = os.environ["OUTPOST_TEST_VSFTPD_FTPS_PORT"]
        user = os.environ["OUTPOST_TEST_VSFTPD_USER"]
        password = os.environ["OUTPOST_TEST_VSFTPD_PASSWORD"]

        fields = {}
        for name in ("Host", "Port", "Username", "Password"):
            acc = find(self.window, name, roles=(pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT,
                                                 pyatspi.ROLE_TEXT, pyatspi.ROLE_SPIN_BUTTON))
            if acc is None:
                raise Failure(f"no visible field with the accessible name {name!r}; the "
                              "window's tree:\n" + "\n".join(dump(self.window)))
            fields[name] = acc
        button = find(self.window, "Connect", roles=(pyatspi.ROLE_PUSH_BUTTON,))
        if button is None:
            raise Failure("no visible button named 'Connect'; the tree:\n" + "\n".join(dump(self.window)))

        fill(fields["Host"], host)
        fill(fields["Port"], port)
        fill(fields["Username"], user)
        fill(fields["Password"], password)
        log(f"quick connect: {user}@{host}:{port}, FTP with explicit TLS")
        press(button)

        # The test CA is not in the system store: the trust dialog asks.
        trust = wait_for("the trust dialog", lambda: self.app.dialog("Untrusted Certificate"),
                         context=self.app.app)
        fingerprint = [t for t in texts(trust) if ":" in t and len(t) > 60]
        # Always: the transfer queue opens sessions of its own, and "Trust Once" holds
        # for one connection only (DESIGN.md "Transport, TLS and trust").
        log(f"trust dialog shown ({len(fingerprint)} fingerprint line(s)); trusting always")
        always = find_button(trust, "Always Trust")
        if always is None:
            raise Failure("no 'Always Trust' button in the trust dialog:\n" + "\n".join(dump(trust)))
        self.app.close_as_screen_reader(
            "the trust dialog", lambda: press(always),
            lambda: self.app.dialog("Untrusted Certificate") is None)

        wait_for("the 'Connected' state", lambda: find(self.window, "Connected"),
                 context=lambda: self.window)
        if find(self.window, "Certificate", roles=(pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_PUSH_BUTTON)) is None:
            raise Failure("no TLS padlock ('Certificate' button) after connecting over TLS")
        log("connected over TLS, padlock shown")

    def go_to_remote(self, path):
        focus_window(self.pid)
        table = wait_for("the remote listing", self.remote_table, context=lambda: self.window)
        click(table)
        key("ctrl+l")
        type_text(path)
        key("Return")
        wait_for(f"the remote folder {path} listed",
                 lambda: "download.bin" in self.remote_names(),
                 context=lambda: self.remote_table() or self.window)
        click(self.remote_table())
        log(f"remote folder {path} listed: {sorted(set(self.remote_names()))[:8]}")

    def hidden_files(self):
        """vsftpd leaves dot files out of a plain LIST: "Show Hidden Files" on the remote
        pane must ask for them (LIST -a), not only stop filtering."""
        if ".hidden-e2e" in self.remote_names():
            raise Failure("a dot file is listed while 'Show Hidden Files' is off")
        # The remote pane's toggle: the nearest ancestor of the remote table holding one.
        pane = self.remote_table()
        toggle = None
        while toggle is None and pane is not None:
            pane = pane.parent
            toggle = find(pane, "Remote: Show Hidden Files",
                          roles=(pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_PUSH_BUTTON))
        if toggle is None:
            raise Failure("no 'Show Hidden Files' toggle in the remote pane:\n"
                          + "\n".join(dump(self.window)))
        press(toggle)
        wait_for("the dot file listed after 'Show Hidden Files'",
                 lambda: ".hidden-e2e" in self.remote_names(),
                 context=lambda: self.remote_table() or self.window)
        press(toggle)
        wait_for("the dot file filtered out again",
                 lambda: ".hidden-e2e" not in self.remote_names(),
                 context=lambda: self.remote_table() or self.window)
        click(self.remote_table())
        log("'Show Hidden Files' listed .hidden-e2e from vsftpd (LIST -a); off hides it")

    def answer(self, heading, button, text=None):
        dialog = wait_for(f"the dialog '{heading}'", lambda: self.app.dialog(heading),
                          context=self.app.app)
        focus_top(self.pid)
        if text is not None:
            key("ctrl+a")
            type_text(text)
        target = find_button(dialog, button)
        if target is None:
            raise Failure(f"no button {button!r} in the dialog {heading!r}:\n"
                          + "\n".join(dump(dialog)))
        self.app.close_as_screen_reader(f"the dialog {heading!r}", lambda: press(target),
                                        lambda: self.app.dialog(heading) is None)
        focus_window(self.pid)

    def transfers(self, home):
        source = os.path.join(self.server_dir, "download.bin")
        downloaded = os.path.join(home, "download.bin")
        self.select(self.remote_table, "download.bin")
        key("ctrl+shift+d")
        wait_for("the download in the local folder", lambda: os.path.exists(downloaded)
                 and os.path.getsize(downloaded) == os.path.getsize(source), timeout=30)
        if sha256(downloaded) != sha256(source):
            raise Failure("the downloaded file differs from the server's (SHA-256)")
        log(f"downloaded download.bin (Ctrl+Shift+D), SHA-256 {sha256(downloaded)[:16]}… matches")

        # The local pane shows what arrived (and settles before we click in it).
        wait_for("the download in the local pane",
                 lambda: "download.bin" in texts(self.local_table()))
        time.sleep(0.5)
        local = os.path.join(home, "upload.bin")
        uploaded = os.path.join(self.server_dir, "upload.bin")
        self.select(self.local_table, "upload.bin")
        key("ctrl+shift+u")
        wait_for("the upload on the server", lambda: os.path.exists(uploaded)
                 and os.path.getsize(uploaded) == os.path.getsize(local), timeout=30)
        wait_for("the upload listed in the remote pane",
                 lambda: "upload.bin" in self.remote_names())
        if sha256(uploaded) != sha256(local):
            raise Failure("the uploaded file differs from the local one (SHA-256)")
        log(f"uploaded upload.bin (Ctrl+Shift+U), SHA-256 {sha256(uploaded)[:16]}… matches")

        # Drag and drop: download.bin from the remote pane onto the local one, where it
        # exists already: the target-exists dialog asks, and Overwrite replaces it.
        with open(downloaded, "wb") as f:
            f.write(b"an older local copy")
        self.select(self.remote_table, "download.bin")
        drag(find(self.remote_table(), "download.bin", roles=(pyatspi.ROLE_LABEL,)),
             find(self.local_table(), "upload.bin", roles=(pyatspi.ROLE_LABEL,)))
        self.answer("“download.bin” Already Exists", "Overwrite")
        wait_for("the dragged download to replace the local copy",
                 lambda: os.path.getsize(downloaded) == os.path.getsize(source), timeout=30)
        if sha256(downloaded) != sha256(source):
            raise Failure("the file dragged over differs from the server's (SHA-256)")
        log("dragged download.bin onto the local pane; the target-exists dialog asked; "
            "Overwrite replaced it")

        # View or edit (Ctrl+E): downloaded to a private folder and opened with the
        # default app (there is none here: the pane says so); saving it offers to
        # upload it back.
        self.select(self.remote_table, "download.bin")
        key("ctrl+e")
        cache = os.path.join(self.profile, "cache", "outpost", "edit")
        copies = wait_for("the file downloaded for editing", lambda: [
            os.path.join(cache, d, "download.bin") for d in os.listdir(cache)
            if os.path.exists(os.path.join(cache, d, "download.bin"))
            and os.path.getsize(os.path.join(cache, d, "download.bin")) == os.path.getsize(source)]
            if os.path.isdir(cache) else None)
        edited = copies[0]
        time.sleep(1.0)
        with open(edited + ".tmp", "wb") as f:
            f.write(b"edited in an editor\n" * 100)
        os.replace(edited + ".tmp", edited)   # as editors save: write, then rename
        self.answer("Upload the Changed “download.bin”?", "Upload")
        wait_for("the edited file uploaded", lambda: sha256(source) == sha256(edited), timeout=30,
                 context=lambda: find(self.window, "Transfer Queue", roles=(pyatspi.ROLE_LIST,)))
        log("viewed/edited download.bin (Ctrl+E): saving it offered the upload, and the "
            "server has the edited file")

        # The server has the bytes before the client has the 226 reply, and a finished
        # transfer refreshes both panes (their rows are replaced) a moment later: wait
        # for the remote pane to list the edited size, and for the queue to say "Done".
        edited_size = "2.0\xa0kB"   # 2,000 bytes, as g_format_size() shows them
        wait_for("the remote pane to list the edited download.bin",
                 lambda: edited_size in self.remote_names(),
                 context=lambda: self.remote_table() or self.window)

        def finished_queue():
            queue = find(self.window, "Transfer Queue", roles=(pyatspi.ROLE_LIST,))
            if queue is None:
                return None
            return queue if len([t for t in texts(queue) if t.startswith("Done")]) >= 4 else None
        wait_for("the queue ('Transfer Queue') to show four finished transfers", finished_queue,
                 context=lambda: find(self.window, "Transfer Queue", roles=(pyatspi.ROLE_LIST,))
                 or self.window)
        screenshot(os.path.join(self.args.screenshot_dir, "files-queue.png"))
        log("the queue shows the four transfers as done")
        # Back to the remote pane: the folder operations act on the pane last used.
        self.select(self.remote_table, "download.bin")

    def recursive_permissions(self, folder):
        """Ctrl+Shift+P on the selected folder, recursive, files only: the files inside
        get the mode, the folders keep theirs."""
        owner = os.stat(folder)
        inner = os.path.join(folder, "inner")
        os.mkdir(inner, 0o755)
        files = [os.path.join(folder, "a.txt"), os.path.join(inner, "b.txt")]
        for path in files:
            with open(path, "w") as f:
                f.write("permissions\n")
            os.chmod(path, 0o644)
        for path in [inner] + files:
            os.chown(path, owner.st_uid, owner.st_gid)
        folder_mode = os.stat(folder).st_mode & 0o7777

        key("ctrl+shift+p")
        heading = "Permissions of “renamed by e2e”"
        dialog = wait_for("the permissions dialog", lambda: self.app.dialog(heading),
                          context=self.app.app)
        focus_top(self.pid)
        roles = (pyatspi.ROLE_CHECK_BOX, pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON)
        for name in ("Recurse into subfolders", "Apply to files only"):
            target = wait_for(f"the {name!r} option", lambda: find(dialog, name, roles=roles),
                              context=lambda: dialog)
            click(target)
        octal = find(dialog, "Octal Permissions")
        if octal is None:
            raise Failure("no octal field in the permissions dialog:\n" + "\n".join(dump(dialog)))
        fill(octal, "600")
        apply = find_button(dialog, "Apply")
        self.app.close_as_screen_reader("the permissions dialog", lambda: press(apply),
                                        lambda: self.app.dialog(heading) is None)
        focus_window(self.pid)
        wait_for("the files inside to get mode 600",
                 lambda: all(os.stat(p).st_mode & 0o7777 == 0o600 for p in files))
        if os.stat(folder).st_mode & 0o7777 != folder_mode \
                or os.stat(inner).st_mode & 0o7777 != 0o755:
            raise Failure("a folder's mode changed with \"Apply to files only\"")
        log("changed permissions recursively, files only (Ctrl+Shift+P)")

    def folder_operations(self):
        made = os.path.join(self.server_dir, "made by e2e")
        renamed = os.path.join(self.server_dir, "renamed by e2e")

        key("ctrl+shift+n")
        self.answer("New Folder", "Create", text="made by e2e")
        wait_for("the new folder on the server", lambda: os.path.isdir(made))
        wait_for("the new folder in the listing", lambda: "made by e2e" in self.remote_names())
        log("created a folder (Ctrl+Shift+N)")

        # The new folder is selected: F2 renames it.
        key("F2")
        self.answer("Rename", "Rename", text="renamed by e2e")
        wait_for("the renamed folder on the server",
                 lambda: os.path.isdir(renamed) and not os.path.exists(made))
        wait_for("the renamed folder in the listing",
                 lambda: "renamed by e2e" in self.remote_names())
        log("renamed it (F2)")

        self.recursive_permissions(renamed)

        screenshot(os.path.join(self.args.screenshot_dir, "files-connected.png"))

        key("Delete")
        self.answer("Delete “renamed by e2e”?", "Delete")
        wait_for("the folder gone from the server", lambda: not os.path.exists(renamed))
        wait_for("the folder gone from the listing",
                 lambda: "renamed by e2e" not in self.remote_names())
        log("deleted it (Delete, confirmed)")

    # --- folders side by side ------------------------------------------------------------

    def go_to(self, table, path, expect):
        focus_window(self.pid)
        click(wait_for("the pane's listing", table, context=lambda: self.window))
        key("ctrl+l")
        type_text(path)
        key("Return")
        wait_for(f"the folder {path} listed", lambda: expect in texts(table() or self.window),
                 context=lambda: table() or self.window)

    def synchronise(self, home):
        """Compare a local and a remote folder, then mirror local → remote with deletion:
        afterwards both trees hold the same files with the same bytes. (Not .txt: the
        quick connection's "Auto" type sends those in ASCII, and vsftpd here stores
        them with CRLF.)"""
        local = os.path.join(home, "sync-e2e")
        remote = os.path.join(self.server_dir, "sync-e2e")
        os.makedirs(os.path.join(local, "sub"))
        os.makedirs(os.path.join(remote, "sub"))
        files = {
            (local, "only-local.dat"): b"only here\n",
            (local, "differs.dat"): b"the local version, longer\n",
            (local, "same.dat"): b"same\n",
            (local, "sub/deep.bin"): os.urandom(50 * 1024),
            (remote, "differs.dat"): b"remote\n",
            (remote, "same.dat"): b"same\n",
            (remote, "only-remote.dat"): b"only there\n",
            (remote, "sub/gone.dat"): b"deleted by the mirror\n",
        }
        for (root, name), data in files.items():
            with open(os.path.join(root, name), "wb") as f:
                f.write(data)
        # Made by root here: the FTP user replaces and deletes them.
        for root, dirs, names in os.walk(remote):
            os.chmod(root, 0o777)
            for name in names:
                os.chmod(os.path.join(root, name), 0o666)

        self.go_to(self.local_table, local, "only-local.dat")
        self.go_to(self.remote_table, self.remote_dir + "/sync-e2e", "only-remote.dat")
        click(self.local_table())
        key("ctrl+o")
        wait_for("the local pane's comparison marks",
                 lambda: "Only here" in texts(self.local_table())
                 and "Different size" in texts(self.local_table()),
                 context=lambda: self.local_table())
        wait_for("the remote pane's comparison marks",
                 lambda: "Only here" in texts(self.remote_table()),
                 context=lambda: self.remote_table())
        screenshot(os.path.join(self.args.screenshot_dir, "files-compare-e2e.png"))
        log("Ctrl+O compared the folders: 'Only here' and 'Different size' in both panes")

        key("ctrl+shift+y")
        dialog = wait_for("the synchronise dialog", lambda: self.app.frame("Synchronise Folders"),
                          context=self.app.app)
        focus_top(self.pid)
        switch = wait_for("the deletion switch",
                          # The switch, or its row (activating the row flips it).
                          lambda: find(dialog, "Delete What Only the Target Has"),
                          context=lambda: dialog)
        click(switch)
        wait_for("the preview with the deletions",
                 lambda: any(t.startswith("Delete “only-remote.dat”") for t in texts(dialog))
                 and any(t.startswith("Delete “sub/gone.dat”") for t in texts(dialog))
                 and any(t.startswith("Copy “only-local.dat”") for t in texts(dialog))
                 and any(t.startswith("Replace “differs.dat”") for t in texts(dialog)),
                 context=lambda: dialog)
        button = find_button(dialog, "Synchronise")
        if button is None:
            raise Failure("no 'Synchronise' button:\n" + "\n".join(dump(dialog)))
        self.app.close_as_screen_reader(
            "the synchronise dialog", lambda: press(button),
            lambda: self.app.frame("Synchronise Folders") is None)
        focus_window(self.pid)

        def tree(root):
            out = {}
            for d, _, names in os.walk(root):
                for name in names:
                    path = os.path.join(d, name)
                    out[os.path.relpath(path, root)] = sha256(path)
            return out
        wait_for("both trees equal (SHA-256 per file)", lambda: tree(local) == tree(remote),
                 timeout=60)
        log(f"synchronised local → remote with deletion (Ctrl+Shift+Y): {len(tree(local))} "
            "files alike on both sides, SHA-256 each")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("--screenshot-dir", required=True)
    parser.add_argument("--schema-dir")
    args = parser.parse_args()
    require_vsftpd()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(OVERALL_TIMEOUT)
    # A folder of our own on the server, so parallel runs never meet.
    name = f"e2e-files-{os.getpid()}"
    server_dir = os.path.join(os.environ["OUTPOST_TEST_VSFTPD_ROOT"], name)
    os.makedirs(server_dir)
    with open(os.path.join(server_dir, "download.bin"), "wb") as f:
        f.write(os.urandom(300 * 1024))
    # Made by root here; the FTP user replaces it later (view/edit, then upload).
    os.chmod(os.path.join(server_dir, "download.bin"), 0o666)
    with open(os.path.join(server_dir, ".hidden-e2e"), "wb") as f:
        f.write(b"a dot file")
    os.chmod(os.path.join(server_dir, ".hidden-e2e"), 0o644)
    os.chmod(server_dir, 0o777)

    try:
        with App(args.outpost, args.schema_dir) as app:
            with open(os.path.join(app.home, "upload.bin"), "wb") as f:
                f.write(os.urandom(200 * 1024 + 7))
            app.start()
            scenario = Scenario(app, args, server_dir, "/" + name)
            try:
                scenario.site_manager_shortcut()
                scenario.connect()
                scenario.go_to_remote("/" + name)
                scenario.hidden_files()
                scenario.transfers(app.home)
                scenario.folder_operations()
                scenario.synchronise(app.home)
                app.check_alive("at the end of the scenario")
            except AppDied:
                screenshot(os.path.join(args.screenshot_dir, "files-failed.png"))
                raise
            except Exception as e:
                screenshot(os.path.join(args.screenshot_dir, "files-failed.png"))
                # A crash is a failure like any other (issue 20 ended the rerun); say it
                # first when a step lost its way because the app died.
                app.check_alive(f"during the scenario (the step said: {e})")
                raise
    finally:
        signal.alarm(0)
        shutil.rmtree(server_dir, ignore_errors=True)


if __name__ == "__main__":
    run_main(main)
