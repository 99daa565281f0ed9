# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# vsftpd, two instances on 127.0.0.1: plain FTP, and explicit FTPS (AUTH TLS) with TLS
# forced for login and data and vsftpd's default require_ssl_reuse=YES, so a client that
# does not resume the control connection's TLS session on the data connection gets
# "522 SSL connection failed; session reuse required" (testing.md "FTP").
#
# vsftpd only serves real accounts through PAM. Each run folder gets a system account of
# its own, outpost-ftp-XXXXXXXX (a hash of the run folder; empty home, no login shell),
# with a fresh random password; stop deletes it. One account per run folder means two
# sets of servers on one machine (two checkouts, parallel CI jobs) never reset each
# other's password. A private PAM service admits only these accounts, so nothing else on
# the machine becomes reachable over FTP.

OP_VSFTPD_USER=outpost-ftp-$(printf '%s' "$OP_RUNDIR" | sha256sum | cut -c1-8)
OP_VSFTPD_PAM_SERVICE=outpost-test-ftp
# vsftpd changes into the account's home before local_root and fails the login ("500
# OOPS: cannot change directory") when it is missing, so the accounts share a real,
# empty, read-only one; local_root then moves the session to the run's FTP root.
OP_VSFTPD_HOME=/var/lib/outpost-ftp
# vsftpd refuses to start unless secure_chroot_dir exists (Debian's path).
OP_VSFTPD_EMPTY_DIR=/var/run/vsftpd/empty

_op_vsftpd_account ()
{
  op_require_cmd useradd passwd
  op_require_cmd chpasswd passwd
  mkdir -p "$OP_VSFTPD_HOME"
  chmod 0555 "$OP_VSFTPD_HOME"
  if ! getent passwd "$OP_VSFTPD_USER" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir "$OP_VSFTPD_HOME" \
      --shell /usr/sbin/nologin --comment "Outpost FTP test user for $OP_RUNDIR" \
      "$OP_VSFTPD_USER" \
      || op_die "could not create the system user $OP_VSFTPD_USER"
  fi
  printf '%s:%s\n' "$OP_VSFTPD_USER" "$1" | chpasswd \
    || op_die "could not set the password of $OP_VSFTPD_USER"

  # Debian's own vsftpd service requires pam_shells, which a nologin account fails.
  # This one authenticates with pam_unix and refuses every account but the test ones.
  # Written whole and renamed into place: another run may be reading it.
  local pam=/etc/pam.d/$OP_VSFTPD_PAM_SERVICE
  cat >"$pam.tmp.$$" <<'EOF'
# Written by Outpost's tests/servers/vsftpd.sh: lets the throwaway FTP test accounts
# (outpost-ftp-*), and no other, log in to the test vsftpd instances. Safe to delete.
auth     requisite pam_succeed_if.so quiet user =~ outpost-ftp-*
auth     required  pam_unix.so
account  requisite pam_succeed_if.so quiet user =~ outpost-ftp-*
account  required  pam_unix.so
session  required  pam_permit.so
EOF
  chmod 0644 "$pam.tmp.$$"
  mv -f "$pam.tmp.$$" "$pam"
}

# _op_vsftpd_conf FILE PORT PASV-MIN PASV-MAX LOG TLS(YES|NO)
_op_vsftpd_conf ()
{
  local file=$1 port=$2 pmin=$3 pmax=$4 log=$5 tls=$6
  cat >"$file" <<EOF
# Written by tests/servers/vsftpd.sh for one test run.
listen=YES
listen_ipv6=NO
listen_address=$OP_HOST
listen_port=$port
# Stay in the foreground: op_spawn tracks this PID and its process group.
background=NO
pasv_enable=YES
pasv_min_port=$pmin
pasv_max_port=$pmax
connect_from_port_20=NO
anonymous_enable=NO
local_enable=YES
write_enable=YES
local_umask=022
pam_service_name=$OP_VSFTPD_PAM_SERVICE
userlist_enable=NO
# The FTP root is a folder in the run dir; chroot makes it "/" for the client, so tests
# use clean paths. It is writable by the test user, which vsftpd only allows with:
chroot_local_user=YES
allow_writeable_chroot=YES
local_root=$OP_VSFTPD_ROOT
secure_chroot_dir=$OP_VSFTPD_EMPTY_DIR
# Containers forbid the namespaces and seccomp filters vsftpd sets up by default
# ("500 OOPS: clone" / "prctl PR_SET_SECCOMP failed"); the test server is disposable.
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
utf8_filesystem=YES
# Tests open many short sessions and transfers in parallel.
max_clients=0
max_per_ip=0
dirmessage_enable=NO
use_localtime=NO
xferlog_enable=YES
xferlog_std_format=NO
log_ftp_protocol=YES
vsftpd_log_file=$log
EOF
  if [ "$tls" = YES ]; then
    cat >>"$file" <<EOF
ssl_enable=YES
implicit_ssl=NO
allow_anon_ssl=NO
force_local_logins_ssl=YES
force_local_data_ssl=YES
# The default; spelled out because it is the point of this instance (testing.md).
require_ssl_reuse=YES
# vsftpd 3.0.3 only knows switches for SSLv2, SSLv3 and TLS 1.0; with those off it
# offers TLS 1.1 and later, of which OpenSSL 3 negotiates TLS 1.2 and 1.3.
ssl_sslv2=NO
ssl_sslv3=NO
ssl_tlsv1=NO
# The built-in default (DES-CBC3-SHA) is disabled in OpenSSL 3: nothing would connect.
ssl_ciphers=HIGH:!aNULL:!MD5
ssl_request_cert=NO
rsa_cert_file=$OP_TLS_CERT
rsa_private_key_file=$OP_TLS_KEY
EOF
  else
    echo "ssl_enable=NO" >>"$file"
  fi
  # vsftpd refuses a config file that root does not own or others can write.
  chmod 0600 "$file"
}

start_vsftpd ()
{
  op_require_root "vsftpd (it logs in a real system account through PAM)"
  op_require_cmd vsftpd vsftpd
  local password dir port ftps_port pasv ftps_pasv
  password=$(op_random_secret)
  dir=$OP_RUNDIR/vsftpd
  OP_VSFTPD_ROOT=$dir/root
  mkdir -p "$dir" "$OP_VSFTPD_ROOT" "$OP_VSFTPD_EMPTY_DIR"
  _op_vsftpd_account "$password"
  chown "$OP_VSFTPD_USER:" "$OP_VSFTPD_ROOT"
  chmod 0755 "$OP_VSFTPD_ROOT"

  port=$(op_pick_port)
  ftps_port=$(op_pick_port)
  # A passive range per instance, wide enough for parallel transfers in tests.
  pasv=$(op_pick_ports 50)
  ftps_pasv=$(op_pick_ports 50)

  _op_vsftpd_conf "$dir/plain.conf" "$port" "$pasv" $((pasv + 49)) \
    "$OP_RUNDIR/log/vsftpd-plain.protocol.log" NO
  _op_vsftpd_conf "$dir/ftps.conf" "$ftps_port" "$ftps_pasv" $((ftps_pasv + 49)) \
    "$OP_RUNDIR/log/vsftpd-ftps.protocol.log" YES

  op_spawn vsftpd-plain vsftpd "$dir/plain.conf"
  op_spawn vsftpd-ftps vsftpd "$dir/ftps.conf"
  op_wait_tcp vsftpd-plain "$OP_HOST" "$port" "220 "
  # Explicit FTPS greets in plain text too; TLS starts after AUTH TLS.
  op_wait_tcp vsftpd-ftps "$OP_HOST" "$ftps_port" "220 "

  op_env OUTPOST_TEST_FTP_HOST "$OP_HOST"
  op_env OUTPOST_TEST_VSFTPD_PORT "$port"
  op_env OUTPOST_TEST_VSFTPD_FTPS_PORT "$ftps_port"
  op_env OUTPOST_TEST_VSFTPD_USER "$OP_VSFTPD_USER"
  op_env OUTPOST_TEST_VSFTPD_PASSWORD "$password"
  op_env OUTPOST_TEST_VSFTPD_ROOT "$OP_VSFTPD_ROOT"
}

# The account existed only for this run. userdel refuses while the account's session
# processes live, so this run's vsftpd processes are stopped here, before the account
# goes, rather than after the hook.
stop_vsftpd ()
{
  local pidfile
  for pidfile in "$OP_RUNDIR/pids/vsftpd-plain.pid" "$OP_RUNDIR/pids/vsftpd-ftps.pid"; do
    [ ! -e "$pidfile" ] || op_stop_pidfile "$pidfile"
  done
  if getent passwd "$OP_VSFTPD_USER" >/dev/null; then
    userdel "$OP_VSFTPD_USER" >/dev/null 2>&1 \
      || op_log "could not delete the account $OP_VSFTPD_USER (still in use?); remove it with: userdel $OP_VSFTPD_USER"
  fi
}
