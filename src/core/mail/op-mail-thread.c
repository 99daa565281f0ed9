/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <string.h>

#include "op-mail-thread.h"

/* A References header of a long thread can hold hundreds of ids; the newest ones
 * matter (the parent is the last), and a bound keeps hostile headers cheap. */
#define MAX_REFERENCES 100

typedef OpMailThreadNode Node;

static Node *
node_new (const OpMailThreadInput *message)
{
  Node *node = g_new0 (Node, 1);

  node->message = message;
  node->children = g_ptr_array_new ();
  return node;
}

static void
node_free (Node *node)
{
  for (guint i = 0; i < node->children->len; i++)
    node_free (g_ptr_array_index (node->children, i));
  g_ptr_array_unref (node->children);
  g_free (node);
}

/* TRUE when @a is @b or one of @b's ancestors. */
static gboolean
is_ancestor_or_self (Node *a,
                     Node *b)
{
  for (Node *n = b; n != NULL; n = n->parent)
    if (n == a)
      return TRUE;
  return FALSE;
}

static void
unlink_node (Node *node)
{
  if (node->parent == NULL)
    return;
  g_ptr_array_remove (node->parent->children, node);
  node->parent = NULL;
}

static void
link_node (Node *parent,
           Node *child)
{
  g_assert (child->parent == NULL);
  child->parent = parent;
  g_ptr_array_add (parent->children, child);
}

/* The subject of a root: its message's, or for a missing parent its first child's. */
static const char *
node_subject (Node *node)
{
  if (node->message != NULL)
    return node->message->subject;
  for (guint i = 0; i < node->children->len; i++)
    {
      Node *child = g_ptr_array_index (node->children, i);
      if (child->message != NULL)
        return child->message->subject;
    }
  return NULL;
}

static gint64
node_date (Node *node)
{
  gint64 best = G_MAXINT64;

  if (node->message != NULL)
    return node->message->date;
  for (guint i = 0; i < node->children->len; i++)
    best = MIN (best, node_date (g_ptr_array_index (node->children, i)));
  return best;
}

static int
compare_nodes (gconstpointer a,
               gconstpointer b)
{
  gint64 da = node_date (*(Node **) a);
  gint64 db = node_date (*(Node **) b);

  return da < db ? -1 : da > db ? 1 : 0;
}

static void
sort_tree (GPtrArray *nodes)
{
  g_ptr_array_sort (nodes, compare_nodes);
  for (guint i = 0; i < nodes->len; i++)
    sort_tree (((Node *) g_ptr_array_index (nodes, i))->children);
}

/* jwz step 4: drop empty containers without children; promote the children of an empty
 * container, except at the top where only a single child is promoted (so siblings
 * whose parent is missing stay together). */
static void
prune (GPtrArray *siblings,
       Node      *parent)
{
  for (guint i = 0; i < siblings->len;)
    {
      Node *node = g_ptr_array_index (siblings, i);

      prune (node->children, node);

      if (node->message == NULL && node->children->len == 0)
        {
          g_ptr_array_remove_index (siblings, i);
          node_free (node);
          continue;
        }
      if (node->message == NULL && (parent != NULL || node->children->len == 1))
        {
          GPtrArray *kids = node->children;

          g_ptr_array_remove_index (siblings, i);
          for (guint k = 0; k < kids->len; k++)
            {
              Node *kid = g_ptr_array_index (kids, k);
              kid->parent = parent;
              g_ptr_array_insert (siblings, i + k, kid);
            }
          g_ptr_array_set_size (kids, 0);
          node_free (node);
          /* Look at the promoted children again (they are already pruned). */
          continue;
        }
      i++;
    }
}

static gboolean
root_is_reply (Node *node)
{
  /* A missing parent stands for an earlier message: whatever hangs there is a reply. */
  return node->message == NULL || op_mail_thread_subject_is_reply (node->message->subject);
}

GPtrArray *
op_mail_thread_build (const OpMailThreadInput *messages,
                      gsize                    n_messages)
{
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) subjects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) all = g_ptr_array_new ();
  GPtrArray *roots = g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);

  /* Step 1: containers by message id, linked along each message's references. */
  for (gsize m = 0; m < n_messages; m++)
    {
      const OpMailThreadInput *msg = &messages[m];
      g_autoptr(GPtrArray) refs = g_ptr_array_new ();
      Node *self = NULL;
      Node *prev = NULL;

      if (msg->message_id != NULL && *msg->message_id != '\0')
        {
          self = g_hash_table_lookup (ids, msg->message_id);
          if (self != NULL && self->message != NULL)
            self = NULL; /* a duplicate id: thread the copy on its own */
          else if (self != NULL)
            self->message = msg;
        }
      if (self == NULL)
        {
          self = node_new (msg);
          g_ptr_array_add (all, self);
          if (msg->message_id != NULL && *msg->message_id != '\0'
              && !g_hash_table_contains (ids, msg->message_id))
            g_hash_table_insert (ids, (char *) msg->message_id, self);
        }

      for (const char * const *r = msg->references; r != NULL && *r != NULL; r++)
        g_ptr_array_add (refs, (char *) *r);
      if (msg->in_reply_to != NULL && *msg->in_reply_to != '\0'
          && (refs->len == 0
              || strcmp (g_ptr_array_index (refs, refs->len - 1), msg->in_reply_to) != 0))
        g_ptr_array_add (refs, (char *) msg->in_reply_to);

      for (guint r = 0; r < refs->len; r++)
        {
          const char *id = g_ptr_array_index (refs, r);
          Node *ref = g_hash_table_lookup (ids, id);

          if (ref == NULL)
            {
              ref = node_new (NULL);
              g_ptr_array_add (all, ref);
              g_hash_table_insert (ids, (char *) id, ref);
            }
          /* Link consecutive references unless one already has a parent or it would
           * make a loop. */
          if (prev != NULL && ref->parent == NULL && !is_ancestor_or_self (ref, prev))
            link_node (prev, ref);
          prev = ref;
        }

      /* The message's own references are the best word on its parent. */
      if (prev != NULL && prev != self && !is_ancestor_or_self (self, prev))
        {
          unlink_node (self);
          link_node (prev, self);
        }
      else if (prev == NULL)
        unlink_node (self);
    }

  /* Step 2: the root set. */
  for (guint i = 0; i < all->len; i++)
    {
      Node *node = g_ptr_array_index (all, i);
      if (node->parent == NULL)
        g_ptr_array_add (roots, node);
    }
  /* Steps 3 and 4. */
  g_ptr_array_set_free_func (roots, NULL);
  prune (roots, NULL);
  g_ptr_array_set_free_func (roots, (GDestroyNotify) node_free);

  /* Step 5: group roots by subject. A reply (or a tree whose root is missing) joins the
   * root with the same subject; two messages that are not replies are not grouped by
   * subject alone (they are often unrelated: "Hello", "Invoice"). */
  for (guint i = 0; i < roots->len; i++)
    {
      Node *node = g_ptr_array_index (roots, i);
      g_autofree char *key = op_mail_thread_subject_key (node_subject (node));
      Node *old;

      if (*key == '\0')
        continue;
      old = g_hash_table_lookup (subjects, key);
      if (old == NULL
          || (old->message != NULL && node->message == NULL)
          || (root_is_reply (old) && !root_is_reply (node)))
        g_hash_table_replace (subjects, g_steal_pointer (&key), node);
    }
  for (guint i = 0; i < roots->len;)
    {
      Node *node = g_ptr_array_index (roots, i);
      g_autofree char *key = op_mail_thread_subject_key (node_subject (node));
      Node *that;

      that = *key != '\0' ? g_hash_table_lookup (subjects, key) : NULL;
      if (that == NULL || that == node || (!root_is_reply (node) && !root_is_reply (that)))
        {
          i++;
          continue;
        }

      g_ptr_array_steal_index (roots, i);
      if (that->message == NULL && node->message == NULL)
        {
          /* Both missing parents: one holds the children of both. */
          while (node->children->len > 0)
            {
              Node *kid = g_ptr_array_index (node->children, 0);
              unlink_node (kid);
              link_node (that, kid);
            }
          node_free (node);
        }
      else if (that->message == NULL || !root_is_reply (that) || root_is_reply (node))
        link_node (that, node);
      else
        {
          /* @that is a reply and @node its original: @node takes @that's place. */
          guint pos;

          g_ptr_array_find (roots, that, &pos);
          roots->pdata[pos] = node;
          link_node (node, that);
          g_hash_table_replace (subjects, g_strdup (key), node);
          /* The nodes after @pos still to be visited are unchanged; @node at @pos is
           * already placed. */
        }
      /* Removing index i shifted the next root into i. */
    }

  sort_tree (roots);
  return roots;
}

/* Prefixes of replies and forwards in the languages mail clients write them in. */
static const char * const reply_prefixes[] = {
  "re", "aw", "sv", "vs", "antw", "odp", "ynt", "res", "回复", "回覆", "答复", "答覆", NULL
};
static const char * const forward_prefixes[] = {
  "fwd", "fw", "wg", "tr", "rv", "enc", "转发", "轉寄", NULL
};

/* If @s starts with a prefix of @list followed by an optional "[n]" and ":" or "：",
 * returns the text after it, else NULL. */
static const char *
skip_prefix (const char         *s,
             const char * const *list)
{
  for (const char * const *p = list; *p != NULL; p++)
    {
      gsize n = strlen (*p);
      const char *rest;

      if (g_ascii_strncasecmp (s, *p, n) != 0)
        continue;
      rest = s + n;
      if (*rest == '[')
        {
          const char *close = strchr (rest, ']');
          if (close == NULL || close - rest > 6)
            continue;
          rest = close + 1;
        }
      if (*rest == ':')
        return rest + 1;
      if (g_str_has_prefix (rest, "："))
        return rest + strlen ("：");
    }
  return NULL;
}

static const char *
skip_space (const char *s)
{
  while (g_ascii_isspace (*s))
    s++;
  return s;
}

gboolean
op_mail_thread_subject_is_reply (const char *subject)
{
  if (subject == NULL)
    return FALSE;
  return skip_prefix (skip_space (subject), reply_prefixes) != NULL;
}

char *
op_mail_thread_subject_key (const char *subject)
{
  const char *s;
  GString *out;
  g_autofree char *folded = NULL;
  gboolean space = FALSE;

  if (subject == NULL)
    return g_strdup ("");

  s = skip_space (subject);
  for (;;)
    {
      const char *rest = skip_prefix (s, reply_prefixes);
      if (rest == NULL)
        rest = skip_prefix (s, forward_prefixes);
      if (rest == NULL)
        break;
      s = skip_space (rest);
    }

  /* Collapse runs of white space, so refolded subjects compare equal. */
  out = g_string_new (NULL);
  for (; *s != '\0'; s++)
    {
      if (g_ascii_isspace (*s))
        {
          space = TRUE;
          continue;
        }
      if (space && out->len > 0)
        g_string_append_c (out, ' ');
      space = FALSE;
      g_string_append_c (out, *s);
    }
  if (!g_utf8_validate (out->str, out->len, NULL))
    return g_string_free (out, FALSE);
  folded = g_string_free (out, FALSE);
  return g_utf8_casefold (folded, -1);
}

GStrv
op_mail_thread_parse_ids (const char *header)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  const char *p = header;
  guint start;

  while (p != NULL && (p = strchr (p, '<')) != NULL)
    {
      const char *end = strchr (p + 1, '>');
      const char *next_open;
      char *id;

      if (end == NULL)
        break;
      /* "<a <b@c>": the id starts at the last '<' before '>'. */
      next_open = memchr (p + 1, '<', end - p - 1);
      if (next_open != NULL)
        {
          p = next_open;
          continue;
        }
      id = g_strndup (p + 1, end - p - 1);
      g_strstrip (id);
      if (*id == '\0' || strpbrk (id, " \t\r\n") != NULL || g_hash_table_contains (seen, id)
          || !g_utf8_validate (id, -1, NULL))
        g_free (id);
      else
        {
          g_ptr_array_add (found, id);
          g_hash_table_add (seen, id);
        }
      p = end + 1;
    }

  start = found->len > MAX_REFERENCES ? found->len - MAX_REFERENCES : 0;
  for (guint i = start; i < found->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (found, i));
  return g_strv_builder_end (builder);
}
