/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "op-mail-store.h"
#include "op-mail-test-util.h"
#include "op-test-util.h"

/* op_mail_store_complete_address_async(): the composer's To/Cc/Bcc completion from the
 * addresses of the messages a store holds (the seed messages of tests/data/mail/seed). */

typedef struct
{
  gboolean   done;
  GPtrArray *found;
  GError    *error;
} Wait;

static void
on_completed (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Wait *wait = user_data;

  wait->found = op_mail_store_complete_address_finish (OP_MAIL_STORE (source), result, &wait->error);
  wait->done = TRUE;
}

static GPtrArray *
complete (OpMailStore *store,
          const char  *prefix,
          guint        limit)
{
  Wait wait = { 0 };

  op_mail_store_complete_address_async (store, prefix, limit, NULL, on_completed, &wait);
  g_assert_true (op_test_wait_for (&wait.done, 30000));
  g_assert_no_error (wait.error);
  g_assert_nonnull (wait.found);
  return wait.found;
}

static void
test_complete (void)
{
  const char *seeds[] = { "01-plain.eml", "02-html.eml", "03-alternative.eml",
                          "04-attachment.eml", "05-encoded-subject.eml" };
  g_autofree char *dir = NULL;
  g_autoptr(OpMailStore) store = op_mail_test_open_store (&dir);
  gint64 inbox = op_mail_test_ensure_folder (store, "INBOX", OP_MAIL_SPECIAL_USE_INBOX);
  GPtrArray *found;

  for (gsize i = 0; i < G_N_ELEMENTS (seeds); i++)
    {
      g_autofree char *path = op_test_data_path ("mail/seed", seeds[i], NULL);
      g_autoptr(GError) error = NULL;
      char *contents = NULL;
      gsize length = 0;
      OpMailUpdate *update = op_mail_update_new (inbox);
      g_autoptr(GBytes) message = NULL;

      g_assert_true (g_file_get_contents (path, &contents, &length, &error));
      message = g_bytes_new_take (contents, length);
      op_mail_update_add_raw (update, i + 1, 0, 0, message);
      g_assert_true (op_mail_test_apply (store, update, &error));
      g_assert_no_error (error);
    }

  /* A sender, by the start of the address or of a word of the name, any case. */
  found = complete (store, "car", 10);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (found, 0), ==, "Carol Example <carol@example.test>");
  g_ptr_array_unref (found);
  found = complete (store, "EXAMPLE", 10);
  g_assert_cmpuint (found->len, >=, 3);
  g_ptr_array_unref (found);

  /* A recipient (To in every seed message): the most used address comes first, named. */
  found = complete (store, "test", 10);
  g_assert_cmpuint (found->len, >=, 1);
  g_assert_cmpstr (g_ptr_array_index (found, 0), ==, "Outpost Tester <tester@example.test>");
  g_ptr_array_unref (found);

  /* A decoded (RFC 2047) name. */
  found = complete (store, "li.w", 10);
  g_assert_cmpuint (found->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (found, 0), ==, "李伟 <li.wei@example.test>");
  g_ptr_array_unref (found);

  /* Only at the start of a word; a limit; nothing for nothing; no pattern syntax. */
  found = complete (store, "arol", 10);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);
  found = complete (store, "e", 2);
  g_assert_cmpuint (found->len, ==, 2);
  g_ptr_array_unref (found);
  found = complete (store, "  ", 10);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);
  found = complete (store, "%", 10);
  g_assert_cmpuint (found->len, ==, 0);
  g_ptr_array_unref (found);

  op_mail_store_close (store);
  op_mail_test_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/mail/addresses/complete", test_complete);
  return g_test_run ();
}
