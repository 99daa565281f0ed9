#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Fails when a translatable string in the sources is missing, fuzzy or untranslated in any
# language of po/LINGUAS. It extracts a fresh template from po/POTFILES.in the way
# `ninja outpost-pot` does (Meson's glib preset), merges each .po file with it, and asks
# msgfmt for statistics: every message must be translated.
#
# Usage: check-translations.sh SOURCE_ROOT WORK_DIR
set -eu

top=${1:?usage: check-translations.sh SOURCE_ROOT WORK_DIR}
work=${2:?usage: check-translations.sh SOURCE_ROOT WORK_DIR}
mkdir -p "$work"

# Meson's i18n 'glib' preset.
xgettext \
  --package-name=outpost \
  --directory="$top" \
  --files-from="$top/po/POTFILES.in" \
  --output="$work/outpost.pot" \
  --from-code=UTF-8 \
  --add-comments \
  --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --flag=g_markup_printf_escaped:1:c-format --flag=g_log:3:c-format \
  --flag=g_print:1:c-format --flag=g_printerr:1:c-format --flag=g_printf:1:c-format \
  --flag=g_fprintf:2:c-format --flag=g_sprintf:2:c-format --flag=g_snprintf:3:c-format

total=$(msgattrib --no-obsolete "$work/outpost.pot" 2>/dev/null | grep -c '^msgid ' || true)
echo "$((total - 1)) translatable strings in the sources"

status=0
for lang in $(sed -e 's/#.*//' "$top/po/LINGUAS"); do
  po="$top/po/$lang.po"
  merged="$work/$lang.po"

  if [ ! -f "$po" ]; then
    echo "$lang: po/$lang.po is missing"
    status=1
    continue
  fi

  # Without fuzzy matching, a changed string shows up as untranslated rather than as a
  # guess that looks finished.
  msgmerge --quiet --no-fuzzy-matching --output-file="$merged" "$po" "$work/outpost.pot"

  if ! stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$merged" 2>&1); then
    echo "$lang: msgfmt --check failed:"
    echo "$stats"
    status=1
    continue
  fi
  echo "$lang: $stats"

  case "$stats" in
    *fuzzy* | *untranslated*)
      status=1
      echo "$lang: these strings need a translation in po/$lang.po:"
      { msgattrib --untranslated --no-obsolete --no-wrap "$merged"
        msgattrib --only-fuzzy --no-obsolete --no-wrap "$merged"
      } | grep -E '^(#: |msgctxt |msgid )' | grep -v '^msgid ""$' || true
      ;;
  esac

  # Strings that no longer exist in the sources are kept as obsolete entries by
  # msgmerge; they do no harm, but say so, so they get cleaned up.
  obsolete=$(msgattrib --only-obsolete "$po" 2>/dev/null | grep -c '^#~ msgid ' || true)
  if [ "$obsolete" -gt 0 ]; then
    echo "$lang: note: $obsolete obsolete entries in po/$lang.po"
  fi
done

exit "$status"
