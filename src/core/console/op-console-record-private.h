/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-console-record.h"

G_BEGIN_DECLS

/* Between OpConsoleRecord and OpConsoleTranscript, which builds and changes records. */
OpConsoleRecord *_op_console_record_new         (OpConsoleDirection  direction,
                                                 gint64              time,
                                                 const char         *peer,
                                                 guint64             offset,
                                                 gboolean            datagram);
void             _op_console_record_append      (OpConsoleRecord    *self,
                                                 const guint8       *data,
                                                 gsize               length);
GByteArray      *_op_console_record_get_bytes   (OpConsoleRecord    *self);
GString         *_op_console_record_get_string  (OpConsoleRecord    *self);
gboolean         _op_console_record_is_complete (OpConsoleRecord    *self);
void             _op_console_record_complete    (OpConsoleRecord    *self);

G_END_DECLS
