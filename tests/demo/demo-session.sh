#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# demo-session.sh PROFILE OUTPOST PROFILE-HELPER GROUP: the inside of `build-aux/dev
# demo`, run by dbus-run-session so the demo has a D-Bus session (and keyring) of its own
# and never meets the user's: a gnome-keyring unlocked with a throwaway password, the
# profile filled by outpost-demo-profile, then Outpost on the FTP site, until it quits.
# The servers' env file is already sourced by the caller. Every XDG folder is in PROFILE.
set -euo pipefail

profile=$1 outpost=$2 helper=$3 group=$4

export HOME=$profile/home
export XDG_CONFIG_HOME=$profile/config
export XDG_DATA_HOME=$profile/data
export XDG_CACHE_HOME=$profile/cache
export XDG_STATE_HOME=$profile/state
export XDG_RUNTIME_DIR=$profile/runtime
# PROFILE exists (the caller made it 0700); these are its direct children.
mkdir -m 0700 "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" \
  "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
# Window size and preferences in the profile too, never in the user's dconf.
export GSETTINGS_BACKEND=keyfile

# The keyring of this session only: its files under XDG_DATA_HOME/keyrings, its sockets
# under XDG_RUNTIME_DIR, unlocked with a password nobody needs to know.
keyring_log=$profile/keyring.log
openssl rand -hex 16 | tr -d '\n' \
  | gnome-keyring-daemon --foreground --unlock --components=secrets >"$keyring_log" 2>&1 &
keyring=$!
# shellcheck disable=SC2317 # run by the EXIT trap
stop_keyring() { kill "$keyring" 2>/dev/null || true; wait "$keyring" 2>/dev/null || true; }
trap stop_keyring EXIT
for _ in $(seq 100); do
  if gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
      --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true; then
    break
  fi
  kill -0 "$keyring" 2>/dev/null || { cat "$keyring_log" >&2; echo "demo: the keyring did not start" >&2; exit 1; }
  sleep 0.1
done

"$helper" "$group"

# ftp://USER@HOST:PORT/ names the saved site: Files opens it with its saved password.
site="ftp://$OUTPOST_TEST_VSFTPD_USER@$OUTPOST_TEST_FTP_HOST:$OUTPOST_TEST_VSFTPD_FTPS_PORT/"
set +e
"$outpost" "$site" &
app=$!
# A background command of a script ignores SIGINT: Ctrl+C in the terminal (or a hang-up)
# reaches the app through this trap, so the demo ends and cleans up.
# shellcheck disable=SC2317 # run by the traps
end_app() { kill -TERM "$app" 2>/dev/null; }
trap end_app INT TERM HUP
echo "demo: Outpost is running (pid $app)"
# wait returns early when a trapped signal arrives; wait again for the app's own status.
wait "$app"
status=$?
while kill -0 "$app" 2>/dev/null; do
  wait "$app"
  status=$?
done
set -e
exit "$status"
