#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# FTP transfer and listing benchmark (README.md): Outpost's engine against curl and lftp
# on the same files, over vsftpd plain and vsftpd FTPS; listings of a 100,000-entry
# folder on ProFTPD (MLSD) and vsftpd (LIST). Prints MB/s, ratios and peak RSS growth.
#
#   tests/bench/bench-ftp-transfer.sh BENCH-PROGRAM
#
# Needs the servers of tests/servers/start (root: it writes into their FTP roots). Exits
# 77 (skipped) without them. OUTPOST_BENCH_SIZE_MB sets the file size (default 1024),
# OUTPOST_BENCH_RUNS the rounds per client (default 3, best counts),
# OUTPOST_BENCH_LIST_ENTRIES the size of the listed folder (default 100000),
# OUTPOST_BENCH_LIMIT_MBPS the speed limit of the limited download (default 20, MB/s),
# OUTPOST_BENCH_PARTS which parts run (default "transfer list ttl limit").
set -euo pipefail

bench=${1:?usage: $0 path/to/bench-ftp-transfer}
env_file=${OUTPOST_TEST_RUNDIR:-/tmp/outpost-test-servers}/env
size_mb=${OUTPOST_BENCH_SIZE_MB:-1024}
entries=${OUTPOST_BENCH_LIST_ENTRIES:-100000}
runs=${OUTPOST_BENCH_RUNS:-3}
limit_mbps=${OUTPOST_BENCH_LIMIT_MBPS:-20}
parts=" ${OUTPOST_BENCH_PARTS:-transfer list ttl limit} "

if [ -z "${OUTPOST_TEST_VSFTPD_PORT:-}" ]; then
  if [ -r "$env_file" ]; then
    # shellcheck disable=SC1090
    . "$env_file"
  else
    echo "bench-ftp-transfer: no test servers ($env_file); run tests/servers/start" >&2
    exit 77
  fi
fi
for cmd in curl lftp /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "bench-ftp-transfer: $cmd missing (build-aux/dev deps --test)" >&2; exit 77; }
done

host=$OUTPOST_TEST_FTP_HOST
ca=$OUTPOST_TEST_CA
work=$(mktemp -d /tmp/outpost-bench-XXXXXX)
name=bench-$$-$RANDOM.bin
cleanup() {
  rm -rf "$work" "${OUTPOST_TEST_VSFTPD_ROOT:?}/$name" "$OUTPOST_TEST_VSFTPD_ROOT/up-"*"-$name" \
    "${OUTPOST_TEST_VSFTPD_ROOT:?}/bench-list-$$" "${OUTPOST_TEST_PROFTPD_ROOT:-/nonexistent}/bench-list-$$" \
    "${OUTPOST_TEST_VSFTPD_ROOT:?}/bench-ttl-$$"
}
trap cleanup EXIT

now() { date +%s.%N; }
mbps() { awk -v b="$1" -v t="$2" 'BEGIN { printf "%.1f", b / t / 1e6 }'; }
# Runs a command under /usr/bin/time (its output in $work/out); prints "SECONDS
# MAXRSS-KIB": the whole run, start-up, connection, TLS and login included, for every
# client alike.
timed() {
  local t0 t1 rss
  # Write back what the previous step left dirty (the 1 GiB source file, the last
  # client's output), or the next client pays for it.
  sync
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/time" "$@" >"$work/out" 2>"$work/err" \
    || { echo "bench-ftp-transfer: failed: $*" >&2; cat "$work/err" >&2; exit 1; }
  t1=$(now)
  rss=$(tail -n 1 "$work/time")
  awk -v a="$t0" -v b="$t1" -v r="$rss" 'BEGIN { printf "%.3f %d\n", b - a, r }'
}

bytes=$((size_mb * 1024 * 1024))
if [[ $parts == *" transfer "* || $parts == *" limit "* ]]; then
  echo "Creating a $size_mb MiB file of random bytes in the vsftpd root"
  head -c "$bytes" /dev/urandom >"$OUTPOST_TEST_VSFTPD_ROOT/$name"
  chmod 0644 "$OUTPOST_TEST_VSFTPD_ROOT/$name"
  [[ $parts != *" transfer "* ]] || cp "$OUTPOST_TEST_VSFTPD_ROOT/$name" "$work/local.bin"
fi

user=$OUTPOST_TEST_VSFTPD_USER
pass=$OUTPOST_TEST_VSFTPD_PASSWORD

ratio_line() {
  # ratio_line LABEL OUTPOST CURL LFTP
  awk -v l="$1" -v o="$2" -v c="$3" -v f="$4" 'BEGIN {
    m = (c > f) ? c : f
    printf "%-22s outpost %8.1f MB/s  curl %8.1f MB/s  lftp %8.1f MB/s  outpost/max %.2f\n", l, o, c, f, o / m }'
}

echo "load average at the start: $(cat /proc/loadavg)"
for mode in plain ftps; do
  [[ $parts == *" transfer "* ]] || break
  if [ "$mode" = plain ]; then
    port=$OUTPOST_TEST_VSFTPD_PORT server=vsftpd
    curl_tls=()
    lftp_tls="set ftp:ssl-allow false;"
  else
    port=$OUTPOST_TEST_VSFTPD_FTPS_PORT server=vsftpd-ftps
    curl_tls=(--ssl-reqd --cacert "$ca")
    lftp_tls="set ssl:ca-file $ca; set ftp:ssl-force true; set ftp:ssl-protect-data true;"
  fi
  url="ftp://$host:$port"
  lftp_base="set net:max-retries 1; set xfer:clobber true; $lftp_tls"

  # Each client in turn, OUTPOST_BENCH_RUNS rounds; the best time of each counts (a
  # loopback VM's figures swing by 2x between runs). Each writes a real file.
  for dir in download upload; do
    best_o='' best_c='' best_l='' o_engine=0 o_hwm=0 o_rss=0 c_rss=0 l_rss=0
    for ((r = 1; r <= runs; r++)); do
      if [ "$dir" = download ]; then
        read -r t rss < <(timed "$bench" "$server" download "/$name" "$work/outpost.bin")
      else
        read -r t rss < <(timed "$bench" "$server" upload "$work/local.bin" "/up-outpost-$name")
      fi
      if [ -z "$best_o" ] || awk -v a="$t" -v b="$best_o" 'BEGIN { exit !(a < b) }'; then
        best_o=$t
        o_engine=$(awk '{ print $8 }' "$work/out")
      fi
      o_hwm=$(awk -v h="$o_hwm" '{ print ($10 > h) ? $10 : h }' "$work/out")
      o_rss=$((rss > o_rss ? rss : o_rss))
      rm -f "$work/outpost.bin" "$OUTPOST_TEST_VSFTPD_ROOT/up-outpost-$name"

      if [ "$dir" = download ]; then
        read -r t rss < <(timed curl -sS "${curl_tls[@]}" -u "$user:$pass" -o "$work/curl.bin" "$url/$name")
      else
        read -r t rss < <(timed curl -sS "${curl_tls[@]}" -u "$user:$pass" -T "$work/local.bin" "$url/up-curl-$name")
      fi
      best_c=$(awk -v a="$t" -v b="$best_c" 'BEGIN { print (b == "" || a < b) ? a : b }')
      c_rss=$((rss > c_rss ? rss : c_rss))
      rm -f "$work/curl.bin" "$OUTPOST_TEST_VSFTPD_ROOT/up-curl-$name"

      if [ "$dir" = download ]; then
        read -r t rss < <(timed lftp -u "$user,$pass" -e "$lftp_base get /$name -o $work/lftp.bin; quit" "$url")
      else
        read -r t rss < <(timed lftp -u "$user,$pass" -e "$lftp_base put $work/local.bin -o /up-lftp-$name; quit" "$url")
      fi
      best_l=$(awk -v a="$t" -v b="$best_l" 'BEGIN { print (b == "" || a < b) ? a : b }')
      l_rss=$((rss > l_rss ? rss : l_rss))
      rm -f "$work/lftp.bin" "$OUTPOST_TEST_VSFTPD_ROOT/up-lftp-$name"
    done
    ratio_line "$mode $dir" "$(mbps "$bytes" "$best_o")" "$(mbps "$bytes" "$best_c")" "$(mbps "$bytes" "$best_l")"
    echo "  outpost: $o_engine MB/s for the transfer alone; peak RSS $o_rss KiB, grown by at most $o_hwm KiB during the transfer; curl peak $c_rss KiB; lftp peak $l_rss KiB"
  done
done

# Listings of a big folder: time to a parsed list, and peak RSS growth while listing.
# The server itself needs most of that time (it stats every entry), so the same listing is
# also fetched by curl, whose -w timings give the wire alone: from the end of the set-up
# (login, PASV) to the last byte. Outpost's time less that is what parsing costs on top
# of the wire (issue target: at most 0.3 s and 60 MB); the best of the rounds counts.
list_bench() {
  # list_bench SERVER ROOT PORT USER PASS MODE(mlsd|list) CURL-COMMAND
  local server=$1 root=$2 port=$3 user=$4 pass=$5 mode=$6 cmd=$7 dir=bench-list-$$
  local o_t='' o_line='' o_rss=0 wire='' c_t c_rss t rss r
  mkdir -p "$root/$dir"
  (cd "$root/$dir" && seq -f "entry %06g with a longer name.txt" 1 "$entries" | xargs -d '\n' touch)
  for ((r = 1; r <= runs; r++)); do
    read -r t rss < <(timed "$bench" "$server" list "/$dir" "$mode")
    t=$(awk '{ print $3 }' "$work/out")
    if [ -z "$o_t" ] || awk -v a="$t" -v b="$o_t" 'BEGIN { exit !(a < b) }'; then
      o_t=$t
      o_line=$(cat "$work/out")
    fi
    o_rss=$((rss > o_rss ? rss : o_rss))
    read -r c_t c_rss < <(timed curl -sS --ssl-reqd --cacert "$ca" -u "$user:$pass" -X "$cmd" \
                            -o "$work/raw.txt" -w '%{time_pretransfer} %{time_total}\n' \
                            "ftp://$host:$port/$dir/")
    t=$(awk '{ printf "%.3f", $2 - $1 }' "$work/out")
    wire=$(awk -v a="$t" -v b="$wire" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  echo "$server $mode of $entries entries ($(wc -c <"$work/raw.txt") bytes):"
  echo "  $o_line; peak RSS $o_rss KiB"
  awk -v o="$o_t" -v w="$wire" 'BEGIN {
    printf "  the wire alone (curl -X '"$cmd"', command to last byte) %.3f s; outpost beyond the wire %.3f s\n", w, o - w }'
  rm -rf "${root:?}/$dir" "$work/raw.txt"
}
if [[ $parts == *" list "* ]]; then
echo "Listing $entries entries"
list_bench proftpd "$OUTPOST_TEST_PROFTPD_ROOT" "$OUTPOST_TEST_PROFTPD_PORT" \
  "$OUTPOST_TEST_PROFTPD_USER" "$OUTPOST_TEST_PROFTPD_PASSWORD" mlsd MLSD
list_bench vsftpd-ftps "$OUTPOST_TEST_VSFTPD_ROOT" "$OUTPOST_TEST_VSFTPD_FTPS_PORT" \
  "$OUTPOST_TEST_VSFTPD_USER" "$OUTPOST_TEST_VSFTPD_PASSWORD" list LIST
fi

# Time to listing: what a person waits for after pressing Connect. Connect, TLS, login and
# the first LIST of a small folder (vsftpd FTPS), Outpost against curl doing the same, in
# turns; the whole process each time (start-up included), best of the rounds, with
# Outpost's own split (main() to logged in, LIST) and its protocol log's steps on the
# best run, and each one's CPU time (on a loaded machine the wall clock mostly measures
# waiting for a core).
if [[ $parts == *" ttl "* ]]; then
  dir=bench-ttl-$$
  mkdir -p "$OUTPOST_TEST_VSFTPD_ROOT/$dir"
  for i in $(seq 1 20); do echo "$i" >"$OUTPOST_TEST_VSFTPD_ROOT/$dir/file-$i.txt"; done
  echo "Time to listing (vsftpd FTPS: connect, TLS, login, LIST of 20 files); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  best_o='' best_c='' o_line='' o_steps='' c_line='' o_cpu='' c_cpu=''
  for ((r = 1; r <= runs * 2; r++)); do
    read -r t rss < <(timed /usr/bin/time -f '%U %S' -o "$work/cpu" "$bench" vsftpd-ftps ttl "/$dir")
    if [ -z "$best_o" ] || awk -v a="$t" -v b="$best_o" 'BEGIN { exit !(a < b) }'; then
      best_o=$t o_line=$(cat "$work/out") o_steps=$(cat "$work/err")
      o_cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$work/cpu")
    fi
    read -r t rss < <(timed /usr/bin/time -f '%U %S' -o "$work/cpu" curl -sS --ssl-reqd --cacert "$ca" \
                        -u "$OUTPOST_TEST_VSFTPD_USER:$OUTPOST_TEST_VSFTPD_PASSWORD" -o "$work/curl-list.txt" \
                        -w '%{time_connect} %{time_appconnect} %{time_pretransfer} %{time_total}\n' \
                        "ftp://$host:$OUTPOST_TEST_VSFTPD_FTPS_PORT/$dir/")
    if [ -z "$best_c" ] || awk -v a="$t" -v b="$best_c" 'BEGIN { exit !(a < b) }'; then
      best_c=$t c_line=$(cat "$work/out")
      c_cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$work/cpu")
    fi
  done
  echo "  $o_line"
  echo "  Outpost's protocol log on that run (ms from main()):"
  echo "$o_steps" | sed 's/^/  /'
  echo "  curl (its own timers): logged in and PASV after $(echo "$c_line" | awk '{ print $3 }') s, listing after $(echo "$c_line" | awk '{ print $4 }') s"
  awk -v o="$best_o" -v c="$best_c" -v oc="$o_cpu" -v cc="$c_cpu" 'BEGIN {
    printf "  whole process, best of the rounds: outpost %.3f s (CPU %.3f s)  curl %.3f s (CPU %.3f s)  curl/outpost %.2f\n", o, oc, c, cc, c / o }'
  rm -rf "${OUTPOST_TEST_VSFTPD_ROOT:?}/$dir"
fi

# A 1 GiB download under a speed limit (issue 17: the average within 5 % of the limit).
if [[ $parts == *" limit "* ]]; then
  limit=$((limit_mbps * 1000000))
  echo "Download of $size_mb MiB (vsftpd FTPS) under a limit of $limit_mbps MB/s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  read -r t rss < <(OUTPOST_BENCH_RATE_LIMIT=$limit timed "$bench" vsftpd-ftps download "/$name" "$work/outpost.bin")
  awk -v l="$limit" -v line="$(cat "$work/out")" 'BEGIN {
    split(line, f, " "); rate = f[5] / f[3]
    printf "  %s\n  average %.2f MB/s over %.1f s (the transfer alone), %.3f of the limit (target within 5 %%)\n", line, rate / 1e6, f[3], rate / l }'
  cmp -s "$work/outpost.bin" "$OUTPOST_TEST_VSFTPD_ROOT/$name" || { echo "bench-ftp-transfer: the limited download differs" >&2; exit 1; }
  rm -f "$work/outpost.bin"
fi
