/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include "op-mail-plain-text.h"

#define QUOTE_COLOURS 3
#define URI_KEY "op-mail-uri"

/* Three quote colours that read on either background (GNOME palette: blue, green,
 * orange; the light variants on dark). Deeper levels repeat them. */
static const char *const quote_light[QUOTE_COLOURS] = { "#1a5fb4", "#26a269", "#c64600" };
static const char *const quote_dark[QUOTE_COLOURS] = { "#99c1f1", "#8ff0a4", "#ffbe6f" };

static GtkTextTag *
ensure_tag (GtkTextBuffer *buffer,
            const char    *name)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextTag *tag = gtk_text_tag_table_lookup (table, name);

  if (tag == NULL)
    tag = gtk_text_buffer_create_tag (buffer, name, NULL);
  return tag;
}

void
_op_mail_plain_text_set_dark (GtkTextBuffer *buffer,
                              gboolean       dark)
{
  for (guint i = 0; i < QUOTE_COLOURS; i++)
    {
      g_autofree char *name = g_strdup_printf ("quote-%u", i + 1);

      g_object_set (ensure_tag (buffer, name),
                    "foreground", dark ? quote_dark[i] : quote_light[i], NULL);
    }
  g_object_set (ensure_tag (buffer, "signature"),
                "foreground", dark ? "rgba(255,255,255,0.55)" : "rgba(0,0,0,0.55)", NULL);
  g_object_set (ensure_tag (buffer, "link"),
                "foreground", dark ? "#78aeed" : "#1c71d8",
                "underline", PANGO_UNDERLINE_SINGLE, NULL);
}

static guint
quote_level (const char *line)
{
  guint level = 0;

  for (const char *p = line; *p != '\0'; p++)
    {
      if (*p == '>')
        level++;
      else if (*p != ' ' && *p != '\t')
        break;
    }
  return level;
}

static gboolean
is_signature_separator (const char *line)
{
  /* RFC 3676 §4.3: "-- " alone; many mailers strip the trailing space. */
  return strcmp (line, "-- ") == 0 || strcmp (line, "--") == 0;
}

static GRegex *
link_regex (void)
{
  static GRegex *regex;

  if (g_once_init_enter (&regex))
    {
      GRegex *made = g_regex_new ("\\b(?:(?:https?|ftps?)://|mailto:|www\\.)[^\\s<>\"\\x{3000}-\\x{303f}\\x{ff08}\\x{ff09}\\x{ff0c}]+",
                                  G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);

      g_once_init_leave (&regex, made);
    }
  return regex;
}

/* Sentence punctuation after a link is not part of it; a closing parenthesis is, when
 * the link opened one ("…/Foo_(bar)"). */
static gsize
trim_link (const char *text,
           gsize       length)
{
  while (length > 0)
    {
      char c = text[length - 1];

      if (c == ')')
        {
          guint open = 0, close = 0;

          for (gsize i = 0; i < length; i++)
            {
              if (text[i] == '(')
                open++;
              else if (text[i] == ')')
                close++;
            }
          if (close <= open)
            break;
        }
      else if (strchr (".,;:!?'*]}", c) == NULL)
        break;
      length--;
    }
  return length;
}

static void
mark_links (GtkTextBuffer *buffer,
            const char    *text)
{
  g_autoptr (GMatchInfo) match = NULL;
  GtkTextTag *link = ensure_tag (buffer, "link");

  g_regex_match (link_regex (), text, 0, &match);
  while (g_match_info_matches (match))
    {
      int start, end;
      gsize length;
      g_autofree char *target = NULL;
      GtkTextTag *tag;
      GtkTextIter from, to;

      g_match_info_fetch_pos (match, 0, &start, &end);
      length = trim_link (text + start, end - start);
      if (length > 4)
        {
          g_autofree char *word = g_strndup (text + start, length);

          target = g_ascii_strncasecmp (word, "www.", 4) == 0
                     ? g_strconcat ("https://", word, NULL)
                     : g_steal_pointer (&word);
          tag = gtk_text_buffer_create_tag (buffer, NULL, NULL);
          g_object_set_data_full (G_OBJECT (tag), URI_KEY, g_steal_pointer (&target), g_free);
          gtk_text_buffer_get_iter_at_offset (buffer, &from,
                                              g_utf8_pointer_to_offset (text, text + start));
          gtk_text_buffer_get_iter_at_offset (buffer, &to,
                                              g_utf8_pointer_to_offset (text, text + start + length));
          gtk_text_buffer_apply_tag (buffer, tag, &from, &to);
          gtk_text_buffer_apply_tag (buffer, link, &from, &to);
        }
      g_match_info_next (match, NULL);
    }
}

void
_op_mail_plain_text_fill (GtkTextBuffer *buffer,
                          const char    *text)
{
  g_auto (GStrv) lines = NULL;
  GtkTextIter end;
  int signature_line = -1;
  guint n_lines;

  g_return_if_fail (GTK_IS_TEXT_BUFFER (buffer));
  if (text == NULL)
    text = "";

  gtk_text_buffer_set_text (buffer, text, -1);
  ensure_tag (buffer, "signature");
  if (gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "quote-1") == NULL)
    _op_mail_plain_text_set_dark (buffer, FALSE);

  lines = g_strsplit (text, "\n", -1);
  n_lines = g_strv_length (lines);
  for (guint i = 0; i < n_lines; i++)
    if (is_signature_separator (lines[i]))
      signature_line = i;

  for (guint i = 0; i < n_lines; i++)
    {
      guint level = quote_level (lines[i]);
      GtkTextIter from, to;

      if (level == 0 || (signature_line >= 0 && (int) i >= signature_line))
        continue;
      gtk_text_buffer_get_iter_at_line (buffer, &from, i);
      to = from;
      gtk_text_iter_forward_to_line_end (&to);
      {
        g_autofree char *name = g_strdup_printf ("quote-%u", (level - 1) % QUOTE_COLOURS + 1);
        g_autofree char *level_name = g_strdup_printf ("level-%u", level);
        GtkTextTag *level_tag = ensure_tag (buffer, level_name);

        gtk_text_buffer_apply_tag_by_name (buffer, name, &from, &to);
        gtk_text_buffer_apply_tag (buffer, level_tag, &from, &to);
      }
    }
  if (signature_line >= 0)
    {
      GtkTextIter from;

      gtk_text_buffer_get_iter_at_line (buffer, &from, signature_line);
      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_apply_tag_by_name (buffer, "signature", &from, &end);
    }
  mark_links (buffer, text);
}

const char *
_op_mail_plain_text_uri_at (const GtkTextIter *iter)
{
  g_autoptr (GSList) tags = gtk_text_iter_get_tags (iter);

  for (GSList *l = tags; l != NULL; l = l->next)
    {
      const char *uri = g_object_get_data (G_OBJECT (l->data), URI_KEY);

      if (uri != NULL)
        return uri;
    }
  return NULL;
}

guint
_op_mail_plain_text_quote_level_at (const GtkTextIter *iter)
{
  g_autoptr (GSList) tags = gtk_text_iter_get_tags (iter);

  for (GSList *l = tags; l != NULL; l = l->next)
    {
      g_autofree char *name = NULL;

      g_object_get (l->data, "name", &name, NULL);
      if (name != NULL && g_str_has_prefix (name, "level-"))
        return (guint) g_ascii_strtoull (name + 6, NULL, 10);
    }
  return 0;
}

gboolean
_op_mail_plain_text_in_signature (const GtkTextIter *iter)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (gtk_text_iter_get_buffer (iter));
  GtkTextTag *tag = gtk_text_tag_table_lookup (table, "signature");

  return tag != NULL && gtk_text_iter_has_tag (iter, tag);
}
