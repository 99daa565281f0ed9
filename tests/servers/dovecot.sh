# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# Dovecot 2.3 on 127.0.0.1: IMAP (STARTTLS) and IMAPS (implicit TLS), POP3 (STLS) and
# POP3S (implicit TLS), all with the run's test certificate. One test user from a
# passwd-file, its Maildir in the run folder, the special-use folders Sent, Drafts, Trash
# and Archive, and an INBOX preloaded on every start from tests/data/mail/seed/*.eml.
# A second user, with an empty Maildir of its own, receives what smtp.sh accepts: tests
# that send and read back never touch the INBOX that the IMAP and POP3 tests count. A
# third user, also with an empty Maildir, belongs to the tests that delete over POP3.
#
# Dovecot runs from a private configuration (never /etc/dovecot) with its own base_dir,
# state_dir and log file in the run folder, so nothing it writes lands elsewhere.
# Mail processes run as a system account of this run folder, outpost-mail-XXXXXXXX (no
# password, no login shell, no home outside the run folder), which owns the Maildir;
# stop deletes it. The test user's password lives only in the passwd-file.
#
# A second Dovecot instance serves the same users and Maildirs with CONDSTORE and QRESYNC
# taken out of its IMAP capabilities (imap_capability), on ports of its own: the mail
# store's sync is tested against it without those extensions (its fallback path).
#
# Dovecot counts a loopback connection as secure (testing.md "Mail"), so
# disable_plaintext_auth cannot be seen failing here: tests of "no password before TLS"
# use scripted servers.

OP_DOVECOT_ACCOUNT=outpost-mail-$(printf '%s' "$OP_RUNDIR" | sha256sum | cut -c1-8)
OP_DOVECOT_USER=outpost
OP_DOVECOT_RT_USER=outpost-rt
OP_DOVECOT_POP_USER=outpost-pop

_op_dovecot_account ()
{
  op_require_cmd useradd passwd
  if ! getent passwd "$OP_DOVECOT_ACCOUNT" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "Outpost mail test user for $OP_RUNDIR" \
      "$OP_DOVECOT_ACCOUNT" \
      || op_die "could not create the system user $OP_DOVECOT_ACCOUNT"
  fi
}

# _op_dovecot_seed MAILDIR: the seed messages, byte for byte (CRLF, as clients send
# them), as unread messages in INBOX. The file names carry increasing delivery times so
# Dovecot gives them UIDs (and POP3 message numbers) in the order of the seed file names.
_op_dovecot_seed ()
{
  local maildir=$1 seed_dir=$OP_SERVERS_DIR/../data/mail/seed f n=0 size
  local -a seeds=("$seed_dir"/*.eml)
  [ -e "${seeds[0]}" ] || op_die "no seed messages in $seed_dir"
  for f in "${seeds[@]}"; do
    n=$((n + 1))
    size=$(stat -c %s "$f")
    cp "$f" "$maildir/cur/$((1700000000 + n)).M${n}P1.outpost-seed,S=$size:2,"
  done
}

start_dovecot ()
{
  op_require_root "Dovecot (its mail processes run as a throwaway system account)"
  op_require_cmd dovecot "dovecot-imapd dovecot-pop3d"
  [ -x /usr/lib/dovecot/imap ] || op_die "Dovecot's IMAP server is missing (Debian package dovecot-imapd)"
  [ -x /usr/lib/dovecot/pop3 ] || op_die "Dovecot's POP3 server is missing (Debian package dovecot-pop3d)"
  local dir=$OP_RUNDIR/dovecot password uid gid maildir rt_password rt_maildir pop_password pop_maildir
  local imap_port imaps_port pop3_port pop3s_port basic_imap_port basic_imaps_port
  _op_dovecot_account
  uid=$(id -u "$OP_DOVECOT_ACCOUNT")
  gid=$(id -g "$OP_DOVECOT_ACCOUNT")
  password=$(op_random_secret)
  maildir=$dir/mail/Maildir
  rt_password=$(op_random_secret)
  rt_maildir=$dir/mail-rt/Maildir
  pop_password=$(op_random_secret)
  pop_maildir=$dir/mail-pop/Maildir
  # base_dir holds Unix sockets (sun_path ≤ 108 bytes): keep its name short.
  mkdir -p "$dir/run" "$dir/state" "$dir/tls" "$maildir"/{cur,new,tmp} "$rt_maildir"/{cur,new,tmp} \
    "$pop_maildir"/{cur,new,tmp}
  chmod 0755 "$dir" "$dir/run"
  _op_dovecot_seed "$maildir"
  chown -R "$uid:$gid" "$dir/mail" "$dir/mail-rt" "$dir/mail-pop"
  chmod -R u=rwX,go=rX "$dir/mail" "$dir/mail-rt" "$dir/mail-pop"

  # Dovecot reads the key as root, before dropping privileges.
  cp "$OP_TLS_CERT" "$dir/tls/server.pem"
  cp "$OP_TLS_KEY" "$dir/tls/server-key.pem"
  chmod 0600 "$dir/tls/server-key.pem"

  # {PLAIN}: the password stays recoverable by Dovecot, which APOP needs (RFC 1939 §7).
  umask 077
  printf '%s:{PLAIN}%s:%s:%s::%s/mail::userdb_mail=maildir:%s\n' \
    "$OP_DOVECOT_USER" "$password" "$uid" "$gid" "$dir" "$maildir" >"$dir/users"
  printf '%s:{PLAIN}%s:%s:%s::%s/mail-rt::userdb_mail=maildir:%s\n' \
    "$OP_DOVECOT_RT_USER" "$rt_password" "$uid" "$gid" "$dir" "$rt_maildir" >>"$dir/users"
  printf '%s:{PLAIN}%s:%s:%s::%s/mail-pop::userdb_mail=maildir:%s\n' \
    "$OP_DOVECOT_POP_USER" "$pop_password" "$uid" "$gid" "$dir" "$pop_maildir" >>"$dir/users"
  umask 022
  chown root:dovecot "$dir/users"
  chmod 0640 "$dir/users"

  imap_port=$(op_pick_port)
  imaps_port=$(op_pick_port)
  pop3_port=$(op_pick_port)
  pop3s_port=$(op_pick_port)

  cat >"$dir/dovecot.conf" <<EOF
# Written by tests/servers/dovecot.sh for one test run; nothing from /etc/dovecot.
instance_name = outpost-$(basename "$OP_RUNDIR")
base_dir = $dir/run
state_dir = $dir/state
log_path = $OP_RUNDIR/log/dovecot.server.log
info_log_path = $OP_RUNDIR/log/dovecot.server.log
debug_log_path = $OP_RUNDIR/log/dovecot.server.log
protocols = imap pop3
listen = $OP_HOST
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = $uid
last_valid_uid = $uid
first_valid_gid = $gid
last_valid_gid = $gid

ssl = yes
ssl_cert = <$dir/tls/server.pem
ssl_key = <$dir/tls/server-key.pem
ssl_min_protocol = TLSv1.2
ssl_prefer_server_ciphers = yes

auth_mechanisms = plain login apop
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $dir/users
}
# Every UID and size a test reads must be stable for a run; no indexes outside the Maildir.
mail_location = maildir:$maildir
# IDLE: Dovecot watches the Maildir with inotify and otherwise polls every 30 s; on a busy
# test machine (inotify instances run out) a second suffices to notice a delivery.
mailbox_idle_check_interval = 1 secs
mail_privileged_group =
mail_fsync = always
mmap_disable = yes

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \\Archive
    auto = subscribe
  }
}

# POP3 UIDL is the Maildir file name, so a test can find the file a UIDL names.
pop3_uidl_format = %f
# Tests run in parallel and share the mailbox: no session lock, and POP3 reading a
# message does not mark it \\Seen (IMAP tests expect the seed messages unread).
pop3_lock_session = no
pop3_no_flag_updates = yes

service imap-login {
  inet_listener imap {
    address = $OP_HOST
    port = $imap_port
  }
  inet_listener imaps {
    address = $OP_HOST
    port = $imaps_port
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = $OP_HOST
    port = $pop3_port
  }
  inet_listener pop3s {
    address = $OP_HOST
    port = $pop3s_port
    ssl = yes
  }
}
# Nothing listens on other ports or in /var/run: no LMTP, submission, doveadm server.
service doveadm {
  inet_listener {
    port = 0
  }
}
service stats {
  unix_listener stats-reader {
    mode = 0600
  }
  unix_listener stats-writer {
    mode = 0666
  }
}
EOF
  chmod 0644 "$dir/dovecot.conf"

  # The instance without CONDSTORE/QRESYNC: the same configuration, its own base and state
  # folders, log and ports, IMAP only, and the capabilities Dovecot 2.3 announces after
  # login minus those two (RFC 7162 clients must not use them unannounced).
  basic_imap_port=$(op_pick_port)
  basic_imaps_port=$(op_pick_port)
  mkdir -p "$dir/runb" "$dir/stateb"
  chmod 0755 "$dir/runb"
  sed -e "s|^instance_name = .*|&-basic|" \
      -e "s|^base_dir = .*|base_dir = $dir/runb|" \
      -e "s|^state_dir = .*|state_dir = $dir/stateb|" \
      -e "s|dovecot.server.log|dovecot-basic.server.log|" \
      -e "s|^protocols = .*|protocols = imap|" \
      -e "s|port = $imap_port\$|port = $basic_imap_port|" \
      -e "s|port = $imaps_port\$|port = $basic_imaps_port|" \
      -e "s|port = $pop3_port\$|port = 0|" \
      -e "s|port = $pop3s_port\$|port = 0|" \
      "$dir/dovecot.conf" >"$dir/dovecot-basic.conf"
  cat >>"$dir/dovecot-basic.conf" <<EOF
protocol imap {
  imap_capability = IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE SORT SORT=DISPLAY THREAD=REFERENCES THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 ESEARCH ESORT SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY SPECIAL-USE
}
EOF
  chmod 0644 "$dir/dovecot-basic.conf"

  # -F: foreground, so op_spawn tracks the master's PID.
  op_spawn dovecot /usr/sbin/dovecot -F -c "$dir/dovecot.conf"
  op_wait_tcp dovecot "$OP_HOST" "$imap_port" "* OK"
  op_wait_tcp dovecot "$OP_HOST" "$pop3_port" "+OK"
  op_wait_tcp dovecot "$OP_HOST" "$imaps_port"
  op_wait_tcp dovecot "$OP_HOST" "$pop3s_port"
  op_spawn dovecot-basic /usr/sbin/dovecot -F -c "$dir/dovecot-basic.conf"
  op_wait_tcp dovecot-basic "$OP_HOST" "$basic_imap_port" "* OK"
  op_wait_tcp dovecot-basic "$OP_HOST" "$basic_imaps_port"

  # Where smtp.sh delivers: the second user's Maildir, not the seeded INBOX.
  printf '%s\n' "$rt_maildir" >"$dir/maildir-path"
  op_env OUTPOST_TEST_MAIL_HOST "$OP_HOST"
  op_env OUTPOST_TEST_DOVECOT_IMAP_PORT "$imap_port"
  op_env OUTPOST_TEST_DOVECOT_IMAPS_PORT "$imaps_port"
  op_env OUTPOST_TEST_DOVECOT_POP3_PORT "$pop3_port"
  op_env OUTPOST_TEST_DOVECOT_POP3S_PORT "$pop3s_port"
  op_env OUTPOST_TEST_DOVECOT_BASIC_IMAP_PORT "$basic_imap_port"
  op_env OUTPOST_TEST_DOVECOT_BASIC_IMAPS_PORT "$basic_imaps_port"
  op_env OUTPOST_TEST_DOVECOT_USER "$OP_DOVECOT_USER"
  op_env OUTPOST_TEST_DOVECOT_PASSWORD "$password"
  op_env OUTPOST_TEST_DOVECOT_MAILDIR "$maildir"
  op_env OUTPOST_TEST_DOVECOT_RT_USER "$OP_DOVECOT_RT_USER"
  op_env OUTPOST_TEST_DOVECOT_RT_PASSWORD "$rt_password"
  op_env OUTPOST_TEST_DOVECOT_RT_MAILDIR "$rt_maildir"
  op_env OUTPOST_TEST_DOVECOT_POP_USER "$OP_DOVECOT_POP_USER"
  op_env OUTPOST_TEST_DOVECOT_POP_PASSWORD "$pop_password"
}

# The account existed only for this run: stop Dovecot (and its mail processes) first.
stop_dovecot ()
{
  local pidfile
  for pidfile in "$OP_RUNDIR/pids/dovecot-basic.pid" "$OP_RUNDIR/pids/dovecot.pid"; do
    [ ! -e "$pidfile" ] || op_stop_pidfile "$pidfile"
  done
  if getent passwd "$OP_DOVECOT_ACCOUNT" >/dev/null; then
    userdel "$OP_DOVECOT_ACCOUNT" >/dev/null 2>&1 \
      || op_log "could not delete the account $OP_DOVECOT_ACCOUNT (still in use?); remove it with: userdel $OP_DOVECOT_ACCOUNT"
  fi
}
