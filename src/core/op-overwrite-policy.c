/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-transfer"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-overwrite-policy.h"

G_DEFINE_ENUM_TYPE (OpOverwriteChoice, op_overwrite_choice,
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ASK, "ask"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_OVERWRITE, "overwrite"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_OVERWRITE_IF_NEWER, "overwrite-if-newer"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_RESUME, "resume"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_RENAME, "rename"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_SKIP, "skip"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS, "overwrite-if-size-differs"))

G_DEFINE_ENUM_TYPE (OpOverwriteAction, op_overwrite_action,
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_ASK, "ask"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_WRITE, "write"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_OVERWRITE, "overwrite"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_RESUME, "resume"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_RENAME, "rename"),
  G_DEFINE_ENUM_VALUE (OP_OVERWRITE_ACTION_SKIP, "skip"))

const char *
op_overwrite_choice_to_string (OpOverwriteChoice choice)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (OP_TYPE_OVERWRITE_CHOICE);
  GEnumValue *value = g_enum_get_value (klass, choice);

  return value != NULL ? value->value_nick : NULL;
}

gboolean
op_overwrite_choice_from_string (const char        *string,
                                 OpOverwriteChoice *choice)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *value;

  g_return_val_if_fail (choice != NULL, FALSE);
  if (string == NULL)
    return FALSE;
  klass = g_type_class_ref (OP_TYPE_OVERWRITE_CHOICE);
  value = g_enum_get_value_by_nick (klass, string);
  if (value == NULL)
    return FALSE;
  *choice = value->value;
  return TRUE;
}

/**
 * op_overwrite_decide:
 * @source: what would be transferred
 * @target: (nullable): what is there already, or %NULL when nothing is
 * @choice: the decision that applies
 *
 * Returns: what to do
 */
OpOverwriteAction
op_overwrite_decide (const OpFileFacts *source,
                     const OpFileFacts *target,
                     OpOverwriteChoice  choice)
{
  g_return_val_if_fail (source != NULL, OP_OVERWRITE_ACTION_ASK);

  if (target == NULL)
    return OP_OVERWRITE_ACTION_WRITE;

  switch (choice)
    {
    case OP_OVERWRITE_OVERWRITE:
      return OP_OVERWRITE_ACTION_OVERWRITE;

    case OP_OVERWRITE_OVERWRITE_IF_NEWER:
      if (source->mtime >= 0 && target->mtime >= 0 && source->mtime > target->mtime)
        return OP_OVERWRITE_ACTION_OVERWRITE;
      return OP_OVERWRITE_ACTION_SKIP;

    case OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS:
      if (source->size >= 0 && target->size >= 0 && source->size != target->size)
        return OP_OVERWRITE_ACTION_OVERWRITE;
      return OP_OVERWRITE_ACTION_SKIP;

    case OP_OVERWRITE_RESUME:
      if (source->size >= 0 && target->size >= 0 && target->size >= source->size)
        return OP_OVERWRITE_ACTION_SKIP;
      return OP_OVERWRITE_ACTION_RESUME;

    case OP_OVERWRITE_RENAME:
      return OP_OVERWRITE_ACTION_RENAME;

    case OP_OVERWRITE_SKIP:
      return OP_OVERWRITE_ACTION_SKIP;

    case OP_OVERWRITE_ASK:
    default:
      return OP_OVERWRITE_ACTION_ASK;
    }
}

/* Where the number goes: before ".tar.gz"-style double extensions, else before the last
 * extension; never inside a leading dot (".profile"). */
static gsize
extension_start (const char *name)
{
  static const char * const double_extensions[] = {
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar.lz", ".tar.Z", NULL
  };
  gsize length = strlen (name);
  const char *dot;

  for (guint i = 0; double_extensions[i] != NULL; i++)
    {
      gsize ext = strlen (double_extensions[i]);

      if (length > ext && g_ascii_strcasecmp (name + length - ext, double_extensions[i]) == 0)
        return length - ext;
    }

  dot = strrchr (name, '.');
  if (dot == NULL || dot == name || dot[1] == '\0')
    return length;
  return dot - name;
}

/**
 * op_overwrite_free_name:
 * @name: the name that is taken
 * @taken: tells whether a name is taken
 * @user_data: for @taken
 *
 * Returns: (transfer full) (nullable): a free name
 */
char *
op_overwrite_free_name (const char      *name,
                        OpNameTakenFunc  taken,
                        gpointer         user_data)
{
  g_autofree char *stem = NULL;
  const char *extension;
  gsize split;
  guint64 first = 1;

  g_return_val_if_fail (name != NULL && name[0] != '\0', NULL);
  g_return_val_if_fail (taken != NULL, NULL);

  split = extension_start (name);
  stem = g_strndup (name, split);
  extension = name + split;

  /* "report (3).pdf" goes on as "report (4).pdf", not "report (3) (1).pdf". */
  {
    gsize stem_length = strlen (stem);

    if (stem_length >= 4 && stem[stem_length - 1] == ')')
      {
        char *open = g_strrstr (stem, " (");

        if (open != NULL && open > stem)
          {
            g_autofree char *digits = g_strndup (open + 2, stem + stem_length - 1 - (open + 2));
            guint64 n;

            if (digits[0] != '\0' && digits[0] != '0' &&
                g_ascii_string_to_unsigned (digits, 10, 1, 9999, &n, NULL))
              {
                *open = '\0';
                first = n + 1;
              }
          }
      }
  }

  for (guint64 n = first; n < first + 9999; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%" G_GUINT64_FORMAT ")%s",
                                                    stem, n, extension);

      if (!taken (candidate, user_data))
        return g_steal_pointer (&candidate);
    }
  return NULL;
}
