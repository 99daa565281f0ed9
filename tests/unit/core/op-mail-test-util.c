/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "op-mail-test-util.h"

OpMailStore *
op_mail_test_open_store (char **dir)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  OpMailStore *store;

  *dir = g_dir_make_tmp ("outpost-mail-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (*dir, "store.sqlite", NULL);
  store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

void
op_mail_test_remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* Runs the thread-default main context until *@flag (no dependency on the other test
 * helpers, so integration tests can link this file beside tests/support). */
static gboolean
wait_for (const gboolean *flag,
          guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < deadline)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  return *flag;
}

typedef struct
{
  gboolean  done;
  gboolean  ok;
  gint64    id;
  GError   *error;
} Wait;

static void
on_written (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Wait *wait = user_data;

  wait->ok = op_mail_store_write_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

gboolean
op_mail_test_apply (OpMailStore   *store,
                    OpMailUpdate  *update,
                    GError       **error)
{
  Wait wait = { 0 };

  op_mail_store_apply_async (store, update, NULL, on_written, &wait);
  g_assert_true (wait_for (&wait.done, 60000));
  op_mail_test_drain ();
  if (wait.error != NULL)
    g_propagate_error (error, wait.error);
  return wait.ok;
}

static void
on_folder (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Wait *wait = user_data;

  wait->id = op_mail_store_ensure_folder_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

gint64
op_mail_test_ensure_folder (OpMailStore      *store,
                            const char       *name,
                            OpMailSpecialUse  special_use)
{
  g_autoptr(OpMailFolderInfo) info = op_mail_folder_info_new (name, '/', special_use, TRUE);
  Wait wait = { 0 };

  op_mail_store_ensure_folder_async (store, info, NULL, on_folder, &wait);
  g_assert_true (wait_for (&wait.done, 60000));
  g_assert_no_error (wait.error);
  g_assert_cmpint (wait.id, >, 0);
  op_mail_test_drain ();
  return wait.id;
}

GBytes *
op_mail_test_message (const char *message_id,
                      const char *in_reply_to,
                      const char *references,
                      const char *subject,
                      const char *from,
                      const char *body,
                      gint64      date)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_utc (date);
  g_autofree char *date_text = g_date_time_format (when, "%a, %d %b %Y %H:%M:%S +0000");
  GString *out = g_string_new (NULL);

  g_string_append_printf (out, "From: %s\r\nTo: Tester <tester@example.test>\r\n", from);
  g_string_append_printf (out, "Subject: %s\r\nDate: %s\r\n", subject, date_text);
  if (message_id != NULL)
    g_string_append_printf (out, "Message-ID: <%s>\r\n", message_id);
  if (in_reply_to != NULL)
    g_string_append_printf (out, "In-Reply-To: <%s>\r\n", in_reply_to);
  if (references != NULL)
    {
      g_auto(GStrv) ids = g_strsplit (references, " ", -1);
      g_string_append (out, "References:");
      for (char **id = ids; *id != NULL; id++)
        g_string_append_printf (out, " <%s>", *id);
      g_string_append (out, "\r\n");
    }
  g_string_append_printf (out, "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                          "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n", body);
  return g_string_free_to_bytes (out);
}

void
op_mail_test_drain (void)
{
  GMainContext *context = g_main_context_get_thread_default ();

  while (g_main_context_iteration (context, FALSE))
    ;
}

void
op_mail_test_store_result (GObject      *source,
                           GAsyncResult *result,
                           gpointer      slot)
{
  *(GAsyncResult **) slot = g_object_ref (result);
}

GAsyncResult *
op_mail_test_wait_result (GAsyncResult **slot,
                          guint          seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC;

  while (*slot == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);
  g_assert_nonnull (*slot);
  return *slot;
}

gint64
op_mail_test_query_int (const char *path,
                        const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}
