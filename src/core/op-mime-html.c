/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <string.h>

#include "op-mime.h"

/*
 * HTML to plain text for HTML-only mail (op_mime_html_to_text()). A forgiving scanner,
 * not a parser: it never builds a tree, keeps only small bounded stacks, and treats
 * anything it does not understand as text or skips it. Nothing is fetched or run.
 */

#define MAX_LIST_DEPTH 16
#define MAX_QUOTE_DEPTH 8
#define MAX_HREF 2048

typedef struct
{
  GString  *out;
  gboolean  full;
  guint     newlines;        /* pending line breaks, emitted before the next text */
  gboolean  space;           /* pending space */
  gboolean  at_start;        /* nothing emitted yet */
  gboolean  line_empty;      /* nothing but the quote prefix on the current line */
  guint     quote;           /* blockquote depth */
  guint     pre;             /* inside <pre> */
  guint     list_depth;
  int       list_counter[MAX_LIST_DEPTH];  /* -1: unordered, else the next number */
  char     *href;
  gsize     link_text_start;
} Html;

static void
append (Html       *h,
        const char *text,
        gsize       length)
{
  if (h->full)
    return;
  if (h->out->len + length > OP_MIME_MAX_TEXT_LENGTH)
    {
      h->full = TRUE;
      return;
    }
  g_string_append_len (h->out, text, length);
}

static void
start_line (Html *h)
{
  for (guint i = 0; i < h->quote; i++)
    append (h, "> ", 2);
  h->line_empty = TRUE;
}

static void
flush (Html *h)
{
  if (h->at_start)
    {
      h->at_start = FALSE;
      h->newlines = 0;
      h->space = FALSE;
      start_line (h);
      return;
    }
  if (h->newlines > 0)
    {
      for (guint i = 0; i < MIN (h->newlines, 2); i++)
        {
          append (h, "\n", 1);
          start_line (h);
        }
      h->newlines = 0;
      h->space = FALSE;
    }
  else if (h->space && !h->line_empty)
    append (h, " ", 1);
  h->space = FALSE;
}

static void
emit (Html       *h,
      const char *text,
      gsize       length)
{
  if (length == 0)
    return;
  flush (h);
  append (h, text, length);
  h->line_empty = FALSE;
}

static void
need_newlines (Html *h,
               guint n)
{
  if (!h->at_start)
    h->newlines = MAX (h->newlines, n);
}

/* Text between tags, entities already decoded. */
static void
emit_text (Html       *h,
           const char *text,
           gsize       length)
{
  if (h->pre > 0)
    {
      const char *p = text, *end = text + length;

      while (p < end)
        {
          const char *nl = memchr (p, '\n', end - p);
          gsize n = (nl != NULL ? nl : end) - p;

          emit (h, p, n);
          if (nl == NULL)
            break;
          h->newlines++;
          p = nl + 1;
        }
      return;
    }

  for (gsize i = 0; i < length;)
    {
      gsize j = i;

      while (j < length && !g_ascii_isspace (text[j]))
        j++;
      if (j > i)
        emit (h, text + i, j - i);
      if (j < length)
        h->space = TRUE;
      while (j < length && g_ascii_isspace (text[j]))
        j++;
      i = j;
    }
}

static const struct
{
  const char *name;
  const char *text;
} entities[] = {
  { "amp", "&" }, { "lt", "<" }, { "gt", ">" }, { "quot", "\"" }, { "apos", "'" },
  { "nbsp", "\xc2\xa0" }, { "copy", "©" }, { "reg", "®" }, { "trade", "™" },
  { "hellip", "…" }, { "mdash", "—" }, { "ndash", "–" }, { "lsquo", "‘" },
  { "rsquo", "’" }, { "ldquo", "“" }, { "rdquo", "”" }, { "bull", "•" },
  { "middot", "·" }, { "euro", "€" }, { "pound", "£" }, { "yen", "¥" }, { "cent", "¢" },
  { "times", "×" }, { "divide", "÷" }, { "laquo", "«" }, { "raquo", "»" },
  { "deg", "°" }, { "para", "¶" }, { "sect", "§" }, { "ensp", " " }, { "emsp", " " },
  { "thinsp", " " }, { "zwnj", "" }, { "zwj", "" }, { "shy", "" }, { "rarr", "→" },
  { "larr", "←" }, { "uuml", "ü" }, { "ouml", "ö" }, { "auml", "ä" }, { "szlig", "ß" },
  { "eacute", "é" }, { "egrave", "è" }, { "agrave", "à" }, { "ccedil", "ç" },
};

/* Decodes @text's entities into @out (never longer than @text). */
static void
decode_entities (const char *text,
                 gsize       length,
                 GString    *out)
{
  for (gsize i = 0; i < length; i++)
    {
      if (text[i] == '&')
        {
          gsize j = i + 1;

          while (j < length && j - i < 12 && (g_ascii_isalnum (text[j]) || text[j] == '#'))
            j++;
          if (j > i + 1)
            {
              g_autofree char *name = g_strndup (text + i + 1, j - i - 1);
              gboolean done = FALSE;

              if (name[0] == '#')
                {
                  gboolean hex = name[1] == 'x' || name[1] == 'X';
                  const char *digits = name + (hex ? 2 : 1);
                  char *end = NULL;
                  guint64 value = g_ascii_strtoull (digits, &end, hex ? 16 : 10);
                  gunichar c = value > 0x10ffff ? 0x110000 : (gunichar) value;

                  if (end != NULL && *end == '\0' && end != digits && g_ascii_isxdigit (*digits))
                    {
                      if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
                        c = 0xfffd;
                      if (c == 0xa0)
                        g_string_append_c (out, ' ');
                      else if (c >= 0x20 || c == '\n' || c == '\t')
                        g_string_append_unichar (out, c);
                      done = TRUE;
                    }
                }
              else
                {
                  for (gsize k = 0; k < G_N_ELEMENTS (entities); k++)
                    if (strcmp (name, entities[k].name) == 0)
                      {
                        /* A no-break space is a space in plain text. */
                        g_string_append (out, k == 5 ? " " : entities[k].text);
                        done = TRUE;
                        break;
                      }
                }
              if (done)
                {
                  i = (j < length && text[j] == ';') ? j : j - 1;
                  continue;
                }
            }
        }
      g_string_append_c (out, text[i]);
    }
}

static gboolean
name_is (const char *name,
         const char *const *set)
{
  for (guint i = 0; set[i] != NULL; i++)
    if (strcmp (name, set[i]) == 0)
      return TRUE;
  return FALSE;
}

static const char * const skipped[] = {
  "script", "style", "head", "title", "template", "noscript", "object", "iframe", "svg", NULL
};
static const char * const blocks[] = {
  "div", "tr", "table", "tbody", "thead", "tfoot", "section", "article", "header", "footer",
  "center", "dl", "dt", "dd", "address", "form", "nav", "aside", "main", "figure",
  "figcaption", "caption", "ul", "ol", "body", "html", NULL
};
static const char * const paragraphs[] = {
  "p", "h1", "h2", "h3", "h4", "h5", "h6", NULL
};

/* An attribute's value from a tag's text, entities decoded. (transfer full) */
static char *
attribute (const char *tag,
           gsize       length,
           const char *wanted)
{
  gsize i = 0;
  gsize wanted_length = strlen (wanted);

  /* Skip the tag name. */
  while (i < length && !g_ascii_isspace (tag[i]) && tag[i] != '/')
    i++;
  while (i < length)
    {
      gsize name_start, name_end, value_start, value_end;

      while (i < length && (g_ascii_isspace (tag[i]) || tag[i] == '/'))
        i++;
      name_start = i;
      while (i < length && !g_ascii_isspace (tag[i]) && tag[i] != '=' && tag[i] != '/')
        i++;
      name_end = i;
      while (i < length && g_ascii_isspace (tag[i]))
        i++;
      value_start = value_end = i;
      if (i < length && tag[i] == '=')
        {
          i++;
          while (i < length && g_ascii_isspace (tag[i]))
            i++;
          if (i < length && (tag[i] == '"' || tag[i] == '\''))
            {
              char quote = tag[i++];

              value_start = i;
              while (i < length && tag[i] != quote)
                i++;
              value_end = i;
              if (i < length)
                i++;
            }
          else
            {
              value_start = i;
              while (i < length && !g_ascii_isspace (tag[i]))
                i++;
              value_end = i;
            }
        }
      if (name_end == name_start)
        {
          i++;
          continue;
        }
      if (name_end - name_start == wanted_length &&
          g_ascii_strncasecmp (tag + name_start, wanted, wanted_length) == 0)
        {
          GString *value = g_string_new (NULL);
          gsize keep = MIN (value_end - value_start, MAX_HREF);

          /* Cut a long value at a character's start, not inside one: the text is valid
           * UTF-8 here, and an "alt" cut mid-character made invalid output (the root of
           * tests/fuzz/corpus/fuzz-mime-text/crash-invalid-utf8-output). */
          while (keep > 0 && keep < value_end - value_start &&
                 ((guchar) tag[value_start + keep] & 0xc0) == 0x80)
            keep--;
          decode_entities (tag + value_start, keep, value);
          return g_strstrip (g_string_free (value, FALSE));
        }
    }
  return NULL;
}

static void
end_link (Html *h)
{
  g_autofree char *href = g_steal_pointer (&h->href);
  const char *shown;
  g_autofree char *text = NULL;

  if (href == NULL || h->full)
    return;
  /* Only addresses a reader can use; "javascript:" and the like are dropped. */
  if (g_ascii_strncasecmp (href, "http://", 7) != 0 &&
      g_ascii_strncasecmp (href, "https://", 8) != 0 &&
      g_ascii_strncasecmp (href, "mailto:", 7) != 0 &&
      g_ascii_strncasecmp (href, "ftp://", 6) != 0)
    return;
  for (char *p = href; *p != '\0'; p++)
    if ((guchar) *p < 0x20)
      *p = ' ';

  shown = href;
  if (g_ascii_strncasecmp (href, "mailto:", 7) == 0)
    shown = href + 7;
  text = g_strndup (h->out->str + h->link_text_start, h->out->len - h->link_text_start);
  g_strstrip (text);
  if (strcmp (text, shown) == 0 || strcmp (text, href) == 0)
    return;
  if (text[0] == '\0')
    {
      emit (h, shown, strlen (shown));
      return;
    }
  h->space = TRUE;
  emit (h, "<", 1);
  append (h, shown, strlen (shown));
  append (h, ">", 1);
}

static void
handle_tag (Html       *h,
            const char *tag,
            gsize       length,
            gboolean    closing,
            const char *name)
{
  if (name_is (name, paragraphs) || strcmp (name, "blockquote") == 0 || strcmp (name, "pre") == 0)
    need_newlines (h, 2);
  else if (name_is (name, blocks))
    need_newlines (h, 1);

  if (strcmp (name, "br") == 0)
    {
      if (h->at_start)
        h->at_start = FALSE, start_line (h);
      h->newlines++;
    }
  else if (strcmp (name, "hr") == 0)
    {
      need_newlines (h, 1);
      emit (h, "――――――――", strlen ("――――――――"));
      need_newlines (h, 1);
    }
  else if (strcmp (name, "blockquote") == 0)
    {
      if (closing && h->quote > 0)
        h->quote--;
      else if (!closing && h->quote < MAX_QUOTE_DEPTH)
        h->quote++;
    }
  else if (strcmp (name, "pre") == 0)
    {
      if (closing && h->pre > 0)
        h->pre--;
      else if (!closing)
        h->pre++;
    }
  else if (strcmp (name, "ul") == 0 || strcmp (name, "ol") == 0)
    {
      if (closing && h->list_depth > 0)
        h->list_depth--;
      else if (!closing && h->list_depth < MAX_LIST_DEPTH)
        h->list_counter[h->list_depth++] = name[0] == 'o' ? 1 : -1;
    }
  else if (strcmp (name, "li") == 0 && !closing)
    {
      guint depth = MAX (h->list_depth, 1);
      int *counter = h->list_depth > 0 ? &h->list_counter[h->list_depth - 1] : NULL;
      g_autofree char *marker = NULL;

      need_newlines (h, 1);
      if (counter != NULL && *counter >= 0)
        marker = g_strdup_printf ("%*s%d. ", (int) (depth - 1) * 2, "", (*counter)++);
      else
        marker = g_strdup_printf ("%*s• ", (int) (depth - 1) * 2, "");
      flush (h);
      append (h, marker, strlen (marker));
      h->line_empty = FALSE;
      h->space = FALSE;
    }
  else if ((strcmp (name, "td") == 0 || strcmp (name, "th") == 0) && !closing)
    h->space = TRUE;
  else if (strcmp (name, "a") == 0)
    {
      if (closing)
        end_link (h);
      else
        {
          g_free (h->href);
          h->href = attribute (tag, length, "href");
          flush (h);
          h->link_text_start = h->out->len;
        }
    }
  else if (strcmp (name, "img") == 0)
    {
      g_autofree char *alt = attribute (tag, length, "alt");

      if (alt != NULL && *alt != '\0')
        emit_text (h, alt, strlen (alt));
    }
}

/* The end of the raw-text element @name that starts at @p, or @end. */
static const char *
skip_raw_text (const char *p,
               const char *end,
               const char *name)
{
  gsize n = strlen (name);

  for (; p + n + 2 <= end; p++)
    if (p[0] == '<' && p[1] == '/' && g_ascii_strncasecmp (p + 2, name, n) == 0)
      {
        const char *gt = memchr (p, '>', end - p);

        return gt != NULL ? gt + 1 : end;
      }
  return end;
}

char *
op_mime_html_to_text (const char *html,
                      gssize      length)
{
  g_autofree char *valid = NULL;
  g_autoptr(GString) decoded = g_string_new (NULL);
  Html h = { 0 };
  const char *p, *end;

  g_return_val_if_fail (html != NULL, NULL);

  valid = g_utf8_make_valid (html, length);
  p = valid;
  end = valid + strlen (valid);

  h.out = g_string_new (NULL);
  h.at_start = TRUE;

  while (p < end && !h.full)
    {
      if (*p != '<')
        {
          const char *lt = memchr (p, '<', end - p);
          const char *stop = lt != NULL ? lt : end;

          g_string_truncate (decoded, 0);
          decode_entities (p, stop - p, decoded);
          emit_text (&h, decoded->str, decoded->len);
          p = stop;
          continue;
        }

      if (end - p >= 4 && strncmp (p, "<!--", 4) == 0)
        {
          const char *close = g_strstr_len (p + 4, end - p - 4, "-->");

          p = close != NULL ? close + 3 : end;
          continue;
        }
      if (p + 1 < end && (p[1] == '!' || p[1] == '?'))
        {
          const char *gt = memchr (p, '>', end - p);

          p = gt != NULL ? gt + 1 : end;
          continue;
        }

      {
        gboolean closing = p + 1 < end && p[1] == '/';
        const char *name_start = p + 1 + (closing ? 1 : 0);
        const char *q = name_start;
        const char *gt;
        char name[16];
        gsize name_length;

        if (q >= end || !g_ascii_isalpha (*q))
          {
            /* "a < b": a literal less-than sign. */
            emit_text (&h, "<", 1);
            p++;
            continue;
          }
        while (q < end && (g_ascii_isalnum (*q) || *q == '-' || *q == ':'))
          q++;
        name_length = MIN ((gsize) (q - name_start), sizeof name - 1);
        for (gsize i = 0; i < name_length; i++)
          name[i] = g_ascii_tolower (name_start[i]);
        name[name_length] = '\0';

        /* The tag ends at the first '>' outside quotes. */
        {
          char quote = 0;

          for (gt = q; gt < end; gt++)
            {
              if (quote != 0)
                {
                  if (*gt == quote)
                    quote = 0;
                }
              else if (*gt == '"' || *gt == '\'')
                quote = *gt;
              else if (*gt == '>')
                break;
            }
        }

        if (!closing && name_is (name, skipped))
          {
            p = skip_raw_text (gt < end ? gt + 1 : end, end, name);
            continue;
          }
        handle_tag (&h, name_start, gt - name_start, closing, name);
        p = gt < end ? gt + 1 : end;
      }
    }

  g_free (h.href);
  /* Trailing blank lines and spaces say nothing. */
  while (h.out->len > 0 && g_ascii_isspace (h.out->str[h.out->len - 1]))
    g_string_truncate (h.out, h.out->len - 1);
  /* Never invalid UTF-8 to the caller, whatever the markup did to the text (a safety
   * net: the one way a fuzzed input found, an attribute cut mid-character, is closed in
   * attribute()): bad bytes become U+FFFD, and the text is cut back to the limit at a
   * character's start. */
  if (!g_utf8_validate (h.out->str, h.out->len, NULL))
    {
      g_autofree char *fixed = g_utf8_make_valid (h.out->str, h.out->len);
      gsize keep = strlen (fixed);

      if (keep > OP_MIME_MAX_TEXT_LENGTH)
        keep = g_utf8_find_prev_char (fixed, fixed + OP_MIME_MAX_TEXT_LENGTH + 1) - fixed;
      g_string_truncate (h.out, 0);
      g_string_append_len (h.out, fixed, keep);
    }
  return g_string_free (g_steal_pointer (&h.out), FALSE);
}
