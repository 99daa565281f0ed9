#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# scan-secrets finds each form of a password it must find, in text and binary files and
# in nested folders, and stays quiet on a tree without one.
set -eu
scan=$1
dir=$(mktemp -d "${TMPDIR:-/tmp}/outpost-scan-secrets.XXXXXX")
trap 'rm -rf "$dir"' EXIT
export OUTPOST_TEST_FAKE_USER=someone
export OUTPOST_TEST_FAKE_PASSWORD='Tr0ub4dor&3'
unset OUTPOST_TEST_DOVECOT_PASSWORD OUTPOST_TEST_SMTP_PASSWORD OUTPOST_TEST_INN_PASSWORD \
  OUTPOST_TEST_VSFTPD_PASSWORD OUTPOST_TEST_PROFTPD_PASSWORD OUTPOST_TEST_PUREFTPD_PASSWORD \
  OUTPOST_TEST_DOVECOT_RT_PASSWORD 2>/dev/null || true

n=0
check () {  # check EXPECTED-STATUS WHAT [OPTION…]
  n=$((n + 1))
  status=0
  want=$1 what=$2
  shift 2
  "$scan" "$@" "$dir/tree" >"$dir/out" 2>&1 || status=$?
  if [ "$status" -ne "$want" ]; then
    echo "not ok $n - $what (exit $status, expected $want)"; cat "$dir/out"; exit 1
  fi
  echo "ok $n - $what"
}

mkdir -p "$dir/tree/profile/deep"
printf 'user=someone\nserver=mail.example\n' >"$dir/tree/profile/accounts.ini"
printf 'C: a1 LOGIN someone ****\n' >"$dir/tree/profile/deep/protocol.log"
check 0 "a clean tree"

printf 'a1 LOGIN someone Tr0ub4dor&3\n' >"$dir/tree/profile/deep/protocol.log"
check 1 "the raw password in a log"

printf 'C: AUTH PLAIN %s\n' "$(printf '\000someone\000Tr0ub4dor&3' | base64)" \
  >"$dir/tree/profile/deep/protocol.log"
check 1 "a SASL PLAIN blob"

printf 'C: %s\n' "$(printf 'Tr0ub4dor&3' | base64)" >"$dir/tree/profile/deep/protocol.log"
check 1 "a SASL LOGIN response"

printf 'C: ****\n' >"$dir/tree/profile/deep/protocol.log"
printf 'SQLite format 3\000\001\002Tr0ub4dor&3\377' >"$dir/tree/profile/store.sqlite"
check 1 "the password inside a binary store"

rm "$dir/tree/profile/store.sqlite"
check 0 "clean again"

mkdir -p "$dir/tree/profile/data/keyrings"
printf 'Tr0ub4dor&3' >"$dir/tree/profile/data/keyrings/login.keyring"
check 1 "a keyring file is searched unless skipped"
check 0 "a skipped folder is not searched" --skip "$dir/tree/profile/data/keyrings"
check 1 "a skip elsewhere leaves it searched" --skip "$dir/tree/profile/deep"
rm -r "$dir/tree/profile/data"

mkdir "$dir/tree/meson-logs"
printf 'Inherited environment: OUTPOST_TEST_FAKE_PASSWORD=Tr0ub4dor&3\n>>> OUTPOST_TEST_FAKE_PASSWORD=Tr0ub4dor&3 ./test\nok 1\n' \
  >"$dir/tree/meson-logs/testlog.txt"
printf '{"name": "t", "env": {"OUTPOST_TEST_FAKE_PASSWORD": "Tr0ub4dor&3"}, "stdout": "ok 1", "stderr": ""}\n' \
  >"$dir/tree/meson-logs/testlog.json"
check 0 "the environment Meson records is not the tests' output"

printf '{"name": "t", "env": {}, "stdout": "ok 1", "stderr": "LOGIN someone Tr0ub4dor&3"}\n' \
  >"$dir/tree/meson-logs/testlog.json"
check 1 "a password a test printed to stderr"
rm -r "$dir/tree/meson-logs"

n=$((n + 1))
status=0
OUTPOST_TEST_FAKE_PASSWORD=abc "$scan" "$dir/tree" >"$dir/out" 2>&1 || status=$?
[ "$status" -eq 2 ] || { echo "not ok $n - a too short password is refused (exit $status)"; exit 1; }
echo "ok $n - a too short password is refused"
echo "1..$n"
