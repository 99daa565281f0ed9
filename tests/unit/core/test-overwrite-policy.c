/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

/* The overwrite policy: every choice against newer, older, equal and unknown times and
 * sizes, and the free names "Rename" picks. */

#include "config.h"

#include <locale.h>

#include "op-overwrite-policy.h"

#define T0 1700000000

static void
test_no_target_always_writes (void)
{
  OpFileFacts source = { 100, T0 };

  for (int choice = OP_OVERWRITE_ASK; choice <= OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS; choice++)
    g_assert_cmpint (op_overwrite_decide (&source, NULL, choice), ==, OP_OVERWRITE_ACTION_WRITE);
}

static void
test_ask (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts target = { 100, T0 };

  g_assert_cmpint (op_overwrite_decide (&source, &target, OP_OVERWRITE_ASK), ==,
                   OP_OVERWRITE_ACTION_ASK);
}

static void
test_overwrite (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts older = { 5000, T0 - 60 };
  OpFileFacts newer = { 5, T0 + 60 };
  OpFileFacts unknown = { -1, -1 };

  g_assert_cmpint (op_overwrite_decide (&source, &older, OP_OVERWRITE_OVERWRITE), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
  g_assert_cmpint (op_overwrite_decide (&source, &newer, OP_OVERWRITE_OVERWRITE), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
  g_assert_cmpint (op_overwrite_decide (&source, &unknown, OP_OVERWRITE_OVERWRITE), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
}

static void
test_overwrite_if_newer (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts older = { 100, T0 - 1 };
  OpFileFacts equal = { 50, T0 };
  OpFileFacts newer = { 100, T0 + 1 };
  OpFileFacts no_time = { 100, -1 };
  OpFileFacts source_no_time = { 100, -1 };

  g_assert_cmpint (op_overwrite_decide (&source, &older, OP_OVERWRITE_OVERWRITE_IF_NEWER), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
  g_assert_cmpint (op_overwrite_decide (&source, &equal, OP_OVERWRITE_OVERWRITE_IF_NEWER), ==,
                   OP_OVERWRITE_ACTION_SKIP);
  g_assert_cmpint (op_overwrite_decide (&source, &newer, OP_OVERWRITE_OVERWRITE_IF_NEWER), ==,
                   OP_OVERWRITE_ACTION_SKIP);
  /* Unknown times never count as "newer". */
  g_assert_cmpint (op_overwrite_decide (&source, &no_time, OP_OVERWRITE_OVERWRITE_IF_NEWER),
                   ==, OP_OVERWRITE_ACTION_SKIP);
  g_assert_cmpint (op_overwrite_decide (&source_no_time, &older,
                                        OP_OVERWRITE_OVERWRITE_IF_NEWER),
                   ==, OP_OVERWRITE_ACTION_SKIP);
}

static void
test_overwrite_if_size_differs (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts shorter = { 99, T0 + 60 };
  OpFileFacts longer = { 101, T0 - 60 };
  OpFileFacts same = { 100, T0 - 3600 };
  OpFileFacts unknown = { -1, T0 };
  OpOverwriteChoice choice = OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS;

  g_assert_cmpint (op_overwrite_decide (&source, &shorter, choice), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
  g_assert_cmpint (op_overwrite_decide (&source, &longer, choice), ==,
                   OP_OVERWRITE_ACTION_OVERWRITE);
  /* Same size, whatever the dates say: kept. */
  g_assert_cmpint (op_overwrite_decide (&source, &same, choice), ==, OP_OVERWRITE_ACTION_SKIP);
  /* Never replaced on a guess. */
  g_assert_cmpint (op_overwrite_decide (&source, &unknown, choice), ==,
                   OP_OVERWRITE_ACTION_SKIP);
  g_assert_cmpint (op_overwrite_decide (&unknown, &source, choice), ==,
                   OP_OVERWRITE_ACTION_SKIP);
}

static void
test_resume (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts shorter = { 40, T0 };
  OpFileFacts empty = { 0, T0 };
  OpFileFacts same = { 100, T0 - 10 };
  OpFileFacts longer = { 400, T0 };
  OpFileFacts unknown = { -1, -1 };
  OpFileFacts source_unknown = { -1, T0 };

  g_assert_cmpint (op_overwrite_decide (&source, &shorter, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_RESUME);
  g_assert_cmpint (op_overwrite_decide (&source, &empty, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_RESUME);
  /* Already complete, or longer than the source: nothing to continue. */
  g_assert_cmpint (op_overwrite_decide (&source, &same, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_SKIP);
  g_assert_cmpint (op_overwrite_decide (&source, &longer, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_SKIP);
  /* Unknown sizes: the engine finds the offset (REST from the target's size). */
  g_assert_cmpint (op_overwrite_decide (&source, &unknown, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_RESUME);
  g_assert_cmpint (op_overwrite_decide (&source_unknown, &shorter, OP_OVERWRITE_RESUME), ==,
                   OP_OVERWRITE_ACTION_RESUME);
}

static void
test_rename_and_skip (void)
{
  OpFileFacts source = { 100, T0 };
  OpFileFacts target = { 100, T0 };

  g_assert_cmpint (op_overwrite_decide (&source, &target, OP_OVERWRITE_RENAME), ==,
                   OP_OVERWRITE_ACTION_RENAME);
  g_assert_cmpint (op_overwrite_decide (&source, &target, OP_OVERWRITE_SKIP), ==,
                   OP_OVERWRITE_ACTION_SKIP);
}

static gboolean
in_set (const char *name,
        gpointer    user_data)
{
  return g_hash_table_contains (user_data, name);
}

static char *
free_name (const char *name,
           ...)
{
  g_autoptr(GHashTable) taken = g_hash_table_new (g_str_hash, g_str_equal);
  va_list args;

  g_hash_table_add (taken, (gpointer) name);
  va_start (args, name);
  for (const char *t = va_arg (args, const char *); t != NULL; t = va_arg (args, const char *))
    g_hash_table_add (taken, (gpointer) t);
  va_end (args);
  return op_overwrite_free_name (name, in_set, taken);
}

static void
test_free_names (void)
{
  static const struct { const char *name; const char *expected; } cases[] = {
    { "report.pdf", "report (1).pdf" },
    { "README", "README (1)" },
    { ".profile", ".profile (1)" },
    { "archive.tar.gz", "archive (1).tar.gz" },
    { "backup.TAR.XZ", "backup (1).TAR.XZ" },
    { "v1.2.3.zip", "v1.2.3 (1).zip" },
    { "trailing.", "trailing. (1)" },
    { "report (3).pdf", "report (4).pdf" },
    { "report (0).pdf", "report (0) (1).pdf" },
    { "(1)", "(1) (1)" },
    { "名前.txt", "名前 (1).txt" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = free_name (cases[i].name, NULL);

      g_assert_cmpstr (name, ==, cases[i].expected);
    }
}

static void
test_free_name_counts_on (void)
{
  g_autofree char *name = free_name ("a.txt", "a (1).txt", "a (2).txt", "a (4).txt", NULL);

  g_assert_cmpstr (name, ==, "a (3).txt");
}

static gboolean
all_taken (const char *name,
           gpointer    user_data)
{
  (*(guint *) user_data)++;
  return TRUE;
}

static void
test_free_name_gives_up (void)
{
  guint tries = 0;
  g_autofree char *name = op_overwrite_free_name ("a.txt", all_taken, &tries);

  g_assert_null (name);
  g_assert_cmpuint (tries, ==, 9999);
}

static void
test_choice_strings (void)
{
  for (int choice = OP_OVERWRITE_ASK; choice <= OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS; choice++)
    {
      OpOverwriteChoice back = OP_OVERWRITE_ASK;

      g_assert_true (op_overwrite_choice_from_string (op_overwrite_choice_to_string (choice),
                                                      &back));
      g_assert_cmpint (back, ==, choice);
    }
  g_assert_cmpstr (op_overwrite_choice_to_string (OP_OVERWRITE_OVERWRITE_IF_NEWER), ==,
                   "overwrite-if-newer");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/overwrite/no-target/always-writes", test_no_target_always_writes);
  g_test_add_func ("/overwrite/ask/asks", test_ask);
  g_test_add_func ("/overwrite/overwrite/always", test_overwrite);
  g_test_add_func ("/overwrite/if-newer/only-strictly-newer", test_overwrite_if_newer);
  g_test_add_func ("/overwrite/if-size-differs/only-a-different-size",
                   test_overwrite_if_size_differs);
  g_test_add_func ("/overwrite/resume/only-a-shorter-target", test_resume);
  g_test_add_func ("/overwrite/rename-and-skip", test_rename_and_skip);
  g_test_add_func ("/overwrite/free-name/number-before-extension", test_free_names);
  g_test_add_func ("/overwrite/free-name/first-free-number", test_free_name_counts_on);
  g_test_add_func ("/overwrite/free-name/gives-up-after-9999", test_free_name_gives_up);
  g_test_add_func ("/overwrite/choice/strings-round-trip", test_choice_strings);

  return g_test_run ();
}
