#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a test against a real Secret Service: a private D-Bus session (dbus-run-session)
# with gnome-keyring-daemon unlocked by a throwaway password, in a throwaway home, so the
# developer's own keyring is never touched. The test learns the keyring's home from
# OUTPOST_TEST_KEYRING_HOME (to check that no password lands there in plain text).
#
# Usage: run-with-keyring.sh TEST-PROGRAM [ARGUMENTS…]
set -eu

die ()
{
  echo "run-with-keyring: $*" >&2
  exit 1
}

[ $# -ge 1 ] || die "usage: run-with-keyring.sh TEST-PROGRAM [ARGUMENTS…]"

if [ -z "${OUTPOST_KEYRING_INNER:-}" ]; then
  command -v dbus-run-session >/dev/null 2>&1 \
    || die "dbus-run-session is missing: install the Debian package dbus (build-aux/dev test does)"
  command -v gnome-keyring-daemon >/dev/null 2>&1 \
    || die "gnome-keyring-daemon is missing: install the Debian package gnome-keyring (build-aux/dev test does)"
  command -v gdbus >/dev/null 2>&1 \
    || die "gdbus is missing: install the Debian package libglib2.0-bin"
  OUTPOST_KEYRING_INNER=1 exec dbus-run-session -- "$0" "$@"
fi

home=$(mktemp -d "${TMPDIR:-/tmp}/outpost-keyring.XXXXXX")
daemon=""

# shellcheck disable=SC2317  # reached through the EXIT trap
cleanup ()
{
  if [ -n "$daemon" ]; then
    kill "$daemon" 2>/dev/null || true
    wait "$daemon" 2>/dev/null || true
  fi
  rm -rf "$home"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export HOME="$home/home"
export XDG_DATA_HOME="$home/data"
export XDG_CONFIG_HOME="$home/config"
export XDG_CACHE_HOME="$home/cache"
export XDG_RUNTIME_DIR="$home/runtime"
mkdir -p "$HOME" "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$home" "$XDG_RUNTIME_DIR"

# --unlock reads the login keyring's password from stdin, creating the keyring on first
# use; --foreground keeps its PID ours to stop.
printf 'pw' | gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$home/daemon.log" 2>&1 &
daemon=$!

tries=0
until gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null \
      | grep -q true; do
  tries=$((tries + 1))
  if [ "$tries" -ge 100 ] || ! kill -0 "$daemon" 2>/dev/null; then
    cat "$home/daemon.log" >&2
    die "gnome-keyring-daemon did not provide org.freedesktop.secrets within 10 s"
  fi
  sleep 0.1
done

export OUTPOST_TEST_KEYRING_HOME="$home"
status=0
"$@" || status=$?
exit "$status"
