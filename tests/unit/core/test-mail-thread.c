/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "op-mail-thread.h"

/* Messages: id, in-reply-to, references (space-separated), subject, date. */
typedef struct
{
  const char *id;
  const char *irt;
  const char *refs;
  const char *subject;
} Fixture;

typedef struct
{
  OpMailThreadInput *inputs;
  GPtrArray         *strvs;
  gsize              n;
} Built;

static Built *
build (const Fixture *fixtures,
       gsize          n)
{
  Built *built = g_new0 (Built, 1);

  built->inputs = g_new0 (OpMailThreadInput, n);
  built->strvs = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  built->n = n;
  for (gsize i = 0; i < n; i++)
    {
      char **refs = fixtures[i].refs != NULL ? g_strsplit (fixtures[i].refs, " ", -1) : NULL;

      built->inputs[i].data = GUINT_TO_POINTER (i);
      built->inputs[i].message_id = fixtures[i].id;
      built->inputs[i].in_reply_to = fixtures[i].irt;
      built->inputs[i].references = (const char * const *) refs;
      built->inputs[i].subject = fixtures[i].subject;
      built->inputs[i].date = (gint64) i * 60;
      if (refs != NULL)
        g_ptr_array_add (built->strvs, refs);
    }
  return built;
}

static void
built_free (Built *built)
{
  g_free (built->inputs);
  g_ptr_array_unref (built->strvs);
  g_free (built);
}

/* "A(B(C) D)" for a tree; "_" for a missing parent. */
static void
describe (GString          *out,
          OpMailThreadNode *node)
{
  g_string_append (out, node->message != NULL ? node->message->message_id : "_");
  if (node->children->len > 0)
    {
      g_string_append_c (out, '(');
      for (guint i = 0; i < node->children->len; i++)
        {
          OpMailThreadNode *child = g_ptr_array_index (node->children, i);
          if (i > 0)
            g_string_append_c (out, ' ');
          g_assert_true (child->parent == node);
          describe (out, child);
        }
      g_string_append_c (out, ')');
    }
}

static char *
thread (const Fixture *fixtures,
        gsize          n)
{
  Built *built = build (fixtures, n);
  g_autoptr(GPtrArray) roots = op_mail_thread_build (built->inputs, n);
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < roots->len; i++)
    {
      OpMailThreadNode *root = g_ptr_array_index (roots, i);
      if (i > 0)
        g_string_append (out, " | ");
      g_assert_null (root->parent);
      describe (out, root);
    }
  built_free (built);
  return g_string_free (out, FALSE);
}

static void
test_references (void)
{
  const Fixture f[] = {
    { "a", NULL, NULL, "Plans" },
    { "b", "a", "a", "Re: Plans" },
    { "c", "b", "a b", "Re: Plans" },
    { "d", "a", "a", "Re: Plans" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "a(b(c) d)");
}

static void
test_out_of_order (void)
{
  /* The replies arrive before the message they answer. */
  const Fixture f[] = {
    { "c", "b", "a b", "Re: Plans" },
    { "b", "a", "a", "Re: Plans" },
    { "a", NULL, NULL, "Plans" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "a(b(c))");
}

static void
test_missing_parents (void)
{
  /* Two replies to a message we never got stay together under an empty container; a
   * single reply to a missing message becomes a root itself. */
  const Fixture f[] = {
    { "b", "x", "x", "Re: Lost" },
    { "c", "x", "x", "Re: Lost" },
    { "d", "y", "w y", "Re: Alone" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "_(b c) | d");
}

static void
test_missing_middle (void)
{
  /* c's parent b is missing, but c's References name a: c hangs under a. */
  const Fixture f[] = {
    { "a", NULL, NULL, "Plans" },
    { "c", "b", "a b", "Re: Plans" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "a(c)");
}

static void
test_loops (void)
{
  /* a says it answers b, b says it answers a; c references itself. Every message
   * appears exactly once and nothing loops. */
  const Fixture f[] = {
    { "a", "b", "b", "One" },
    { "b", "a", "a", "Two" },
    { "c", "c", "c", "Three" },
    { "d", "e", "d e", "Four" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_nonnull (strstr (got, "c"));
  g_assert_nonnull (strstr (got, "d"));
  /* a and b are in one tree, one under the other. */
  g_assert_true (strstr (got, "b(a)") != NULL || strstr (got, "a(b)") != NULL);
  {
    guint count[4] = { 0 };
    for (const char *p = got; *p != '\0'; p++)
      if (*p >= 'a' && *p <= 'd')
        count[*p - 'a']++;
    for (guint i = 0; i < 4; i++)
      g_assert_cmpuint (count[i], ==, 1);
  }
}

static void
test_duplicate_ids (void)
{
  /* The same Message-ID twice (a copy in Sent and Inbox): both kept. */
  const Fixture f[] = {
    { "a", NULL, NULL, "Plans" },
    { "a", NULL, NULL, "Plans" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "a | a");
}

static void
test_subject_replies (void)
{
  /* Replies without References join their original by subject, whichever came first;
   * two messages that are not replies are not grouped by subject alone. */
  const Fixture f[] = {
    { "r1", NULL, NULL, "Re: Lunch?" },
    { "o", NULL, NULL, "Lunch?" },
    { "r2", NULL, NULL, "RE:  lunch?" },
    { "h1", NULL, NULL, "Hello" },
    { "h2", NULL, NULL, "Hello" },
    { "z", NULL, NULL, "回复：Lunch?" },
  };
  g_autofree char *got = thread (f, G_N_ELEMENTS (f));

  g_assert_cmpstr (got, ==, "o(r1 r2 z) | h1 | h2");
}

static void
test_subject_key (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "Re: Fwd: AW: 回复：Hello  World ", "hello world" },
    { "RE[2]: Budget", "budget" },
    { "Fw: re:Budget", "budget" },
    { "Reply to all", "reply to all" },
    { "", "" },
    { NULL, "" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *key = op_mail_thread_subject_key (cases[i].in);
      g_assert_cmpstr (key, ==, cases[i].out);
    }
  g_assert_true (op_mail_thread_subject_is_reply ("Re: x"));
  g_assert_true (op_mail_thread_subject_is_reply ("答复：x"));
  g_assert_false (op_mail_thread_subject_is_reply ("Fwd: x"));
  g_assert_false (op_mail_thread_subject_is_reply ("Regarding x"));
}

static void
test_parse_ids (void)
{
  g_auto(GStrv) ids = op_mail_thread_parse_ids ("<a@b> junk <c@d>\r\n\t<a@b> <bad id> <<e@f>");
  g_autoptr(GString) many = g_string_new (NULL);
  g_auto(GStrv) capped = NULL;

  g_assert_cmpuint (g_strv_length (ids), ==, 3);
  g_assert_cmpstr (ids[0], ==, "a@b");
  g_assert_cmpstr (ids[1], ==, "c@d");
  g_assert_cmpstr (ids[2], ==, "e@f");

  for (guint i = 0; i < 150; i++)
    g_string_append_printf (many, "<%u@x> ", i);
  capped = op_mail_thread_parse_ids (many->str);
  g_assert_cmpuint (g_strv_length (capped), ==, 100);
  g_assert_cmpstr (capped[99], ==, "149@x");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/mail/thread/references", test_references);
  g_test_add_func ("/mail/thread/out-of-order", test_out_of_order);
  g_test_add_func ("/mail/thread/missing-parents", test_missing_parents);
  g_test_add_func ("/mail/thread/missing-middle", test_missing_middle);
  g_test_add_func ("/mail/thread/loops", test_loops);
  g_test_add_func ("/mail/thread/duplicate-ids", test_duplicate_ids);
  g_test_add_func ("/mail/thread/subject-only-replies", test_subject_replies);
  g_test_add_func ("/mail/thread/subject-key", test_subject_key);
  g_test_add_func ("/mail/thread/parse-ids", test_parse_ids);

  return g_test_run ();
}
