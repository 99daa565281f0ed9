# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# An SMTP submission server on python3-aiosmtpd (smtp-server.py beside this file), two
# listeners on 127.0.0.1: STARTTLS (AUTH offered only after TLS, and needed for MAIL) and
# implicit TLS (port-465 style). One test user, AUTH PLAIN, LOGIN and CRAM-MD5, SIZE with
# a small limit, 8BITMIME, SMTPUTF8, PIPELINING. Each accepted message is stored, exactly
# as received after dot-unstuffing, in $OP_RUNDIR/smtp/Maildir/new, its envelope in
# $OP_RUNDIR/smtp/Maildir/envelope/ (README.md). Recipients whose local part starts with
# "reject" are refused (550 5.1.1), for partial-failure tests.
#
# When dovecot.sh (which starts first: scripts run in name order) wrote the path of its
# user's Maildir to $OP_RUNDIR/dovecot/maildir-path, every message is delivered there too,
# owned by that folder's owner, so a test can send with SMTP and read back with IMAP/POP3.

# 1 MiB: big enough for the attachment scenarios, small enough that a "too large" message
# is cheap to make.
OP_SMTP_SIZE_LIMIT=1048576
OP_SMTP_USER=outpost

start_smtp ()
{
  op_require_cmd /usr/bin/python3 python3
  /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null \
    || op_die "python3-aiosmtpd is not installed (Debian package: python3-aiosmtpd; build-aux/dev installs it)."
  local dir port tls_port password deliver=()
  dir=$OP_RUNDIR/smtp
  mkdir -p "$dir/Maildir"
  chmod 0755 "$dir" "$dir/Maildir"
  password=$(op_random_secret)
  # Read by the server from a file: a command-line argument would show in ps.
  (umask 077 && printf '%s\n' "$password" >"$dir/password")
  port=$(op_pick_port)
  tls_port=$(op_pick_port)

  if [ -f "$OP_RUNDIR/dovecot/maildir-path" ]; then
    local target
    target=$(cat "$OP_RUNDIR/dovecot/maildir-path")
    # The Maildir itself (holding cur/ new/ tmp/); tolerate a path to its new/.
    target=${target%/}
    target=${target%/new}
    [ -d "$target" ] || op_die "$OP_RUNDIR/dovecot/maildir-path names $target, which is not a folder"
    deliver=(--deliver-to "$target")
  fi

  # The key is readable by root only: the server reads it at start, as the caller.
  op_spawn smtp /usr/bin/python3 "$OP_SERVERS_DIR/smtp-server.py" \
    --host "$OP_HOST" --port "$port" --tls-port "$tls_port" \
    --cert "$OP_TLS_CERT" --key "$OP_TLS_KEY" \
    --maildir "$dir/Maildir" --user "$OP_SMTP_USER" --password-file "$dir/password" \
    --size-limit "$OP_SMTP_SIZE_LIMIT" "${deliver[@]}"
  op_wait_tcp smtp "$OP_HOST" "$port" "220 "
  op_wait_tcp smtp "$OP_HOST" "$tls_port"

  op_env OUTPOST_TEST_SMTP_HOST "$OP_HOST"
  op_env OUTPOST_TEST_SMTP_PORT "$port"
  op_env OUTPOST_TEST_SMTP_TLS_PORT "$tls_port"
  op_env OUTPOST_TEST_SMTP_USER "$OP_SMTP_USER"
  op_env OUTPOST_TEST_SMTP_PASSWORD "$password"
  op_env OUTPOST_TEST_SMTP_MAILDIR "$dir/Maildir"
  op_env OUTPOST_TEST_SMTP_SIZE_LIMIT "$OP_SMTP_SIZE_LIMIT"
}
