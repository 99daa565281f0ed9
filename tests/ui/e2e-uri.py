#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# End-to-end: `outpost URI` as the desktop runs it for a scheme the desktop file declares
# (data/io.github.outpost.Outpost.desktop.in, Exec=outpost %U), one scheme per run:
#
#   run-with-display.sh /usr/bin/python3 e2e-uri.py OUTPOST SCHEME [--schema-dir DIR]
#
#   ftp          ftp://127.0.0.1:PORT/pub/  → the Files page, FTP with explicit TLS,
#                host and port filled, the connection attempted (nothing listens there)
#   ftps         ftps://127.0.0.1:PORT/     → the Files page, implicit FTPS
#   mailto       mailto:ada@example.test?subject=Hello → a composer window with To and
#                Subject filled
#   unsupported  gopher://example.test/     → the "Can't Open Address" dialog that names
#                the address and says gopher is not supported
#
# The address is passed on the command line of a fresh app, so the first instance opens
# it (GApplication's open, as a desktop launch through the desktop file does).

import argparse
import signal
import socket
import subprocess
import urllib.parse

import pyatspi

from outpost_atspi import (App, Failure, StderrWatch, children, dump, find_application,
                           find_button, find_prefix, is_visible, log, run_main, texts,
                           wait_for, walk)

OVERALL_TIMEOUT = 90


def free_port():
    """A loopback port nothing listens on (bound, then closed): the connection attempt
    fails at once instead of waiting for a remote host."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def selected_page(window):
    """The name of the view switcher's selected page tab."""
    for acc in walk(window):
        try:
            if acc.getRole() == pyatspi.ROLE_PAGE_TAB \
                    and acc.getState().contains(pyatspi.STATE_SELECTED):
                return acc.name
        except Exception:
            continue
    return None


def entry_text(acc):
    t = acc.queryText()
    return t.getText(0, t.characterCount)


class UriApp(App):
    def start_with(self, uri):
        self.proc = subprocess.Popen([self.outpost, uri], env=self.env, stdin=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        self.watch = StderrWatch(self.proc.stderr)
        self.watch.start()

        def main_window():
            app = find_application(self.proc.pid)
            if app is None:
                return None
            return next((c for c in children(app) if c.name == "Outpost" and is_visible(c)), None)

        self.window = wait_for("the main window", main_window, timeout=25)
        self.pid = self.proc.pid
        return self


def check_files(app, uri, protocol, host, port):
    wait_for("the Files page to be the selected view",
             lambda: selected_page(app.window) == "Files",
             context=lambda: app.window)

    def filled():
        entries = {a.name: a for a in walk(app.window)
                   if a.getRole() == pyatspi.ROLE_TEXT and is_visible(a)}
        host_entry = next((a for n, a in entries.items() if n.startswith("Host")), None)
        port_entry = next((a for n, a in entries.items() if n.startswith("Port")), None)
        return (host_entry is not None and entry_text(host_entry) == host
                and port_entry is not None and entry_text(port_entry) == str(port))

    wait_for(f"Host {host} and Port {port} from {uri}", filled, context=lambda: app.window)
    wait_for(f"the protocol '{protocol}'", lambda: any(protocol in t for t in texts(app.window)),
             context=lambda: app.window)
    # Nothing listens on the port: the connection was attempted and its failure is shown.
    wait_for("the refused connection to be reported",
             lambda: any("refused" in t.lower() for t in texts(app.window)),
             context=lambda: app.window)
    log(f"{uri}: the Files page, {protocol}, {host}:{port}, the connection attempted")


def check_mailto(app):
    uri = "mailto:ada@example.test?subject=Hello%20from%20the%20desktop"

    def composer():
        for frame in children(app.app()):
            if frame != app.window and is_visible(frame) \
                    and find_prefix(frame, "Mail: To", pyatspi.ROLE_TEXT) is not None:
                return frame
        return None

    frame = wait_for("a composer window", composer,
                     context=lambda: next((f for f in children(app.app()) if f != app.window),
                                          app.app()))
    to = find_prefix(frame, "Mail: To", pyatspi.ROLE_TEXT)
    subject = find_prefix(frame, "Mail: Subject", pyatspi.ROLE_TEXT)
    if to is None or entry_text(to) != "ada@example.test":
        raise Failure(f"To is {entry_text(to)!r}, expected 'ada@example.test'; the window:\n"
                      + "\n".join(dump(frame)))
    if subject is None or entry_text(subject) != "Hello from the desktop":
        raise Failure(f"Subject is {subject and entry_text(subject)!r}; the window:\n"
                      + "\n".join(dump(frame)))
    log(f"{uri}: a composer with To and Subject filled")
    return uri


def check_refused(app, uri, expected):
    """The Can't Open Address dialog says @expected about @uri, and closes."""
    dialog = wait_for("the Can't Open Address dialog", lambda: app.dialog("Can't Open Address"),
                      context=lambda: app.app())
    if expected not in texts(dialog):
        raise Failure(f"the dialog does not say {expected!r}; it says {texts(dialog)}")
    close = find_button(dialog, "Close") or find_button(dialog, "OK")
    if close is None:
        raise Failure("the dialog has no Close button:\n" + "\n".join(dump(dialog)))
    app.close_as_screen_reader("the Can't Open Address dialog", lambda: close.queryAction().doAction(0),
                               lambda: app.dialog("Can't Open Address") is None)
    log(f"{uri}: {expected}")


def check_unsupported(app):
    uri = "gopher://example.test/"
    check_refused(app, uri, f"Outpost can't open “{uri}”: gopher addresses are not supported.")


def check_news(app, uri):
    """A news link reaches the News view, which names the link and says what to do: a
    fresh profile has no news server to open it on."""
    if urllib.parse.urlsplit(uri).netloc:
        expected = (f"No news server for “{uri}” is set up: add it in the News view, then "
                    "open the link again.")
    else:
        expected = f"No news server is set up to open “{uri}”: add one in the News view first."
    check_refused(app, uri, expected)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("outpost")
    parser.add_argument("scheme", choices=["ftp", "ftps", "mailto", "news", "nntp", "snews",
                                           "unsupported"])
    parser.add_argument("--schema-dir")
    args = parser.parse_args()
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(
        Failure(f"the scenario took longer than {OVERALL_TIMEOUT} s")))
    signal.alarm(OVERALL_TIMEOUT)

    port = free_port()
    uris = {"ftp": f"ftp://127.0.0.1:{port}/pub/",
            "ftps": f"ftps://127.0.0.1:{port}/",
            "mailto": "mailto:ada@example.test?subject=Hello%20from%20the%20desktop",
            "news": "news:comp.lang.c",
            "nntp": "nntp://news.example.test/comp.lang.c",
            "snews": "snews://news.example.test:563/comp.lang.c",
            "unsupported": "gopher://example.test/"}
    with UriApp(args.outpost, args.schema_dir) as app:
        app.start_with(uris[args.scheme])
        if args.scheme == "ftp":
            check_files(app, uris["ftp"], "FTP with explicit TLS", "127.0.0.1", port)
        elif args.scheme == "ftps":
            check_files(app, uris["ftps"], "FTPS (implicit TLS)", "127.0.0.1", port)
        elif args.scheme == "mailto":
            check_mailto(app)
        elif args.scheme in ("news", "nntp", "snews"):
            check_news(app, uris[args.scheme])
        else:
            check_unsupported(app)
        app.check_alive(f"after opening {uris[args.scheme]}")


if __name__ == "__main__":
    run_main(main)
