#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Accessibility audit: every view of the window (Files, Mail, News, Console) is shown in
# turn and the whole AT-SPI tree of every window of the app is walked, as a screen reader
# does. It fails on
#   - an interactive control (button, toggle, check box, radio button, entry, spin button,
#     combo box, slider, link, menu item, tab, and a list or table row or cell that can be
#     focused or activated) without an accessible name, and on
#   - two interactive controls of one window with the same role and name (a screen reader
#     user could not tell them apart: names say which pane they belong to).
#
#   run-with-display.sh /usr/bin/python3 e2e-a11y-audit.py OUTPOST [--schema-dir DIR]
#
# GTK 4.8 reports every page of a stack as visible (the views of the window, the Console's
# tabs): two controls on different pages of one stack are never on screen together and do
# not count as alike. The pieces GTK builds into one control (a drop-down's button, a menu
# button's toggle) count as that control.
#
# Data: with vsftpd from tests/servers (its variables set), the Files view is connected
# to it first (quick connect, explicit TLS, "Always Trust"), so its remote listing and
# transfer log are audited filled; the Console gets a TCP server tab and a client tab.
# Mail and News are audited as a new profile shows them (no account, no server).
# Without vsftpd the Files view is audited unconnected, or the test fails when
# OUTPOST_TEST_REQUIRE_SERVERS=1.

import argparse
import os
import re
import signal
import time

import pyatspi

from outpost_atspi import (App, Failure, VSFTPD_VARIABLES, children, click, fill, find,
                           find_button, focus_top, focus_window, is_visible, log, press,
                           run_main, wait_for, walk)

TIMEOUT = 240

# Roles a person operates (and editable text). Rows, cells and tree items count when
# AT-SPI says they can be focused or activated.
CONTROL_ROLES = {
    pyatspi.ROLE_PUSH_BUTTON, pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_CHECK_BOX,
    pyatspi.ROLE_RADIO_BUTTON, pyatspi.ROLE_ENTRY, pyatspi.ROLE_PASSWORD_TEXT,
    pyatspi.ROLE_SPIN_BUTTON, pyatspi.ROLE_COMBO_BOX, pyatspi.ROLE_SLIDER,
    pyatspi.ROLE_LINK, pyatspi.ROLE_MENU_ITEM, pyatspi.ROLE_CHECK_MENU_ITEM,
    pyatspi.ROLE_RADIO_MENU_ITEM, pyatspi.ROLE_PAGE_TAB,
}
ITEM_ROLES = {pyatspi.ROLE_LIST_ITEM, pyatspi.ROLE_TABLE_ROW, pyatspi.ROLE_TREE_ITEM,
              pyatspi.ROLE_TABLE_CELL}
# Not SELECTABLE: GTK 4.8 says it of every grid cell, of a layout-only GtkFlowBox too.
ITEM_STATES = (pyatspi.STATE_FOCUSABLE,)


def is_editable_text(acc, role):
    return role == pyatspi.ROLE_TEXT and acc.getState().contains(pyatspi.STATE_EDITABLE)


def is_control(acc):
    role = acc.getRole()
    if role in CONTROL_ROLES or is_editable_text(acc, role):
        return True
    if role in ITEM_ROLES:
        state = acc.getState()
        if any(state.contains(s) for s in ITEM_STATES):
            return True
        try:
            return acc.queryAction().nActions > 0
        except NotImplementedError:
            return False
    return False


def path_of(acc, limit=6):
    """Where @acc sits: its named ancestors, nearest last, so a failure says which pane."""
    names = []
    node = acc.parent
    while node is not None and len(names) < limit:
        try:
            if node.name:
                names.append(f"{node.getRoleName()} {node.name!r}")
            if node.getRole() == pyatspi.ROLE_FRAME:
                break
            node = node.parent
        except Exception:
            break
    return " < ".join(names)


# GTK 4.8 names an accessible that has no label after its widget's type ("GtkButton",
# "GtkListItemWidget"): to a screen reader user that is no name at all.
TYPE_NAME = re.compile(r"^(Gtk|Adw|Op)[A-Z][A-Za-z]*$")


def on_screen(acc):
    """VISIBLE and with an area: the child of a squeezer that is not shown (the narrow
    view switcher) and a bar that is not revealed are VISIBLE in GTK 4.8 but have no
    size."""
    if not is_visible(acc):
        return False
    ext = acc.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return ext.width > 0 and ext.height > 0


def part_of_another(acc, role, name):
    """GTK's own pieces of one control: a GtkMenuButton shows up as a push button holding
    its toggle button, both with the button's name, and a GtkDropDown (combo box) holds
    an unnamed toggle button. The outer one is the control, named by the app."""
    parent = acc.parent
    if parent is None:
        return False
    if parent.getRole() == pyatspi.ROLE_COMBO_BOX:
        return True
    return parent.getRole() == role and (parent.name or "").strip() == name


def controls(acc, view_stack, pages=()):
    """Every control under @acc with the stack pages it sits on: ((stack, page), …), each
    stack an index path from the window. GTK 4.8 reports every page of a GtkStack (the
    Console's tabs) and every view of the window's AdwViewStack (@view_stack) as
    visible, though one page of a stack is shown at a time: two controls on different
    pages of one stack are never on screen together."""
    here_path = None
    for i, child in enumerate(children(acc)):
        try:
            here = pages
            if child.getRole() == pyatspi.ROLE_PANEL and child.name == "GtkStackPage":
                here_path = here_path or id_path(acc)
                here = pages + ((here_path, i),)
            elif view_stack is not None and acc == view_stack:
                here = pages + (("views", i),)
            if is_control(child) and on_screen(child):
                yield child, here
        except Exception:
            continue   # gone while walked (rows being replaced)
        yield from controls(child, view_stack, here)


def find_view_stack(frame):
    """The main window's AdwViewStack: libadwaita 1.2 has no page objects in the tree;
    the views are its children, the Files view among them."""
    for acc in walk(frame):
        try:
            if acc.name == "OpFilesView":
                return acc.parent
        except Exception:
            continue
    return None


def id_path(acc):
    path = []
    node = acc
    while node is not None and node.getRole() != pyatspi.ROLE_FRAME:
        path.append(node.getIndexInParent())
        node = node.parent
    return tuple(reversed(path))


def together(pages_a, pages_b):
    """Whether two controls can be on screen at once: the same page of every stack both
    are in."""
    a = dict(pages_a)
    return all(a.get(stack, page) == page for stack, page in pages_b)


def audit_window(frame, where):
    """The problems of one top-level window, and how many controls it has."""
    problems = []
    seen = {}
    n = 0
    for acc, pages in controls(frame, find_view_stack(frame)):
        try:
            role = acc.getRole()
            role_name = acc.getRoleName()
            name = (acc.name or "").strip()
            if part_of_another(acc, role, name):
                continue
            inside = path_of(acc)
        except Exception:
            continue   # gone while walked
        n += 1
        if not name or TYPE_NAME.match(name):
            problems.append(f"{where}: a {role_name} without an accessible name"
                            + (f" (GTK calls it {name})" if name else "") + f", in {inside}")
            continue
        for other_pages, other_inside in seen.get((role_name, name), []):
            if together(pages, other_pages):
                problems.append(f"{where}: two controls are a {role_name} named {name!r}: "
                                f"in {other_inside}, and in {inside}")
                break
        seen.setdefault((role_name, name), []).append((pages, inside))
    return problems, n


def audit(app, where):
    problems = []
    total = 0
    for frame in children(app.app()):
        if not is_visible(frame):
            continue
        found, n = audit_window(frame, f"{where}, window {frame.name!r}")
        problems += found
        total += n
    app.check_alive(f"while the tree was audited ({where})")
    log(f"{where}: {total} controls, {len(problems)} problems")
    for problem in problems:
        log(f"  {problem}")
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
