/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mime-private.h"

#define SAVE_BLOCK 65536

struct _OpMimePart
{
  GObject        parent_instance;

  OpMimeRoot    *root;
  GMimeObject   *object;
  char          *content_type;
  char          *filename;
  char          *content_id;
  gboolean       is_inline;
  guint64        size;
  OpMimeMessage *message;
};

G_DEFINE_FINAL_TYPE (OpMimePart, op_mime_part, G_TYPE_OBJECT)

static void
op_mime_part_finalize (GObject *object)
{
  OpMimePart *self = OP_MIME_PART (object);

  g_clear_object (&self->object);
  g_clear_object (&self->message);
  g_clear_pointer (&self->root, _op_mime_root_unref);
  g_free (self->content_type);
  g_free (self->filename);
  g_free (self->content_id);

  G_OBJECT_CLASS (op_mime_part_parent_class)->finalize (object);
}

static void
op_mime_part_class_init (OpMimePartClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mime_part_finalize;
}

static void
op_mime_part_init (OpMimePart *self)
{
}

/* The part's content, decoded from its transfer encoding, from the start. (transfer full) */
static GMimeStream *
decoded_stream (GMimePart *part)
{
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  GMimeStream *source;
  GMimeStream *filtered;
  GMimeContentEncoding encoding;

  if (content == NULL)
    return g_mime_stream_mem_new ();

  source = g_mime_data_wrapper_get_stream (content);
  g_mime_stream_reset (source);
  filtered = g_mime_stream_filter_new (source);
  encoding = g_mime_data_wrapper_get_encoding (content);
  if (encoding == GMIME_CONTENT_ENCODING_BASE64 ||
      encoding == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
      encoding == GMIME_CONTENT_ENCODING_UUENCODE)
    {
      g_autoptr(GMimeFilter) decoder = g_mime_filter_basic_new (encoding, FALSE);

      g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), decoder);
    }
  return filtered;
}

GByteArray *
_op_mime_part_decode_content (GMimePart *part,
                              gsize      max_size,
                              gboolean  *truncated)
{
  g_autoptr(GMimeStream) stream = decoded_stream (part);
  GByteArray *out = g_byte_array_new ();
  char buffer[8192];
  gssize n;

  *truncated = FALSE;
  while ((n = g_mime_stream_read (stream, buffer, sizeof buffer)) > 0)
    {
      if (out->len + (gsize) n > max_size)
        {
          g_byte_array_append (out, (guint8 *) buffer, max_size - out->len);
          *truncated = TRUE;
          break;
        }
      g_byte_array_append (out, (guint8 *) buffer, n);
    }
  return out;
}

static guint64
decoded_size (GMimePart *part)
{
  g_autoptr(GMimeStream) stream = decoded_stream (part);
  char buffer[8192];
  guint64 total = 0;
  gssize n;

  while ((n = g_mime_stream_read (stream, buffer, sizeof buffer)) > 0)
    total += n;
  return total;
}

static char *
serialise_message (GMimeMessage *message)
{
  return g_mime_object_to_string (GMIME_OBJECT (message), NULL);
}

static const char *
raw_header (GMimeObject *object,
            const char  *name)
{
  GMimeHeader *header = g_mime_header_list_get_header (g_mime_object_get_header_list (object), name);

  return header != NULL ? g_mime_header_get_raw_value (header) : NULL;
}

/* An RFC 2231 file name read again with the charset superset (a "shift_jis" name with
 * NEC characters, a "gb2312" one with GBK characters); NULL when the part has none. */
static char *
rfc2231_filename (GMimeObject        *object,
                  GMimeParserOptions *options)
{
  const char *raw = raw_header (object, "Content-Disposition");
  char *name = NULL;

  if (raw != NULL && strstr (raw, "*=") != NULL)
    {
      g_autofree char *rewritten = _op_mime_rewrite_parameter_charsets (raw);
      g_autoptr(GMimeContentDisposition) disposition = g_mime_content_disposition_parse (options, rewritten);

      name = g_strdup (g_mime_content_disposition_get_parameter (disposition, "filename"));
    }
  raw = raw_header (object, "Content-Type");
  if (name == NULL && raw != NULL && strstr (raw, "*=") != NULL)
    {
      g_autofree char *rewritten = _op_mime_rewrite_parameter_charsets (raw);
      g_autoptr(GMimeContentType) type = g_mime_content_type_parse (options, rewritten);

      name = g_strdup (g_mime_content_type_get_parameter (type, "name"));
    }
  return name;
}

OpMimePart *
_op_mime_part_new (OpMimeRoot    *root,
                   GMimeObject   *object,
                   gboolean       is_inline,
                   OpMimeMessage *nested)
{
  OpMimePart *self = g_object_new (OP_TYPE_MIME_PART, NULL);
  GMimeContentType *type = g_mime_object_get_content_type (object);
  g_autofree char *mime_type = NULL;
  const char *id;

  self->root = _op_mime_root_ref (root);
  self->object = g_object_ref (object);
  self->is_inline = is_inline;
  self->message = nested != NULL ? g_object_ref (nested) : NULL;

  mime_type = type != NULL ? g_mime_content_type_get_mime_type (type) : NULL;
  self->content_type = g_ascii_strdown (mime_type != NULL ? mime_type : "application/octet-stream", -1);
  if (!g_utf8_validate (self->content_type, -1, NULL))
    g_clear_pointer (&self->content_type, g_free);
  if (self->content_type == NULL)
    self->content_type = g_strdup ("application/octet-stream");

  if (GMIME_IS_PART (object))
    {
      g_autoptr(GMimeParserOptions) options = _op_mime_parser_options_new (root->fallback_charset);
      g_autofree char *reparsed = rfc2231_filename (object, options);
      const char *name = reparsed != NULL ? reparsed : g_mime_part_get_filename (GMIME_PART (object));

      /* GMime decodes RFC 2231 already; RFC 2047 in a quoted name (Outlook, Gmail) is
       * not standard but universal, so decode that too. */
      if (name != NULL && *name != '\0')
        self->filename = _op_mime_decode_header_text (options, name);
      self->size = decoded_size (GMIME_PART (object));
    }
  else if (GMIME_IS_MESSAGE_PART (object))
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (object));
      const char *name = g_mime_object_get_content_disposition_parameter (object, "filename");

      if (name != NULL && *name != '\0')
        {
          g_autoptr(GMimeParserOptions) options = _op_mime_parser_options_new (root->fallback_charset);

          self->filename = _op_mime_decode_header_text (options, name);
        }
      if (message != NULL)
        {
          g_autofree char *text = serialise_message (message);

          self->size = strlen (text);
        }
    }

  id = g_mime_object_get_content_id (object);
  if (id != NULL && *id != '\0')
    {
      self->content_id = g_utf8_make_valid (id, -1);
      g_strstrip (self->content_id);
    }
  return self;
}

GMimeObject *
_op_mime_part_get_object (OpMimePart *self)
{
  return self->object;
}

const char *
op_mime_part_get_content_type (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  return self->content_type;
}

const char *
op_mime_part_get_filename (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  return self->filename;
}

static const struct
{
  const char *type;
  const char *extension;
} extensions[] = {
  { "message/rfc822", ".eml" }, { "text/calendar", ".ics" }, { "text/plain", ".txt" },
  { "text/html", ".html" }, { "image/png", ".png" }, { "image/jpeg", ".jpg" },
  { "image/gif", ".gif" }, { "application/pdf", ".pdf" }, { "application/zip", ".zip" },
};

char *
op_mime_part_get_safe_filename (OpMimePart *self)
{
  GString *name;
  const char *base;

  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  name = g_string_new (NULL);
  /* Only the last component of a name that carries a path ("C:\\x\\y.doc", "../../x"). */
  base = self->filename;
  if (base != NULL)
    {
      const char *slash = strrchr (base, '/');
      const char *backslash = strrchr (base, '\\');

      if (slash != NULL)
        base = slash + 1;
      if (backslash != NULL && backslash + 1 > base)
        base = backslash + 1;
      for (const char *p = base; *p != '\0'; p = g_utf8_next_char (p))
        {
          gunichar c = g_utf8_get_char (p);

          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == ':' ||
              c == 0x202e || c == 0x202d)  /* right-to-left overrides hide extensions */
            g_string_append_c (name, '_');
          else
            g_string_append_unichar (name, c);
          if (name->len > 200)
            break;
        }
      g_strstrip (name->str);
      g_string_set_size (name, strlen (name->str));
      while (name->len > 0 && name->str[0] == '.')
        g_string_erase (name, 0, 1);
    }
  if (name->len == 0)
    {
      g_string_assign (name, "attachment");
      for (gsize i = 0; i < G_N_ELEMENTS (extensions); i++)
        if (strcmp (self->content_type, extensions[i].type) == 0)
          g_string_append (name, extensions[i].extension);
    }
  return g_string_free (name, FALSE);
}

const char *
op_mime_part_get_content_id (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  return self->content_id;
}

gboolean
op_mime_part_get_is_inline (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), FALSE);

  return self->is_inline;
}

guint64
op_mime_part_get_size (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), 0);

  return self->size;
}

OpMimeMessage *
op_mime_part_get_message (OpMimePart *self)
{
  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  return self->message;
}

gboolean
op_mime_part_save (OpMimePart     *self,
                   GOutputStream  *output,
                   GCancellable   *cancellable,
                   GError        **error)
{
  g_autoptr(GMutexLocker) locker = NULL;

  g_return_val_if_fail (OP_IS_MIME_PART (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  locker = g_mutex_locker_new (&self->root->lock);

  if (GMIME_IS_MESSAGE_PART (self->object))
    {
      GMimeMessage *message = g_mime_message_part_get_message (GMIME_MESSAGE_PART (self->object));
      g_autofree char *text = message != NULL ? serialise_message (message) : g_strdup ("");

      return g_output_stream_write_all (output, text, strlen (text), NULL, cancellable, error);
    }

  if (GMIME_IS_PART (self->object))
    {
      g_autoptr(GMimeStream) stream = decoded_stream (GMIME_PART (self->object));
      g_autofree char *buffer = g_malloc (SAVE_BLOCK);
      gssize n;

      while ((n = g_mime_stream_read (stream, buffer, SAVE_BLOCK)) > 0)
        if (!g_output_stream_write_all (output, buffer, n, NULL, cancellable, error))
          return FALSE;
    }
  return TRUE;
}

GBytes *
op_mime_part_get_bytes (OpMimePart  *self,
                        gsize        max_size,
                        GError     **error)
{
  g_autoptr(GOutputStream) memory = NULL;

  g_return_val_if_fail (OP_IS_MIME_PART (self), NULL);

  if (self->size > max_size)
    {
      g_autofree char *size = g_format_size (self->size);

      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_TOO_LARGE,
                   /* Translators: %s is a size, e.g. "12.3 MB" */
                   _("The part is too large to show (%s)."), size);
      return NULL;
    }
  memory = g_memory_output_stream_new_resizable ();
  if (!op_mime_part_save (self, memory, NULL, error) ||
      !g_output_stream_close (memory, NULL, error))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (memory));
}
