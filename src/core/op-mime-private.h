/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gmime/gmime.h>

#include "op-mime.h"
#include "op-mime-message.h"
#include "op-mime-part.h"

G_BEGIN_DECLS

/* GMime 3.2 declares no g_autoptr() cleanups. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeStream, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeDataWrapper, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeContentType, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeContentDisposition, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParser, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeMessage, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeObject, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFilter, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddress, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (InternetAddressList, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeParserOptions, g_mime_parser_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeFormatOptions, g_mime_format_options_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (GMimeReferences, g_mime_references_free)

/* What the parts of one parsed message share: the GMime tree (read-only after parsing)
 * and the lock that serialises reads of its content streams, which share one buffer and
 * its position. Reference-counted (g_atomic_rc_box). */
typedef struct
{
  GMutex        lock;
  GMimeMessage *message;
  char         *fallback_charset;
} OpMimeRoot;

OpMimeRoot   *_op_mime_root_new                (GMimeMessage    *message,
                                                const char      *fallback_charset);
OpMimeRoot   *_op_mime_root_ref                (OpMimeRoot      *root);
void          _op_mime_root_unref              (OpMimeRoot      *root);

/* A canonical iconv name for a MIME charset label (see op_mime_decode_text()), or NULL
 * when @charset is NULL, empty or unknown. (transfer full) */
char         *_op_mime_canonical_charset       (const char      *charset);

/* @raw (a Content-Type or Content-Disposition value) with each RFC 2231 charset
 * rewritten as _op_mime_canonical_charset() says. (transfer full) */
char         *_op_mime_rewrite_parameter_charsets (const char    *raw);

/* Parser options for hostile real-world mail: loose RFC 2047/2231 and addresses, the
 * fallback charsets for raw 8-bit headers. (transfer full) */
GMimeParserOptions *_op_mime_parser_options_new (const char     *fallback_charset);

/* A header's raw value decoded as text: encoded words in GB2312, Shift_JIS, Big5 and
 * ISO-2022-JP are read with the supersets real mailers use. (transfer full) */
char         *_op_mime_decode_header_text      (GMimeParserOptions *options,
                                                const char         *raw);
/* The same, parsed as an address list; NULL when the raw value is NULL. */
InternetAddressList *_op_mime_decode_address_list (GMimeParserOptions *options,
                                                   const char         *raw);

/* The decoded content of a leaf part, at most @max_size bytes; *@truncated set when
 * more was there. Caller holds the root's lock. */
GByteArray   *_op_mime_part_decode_content     (GMimePart       *part,
                                                gsize            max_size,
                                                gboolean        *truncated);

OpMimeMessage *_op_mime_message_new_from_gmime (OpMimeRoot      *root,
                                                GMimeMessage    *message,
                                                guint            depth,
                                                guint           *n_parts);
GMimeMessage *_op_mime_message_get_gmime       (OpMimeMessage   *self);
OpMimeRoot   *_op_mime_message_get_root        (OpMimeMessage   *self);

OpMimePart   *_op_mime_part_new                (OpMimeRoot      *root,
                                                GMimeObject     *object,
                                                gboolean         is_inline,
                                                OpMimeMessage   *nested);
GMimeObject  *_op_mime_part_get_object         (OpMimePart      *self);

G_END_DECLS
