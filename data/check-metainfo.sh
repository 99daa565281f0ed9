#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Validates the AppStream metainfo (as installed, with its translations) with
# `appstreamcli validate --pedantic`: any error, warning, info or pedantic hint fails,
# except one pedantic hint that the project's identity makes unavoidable:
# cid-contains-uppercase-letter, for the application id io.github.outpost.Outpost that
# DESIGN.md fixes (it is also the D-Bus name and the GSettings schema id; Flathub accepts
# it). Screenshots are not downloaded (--no-net): the machine that runs the tests may have
# no network.
#
# Usage: check-metainfo.sh APPSTREAMCLI METAINFO
set -eu

appstreamcli=${1:?usage: check-metainfo.sh APPSTREAMCLI METAINFO}
metainfo=${2:?usage: check-metainfo.sh APPSTREAMCLI METAINFO}

status=0
out=$("$appstreamcli" validate --pedantic --strict --no-net --explain "$metainfo" 2>&1) || status=$?
printf '%s\n' "$out"

# Issue lines look like "W: io.github.outpost.Outpost:12: tag-name detail".
issues=$(printf '%s\n' "$out" | grep -E '^[EWIP]: ' \
  | grep -vE '^P: [^ ]+: cid-contains-uppercase-letter io\.github\.outpost\.Outpost$' || true)
if [ -n "$issues" ]; then
  echo "check-metainfo.sh: appstreamcli found issues in $metainfo:"
  printf '%s\n' "$issues"
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "check-metainfo.sh: appstreamcli failed (exit $status)"
  exit 1
fi
# Every screenshot it names is one of the tree's (data/screenshots/, taken from the demo).
screenshots=$(dirname "$0")/screenshots
for url in $(grep -oE 'https://[^<]*/data/screenshots/[^<]*' "$metainfo"); do
  if [ ! -f "$screenshots/$(basename "$url")" ]; then
    echo "check-metainfo.sh: $metainfo names a screenshot the tree does not have: $url"
    exit 1
  fi
done
echo "check-metainfo.sh: $metainfo is valid, pedantic hints included"
