# SPDX-License-Identifier: GPL-3.0-or-later
#
# The accessibility audit's rules (issue 18), shared by e2e-a11y-audit.py (every view of a
# new profile, Files connected) and e2e-demo.py (every view with the demo's data loaded).
# audit_application() walks every window of the app, as a screen reader does, and returns
# one line per problem:
#   - an interactive control (button, toggle, check box, radio button, entry, spin button,
#     combo box, slider, link, menu item, tab, and a list or table row or cell that can be
#     focused or activated) without an accessible name;
#   - two interactive controls of one window with the same role and name (a screen reader
#     user could not tell them apart: names say which pane they belong to).
#
# GTK 4.8 reports every page of a stack as visible (the views of the window, the Console's
# tabs): two controls on different pages of one stack are never on screen together and do
# not count as alike. The pieces GTK builds into one control (a drop-down's button, a menu
# button's toggle) count as that control.

import re

import pyatspi

from outpost_atspi import children, is_visible, log, walk

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


def audit_application(application, where):
    """The problems of every visible window of @application (its AT-SPI accessible)."""
    problems = []
    total = 0
    for frame in children(application):
        if not is_visible(frame):
            continue
        found, n = audit_window(frame, f"{where}, window {frame.name!r}")
        problems += found
        total += n
    log(f"{where}: {total} controls, {len(problems)} problems")
    for problem in problems:
        log(f"  {problem}")
    return problems
