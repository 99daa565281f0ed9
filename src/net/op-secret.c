/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-secret"

#include "config.h"

#include <string.h>

#include "op-secret.h"

void
op_secret_wipe (gpointer data,
                gsize    size)
{
  if (data == NULL || size == 0)
    return;
  /* glibc ≥ 2.25: stores the optimiser must keep even right before a free(). */
  explicit_bzero (data, size);
}

void
op_secret_free (char *secret)
{
  if (secret == NULL)
    return;
  op_secret_wipe (secret, strlen (secret));
  g_free (secret);
}

void
op_secret_string_free (GString *string)
{
  if (string == NULL)
    return;
  op_secret_wipe (string->str, string->allocated_len);
  g_string_free (string, TRUE);
}

typedef struct
{
  gpointer data;
  gsize    size;
} SecretBlock;

static void
secret_block_free (gpointer user_data)
{
  SecretBlock *block = user_data;

  op_secret_wipe (block->data, block->size);
  g_free (block->data);
  g_free (block);
}

GBytes *
op_secret_bytes_new_take (gpointer data,
                          gsize    size)
{
  SecretBlock *block = g_new (SecretBlock, 1);

  block->data = data;
  block->size = size;
  return g_bytes_new_with_free_func (data, size, secret_block_free, block);
}
