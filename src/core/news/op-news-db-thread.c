/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "nntp/op-nntp-reply.h"
#include "op-mime.h"
#include "op-news-db-private.h"

/*
 * Threading (op-news-db.h): overviews stored and threaded as they arrive, and expiry.
 * While one batch is threaded, the nodes it reads and writes are cached on its
 * connection (a thread's articles arrive together and name the same ancestors over and
 * over).
 */
/* Threads deeper than this are flattened at this level (real threads stay far below;
 * the bound keeps keys and the loop check bounded). */
#define MAX_LEVELS 48
/* jwz keeps every reference; a hostile References header may list thousands. */
#define MAX_REFERENCES 64

/* --- decoding fast paths -------------------------------------------------------- */

/* Printable ASCII without an encoded word decodes to itself (GMime copies words and
 * the blanks between them); only the rest goes through GMime, which costs as much as
 * storing the article. */
static char *
decode_header_text (const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    if ((guchar)*p < 0x20 || (guchar)*p > 0x7e || (p[0] == '=' && p[1] == '?'))
      return g_mime_utils_header_decode_text (NULL, text);
  return g_strdup (text);
}

static gboolean
parse_digits (const char **p, guint min_digits, guint max_digits, int *value)
{
  guint n = 0;

  *value = 0;
  while (n < max_digits && g_ascii_isdigit ((*p)[n]))
    *value = *value * 10 + ((*p)[n++] - '0');
  *p += n;
  return n >= min_digits;
}

/* The date every server writes, "[Www, ]D Mmm YYYY HH:MM[:SS] +ZZZZ" (RFC 5322 3.3
 * without comments or obsolete forms), as seconds since 1970. FALSE for anything else,
 * which GMime's lenient parser then reads: the same value for what this one accepts,
 * and a tenth of its cost. */
static gboolean
parse_plain_date (const char *text, gint64 *unix_time)
{
  static const char        months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  static const char *const weekdays[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  const char              *p = text;
  int day, month = 0, year, hour, minute, second = 0, zone_hours, zone_minutes, sign;

  while (*p == ' ')
    p++;
  if (g_ascii_isalpha (*p))
    {
      gboolean known = FALSE;

      for (guint i = 0; i < G_N_ELEMENTS (weekdays) && !known; i++)
        known = strncmp (p, weekdays[i], 3) == 0;
      if (!known || p[3] != ',')
        return FALSE;
      p += 4;
      while (*p == ' ')
        p++;
    }
  if (!parse_digits (&p, 1, 2, &day) || *p++ != ' ')
    return FALSE;
  for (int m = 0; m < 12 && month == 0; m++)
    if (strncmp (p, months + 3 * m, 3) == 0)
      month = m + 1;
  if (month == 0 || p[3] != ' ')
    return FALSE;
  p += 4;
  if (!parse_digits (&p, 4, 4, &year) || *p++ != ' ' || !parse_digits (&p, 2, 2, &hour)
      || *p++ != ':' || !parse_digits (&p, 2, 2, &minute))
    return FALSE;
  if (*p == ':' && (p++, !parse_digits (&p, 2, 2, &second)))
    return FALSE;
  if (*p++ != ' ' || (*p != '+' && *p != '-'))
    return FALSE;
  sign = *p++ == '-' ? -1 : 1;
  if (!parse_digits (&p, 2, 2, &zone_hours) || !parse_digits (&p, 2, 2, &zone_minutes))
    return FALSE;
  while (*p == ' ')
    p++;
  if (*p != '\0')
    return FALSE;
  if (year < 1970 || year > 2999 || day < 1 || hour > 23 || minute > 59 || second > 59
      || zone_hours > 14 || zone_minutes > 59)
    return FALSE;
  if (!g_date_valid_dmy ((GDateDay)day, (GDateMonth)month, (GDateYear)year))
    return FALSE;
  {
    GDate civil;

    /* Julian day 1 is 1 January of year 1; 719,163 days later is 1 January 1970. */
    g_date_clear (&civil, 1);
    g_date_set_dmy (&civil, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
    *unix_time = ((gint64)g_date_get_julian (&civil) - 719163) * 86400 + hour * 3600 + minute * 60
                 + second - sign * (zone_hours * 3600 + zone_minutes * 60);
  }
  return TRUE;
}

/* --- threading ---------------------------------------------------------------- */

typedef struct
{
  gboolean exists;
  gboolean real;   /* an article, not a placeholder */
  char    *parent; /* nullable */
  char    *path;
  gint64   depth;
} Node;

static void
node_clear (Node *node)
{
  g_clear_pointer (&node->parent, g_free);
  g_clear_pointer (&node->path, g_free);
  node->exists = FALSE;
}

/* One allocation per node: the struct, then its Message-ID (the table's key), parent
 * and path, so caching a node costs one malloc and one free. */
typedef struct
{
  gint64      group_id;
  gboolean    real;
  const char *parent; /* nullable; inside the allocation */
  const char *path;   /* inside the allocation */
  gint64      depth;
  char        strings[];
} CachedNode;

/* Starts or ends caching nodes on @db (one batch, one transaction). */
static void
node_cache_enable (sqlite3 *db, gboolean enable)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);

  g_clear_pointer (&connection->nodes, g_hash_table_unref);
  if (enable)
    connection->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

/* Remembers what the database now holds for @message_id (when caching). */
static void
node_cache_put (sqlite3 *db, gint64 group_id, const char *message_id, gboolean real,
                const char *parent, const char *path, gint64 depth)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);
  gsize               id_size = strlen (message_id) + 1;
  gsize               parent_size = parent != NULL ? strlen (parent) + 1 : 0;
  gsize               path_size = strlen (path) + 1;
  CachedNode         *cached;
  char               *p;

  if (connection->nodes == NULL)
    return;
  cached = g_malloc (sizeof (CachedNode) + id_size + parent_size + path_size);
  cached->group_id = group_id;
  cached->real = real;
  cached->depth = depth;
  p = cached->strings;
  memcpy (p, message_id, id_size);
  p += id_size;
  cached->parent = parent != NULL ? memcpy (p, parent, parent_size) : NULL;
  p += parent_size;
  cached->path = memcpy (p, path, path_size);
  /* replace, not insert: the key lives in the value, so the old one must go with it. */
  g_hash_table_replace (connection->nodes, cached->strings, cached);
}

/* A write that may change other nodes (a subtree moved): forget them all. */
static void
node_cache_forget_all (sqlite3 *db)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);

  if (connection->nodes != NULL)
    g_hash_table_remove_all (connection->nodes);
}

/* @message_id's node as this batch has seen it, not copied (NULL when caching is off or
 * the batch has not seen it). */
static const CachedNode *
peek_node (sqlite3 *db, gint64 group_id, const char *message_id)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);
  const CachedNode   *cached;

  if (connection->nodes == NULL)
    return NULL;
  cached = g_hash_table_lookup (connection->nodes, message_id);
  return cached != NULL && cached->group_id == group_id ? cached : NULL;
}

static gboolean
load_node (sqlite3 *db, gint64 group_id, const char *message_id, Node *node, GError **error)
{
  OpNewsDbConnection *connection = _op_news_db_connection (db);
  sqlite3_stmt       *stmt;
  int                 rc;

  node_clear (node);
  if (connection->nodes != NULL)
    {
      CachedNode *cached = g_hash_table_lookup (connection->nodes, message_id);

      if (cached != NULL && cached->group_id == group_id)
        {
          node->exists = TRUE;
          node->real = cached->real;
          node->parent = g_strdup (cached->parent);
          node->path = g_strdup (cached->path);
          node->depth = cached->depth;
          return TRUE;
        }
    }
  stmt = _op_news_db_prepare (db,
                              "SELECT number IS NOT NULL, parent, path, depth FROM nodes "
                              "WHERE group_id = ? AND message_id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_static (stmt, 2, message_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      node->exists = TRUE;
      node->real = sqlite3_column_int (stmt, 0) != 0;
      node->parent = g_strdup ((const char *)sqlite3_column_text (stmt, 1));
      node->path = g_strdup ((const char *)sqlite3_column_text (stmt, 2));
      node->depth = sqlite3_column_int64 (stmt, 3);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return _op_news_db_fail (db, error);
  if (node->exists)
    node_cache_put (db, group_id, message_id, node->real, node->parent, node->path, node->depth);
  return TRUE;
}

/* @value in @digits lower-case hex digits at @out (no terminator). printf costs more
 * than the rest of a key's making, and every stored article makes one. */
static void
put_hex (char *out, guint64 value, guint digits)
{
  static const char hex[] = "0123456789abcdef";

  while (digits-- > 0)
    {
      out[digits] = hex[value & 0xf];
      value >>= 4;
    }
}

static char *
make_component (gint64 date, guint64 number)
{
  guint64 d = date < 0 ? 0 : MIN ((guint64)date, G_GUINT64_CONSTANT (0xffffffff));
  guint64 n = MIN (number, G_GUINT64_CONSTANT (0xffffffffff));
  char   *component = g_malloc (COMPONENT_LENGTH + 1);

  put_hex (component, d, COMPONENT_DATE_DIGITS);
  put_hex (component + COMPONENT_DATE_DIGITS, n, COMPONENT_NUMBER_DIGITS);
  component[COMPONENT_LENGTH] = '\0';
  return component;
}

/* The last component of a node's key: where it sorts among its siblings. */
static char *
own_component (const char *path)
{
  gsize n = strlen (path);

  return g_strdup (path + n - MIN (n, (gsize)COMPONENT_LENGTH));
}

/* The key of a child of @parent_path with @component; flattened at MAX_LEVELS. */
static char *
child_path (const char *parent_path, const char *component)
{
  gsize n = parent_path != NULL ? strlen (parent_path) : 0;

  gsize m = strlen (component);
  char *path;

  n = MIN (n, (gsize)(MAX_LEVELS - 1) * COMPONENT_LENGTH);
  path = g_malloc (n + m + 1);
  if (n > 0)
    memcpy (path, parent_path, n);
  memcpy (path + n, component, m + 1);
  return path;
}

/* TRUE when @ancestor is @node_id or one of its ancestors (following parents up). */
static gboolean
is_ancestor (sqlite3 *db, gint64 group_id, const char *ancestor, const char *node_id,
             gboolean *result, GError **error)
{
  g_autofree char *current = g_strdup (node_id);

  *result = FALSE;
  for (guint steps = 0; current != NULL && steps <= MAX_LEVELS * 4; steps++)
    {
      Node node = { 0 };

      if (g_str_equal (current, ancestor))
        {
          *result = TRUE;
          return TRUE;
        }
      if (!load_node (db, group_id, current, &node, error))
        return FALSE;
      g_free (current);
      current = g_steal_pointer (&node.parent);
      node_clear (&node);
    }
  /* A chain this long is already broken somewhere: refuse to add to it. */
  *result = current != NULL;
  return TRUE;
}

/* Moves @message_id's subtree: the node gets @new_path / @new_depth / @parent, and
 * every descendant the same change of prefix and depth. @descendant_extra adds to the
 * descendants' depth (1 when the node turned from placeholder into article). */
static gboolean
move_subtree (sqlite3 *db, gint64 group_id, const char *message_id, const Node *old,
              const char *parent, const char *new_path, gint64 new_depth, gint64 descendant_extra,
              GError **error)
{
  sqlite3_stmt    *stmt;
  g_autofree char *upper = NULL;

  node_cache_forget_all (db);
  if (old->exists && old->path != NULL
      && (!g_str_equal (old->path, new_path) || new_depth != old->depth || descendant_extra != 0))
    {
      /* Descendants: their keys start with the old key ("g" sorts after every hex
       * digit, so [old, old + "g") is exactly the subtree, the node excluded). */
      upper = g_strconcat (old->path, "g", NULL);
      stmt = _op_news_db_prepare (
          db,
          "UPDATE nodes SET path = ?1 || substr (path, ?2), depth = depth + ?3 "
          "WHERE group_id = ?4 AND path > ?5 AND path < ?6",
          error);
      if (stmt == NULL)
        return FALSE;
      bind_static (stmt, 1, new_path);
      sqlite3_bind_int64 (stmt, 2, (gint64)strlen (old->path) + 1);
      sqlite3_bind_int64 (stmt, 3, new_depth - old->depth + descendant_extra);
      sqlite3_bind_int64 (stmt, 4, group_id);
      bind_static (stmt, 5, old->path);
      bind_static (stmt, 6, upper);
      if (!_op_news_db_step_done (db, stmt, error))
        return FALSE;
    }
  stmt = _op_news_db_prepare (db,
                              "UPDATE nodes SET parent = ?1, path = ?2, depth = ?3 "
                              "WHERE group_id = ?4 AND message_id = ?5",
                              error);
  if (stmt == NULL)
    return FALSE;
  bind_static (stmt, 1, parent);
  bind_static (stmt, 2, new_path);
  sqlite3_bind_int64 (stmt, 3, new_depth);
  sqlite3_bind_int64 (stmt, 4, group_id);
  bind_static (stmt, 5, message_id);
  return _op_news_db_step_done (db, stmt, error);
}

/* The depth a child of @parent gets: its real ancestors. */
static gint64
child_depth (const Node *parent)
{
  if (parent == NULL || !parent->exists)
    return 0;
  return parent->depth + (parent->real ? 1 : 0);
}

/* Creates a placeholder for @message_id under @parent (nullable), keyed like the
 * article that first referenced it. */
static gboolean
create_placeholder (sqlite3 *db, gint64 group_id, const char *message_id, const char *parent_id,
                    const Node *parent, const char *component, GError **error)
{
  sqlite3_stmt *stmt = _op_news_db_prepare (
      db,
      "INSERT INTO nodes (group_id, message_id, number, parent, path, depth) "
      "VALUES (?, ?, NULL, ?, ?, ?)",
      error);
  g_autofree char *path = child_path (parent != NULL ? parent->path : NULL, component);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_static (stmt, 2, message_id);
  bind_static (stmt, 3, parent_id);
  bind_static (stmt, 4, path);
  sqlite3_bind_int64 (stmt, 5, child_depth (parent));
  if (!_op_news_db_step_done (db, stmt, error))
    return FALSE;
  node_cache_put (db, group_id, message_id, FALSE, parent_id, path, child_depth (parent));
  return TRUE;
}

/* Hangs @message_id (existing) under @parent_id (existing, or NULL for a root), unless
 * that would make a loop; recomputes its key with @component. */
static gboolean
attach (sqlite3 *db, gint64 group_id, const char *message_id, const char *parent_id,
        const char *component, gint64 descendant_extra, GError **error)
{
  Node node = { 0, }, parent = { 0 };
  g_autofree char *path = NULL;
  gboolean         ok = FALSE;

  if (parent_id != NULL)
    {
      gboolean loop = FALSE;

      if (!is_ancestor (db, group_id, message_id, parent_id, &loop, error))
        goto out;
      if (loop)
        parent_id = NULL; /* jwz: a link that would close a loop is not made */
    }
  if (!load_node (db, group_id, message_id, &node, error)
      || (parent_id != NULL && !load_node (db, group_id, parent_id, &parent, error)))
    goto out;
  path = child_path (parent_id != NULL ? parent.path : NULL, component);
  ok = move_subtree (db, group_id, message_id, &node, parent_id, path,
                     parent_id != NULL ? child_depth (&parent) : 0, descendant_extra, error);

out:
  node_clear (&node);
  node_clear (&parent);
  return ok;
}

/* "Re: Re: x", "RE[2]: x", "Aw: x", "Fwd: x" → "x", lower-cased for comparison.
 * *@is_reply tells whether a prefix was there. */
static char *
base_subject (const char *subject, gboolean *is_reply)
{
  const char *p = subject;
  gboolean    found = FALSE;

  for (;;)
    {
      static const char *const prefixes[] = { "re", "aw", "sv", "fwd", "fw" };
      const char              *q = NULL;

      while (*p == ' ')
        p++;
      for (guint i = 0; i < G_N_ELEMENTS (prefixes) && q == NULL; i++)
        {
          gsize n = strlen (prefixes[i]);

          if (g_ascii_strncasecmp (p, prefixes[i], n) != 0)
            continue;
          q = p + n;
          if (*q == '[')
            {
              while (g_ascii_isdigit (*++q))
                ;
              if (*q != ']')
                {
                  q = NULL;
                  continue;
                }
              q++;
            }
          if (*q != ':')
            q = NULL;
        }
      if (q == NULL)
        break;
      p = q + 1;
      found = TRUE;
    }
  *is_reply = found;
  /* ASCII folds by lowering A-Z alone; g_utf8_casefold costs as much as an insert. */
  for (const char *q = p; *q != '\0'; q++)
    if ((guchar)*q >= 0x80)
      return g_utf8_casefold (p, -1);
  return g_ascii_strdown (p, -1);
}

typedef struct
{
  const char *group;
  GPtrArray  *overviews;
} AddJob;

/* The References of @ov, valid ids only, no duplicates, the last MAX_REFERENCES. Split
 * in place: this runs for every stored article. */
static GPtrArray *
split_references (const char *references, const char *own_id)
{
  GPtrArray  *refs = g_ptr_array_new_with_free_func (g_free);
  gsize       lengths[MAX_REFERENCES + 1]; /* of refs' items, to compare only likely twins */
  const char *p = references;

  while (*p != '\0')
    {
      const char *start;
      gsize       n;
      gboolean    seen = FALSE;

      while (*p == ' ' || *p == '\t')
        p++;
      start = p;
      while (*p != '\0' && *p != ' ' && *p != '\t')
        p++;
      n = p - start;
      if (n == 0 || !op_nntp_message_id_is_valid (start, n)
          || (strncmp (start, own_id, n) == 0 && own_id[n] == '\0'))
        continue;
      /* A later repetition wins over an earlier one: drop the earlier. */
      for (guint k = 0; k < refs->len && !seen; k++)
        if (lengths[k] == n && memcmp (g_ptr_array_index (refs, k), start, n) == 0)
          {
            g_ptr_array_remove_index (refs, k);
            memmove (lengths + k, lengths + k + 1, (refs->len - k) * sizeof (gsize));
            seen = TRUE;
          }
      lengths[refs->len] = n;
      g_ptr_array_add (refs, g_strndup (start, n));
      if (refs->len > MAX_REFERENCES)
        {
          g_ptr_array_remove_index (refs, 0);
          memmove (lengths, lengths + 1, refs->len * sizeof (gsize));
        }
    }
  return refs;
}

/* What an article's node holds beyond its place in the tree. */
typedef struct
{
  const char *root_subject;   /* base_subject: only roots group by subject */
  const char *orphan_subject; /* a "Re: X" without References or a root X yet waits for X */
  const char *subject;
  const char *author;
  gint64      date;
  gboolean    read;
} ArticleColumns;

/* Binds base_subject, orphan_subject, subject, author, date, bytes, lines, refs and read,
 * in that order, from ?@first on (SQLITE_STATIC: @ov and @article outlive the step). */
static void
bind_article (sqlite3_stmt *stmt, int first, const OpNntpOverview *ov, const ArticleColumns *article)
{
  bind_static (stmt, first, article->root_subject);
  bind_static (stmt, first + 1, article->orphan_subject);
  bind_static (stmt, first + 2, article->subject);
  bind_static (stmt, first + 3, article->author);
  sqlite3_bind_int64 (stmt, first + 4, article->date);
  sqlite3_bind_int64 (stmt, first + 5, (gint64)ov->bytes);
  sqlite3_bind_int64 (stmt, first + 6, (gint64)ov->lines);
  bind_static (stmt, first + 7, ov->references);
  sqlite3_bind_int (stmt, first + 8, article->read ? 1 : 0);
}

static gboolean
add_one (sqlite3 *db, gint64 group_id, const OpNntpOverview *ov, const OpNewsRanges *read,
         guint64 *fetched_high, guint64 *added, GError **error)
{
  g_autoptr (GPtrArray) refs = NULL;
  g_autoptr (GDateTime) when = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *author = NULL;
  g_autofree char *base = NULL;
  g_autofree char *component = NULL;
  g_autofree char *path = NULL;
  const char      *parent_id = NULL;
  g_autofree char *subject_parent = NULL;
  gboolean         is_reply = FALSE;
  gint64           date = 0, depth = 0;
  Node             own = { 0 };
  ArticleColumns   article;
  sqlite3_stmt *stmt;
  gboolean      ok = FALSE;

  *fetched_high = MAX (*fetched_high, ov->number);
  if (ov->number == 0 || !op_nntp_message_id_is_valid (ov->message_id, strlen (ov->message_id)))
    return TRUE;

  if (!parse_plain_date (ov->date, &date))
    {
      when = g_mime_utils_header_decode_date (ov->date);
      date = when != NULL ? g_date_time_to_unix (when) : 0;
    }
  subject = decode_header_text (ov->subject);
  author = decode_header_text (ov->from);
  base = base_subject (subject, &is_reply);
  component = make_component (date, ov->number);
  refs = split_references (ov->references, ov->message_id);

  /* jwz step 1B: link the reference chain, each to the one before it, unless it has a
   * parent already or the link would close a loop. Missing ones become placeholders.
   * (For an article stored already, a batch fetched again, this finds the chain as
   * the first time left it and changes nothing.) */
  for (guint i = 0; i < refs->len; i++)
    {
      const char *ref = g_ptr_array_index (refs, i);
      const char *prev = i > 0 ? g_ptr_array_index (refs, i - 1) : NULL;
      Node        node = { 0 };
      const CachedNode *seen = peek_node (db, group_id, ref);
      gboolean          fine;

      /* Most references are ancestors this batch has linked already: nothing to do,
       * nothing to copy. */
      if (seen != NULL && (seen->parent != NULL || prev == NULL))
        continue;
      if (!load_node (db, group_id, ref, &node, error))
        goto out;
      if (!node.exists)
        {
          Node parent = { 0 };

          fine = (prev == NULL || load_node (db, group_id, prev, &parent, error))
                 && create_placeholder (db, group_id, ref, prev, prev != NULL ? &parent : NULL,
                                        component, error);
          node_clear (&parent);
        }
      else if (node.parent == NULL && prev != NULL)
        {
          g_autofree char *node_component = own_component (node.path);

          fine = attach (db, group_id, ref, prev, node_component, 0, error);
        }
      else
        fine = TRUE;
      node_clear (&node);
      if (!fine)
        goto out;
    }
  if (refs->len > 0)
    parent_id = g_ptr_array_index (refs, refs->len - 1);
  else if (is_reply)
    {
      /* No References but "Re: X": under the thread root whose subject is X. */
      stmt = _op_news_db_prepare (db,
                                  "SELECT message_id FROM nodes INDEXED BY nodes_by_subject "
                                  "WHERE group_id = ? AND base_subject = ? "
                                  "AND parent IS NULL AND number IS NOT NULL ORDER BY path LIMIT 1",
                                  error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, base);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        subject_parent = g_strdup ((const char *)sqlite3_column_text (stmt, 0));
      sqlite3_reset (stmt);
      parent_id = subject_parent;
    }

  /* Where a new node goes: under its parent (mostly one this batch has seen). */
  if (parent_id != NULL)
    {
      const CachedNode *seen = peek_node (db, group_id, parent_id);
      Node              parent = { 0 };

      if (seen != NULL)
        {
          path = child_path (seen->path, component);
          depth = seen->depth + (seen->real ? 1 : 0);
        }
      else
        {
          if (!load_node (db, group_id, parent_id, &parent, error))
            goto out;
          path = child_path (parent.path, component);
          depth = child_depth (&parent);
          node_clear (&parent);
        }
    }
  else
    path = child_path (NULL, component);

  article.root_subject = parent_id == NULL && !is_reply ? base : NULL;
  article.orphan_subject = parent_id == NULL && is_reply ? base : NULL;
  article.subject = subject;
  article.author = author;
  article.date = date;
  article.read = op_news_ranges_contains (read, ov->number);

  /* The article's own node, new in the common case. OR IGNORE: when its Message-ID
   * is there already (a placeholder, or the article itself from a batch fetched again)
   * or its number is (renumbered, or fetched again), nothing is written and the cases
   * are told apart below, so a new article costs no lookup of its own. */
  stmt = _op_news_db_prepare (
      db,
      "INSERT OR IGNORE INTO nodes (group_id, message_id, number, parent, path, depth, "
      "base_subject, orphan_subject, subject, author, date, bytes, lines, refs, read) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      error);
  if (stmt == NULL)
    goto out;
  sqlite3_bind_int64 (stmt, 1, group_id);
  bind_static (stmt, 2, ov->message_id);
  sqlite3_bind_int64 (stmt, 3, (gint64)ov->number);
  bind_static (stmt, 4, parent_id);
  bind_static (stmt, 5, path);
  sqlite3_bind_int64 (stmt, 6, depth);
  bind_article (stmt, 7, ov, &article);
  if (!_op_news_db_step_done (db, stmt, error))
    goto out;
  if (sqlite3_changes (db) > 0)
    node_cache_put (db, group_id, ov->message_id, TRUE, parent_id, path, depth);
  else
    {
      if (!load_node (db, group_id, ov->message_id, &own, error))
        goto out;
      /* Its number is taken (fetched again), or its Message-ID is an article's under
       * another number (the server renumbered: the first one stays). */
      if (!own.exists || own.real)
        {
          ok = TRUE;
          goto out;
        }
      /* A placeholder that now gets its article: its subtree counts one more real
       * ancestor. */
      stmt = _op_news_db_prepare (
          db,
          "UPDATE nodes SET number = ?, base_subject = ?, orphan_subject = ?, subject = ?, "
          "author = ?, date = ?, bytes = ?, lines = ?, refs = ?, read = ? "
          "WHERE group_id = ? AND message_id = ?",
          error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, (gint64)ov->number);
      bind_article (stmt, 2, ov, &article);
      sqlite3_bind_int64 (stmt, 11, group_id);
      bind_static (stmt, 12, ov->message_id);
      node_cache_forget_all (db);
      if (!_op_news_db_step_done (db, stmt, error)
          || !attach (db, group_id, ov->message_id, parent_id, component, 1, error))
        goto out;
    }

  /* An original "X" that arrives after its "Re: X" replies without References
   * collects them (jwz step 5, done as articles arrive). */
  if (parent_id == NULL && !is_reply)
    {
      g_autoptr (GPtrArray) orphans = g_ptr_array_new_with_free_func (g_free);

      /* INDEXED BY: without statistics SQLite would walk the whole group by its
       * primary key. */
      stmt = _op_news_db_prepare (db,
                                  "SELECT message_id FROM nodes INDEXED BY nodes_by_orphan_subject "
                                  "WHERE group_id = ? AND orphan_subject = ? AND parent IS NULL",
                                  error);
      if (stmt == NULL)
        goto out;
      sqlite3_bind_int64 (stmt, 1, group_id);
      bind_text (stmt, 2, base);
      while (sqlite3_step (stmt) == SQLITE_ROW)
        g_ptr_array_add (orphans, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
      sqlite3_reset (stmt);
      for (guint i = 0; i < orphans->len; i++)
        {
          const char *orphan = g_ptr_array_index (orphans, i);
          Node        node = { 0 };
          g_autofree char *orphan_component = NULL;
          gboolean         fine;

          if (!load_node (db, group_id, orphan, &node, error))
            goto out;
          orphan_component = own_component (node.path);
          node_clear (&node);
          fine = attach (db, group_id, orphan, ov->message_id, orphan_component, 0, error);
          if (!fine
              || !_op_news_db_run_text (db,
                                        "UPDATE nodes SET orphan_subject = NULL "
                                        "WHERE group_id = ?1 AND message_id = ?2",
                                        group_id, orphan, error))
            goto out;
        }
    }
  (*added)++;
  ok = TRUE;

out:
  node_clear (&own);
  return ok;
}

static gboolean
add_overviews_locked (sqlite3 *db, gpointer data, GError **error)
{
  AddJob *job = data;
  gint64  group_id
      = _op_news_db_group_id (db, job->group, TRUE, g_get_real_time () / G_USEC_PER_SEC, error);
  g_autoptr (OpNewsRanges) read = NULL;
  guint64       fetched_high = 0, added = 0;
  sqlite3_stmt *stmt;

  if (group_id == 0)
    return FALSE;
  read = _op_news_db_get_read (db, job->group, error);
  if (read == NULL)
    return FALSE;
  for (guint i = 0; i < job->overviews->len; i++)
    if (!add_one (db, group_id, g_ptr_array_index (job->overviews, i), read, &fetched_high, &added,
                  error))
      return FALSE;

  stmt = _op_news_db_prepare (db,
                              "UPDATE groups SET fetched_high = max (fetched_high, ?1), "
                              "threaded = threaded + ?2 WHERE id = ?3",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64)fetched_high);
  sqlite3_bind_int64 (stmt, 2, (gint64)added);
  sqlite3_bind_int64 (stmt, 3, group_id);
  return _op_news_db_step_done (db, stmt, error);
}

gboolean
_op_news_db_add_overviews (sqlite3 *db, const char *group, GPtrArray *overviews, GError **error)
{
  AddJob   job = { group, overviews };
  gboolean ok;

  op_mime_init ();
  /* The cache holds only what this transaction saw; a rollback drops it with the
   * rest. */
  node_cache_enable (db, TRUE);
  ok = _op_news_db_in_transaction (db, add_overviews_locked, &job, error);
  node_cache_enable (db, FALSE);
  return ok;
}

/* --- expiry ------------------------------------------------------------------------- */

typedef struct
{
  const char *group;
  guint64     number; /* the new low mark: what lies below goes */
} ExpireJob;

static gboolean
expire_locked (sqlite3 *db, gpointer data, GError **error)
{
  ExpireJob *job = data;
  gint64     group_id = _op_news_db_group_id (db, job->group, FALSE, 0, error);
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_free);
  sqlite3_stmt *stmt;

  if (group_id == 0)
    return error == NULL || *error == NULL;
  stmt = _op_news_db_prepare (
      db, "SELECT message_id FROM nodes INDEXED BY nodes_by_number "
      "WHERE group_id = ? AND number IS NOT NULL AND number < ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, group_id);
  sqlite3_bind_int64 (stmt, 2, (gint64)job->number);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_ptr_array_add (gone, g_strdup ((const char *)sqlite3_column_text (stmt, 0)));
  sqlite3_reset (stmt);

  for (guint i = 0; i < gone->len; i++)
    {
      const char *id = g_ptr_array_index (gone, i);
      Node        node = { 0 };
      gboolean fine;

      /* The node stays as a placeholder (its replies keep their thread); every
       * descendant has one real ancestor less. */
      fine = load_node (db, group_id, id, &node, error)
             && move_subtree (db, group_id, id, &node, node.parent, node.path, node.depth, -1,
                              error);
      node_clear (&node);
      if (!fine)
        return FALSE;
      if (!_op_news_db_run_text (db,
                                 "UPDATE nodes SET number = NULL, base_subject = NULL, "
                                 "subject = NULL, author = NULL, date = NULL, bytes = NULL, "
                                 "lines = NULL, refs = NULL, read = 0 "
                                 "WHERE group_id = ?1 AND message_id = ?2",
                                 group_id, id, error))
        return FALSE;
    }
  /* Placeholders nothing hangs below any more. */
  for (;;)
    {
      /* A node has descendants exactly when some key extends its own (the key index
       * answers that; no index on parents is kept just for expiry). */
      stmt = _op_news_db_prepare (
          db,
          "DELETE FROM nodes AS n WHERE n.group_id = ?1 AND n.number IS NULL AND NOT EXISTS "
          "(SELECT 1 FROM nodes c WHERE c.group_id = ?1 AND c.path > n.path "
          "AND c.path < n.path || 'g')",
          error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, group_id);
      if (!_op_news_db_step_done (db, stmt, error))
        return FALSE;
      if (sqlite3_changes (db) == 0)
        break;
    }
  stmt = _op_news_db_prepare (db, "UPDATE groups SET threaded = max (0, threaded - ?) WHERE id = ?",
                              error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, (gint64)gone->len);
  sqlite3_bind_int64 (stmt, 2, group_id);
  return _op_news_db_step_done (db, stmt, error);
}

gboolean
_op_news_db_expire_below (sqlite3 *db, const char *group, guint64 low, GError **error)
{
  ExpireJob job = { group, low };

  return expire_locked (db, &job, error);
}

gboolean
_op_news_db_expire (sqlite3 *db, const char *group, guint64 low, GError **error)
{
  ExpireJob job = { group, low };

  return _op_news_db_in_transaction (db, expire_locked, &job, error);
}
