# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# ProFTPD 1.3.8, three instances on 127.0.0.1 sharing one virtual user and one FTP root:
#   ftps      explicit FTPS (AUTH TLS) through mod_tls, TLS required for login and data
#             (TLSRequired on), with ProFTPD's default TLS session reuse requirement on
#             data connections kept: a data connection that does not resume the control
#             connection's session gets "425 Unable to build data connection" (testing.md).
#   implicit  the same behind implicit TLS (TLSOptions UseImplicitSSL; TLS from the
#             first byte, like port 990).
#   plain     no TLS, for comparing.
# MLSD/MLST (mod_facts) and MFMT are on by default.
#
# Debian's proftpd-core conflicts with vsftpd as a package: build-aux/dev unpacks it and
# proftpd-mod-crypto (mod_tls) under $OP_SERVERS_CACHE/root, and ModulePath points there.
#
# Login goes through an AuthUserFile (not PAM) whose one user carries a SHA-512 crypt
# hash of a fresh random password and runs as the system account outpost-proftpd-XXXXXXXX
# (a hash of the run folder, like vsftpd's), created here and deleted by stop.

OP_PROFTPD_ACCOUNT=outpost-proftpd-$(printf '%s' "$OP_RUNDIR" | sha256sum | cut -c1-8)
OP_PROFTPD_USER=outpost

# _op_proftpd_conf NAME PORT PASV-MIN MODE(plain|ftps|implicit)
_op_proftpd_conf ()
{
  local name=$1 port=$2 pmin=$3 mode=$4 dir=$OP_RUNDIR/proftpd
  cat >"$dir/$name.conf" <<EOF
# Written by tests/servers/proftpd.sh for one test run.
ServerName "Outpost test ProFTPD ($name)"
ServerType standalone
Port $port
DefaultAddress $OP_HOST
SocketBindTight on
UseIPv6 off
PidFile $dir/$name.pid
ScoreboardFile $dir/$name.scoreboard
# The daemon's own identity after binding; sessions switch to the logged-in user's.
User $OP_PROFTPD_ACCOUNT
Group $OP_PROFTPD_ACCOUNT
WtmpLog off
UseLastlog off
UseReverseDNS off
# mod_delay pads failed and successful logins to hide timing; tests log in hundreds of
# times and need no such protection on loopback.
DelayEngine off
SystemLog $OP_RUNDIR/log/proftpd-$name.system.log
TransferLog $OP_RUNDIR/log/proftpd-$name.xfer.log
LogFormat protocol "%t %a %r -> %s"
ExtendedLog $OP_RUNDIR/log/proftpd-$name.protocol.log ALL protocol
MaxInstances 200
MaxClients none
MaxClientsPerHost none
MaxLoginAttempts 10
TimeoutIdle 600
TimesGMT on

# Virtual users only: no PAM, no /etc/passwd logins.
AuthPAM off
AuthOrder mod_auth_file.c
AuthUserFile $dir/passwd
AuthGroupFile $dir/group
RequireValidShell off
# The user's home in the AuthUserFile is the FTP root; chroot makes it "/".
DefaultRoot ~

PassivePorts $pmin $((pmin + 49))
AllowOverwrite on
AllowStoreRestart on
AllowRetrieveRestart on
Umask 022 022
# Show the files tests create (dot files included) in LIST as MLSD does.
ListOptions "-a"
EOF
  if [ "$mode" != plain ]; then
    cat >>"$dir/$name.conf" <<EOF

ModulePath $OP_PROFTPD_PREFIX/usr/lib/proftpd
ModuleControlsACLs insmod,rmmod allow user root
LoadModule mod_tls.c
TLSEngine on
TLSLog $OP_RUNDIR/log/proftpd-$name.tls.log
TLSProtocol TLSv1.2 TLSv1.3
TLSRSACertificateFile $OP_TLS_CERT
TLSRSACertificateKeyFile $OP_TLS_KEY
TLSVerifyClient off
TLSRenegotiate none
# Login and every data connection must be protected.
TLSRequired on
# Deliberately NOT NoSessionReuseRequired: ProFTPD's default makes a data connection that
# does not resume the control connection's TLS session fail with 425, the behaviour the
# client must cope with (testing.md "FTP").
EOF
    if [ "$mode" = implicit ]; then
      echo "TLSOptions UseImplicitSSL" >>"$dir/$name.conf"
    fi
  fi
  chmod 0600 "$dir/$name.conf"
}

start_proftpd ()
{
  op_require_root "ProFTPD (it switches each session to the test account)"
  op_require_cmd openssl openssl
  local password dir root hash uid gid plain ftps implicit pasv
  OP_PROFTPD_BIN=$(op_find_unpacked usr/sbin/proftpd proftpd-core)
  OP_PROFTPD_PREFIX=${OP_PROFTPD_BIN%/usr/sbin/proftpd}
  [ -e "$OP_PROFTPD_PREFIX/usr/lib/proftpd/mod_tls.so" ] \
    || op_die "mod_tls.so not found under $OP_PROFTPD_PREFIX/usr/lib/proftpd (Debian package proftpd-mod-crypto)"
  password=$(op_random_secret)
  dir=$OP_RUNDIR/proftpd
  root=$dir/root
  mkdir -p "$dir" "$root"
  op_service_account "$OP_PROFTPD_ACCOUNT"
  uid=$(id -u "$OP_PROFTPD_ACCOUNT")
  gid=$(id -g "$OP_PROFTPD_ACCOUNT")
  chown "$uid:$gid" "$root"
  chmod 0755 "$root"

  # SHA-512 crypt ($6$): fast to check, unlike a costly hash that would slow every login.
  hash=$(openssl passwd -6 "$password")
  printf '%s:%s:%s:%s:Outpost test user:%s:/usr/sbin/nologin\n' \
    "$OP_PROFTPD_USER" "$hash" "$uid" "$gid" "$root" >"$dir/passwd"
  printf '%s:x:%s:\n' "$OP_PROFTPD_ACCOUNT" "$gid" >"$dir/group"
  # ProFTPD refuses world-readable or -writable auth files; it reads them as root.
  chmod 0600 "$dir/passwd" "$dir/group"

  plain=$(op_pick_port)
  ftps=$(op_pick_port)
  implicit=$(op_pick_port)
  pasv=$(op_pick_ports 150)
  _op_proftpd_conf plain "$plain" "$pasv" plain
  _op_proftpd_conf ftps "$ftps" $((pasv + 50)) ftps
  _op_proftpd_conf implicit "$implicit" $((pasv + 100)) implicit
  local name
  for name in plain ftps implicit; do
    "$OP_PROFTPD_BIN" -t -c "$dir/$name.conf" >"$OP_RUNDIR/log/proftpd-$name.check.log" 2>&1 \
      || op_die "ProFTPD rejects $dir/$name.conf: $(tail -n 5 "$OP_RUNDIR/log/proftpd-$name.check.log")"
    # -n: stay in the foreground (op_spawn tracks this PID); -q: no banner noise.
    op_spawn "proftpd-$name" "$OP_PROFTPD_BIN" -n -q -c "$dir/$name.conf"
  done
  op_wait_tcp proftpd-plain "$OP_HOST" "$plain" "220 "
  op_wait_tcp proftpd-ftps "$OP_HOST" "$ftps" "220 "
  op_wait_tcp proftpd-implicit "$OP_HOST" "$implicit"

  op_env OUTPOST_TEST_FTP_HOST "$OP_HOST"
  op_env OUTPOST_TEST_PROFTPD_PORT "$ftps"
  op_env OUTPOST_TEST_PROFTPD_TLS_PORT "$implicit"
  op_env OUTPOST_TEST_PROFTPD_PLAIN_PORT "$plain"
  op_env OUTPOST_TEST_PROFTPD_USER "$OP_PROFTPD_USER"
  op_env OUTPOST_TEST_PROFTPD_PASSWORD "$password"
  op_env OUTPOST_TEST_PROFTPD_ROOT "$root"
}

# The account existed only for this run; userdel refuses while its sessions live, so the
# processes go first.
stop_proftpd ()
{
  local name
  for name in plain ftps implicit; do
    [ ! -e "$OP_RUNDIR/pids/proftpd-$name.pid" ] \
      || op_stop_pidfile "$OP_RUNDIR/pids/proftpd-$name.pid"
  done
  op_delete_account "$OP_PROFTPD_ACCOUNT"
}
