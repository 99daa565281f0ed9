# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# Shared helpers for tests/servers/start, tests/servers/stop and the per-server scripts
# (tests/servers/NAME.sh). Sourced, never run. See README.md "Adding a server" for the
# contract a server script follows.
#
# Everything lives in one run folder, $OP_RUNDIR:
#   marker       proves the folder is ours before stop removes it
#   tls/         throwaway CA and the server certificate (127.0.0.1, ::1, localhost)
#   pids/N.pid   "PID STARTTIME" of every process started through op_spawn
#   log/N.log    stdout and stderr of that process
#   ports        every port handed out in this run, so two servers never share one
#   servers      names of the server scripts that started, in order (stop hooks)
#   env          export lines for the tests (written last, only when all are up)

OP_SERVERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# Dovecot later puts Unix sockets under the run folder and sun_path is 108 bytes
# (testing.md "Dovecot needs a short base directory"): keep the default short.
OP_RUNDIR=${OUTPOST_TEST_RUNDIR:-/tmp/outpost-test-servers}
# The address every server listens on (used by the server scripts).
# shellcheck disable=SC2034
OP_HOST=127.0.0.1
OP_MARKER_TEXT="outpost test servers run folder"
# Seconds a server gets to accept connections after it was started.
OP_WAIT_SECONDS=${OUTPOST_TEST_SERVER_WAIT:-20}
# Debian's proftpd-core and pure-ftpd conflict with vsftpd as packages (testing.md), so
# build-aux/dev unpacks their .debs under this folder (root/) instead of installing them.
OP_SERVERS_CACHE=${OUTPOST_TEST_SERVERS_CACHE:-/var/cache/outpost-test-servers}

op_log ()
{
  printf 'servers: %s\n' "$*" >&2
}

op_die ()
{
  printf 'servers: error: %s\n' "$*" >&2
  exit 1
}

# op_require_root WHY: servers that need system accounts or privileged set-up call this,
# so a server that doesn't need root can still be started by a normal user with --only.
op_require_root ()
{
  if [ "$(id -u)" -ne 0 ]; then
    op_die "$1 needs root. Run as root, or: sudo -E $OP_SERVERS_DIR/start (build-aux/dev test does this for you)."
  fi
}

# op_require_cmd PROGRAM DEBIAN-PACKAGE
op_require_cmd ()
{
  if ! command -v "$1" >/dev/null 2>&1; then
    op_die "$1 is not installed (Debian package: $2; build-aux/dev installs it)."
  fi
}

# op_find_unpacked PATH PACKAGE: the absolute path of PATH (e.g. usr/sbin/proftpd) in the
# unpacked prefix when build-aux/dev put it there, else /PATH when the package is
# installed normally; stop with how to get it otherwise.
op_find_unpacked ()
{
  if [ -x "$OP_SERVERS_CACHE/root/$1" ]; then
    echo "$OP_SERVERS_CACHE/root/$1"
  elif [ -x "/$1" ]; then
    echo "/$1"
  else
    op_die "/$1 not found in $OP_SERVERS_CACHE/root nor installed (Debian package $2; it conflicts with vsftpd: build-aux/dev deps --test unpacks it there)."
  fi
}

# op_service_account NAME: create the system account NAME (no password, no login shell,
# the shared empty home /var/lib/outpost-ftp) unless it exists. Servers that log in
# virtual users (ProFTPD's AuthUserFile, Pure-FTPd's PureDB) run their sessions as it, so
# files uploaded in a test belong to an account that exists only for that run.
op_service_account ()
{
  op_require_cmd useradd passwd
  mkdir -p /var/lib/outpost-ftp
  chmod 0555 /var/lib/outpost-ftp
  if ! getent passwd "$1" >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /var/lib/outpost-ftp \
      --shell /usr/sbin/nologin --comment "Outpost FTP test user for $OP_RUNDIR" "$1" \
      || op_die "could not create the system user $1"
  fi
}

# op_delete_account NAME: the stop-hook counterpart of op_service_account.
op_delete_account ()
{
  if getent passwd "$1" >/dev/null; then
    userdel "$1" >/dev/null 2>&1 \
      || op_log "could not delete the account $1 (still in use?); remove it with: userdel $1"
  fi
}

# Single-quote a value for the env file so any byte survives `source`.
op_quote ()
{
  local s=$1
  printf "'%s'" "${s//\'/\'\\\'\'}"
}

# op_env NAME VALUE: one line of the env file; the file itself appears only at the end of
# a successful start, so a test never sees half a set of servers.
op_env ()
{
  case $1 in
    OUTPOST_TEST_[A-Z0-9_]*) ;;
    *) op_die "env variable $1 must start with OUTPOST_TEST_ (README.md)" ;;
  esac
  printf 'export %s=%s\n' "$1" "$(op_quote "$2")" >>"$OP_RUNDIR/env.partial"
}

op_random_secret ()
{
  openssl rand -hex 12
}

op_rundir_is_ours ()
{
  [ -f "$OP_RUNDIR/marker" ] && [ "$(cat "$OP_RUNDIR/marker")" = "$OP_MARKER_TEXT" ]
}

op_rundir_create ()
{
  case $OP_RUNDIR in
    /?*) ;;
    *) op_die "OUTPOST_TEST_RUNDIR must be an absolute path (got '$OP_RUNDIR')" ;;
  esac
  if [ -e "$OP_RUNDIR" ]; then
    op_die "$OP_RUNDIR exists and is not an Outpost test run folder; remove it or set OUTPOST_TEST_RUNDIR"
  fi
  mkdir -p "$OP_RUNDIR"
  # Servers drop privileges (vsftpd serves as its test user): they must be able to
  # traverse the folder and read the certificate, never write anywhere but their own dirs.
  chmod 0755 "$OP_RUNDIR"
  mkdir "$OP_RUNDIR/pids" "$OP_RUNDIR/log" "$OP_RUNDIR/tls"
  printf '%s\n' "$OP_MARKER_TEXT" >"$OP_RUNDIR/marker"
  : >"$OP_RUNDIR/ports"
  : >"$OP_RUNDIR/servers"
  : >"$OP_RUNDIR/env.partial"
}

# --- ports -------------------------------------------------------------------------

# Listening ports are taken below the kernel's ephemeral range, so an outgoing connection
# made by a test can never already hold the port a server is about to bind.
op_port_bounds ()
{
  local low high
  read -r low high </proc/sys/net/ipv4/ip_local_port_range
  if [ "$low" -gt 21024 ]; then
    echo "20000 $((low - 1))"
  elif [ "$high" -lt 64511 ]; then
    echo "$((high + 1)) 65535"
  else
    op_die "no port range outside the ephemeral range $low-$high; narrow net.ipv4.ip_local_port_range"
  fi
}

# True when PORT appears as a local port in any TCP or UDP socket (any state, IPv4 or
# IPv6), or was already handed out in this run.
op_port_in_use ()
{
  local hex
  hex=$(printf ':%04X ' "$1")
  if grep -qx "$1" "$OP_RUNDIR/ports"; then
    return 0
  fi
  local f
  for f in /proc/net/tcp /proc/net/tcp6 /proc/net/udp /proc/net/udp6; do
    [ -r "$f" ] || continue
    # Field 2 is local_address as HEXADDR:HEXPORT.
    if awk -v p="$hex" 'NR > 1 && index($2 " ", p) { found = 1 } END { exit !found }' "$f"; then
      return 0
    fi
  done
  return 1
}

# op_pick_ports COUNT: prints the first of COUNT consecutive free ports and reserves them.
op_pick_ports ()
{
  local count=$1 bounds lo hi base p ok tries=0
  bounds=$(op_port_bounds)
  lo=${bounds% *}
  hi=${bounds#* }
  while [ "$tries" -lt 200 ]; do
    tries=$((tries + 1))
    base=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo - count + 2)))
    ok=1
    for ((p = base; p < base + count; p++)); do
      if op_port_in_use "$p"; then
        ok=0
        break
      fi
    done
    if [ "$ok" -eq 1 ]; then
      for ((p = base; p < base + count; p++)); do
        echo "$p" >>"$OP_RUNDIR/ports"
      done
      echo "$base"
      return 0
    fi
  done
  op_die "could not find $count free consecutive ports in $lo-$hi"
}

op_pick_port ()
{
  op_pick_ports 1
}

# --- TLS -----------------------------------------------------------------------------

# A throwaway CA and one server certificate for every loopback name a test may dial.
# Fresh keys each run: nothing outside the run folder ever trusts them.
op_make_tls ()
{
  local dir=$OP_RUNDIR/tls
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 7 \
    -subj "/O=Outpost tests/CN=Outpost throwaway test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>"$dir/openssl.log" \
    || op_die "openssl could not create the test CA: $(tail -n 5 "$dir/openssl.log")"
  openssl req -newkey rsa:2048 -nodes -sha256 \
    -subj "/O=Outpost tests/CN=localhost" \
    -keyout "$dir/server-key.pem" -out "$dir/server.csr" 2>>"$dir/openssl.log" \
    || op_die "openssl could not create the server key: $(tail -n 5 "$dir/openssl.log")"
  cat >"$dir/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
EOF
  openssl x509 -req -sha256 -days 7 -in "$dir/server.csr" \
    -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" -set_serial "0x$(openssl rand -hex 8)" \
    -extfile "$dir/server.ext" -out "$dir/server.pem" 2>>"$dir/openssl.log" \
    || op_die "openssl could not sign the server certificate: $(tail -n 5 "$dir/openssl.log")"
  rm -f "$dir/server.csr"
  # Servers that drop privileges before loading their key (none so far) would need a
  # group-readable key; root-started servers read it before dropping.
  chmod 0600 "$dir/ca-key.pem" "$dir/server-key.pem"
  chmod 0644 "$dir/ca.pem" "$dir/server.pem"
  # For start and the server scripts.
  # shellcheck disable=SC2034
  OP_TLS_CA=$dir/ca.pem OP_TLS_CERT=$dir/server.pem OP_TLS_KEY=$dir/server-key.pem
}

# --- processes -----------------------------------------------------------------------

# Field 22 of /proc/PID/stat: start time in clock ticks since boot. Stored with the PID
# so stop never signals an unrelated process that reused the number. Fails for a process
# that is gone or a zombie: a server whose parent exited is re-parented to PID 1, which
# may take a while to reap it, and a zombie has stopped serving.
op_proc_starttime ()
{
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  # The command name (field 2) may contain spaces; everything after the last ')' is fixed.
  stat=${stat##*) }
  # shellcheck disable=SC2086 # split on purpose
  set -- $stat
  [ "$1" != Z ] || return 1
  echo "${20}"
}

# op_spawn NAME COMMAND [ARG…]: start a server process in a session and process group of
# its own (so stop also reaches the per-connection children of forking servers), with
# stdin closed and output in log/NAME.log (so it never holds the caller's pipes open,
# which would make meson or CI wait), and record it in pids/NAME.pid.
op_spawn ()
{
  local name=$1 pid start tries=0
  shift
  local pidfile=$OP_RUNDIR/pids/$name.pid log=$OP_RUNDIR/log/$name.log
  [ ! -e "$pidfile" ] || op_die "a process named $name was already started in this run"
  # setsid forks when it is already a group leader; the inner shell writes its own PID
  # just before exec, so the file always names the server process itself.
  # shellcheck disable=SC2016 # expanded by the inner shell
  setsid sh -c 'echo $$ >"$1.tmp"; shift; exec "$@"' sh "$pidfile" "$@" \
    </dev/null >"$log" 2>&1 &
  while [ ! -s "$pidfile.tmp" ]; do
    tries=$((tries + 1))
    [ "$tries" -lt 100 ] || op_die "$name did not start (no PID after 5 s): $*"
    sleep 0.05
  done
  read -r pid <"$pidfile.tmp"
  rm -f "$pidfile.tmp"
  start=$(op_proc_starttime "$pid") || {
    op_log "$name exited at once; last lines of $log:"
    tail -n 20 "$log" >&2
    exit 1
  }
  echo "$pid $start" >"$pidfile"
}

# op_pid_alive PIDFILE: true when the recorded process is still the one we started.
op_pid_alive ()
{
  local pid start now
  read -r pid start <"$1" || return 1
  now=$(op_proc_starttime "$pid") || return 1
  [ "$now" = "$start" ]
}

op_fail_with_log ()
{
  local name=$1 why=$2
  op_log "$name: $why"
  op_log "last lines of $OP_RUNDIR/log/$name.log:"
  tail -n 25 "$OP_RUNDIR/log/$name.log" >&2 || true
  exit 1
}

# op_wait_tcp NAME HOST PORT [GREETING-PREFIX]: wait (bounded by OP_WAIT_SECONDS) until
# the server started as NAME accepts a TCP connection on HOST:PORT and, if given, sends a
# first line starting with GREETING-PREFIX (e.g. "220 " for FTP and SMTP). Fails with the
# server's log tail when it exits or the time runs out.
op_wait_tcp ()
{
  local name=$1 host=$2 port=$3 greeting=${4:-}
  local deadline=$((SECONDS + OP_WAIT_SECONDS)) line
  while :; do
    op_pid_alive "$OP_RUNDIR/pids/$name.pid" \
      || op_fail_with_log "$name" "exited before accepting connections on $host:$port"
    # shellcheck disable=SC2016 # the inner bash expands $1 and $2
    if [ -z "$greeting" ]; then
      if timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' sh "$host" "$port" 2>/dev/null; then
        return 0
      fi
    else
      line=$(timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2" && IFS= read -r l <&3 && printf "%s" "$l"' \
        sh "$host" "$port" 2>/dev/null) || line=
      case $line in
        "$greeting"*) return 0 ;;
      esac
    fi
    [ "$SECONDS" -lt "$deadline" ] \
      || op_fail_with_log "$name" "did not accept connections on $host:$port within ${OP_WAIT_SECONDS} s${line:+ (first line: $line)}"
    sleep 0.1
  done
}

# op_descendants PID: every process below PID in the process tree, one PID per line.
op_descendants ()
{
  ps -e -o pid= -o ppid= | awk -v root="$1" '
    { parent[$1] = $2; pids[NR] = $1 }
    END {
      keep[root] = 1
      do {
        grew = 0
        for (i in pids) {
          p = pids[i]
          if (!(p in keep) && (parent[p] in keep)) { keep[p] = 1; grew = 1 }
        }
      } while (grew)
      for (p in keep) if (p != root) print p
    }'
}

# op_stop_pidfile PIDFILE: SIGTERM the recorded process and everything below it, SIGKILL
# what is left after 5 s.
op_stop_pidfile ()
{
  local pidfile=$1 pid start name tries=0 p st
  name=$(basename "$pidfile" .pid)
  if ! op_pid_alive "$pidfile"; then
    rm -f "$pidfile"
    return 0
  fi
  read -r pid start <"$pidfile"
  # Forking servers move each connection into a session of its own (vsftpd does, and its
  # logged-in session processes outlive the listener), so neither the process group nor
  # the parent's death reaches them: collect the whole tree, with start times so a PID
  # reused meanwhile is never signalled, before anything exits and is re-parented.
  local -a procs=("$pid $start")
  for p in $(op_descendants "$pid"); do
    st=$(op_proc_starttime "$p") && procs+=("$p $st")
  done
  op_signal_procs TERM "${procs[@]}"
  while [ -n "$(op_alive_procs "${procs[@]}")" ]; do
    tries=$((tries + 1))
    if [ "$tries" -ge 50 ]; then
      op_log "$name (PID $pid) did not stop within 5 s of SIGTERM; sending SIGKILL"
      op_signal_procs KILL "${procs[@]}"
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
}

# op_alive_procs "PID STARTTIME"…: the entries that still name the same running process.
op_alive_procs ()
{
  local e now
  for e in "$@"; do
    now=$(op_proc_starttime "${e% *}") || continue
    [ "$now" != "${e#* }" ] || echo "$e"
  done
}

# op_signal_procs SIGNAL "PID STARTTIME"…
op_signal_procs ()
{
  local sig=$1 e
  shift
  while read -r e; do
    [ -n "$e" ] || continue
    kill "-$sig" "${e% *}" 2>/dev/null || true
  done < <(op_alive_procs "$@")
}

# Name of the start/stop function for server script NAME.sh: start_NAME with every
# character that can't be in a shell name turned into '_'.
op_fn_name ()
{
  printf '%s_%s' "$1" "$2" | tr -c 'A-Za-z0-9_' '_'
}

# Stop everything recorded in the run folder and remove it. Runs each started server's
# optional stop_NAME hook first (a server that shuts down more cleanly by command than by
# signal, like innd, which ignores SIGTERM for a long time — testing.md).
op_stop_all ()
{
  if [ ! -e "$OP_RUNDIR" ]; then
    return 0
  fi
  op_rundir_is_ours \
    || op_die "$OP_RUNDIR is not an Outpost test run folder (no marker); not touching it"
  local name fn pidfile
  if [ -f "$OP_RUNDIR/servers" ]; then
    while read -r name; do
      [ -n "$name" ] || continue
      fn=$(op_fn_name stop "$name")
      if [ -f "$OP_SERVERS_DIR/$name.sh" ]; then
        # shellcheck source=/dev/null
        . "$OP_SERVERS_DIR/$name.sh"
        if declare -F "$fn" >/dev/null; then
          "$fn" || op_log "$name: stop hook failed; killing its processes anyway"
        fi
      fi
    done <"$OP_RUNDIR/servers"
  fi
  for pidfile in "$OP_RUNDIR"/pids/*.pid; do
    [ -e "$pidfile" ] || continue
    op_stop_pidfile "$pidfile"
  done
  rm -rf -- "$OP_RUNDIR"
}

# Server script names, in a stable order: every tests/servers/NAME.sh but this file.
op_all_servers ()
{
  local f name
  for f in "$OP_SERVERS_DIR"/*.sh; do
    name=$(basename "$f" .sh)
    [ "$name" != lib ] || continue
    echo "$name"
  done
}

op_server_list ()
{
  op_all_servers | paste -sd ' ' -
}
