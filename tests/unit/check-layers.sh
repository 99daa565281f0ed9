#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Fails when src/net or src/core includes a GTK, GDK or libadwaita header, or when net
# includes a core header (dependencies point down only: ui -> core -> net).
set -u
root=${1:?usage: check-layers.sh SOURCE_ROOT}
status=0

hits=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](gtk/|gdk/|adwaita|libadwaita)' \
         "$root/src/net" "$root/src/core" 2>/dev/null)
if [ -n "$hits" ]; then
  echo "net/core must not include GTK, GDK or libadwaita headers (DESIGN.md, Layers):"
  echo "$hits"
  status=1
fi

for header in "$root"/src/core/*.h; do
  [ -e "$header" ] || continue
  name=$(basename "$header")
  hits=$(grep -rnE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"]$name[>\"]" "$root/src/net" 2>/dev/null)
  if [ -n "$hits" ]; then
    echo "src/net must not include the core header $name (dependencies point down only):"
    echo "$hits"
    status=1
  fi
done

[ "$status" -eq 0 ] && echo "layers: net and core are free of GTK, net is free of core"
exit "$status"
