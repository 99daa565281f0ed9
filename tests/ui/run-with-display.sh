#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-with-display.sh CMD [ARG…]: run CMD with a private X display, a private D-Bus
# session and an accessibility bus, the way tests/ui needs them, and exit with CMD's
# status. Nothing of the caller's desktop leaks in: no Wayland display, no session bus,
# no keyring (a test that needs a Secret Service starts gnome-keyring-daemon itself, see
# testing.md "A Secret Service for libsecret tests").
set -eu

# Seconds Xvfb and the accessibility bus get to come up.
readonly STARTUP_SECONDS=15
readonly AT_SPI_LAUNCHER=/usr/libexec/at-spi-bus-launcher

die ()
{
  printf 'run-with-display: %s\n' "$*" >&2
  exit 1
}

# --- second stage: inside dbus-run-session -------------------------------------------
if [ "${1:-}" = --inside-session ]; then
  shift
  # testing.md: the accessibility bus must exist before the app starts, or GTK finds no
  # bus to register on and the app never shows up in the AT-SPI registry.
  "$AT_SPI_LAUNCHER" --launch-immediately </dev/null >"$OP_UI_TMP/at-spi.log" 2>&1 &
  launcher=$!
  deadline=$((SECONDS + STARTUP_SECONDS))
  # Ask the bus whether the launcher owns its name yet; calling org.a11y.Bus itself would
  # make dbus-daemon activate a second launcher from its service file.
  until gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.a11y.Bus 2>/dev/null | grep -q true; do
    if ! kill -0 "$launcher" 2>/dev/null; then
      cat "$OP_UI_TMP/at-spi.log" >&2
      die "at-spi-bus-launcher exited before the accessibility bus came up"
    fi
    [ "$SECONDS" -lt "$deadline" ] \
      || die "the accessibility bus did not come up within $STARTUP_SECONDS s"
    sleep 0.1
  done
  set +e
  "$@"
  status=$?
  set -e
  # The launcher takes its own bus daemon (and the registry it activated) down with it.
  kill "$launcher" 2>/dev/null || true
  wait "$launcher" 2>/dev/null || true
  exit "$status"
fi

# --- first stage: the display ---------------------------------------------------------
[ $# -gt 0 ] || { echo "Usage: $0 CMD [ARG…]" >&2; exit 2; }
command -v Xvfb >/dev/null || die "Xvfb is not installed (Debian package: xvfb)"
command -v dbus-run-session >/dev/null || die "dbus-run-session is not installed (Debian package: dbus-daemon)"
command -v gdbus >/dev/null || die "gdbus is not installed (Debian package: libglib2.0-bin)"
[ -x "$AT_SPI_LAUNCHER" ] || die "$AT_SPI_LAUNCHER is missing (Debian package: at-spi2-core)"

OP_UI_TMP=$(mktemp -d "${TMPDIR:-/tmp}/outpost-ui.XXXXXX")
export OP_UI_TMP
xvfb_pid=

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup ()
{
  if [ -n "$xvfb_pid" ]; then
    kill "$xvfb_pid" 2>/dev/null || true
    wait "$xvfb_pid" 2>/dev/null || true
  fi
  rm -rf -- "$OP_UI_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# -displayfd picks the first free display number and writes it once the server accepts
# connections, so parallel test runs never race for ":99".
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset \
  3>"$OP_UI_TMP/display" </dev/null >"$OP_UI_TMP/xvfb.log" 2>&1 &
xvfb_pid=$!
deadline=$((SECONDS + STARTUP_SECONDS))
until [ -s "$OP_UI_TMP/display" ] && grep -q '^[0-9][0-9]*$' "$OP_UI_TMP/display"; do
  if ! kill -0 "$xvfb_pid" 2>/dev/null; then
    cat "$OP_UI_TMP/xvfb.log" >&2
    xvfb_pid=
    die "Xvfb exited at start"
  fi
  [ "$SECONDS" -lt "$deadline" ] || die "Xvfb did not start within $STARTUP_SECONDS s"
  sleep 0.05
done
DISPLAY=:$(cat "$OP_UI_TMP/display")
export DISPLAY

# A private runtime dir: the a11y bus socket, dconf and any keyring a test starts live
# there, never in the developer's real session.
mkdir -m 0700 "$OP_UI_TMP/runtime"
export XDG_RUNTIME_DIR=$OP_UI_TMP/runtime
# Never reach the caller's desktop: its Wayland compositor, session bus or a11y bus.
unset WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS AT_SPI_BUS_ADDRESS
export GDK_BACKEND=x11
# testing.md: without a GPU, GL through llvmpipe doubles memory and start-up time.
export GSK_RENDERER=cairo
export GTK_A11Y=atspi
export NO_AT_BRIDGE=0

set +e
dbus-run-session -- "$0" --inside-session "$@"
status=$?
set -e
exit "$status"
