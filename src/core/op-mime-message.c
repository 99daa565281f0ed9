/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mime-private.h"

#define MAX_ADDRESSES   1000  /* per header */
#define MAX_REFERENCES  500

struct _OpMimeMessage
{
  GObject       parent_instance;

  OpMimeRoot   *root;
  GMimeMessage *message;

  char         *subject;
  char         *message_id;
  char         *in_reply_to;
  GStrv         references;
  GDateTime    *date;
  GPtrArray    *from;
  GPtrArray    *sender;
  GPtrArray    *reply_to;
  GPtrArray    *to;
  GPtrArray    *cc;
  GPtrArray    *bcc;

  char         *text;
  gboolean      text_is_from_html;
  char         *html;
  GPtrArray    *parts;
  gboolean      truncated;
};

G_DEFINE_FINAL_TYPE (OpMimeMessage, op_mime_message, G_TYPE_OBJECT)

static void
op_mime_message_finalize (GObject *object)
{
  OpMimeMessage *self = OP_MIME_MESSAGE (object);

  g_clear_pointer (&self->parts, g_ptr_array_unref);
  g_clear_object (&self->message);
  g_clear_pointer (&self->root, _op_mime_root_unref);
  g_free (self->subject);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_clear_pointer (&self->from, g_ptr_array_unref);
  g_clear_pointer (&self->sender, g_ptr_array_unref);
  g_clear_pointer (&self->reply_to, g_ptr_array_unref);
  g_clear_pointer (&self->to, g_ptr_array_unref);
  g_clear_pointer (&self->cc, g_ptr_array_unref);
  g_clear_pointer (&self->bcc, g_ptr_array_unref);
  g_free (self->text);
  g_free (self->html);

  G_OBJECT_CLASS (op_mime_message_parent_class)->finalize (object);
}

static void
op_mime_message_class_init (OpMimeMessageClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mime_message_finalize;
}

static void
op_mime_message_init (OpMimeMessage *self)
{
}

/* ---- headers ---------------------------------------------------------------------- */

static const char *
raw_header (GMimeObject *object,
            const char  *name)
{
  GMimeHeaderList *headers = g_mime_object_get_header_list (object);
  GMimeHeader *header = g_mime_header_list_get_header (headers, name);

  return header != NULL ? g_mime_header_get_raw_value (header) : NULL;
}

static char *
one_line (const char *text)
{
  char *valid = g_utf8_make_valid (text, -1);

  for (char *p = valid; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (valid);
}

/* A message id fit to be shown and to go back out in In-Reply-To and References:
 * printable, no space, no angle bracket, bounded. */
static char *
clean_message_id (const char *id)
{
  if (id == NULL || *id == '\0' || strlen (id) > 250)
    return NULL;
  for (const char *p = id; *p != '\0'; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' || *p == '\\')
      return NULL;
  if (!g_utf8_validate (id, -1, NULL))
    return NULL;
  return g_strdup (id);
}

static char *
decode_message_id (const char *raw)
{
  g_autofree char *unfolded = NULL;
  g_autofree char *id = NULL;

  if (raw == NULL)
    return NULL;
  unfolded = g_mime_utils_header_unfold (raw);
  id = g_mime_utils_decode_message_id (unfolded);
  return clean_message_id (id);
}

/* TRUE when every letter of each label of @domain is of one script: "bücher" is, a
 * "pаypal" with a Cyrillic "а" is not (and is shown as its xn-- form, as browsers do). */
static gboolean
single_script_labels (const char *domain)
{
  GUnicodeScript script = G_UNICODE_SCRIPT_COMMON;

  for (const char *p = domain; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeScript s;

      if (c == '.')
        {
          script = G_UNICODE_SCRIPT_COMMON;
          continue;
        }
      s = g_unichar_get_script (c);
      if (s == G_UNICODE_SCRIPT_COMMON || s == G_UNICODE_SCRIPT_INHERITED)
        continue;
      if (script == G_UNICODE_SCRIPT_COMMON)
        script = s;
      else if (s != script)
        return FALSE;
    }
  return TRUE;
}

static char *
display_address (const char *addr)
{
  const char *at = strrchr (addr, '@');
  g_autofree char *domain = NULL;
  g_autofree char *local = NULL;
  g_autofree char *joined = NULL;

  if (at == NULL)
    return one_line (addr);

  /* An internationalised domain (GMime decodes "xn--" labels itself) is shown in
   * Unicode, unless a label mixes scripts: then in its ASCII form. */
  domain = g_hostname_to_unicode (at + 1);
  if (domain != NULL && !single_script_labels (domain))
    {
      g_free (domain);
      domain = g_hostname_to_ascii (at + 1);
    }
  if (domain == NULL)
    return one_line (addr);
  local = g_strndup (addr, at - addr);
  joined = g_strconcat (local, "@", domain, NULL);
  return one_line (joined);
}

static void
add_addresses (GPtrArray           *out,
               InternetAddressList *list,
               guint                depth)
{
  int n = list != NULL ? internet_address_list_length (list) : 0;

  for (int i = 0; i < n && out->len < MAX_ADDRESSES; i++)
    {
      InternetAddress *address = internet_address_list_get_address (list, i);

      if (INTERNET_ADDRESS_IS_MAILBOX (address))
        {
          const char *name = internet_address_get_name (address);
          const char *addr = internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (address));
          g_autofree char *clean_name = name != NULL ? one_line (name) : NULL;
          g_autofree char *clean_addr = display_address (addr != NULL ? addr : "");

          if (*clean_addr == '\0' && (clean_name == NULL || *clean_name == '\0'))
            continue;
          g_ptr_array_add (out, op_mime_address_new (clean_name, clean_addr));
        }
      else if (INTERNET_ADDRESS_IS_GROUP (address) && depth == 0)
        add_addresses (out, internet_address_group_get_members (INTERNET_ADDRESS_GROUP (address)),
                       depth + 1);
    }
}

static GPtrArray *
decode_addresses (GMimeParserOptions *options,
                  GMimeObject        *object,
                  const char         *name)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  const char *raw = raw_header (object, name);

  if (raw != NULL)
    {
      g_autoptr(InternetAddressList) list = _op_mime_decode_address_list (options, raw);

      add_addresses (out, list, 0);
    }
  return out;
}

static void
read_headers (OpMimeMessage      *self,
              GMimeParserOptions *options)
{
  GMimeObject *object = GMIME_OBJECT (self->message);
  const char *raw;
  g_autofree char *subject = NULL;
  GPtrArray *references = g_ptr_array_new_with_free_func (g_free);

  subject = _op_mime_decode_header_text (options, raw_header (object, "Subject"));
  self->subject = subject != NULL ? g_strstrip (g_steal_pointer (&subject)) : NULL;
  self->message_id = decode_message_id (raw_header (object, "Message-Id"));
  self->in_reply_to = decode_message_id (raw_header (object, "In-Reply-To"));

  raw = raw_header (object, "References");
  if (raw != NULL)
    {
      g_autoptr(GMimeReferences) refs = g_mime_references_parse (options, raw);
      int n = refs != NULL ? g_mime_references_length (refs) : 0;

      /* Keep the first (the thread's root) and the most recent ones. */
      for (int i = 0; i < n; i++)
        {
          char *id;

          if (n > MAX_REFERENCES && i > 0 && i < n - (MAX_REFERENCES - 1))
            continue;
          id = clean_message_id (g_mime_references_get_message_id (refs, i));
          if (id != NULL)
            g_ptr_array_add (references, id);
        }
    }
  g_ptr_array_add (references, NULL);
  self->references = (GStrv) g_ptr_array_free (references, FALSE);

  raw = raw_header (object, "Date");
  if (raw != NULL)
    {
      g_autofree char *unfolded = g_mime_utils_header_unfold (raw);

      self->date = g_mime_utils_header_decode_date (unfolded);
    }

  self->from = decode_addresses (options, object, "From");
  self->sender = decode_addresses (options, object, "Sender");
  self->reply_to = decode_addresses (options, object, "Reply-To");
  self->to = decode_addresses (options, object, "To");
  self->cc = decode_addresses (options, object, "Cc");
  self->bcc = decode_addresses (options, object, "Bcc");
}

/* ---- bodies ----------------------------------------------------------------------- */

typedef enum
{
  MODE_BODY,       /* a text or HTML part may become the body */
  MODE_RELATED,    /* resources of a multipart/related body */
  MODE_ATTACH,     /* everything is an attachment */
} WalkMode;

typedef struct
{
  OpMimeMessage *self;
  guint         *n_parts;
  GString       *text;
  gboolean       has_text;
} Walk;

static void walk (Walk        *w,
                  GMimeObject *object,
                  guint        depth,
                  WalkMode     mode);

static char *
normalise_newlines (char *text)
{
  char *out = text;
  const char *in = text;

  for (; *in != '\0'; in++)
    {
      if (*in == '\r')
        {
          *out++ = '\n';
          if (in[1] == '\n')
            in++;
        }
      else
        *out++ = *in;
    }
  *out = '\0';
  return text;
}

/* RFC 3676: a line ending in a space continues on the next line of the same quote depth
 * (the space is dropped too with DelSp=yes); one leading space is stuffing. */
static char *
unflow (const char *text,
        gboolean    delsp)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  gboolean open = FALSE;
  guint open_depth = 0;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      guint depth = 0;
      gsize length;
      gboolean soft;

      while (line[depth] == '>')
        depth++;
      line += depth;
      if (*line == ' ')
        line++;
      length = strlen (line);
      soft = length > 0 && line[length - 1] == ' ' && strcmp (line, "-- ") != 0;

      if (open && depth != open_depth)
        {
          g_string_append_c (out, '\n');
          open = FALSE;
        }
      if (!open)
        {
          if (depth > 0)
            {
              for (guint d = 0; d < depth; d++)
                g_string_append_c (out, '>');
              g_string_append_c (out, ' ');
            }
          open_depth = depth;
        }
      g_string_append_len (out, line, soft && delsp ? length - 1 : length);
      if (soft && lines[i + 1] != NULL)
        open = TRUE;
      else
        {
          open = FALSE;
          if (lines[i + 1] != NULL)
            g_string_append_c (out, '\n');
        }
    }
  return g_string_free (out, FALSE);
}

static char *
part_text (Walk      *w,
           GMimePart *part)
{
  GMimeObject *object = GMIME_OBJECT (part);
  gboolean truncated = FALSE;
  g_autoptr(GByteArray) bytes = _op_mime_part_decode_content (part, OP_MIME_MAX_BODY_SIZE, &truncated);
  const char *charset = g_mime_object_get_content_type_parameter (object, "charset");
  const char *format = g_mime_object_get_content_type_parameter (object, "format");
  const char *delsp = g_mime_object_get_content_type_parameter (object, "delsp");
  char *text;

  if (truncated)
    w->self->truncated = TRUE;
  text = normalise_newlines (op_mime_decode_text ((const char *) bytes->data, bytes->len, charset,
                                                  w->self->root->fallback_charset));
  if (format != NULL && g_ascii_strcasecmp (format, "flowed") == 0 &&
      g_mime_content_type_is_type (g_mime_object_get_content_type (object), "text", "plain"))
    {
      char *joined = unflow (text, delsp != NULL && g_ascii_strcasecmp (delsp, "yes") == 0);

      g_free (text);
      text = joined;
    }
  return text;
}

static gboolean
is_attachment_disposition (GMimeObject *object)
{
  const char *disposition = g_mime_object_get_disposition (object);

  return disposition != NULL && g_ascii_strcasecmp (disposition, "inline") != 0;
}

static gboolean
is_type (GMimeObject *object,
         const char  *type,
         const char  *subtype)
{
  GMimeContentType *content_type = g_mime_object_get_content_type (object);

  return content_type != NULL && g_mime_content_type_is_type (content_type, type, subtype);
}

static void
add_part (Walk          *w,
          GMimeObject   *object,
          gboolean       is_inline,
          OpMimeMessage *nested)
{
  g_ptr_array_add (w->self->parts, _op_mime_part_new (w->self->root, object, is_inline, nested));
}

static void
walk_leaf (Walk      *w,
           GMimePart *part,
           WalkMode   mode)
{
  GMimeObject *object = GMIME_OBJECT (part);
  gboolean body_candidate = mode == MODE_BODY && !is_attachment_disposition (object) &&
                            g_mime_part_get_filename (part) == NULL;

  if (body_candidate && is_type (object, "text", "plain"))
    {
      g_autofree char *text = NULL;

      if (w->text->len >= OP_MIME_MAX_BODY_SIZE)
        {
          w->self->truncated = TRUE;
          return;
        }
      text = part_text (w, part);

      /* Apple Mail splits a body around inline images into several text parts. */
      if (w->has_text)
        g_string_append (w->text, "\n\n");
      g_string_append (w->text, text);
      w->has_text = TRUE;
      return;
    }
  if (body_candidate && is_type (object, "text", "html") && w->self->html == NULL)
    {
      w->self->html = part_text (w, part);
      return;
    }
  add_part (w, object, mode == MODE_RELATED && !is_attachment_disposition (object), NULL);
}

static void
walk_multipart (Walk           *w,
                GMimeMultipart *multipart,
                guint           depth,
                WalkMode        mode)
{
  GMimeObject *object = GMIME_OBJECT (multipart);
  int n = g_mime_multipart_get_count (multipart);

  if (mode == MODE_BODY && is_type (object, "multipart", "alternative"))
    {
      GMimeObject *plain = NULL;
      GMimeObject *rich = NULL;

      /* RFC 2046 §5.1.4: the last alternative is the richest. Keep the last plain text
       * one for the text, the last HTML (or related/mixed HTML) one for the HTML; the
       * others (a calendar invite beside its description) are parts. */
      for (int i = 0; i < n; i++)
        {
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          if (is_type (child, "text", "plain") && !is_attachment_disposition (child))
            plain = child;
          else if ((is_type (child, "text", "html") && !is_attachment_disposition (child)) ||
                   GMIME_IS_MULTIPART (child))
            rich = child;
        }
      for (int i = 0; i < n; i++)
        {
          GMimeObject *child = g_mime_multipart_get_part (multipart, i);

          if (child == plain || child == rich)
            walk (w, child, depth + 1, w->has_text && child == plain ? MODE_ATTACH : MODE_BODY);
          else
            walk (w, child, depth + 1, MODE_ATTACH);
        }
      return;
    }

  if (mode == MODE_BODY && is_type (object, "multipart", "related") && n > 0)
    {
      const char *start = g_mime_object_get_content_type_parameter (object, "start");
      int root = 0;

      /* RFC 2387: the root is the part named by "start", else the first. */
      if (start != NULL)
        {
          g_autofree char *id = g_mime_utils_decode_message_id (start);

          for (int i = 0; id != NULL && i < n; i++)
            if (g_strcmp0 (g_mime_object_get_content_id (g_mime_multipart_get_part (multipart, i)), id) == 0)
              root = i;
        }
      for (int i = 0; i < n; i++)
        walk (w, g_mime_multipart_get_part (multipart, i), depth + 1,
              i == root ? MODE_BODY : MODE_RELATED);
      return;
    }

  for (int i = 0; i < n; i++)
    walk (w, g_mime_multipart_get_part (multipart, i), depth + 1, mode);
}

static void
walk (Walk        *w,
      GMimeObject *object,
      guint        depth,
      WalkMode     mode)
{
  if (object == NULL)
    return;
  if (depth > OP_MIME_MAX_DEPTH || *w->n_parts >= OP_MIME_MAX_PARTS)
    {
      w->self->truncated = TRUE;
      return;
    }

  if (GMIME_IS_MULTIPART (object))
    walk_multipart (w, GMIME_MULTIPART (object), depth, mode);
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      g_autoptr(OpMimeMessage) nested = NULL;

      (*w->n_parts)++;
      if (message != NULL)
        {
          nested = _op_mime_message_new_from_gmime (w->self->root, message, depth + 1, w->n_parts);
          if (nested->truncated)
            w->self->truncated = TRUE;
        }
      add_part (w, object, FALSE, nested);
    }
  else if (GMIME_IS_PART (object))
    {
      (*w->n_parts)++;
      walk_leaf (w, GMIME_PART (object), mode);
    }
}

static gboolean
is_blank (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if (!g_ascii_isspace (*p))
      return FALSE;
  return TRUE;
}

OpMimeMessage *
_op_mime_message_new_from_gmime (OpMimeRoot   *root,
                                 GMimeMessage *message,
                                 guint         depth,
                                 guint        *n_parts)
{
  OpMimeMessage *self = g_object_new (OP_TYPE_MIME_MESSAGE, NULL);
  g_autoptr(GMimeParserOptions) options = _op_mime_parser_options_new (root->fallback_charset);
  Walk w = { 0 };

  self->root = _op_mime_root_ref (root);
  self->message = g_object_ref (message);
  self->parts = g_ptr_array_new_with_free_func (g_object_unref);

  read_headers (self, options);

  w.self = self;
  w.n_parts = n_parts;
  w.text = g_string_new (NULL);
  walk (&w, g_mime_message_get_mime_part (message), depth, MODE_BODY);

  /* Some mailers send an empty plain alternative beside the real HTML body. */
  if (w.has_text && self->html != NULL && is_blank (w.text->str))
    w.has_text = FALSE;

  if (w.has_text)
    self->text = g_string_free (g_steal_pointer (&w.text), FALSE);
  else
    {
      g_string_free (g_steal_pointer (&w.text), TRUE);
      if (self->html != NULL)
        {
          self->text = op_mime_html_to_text (self->html, -1);
          self->text_is_from_html = TRUE;
        }
      else
        self->text = g_strdup ("");
    }
  return self;
}

/* ---- public ----------------------------------------------------------------------- */

/* GMime decodes every Subject while it parses (the message's and those of nested
 * messages), in time quadratic in the encoded-word openings ("=?") of the field: a
 * megabyte of them stalls a worker for minutes. No real subject has more than a few:
 * a Subject field (anywhere a header could start) with more than MAX_SUBJECT_WORDS, or
 * any once the message's Subject fields had MAX_SUBJECT_WORDS_TOTAL, is cut to the first
 * CUT_SUBJECT_LENGTH bytes of its first line. NULL when nothing needed cutting (the
 * usual case). */
#define MAX_SUBJECT_WORDS       500
#define MAX_SUBJECT_WORDS_TOTAL 2000
#define CUT_SUBJECT_LENGTH      256

static gboolean
is_subject_line (const char *line,
                 const char *end)
{
  return end - line >= 8 && g_ascii_strncasecmp (line, "subject:", 8) == 0;
}

static GByteArray *
defuse_subjects (const char *data,
                 gsize       length)
{
  const char *end = data + length;
  const char *copied = data;
  GByteArray *out = NULL;
  guint total = 0;

  for (const char *line = data; line < end;)
    {
      const char *next = memchr (line, '\n', end - line);
      const char *field_end;
      guint words = 0;

      next = next != NULL ? next + 1 : end;
      if (!is_subject_line (line, end))
        {
          line = next;
          continue;
        }
      /* The field: this line and its continuation lines. */
      field_end = next;
      while (field_end < end && (*field_end == ' ' || *field_end == '\t'))
        {
          const char *nl = memchr (field_end, '\n', end - field_end);

          field_end = nl != NULL ? nl + 1 : end;
        }
      for (const char *p = line; p + 1 < field_end && words <= MAX_SUBJECT_WORDS; p++)
        if (p[0] == '=' && p[1] == '?')
          words++;
      if (words > MAX_SUBJECT_WORDS || (words > 0 && total + words > MAX_SUBJECT_WORDS_TOTAL))
        {
          const char *first_end = MIN (next, line + CUT_SUBJECT_LENGTH);

          if (out == NULL)
            out = g_byte_array_sized_new (length);
          g_byte_array_append (out, (const guint8 *) copied, line - copied);
          g_byte_array_append (out, (const guint8 *) line, first_end - line);
          if (first_end[-1] != '\n')
            g_byte_array_append (out, (const guint8 *) "\n", 1);
          copied = field_end;
        }
      else
        total += words;
      line = field_end;
    }
  if (out != NULL)
    g_byte_array_append (out, (const guint8 *) copied, end - copied);
  return out;
}

/* GMime builds an object for every part and every header field before we can count
 * them (about 1.5 KB a part, 0.4 KB a field): seven-byte parts would make a 256 MB
 * message cost tens of gigabytes. So the structure is bounded before GMime sees it: the
 * message is cut before the line that would make more than MAX_DELIMITER_LINES possible
 * boundary lines (short lines starting with "--"), or more than MAX_FIELD_LINES
 * possible header fields ("Name:" lines in a block that may be a header: the first
 * block, the two blocks after a possible boundary, and the block after one that
 * mentions "message/"). Real messages stay far below both. */
#define MAX_DELIMITER_LINES 20000
#define MAX_FIELD_LINES     50000

static gsize
structure_bound (const char *data,
                 gsize       length)
{
  const char *end = data + length;
  guint delimiters = 0;
  guint fields = 0;
  guint header_blocks = 1;     /* blocks from here on that may be headers */
  gboolean names_message = FALSE;

  for (const char *line = data; line < end;)
    {
      const char *nl = memchr (line, '\n', end - line);
      const char *next = nl != NULL ? nl + 1 : end;
      gsize line_length = next - line;

      if (line_length <= 80 && line_length >= 2 && line[0] == '-' && line[1] == '-')
        {
          delimiters++;
          header_blocks = 2;
          names_message = FALSE;
        }
      else if (header_blocks > 0 && (line[0] == '\n' || (line[0] == '\r' && line_length == 2)))
        {
          header_blocks--;
          if (names_message)
            header_blocks++;
          names_message = FALSE;
        }
      else if (header_blocks > 0)
        {
          const char *p = line;

          while (p < next && p - line < 76 && (g_ascii_isalnum (*p) || *p == '-' || *p == '_'))
            p++;
          if (p > line && p < next && *p == ':')
            fields++;
          if (!names_message && g_strstr_len (line, MIN (line_length, 200), "essage/") != NULL)
            names_message = TRUE;
        }
      if (delimiters > MAX_DELIMITER_LINES || fields > MAX_FIELD_LINES)
        return line - data;
      line = next;
    }
  return length;
}

OpMimeMessage *
op_mime_message_parse_bytes (GBytes      *data,
                             const char  *fallback_charset,
                             GError     **error)
{
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeParser) parser = NULL;
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autoptr(GMimeMessage) message = NULL;
  OpMimeRoot *root;
  OpMimeMessage *self;
  guint n_parts = 0;
  gsize length, kept;
  const char *bytes;

  g_return_val_if_fail (data != NULL, NULL);

  op_mime_init ();

  bytes = g_bytes_get_data (data, &length);
  /* An empty GBytes may hold no pointer at all; the scans below do pointer arithmetic
   * on it (NULL + 0 is undefined behaviour). */
  if (bytes == NULL)
    bytes = "";
  if (length > OP_MIME_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_TOO_LARGE,
                   _("The message is larger than %d MB and was not opened."),
                   OP_MIME_MAX_MESSAGE_SIZE / (1024 * 1024));
      return NULL;
    }

  kept = structure_bound (bytes, length);
  {
    g_autoptr(GByteArray) defused = defuse_subjects (bytes, kept);

    if (defused != NULL)
      stream = g_mime_stream_mem_new_with_byte_array (g_steal_pointer (&defused));
    else
      stream = g_mime_stream_mem_new_with_buffer (bytes, kept);
  }
  parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  options = _op_mime_parser_options_new (fallback_charset);
  message = g_mime_parser_construct_message (parser, options);

  if (message == NULL ||
      g_mime_header_list_get_count (g_mime_object_get_header_list (GMIME_OBJECT (message))) == 0)
    {
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_MESSAGE,
                           _("This is not a mail message: it has no header."));
      return NULL;
    }

  root = _op_mime_root_new (message, fallback_charset);
  self = _op_mime_message_new_from_gmime (root, message, 0, &n_parts);
  _op_mime_root_unref (root);
  if (kept < length)
    self->truncated = TRUE;
  return self;
}

OpMimeMessage *
op_mime_message_parse_stream (GInputStream  *input,
                              const char    *fallback_charset,
                              GCancellable  *cancellable,
                              GError       **error)
{
  g_autoptr(GByteArray) buffer = g_byte_array_new ();
  g_autoptr(GBytes) bytes = NULL;
  guint8 block[65536];

  g_return_val_if_fail (G_IS_INPUT_STREAM (input), NULL);

  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      n = g_input_stream_read (input, block, sizeof block, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (buffer->len + (gsize) n > OP_MIME_MAX_MESSAGE_SIZE)
        {
          g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_TOO_LARGE,
                       _("The message is larger than %d MB and was not opened."),
                       OP_MIME_MAX_MESSAGE_SIZE / (1024 * 1024));
          return NULL;
        }
      g_byte_array_append (buffer, block, n);
    }
  bytes = g_byte_array_free_to_bytes (g_steal_pointer (&buffer));
  return op_mime_message_parse_bytes (bytes, fallback_charset, error);
}

const char *
op_mime_message_get_subject (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->subject;
}

const char *
op_mime_message_get_message_id (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->message_id;
}

const char *
op_mime_message_get_in_reply_to (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->in_reply_to;
}

const char * const *
op_mime_message_get_references (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return (const char * const *) self->references;
}

GDateTime *
op_mime_message_get_date (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->date;
}

char *
op_mime_message_dup_header (OpMimeMessage *self,
                            const char    *name)
{
  g_autoptr(GMimeParserOptions) options = NULL;
  g_autofree char *value = NULL;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  options = _op_mime_parser_options_new (self->root->fallback_charset);
  value = _op_mime_decode_header_text (options, raw_header (GMIME_OBJECT (self->message), name));
  return value != NULL ? g_strdup (g_strstrip (value)) : NULL;
}

GPtrArray *
op_mime_message_get_from (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->from;
}

GPtrArray *
op_mime_message_get_sender (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->sender;
}

GPtrArray *
op_mime_message_get_reply_to (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->reply_to;
}

GPtrArray *
op_mime_message_get_to (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->to;
}

GPtrArray *
op_mime_message_get_cc (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->cc;
}

GPtrArray *
op_mime_message_get_bcc (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->bcc;
}

const char *
op_mime_message_get_text (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->text;
}

gboolean
op_mime_message_get_text_is_from_html (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), FALSE);
  return self->text_is_from_html;
}

const char *
op_mime_message_get_html (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->html;
}

GPtrArray *
op_mime_message_get_parts (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  return self->parts;
}

GPtrArray *
op_mime_message_dup_attachments (OpMimeMessage *self)
{
  GPtrArray *out;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);

  out = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < self->parts->len; i++)
    {
      OpMimePart *part = g_ptr_array_index (self->parts, i);

      if (!op_mime_part_get_is_inline (part))
        g_ptr_array_add (out, g_object_ref (part));
    }
  return out;
}

OpMimePart *
op_mime_message_find_content_id (OpMimeMessage *self,
                                 const char    *content_id)
{
  g_autofree char *id = NULL;
  gsize length;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), NULL);
  g_return_val_if_fail (content_id != NULL, NULL);

  /* RFC 2392: "cid:" URLs are %-encoded Content-IDs without the brackets. */
  if (g_ascii_strncasecmp (content_id, "cid:", 4) == 0)
    {
      id = g_uri_unescape_string (content_id + 4, NULL);
      if (id == NULL)
        return NULL;
    }
  else
    id = g_strdup (content_id);
  length = strlen (id);
  if (length >= 2 && id[0] == '<' && id[length - 1] == '>')
    {
      memmove (id, id + 1, length - 2);
      id[length - 2] = '\0';
    }

  for (guint i = 0; i < self->parts->len; i++)
    {
      OpMimePart *part = g_ptr_array_index (self->parts, i);

      if (g_strcmp0 (op_mime_part_get_content_id (part), id) == 0)
        return part;
    }
  return NULL;
}

gboolean
op_mime_message_get_truncated (OpMimeMessage *self)
{
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (self), FALSE);
  return self->truncated;
}

GMimeMessage *
_op_mime_message_get_gmime (OpMimeMessage *self)
{
  return self->message;
}

OpMimeRoot *
_op_mime_message_get_root (OpMimeMessage *self)
{
  return self->root;
}
