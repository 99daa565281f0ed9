# SPDX-License-Identifier: GPL-3.0-or-later
# shellcheck shell=bash
#
# INN 2.7 (Debian's inn2) on 127.0.0.1, configured and run entirely from the run folder
# (INNCONF points every INN program at $OP_RUNDIR/inn/etc/inn.conf; nothing of /etc/news
# or /var/spool/news is read or written):
#
#   innd                      the news server that stores articles (a private port, used
#                             only for injecting the fixtures and by nnrpd for POST)
#   nnrpd -D                  the reader: NNTP with STARTTLS (OUTPOST_TEST_INN_PORT)
#   nnrpd -D -S               the reader over implicit TLS (OUTPOST_TEST_INN_TLS_PORT)
#
# Readers are standalone nnrpd daemons because innd hands a connection from localhost to
# nnrpd only after MODE READER (testing.md "News (INN 2.7)"). Anyone on loopback may read;
# posting needs AUTHINFO USER/PASS as the test user (ckpasswd with a SHA-512 crypt hash of
# a fresh random password).
#
# Fixtures, injected through rnews (IHAVE to innd) before the readers start, so their
# Message-IDs, References and Dates are exactly those of tests/data/nntp/inn-seed/ (one
# file per article, injected in name order, hence article numbers 1, 2, … per group):
#   local.test    a threaded discussion: a root, replies, a reply to a missing parent,
#                 and a "Re:" without References
#   local.empty   a group that never had an article
#   local.post    where tests post (empty at start)
#   local.big     only with OUTPOST_TEST_INN_BIG=1: 100,000 articles in threads of ten
#                 (inn-big-batch.py), for the news benchmarks; injecting them takes a
#                 minute or more, so ordinary test runs go without
# Every process runs as the news user (setpriv; innd refuses to run as root), and stop
# shuts innd down with ctlinnd, which it obeys at once (it ignores SIGTERM for a while).

OP_INN_BIN=/usr/lib/news/bin
OP_INN_USER=outpost
OP_INN_BIG_GROUP=local.big
OP_INN_BIG_COUNT=100000

# _op_inn_as_news COMMAND…: run COMMAND as the news user with the run's INNCONF.
_op_inn_as_news ()
{
  setpriv --reuid=news --regid=news --init-groups -- \
    env INNCONF="$OP_RUNDIR/inn/etc/inn.conf" HOME="$OP_RUNDIR/inn" "$@"
}

start_inn ()
{
  op_require_root "INN (its programs run as the news user)"
  [ -x "$OP_INN_BIN/innd" ] || op_die "INN is not installed (Debian package inn2; build-aux/dev deps --test installs it)"
  op_require_cmd setpriv util-linux
  getent passwd news >/dev/null || op_die "the news user is missing (Debian package inn2 creates it)"
  local dir=$OP_RUNDIR/inn innd_port port tls_port password hash f batch
  local seed_dir=$OP_SERVERS_DIR/../data/nntp/inn-seed
  mkdir -p "$dir"/{etc,db,run,log,tmp,http,tls} \
    "$dir"/spool/{articles,overview,incoming/bad,outgoing,archive}
  innd_port=$(op_pick_port)
  port=$(op_pick_port)
  tls_port=$(op_pick_port)
  password=$(op_random_secret)

  cp "$OP_TLS_CERT" "$dir/tls/server.pem"
  cp "$OP_TLS_KEY" "$dir/tls/server-key.pem"
  cp "$OP_TLS_CA" "$dir/tls/ca.pem"

  cat >"$dir/etc/inn.conf" <<EOF
# Written by tests/servers/inn.sh for one test run; nothing from /etc/news.
domain:                 localdomain
pathhost:               outpost-test.localdomain
fromhost:               localdomain
server:                 127.0.0.1
bindaddress:            127.0.0.1
port:                   $innd_port
nnrpdpostport:          $innd_port
organization:           "Outpost test server"
mta:                    "/bin/false %s"
mailcmd:                /bin/false
ovmethod:               tradindexed
hismethod:              hisv6
enableoverview:         true
# Fixtures carry fixed dates years in the past: accept articles of any age.
artcutoff:              0
docancels:              "require-auth"
wireformat:             true
storeonxref:            true
pgpverify:              false
doinnwatch:             false
logstatus:              false
htmlstatus:             false
readertrack:            false
nnrpdcheckart:          true
allownewnews:           true
addinjectiondate:       true
addinjectionpostinghost: false
keywords:               false
maxconnections:         100
# nnrpd refuses readers ("400 load at 18.32, try later") while the load average is above
# 16, its default; test machines building in parallel pass that. 0 turns the check off.
nnrpdloadlimit:         0
# Most INN programs fork children as the news user; keep every path in the run folder.
pathnews:               /usr/lib/news
pathbin:                /usr/lib/news/bin
pathcontrol:            /usr/lib/news/bin/control
pathfilter:             /usr/lib/news/bin/filter
pathetc:                $dir/etc
pathdb:                 $dir/db
pathrun:                $dir/run
pathlog:                $dir/log
pathtmp:                $dir/tmp
pathhttp:               $dir/http
pathspool:              $dir/spool
patharticles:           $dir/spool/articles
pathoverview:           $dir/spool/overview
pathincoming:           $dir/spool/incoming
pathoutgoing:           $dir/spool/outgoing
patharchive:            $dir/spool/archive
tlscafile:              $dir/tls/ca.pem
tlscertfile:            $dir/tls/server.pem
tlskeyfile:             $dir/tls/server-key.pem
EOF

  cat >"$dir/etc/newsfeeds" <<'EOF'
ME:*::
EOF
  cat >"$dir/etc/storage.conf" <<'EOF'
method tradspool {
    newsgroups: *
    class: 0
}
EOF
  cat >"$dir/etc/expire.ctl" <<'EOF'
/remember/:11
*:A:never:never:never
EOF
  cat >"$dir/etc/incoming.conf" <<'EOF'
streaming: true
max-connections: 8
peer ME {
  hostname: "localhost, 127.0.0.1"
}
EOF
  : >"$dir/etc/control.ctl"
  : >"$dir/etc/moderators"
  : >"$dir/etc/distrib.pats"
  : >"$dir/etc/localgroups"
  : >"$dir/etc/subscriptions"
  touch "$dir/etc/buffindexed.conf" "$dir/etc/cycbuff.conf" "$dir/etc/ovsqlite.conf" \
    "$dir/etc/inn-secrets.conf"
  cat >"$dir/etc/motd.nnrpd" <<'EOF'
Outpost test server: nothing here is real news.
EOF

  # Readers: anyone on loopback reads; the test user (after AUTHINFO) also posts.
  hash=$(openssl passwd -6 "$password")
  printf '%s:%s\n' "$OP_INN_USER" "$hash" >"$dir/etc/passwd"
  cat >"$dir/etc/readers.conf" <<EOF
auth "loopback" {
    hosts: "127.0.0.1, ::1, localhost"
    default: "<reader>"
}
auth "users" {
    auth: "ckpasswd -f $dir/etc/passwd"
}
access "read" {
    users: "<reader>"
    newsgroups: "*"
    access: RN
}
access "post" {
    users: "$OP_INN_USER"
    newsgroups: "*"
    access: RPAN
}
EOF

  # Groups: status y (posting allowed), descriptions, and fixed creation times. innd
  # refuses to start without its own control and junk groups.
  cat >"$dir/db/active" <<'EOF'
control 0000000000 0000000001 n
control.cancel 0000000000 0000000001 n
junk 0000000000 0000000001 n
local.empty 0000000000 0000000001 y
local.post 0000000000 0000000001 y
local.test 0000000000 0000000001 y
EOF
  cat >"$dir/db/active.times" <<'EOF'
local.empty 1700000000 outpost@example.test
local.post 1700000000 outpost@example.test
local.test 1700000000 outpost@example.test
EOF
  printf '%s\t%s\n' local.empty "A group that never had an article." \
    local.post "Where the Outpost tests post." \
    local.test "Threaded articles for the Outpost tests." >"$dir/db/newsgroups"
  if [ "${OUTPOST_TEST_INN_BIG:-0}" = 1 ]; then
    printf '%s 0000000000 0000000001 y\n' "$OP_INN_BIG_GROUP" >>"$dir/db/active"
    printf '%s 1700000000 outpost@example.test\n' "$OP_INN_BIG_GROUP" >>"$dir/db/active.times"
    printf '%s\t%s\n' "$OP_INN_BIG_GROUP" "100,000 articles for the Outpost benchmarks." \
      >>"$dir/db/newsgroups"
  fi

  : >"$dir/db/history"
  chown -R news:news "$dir"
  chmod 0755 "$dir"
  chmod 0600 "$dir/tls/server-key.pem" "$dir/etc/passwd"

  _op_inn_as_news "$OP_INN_BIN/makedbz" -i -o -f "$dir/db/history" >"$OP_RUNDIR/log/inn-setup.log" 2>&1 \
    || { cat "$OP_RUNDIR/log/inn-setup.log" >&2; op_die "makedbz could not create INN's history database"; }
  chown news:news "$dir"/db/history*

  # -f: foreground, so op_spawn tracks innd itself.
  op_spawn inn-innd setpriv --reuid=news --regid=news --init-groups -- \
    env INNCONF="$dir/etc/inn.conf" HOME="$dir" "$OP_INN_BIN/innd" -f -P "$innd_port"
  op_wait_tcp inn-innd "$OP_HOST" "$innd_port" "200 "

  # The fixtures, as one rnews batch; rnews hands them to innd (IHAVE) over its local socket.
  batch=$dir/tmp/seed.batch
  : >"$batch"
  for f in "$seed_dir"/*.eml; do
    [ -e "$f" ] || op_die "no fixture articles in $seed_dir"
    printf '#! rnews %d\n' "$(stat -c %s "$f")" >>"$batch"
    cat "$f" >>"$batch"
  done
  chown news:news "$batch"
  _op_inn_as_news "$OP_INN_BIN/rnews" -N <"$batch" >>"$OP_RUNDIR/log/inn-setup.log" 2>&1 \
    || { cat "$OP_RUNDIR/log/inn-setup.log" >&2; op_die "rnews could not inject the fixture articles"; }
  _op_inn_wait_articles "$dir" "$(find "$seed_dir" -name '*.eml' | wc -l)" "$OP_WAIT_SECONDS"
  if [ "${OUTPOST_TEST_INN_BIG:-0}" = 1 ]; then
    op_log "inn: injecting $OP_INN_BIG_COUNT articles into $OP_INN_BIG_GROUP (OUTPOST_TEST_INN_BIG=1)"
    op_require_cmd /usr/bin/python3 python3
    /usr/bin/python3 "$OP_SERVERS_DIR/inn-big-batch.py" "$OP_INN_BIG_GROUP" "$OP_INN_BIG_COUNT" \
      >"$dir/tmp/big.batch" || op_die "inn-big-batch.py failed"
    chown news:news "$dir/tmp/big.batch"
    _op_inn_as_news "$OP_INN_BIN/rnews" -N <"$dir/tmp/big.batch" >>"$OP_RUNDIR/log/inn-setup.log" 2>&1 \
      || { tail -n 20 "$OP_RUNDIR/log/inn-setup.log" >&2; op_die "rnews could not inject the big group"; }
    rm -f "$dir/tmp/big.batch"
    _op_inn_wait_articles "$dir" "$(($(find "$seed_dir" -name '*.eml' | wc -l) + OP_INN_BIG_COUNT))" 900
    op_env OUTPOST_TEST_INN_BIG_GROUP "$OP_INN_BIG_GROUP"
  fi

  op_spawn inn-nnrpd setpriv --reuid=news --regid=news --init-groups -- \
    env INNCONF="$dir/etc/inn.conf" HOME="$dir" "$OP_INN_BIN/nnrpd" -D -f -n -b "$OP_HOST" -p "$port"
  op_spawn inn-nnrpd-tls setpriv --reuid=news --regid=news --init-groups -- \
    env INNCONF="$dir/etc/inn.conf" HOME="$dir" "$OP_INN_BIN/nnrpd" -D -f -n -S -b "$OP_HOST" -p "$tls_port"
  op_wait_tcp inn-nnrpd "$OP_HOST" "$port" "20"
  op_wait_tcp inn-nnrpd-tls "$OP_HOST" "$tls_port"

  op_env OUTPOST_TEST_NEWS_HOST "$OP_HOST"
  op_env OUTPOST_TEST_INN_PORT "$port"
  op_env OUTPOST_TEST_INN_TLS_PORT "$tls_port"
  op_env OUTPOST_TEST_INN_USER "$OP_INN_USER"
  op_env OUTPOST_TEST_INN_PASSWORD "$password"
  op_env OUTPOST_TEST_INN_GROUP local.test
  op_env OUTPOST_TEST_INN_EMPTY_GROUP local.empty
  op_env OUTPOST_TEST_INN_POST_GROUP local.post
}

# _op_inn_wait_articles DIR COUNT SECONDS: rnews returns once innd has the batch, but
# innd files articles asynchronously; wait until its history has COUNT entries.
_op_inn_wait_articles ()
{
  local dir=$1 want=$2 have deadline=$((SECONDS + $3))
  while :; do
    have=$(wc -l <"$dir/db/history" 2>/dev/null || echo 0)
    [ "$have" -lt "$want" ] || return 0
    [ "$SECONDS" -lt "$deadline" ] \
      || op_fail_with_log inn-innd "stored $have of the $want fixture articles within $3 s (see $dir/log)"
    sleep 0.1
  done
}

stop_inn ()
{
  [ -f "$OP_RUNDIR/pids/inn-innd.pid" ] || return 0
  op_pid_alive "$OP_RUNDIR/pids/inn-innd.pid" || return 0
  _op_inn_as_news "$OP_INN_BIN/ctlinnd" -t 10 shutdown "outpost tests done" >/dev/null 2>&1 \
    || op_log "ctlinnd shutdown failed; stop will signal innd"
  # innd exits within a second of the command; the common stop code signals what is left.
  local tries=0
  while op_pid_alive "$OP_RUNDIR/pids/inn-innd.pid" && [ "$tries" -lt 30 ]; do
    tries=$((tries + 1))
    sleep 0.1
  done
}
