#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Many small files (README.md "transfer-queue"): OUTPOST_BENCH_FILES (default 1000) files of
# 4 KiB, downloaded and uploaded over vsftpd plain and FTPS by Outpost's transfer queue, by
# lftp mirror with the same parallel count, and by one curl that keeps one connection for
# every file. Prints seconds, files a second and outpost/best.
#
#   tests/bench/bench-transfer-queue.sh BENCH-PROGRAM
#
# Needs the servers of tests/servers/start (root: it writes into the vsftpd root). Exits
# 77 (skipped) without them. OUTPOST_BENCH_PARALLEL: sessions at once (default 2, the
# queue's default).
set -euo pipefail

bench=${1:?usage: $0 path/to/bench-transfer-queue}
env_file=${OUTPOST_TEST_RUNDIR:-/tmp/outpost-test-servers}/env
files=${OUTPOST_BENCH_FILES:-1000}
parallel=${OUTPOST_BENCH_PARALLEL:-2}

if [ -z "${OUTPOST_TEST_VSFTPD_PORT:-}" ]; then
  if [ -r "$env_file" ]; then
    # shellcheck disable=SC1090
    . "$env_file"
  else
    echo "bench-transfer-queue: no test servers ($env_file); run tests/servers/start" >&2
    exit 77
  fi
fi
for cmd in curl lftp /usr/bin/time; do
  command -v "$cmd" >/dev/null || { echo "bench-transfer-queue: $cmd missing (build-aux/dev deps --test)" >&2; exit 77; }
done

host=$OUTPOST_TEST_FTP_HOST
ca=$OUTPOST_TEST_CA
user=$OUTPOST_TEST_VSFTPD_USER
pass=$OUTPOST_TEST_VSFTPD_PASSWORD
root=$OUTPOST_TEST_VSFTPD_ROOT
owner=$(stat -c %u:%g "$root")
work=$(mktemp -d /tmp/outpost-bench-XXXXXX)
tag=bq-$$-$RANDOM
cleanup() { rm -rf "$work" "${root:?}/$tag"*; }
trap cleanup EXIT

now() { date +%s.%N; }
# Runs a command; prints its seconds, start-up, connection, TLS and logins included, and
# the CPU time it used (user + system; on a loaded machine the wall clock mostly measures
# waiting for a core).
# A reference (curl, lftp) that fails is reported and its files counted (vsftpd refuses
# some of curl's FTPS data connections: 522, no TLS session reuse); Outpost failing ends
# the run.
timed() {
  local t0 t1
  sync
  t0=$(now)
  if ! /usr/bin/time -f '%U %S' -o "$work/cpu" "$@" >"$work/out" 2>"$work/err"; then
    echo "bench-transfer-queue: failed: $* ($(sort -u "$work/err" | head -n 3 | tr '\n' ' '))" >&2
    [ "$1" != "$bench" ] || exit 1
  fi
  t1=$(now)
  awk -v a="$t0" -v b="$t1" -v c="$(tail -n 1 "$work/cpu" | awk '{ print $1 + $2 }')" 'BEGIN { printf "%.3f/%.2f\n", b - a, c }'
}

echo "Creating $files files of 4 KiB"
mkdir -p "$work/src" "$root/$tag-src"
for ((i = 0; i < files; i++)); do
  head -c 4096 /dev/urandom >"$work/src/f$i.bin"
done
cp "$work/src/"* "$root/$tag-src/"
chown -R "$owner" "$root/$tag-src"
chmod 0755 "$root/$tag-src"

# A curl config that fetches (or sends) every file over the one connection curl keeps.
: >"$work/curl-down.cfg"
: >"$work/curl-up.cfg"
for ((i = 0; i < files; i++)); do
  printf 'url = "%s"\noutput = "%s"\n' "ftp://$host:PORT/$tag-src/f$i.bin" "$work/curl/f$i.bin" >>"$work/curl-down.cfg"
  printf 'url = "%s"\nupload-file = "%s"\n' "ftp://$host:PORT/$tag-up-curl/f$i.bin" "$work/src/f$i.bin" >>"$work/curl-up.cfg"
done

# count_files WHAT OUTPOST-DIR CURL-DIR LFTP-DIR: Outpost must have every file (else the
# run fails); a reference that lost one is reported next to its time.
count_files() {
  local what=$1 n d
  shift
  for d in "$@"; do
    n=$(find "$d" -type f 2>/dev/null | wc -l)
    if [ "$n" -ne "$files" ]; then
      echo "  $(basename "$d"): $what $n of $files files"
      [ "$d" != "$1" ] || exit 1
    fi
  done
}

line() {
  # line LABEL OUTPOST CURL LFTP (each SECONDS/CPU-SECONDS)
  awk -v l="$1" -v o="$2" -v c="$3" -v f="$4" -v n="$files" 'BEGIN {
    split(o, O, "/"); split(c, C, "/"); split(f, F, "/")
    m = (C[1] < F[1]) ? C[1] : F[1]
    printf "%-16s outpost %7.2f s (%5.0f files/s, CPU %.2f s)  curl %7.2f s (CPU %.2f s)  lftp %7.2f s (CPU %.2f s)  outpost/best %.2f\n",
           l, O[1], n / O[1], O[2], C[1], C[2], F[1], F[2], m / O[1] }'
}

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

for mode in plain ftps; do
  if [ "$mode" = plain ]; then
    port=$OUTPOST_TEST_VSFTPD_PORT server=vsftpd curl_tls=()
    lftp_tls="set ftp:ssl-allow false;"
  else
    port=$OUTPOST_TEST_VSFTPD_FTPS_PORT server=vsftpd-ftps curl_tls=(--ssl-reqd --cacert "$ca")
    lftp_tls="set ssl:ca-file $ca; set ftp:ssl-force true; set ftp:ssl-protect-data true;"
  fi
  lftp_base="set net:max-retries 1; set xfer:clobber true; $lftp_tls"

  rm -rf "$work/outpost" "$work/curl" "$work/lftp"
  mkdir -p "$work/curl"
  o=$(timed "$bench" "$server" download "/$tag-src" "$work/outpost" "$parallel")
  echo "  outpost: $(cat "$work/out")"
  c=$(timed curl -sS "${curl_tls[@]}" -u "$user:$pass" -K <(sed "s/:PORT/:$port/" "$work/curl-down.cfg"))
  l=$(timed lftp -u "$user,$pass" -e "$lftp_base mirror --parallel=$parallel /$tag-src $work/lftp; quit" "ftp://$host:$port")
  count_files download "$work/outpost" "$work/curl" "$work/lftp"
  line "$mode download" "$o" "$c" "$l"

  o=$(timed "$bench" "$server" upload "$work/src" "/$tag-up-outpost" "$parallel")
  echo "  outpost: $(cat "$work/out")"
  mkdir -p "$root/$tag-up-curl" && chown "$owner" "$root/$tag-up-curl"
  c=$(timed curl -sS "${curl_tls[@]}" -u "$user:$pass" -K <(sed "s/:PORT/:$port/" "$work/curl-up.cfg"))
  l=$(timed lftp -u "$user,$pass" -e "$lftp_base mirror -R --parallel=$parallel $work/src /$tag-up-lftp; quit" "ftp://$host:$port")
  count_files upload "$root/$tag-up-outpost" "$root/$tag-up-curl" "$root/$tag-up-lftp"
  line "$mode upload" "$o" "$c" "$l"
  echo "  load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "${root:?}/$tag-up-"*
done
