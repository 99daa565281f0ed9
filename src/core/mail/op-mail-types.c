/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include "op-mail-private.h"
#include "op-mail-types.h"
#include "op-secret.h"

G_DEFINE_ENUM_TYPE (OpMailSpecialUse, op_mail_special_use,
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_INBOX, "inbox"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_SENT, "sent"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_DRAFTS, "drafts"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_TRASH, "trash"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_JUNK, "junk"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_ARCHIVE, "archive"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_ALL, "all"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_SPECIAL_USE_FLAGGED, "flagged"))

G_DEFINE_FLAGS_TYPE (OpMailFlags, op_mail_flags,
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_NONE, "none"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_SEEN, "seen"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_ANSWERED, "answered"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_FLAGGED, "flagged"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_DELETED, "deleted"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_DRAFT, "draft"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_FORWARDED, "forwarded"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_FLAG_JUNK, "junk"))

static const struct
{
  const char  *imap;
  OpMailFlags  flag;
} flag_names[] = {
  { "\\Seen", OP_MAIL_FLAG_SEEN },
  { "\\Answered", OP_MAIL_FLAG_ANSWERED },
  { "\\Flagged", OP_MAIL_FLAG_FLAGGED },
  { "\\Deleted", OP_MAIL_FLAG_DELETED },
  { "\\Draft", OP_MAIL_FLAG_DRAFT },
  { "$Forwarded", OP_MAIL_FLAG_FORWARDED },
  { "$Junk", OP_MAIL_FLAG_JUNK },
};

OpMailFlags
op_mail_flags_from_imap (const char * const *flags,
                         char              **keywords)
{
  OpMailFlags result = OP_MAIL_FLAG_NONE;
  g_autoptr(GString) others = g_string_new (NULL);

  for (const char * const *f = flags; f != NULL && *f != NULL; f++)
    {
      gboolean known = FALSE;

      /* RFC 3501 §2.3.2: flags are case-insensitive. */
      for (gsize i = 0; i < G_N_ELEMENTS (flag_names); i++)
        if (g_ascii_strcasecmp (*f, flag_names[i].imap) == 0)
          {
            result |= flag_names[i].flag;
            known = TRUE;
          }
      if (known || g_ascii_strcasecmp (*f, "\\Recent") == 0 || **f == '\0')
        continue;
      if (others->len > 0)
        g_string_append_c (others, ' ');
      g_string_append (others, *f);
    }
  if (keywords != NULL)
    *keywords = others->len > 0 ? g_string_free (g_steal_pointer (&others), FALSE) : NULL;
  return result;
}

GStrv
op_mail_flags_to_imap (OpMailFlags  flags,
                       const char  *keywords)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; i < G_N_ELEMENTS (flag_names); i++)
    if (flags & flag_names[i].flag)
      g_strv_builder_add (builder, flag_names[i].imap);
  if (keywords != NULL)
    {
      g_auto(GStrv) words = g_strsplit (keywords, " ", -1);
      for (char **w = words; *w != NULL; w++)
        if (**w != '\0')
          g_strv_builder_add (builder, *w);
    }
  return g_strv_builder_end (builder);
}

void
_op_mail_wipe (char **secret)
{
  g_clear_pointer (secret, op_secret_free);
}
