/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>

#include "op-smtp-client.h"
#include "op-test-async.h"

/*
 * Blocking wrappers for the SMTP tests: each starts an _async call and iterates the
 * main context until its callback ran (the client's worker does the I/O; results come
 * back on this thread, as in the application). A call that takes more than 60 s fails
 * the test.
 */

#define smtp_test_wait(slot) op_test_wait_result ((slot), 60)

static G_GNUC_UNUSED OpSmtpCapabilities *
smtp_connect (OpSmtpClient  *client,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_connect_async (client, NULL, op_test_store_result, &result);
  return op_smtp_client_connect_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED OpSmtpCapabilities *
smtp_starttls (OpSmtpClient  *client,
               GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_starttls_async (client, NULL, op_test_store_result, &result);
  return op_smtp_client_starttls_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED OpSmtpCapabilities *
smtp_ehlo (OpSmtpClient  *client,
           gboolean       helo,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_ehlo_async (client, helo, NULL, op_test_store_result, &result);
  return op_smtp_client_ehlo_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED gboolean
smtp_login (OpSmtpClient  *client,
            const char    *user,
            const char    *password,
            const char    *token,
            GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_login_async (client, user, password, token, NULL, op_test_store_result,
                              &result);
  return op_smtp_client_login_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED OpSmtpSendResult *
smtp_send_stream (OpSmtpClient             *client,
                  const char               *from,
                  const char * const       *recipients,
                  GInputStream             *stream,
                  gssize                    size,
                  const OpSmtpSendOptions  *options,
                  GError                  **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_send_async (client, from, recipients, stream, size, options, NULL,
                             op_test_store_result, &result);
  return op_smtp_client_send_finish (client, smtp_test_wait (&result), error);
}

/* The message from memory (a seekable stream: the client scans it first). */
static G_GNUC_UNUSED OpSmtpSendResult *
smtp_send (OpSmtpClient             *client,
           const char               *from,
           const char * const       *recipients,
           const char               *message,
           gssize                    length,
           const OpSmtpSendOptions  *options,
           GError                  **error)
{
  gsize size = length < 0 ? strlen (message) : (gsize) length;
  g_autoptr(GInputStream) stream = g_memory_input_stream_new_from_data (g_memdup2 (message,
                                                                                   size),
                                                                        size, g_free);

  return smtp_send_stream (client, from, recipients, stream, (gssize) size, options, error);
}

static G_GNUC_UNUSED gboolean
smtp_noop (OpSmtpClient  *client,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_noop_async (client, NULL, op_test_store_result, &result);
  return op_smtp_client_noop_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED gboolean
smtp_rset (OpSmtpClient  *client,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_rset_async (client, NULL, op_test_store_result, &result);
  return op_smtp_client_rset_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED OpSmtpReply *
smtp_command (OpSmtpClient  *client,
              const char    *line,
              GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_send_command_async (client, line, NULL, op_test_store_result, &result);
  return op_smtp_client_send_command_finish (client, smtp_test_wait (&result), error);
}

static G_GNUC_UNUSED gboolean
smtp_quit (OpSmtpClient  *client,
           GError       **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  op_smtp_client_quit_async (client, NULL, op_test_store_result, &result);
  return op_smtp_client_quit_finish (client, smtp_test_wait (&result), error);
}

/* TRUE when any entry of the client's protocol log contains @needle. */
static G_GNUC_UNUSED gboolean
smtp_log_contains (OpSmtpClient *client,
                   const char   *needle)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_smtp_client_get_log (client));

  for (guint i = 0; i < entries->len; i++)
    if (strstr (op_log_entry_get_text (g_ptr_array_index (entries, i)), needle) != NULL)
      return TRUE;
  return FALSE;
}
