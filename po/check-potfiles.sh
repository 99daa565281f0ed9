#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails when a file with translatable strings is missing from po/POTFILES.in, or when
# POTFILES.in names a file that does not exist. A file counts as translatable when it
# calls _(), N_(), C_(), NC_(), ngettext() or g_dngettext()/g_dpgettext2() (src/**/*.c,
# *.h), has translatable="yes" (src/**/*.ui), or is a desktop file or metainfo template
# (data/).
#
# Usage: check-potfiles.sh SOURCE_ROOT
set -eu

top=${1:?usage: check-potfiles.sh SOURCE_ROOT}
cd "$top"

listed=$(mktemp)
wanted=$(mktemp)
trap 'rm -f "$listed" "$wanted"' EXIT

sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' po/POTFILES.in | LC_ALL=C sort -u > "$listed"

{
  find src -name '*.c' -o -name '*.h' | while read -r f; do
    if grep -Eq '(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext|g_dpgettext2)[[:space:]]*\(' "$f"; then
      printf '%s\n' "$f"
    fi
  done
  find src -name '*.ui' | while read -r f; do
    if grep -q 'translatable="yes"' "$f"; then
      printf '%s\n' "$f"
    fi
  done
  find data -name '*.desktop.in' -o -name '*.metainfo.xml.in'
} | LC_ALL=C sort -u > "$wanted"

status=0

missing=$(LC_ALL=C comm -13 "$listed" "$wanted")
if [ -n "$missing" ]; then
  echo "These files have translatable strings but are not in po/POTFILES.in:"
  printf '  %s\n' $missing
  status=1
fi

while read -r f; do
  if [ ! -f "$f" ]; then
    echo "po/POTFILES.in lists $f, which does not exist"
    status=1
  fi
done < "$listed"

if [ "$status" -eq 0 ]; then
  echo "po/POTFILES.in lists all $(wc -l < "$listed") files with translatable strings"
fi
exit "$status"
