/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>

#include "op-mail-private.h"

/*
 * The store's schema, one migration per version: migrations[n] turns version n into
 * n + 1. A released migration is never edited; a change is a new one at the end (and
 * tests/unit/core/test-mail-store.c opens a database of every older version).
 */
static const char * const migrations[] = {
  /* 0 → 1: folders, messages, conversations. */
  "CREATE TABLE folders ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE,"
  "  delimiter TEXT NOT NULL DEFAULT '',"
  "  special_use INTEGER NOT NULL DEFAULT 0,"
  "  selectable INTEGER NOT NULL DEFAULT 1,"
  "  uidvalidity INTEGER NOT NULL DEFAULT 0,"
  "  uidnext INTEGER NOT NULL DEFAULT 0,"
  "  highestmodseq INTEGER NOT NULL DEFAULT 0,"
  "  total INTEGER NOT NULL DEFAULT 0,"
  "  unread INTEGER NOT NULL DEFAULT 0,"
  "  complete INTEGER NOT NULL DEFAULT 0);"
  /* A conversation is a set of messages connected by their References (jwz); the ids
   * (own and referenced, also of messages not in the store) map to it. */
  "CREATE TABLE conversations ("
  "  id INTEGER PRIMARY KEY,"
  "  subject_key TEXT NOT NULL DEFAULT '',"
  "  reply_root INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX conversations_subject ON conversations (subject_key);"
  "CREATE TABLE thread_ids ("
  "  msgid TEXT PRIMARY KEY,"
  "  conversation_id INTEGER NOT NULL) WITHOUT ROWID;"
  "CREATE INDEX thread_ids_conversation ON thread_ids (conversation_id);"
  /* AUTOINCREMENT: a message id is never given to another message, so an id a view or
   * a queued operation holds cannot come to mean a different message. */
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  conversation_id INTEGER NOT NULL,"
  "  uid INTEGER NOT NULL,"
  "  modseq INTEGER NOT NULL DEFAULT 0,"
  "  flags INTEGER NOT NULL DEFAULT 0,"
  "  keywords TEXT NOT NULL DEFAULT '',"
  "  date INTEGER NOT NULL DEFAULT 0,"
  "  subject TEXT NOT NULL DEFAULT '',"
  "  from_name TEXT NOT NULL DEFAULT '',"
  "  from_addr TEXT NOT NULL DEFAULT '',"
  "  to_list TEXT NOT NULL DEFAULT '',"
  "  cc_list TEXT NOT NULL DEFAULT '',"
  "  reply_to TEXT NOT NULL DEFAULT '',"
  "  size INTEGER NOT NULL DEFAULT 0,"
  "  has_attachments INTEGER NOT NULL DEFAULT 0,"
  "  preview TEXT NOT NULL DEFAULT '',"
  "  message_id TEXT NOT NULL DEFAULT '',"
  "  in_reply_to TEXT NOT NULL DEFAULT '',"
  "  refs TEXT NOT NULL DEFAULT '',"
  "  UNIQUE (folder_id, uid));"
  "CREATE INDEX messages_conversation ON messages (conversation_id, folder_id);"
  /* One row per conversation and folder it has messages in: the conversation list reads
   * only this index and one page of rows. */
  "CREATE TABLE folder_conversations ("
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  conversation_id INTEGER NOT NULL,"
  "  latest_date INTEGER NOT NULL,"
  "  latest_message_id INTEGER NOT NULL,"
  "  n_messages INTEGER NOT NULL,"
  "  n_unread INTEGER NOT NULL,"
  "  flagged INTEGER NOT NULL,"
  "  has_attachments INTEGER NOT NULL,"
  "  senders TEXT NOT NULL,"
  "  PRIMARY KEY (folder_id, conversation_id)) WITHOUT ROWID;"
  "CREATE INDEX folder_conversations_order"
  "  ON folder_conversations (folder_id, latest_date DESC, conversation_id DESC);",

  /* 1 → 2: cached bodies and the full-text index (filled for the messages there). */
  "ALTER TABLE messages ADD COLUMN body_cached INTEGER NOT NULL DEFAULT 0;"
  "CREATE TABLE bodies ("
  "  message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,"
  "  data BLOB NOT NULL);"
  "CREATE VIRTUAL TABLE messages_fts USING fts5 ("
  "  subject, addresses, body, tokenize = 'unicode61 remove_diacritics 2');"
  "INSERT INTO messages_fts (rowid, subject, addresses, body)"
  "  SELECT id, subject, from_name || ' ' || from_addr || ' ' || to_list || ' ' || cc_list,"
  "         '' FROM messages;",

  /* 2 → 3: the outbox (DESIGN.md "no data loss": a message is here before SMTP starts). */
  "CREATE TABLE outbox ("
  "  id INTEGER PRIMARY KEY,"
  "  sender TEXT NOT NULL,"
  "  recipients TEXT NOT NULL,"
  "  subject TEXT NOT NULL DEFAULT '',"
  "  message BLOB NOT NULL,"
  "  state INTEGER NOT NULL DEFAULT 0,"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt INTEGER NOT NULL DEFAULT 0,"
  "  last_error TEXT NOT NULL DEFAULT '',"
  "  created INTEGER NOT NULL,"
  "  sent_copy INTEGER NOT NULL DEFAULT 0);"
  "CREATE TABLE outbox_refusals ("
  "  outbox_id INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE,"
  "  recipient TEXT NOT NULL,"
  "  code INTEGER NOT NULL,"
  "  reason TEXT NOT NULL);"
  "CREATE INDEX outbox_refusals_item ON outbox_refusals (outbox_id);",

  /* 3 → 4: changes made while offline, replayed in order (issue 12, "Sync"). A message
   * moved or copied locally waits in its new folder under a negative UID (minus its
   * row id) until the server names its real one. */
  "CREATE TABLE pending_ops ("
  "  id INTEGER PRIMARY KEY,"
  "  kind INTEGER NOT NULL,"
  "  folder TEXT NOT NULL,"
  "  uids TEXT NOT NULL DEFAULT '',"
  "  message_ids TEXT NOT NULL DEFAULT '',"
  "  add_flags INTEGER NOT NULL DEFAULT 0,"
  "  remove_flags INTEGER NOT NULL DEFAULT 0,"
  "  target TEXT NOT NULL DEFAULT '',"
  "  created INTEGER NOT NULL);",

  /* 4 → 5: POP3 downloads, keyed by UIDL (RFC 1939 §7); a message is deleted on the
   * server only once its row here is committed. */
  "CREATE TABLE pop3_uidls ("
  "  folder_id INTEGER NOT NULL REFERENCES folders (id) ON DELETE CASCADE,"
  "  uidl TEXT NOT NULL,"
  "  uid INTEGER NOT NULL,"
  "  received INTEGER NOT NULL,"
  "  PRIMARY KEY (folder_id, uidl)) WITHOUT ROWID;",

  /* 5 → 6: the full-text index keyed by date and id (OP_MAIL_FTS_KEY), so that a search
   * reads its newest matches first instead of sorting every match by date. */
  "CREATE VIRTUAL TABLE messages_fts_dated USING fts5 ("
  "  subject, addresses, body, tokenize = 'unicode61 remove_diacritics 2');"
  "INSERT INTO messages_fts_dated (rowid, subject, addresses, body)"
  "  SELECT " OP_MAIL_FTS_KEY ("m.date", "m.id") ", f.subject, f.addresses, f.body"
  "  FROM messages_fts f JOIN messages m ON m.id = f.rowid;"
  "DROP TABLE messages_fts;"
  "ALTER TABLE messages_fts_dated RENAME TO messages_fts;",

  /* 6 → 7: the full-text index without its table of column sizes (columnsize = 0),
   * which only bm25() ranking reads; results are ordered by the row id (date, then
   * id). That table cost a B-tree write per message, a tenth of a first sync's writing
   * (tests/bench/README.md). */
  "CREATE VIRTUAL TABLE messages_fts_lean USING fts5 ("
  "  subject, addresses, body, tokenize = 'unicode61 remove_diacritics 2', columnsize = 0);"
  "INSERT INTO messages_fts_lean (rowid, subject, addresses, body)"
  "  SELECT rowid, subject, addresses, body FROM messages_fts;"
  "DROP TABLE messages_fts;"
  "ALTER TABLE messages_fts_lean RENAME TO messages_fts;",

  /* 7 → 8: the conversations begun by a reply, by subject, for an original's subject
   * lookup (OP_MAIL_SQL_SUBJECT_REPLY_ROOT). Through conversations_subject it walked
   * every conversation of its subject that is not one: quadratic for a mailbox of
   * "Daily report"s. The index holds only those few rows; the original's arrival takes
   * its conversation's row out. (An index on a rowid table ends in the row id, so both
   * lookups read the newest match first, without a sort.) */
  "CREATE INDEX conversations_reply_root ON conversations (subject_key) WHERE reply_root;",
};

G_STATIC_ASSERT (G_N_ELEMENTS (migrations) == OP_MAIL_STORE_SCHEMA_VERSION);

int
_op_mail_schema_get_version (sqlite3 *db)
{
  sqlite3_stmt *stmt = NULL;
  int version = -1;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK
      && sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  return version;
}

gboolean
_op_mail_schema_migrate (sqlite3  *db,
                         int       version,
                         GError  **error)
{
  int current = _op_mail_schema_get_version (db);

  g_return_val_if_fail (version <= OP_MAIL_STORE_SCHEMA_VERSION, FALSE);

  if (current < 0)
    {
      _op_mail_set_sqlite_error (error, db, N_("reading the schema version"));
      return FALSE;
    }
  if (current > OP_MAIL_STORE_SCHEMA_VERSION)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NEWER_SCHEMA,
                   _("The mail store was written by a newer version of Outpost "
                     "(schema %d; this version knows %d). Update Outpost to open it."),
                   current, OP_MAIL_STORE_SCHEMA_VERSION);
      return FALSE;
    }

  /* Each step in its own transaction: a crash leaves a consistent older version. */
  for (int v = current; v < version; v++)
    {
      g_autofree char *sql = g_strdup_printf ("BEGIN IMMEDIATE; %s PRAGMA user_version = %d; COMMIT;",
                                              migrations[v], v + 1);
      char *message = NULL;

      if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
        {
          g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_IO,
                       _("The mail store could not be upgraded to schema %d: %s"),
                       v + 1, message != NULL ? message : sqlite3_errmsg (db));
          sqlite3_free (message);
          sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
          return FALSE;
        }
    }
  return TRUE;
}
