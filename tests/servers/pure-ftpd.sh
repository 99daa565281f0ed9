# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# Pure-FTPd 1.0.50, one instance on 127.0.0.1: explicit FTPS (AUTH TLS) with --tls=3, so
# cleartext logins and cleartext data connections are both refused. Pure-FTPd does not
# require TLS session reuse on data connections (testing.md "FTP"), and Debian builds it
# without implicit TLS (a compile-time switch), so there is no implicit-TLS port.
#
# Debian's pure-ftpd conflicts with vsftpd as a package: build-aux/dev unpacks it (and
# pure-ftpd-common, for pure-pw) under $OP_SERVERS_CACHE/root.
#
# One PureDB virtual user with a SHA-512 crypt hash of a fresh random password, written
# directly: `pure-pw useradd` hashes with argon2id at a cost that makes every login take
# ~3 s (testing.md). Its sessions run as the system account outpost-pureftpd-XXXXXXXX (a
# hash of the run folder), created here and deleted by stop.

OP_PUREFTPD_ACCOUNT=outpost-pureftpd-$(printf '%s' "$OP_RUNDIR" | sha256sum | cut -c1-8)
OP_PUREFTPD_USER=outpost

start_pure_ftpd ()
{
  op_require_root "Pure-FTPd (it switches each session to the test account)"
  op_require_cmd openssl openssl
  local bin pure_pw password dir root hash uid gid port pasv
  bin=$(op_find_unpacked usr/sbin/pure-ftpd pure-ftpd)
  pure_pw=$(op_find_unpacked usr/bin/pure-pw pure-ftpd-common)
  password=$(op_random_secret)
  dir=$OP_RUNDIR/pure-ftpd
  root=$dir/root
  mkdir -p "$dir" "$root"
  op_service_account "$OP_PUREFTPD_ACCOUNT"
  uid=$(id -u "$OP_PUREFTPD_ACCOUNT")
  gid=$(id -g "$OP_PUREFTPD_ACCOUNT")
  chown "$uid:$gid" "$root"
  chmod 0755 "$root"

  # pureftpd.passwd: account:hash:uid:gid:gecos:home (a "/./" suffix chroots there),
  # then limits left empty. Compiled into the PureDB file the server reads.
  hash=$(openssl passwd -6 "$password")
  printf '%s:%s:%s:%s::%s/./::::::::::::\n' \
    "$OP_PUREFTPD_USER" "$hash" "$uid" "$gid" "$root" >"$dir/pureftpd.passwd"
  chmod 0600 "$dir/pureftpd.passwd"
  "$pure_pw" mkdb "$dir/pureftpd.pdb" -f "$dir/pureftpd.passwd" \
    || op_die "pure-pw mkdb failed for $dir/pureftpd.passwd"

  port=$(op_pick_port)
  # Pure-FTPd admits at most half as many clients as the passive range has ports (a 50-port
  # range silently means 25 clients), and tests open many sessions in parallel.
  pasv=$(op_pick_ports 200)
  # -S bind address,port  -4 IPv4 only  -H no reverse DNS  -E no anonymous  -A chroot
  # -l the PureDB file  -u 1 lets the system account's uid (below 1000) log in
  # -p passive range  --maxclients… (tests run many sessions in parallel)
  # -L files:depth  the listing cap; 10,000 by default would cut a big directory short
  # -D show dot files  -Y 3 TLS required for login and data  -2 certificate,key
  # -O a transfer log (the server's own messages go to syslog)
  op_spawn pure-ftpd "$bin" -S "$OP_HOST,$port" -4 -H -E -A \
    -l "puredb:$dir/pureftpd.pdb" -u 1 -p "$pasv:$((pasv + 199))" --maxclientsnumber=100 --maxclientsperip=100 \
    -L 1000000:16 -D -Y 3 -2 "$OP_TLS_CERT,$OP_TLS_KEY" \
    -O "clf:$OP_RUNDIR/log/pure-ftpd.xfer.log"
  op_wait_tcp pure-ftpd "$OP_HOST" "$port" "220"

  op_env OUTPOST_TEST_FTP_HOST "$OP_HOST"
  op_env OUTPOST_TEST_PUREFTPD_PORT "$port"
  op_env OUTPOST_TEST_PUREFTPD_USER "$OP_PUREFTPD_USER"
  op_env OUTPOST_TEST_PUREFTPD_PASSWORD "$password"
  op_env OUTPOST_TEST_PUREFTPD_ROOT "$root"
}

stop_pure_ftpd ()
{
  [ ! -e "$OP_RUNDIR/pids/pure-ftpd.pid" ] || op_stop_pidfile "$OP_RUNDIR/pids/pure-ftpd.pid"
  op_delete_account "$OP_PUREFTPD_ACCOUNT"
}
