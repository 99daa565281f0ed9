/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op-bench-imap.h"

static GAsyncResult *awaited;

void
op_bench_die (const char *name,
              const char *what,
              GError     *error)
{
  fprintf (stderr, "%s: %s: %s\n", name, what, error != NULL ? error->message : "");
  exit (1);
}

void
op_bench_await_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  awaited = g_object_ref (result);
}

GAsyncResult *
op_bench_await_result (void)
{
  while (awaited == NULL)
    g_main_context_iteration (NULL, TRUE);
  return g_steal_pointer (&awaited);
}

OpConnection *
op_bench_raw_session (const char         *host,
                      guint16             port,
                      OpTlsVerifier      *verifier,
                      const char         *user,
                      const char         *password,
                      const char * const *commands)
{
  g_autoptr(GError) error = NULL;
  OpConnection *conn = op_connection_connect (host, port, TRUE, 600, verifier, NULL, NULL, &error);
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);

  if (conn == NULL)
    op_bench_die ("bench", "connect", error);
  g_free (op_connection_read_line (conn, 65536, NULL, NULL, &error));
  g_ptr_array_add (lines, g_strdup_printf ("r1 LOGIN \"%s\" \"%s\"", user, password));
  for (guint i = 0; commands != NULL && commands[i] != NULL; i++)
    g_ptr_array_add (lines, g_strdup_printf ("r%u %s", i + 2, commands[i]));
  for (guint i = 0; i < lines->len; i++)
    {
      g_autofree char *tag = g_strdup_printf ("r%u ", i + 1);

      if (!op_connection_send_command (conn, g_ptr_array_index (lines, i), NULL, OP_SEND_SECRET_ARGUMENT, NULL,
                                       &error))
        op_bench_die ("bench", "send", error);
      for (;;)
        {
          g_autofree char *line = op_connection_read_line (conn, 1 << 20, NULL, NULL, &error);

          if (line == NULL)
            op_bench_die ("bench", "read", error);
          if (g_str_has_prefix (line, tag))
            {
              if (!g_str_has_prefix (line + strlen (tag), "OK"))
                op_bench_die ("bench", line, NULL);
              break;
            }
        }
    }
  return conn;
}

double
op_bench_raw_fetch (OpConnection *conn,
                    const char   *command,
                    guint64      *bytes)
{
  static const char end[] = "\r\nr9 OK";
  g_autoptr(GError) error = NULL;
  g_autofree char *buffer = g_malloc (256 * 1024);
  g_autofree char *line = g_strconcat ("r9 ", command, NULL);
  char tail[sizeof end] = { 0 };
  gint64 start = g_get_monotonic_time ();
  gboolean found = FALSE;

  *bytes = 0;
  if (!op_connection_send_command (conn, line, NULL, OP_SEND_PLAIN, NULL, &error))
    op_bench_die ("bench", "send", error);
  for (;;)
    {
      gssize n = op_connection_read (conn, buffer, 256 * 1024, NULL, &error);
      g_autofree char *joined = NULL;

      if (n <= 0)
        op_bench_die ("bench", "raw read", error);
      *bytes += n;
      /* The end marker may straddle reads. */
      joined = g_malloc (sizeof end + MIN (n, 64));
      memcpy (joined, tail, sizeof end - 1);
      memcpy (joined + sizeof end - 1, buffer + n - MIN (n, 64), MIN (n, 64));
      if (g_strstr_len (joined, sizeof end - 1 + MIN (n, 64), end) != NULL
          || g_strstr_len (buffer, n, end) != NULL)
        found = TRUE;
      /* Done at the end of the tagged line. */
      if (found && buffer[n - 1] == '\n')
        break;
      if (n >= (gssize) sizeof end - 1)
        memcpy (tail, buffer + n - (sizeof end - 1), sizeof end - 1);
      else
        {
          memmove (tail, tail + n, sizeof end - 1 - n);
          memcpy (tail + sizeof end - 1 - n, buffer, n);
        }
    }
  return (g_get_monotonic_time () - start) / 1e6;
}
