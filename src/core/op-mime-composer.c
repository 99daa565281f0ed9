/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mime"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mime-composer.h"
#include "op-mime-private.h"

/* RFC 5322 §3.6.4 allows References to grow without bound; keep the thread root and the
 * most recent ones, as RFC 5537 §3.4.4 suggests for news. */
#define MAX_REFERENCES 20

typedef struct
{
  char   *filename;
  char   *content_type;
  char   *content_id;   /* inline images only */
  GBytes *data;
  gboolean is_message;  /* a forwarded message/rfc822 */
} Attachment;

struct _OpMimeComposer
{
  GObject        parent_instance;

  OpMimeAddress *from;
  GPtrArray     *to;
  GPtrArray     *cc;
  GPtrArray     *bcc;
  GPtrArray     *reply_to;
  char          *subject;
  GPtrArray     *headers;      /* name, value, name, value… */
  char          *text;
  char          *html;
  GPtrArray     *attachments;  /* Attachment */
  GPtrArray     *images;       /* Attachment */
  GDateTime     *date;
  char          *message_id;
  char          *in_reply_to;
  GStrv          references;
  gboolean       include_bcc;

  GBytes        *serialised;   /* cache; dropped by every change */
};

G_DEFINE_FINAL_TYPE (OpMimeComposer, op_mime_composer, G_TYPE_OBJECT)

static void
attachment_free (Attachment *attachment)
{
  g_free (attachment->filename);
  g_free (attachment->content_type);
  g_free (attachment->content_id);
  g_bytes_unref (attachment->data);
  g_free (attachment);
}

static void
op_mime_composer_finalize (GObject *object)
{
  OpMimeComposer *self = OP_MIME_COMPOSER (object);

  g_clear_pointer (&self->from, op_mime_address_free);
  g_ptr_array_unref (self->to);
  g_ptr_array_unref (self->cc);
  g_ptr_array_unref (self->bcc);
  g_ptr_array_unref (self->reply_to);
  g_free (self->subject);
  g_ptr_array_unref (self->headers);
  g_free (self->text);
  g_free (self->html);
  g_ptr_array_unref (self->attachments);
  g_ptr_array_unref (self->images);
  g_clear_pointer (&self->date, g_date_time_unref);
  g_free (self->message_id);
  g_free (self->in_reply_to);
  g_strfreev (self->references);
  g_clear_pointer (&self->serialised, g_bytes_unref);

  G_OBJECT_CLASS (op_mime_composer_parent_class)->finalize (object);
}

static void
op_mime_composer_class_init (OpMimeComposerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_mime_composer_finalize;
}

static void
op_mime_composer_init (OpMimeComposer *self)
{
  self->to = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  self->cc = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  self->bcc = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  self->reply_to = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mime_address_free);
  self->headers = g_ptr_array_new_with_free_func (g_free);
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  self->images = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
  self->references = g_new0 (char *, 1);
  self->text = g_strdup ("");
}

static void
changed (OpMimeComposer *self)
{
  g_clear_pointer (&self->serialised, g_bytes_unref);
}

OpMimeComposer *
op_mime_composer_new (void)
{
  op_mime_init ();
  return g_object_new (OP_TYPE_MIME_COMPOSER, NULL);
}

/* ---- checks ----------------------------------------------------------------------- */

static gboolean
check_address (const char  *address,
               GError     **error)
{
  const char *at;
  gsize length;

  if (!op_mime_check_header_value (address, -1, _("address"), NULL))
    {
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                           _("An address contains a line break or a control character."));
      return FALSE;
    }

  length = strlen (address);
  at = strrchr (address, '@');
  if (length == 0 || length > 254 || at == NULL || at == address || at[1] == '\0' ||
      strchr (address, '@') != at || strpbrk (address, " \t<>()[],;:\"\\") != NULL ||
      address[0] == '.' || at[-1] == '.' || at[1] == '.' || address[length - 1] == '.' ||
      strstr (address, "..") != NULL)
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS,
                   /* Translators: %s is what the user typed as a mail address */
                   _("“%s” is not a valid mail address."), address);
      return FALSE;
    }
  return TRUE;
}

static OpMimeAddress *
checked_address (const char  *name,
                 const char  *address,
                 GError     **error)
{
  g_return_val_if_fail (address != NULL, NULL);

  if (name != NULL && !op_mime_check_header_value (name, -1, _("name of a recipient or sender"), error))
    return NULL;
  if (!check_address (address, error))
    return NULL;
  return op_mime_address_new (name, address);
}

static gboolean
add_address (OpMimeComposer  *self,
             GPtrArray       *list,
             const char      *name,
             const char      *address,
             GError         **error)
{
  OpMimeAddress *checked;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);

  checked = checked_address (name, address, error);
  if (checked == NULL)
    return FALSE;
  g_ptr_array_add (list, checked);
  changed (self);
  return TRUE;
}

/* ---- setters ---------------------------------------------------------------------- */

gboolean
op_mime_composer_set_from (OpMimeComposer  *self,
                           const char      *name,
                           const char      *address,
                           GError         **error)
{
  OpMimeAddress *checked;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);

  checked = checked_address (name, address, error);
  if (checked == NULL)
    return FALSE;
  g_clear_pointer (&self->from, op_mime_address_free);
  self->from = checked;
  changed (self);
  return TRUE;
}

gboolean
op_mime_composer_add_to (OpMimeComposer  *self,
                         const char      *name,
                         const char      *address,
                         GError         **error)
{
  return add_address (self, self->to, name, address, error);
}

gboolean
op_mime_composer_add_cc (OpMimeComposer  *self,
                         const char      *name,
                         const char      *address,
                         GError         **error)
{
  return add_address (self, self->cc, name, address, error);
}

gboolean
op_mime_composer_add_bcc (OpMimeComposer  *self,
                          const char      *name,
                          const char      *address,
                          GError         **error)
{
  return add_address (self, self->bcc, name, address, error);
}

gboolean
op_mime_composer_add_reply_to (OpMimeComposer  *self,
                               const char      *name,
                               const char      *address,
                               GError         **error)
{
  return add_address (self, self->reply_to, name, address, error);
}

GPtrArray *
op_mime_composer_get_to (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->to;
}

GPtrArray *
op_mime_composer_get_cc (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->cc;
}

GPtrArray *
op_mime_composer_get_bcc (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->bcc;
}

gboolean
op_mime_composer_set_subject (OpMimeComposer  *self,
                              const char      *subject,
                              GError         **error)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (subject != NULL, FALSE);

  if (!op_mime_check_header_value (subject, -1, _("subject"), error))
    return FALSE;
  g_free (self->subject);
  self->subject = g_strdup (subject);
  changed (self);
  return TRUE;
}

const char *
op_mime_composer_get_subject (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->subject;
}

static const char * const reserved_headers[] = {
  "from", "to", "cc", "bcc", "reply-to", "subject", "date", "message-id", "mime-version",
  "in-reply-to", "references", "sender", NULL
};

gboolean
op_mime_composer_add_header (OpMimeComposer  *self,
                             const char      *name,
                             const char      *value,
                             GError         **error)
{
  g_autofree char *lower = NULL;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (name != NULL && value != NULL, FALSE);

  /* RFC 5322 §3.6.8: a field name is printable ASCII but ':'. */
  lower = g_ascii_strdown (name, -1);
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p < 33 || (guchar) *p > 126 || *p == ':')
      {
        g_clear_pointer (&lower, g_free);
        break;
      }
  if (lower == NULL || *name == '\0' || strlen (name) > 76 ||
      g_strv_contains (reserved_headers, lower) || g_str_has_prefix (lower, "content-"))
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                   /* Translators: %s is a header name the program tried to add */
                   _("“%s” cannot be added as a header."), name);
      return FALSE;
    }
  if (!op_mime_check_header_value (value, -1, name, error))
    return FALSE;
  g_ptr_array_add (self->headers, g_strdup (name));
  g_ptr_array_add (self->headers, g_strdup (value));
  changed (self);
  return TRUE;
}

void
op_mime_composer_set_text (OpMimeComposer *self,
                           const char     *text)
{
  g_return_if_fail (OP_IS_MIME_COMPOSER (self));

  g_free (self->text);
  self->text = g_utf8_make_valid (text != NULL ? text : "", -1);
  changed (self);
}

const char *
op_mime_composer_get_text (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->text;
}

void
op_mime_composer_set_html (OpMimeComposer *self,
                           const char     *html)
{
  g_return_if_fail (OP_IS_MIME_COMPOSER (self));

  g_free (self->html);
  self->html = html != NULL ? g_utf8_make_valid (html, -1) : NULL;
  changed (self);
}

static Attachment *
new_attachment (const char  *filename,
                const char  *content_type,
                GBytes      *data,
                GError     **error)
{
  Attachment *attachment;
  g_autofree char *guessed = NULL;

  if (!op_mime_check_header_value (filename, -1, _("file name"), error))
    return NULL;
  if (content_type != NULL &&
      (!op_mime_check_header_value (content_type, -1, _("content type"), error)))
    return NULL;
  if (content_type == NULL || strchr (content_type, '/') == NULL)
    {
      gsize size;
      const guchar *bytes = g_bytes_get_data (data, &size);
      g_autofree char *type = g_content_type_guess (filename, bytes, MIN (size, 4096), NULL);

      guessed = g_content_type_get_mime_type (type);
      if (guessed == NULL)
        guessed = g_strdup ("application/octet-stream");
      content_type = guessed;
    }

  attachment = g_new0 (Attachment, 1);
  attachment->filename = g_strdup (filename);
  attachment->content_type = g_ascii_strdown (content_type, -1);
  attachment->data = g_bytes_ref (data);
  /* RFC 2046 §5.2.1: a message/rfc822 part is never base64: it goes out as a message. */
  attachment->is_message = strcmp (attachment->content_type, "message/rfc822") == 0;
  return attachment;
}

gboolean
op_mime_composer_add_attachment (OpMimeComposer  *self,
                                 const char      *filename,
                                 const char      *content_type,
                                 GBytes          *data,
                                 GError         **error)
{
  Attachment *attachment;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (filename != NULL && data != NULL, FALSE);

  attachment = new_attachment (filename, content_type, data, error);
  if (attachment == NULL)
    return FALSE;
  g_ptr_array_add (self->attachments, attachment);
  changed (self);
  return TRUE;
}

gboolean
op_mime_composer_add_attachment_file (OpMimeComposer  *self,
                                      GFile           *file,
                                      const char      *content_type,
                                      GCancellable    *cancellable,
                                      GError         **error)
{
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GFileInputStream) input = NULL;
  g_autoptr(GBytes) data = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *name = NULL;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (G_IS_FILE (file), FALSE);

  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME ","
                            G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE,
                            cancellable, &local_error);
  if (info != NULL && g_file_info_get_size (info) > OP_MIME_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_TOO_LARGE,
                   /* Translators: %s is a file name */
                   _("“%s” is too large to attach."), g_file_info_get_display_name (info));
      return FALSE;
    }
  if (info != NULL)
    {
      input = g_file_read (file, cancellable, &local_error);
      if (input != NULL)
        data = g_input_stream_read_bytes (G_INPUT_STREAM (input), OP_MIME_MAX_MESSAGE_SIZE,
                                          cancellable, &local_error);
    }
  if (data == NULL)
    {
      g_autofree char *parse_name = g_file_get_parse_name (file);

      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_LOCAL,
                   /* Translators: the first %s is a file, the second the system's reason */
                   _("Could not read “%s” to attach it: %s"), parse_name, local_error->message);
      return FALSE;
    }
  name = g_strdup (g_file_info_get_display_name (info));
  return op_mime_composer_add_attachment (self, name, content_type, data, error);
}

char *
op_mime_composer_add_inline_image (OpMimeComposer  *self,
                                   const char      *filename,
                                   const char      *content_type,
                                   GBytes          *data,
                                   GError         **error)
{
  Attachment *image;
  g_autofree char *random = NULL;
  const char *domain;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  g_return_val_if_fail (filename != NULL && data != NULL, NULL);

  image = new_attachment (filename, content_type, data, error);
  if (image == NULL)
    return NULL;
  random = g_uuid_string_random ();
  domain = self->from != NULL ? strrchr (self->from->address, '@') : NULL;
  image->content_id = g_strdup_printf ("%s%s", random,
                                       domain != NULL && !op_mime_address_needs_smtputf8 (domain)
                                         ? domain : "@outpost.invalid");
  g_ptr_array_add (self->images, image);
  changed (self);
  return g_strdup (image->content_id);
}

void
op_mime_composer_set_date (OpMimeComposer *self,
                           GDateTime      *date)
{
  g_return_if_fail (OP_IS_MIME_COMPOSER (self));

  g_clear_pointer (&self->date, g_date_time_unref);
  self->date = date != NULL ? g_date_time_ref (date) : NULL;
  changed (self);
}

const char *
op_mime_composer_get_message_id (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);

  if (self->message_id == NULL)
    {
      const char *at = self->from != NULL ? strrchr (self->from->address, '@') : NULL;
      g_autofree char *domain = NULL;
      g_autofree char *uuid = g_uuid_string_random ();

      /* RFC 5322 §3.6.4: unique left part, the sender's domain on the right (in ASCII:
       * the id goes out in In-Reply-To of replies through any server). */
      if (at != NULL)
        domain = op_mime_address_needs_smtputf8 (at + 1) ? g_hostname_to_ascii (at + 1)
                                                           : g_ascii_strdown (at + 1, -1);
      self->message_id = g_strdup_printf ("%s@%s", uuid, domain != NULL ? domain : "outpost.invalid");
    }
  return self->message_id;
}

const char *
op_mime_composer_get_in_reply_to (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return self->in_reply_to;
}

const char * const *
op_mime_composer_get_references (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);
  return (const char * const *) self->references;
}

gboolean
op_mime_composer_set_references (OpMimeComposer      *self,
                                 const char * const  *ids,
                                 GError             **error)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint n;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (ids != NULL, FALSE);

  n = g_strv_length ((GStrv) ids);
  for (guint i = 0; i < n; i++)
    {
      const char *id = ids[i];

      for (const char *p = id; *p != '\0'; p++)
        if ((guchar) *p <= 32 || *p == 127 || *p == '<' || *p == '>')
          {
            g_set_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                         /* Translators: %s is a Message-ID from an article's References */
                         _("“%s” is not a Message-ID."), id);
            return FALSE;
          }
      if (*id == '\0')
        {
          g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_HEADER,
                               _("An empty Message-ID cannot be referenced."));
          return FALSE;
        }
      /* The thread root and the most recent ones (MAX_REFERENCES). */
      if (n <= MAX_REFERENCES || i == 0 || i >= n - (MAX_REFERENCES - 1))
        g_strv_builder_add (builder, id);
    }
  g_strfreev (self->references);
  self->references = g_strv_builder_end (builder);
  changed (self);
  return TRUE;
}

GStrv
op_mime_composer_dup_recipients (OpMimeComposer *self)
{
  GPtrArray *lists[3];
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);

  lists[0] = self->to;
  lists[1] = self->cc;
  lists[2] = self->bcc;
  for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
    for (guint i = 0; i < lists[l]->len; i++)
      {
        OpMimeAddress *address = g_ptr_array_index (lists[l], i);
        g_autofree char *envelope = op_mime_address_to_envelope (address->address);
        char *key = g_utf8_casefold (envelope, -1);

        if (g_hash_table_add (seen, key))
          g_strv_builder_add (builder, envelope);
      }
  return g_strv_builder_end (builder);
}

char *
op_mime_composer_dup_envelope_from (OpMimeComposer *self)
{
  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);

  return self->from != NULL ? op_mime_address_to_envelope (self->from->address) : NULL;
}

void
op_mime_composer_set_include_bcc (OpMimeComposer *self,
                                  gboolean        include)
{
  g_return_if_fail (OP_IS_MIME_COMPOSER (self));

  self->include_bcc = include;
  changed (self);
}

/* ---- building --------------------------------------------------------------------- */

static void
add_mailboxes (InternetAddressList *list,
               GPtrArray           *addresses)
{
  for (guint i = 0; i < addresses->len; i++)
    {
      OpMimeAddress *address = g_ptr_array_index (addresses, i);
      g_autoptr(InternetAddress) mailbox = internet_address_mailbox_new (address->name, address->address);

      internet_address_set_charset (mailbox, "utf-8");
      internet_address_list_add (list, mailbox);
    }
}

/* Empty GBytes have no data pointer, which GMime refuses. (transfer full) */
static GMimeStream *
stream_for_bytes (GBytes *bytes)
{
  gsize size;
  gconstpointer data = g_bytes_get_data (bytes, &size);

  return size > 0 ? g_mime_stream_mem_new_with_buffer (data, size) : g_mime_stream_mem_new ();
}

/* A text part in UTF-8, quoted-printable (or base64) when it is not 7-bit clean, so the
 * message never needs 8BITMIME for its body. */
static GMimeObject *
text_part (const char *subtype,
           const char *text)
{
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);
  g_autoptr(GMimeStream) stream = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  g_autoptr(GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);

  g_mime_part_set_content (GMIME_PART (part), content);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");
  g_mime_object_encode (GMIME_OBJECT (part), GMIME_ENCODING_CONSTRAINT_7BIT);
  return GMIME_OBJECT (part);
}

static GMimeObject *
attachment_part (Attachment *attachment,
                 gboolean    is_inline)
{
  g_autoptr(GMimeContentType) type = g_mime_content_type_parse (NULL, attachment->content_type);
  GMimePart *part;
  g_autoptr(GMimeStream) stream = stream_for_bytes (attachment->data);
  g_autoptr(GMimeDataWrapper) content = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  const char *media = type != NULL ? g_mime_content_type_get_media_type (type) : NULL;
  const char *subtype = type != NULL ? g_mime_content_type_get_media_subtype (type) : NULL;

  if (media == NULL || subtype == NULL)
    media = "application", subtype = "octet-stream";
  part = g_mime_part_new_with_type (media, subtype);
  g_mime_part_set_content (part, content);
  /* Base64 for every attachment: the bytes arrive as they were, whatever line ends a
   * text file has (quoted-printable would pass them through the CRLF conversion). */
  g_mime_part_set_content_encoding (part, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_object_set_disposition (GMIME_OBJECT (part), is_inline ? "inline" : "attachment");
  /* GMime writes a non-ASCII name with RFC 2231 (filename*=UTF-8''…) in the disposition
   * and in the content type's "name", which Outlook reads. */
  g_mime_part_set_filename (part, attachment->filename);
  if (attachment->content_id != NULL)
    g_mime_object_set_content_id (GMIME_OBJECT (part), attachment->content_id);
  return GMIME_OBJECT (part);
}

static GMimeObject *
message_part (Attachment *attachment)
{
  g_autoptr(GMimeStream) stream = stream_for_bytes (attachment->data);
  g_autoptr(GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_autoptr(GMimeParserOptions) options = _op_mime_parser_options_new (NULL);
  g_autoptr(GMimeMessage) message = g_mime_parser_construct_message (parser, options);
  GMimeMessagePart *part;

  /* The bytes came from a parsed message, so this parses; an empty one if not. */
  if (message == NULL)
    message = g_mime_message_new (FALSE);
  part = g_mime_message_part_new_with_message ("rfc822", message);

  g_mime_object_set_disposition (GMIME_OBJECT (part), "attachment");
  g_mime_object_set_content_disposition_parameter (GMIME_OBJECT (part), "filename", attachment->filename);
  return GMIME_OBJECT (part);
}

static GMimeObject *
build_body (OpMimeComposer *self)
{
  GMimeObject *body;

  if (self->html == NULL)
    body = text_part ("plain", self->text);
  else
    {
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_autoptr(GMimeObject) plain = NULL;
      g_autoptr(GMimeObject) html = text_part ("html", self->html);

      if (*self->text != '\0')
        plain = text_part ("plain", self->text);
      else
        {
          g_autofree char *rendered = op_mime_html_to_text (self->html, -1);

          plain = text_part ("plain", rendered);
        }
      g_mime_multipart_add (alternative, plain);

      if (self->images->len > 0)
        {
          /* RFC 2387: the HTML first, then what it refers to by "cid:". */
          GMimeMultipart *related = g_mime_multipart_new_with_subtype ("related");

          g_mime_object_set_content_type_parameter (GMIME_OBJECT (related), "type", "text/html");
          g_mime_multipart_add (related, html);
          for (guint i = 0; i < self->images->len; i++)
            {
              g_autoptr(GMimeObject) image = attachment_part (g_ptr_array_index (self->images, i), TRUE);

              g_mime_multipart_add (related, image);
            }
          g_mime_multipart_add (alternative, GMIME_OBJECT (related));
          g_object_unref (related);
        }
      else
        g_mime_multipart_add (alternative, html);
      body = GMIME_OBJECT (alternative);
    }

  if (self->attachments->len > 0)
    {
      GMimeMultipart *mixed = g_mime_multipart_new_with_subtype ("mixed");

      g_mime_multipart_add (mixed, body);
      g_object_unref (body);
      for (guint i = 0; i < self->attachments->len; i++)
        {
          Attachment *attachment = g_ptr_array_index (self->attachments, i);
          g_autoptr(GMimeObject) part = attachment->is_message ? message_part (attachment)
                                                               : attachment_part (attachment, FALSE);

          g_mime_multipart_add (mixed, part);
        }
      body = GMIME_OBJECT (mixed);
    }
  return body;
}

static GMimeMessage *
build (OpMimeComposer  *self,
       GError         **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeObject) body = NULL;
  g_autoptr(GDateTime) now = NULL;
  GMimeObject *object;

  if (self->from == NULL)
    {
      g_set_error_literal (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE,
                           _("The message has no sender address."));
      return NULL;
    }

  message = g_mime_message_new (TRUE);
  object = GMIME_OBJECT (message);

  {
    g_autoptr(InternetAddress) from = internet_address_mailbox_new (self->from->name, self->from->address);

    internet_address_set_charset (from, "utf-8");
    internet_address_list_add (g_mime_message_get_from (message), from);
  }
  add_mailboxes (g_mime_message_get_reply_to (message), self->reply_to);
  add_mailboxes (g_mime_message_get_to (message), self->to);
  add_mailboxes (g_mime_message_get_cc (message), self->cc);
  if (self->include_bcc)
    add_mailboxes (g_mime_message_get_bcc (message), self->bcc);

  g_mime_message_set_subject (message, self->subject != NULL ? self->subject : "", "utf-8");
  if (self->date == NULL)
    now = g_date_time_new_now_local ();
  g_mime_message_set_date (message, self->date != NULL ? self->date : now);
  g_mime_message_set_message_id (message, op_mime_composer_get_message_id (self));

  if (self->in_reply_to != NULL)
    {
      g_autofree char *value = g_strdup_printf ("<%s>", self->in_reply_to);

      g_mime_object_set_header (object, "In-Reply-To", value, NULL);
    }
  if (self->references[0] != NULL)
    {
      GString *value = g_string_new (NULL);

      for (guint i = 0; self->references[i] != NULL; i++)
        g_string_append_printf (value, "%s<%s>", i > 0 ? " " : "", self->references[i]);
      g_mime_object_set_header (object, "References", value->str, NULL);
      g_string_free (value, TRUE);
    }
  for (guint i = 0; i + 1 < self->headers->len; i += 2)
    g_mime_object_append_header (object, g_ptr_array_index (self->headers, i),
                                 g_ptr_array_index (self->headers, i + 1), "utf-8");

  body = build_body (self);
  g_mime_message_set_mime_part (message, body);
  return g_steal_pointer (&message);
}

GBytes *
op_mime_composer_to_bytes (OpMimeComposer  *self,
                           GError         **error)
{
  g_autoptr(GMimeMessage) message = NULL;
  g_autoptr(GMimeStream) stream = NULL;
  g_autoptr(GMimeFormatOptions) format = NULL;
  GByteArray *array;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), NULL);

  if (self->serialised != NULL)
    return g_bytes_ref (self->serialised);

  message = build (self, error);
  if (message == NULL)
    return NULL;

  /* RFC 5321 §2.3.8 / RFC 3501 §6.3.11: CRLF on the wire, and GMime folds every header
   * and encodes every body so that no line exceeds 998 octets. */
  format = g_mime_format_options_clone (NULL);
  g_mime_format_options_set_newline_format (format, GMIME_NEWLINE_FORMAT_DOS);
  stream = g_mime_stream_mem_new ();
  {
    /* GMime writes parsed content (a forwarded message/rfc822) as it was read: convert
     * what is left of bare LF there too. */
    g_autoptr(GMimeStream) filtered = g_mime_stream_filter_new (stream);
    g_autoptr(GMimeFilter) crlf = g_mime_filter_unix2dos_new (FALSE);

    g_mime_stream_filter_add (GMIME_STREAM_FILTER (filtered), crlf);
    g_mime_object_write_to_stream (GMIME_OBJECT (message), format, filtered);
    g_mime_stream_flush (filtered);
  }
  array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (stream));
  self->serialised = g_bytes_new (array->data, array->len);
  return g_bytes_ref (self->serialised);
}

gboolean
op_mime_composer_write (OpMimeComposer  *self,
                        GOutputStream   *output,
                        GCancellable    *cancellable,
                        GError         **error)
{
  g_autoptr(GBytes) bytes = NULL;
  gsize size;
  gconstpointer data;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);

  bytes = op_mime_composer_to_bytes (self, error);
  if (bytes == NULL)
    return FALSE;
  data = g_bytes_get_data (bytes, &size);
  return g_output_stream_write_all (output, data, size, NULL, cancellable, error);
}

OpMimeRequirements
op_mime_composer_get_requirements (OpMimeComposer  *self,
                                   GError         **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_auto(GStrv) recipients = NULL;
  OpMimeRequirements needs;

  g_return_val_if_fail (OP_IS_MIME_COMPOSER (self), OP_MIME_NEEDS_NOTHING);

  bytes = op_mime_composer_to_bytes (self, error);
  if (bytes == NULL)
    return OP_MIME_NEEDS_NOTHING;
  needs = op_mime_scan_requirements (bytes);

  recipients = op_mime_composer_dup_recipients (self);
  if (op_mime_address_needs_smtputf8 (self->from->address))
    needs |= OP_MIME_NEEDS_SMTPUTF8 | OP_MIME_NEEDS_8BITMIME;
  for (guint i = 0; recipients[i] != NULL; i++)
    if (op_mime_address_needs_smtputf8 (recipients[i]))
      needs |= OP_MIME_NEEDS_SMTPUTF8 | OP_MIME_NEEDS_8BITMIME;
  return needs;
}

/* ---- replies and forwards ----------------------------------------------------------- */

static gboolean
is_mine (GPtrArray           *mine,
         const OpMimeAddress *address)
{
  for (guint i = 0; mine != NULL && i < mine->len; i++)
    if (op_mime_address_same_mailbox (g_ptr_array_index (mine, i), address))
      return TRUE;
  return FALSE;
}

static gboolean
listed (GPtrArray           *list,
        const OpMimeAddress *address)
{
  return is_mine (list, address);
}

/* Adds @address unless it is one of @mine, already in @list or in @also. Addresses
 * that would not pass check_address() (a hostile original) are left out. */
static void
add_unique (GPtrArray           *list,
            const OpMimeAddress *address,
            GPtrArray           *mine,
            GPtrArray           *also)
{
  if (is_mine (mine, address) || listed (list, address) || (also != NULL && listed (also, address)))
    return;
  if (!check_address (address->address, NULL) ||
      (address->name != NULL && !op_mime_check_header_value (address->name, -1, "name", NULL)))
    return;
  g_ptr_array_add (list, op_mime_address_copy (address));
}

static gboolean
has_prefix (const char         *subject,
            const char * const *prefixes)
{
  for (guint i = 0; prefixes[i] != NULL; i++)
    {
      gsize n = strlen (prefixes[i]);

      if (g_ascii_strncasecmp (subject, prefixes[i], n) == 0)
        return TRUE;
    }
  return FALSE;
}

static char *
prefixed_subject (const char         *subject,
                  const char         *prefix,
                  const char * const *known)
{
  g_autofree char *clean = g_strstrip (g_strdup (subject != NULL ? subject : ""));

  if (has_prefix (clean, known))
    return g_steal_pointer (&clean);
  return g_strconcat (prefix, clean, NULL);
}

static const char * const reply_prefixes[] = {
  "re:", "re :", "aw:", "sv:", "vs:", "antw:", "回复:", "回复：", "答复:", "答复：", "回覆:", "回覆：",
  "返信:", "RE：", NULL
};
static const char * const forward_prefixes[] = {
  "fwd:", "fw:", "wg:", "tr:", "转发:", "转发：", "轉寄:", "転送:", NULL
};

static char *
sender_name (OpMimeMessage *original)
{
  GPtrArray *from = op_mime_message_get_from (original);
  OpMimeAddress *first;

  if (from->len == 0)
    return g_strdup (_("Unknown sender"));
  first = g_ptr_array_index (from, 0);
  return g_strdup (first->name != NULL ? first->name : first->address);
}

static char *
format_date (GDateTime *date)
{
  g_autoptr(GDateTime) local = NULL;

  if (date == NULL)
    return g_strdup (_("an unknown date"));
  local = g_date_time_to_local (date);
  /* Translators: the date in a reply's "On DATE, NAME wrote:" line and in a forwarded
   * message's header block, as for g_date_time_format(); e.g. "%Y年%m月%d日 %H:%M" */
  return g_date_time_format (local, C_("quoted message date", "%a, %b %-d, %Y at %H:%M"));
}

static char *
quote_text (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = g_strv_length (lines);
  GString *out = g_string_new (NULL);

  /* Trailing empty lines would become a tail of bare ">". */
  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      /* RFC 3676 §4.5: ">" before an already quoted line, "> " before others. */
      if (lines[i][0] == '>')
        g_string_append_printf (out, ">%s\n", lines[i]);
      else if (lines[i][0] == '\0')
        g_string_append (out, ">\n");
      else
        g_string_append_printf (out, "> %s\n", lines[i]);
    }
  return g_string_free (out, FALSE);
}

OpMimeComposer *
op_mime_composer_new_reply (OpMimeMessage   *original,
                            OpMimeReplyMode  mode,
                            GPtrArray       *my_addresses)
{
  OpMimeComposer *self;
  GPtrArray *reply_to, *from;
  const char *id;
  const char * const *references;
  g_autofree char *date = NULL;
  g_autofree char *name = NULL;
  g_autofree char *attribution = NULL;
  g_autofree char *quoted = NULL;
  gboolean own_message = FALSE;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (original), NULL);

  self = op_mime_composer_new ();
  self->subject = prefixed_subject (op_mime_message_get_subject (original),
                                    /* Translators: the prefix of a reply's subject;
                                     * most languages keep the standard "Re: " */
                                    _("Re: "), reply_prefixes);

  from = op_mime_message_get_from (original);
  reply_to = op_mime_message_get_reply_to (original);
  for (guint i = 0; i < from->len; i++)
    if (is_mine (my_addresses, g_ptr_array_index (from, i)))
      own_message = TRUE;

  if (own_message)
    {
      /* A reply to one's own sent message continues the conversation with its
       * recipients, as every client does. */
      GPtrArray *to = op_mime_message_get_to (original);

      for (guint i = 0; i < to->len; i++)
        add_unique (self->to, g_ptr_array_index (to, i), NULL, NULL);
    }
  else
    {
      GPtrArray *target = reply_to->len > 0 ? reply_to : from;

      for (guint i = 0; i < target->len; i++)
        add_unique (self->to, g_ptr_array_index (target, i), NULL, NULL);
    }

  if (mode == OP_MIME_REPLY_ALL)
    {
      GPtrArray *lists[] = { op_mime_message_get_to (original), op_mime_message_get_cc (original) };

      for (guint l = 0; l < G_N_ELEMENTS (lists); l++)
        for (guint i = 0; i < lists[l]->len; i++)
          add_unique (self->cc, g_ptr_array_index (lists[l], i), my_addresses, self->to);
      if (self->to->len == 0 && self->cc->len > 0)
        g_ptr_array_add (self->to, g_ptr_array_steal_index (self->cc, 0));
    }

  /* RFC 5322 §3.6.4: In-Reply-To is the parent's id; References the parent's
   * References (or In-Reply-To) followed by the parent's id. */
  id = op_mime_message_get_message_id (original);
  references = op_mime_message_get_references (original);
  {
    GPtrArray *refs = g_ptr_array_new ();
    g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
    const char *parent_in_reply_to = op_mime_message_get_in_reply_to (original);

    for (guint i = 0; references[i] != NULL; i++)
      g_ptr_array_add (refs, (gpointer) references[i]);
    if (refs->len == 0 && parent_in_reply_to != NULL)
      g_ptr_array_add (refs, (gpointer) parent_in_reply_to);
    if (id != NULL)
      g_ptr_array_add (refs, (gpointer) id);
    for (guint i = 0; i < refs->len; i++)
      if (refs->len <= MAX_REFERENCES || i == 0 || i >= refs->len - (MAX_REFERENCES - 1))
        g_strv_builder_add (builder, g_ptr_array_index (refs, i));
    g_strfreev (self->references);
    self->references = g_strv_builder_end (builder);
    g_ptr_array_unref (refs);
  }
  self->in_reply_to = g_strdup (id);

  date = format_date (op_mime_message_get_date (original));
  name = sender_name (original);
  /* Translators: the line above the quoted text of a reply; the first %s is the date
   * (see "quoted message date"), the second the sender's name */
  attribution = g_strdup_printf (_("On %s, %s wrote:"), date, name);
  quoted = quote_text (op_mime_message_get_text (original));
  g_free (self->text);
  self->text = g_strdup_printf ("%s\n%s", attribution, quoted);
  return self;
}

OpMimeComposer *
op_mime_composer_new_forward (OpMimeMessage     *original,
                              OpMimeForwardMode  mode,
                              GError           **error)
{
  g_autoptr(OpMimeComposer) self = NULL;
  g_autofree char *subject = NULL;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (original), NULL);

  self = op_mime_composer_new ();
  subject = g_strdup (op_mime_message_get_subject (original));
  self->subject = prefixed_subject (subject,
                                    /* Translators: the prefix of a forwarded message's
                                     * subject; most languages keep the standard "Fwd: " */
                                    _("Fwd: "), forward_prefixes);

  if (mode == OP_MIME_FORWARD_ATTACHMENT)
    {
      OpMimeRoot *root = _op_mime_message_get_root (original);
      Attachment *attachment = g_new0 (Attachment, 1);
      g_autofree char *text = NULL;
      g_autofree char *name = NULL;

      g_mutex_lock (&root->lock);
      text = g_mime_object_to_string (GMIME_OBJECT (_op_mime_message_get_gmime (original)), NULL);
      g_mutex_unlock (&root->lock);

      name = g_strdup (subject != NULL && *subject != '\0' ? subject : _("Forwarded message"));
      g_strdelimit (name, "/\\:", '_');
      attachment->filename = g_strconcat (name, ".eml", NULL);
      attachment->content_type = g_strdup ("message/rfc822");
      attachment->data = g_bytes_new_take (text, strlen (text));
      g_steal_pointer (&text);
      attachment->is_message = TRUE;
      g_ptr_array_add (self->attachments, attachment);
      g_free (self->text);
      self->text = g_strdup ("");
      return g_steal_pointer (&self);
    }

  {
    GString *body = g_string_new (NULL);
    g_autofree char *date = format_date (op_mime_message_get_date (original));
    g_autofree char *from = op_mime_address_list_to_display (op_mime_message_get_from (original));
    g_autofree char *to = op_mime_address_list_to_display (op_mime_message_get_to (original));
    g_autofree char *cc = op_mime_address_list_to_display (op_mime_message_get_cc (original));
    GPtrArray *parts = op_mime_message_get_parts (original);

    g_string_append_printf (body, "\n\n%s\n", _("---------- Forwarded message ----------"));
    /* Translators: the header block of an inline forward; keep the alignment short */
    g_string_append_printf (body, _("From: %s\n"), from);
    g_string_append_printf (body, _("Date: %s\n"), date);
    g_string_append_printf (body, _("Subject: %s\n"), subject != NULL ? subject : "");
    g_string_append_printf (body, _("To: %s\n"), to);
    if (*cc != '\0')
      g_string_append_printf (body, _("Cc: %s\n"), cc);
    g_string_append_c (body, '\n');
    g_string_append (body, op_mime_message_get_text (original));
    g_string_append_c (body, '\n');
    g_free (self->text);
    self->text = g_string_free (body, FALSE);

    /* The original's attachments travel with it. */
    for (guint i = 0; i < parts->len; i++)
      {
        OpMimePart *part = g_ptr_array_index (parts, i);
        g_autoptr(GBytes) data = NULL;
        g_autofree char *filename = NULL;

        if (op_mime_part_get_is_inline (part))
          continue;
        data = op_mime_part_get_bytes (part, OP_MIME_MAX_MESSAGE_SIZE, error);
        if (data == NULL)
          return NULL;
        filename = op_mime_part_get_safe_filename (part);
        if (!op_mime_composer_add_attachment (self, filename, op_mime_part_get_content_type (part),
                                              data, error))
          return NULL;
      }
  }
  return g_steal_pointer (&self);
}

OpMimeComposer *
op_mime_composer_new_from_draft (OpMimeMessage  *draft,
                                 GError        **error)
{
  g_autoptr(OpMimeComposer) self = NULL;
  GPtrArray *from;
  GPtrArray *parts;
  const char *subject;
  const char * const *references;

  g_return_val_if_fail (OP_IS_MIME_MESSAGE (draft), NULL);

  self = op_mime_composer_new ();
  from = op_mime_message_get_from (draft);
  if (from->len > 0)
    {
      OpMimeAddress *sender = g_ptr_array_index (from, 0);

      /* A sender that does not pass the checks is left for the user to choose again. */
      if (check_address (sender->address, NULL) &&
          (sender->name == NULL || op_mime_check_header_value (sender->name, -1, "name", NULL)))
        self->from = op_mime_address_copy (sender);
    }
  {
    GPtrArray *sources[] = { op_mime_message_get_to (draft), op_mime_message_get_cc (draft),
                             op_mime_message_get_bcc (draft), op_mime_message_get_reply_to (draft) };
    GPtrArray *targets[] = { self->to, self->cc, self->bcc, self->reply_to };

    for (guint l = 0; l < G_N_ELEMENTS (sources); l++)
      for (guint i = 0; i < sources[l]->len; i++)
        add_unique (targets[l], g_ptr_array_index (sources[l], i), NULL, NULL);
  }

  subject = op_mime_message_get_subject (draft);
  if (subject != NULL)
    self->subject = g_strdup (subject);
  g_free (self->text);
  self->text = g_strdup (op_mime_message_get_text_is_from_html (draft) ? "" : op_mime_message_get_text (draft));
  if (op_mime_message_get_html (draft) != NULL)
    self->html = g_strdup (op_mime_message_get_html (draft));
  self->in_reply_to = g_strdup (op_mime_message_get_in_reply_to (draft));
  references = op_mime_message_get_references (draft);
  g_strfreev (self->references);
  self->references = g_strdupv ((char **) references);

  parts = op_mime_message_get_parts (draft);
  for (guint i = 0; i < parts->len; i++)
    {
      OpMimePart *part = g_ptr_array_index (parts, i);
      g_autoptr(GBytes) data = op_mime_part_get_bytes (part, OP_MIME_MAX_MESSAGE_SIZE, error);
      g_autofree char *filename = NULL;
      Attachment *attachment;

      if (data == NULL)
        return NULL;
      filename = op_mime_part_get_safe_filename (part);
      attachment = new_attachment (filename, op_mime_part_get_content_type (part), data, error);
      if (attachment == NULL)
        return NULL;
      if (op_mime_part_get_is_inline (part) && op_mime_part_get_content_id (part) != NULL &&
          op_mime_check_header_value (op_mime_part_get_content_id (part), -1, "Content-ID", NULL))
        {
          attachment->content_id = g_strdup (op_mime_part_get_content_id (part));
          g_ptr_array_add (self->images, attachment);
        }
      else
        g_ptr_array_add (self->attachments, attachment);
    }
  return g_steal_pointer (&self);
}
