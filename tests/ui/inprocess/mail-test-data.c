/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include "mail-test-data.h"

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
