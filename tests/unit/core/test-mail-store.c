/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sqlite3.h>

#include <gmime/gmime.h>

#include "op-mail-private.h"
#include "op-mail-store-private.h"
#include "op-mail-store.h"
#include "op-mail-thread.h"
#include "op-mime.h"
#include "op-mail-test-util.h"
#include "op-test-util.h"

typedef struct
{
  char        *dir;
  OpMailStore *store;
  gint64       inbox;
  gint64       sent;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->store = op_mail_test_open_store (&f->dir);
  f->inbox = op_mail_test_ensure_folder (f->store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);
  f->sent = op_mail_test_ensure_folder (f->store, "Sent", OP_MAIL_SPECIAL_USE_SENT);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  op_mail_store_close (f->store);
  g_clear_object (&f->store);
  op_mail_test_remove_dir (f->dir);
  g_free (f->dir);
}

static void
add_raw (Fixture    *f,
         gint64      folder,
         guint32     uid,
         OpMailFlags flags,
         GBytes     *message)
{
  g_autoptr(GError) error = NULL;
  OpMailUpdate *update = op_mail_update_new (folder);

  op_mail_update_add_raw (update, uid, flags, 0, message);
  g_assert_true (op_mail_test_apply (f->store, update, &error));
  g_assert_no_error (error);
  g_bytes_unref (message);
}

typedef struct
{
  gboolean   done;
  GPtrArray *results;
  GError    *error;
} SearchWait;

static void
on_searched (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  SearchWait *wait = user_data;

  wait->results = op_mail_store_search_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

static GPtrArray *
search (Fixture    *f,
        const char *query,
        gint64      folder)
{
  SearchWait wait = { 0 };

  op_mail_store_search_async (f->store, query, folder, 100, NULL, on_searched, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  return wait.results;
}

static guint
n_found (Fixture    *f,
         const char *query)
{
  g_autoptr(GPtrArray) results = search (f, query, 0);
  return results->len;
}

static void
test_open_wal (Fixture       *f,
               gconstpointer  data)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  g_autofree char *path = g_build_filename (f->dir, "store.sqlite", NULL);

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA journal_mode", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
  sqlite3_finalize (stmt);
  g_assert_cmpint (_op_mail_schema_get_version (db), ==, OP_MAIL_STORE_SCHEMA_VERSION);
  sqlite3_close (db);
}


static GBytes *
read_data (const char *dir,
           const char *name)
{
  g_autofree char *path = op_test_data_path (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
test_migrations (void)
{
  /* A database of every older schema, with a message in it where the schema allows,
   * opens, migrates to the current version and keeps (and indexes) what it held. */
  for (int version = 0; version < OP_MAIL_STORE_SCHEMA_VERSION; version++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("outpost-mail-XXXXXX", NULL);
      g_autofree char *path = g_build_filename (dir, "store.sqlite", NULL);
      g_autoptr(OpMailStore) store = NULL;
      g_autoptr(OpMailFolder) inbox = NULL;
      g_autoptr(OpMailMessage) message = NULL;
      g_autoptr(OpMailMessage) original = NULL;
      sqlite3 *db = NULL;

      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_true (_op_mail_schema_migrate (db, version, &error));
      g_assert_no_error (error);
      g_assert_cmpint (_op_mail_schema_get_version (db), ==, version);
      if (version >= 1)
        g_assert_cmpint (sqlite3_exec (db,
                                       "INSERT INTO folders (id, name, special_use) VALUES (1, 'INBOX', 1);"
                                       "INSERT INTO conversations (id, subject_key) VALUES (1, 'old times');"
                                       "INSERT INTO messages (id, folder_id, conversation_id, uid, subject, from_addr)"
                                       "  VALUES (7, 1, 1, 42, 'Old times', 'old@example.test');"
                                       /* A reply whose original is not here yet. */
                                       "INSERT INTO conversations (id, subject_key, reply_root) VALUES (2, 'lunch', 1);"
                                       "INSERT INTO messages (id, folder_id, conversation_id, uid, subject, from_addr)"
                                       "  VALUES (8, 1, 2, 43, 'Re: Lunch', 'old@example.test');",
                                       NULL, NULL, NULL), ==, SQLITE_OK);
      /* From schema 2 on, the store indexes what it writes. */
      if (version >= 2)
        g_assert_cmpint (sqlite3_exec (db,
                                       "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                                       "  VALUES (7, 'Old times', 'old@example.test', '');",
                                       NULL, NULL, NULL), ==, SQLITE_OK);
      sqlite3_close (db);

      store = op_mail_store_open_sync (path, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (store);

      g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
      g_assert_cmpint (_op_mail_schema_get_version (db), ==, OP_MAIL_STORE_SCHEMA_VERSION);
      sqlite3_close (db);

      if (version >= 1)
        {
          g_autoptr(GPtrArray) found = NULL;
          Fixture f = { .store = store };

          inbox = op_mail_store_lookup_folder (store, "INBOX");
          g_assert_nonnull (inbox);
          message = op_mail_store_lookup_uid (store, op_mail_folder_get_id (inbox), 42);
          g_assert_nonnull (message);
          g_assert_cmpstr (op_mail_message_get_subject (message), ==, "Old times");
          g_assert_false (op_mail_message_get_body_cached (message));
          /* The index was built for the messages the old schema held. */
          found = search (&f, "times", 0);
          g_assert_cmpuint (found->len, ==, 1);
          /* Schema 8 indexed the old conversations begun by a reply: the original finds
           * its reply's. */
          g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM sqlite_master"
                                                   " WHERE name = 'conversations_reply_root'"), ==, 1);
          add_raw (&f, op_mail_folder_get_id (inbox), 44, 0,
                   op_mail_test_message ("lunch@x", NULL, NULL, "Lunch", "a@x.test", "?", 1000));
          original = op_mail_store_lookup_uid (store, op_mail_folder_get_id (inbox), 44);
          g_assert_cmpint (op_mail_message_get_conversation_id (original), ==, 2);
          g_assert_cmpint (op_mail_test_query_int (path, "SELECT reply_root FROM conversations WHERE id = 2"), ==, 0);
        }
      op_mail_store_close (store);
      op_mail_test_remove_dir (dir);
    }
}

static void
test_newer_schema (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-mail-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.sqlite", NULL);
  g_autoptr(OpMailStore) store = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NEWER_SCHEMA);
  op_mail_test_remove_dir (dir);
}

static void
test_not_a_database (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("outpost-mail-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "store.sqlite", NULL);
  g_autoptr(OpMailStore) store = NULL;

  g_assert_true (g_file_set_contents (path, "this is not SQLite, but long enough to look at......"
                                      "..................................................", -1, NULL));
  store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_null (store);
  g_assert_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CORRUPT);
  op_mail_test_remove_dir (dir);
}

static void
on_change_done (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_mail_store_write_finish (OP_MAIL_STORE (source), result, &error));
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
test_folders (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GPtrArray) infos = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);
  g_autoptr(GPtrArray) folders = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(OpMailFolder) inbox = NULL;
  gboolean done = FALSE;
  guint changed = 0;

  g_ptr_array_add (infos, op_mail_folder_info_new ("Lists/GNOME", '/', OP_MAIL_SPECIAL_USE_NONE, TRUE));
  g_ptr_array_add (infos, op_mail_folder_info_new ("Trash", '/', OP_MAIL_SPECIAL_USE_TRASH, TRUE));
  g_ptr_array_add (infos, op_mail_folder_info_new ("INBOX", '/', OP_MAIL_SPECIAL_USE_INBOX, TRUE));
  g_ptr_array_add (infos, op_mail_folder_info_new ("Lists", '/', OP_MAIL_SPECIAL_USE_NONE, FALSE));
  g_ptr_array_add (infos, op_mail_folder_info_new ("Archive", '/', OP_MAIL_SPECIAL_USE_NONE, TRUE));

  /* A message in Sent, which is not in the new list: it goes with its folder. */
  add_raw (f, f->sent, 1, OP_MAIL_FLAG_SEEN,
           op_mail_test_message ("s@x", NULL, NULL, "Sent one", "me@example.test", "hi", 1000));

  g_signal_connect_swapped (f->store, "folders-changed", G_CALLBACK (g_atomic_int_inc), &changed);
  op_mail_store_set_folders_async (f->store, infos, NULL, on_change_done, &done);
  g_assert_true (op_test_wait_for (&done, 30000));
  op_mail_test_drain ();
  g_assert_cmpuint (changed, >, 0);

  folders = op_mail_store_list_folders (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (folders->len, ==, 5);
  /* Inbox first, then special-use folders, then the rest by name. */
  g_assert_cmpstr (op_mail_folder_get_name (g_ptr_array_index (folders, 0)), ==, "INBOX");
  g_assert_cmpstr (op_mail_folder_get_name (g_ptr_array_index (folders, 1)), ==, "Trash");
  g_assert_cmpstr (op_mail_folder_get_name (g_ptr_array_index (folders, 2)), ==, "Archive");
  g_assert_cmpstr (op_mail_folder_get_name (g_ptr_array_index (folders, 3)), ==, "Lists");
  g_assert_false (op_mail_folder_get_selectable (g_ptr_array_index (folders, 3)));
  g_assert_cmpstr (op_mail_folder_get_display_name (g_ptr_array_index (folders, 4)), ==, "GNOME");

  inbox = op_mail_store_lookup_special (f->store, OP_MAIL_SPECIAL_USE_INBOX);
  g_assert_cmpint (op_mail_folder_get_id (inbox), ==, f->inbox);
  g_assert_null (op_mail_store_lookup_folder (f->store, "Sent"));
  g_assert_cmpuint (n_found (f, "Sent"), ==, 0);
}

static void
test_raw_and_search (Fixture       *f,
                     gconstpointer  data)
{
  const char *seeds[] = { "01-plain.eml", "02-html.eml", "03-alternative.eml",
                          "04-attachment.eml", "05-encoded-subject.eml" };
  g_autoptr(OpMailFolder) inbox = NULL;
  g_autoptr(OpMailMessage) plain = NULL;
  g_autoptr(GPtrArray) found = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++)
    add_raw (f, f->inbox, i + 1, i == 0 ? OP_MAIL_FLAG_SEEN : 0, read_data ("mail/seed", seeds[i]));

  inbox = op_mail_store_get_folder (f->store, f->inbox);
  g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, 5);
  g_assert_cmpuint (op_mail_folder_get_unread (inbox), ==, 4);

  plain = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  g_assert_cmpstr (op_mail_message_get_subject (plain), ==, "Plain text: lunch on Thursday?");
  g_assert_cmpstr (op_mail_message_get_from_name (plain), ==, "Alice Example");
  g_assert_cmpstr (op_mail_message_get_from_address (plain), ==, "alice@example.test");
  g_assert_cmpstr (op_mail_message_get_message_id (plain), ==, "3f1c9e2a-7b41-4d0e-9a55-0c1d2e3f4a5b@example.test");
  g_assert_true (g_str_has_prefix (op_mail_message_get_preview (plain), "Hi, are you free for lunch"));
  g_assert_true (op_mail_message_get_body_cached (plain));
  g_assert_true (op_mail_message_get_flags (plain) & OP_MAIL_FLAG_SEEN);

  /* Subject, address and body words; prefixes; every word must match. */
  found = search (f, "lunch", 0);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpint (op_mail_message_get_id (g_ptr_array_index (found, 0)), >, 0);
  g_assert_cmpuint (n_found (f, "alice@example"), >=, 1);
  g_assert_cmpuint (n_found (f, "dot-stuffing"), ==, 1);
  g_assert_cmpuint (n_found (f, "thursd"), >=, 1);
  g_assert_cmpuint (n_found (f, "lunch nonexistentword"), ==, 0);
  g_assert_cmpuint (n_found (f, "\"unbalanced AND ("), ==, 0);
  g_assert_cmpuint (n_found (f, ""), ==, 0);
  {
    g_autoptr(GPtrArray) in_sent = search (f, "lunch", f->sent);
    g_assert_cmpuint (in_sent->len, ==, 0);
  }
  {
    g_autoptr(OpMailMessage) attachment = op_mail_store_lookup_uid (f->store, f->inbox, 4);
    g_assert_true (op_mail_message_get_has_attachments (attachment));
  }
}

static void
test_hostile_corpus (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *dir = op_test_data_path ("mime", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint32 uid = 1;
  g_autoptr(GString) huge = g_string_new ("Subject: ");
  g_autoptr(OpMailFolder) inbox = NULL;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".eml"))
      add_raw (f, f->inbox, uid++, 0, read_data ("mime", name));

  /* A megabyte-long header, a NUL in a header and a message that is no message. */
  for (guint i = 0; i < 100000; i++)
    g_string_append (huge, "hugeword ");
  g_string_append (huge, "\r\nFrom: a@b.test\r\n\r\nbody\r\n");
  add_raw (f, f->inbox, uid++, 0, g_bytes_new (huge->str, huge->len));
  add_raw (f, f->inbox, uid++, 0, g_bytes_new ("Subject: nul\0here\r\n\r\nx", 23));
  add_raw (f, f->inbox, uid++, 0, g_bytes_new ("", 0));

  inbox = op_mail_store_get_folder (f->store, f->inbox);
  g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, uid - 1);
  g_assert_cmpuint (n_found (f, "hugeword"), ==, 1);
  /* Text from the GB18030 and Big5 samples was decoded (undecodable bytes as U+FFFD) and
   * indexed: their subjects, senders and bodies are found by Chinese words. */
  g_assert_cmpuint (n_found (f, "the"), >, 0);
  {
    g_autoptr(GPtrArray) gb = search (f, "测试", 0);
    g_autoptr(GPtrArray) big5 = search (f, "佢講", 0);
    OpMailMessage *m;

    g_assert_cmpuint (gb->len, ==, 1);
    m = g_ptr_array_index (gb, 0);
    g_assert_cmpstr (op_mail_message_get_subject (m), ==, "测试：𠀀字与€符号😀");
    g_assert_cmpstr (op_mail_message_get_from_name (m), ==, "李四㐀");
    g_assert_true (g_str_has_prefix (op_mail_message_get_preview (m), "四字节：㐀𠀀😀"));
    g_assert_nonnull (strstr (op_mail_message_get_preview (m), "单字节 0x80：\xef\xbf\xbd。"));

    g_assert_cmpuint (big5->len, ==, 1);
    m = g_ptr_array_index (big5, 0);
    g_assert_cmpstr (op_mail_message_get_subject (m), ==, "回覆：佢講嘅嘢€開會議");
    g_assert_cmpstr (op_mail_message_get_from_name (m), ==, "陳大文");
    g_assert_true (g_str_has_prefix (op_mail_message_get_preview (m), "佢哋話啲嘢好正。"));
  }
  g_assert_cmpuint (n_found (f, "李四"), ==, 1);
  g_assert_cmpuint (n_found (f, "歐元"), ==, 1);
  g_assert_cmpuint (n_found (f, "會議"), >=, 1);
}

static void
test_threads_across_folders (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(OpMailMessage) a = NULL;
  g_autoptr(OpMailMessage) b = NULL;
  g_autoptr(GPtrArray) thread = NULL;
  g_autoptr(GError) error = NULL;

  add_raw (f, f->inbox, 1, 0, op_mail_test_message ("a@x", NULL, NULL, "Plans", "Anna <anna@x.test>", "one", 1000));
  add_raw (f, f->sent, 1, OP_MAIL_FLAG_SEEN,
           op_mail_test_message ("b@x", "a@x", "a@x", "Re: Plans", "Me <me@x.test>", "two", 2000));

  a = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  b = op_mail_store_lookup_uid (f->store, f->sent, 1);
  g_assert_cmpint (op_mail_message_get_conversation_id (a), ==, op_mail_message_get_conversation_id (b));
  g_assert_cmpstrv (op_mail_message_get_references (b), ((const char *[]) { "a@x", NULL }));
  g_assert_cmpstr (op_mail_message_get_in_reply_to (b), ==, "a@x");

  thread = op_mail_store_list_conversation (f->store, op_mail_message_get_conversation_id (a), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (thread->len, ==, 2);
  g_assert_cmpint (op_mail_message_get_id (g_ptr_array_index (thread, 0)), ==, op_mail_message_get_id (a));
}

typedef struct
{
  gint64  folder;
  GArray *ids;
} Seen;

static void
on_conversations_changed (OpMailStore *store,
                          gint64       folder,
                          GArray      *ids,
                          Seen        *seen)
{
  if (folder == seen->folder)
    g_array_append_vals (seen->ids, ids->data, ids->len);
}

static gboolean
array_has (GArray *ids,
           gint64  id)
{
  for (guint i = 0; i < ids->len; i++)
    if (g_array_index (ids, gint64, i) == id)
      return TRUE;
  return FALSE;
}

static void
test_merge (Fixture       *f,
            gconstpointer  data)
{
  g_autoptr(OpMailMessage) x = NULL;
  g_autoptr(OpMailMessage) y = NULL;
  g_autoptr(OpMailMessage) z = NULL;
  g_autoptr(OpMailMessage) x2 = NULL;
  Seen seen = { f->inbox, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  gint64 conv_x, conv_y;

  /* x and y answer two different messages we do not have; z's References name both:
   * the two conversations become one. */
  add_raw (f, f->inbox, 1, 0, op_mail_test_message ("x@x", "m1@x", "m1@x", "Re: One", "a@x.test", "x", 1000));
  add_raw (f, f->inbox, 2, 0, op_mail_test_message ("y@x", "m2@x", "m2@x", "Re: Two", "b@x.test", "y", 2000));
  x = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  y = op_mail_store_lookup_uid (f->store, f->inbox, 2);
  conv_x = op_mail_message_get_conversation_id (x);
  conv_y = op_mail_message_get_conversation_id (y);
  g_assert_cmpint (conv_x, !=, conv_y);

  g_signal_connect (f->store, "conversations-changed", G_CALLBACK (on_conversations_changed), &seen);
  add_raw (f, f->inbox, 3, 0, op_mail_test_message ("z@x", "m2@x", "m1@x m2@x", "Re: Two", "c@x.test", "z", 3000));
  z = op_mail_store_lookup_uid (f->store, f->inbox, 3);
  x2 = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  g_assert_cmpint (op_mail_message_get_conversation_id (z), ==, MIN (conv_x, conv_y));
  g_assert_cmpint (op_mail_message_get_conversation_id (x2), ==, MIN (conv_x, conv_y));
  /* Both rows were reported: one went, one changed. */
  g_assert_true (array_has (seen.ids, conv_x));
  g_assert_true (array_has (seen.ids, conv_y));
  g_signal_handlers_disconnect_by_data (f->store, &seen);
  g_array_unref (seen.ids);
}

static void
test_subject_threads (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(OpMailMessage) r = NULL;
  g_autoptr(OpMailMessage) o = NULL;
  g_autoptr(OpMailMessage) h1 = NULL;
  g_autoptr(OpMailMessage) h2 = NULL;

  /* The reply without References comes first, its original second. */
  add_raw (f, f->inbox, 1, 0, op_mail_test_message ("r@x", NULL, NULL, "Re: Lunch?", "a@x.test", "yes", 2000));
  add_raw (f, f->sent, 1, 0, op_mail_test_message ("o@x", NULL, NULL, "Lunch?", "me@x.test", "?", 1000));
  add_raw (f, f->inbox, 2, 0, op_mail_test_message ("h1@x", NULL, NULL, "Hello", "a@x.test", "1", 3000));
  add_raw (f, f->inbox, 3, 0, op_mail_test_message ("h2@x", NULL, NULL, "Hello", "b@x.test", "2", 4000));

  r = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  o = op_mail_store_lookup_uid (f->store, f->sent, 1);
  h1 = op_mail_store_lookup_uid (f->store, f->inbox, 2);
  h2 = op_mail_store_lookup_uid (f->store, f->inbox, 3);
  g_assert_cmpint (op_mail_message_get_conversation_id (r), ==, op_mail_message_get_conversation_id (o));
  g_assert_cmpint (op_mail_message_get_conversation_id (h1), !=, op_mail_message_get_conversation_id (h2));
}

/* Which conversations the messages of @folder with UIDs first..last are in, in UID order. */
static GArray *
conversations_of (Fixture *f,
                  gint64   folder,
                  guint32  first,
                  guint32  last)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (gint64));

  for (guint32 uid = first; uid <= last; uid++)
    {
      g_autoptr(OpMailMessage) message = op_mail_store_lookup_uid (f->store, folder, uid);
      gint64 id;

      g_assert_nonnull (message);
      id = op_mail_message_get_conversation_id (message);
      g_array_append_val (out, id);
    }
  return out;
}

typedef struct
{
  sqlite3_int64 vm_steps;
  sqlite3_int64 fullscan_steps;
  sqlite3_int64 sorts;
  gint64        id;         /* the row found, 0 for none */
  char         *plan;       /* EXPLAIN QUERY PLAN's details, one a line */
} LookupCost;

/* Runs a subject lookup of the store (@sql, bound to the key of @subject) on its own
 * connection to the store file: what it found, what it cost and its plan. */
static LookupCost
subject_lookup_cost (const char *path,
                     const char *sql,
                     const char *subject)
{
  g_autofree char *key = op_mail_thread_subject_key (subject);
  g_autofree char *explain = g_strconcat ("EXPLAIN QUERY PLAN ", sql, NULL);
  g_autoptr(GString) plan = g_string_new (NULL);
  LookupCost cost = { 0 };
  sqlite3_stmt *stmt = NULL;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, explain, -1, &stmt, NULL), ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (plan, "%s\n", (const char *) sqlite3_column_text (stmt, 3));
  sqlite3_finalize (stmt);

  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    cost.id = sqlite3_column_int64 (stmt, 0);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  cost.vm_steps = sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, FALSE);
  cost.fullscan_steps = sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_FULLSCAN_STEP, FALSE);
  cost.sorts = sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_SORT, FALSE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  cost.plan = g_string_free (g_steal_pointer (&plan), FALSE);
  return cost;
}

static void
test_subject_many (Fixture       *f,
                   gconstpointer  data)
{
  /* A mailbox of 5,000 "Daily report"s (each an original: a conversation of its own)
   * and 5,000 "Weekly report"s whose first is answered by a reply that came before it
   * (the reply's conversation takes that original, not the others). Threading finds the
   * subject's conversation with one index seek, however many share the subject: the
   * lookup costs what it costs for a subject of one conversation. */
  enum { N = 5000 };
  g_autofree char *path = g_build_filename (f->dir, "store.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) daily = NULL;
  g_autoptr(GArray) weekly = NULL;
  g_autoptr(GArray) replies = NULL;
  g_autoptr(GArray) monthly = NULL;
  g_autoptr(GHashTable) distinct = g_hash_table_new (g_int64_hash, g_int64_equal);
  OpMailUpdate *update;
  const char *sqls[] = { OP_MAIL_SQL_SUBJECT_NEWEST, OP_MAIL_SQL_SUBJECT_REPLY_ROOT };
  const char *indexes[] = { "conversations_subject", "conversations_reply_root" };

  add_raw (f, f->inbox, 1, 0, op_mail_test_message ("w0@x", NULL, NULL, "Re: Weekly report", "a@x.test", "r", 500));
  update = op_mail_update_new (f->inbox);
  for (guint i = 0; i < N; i++)
    {
      g_autofree char *daily_id = g_strdup_printf ("daily-%u@x", i);
      g_autofree char *weekly_id = g_strdup_printf ("weekly-%u@x", i);
      g_autoptr(GBytes) d = op_mail_test_message (daily_id, NULL, NULL, "Daily report", "cron@x.test", "ok", 1000 + i);
      g_autoptr(GBytes) w = op_mail_test_message (weekly_id, NULL, NULL, "Weekly report", "cron@x.test", "ok", 1000 + i);

      op_mail_update_add_raw (update, 10 + i, 0, 0, d);
      op_mail_update_add_raw (update, 10 + N + i, 0, 0, w);
    }
  g_assert_true (op_mail_test_apply (f->store, update, &error));
  g_assert_no_error (error);
  /* Then a reply to the subject without References, and one with References to a
   * message the store lacks: both join the newest conversation of their subject. */
  add_raw (f, f->inbox, 2, 0, op_mail_test_message ("d1@x", NULL, NULL, "Re: Daily report", "b@x.test", "r", 9000));
  add_raw (f, f->inbox, 3, 0, op_mail_test_message ("d2@x", "gone@x", "gone@x", "RE: Daily report", "b@x.test", "r", 9001));

  daily = conversations_of (f, f->inbox, 10, 10 + N - 1);
  weekly = conversations_of (f, f->inbox, 10 + N, 10 + 2 * N - 1);
  replies = conversations_of (f, f->inbox, 1, 3);
  for (guint i = 0; i < N; i++)
    {
      g_hash_table_add (distinct, &g_array_index (daily, gint64, i));
      g_hash_table_add (distinct, &g_array_index (weekly, gint64, i));
    }
  g_assert_cmpuint (g_hash_table_size (distinct), ==, 2 * N);
  g_assert_cmpint (g_array_index (replies, gint64, 0), ==, g_array_index (weekly, gint64, 0));
  g_assert_cmpint (g_array_index (replies, gint64, 1), ==, g_array_index (daily, gint64, N - 1));
  g_assert_cmpint (g_array_index (replies, gint64, 2), ==, g_array_index (daily, gint64, N - 1));
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM conversations"), ==, 2 * N);
  /* The original took the reply's conversation out of the reply-begun ones. */
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM conversations WHERE reply_root"), ==, 0);

  /* One more, answered first: the only conversation begun by a reply. */
  add_raw (f, f->inbox, 4, 0, op_mail_test_message ("m0@x", NULL, NULL, "Re: Monthly report", "a@x.test", "r", 9002));
  monthly = conversations_of (f, f->inbox, 4, 4);

  for (guint q = 0; q < G_N_ELEMENTS (sqls); q++)
    {
      LookupCost many = subject_lookup_cost (path, sqls[q], "Daily report");
      LookupCost one = subject_lookup_cost (path, sqls[q], "Monthly report");
      LookupCost none = subject_lookup_cost (path, sqls[q], "Yearly report");
      g_autofree char *seek = g_strdup_printf ("INDEX %s (subject_key=?)", indexes[q]);

      g_test_message ("%s: %" G_GINT64_FORMAT " VM steps for %d conversations of the subject, %"
                      G_GINT64_FORMAT " for one, %" G_GINT64_FORMAT " for none; plan: %s",
                      sqls[q], (gint64) many.vm_steps, N, (gint64) one.vm_steps, (gint64) none.vm_steps,
                      many.plan);
      /* A seek in the subject's index, read newest first: no scan, no sort. */
      g_assert_nonnull (strstr (many.plan, seek));
      g_assert_null (strstr (many.plan, "TEMP B-TREE"));
      g_assert_null (strstr (many.plan, "SCAN"));
      g_assert_cmpint (many.fullscan_steps, ==, 0);
      g_assert_cmpint (many.sorts, ==, 0);
      /* No more VM steps than for a subject of one conversation (found) or of none
       * (nothing found: no conversation of the subject was begun by a reply). */
      g_assert_cmpint (many.vm_steps, <=, q == 0 ? one.vm_steps : none.vm_steps);
      g_assert_cmpint (one.id, ==, g_array_index (monthly, gint64, 0));
      g_assert_cmpint (none.id, ==, 0);
      /* Newest of the subject for a reply; none begun by a reply for an original. */
      g_assert_cmpint (many.id, ==, q == 0 ? g_array_index (daily, gint64, N - 1) : 0);
      g_free (many.plan);
      g_free (one.plan);
      g_free (none.plan);
    }
}

static void
test_in_reply_to_in_references (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "store.sqlite", NULL);
  g_autoptr(GArray) conv = NULL;

  /* B answers m1 (not in the store) in a thread that began with m0: References ending
   * in m1, In-Reply-To m1. m1, then m0, arrive later and join B; so does D, whose only
   * reference is m0. E's In-Reply-To is not among its References: it still counts. */
  add_raw (f, f->inbox, 1, 0, op_mail_test_message ("b@x", "m1@x", "m0@x m1@x", "Re: Plans", "b@x.test", "b", 2000));
  add_raw (f, f->inbox, 2, 0, op_mail_test_message ("m1@x", "m0@x", "m0@x", "Re: Plans", "a@x.test", "1", 1000));
  add_raw (f, f->inbox, 3, 0, op_mail_test_message ("m0@x", NULL, NULL, "Plans", "c@x.test", "0", 500));
  add_raw (f, f->inbox, 4, 0, op_mail_test_message ("d@x", NULL, "m0@x", "Other", "d@x.test", "d", 3000));
  add_raw (f, f->inbox, 5, 0, op_mail_test_message ("e@x", "q@x", "p@x", "Unrelated", "e@x.test", "e", 4000));
  add_raw (f, f->inbox, 6, 0, op_mail_test_message ("q@x", NULL, NULL, "Something else", "q@x.test", "q", 100));
  add_raw (f, f->inbox, 7, 0, op_mail_test_message ("p@x", NULL, NULL, "Something other", "p@x.test", "p", 50));

  conv = conversations_of (f, f->inbox, 1, 7);
  for (guint i = 1; i < 4; i++)
    g_assert_cmpint (g_array_index (conv, gint64, i), ==, g_array_index (conv, gint64, 0));
  g_assert_cmpint (g_array_index (conv, gint64, 4), !=, g_array_index (conv, gint64, 0));
  g_assert_cmpint (g_array_index (conv, gint64, 5), ==, g_array_index (conv, gint64, 4));
  g_assert_cmpint (g_array_index (conv, gint64, 6), ==, g_array_index (conv, gint64, 4));
  /* Each id once: b, m0, m1, d; e, p, q. */
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM thread_ids"), ==, 7);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(DISTINCT conversation_id) FROM thread_ids"), ==, 2);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM conversations"), ==, 2);
}

static void
test_flags_and_removal (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  OpMailUpdate *update;
  g_autoptr(OpMailFolder) before = NULL;
  g_autoptr(OpMailFolder) after = NULL;
  g_autoptr(OpMailFolder) cleared = NULL;
  g_autoptr(OpMailMessage) m = NULL;

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u@x", i);
      add_raw (f, f->inbox, i, 0, op_mail_test_message (id, NULL, NULL, "Note", "a@x.test", "n", 1000 + i));
    }
  before = op_mail_store_get_folder (f->store, f->inbox);
  g_assert_cmpuint (op_mail_folder_get_unread (before), ==, 5);

  update = op_mail_update_new (f->inbox);
  op_mail_update_set_flags (update, 1, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FLAGGED, "work $label1", 7);
  op_mail_update_set_flags (update, 99, OP_MAIL_FLAG_SEEN, NULL, 7);  /* unknown: ignored */
  g_assert_true (op_mail_update_remove_uid_set (update, "4:5"));
  g_assert_false (op_mail_update_remove_uid_set (update, "x:y"));
  op_mail_update_set_state (update, 1234, 6, 7);
  g_assert_true (op_mail_test_apply (f->store, update, &error));

  after = op_mail_store_get_folder (f->store, f->inbox);
  g_assert_cmpuint (op_mail_folder_get_total (after), ==, 3);
  g_assert_cmpuint (op_mail_folder_get_unread (after), ==, 2);
  g_assert_cmpuint (op_mail_folder_get_uidvalidity (after), ==, 1234);
  g_assert_cmpuint (op_mail_folder_get_uidnext (after), ==, 6);
  g_assert_cmpuint (op_mail_folder_get_highestmodseq (after), ==, 7);
  m = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  g_assert_cmpint (op_mail_message_get_flags (m), ==, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FLAGGED);
  g_assert_cmpstr (op_mail_message_get_keywords (m), ==, "work $label1");
  g_assert_null (op_mail_store_lookup_uid (f->store, f->inbox, 4));

  /* A UIDVALIDITY change: everything goes, the new state is kept. */
  update = op_mail_update_new (f->inbox);
  op_mail_update_clear (update);
  op_mail_update_set_state (update, 999, 1, 0);
  g_assert_true (op_mail_test_apply (f->store, update, &error));
  cleared = op_mail_store_get_folder (f->store, f->inbox);
  g_assert_cmpuint (op_mail_folder_get_total (cleared), ==, 0);
  g_assert_cmpuint (op_mail_folder_get_uidvalidity (cleared), ==, 999);
  g_assert_cmpuint (op_mail_folder_get_highestmodseq (cleared), ==, 0);
  g_assert_cmpuint (n_found (f, "Note"), ==, 0);
}

static void
test_fetch (Fixture       *f,
            gconstpointer  data)
{
  static const char response[] =
    "* 1 FETCH (UID 17 FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
    "RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700\" "
    "\"=?UTF-8?B?5L2g5aW9?= Re: =?ISO-8859-1?Q?Gr=FC=DFe?=\" "
    "((\"=?UTF-8?Q?Zhang_San?=\" NIL \"zhang\" \"example.cn\")) NIL NIL "
    "((NIL NIL \"imap\" \"cac.washington.edu\")(\"Group\" NIL \"team\" NIL)(NIL NIL \"x\" \"y.test\")(NIL NIL NIL NIL)) "
    "NIL NIL \"<parent@x>\" \"<child@x>\") "
    "BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)"
    "(\"application\" \"pdf\" (\"name\" \"a.pdf\") NIL NIL \"base64\" 4000 NIL (\"attachment\" (\"filename\" \"a.pdf\")) NIL NIL) "
    "\"mixed\" (\"boundary\" \"b\") NIL NIL NIL) "
    "BODY[HEADER.FIELDS (REFERENCES)] {37}\r\nReferences: <root@x>\r\n <parent@x>\r\n\r\n)\r\n";
  g_autoptr(GError) error = NULL;
  OpImapResponse *parsed = op_imap_parse_response (response, sizeof response - 1, &error);
  OpMailUpdate *update = op_mail_update_new (f->inbox);
  g_autoptr(OpMailMessage) m = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (parsed->fetch);
  op_mail_update_add_fetch (update, g_steal_pointer (&parsed->fetch));
  op_imap_response_free (parsed);
  g_assert_true (op_mail_test_apply (f->store, update, &error));
  g_assert_no_error (error);

  m = op_mail_store_lookup_uid (f->store, f->inbox, 17);
  g_assert_nonnull (m);
  g_assert_cmpstr (op_mail_message_get_subject (m), ==, "你好 Re: Grüße");
  g_assert_cmpstr (op_mail_message_get_from_name (m), ==, "Zhang San");
  g_assert_cmpstr (op_mail_message_get_from_address (m), ==, "zhang@example.cn");
  g_assert_cmpstr (op_mail_message_get_to (m), ==, "imap@cac.washington.edu, x@y.test");
  g_assert_cmpint (op_mail_message_get_flags (m), ==, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FORWARDED);
  g_assert_cmpuint (op_mail_message_get_size (m), ==, 4286);
  g_assert_true (op_mail_message_get_has_attachments (m));
  g_assert_cmpint (op_mail_message_get_date (m), ==, 837595405);
  g_assert_cmpstr (op_mail_message_get_message_id (m), ==, "child@x");
  g_assert_cmpstr (op_mail_message_get_in_reply_to (m), ==, "parent@x");
  g_assert_cmpstrv (op_mail_message_get_references (m), ((const char *[]) { "root@x", "parent@x", NULL }));
  g_assert_false (op_mail_message_get_body_cached (m));
  g_assert_cmpuint (n_found (f, "zhang"), ==, 1);
  g_assert_cmpuint (n_found (f, "grüße"), ==, 1);
}

typedef struct
{
  gboolean done;
  GBytes  *body;
  GError  *error;
} BodyWait;

static void
on_body (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  BodyWait *wait = user_data;

  wait->body = op_mail_store_load_body_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

static void
on_saved (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  BodyWait *wait = user_data;

  op_mail_store_write_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

static void
test_body_cache (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GBytes) message = op_mail_test_message ("b@x", NULL, NULL, "Body later", "a@x.test",
                                                    "> quoted\nThe zanzibar report is attached.\n-- \nsig", 1000);
  OpMailUpdate *update = op_mail_update_new (f->inbox);
  g_autoptr(OpMailMessage) before = NULL;
  g_autoptr(OpMailMessage) after = NULL;
  BodyWait wait = { 0 };

  /* Known by its flags only first (as after an ENVELOPE fetch): no body, no preview. */
  op_mail_update_set_flags (update, 1, 0, NULL, 0);
  g_assert_true (op_mail_test_apply (f->store, update, NULL));
  add_raw (f, f->sent, 1, 0, g_bytes_ref (message));
  before = op_mail_store_lookup_uid (f->store, f->sent, 1);

  op_mail_store_load_body_async (f->store, op_mail_message_get_id (before) + 1000, NULL, on_body, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  g_assert_null (wait.body);

  memset (&wait, 0, sizeof wait);
  op_mail_store_save_body_async (f->store, op_mail_message_get_id (before), message, NULL, on_saved, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  op_mail_test_drain ();

  after = op_mail_store_lookup_uid (f->store, f->sent, 1);
  g_assert_true (op_mail_message_get_body_cached (after));
  g_assert_cmpstr (op_mail_message_get_preview (after), ==, "The zanzibar report is attached.");
  g_assert_cmpuint (n_found (f, "zanzibar"), ==, 1);

  memset (&wait, 0, sizeof wait);
  op_mail_store_load_body_async (f->store, op_mail_message_get_id (after), NULL, on_body, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  g_assert_true (g_bytes_equal (wait.body, message));
  g_bytes_unref (wait.body);

  /* Saving the body of a message that is gone says so. */
  memset (&wait, 0, sizeof wait);
  op_mail_store_save_body_async (f->store, 123456, message, NULL, on_saved, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_error (wait.error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND);
  g_clear_error (&wait.error);
}

static void
test_closed (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  OpMailUpdate *update = op_mail_update_new (f->inbox);

  op_mail_store_close (f->store);
  g_assert_false (op_mail_test_apply (f->store, update, &error));
  g_assert_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_CLOSED);
  g_assert_null (op_mail_store_list_folders (f->store, NULL));
}

static void
test_flags_conversion (void)
{
  g_autofree char *keywords = NULL;
  const char *flags[] = { "\\SEEN", "\\Recent", "$Junk", "work", "\\Draft", NULL };
  OpMailFlags bits = op_mail_flags_from_imap (flags, &keywords);
  g_auto(GStrv) back = NULL;

  g_assert_cmpint (bits, ==, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_JUNK | OP_MAIL_FLAG_DRAFT);
  g_assert_cmpstr (keywords, ==, "work");
  back = op_mail_flags_to_imap (bits, keywords);
  g_assert_cmpstrv (back, ((const char *[]) { "\\Seen", "\\Draft", "$Junk", "work", NULL }));
}

/* The Date header's fast reading (the usual form, without GMime) gives what GMime gives,
 * for every form and field it accepts and the edges next to them. */
static void
test_date_fast_path (void)
{
  static const char * const days[] = { "Mon", "Tue", "Sun", "Xyz" };
  static const char * const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  static const char * const odd[] = {
    "Tue, 14 Nov 2023 22:13:20 +0000", "14 Nov 2023 22:13:20 +0100", "Tue, 14 Nov 2023 22:13 -0500",
    "Tue, 4 Nov 2023 22:13:20 GMT", "Tue, 14 Nov 23 22:13:20 +0000", "Tue, 14 Nov 2023 22:13:20 +0000 (UTC)",
    "Tue, 14 nov 2023 22:13:20 +0000", "Tue,14 Nov 2023 22:13:20 +0000", "Mon, 31 Feb 2023 10:00:00 +0000",
    "Thu, 29 Feb 2024 23:59:59 -1400", "Sun, 29 Feb 2023 12:00:00 +0000", "Sat, 1 Jan 1970 00:00:00 +0100",
    "Wed, 31 Dec 1969 23:00:00 -0100", "Fri, 14 Nov 2023 24:00:00 +0000", "Fri, 14 Nov 2023 23:60:00 +0000",
    "Fri, 14 Nov 2023 23:59:60 +0000", "Fri, 14 Nov 2023 23:59:59 +1500", "Fri, 14 Nov 2023 23:59:59 +0160",
    "Fri, 14 Nov 2023 23:59:59 +01", "Fri, 14 Nov 2023 23:59:59 +0100x", "Fri, 00 Nov 2023 12:00:00 +0000",
    "Fri, 14 Nov 12023 12:00:00 +0000", "14 Nov 2023", "garbage", "",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed (12);

  op_mime_init ();
  for (guint i = 0; i < G_N_ELEMENTS (odd) + 20000; i++)
    {
      g_autofree char *text = NULL;
      g_autoptr(GDateTime) expected = NULL;

      if (i < G_N_ELEMENTS (odd))
        text = g_strdup (odd[i]);
      else
        text = g_strdup_printf (g_rand_boolean (rand) ? "%s, %d %s %04d %02d:%02d:%02d %c%02d%02d"
                                                      : "%s,  %02d %s %04d %02d:%02d:%02d %c%02d%02d",
                                days[g_rand_int_range (rand, 0, G_N_ELEMENTS (days))],
                                g_rand_int_range (rand, 0, 33), months[g_rand_int_range (rand, 0, 12)],
                                g_rand_int_range (rand, 0, 8) == 0 ? g_rand_int_range (rand, 1000, 10000)
                                                                   : g_rand_int_range (rand, 1965, 2110),
                                g_rand_int_range (rand, 0, 26), g_rand_int_range (rand, 0, 61),
                                g_rand_int_range (rand, 0, 62), g_rand_boolean (rand) ? '+' : '-',
                                g_rand_int_range (rand, 0, 16), g_rand_int_range (rand, 0, 61));
      expected = *text != '\0' ? g_mime_utils_header_decode_date (text) : NULL;
      if (_op_mail_parse_date_header (text) != (expected != NULL ? g_date_time_to_unix (expected) : 0))
        g_error ("Date \"%s\": %" G_GINT64_FORMAT ", GMime %" G_GINT64_FORMAT, text,
                 _op_mail_parse_date_header (text), expected != NULL ? g_date_time_to_unix (expected) : 0);
    }
}

/* Header text without an encoded word skips GMime, and text already clean is copied: the
 * same as decoding and cleaning every one. */
static void
test_header_text_fast_path (void)
{
  static const char * const texts[] = {
    "plain subject", "a  b", " lead", "trail ", "a\r\n b", "a\tb", "a\r\n\tb", "tab\t", "\x7f del",
    "李伟 的 报告", "caf\xc3\xa9", "caf\xe9 latin-1", "\xff\xfe", "=?UTF-8?B?5p2O5Lyf?=", "x =?utf-8?q?a_b?= y",
    "=?iso-8859-1?q?caf=E9?=", "a=?b", "ab?=", "=?", "(comment) \"quoted\"", "  ", "", "\x01\x02",
    "\xc2\x85 next line", "ends in C1 \xc2\x9f",
  };

  op_mime_init ();
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autofree char *fast = _op_mail_decode_header_text (texts[i]);
      g_autofree char *utf8 = g_utf8_validate (texts[i], -1, NULL) ? g_strdup (texts[i])
                                : op_mime_decode_text (texts[i], strlen (texts[i]), NULL, NULL);
      g_autofree char *decoded = g_mime_utils_header_decode_text (NULL, utf8);
      g_autofree char *slow = _op_mail_clean_text (decoded);

      g_assert_cmpstr (fast, ==, slow);
    }
  {
    /* Longer than a field keeps: cut as before. */
    g_autofree char *long_text = g_strnfill (OP_MAIL_MAX_FIELD_TEXT + 10, 'x');
    g_autofree char *clean = _op_mail_clean_text (long_text);

    g_assert_cmpuint (strlen (clean), ==, OP_MAIL_MAX_FIELD_TEXT);
  }
}


static void
wait_done (gboolean *done)
{
  g_assert_true (op_test_wait_for (done, 30000));
  op_mail_test_drain ();
  *done = FALSE;
}

static GArray *
ids_of_uids (Fixture *f,
             gint64   folder,
             ...)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  va_list args;
  guint uid;

  va_start (args, folder);
  while ((uid = va_arg (args, guint)) != 0)
    {
      g_autoptr(OpMailMessage) m = op_mail_store_lookup_uid (f->store, folder, uid);
      gint64 id = op_mail_message_get_id (m);
      g_array_append_val (ids, id);
    }
  va_end (args);
  return ids;
}

static void
test_local_changes (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GArray) flag = NULL;
  g_autoptr(GArray) move = NULL;
  g_autoptr(GArray) gone = NULL;
  g_autoptr(OpMailFolder) inbox = NULL;
  g_autoptr(OpMailFolder) sent = NULL;
  g_autoptr(OpMailMessage) moved = NULL;
  g_autoptr(OpMailMessage) flagged = NULL;
  g_autoptr(OpMailFolder) renamed = NULL;
  gboolean done = FALSE;
  gint64 moved_id;

  for (guint i = 1; i <= 5; i++)
    {
      g_autofree char *id = g_strdup_printf ("local-%u@x", i);
      add_raw (f, f->inbox, i, 0, op_mail_test_message (id, NULL, NULL, "Local", "a@x.test", "n", 1000 + i));
    }

  flag = ids_of_uids (f, f->inbox, 1, 2, 0);
  op_mail_store_set_flags_async (f->store, flag, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FLAGGED, 0, NULL, on_change_done, &done);
  wait_done (&done);
  move = ids_of_uids (f, f->inbox, 3, 0);
  moved_id = g_array_index (move, gint64, 0);
  op_mail_store_move_async (f->store, move, f->sent, FALSE, NULL, on_change_done, &done);
  wait_done (&done);
  gone = ids_of_uids (f, f->inbox, 4, 0);
  op_mail_store_expunge_async (f->store, gone, NULL, on_change_done, &done);
  wait_done (&done);
  op_mail_store_create_folder_async (f->store, "Projects", '/', NULL, on_change_done, &done);
  wait_done (&done);

  /* All of it shows at once. */
  inbox = op_mail_store_get_folder (f->store, f->inbox);
  sent = op_mail_store_get_folder (f->store, f->sent);
  g_assert_cmpuint (op_mail_folder_get_total (inbox), ==, 3);
  g_assert_cmpuint (op_mail_folder_get_unread (inbox), ==, 1);
  g_assert_cmpuint (op_mail_folder_get_total (sent), ==, 1);
  flagged = op_mail_store_lookup_uid (f->store, f->inbox, 1);
  g_assert_cmpint (op_mail_message_get_flags (flagged), ==, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FLAGGED);
  moved = op_mail_store_get_message (f->store, moved_id);
  g_assert_cmpint (op_mail_message_get_folder_id (moved), ==, f->sent);
  g_assert_null (op_mail_store_lookup_uid (f->store, f->inbox, 4));
  {
    g_autoptr(OpMailFolder) projects = op_mail_store_lookup_folder (f->store, "Projects");

    g_assert_nonnull (projects);
  }
  /* Flags, move, expunge, create: four operations wait for the server, in order. */
  g_assert_cmpuint (op_mail_store_count_pending (f->store), ==, 4);

  /* The move comes back with COPYUID 3 → 17: the row takes the real UID. */
  {
    sqlite3 *db = _op_mail_store_get_main_db (f->store);
    sqlite3_stmt *stmt = NULL;
    gint64 op_id;

    g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id FROM pending_ops WHERE kind = 2", -1, &stmt, NULL), ==, SQLITE_OK);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    op_id = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    _op_mail_store_finish_pending_async (f->store, op_id, "17", FALSE, on_change_done, &done);
    wait_done (&done);
  }
  {
    g_autoptr(OpMailMessage) real = op_mail_store_lookup_uid (f->store, f->sent, 17);
    g_assert_nonnull (real);
    g_assert_cmpint (op_mail_message_get_id (real), ==, moved_id);
  }
  g_assert_cmpuint (op_mail_store_count_pending (f->store), ==, 3);

  op_mail_store_rename_folder_async (f->store, f->sent, "Sent Items", NULL, on_change_done, &done);
  wait_done (&done);
  renamed = op_mail_store_get_folder (f->store, f->sent);
  g_assert_cmpstr (op_mail_folder_get_name (renamed), ==, "Sent Items");
  g_assert_cmpuint (op_mail_store_count_pending (f->store), ==, 4);
}

static void
test_refused_move_reverts (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GArray) move = NULL;
  g_autoptr(OpMailMessage) back = NULL;
  gboolean done = FALSE;
  sqlite3_stmt *stmt = NULL;
  gint64 op_id;

  add_raw (f, f->inbox, 9, 0, op_mail_test_message ("r@x", NULL, NULL, "Refused", "a@x.test", "n", 1000));
  move = ids_of_uids (f, f->inbox, 9, 0);
  op_mail_store_move_async (f->store, move, f->sent, FALSE, NULL, on_change_done, &done);
  wait_done (&done);
  g_assert_null (op_mail_store_lookup_uid (f->store, f->inbox, 9));

  g_assert_cmpint (sqlite3_prepare_v2 (_op_mail_store_get_main_db (f->store), "SELECT id FROM pending_ops", -1,
                                       &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  op_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  /* The server refused it: the message is back in the Inbox under its UID. */
  _op_mail_store_finish_pending_async (f->store, op_id, NULL, TRUE, on_change_done, &done);
  wait_done (&done);
  back = op_mail_store_lookup_uid (f->store, f->inbox, 9);
  g_assert_nonnull (back);
  g_assert_cmpuint (op_mail_store_count_pending (f->store), ==, 0);
}

/* The ids of every message matching @query in the order a search must give them: newest
 * first, then the higher id (read from the messages table, not from the index). */
static GArray *
expected_order (const char *path,
                const char *like)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT id FROM messages WHERE subject LIKE ?1"
                                       " ORDER BY date DESC, id DESC", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, like, -1, SQLITE_STATIC);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

static void
assert_found_in_order (Fixture    *f,
                       const char *query,
                       GArray     *ids)
{
  g_autoptr(GPtrArray) found = search (f, query, 0);

  g_assert_cmpuint (found->len, ==, ids->len);
  for (guint i = 0; i < found->len; i++)
    g_assert_cmpint (op_mail_message_get_id (g_ptr_array_index (found, i)), ==, g_array_index (ids, gint64, i));
}

static void
test_schema_5_file (Fixture       *f,
                    gconstpointer  data)
{
  /* A store file written by the store itself (messages with bodies in two folders,
   * dates out of id order, equal dates, a date before 1970 and none at all), whose index
   * is then put back in schema 5's shape (keyed by message id, and without schema 8's
   * index; 5 → 6 changed nothing else), is migrated on opening: same matches, newest
   * first, and every later write (a body, a move, a delete) finds the index rows the
   * migration made. */
  g_autofree char *path = g_build_filename (f->dir, "store.sqlite", NULL);
  g_autoptr(GArray) all = NULL;
  g_autoptr(GArray) even = NULL;
  g_autoptr(GArray) move = NULL;
  g_autoptr(GArray) gone = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GPtrArray) in_sent = NULL;
  g_autoptr(OpMailMessage) later = NULL;
  gboolean done = FALSE;
  BodyWait wait = { 0 };
  sqlite3 *db = NULL;
  guint n = 0;

  for (guint i = 1; i <= 60; i++)
    {
      g_autofree char *id = g_strdup_printf ("migrate-%u@x", i);
      g_autofree char *subject = g_strdup_printf ("Report %u%s", i, i % 2 == 0 ? " even" : "");
      g_autofree char *from = g_strdup_printf ("Sender %u <sender%03u@example.test>", i, i);
      /* Shuffled dates, three pairs of equal ones. */
      gint64 date = 1700000000 + (gint64) ((i * 37) % 57) * 3600;

      add_raw (f, i % 5 == 0 ? f->sent : f->inbox, i, 0,
               op_mail_test_message (id, NULL, NULL, subject, from, "The quarterly walrus figures.", date));
      n++;
    }
  /* No Date header at all: date 0. */
  add_raw (f, f->inbox, 100, 0, g_bytes_new_static ("Subject: Report undated\r\nFrom: u@example.test\r\n\r\n"
                                                    "walrus\r\n", 57));
  n++;
  op_mail_store_close (f->store);
  g_clear_object (&f->store);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages WHERE date = 0"), ==, 1);

  /* Back to schema 5: the same index, keyed by message id. One message is from 1960
   * (the parser takes no date before 1970; an older store or another writer may). */
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db,
                                 "UPDATE messages SET date = -300000000 WHERE message_id = 'migrate-7@x';"
                                 "CREATE VIRTUAL TABLE messages_fts_old USING fts5 ("
                                 "  subject, addresses, body, tokenize = 'unicode61 remove_diacritics 2');"
                                 "INSERT INTO messages_fts_old (rowid, subject, addresses, body)"
                                 "  SELECT " OP_MAIL_FTS_ID ("rowid") ", subject, addresses, body FROM messages_fts;"
                                 "DROP TABLE messages_fts;"
                                 "ALTER TABLE messages_fts_old RENAME TO messages_fts;"
                                 "DROP INDEX conversations_reply_root;"
                                 "PRAGMA user_version = 5;",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages_fts f JOIN messages m ON m.id = f.rowid"), ==, n);

  f->store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (op_mail_test_query_int (path, "PRAGMA user_version"), ==, OP_MAIL_STORE_SCHEMA_VERSION);
  /* Schema 7: no table of column sizes beside the index. */
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM sqlite_master WHERE name = 'messages_fts_docsize'"),
                   ==, 0);
  /* One index row per message, under the message's key, and both checks pass. */
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages_fts"), ==, n);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages_fts f JOIN messages m"
                                    " ON f.rowid = " OP_MAIL_FTS_KEY ("m.date", "m.id")), ==, n);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'"),
                   ==, 0);
  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);

  /* Subject, address and body words; newest first, ties by id. */
  all = expected_order (path, "Report %");
  g_assert_cmpuint (all->len, ==, n);
  even = expected_order (path, "% even");
  assert_found_in_order (f, "report", all);
  assert_found_in_order (f, "walrus", all);
  assert_found_in_order (f, "even", even);
  g_assert_cmpuint (n_found (f, "sender017"), ==, 1);

  /* A body saved after the migration joins the index. */
  later = op_mail_store_lookup_uid (f->store, f->inbox, 3);
  body = op_mail_test_message ("migrate-3@x", NULL, NULL, "Report 3", "Sender 3 <sender003@example.test>",
                               "Now with a narwhal.", op_mail_message_get_date (later));
  op_mail_store_save_body_async (f->store, op_mail_message_get_id (later), body, NULL, on_saved, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  g_assert_cmpuint (n_found (f, "narwhal"), ==, 1);
  g_assert_cmpuint (n_found (f, "walrus"), ==, n - 1);

  /* A move keeps the message findable, in its new folder; a delete takes it out. */
  move = ids_of_uids (f, f->inbox, 4, 0);
  op_mail_store_move_async (f->store, move, f->sent, FALSE, NULL, on_change_done, &done);
  wait_done (&done);
  in_sent = search (f, "sender004", f->sent);
  g_assert_cmpuint (in_sent->len, ==, 1);
  g_assert_cmpint (op_mail_message_get_id (g_ptr_array_index (in_sent, 0)), ==, g_array_index (move, gint64, 0));
  gone = ids_of_uids (f, f->inbox, 6, 0);
  op_mail_store_expunge_async (f->store, gone, NULL, on_change_done, &done);
  wait_done (&done);
  g_assert_cmpuint (n_found (f, "sender006"), ==, 0);
  g_assert_cmpuint (n_found (f, "report"), ==, n - 1);
  g_assert_cmpint (op_mail_test_query_int (path, "SELECT count(*) FROM messages_fts"), ==, n - 1);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/mail/store/open/wal", test_open_wal);
  g_test_add_func ("/mail/store/open/every-older-schema", test_migrations);
  ADD ("/mail/store/open/schema-5-file-with-data", test_schema_5_file);
  g_test_add_func ("/mail/store/open/newer-schema-refused", test_newer_schema);
  g_test_add_func ("/mail/store/open/not-a-database", test_not_a_database);
  g_test_add_func ("/mail/store/flags/imap", test_flags_conversion);
  g_test_add_func ("/mail/store/messages/date-fast-path", test_date_fast_path);
  g_test_add_func ("/mail/store/messages/header-text-fast-path", test_header_text_fast_path);
  ADD ("/mail/store/folders/replace-list", test_folders);
  ADD ("/mail/store/messages/raw-and-search", test_raw_and_search);
  ADD ("/mail/store/messages/hostile-corpus", test_hostile_corpus);
  ADD ("/mail/store/messages/fetch", test_fetch);
  ADD ("/mail/store/messages/flags-removal-clear", test_flags_and_removal);
  ADD ("/mail/store/messages/body-cache", test_body_cache);
  ADD ("/mail/store/threads/across-folders", test_threads_across_folders);
  ADD ("/mail/store/threads/merge", test_merge);
  ADD ("/mail/store/threads/subject-only", test_subject_threads);
  ADD ("/mail/store/threads/subject-of-thousands", test_subject_many);
  ADD ("/mail/store/threads/in-reply-to-in-references", test_in_reply_to_in_references);
  ADD ("/mail/store/changes/local-then-queued", test_local_changes);
  ADD ("/mail/store/changes/refused-move-reverts", test_refused_move_reverts);
  ADD ("/mail/store/closed", test_closed);

  return g_test_run ();
}
