/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * The one way the net layer wipes secrets (passwords, tokens, SASL blobs, APOP digests):
 * explicit_bzero(), which the compiler may not drop as a dead store before free() the
 * way it may drop a plain memset().
 */

/* Overwrites @size bytes at @data with zeros. NULL is ignored. */
void  op_secret_wipe  (gpointer  data,
                       gsize     size);
/* Wipes a nul-terminated string, then frees it. NULL is ignored. */
void  op_secret_free  (char     *secret);
/* Wipes a GString's whole allocation (not only its length), then frees it. */
void  op_secret_string_free (GString *string);
/* A GBytes that owns @data and wipes it when its last reference goes, whoever drops
 * it. (transfer full) */
GBytes *op_secret_bytes_new_take (gpointer data,
                                  gsize    size);

G_END_DECLS
