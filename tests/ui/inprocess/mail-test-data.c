/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include "mail-test-data.h"
#include "op-accounts.h"
#include "op-mail-account.h"
#include "op-mail-store.h"

GBytes *
mail_test_load (const char *name,
                int         port)
{
  const char *dir = g_getenv ("OUTPOST_TEST_DATA");
  g_autofree char *path = g_build_filename (dir != NULL ? dir : OUTPOST_TEST_DATA_DEFAULT,
                                            "mail", "view", name, NULL);
  g_autofree char *contents = NULL;
  g_autoptr (GString) text = NULL;
  g_autofree char *port_text = g_strdup_printf ("%d", port);
  g_autoptr (GError) error = NULL;
  gsize length;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  text = g_string_new_len (contents, length);
  g_string_replace (text, "REMOTE_PORT", port_text, 0);
  return g_string_free_to_bytes (g_steal_pointer (&text));
}

OpMimeMessage *
mail_test_parse (GBytes *bytes)
{
  g_autoptr (GError) error = NULL;
  OpMimeMessage *message = op_mime_message_parse_bytes (bytes, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (message);
  return message;
}

static const char bob_start[] =
  "From: Bob <bob@example.test>\r\n"
  "To: Me Myself <me@example.test>, Ann Example <ann@example.test>\r\n"
  "Subject: Plans for the release\r\n"
  "Date: Mon, 30 Nov 2026 16:00:00 +0000\r\n"
  "Message-ID: <start-1@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Can we ship on Friday?\r\n"
  "> Only if the tests pass.\r\n";

static const char my_reply[] =
  "From: Me Myself <me@example.test>\r\n"
  "To: Ann Example <ann@example.test>\r\n"
  "Subject: Re: Plans for the release\r\n"
  "Date: Tue, 01 Dec 2026 10:15:00 +0000\r\n"
  "Message-ID: <reply-3@example.test>\r\n"
  "In-Reply-To: <reply-2@example.test>\r\n"
  "References: <start-1@example.test> <reply-2@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Friday it is, then.\r\n";

static const char chinese[] =
  "From: =?UTF-8?B?546L6Iqz?= <wang.fang@example.test>\r\n"
  "To: Me Myself <me@example.test>\r\n"
  "Subject: =?UTF-8?B?5YWz5LqO5Y+R5biD6K6h5YiS?=\r\n"
  "Date: Sun, 29 Nov 2026 08:00:00 +0800\r\n"
  "Message-ID: <zh-1@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "Content-Transfer-Encoding: 8bit\r\n"
  "\r\n"
  "\xe4\xbd\xa0\xe5\xa5\xbd\xef\xbc\x8c\xe5\x8f\x91\xe5\xb8\x83\xe8\xae\xa1\xe5\x88\x92\xe5\x9c\xa8\xe9\x99\x84\xe4\xbb\xb6\xe9\x87\x8c\xe3\x80\x82\r\n";

static const char gnome_list[] =
  "From: GNOME Announce <announce@example.test>\r\n"
  "To: Lists <lists@example.test>\r\n"
  "Subject: GNOME 99 released\r\n"
  "Date: Fri, 27 Nov 2026 12:00:00 +0000\r\n"
  "Message-ID: <gnome-99@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "A new release is out.\r\n";

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Runs the main loop until the store's write finished; fails the test on error. */
static void
wait_write (OpMailStore   *store,
            GAsyncResult **result)
{
  g_autoptr (GError) error = NULL;
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;

  while (!have_result (result) && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (*result);
  g_assert_true (op_mail_store_write_finish (store, *result, &error));
  g_assert_no_error (error);
  g_clear_object (result);
}

static void
add_raw (OpMailUpdate *update,
         guint32       uid,
         OpMailFlags   flags,
         GBytes       *bytes)
{
  op_mail_update_add_raw (update, uid, flags, 0, bytes);
  g_bytes_unref (bytes);
}

static GBytes *
literal (const char *text)
{
  return g_bytes_new_static (text, strlen (text));
}

OpMailStore *
mail_test_add_account (const char *id,
             const char *name,
             const char *user,
             const char *sender)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  g_autoptr (OpAccount) account = op_account_new (OP_ACCOUNT_KIND_MAIL, id);
  g_autofree char *path = op_mail_store_default_path (id);
  g_autoptr (GError) error = NULL;
  OpMailStore *store;

  op_accounts_load (accounts, NULL);
  op_account_set_name (account, name);
  op_account_set_user (account, user);
  if (sender != NULL)
    {
      g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);

      g_ptr_array_add (identities, op_mail_identity_new (sender, user, ""));
      op_mail_account_set_identities (account, identities, &error);
      g_assert_no_error (error);
    }
  op_accounts_add (accounts, account);
  op_accounts_save (accounts, &error);
  g_assert_no_error (error);

  store = op_mail_store_open_sync (path, NULL, &error);
  g_assert_no_error (error);
  return store;
}

void
mail_test_fill_profile (void)
{
  g_autoptr (OpMailStore) store = NULL;
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);
  g_autoptr (OpMailFolder) inbox = NULL;
  g_autoptr (OpMailFolder) sent = NULL;
  g_autoptr (OpMailFolder) gnome = NULL;
  GAsyncResult *result = NULL;
  OpMailUpdate *update;

  store = mail_test_add_account (MAIL_TEST_ACCOUNT, "Work", "me@example.test", "Me Myself");
  g_ptr_array_add (folders, op_mail_folder_info_new ("INBOX", '/', OP_MAIL_SPECIAL_USE_INBOX, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Sent Items", '/', OP_MAIL_SPECIAL_USE_SENT, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Drafts", '/', OP_MAIL_SPECIAL_USE_DRAFTS, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Deleted", '/', OP_MAIL_SPECIAL_USE_TRASH, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Lists", '/', OP_MAIL_SPECIAL_USE_NONE, FALSE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Lists/GNOME", '/', OP_MAIL_SPECIAL_USE_NONE, TRUE));
  op_mail_store_set_folders_async (store, folders, NULL, on_done, &result);
  wait_write (store, &result);

  inbox = op_mail_store_lookup_folder (store, "INBOX");
  sent = op_mail_store_lookup_folder (store, "Sent Items");
  gnome = op_mail_store_lookup_folder (store, "Lists/GNOME");
  g_assert_nonnull (inbox);
  g_assert_nonnull (sent);
  g_assert_nonnull (gnome);

  update = op_mail_update_new (op_mail_folder_get_id (inbox));
  add_raw (update, 1, OP_MAIL_FLAG_SEEN, literal (bob_start));
  add_raw (update, 2, OP_MAIL_FLAG_NONE, mail_test_load ("plain-quoted.eml", 1));
  add_raw (update, 3, OP_MAIL_FLAG_SEEN | OP_MAIL_FLAG_FLAGGED, mail_test_load ("html-remote.eml", 1));
  add_raw (update, 4, OP_MAIL_FLAG_NONE, mail_test_load ("hostile-attachments.eml", 1));
  add_raw (update, 5, OP_MAIL_FLAG_SEEN, literal (chinese));
  op_mail_update_set_state (update, 7, 6, 0);
  op_mail_update_set_complete (update, TRUE);
  op_mail_store_apply_async (store, update, NULL, on_done, &result);
  wait_write (store, &result);

  update = op_mail_update_new (op_mail_folder_get_id (sent));
  add_raw (update, 1, OP_MAIL_FLAG_SEEN, literal (my_reply));
  op_mail_store_apply_async (store, update, NULL, on_done, &result);
  wait_write (store, &result);

  update = op_mail_update_new (op_mail_folder_get_id (gnome));
  add_raw (update, 1, OP_MAIL_FLAG_NONE, literal (gnome_list));
  op_mail_store_apply_async (store, update, NULL, on_done, &result);
  wait_write (store, &result);

  op_mail_store_close (store);
}

static const char home_unread[] =
  "From: Carol <carol@example.test>\r\n"
  "To: Me <me@home.example>\r\n"
  "Subject: Dinner on Saturday\r\n"
  "Date: Wed, 02 Dec 2026 18:00:00 +0000\r\n"
  "Message-ID: <home-1@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Seven o'clock?\r\n";

static const char home_read[] =
  "From: Dave <dave@example.test>\r\n"
  "To: Me <me@home.example>\r\n"
  "Subject: Holiday photos\r\n"
  "Date: Sat, 28 Nov 2026 09:00:00 +0000\r\n"
  "Message-ID: <home-2@example.test>\r\n"
  "MIME-Version: 1.0\r\n"
  "Content-Type: text/plain; charset=utf-8\r\n"
  "\r\n"
  "Here they are.\r\n";

void
mail_test_fill_second_account (void)
{
  g_autoptr (OpMailStore) store = mail_test_add_account (MAIL_TEST_ACCOUNT_HOME, "Home", "me@home.example", NULL);
  g_autoptr (GPtrArray) folders = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_folder_info_free);
  g_autoptr (OpMailFolder) inbox = NULL;
  GAsyncResult *result = NULL;
  OpMailUpdate *update;

  g_ptr_array_add (folders, op_mail_folder_info_new ("INBOX", '/', OP_MAIL_SPECIAL_USE_INBOX, TRUE));
  g_ptr_array_add (folders, op_mail_folder_info_new ("Trash", '/', OP_MAIL_SPECIAL_USE_TRASH, TRUE));
  op_mail_store_set_folders_async (store, folders, NULL, on_done, &result);
  wait_write (store, &result);

  inbox = op_mail_store_lookup_folder (store, "INBOX");
  g_assert_nonnull (inbox);
  update = op_mail_update_new (op_mail_folder_get_id (inbox));
  add_raw (update, 1, OP_MAIL_FLAG_NONE, literal (home_unread));
  add_raw (update, 2, OP_MAIL_FLAG_SEEN, literal (home_read));
  op_mail_update_set_complete (update, TRUE);
  op_mail_store_apply_async (store, update, NULL, on_done, &result);
  wait_write (store, &result);
  op_mail_store_close (store);
}
