/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <glib/gi18n.h>
#include <gmime/gmime.h>
#include <string.h>

#include "op-mail-store-private.h"
#include "op-mail-thread.h"
#include "op-mime-message.h"

/* --- messages --- */

void
_op_mail_row_clear (OpMailRow *row)
{
  g_free (row->keywords);
  g_free (row->subject);
  g_free (row->from_name);
  g_free (row->from_addr);
  g_free (row->to);
  g_free (row->cc);
  g_free (row->reply_to);
  g_free (row->preview);
  g_free (row->message_id);
  g_free (row->in_reply_to);
  g_strfreev (row->refs);
  g_free (row->body_text);
  g_clear_pointer (&row->raw, g_bytes_unref);
}

static char *
imap_address_spec (const OpImapAddress *address)
{
  g_autofree char *mailbox = _op_mail_clean_text (address->mailbox);
  g_autofree char *host = _op_mail_clean_text (address->host);

  if (*host == '\0')
    return g_steal_pointer (&mailbox);
  return g_strconcat (mailbox, "@", host, NULL);
}

/* "Name <addr>, addr2" from an ENVELOPE address list (group markers left out). */
static char *
imap_address_list (GPtrArray *list)
{
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; list != NULL && i < list->len && out->len < OP_MAIL_MAX_FIELD_TEXT; i++)
    {
      const OpImapAddress *address = g_ptr_array_index (list, i);
      g_autofree char *spec = NULL;
      g_autofree char *name = NULL;

      if (address->host == NULL)
        continue;
      spec = imap_address_spec (address);
      name = _op_mail_decode_header_text (address->name);
      if (out->len > 0)
        g_string_append (out, ", ");
      if (*name != '\0')
        g_string_append_printf (out, "%s <%s>", name, spec);
      else
        g_string_append (out, spec);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
body_has_attachments (const OpImapBodyPart *part,
                      guint                 depth)
{
  if (part == NULL || depth > OP_IMAP_MAX_DEPTH)
    return FALSE;
  if (part->children != NULL && part->children->len > 0)
    {
      for (guint i = 0; i < part->children->len; i++)
        if (body_has_attachments (g_ptr_array_index (part->children, i), depth + 1))
          return TRUE;
      return FALSE;
    }
  if (g_strcmp0 (part->disposition, "attachment") == 0)
    return TRUE;
  /* A named part that is neither text nor an inline image of an HTML body. */
  if (g_strcmp0 (part->type, "text") != 0 && g_strcmp0 (part->type, "multipart") != 0
      && part->id == NULL
      && (op_imap_params_lookup (part->params, "name") != NULL
          || op_imap_params_lookup (part->disposition_params, "filename") != NULL))
    return TRUE;
  return FALSE;
}

/* The usual form of a Date header, "[Ddd, ]D Mon YYYY HH:MM[:SS] +HHMM", read without
 * GMime (a first sync reads 100,000 of them): FALSE for anything else, which GMime
 * reads. Gives what g_mime_utils_header_decode_date() gives for the same text. */
static gboolean
parse_date_fast (const char *p,
                 gint64     *seconds)
{
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int day = 0, month = -1, year = 0, hour, minute, second = 0, zone, sign;
  gint64 y, era, yoe, doy, doe, days;

  if (g_ascii_isalpha (p[0]) && g_ascii_isalpha (p[1]) && g_ascii_isalpha (p[2]) && p[3] == ',')
    {
      p += 4;
      while (*p == ' ')
        p++;
    }
  if (!g_ascii_isdigit (*p))
    return FALSE;
  day = *p++ - '0';
  if (g_ascii_isdigit (*p))
    day = day * 10 + (*p++ - '0');
  if (*p++ != ' ')
    return FALSE;
  for (int m = 0; m < 12; m++)
    if (strncmp (p, months + 3 * m, 3) == 0)
      month = m + 1;
  if (month < 0 || p[3] != ' ')
    return FALSE;
  p += 4;
  for (int i = 0; i < 4; i++, p++)
    {
      if (!g_ascii_isdigit (*p))
        return FALSE;
      year = year * 10 + (*p - '0');
    }
#define TWO_DIGITS(q) (g_ascii_isdigit ((q)[0]) && g_ascii_isdigit ((q)[1]))
#define VALUE(q) (((q)[0] - '0') * 10 + ((q)[1] - '0'))
  if (*p++ != ' ' || !TWO_DIGITS (p) || p[2] != ':' || !TWO_DIGITS (p + 3))
    return FALSE;
  hour = VALUE (p);
  minute = VALUE (p + 3);
  p += 5;
  if (*p == ':')
    {
      if (!TWO_DIGITS (p + 1))
        return FALSE;
      second = VALUE (p + 1);
      p += 3;
    }
  if (*p++ != ' ' || (*p != '+' && *p != '-') || !TWO_DIGITS (p + 1) || !TWO_DIGITS (p + 3) || p[5] != '\0')
    return FALSE;
  sign = *p == '-' ? -1 : 1;
  zone = VALUE (p + 1) * 60 + VALUE (p + 3);
  if (year < 1970 || year > 9999 || day < 1 || day > g_date_get_days_in_month (month, year)
      || hour > 23 || minute > 59 || second > 59 || VALUE (p + 1) > 14 || VALUE (p + 3) > 59)
    return FALSE;
#undef TWO_DIGITS
#undef VALUE
  /* Days from 1970-01-01 (Howard Hinnant's days_from_civil). */
  y = year - (month <= 2);
  era = y / 400;
  yoe = y - era * 400;
  doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  days = era * 146097 + doe - 719468;
  *seconds = days * 86400 + hour * 3600 + minute * 60 + second - sign * zone * 60;
  return TRUE;
}

gint64
_op_mail_parse_date_header (const char *text)
{
  g_autoptr(GDateTime) date = NULL;
  gint64 seconds;

  if (text == NULL || *text == '\0')
    return 0;
  if (parse_date_fast (text, &seconds))
    return seconds;
  op_mime_init ();
  date = g_mime_utils_header_decode_date (text);
  return date != NULL ? g_date_time_to_unix (date) : 0;
}

static void
row_from_fetch (OpMailRow   *row,
                OpImapFetch *fetch)
{
  OpImapEnvelope *env = fetch->envelope;
  const OpImapSection *refs = NULL;

  row->uid = fetch->uid;
  row->modseq = fetch->modseq;
  row->flags = op_mail_flags_from_imap ((const char * const *) fetch->flags, &row->keywords);
  row->size = fetch->size;
  row->has_attachments = body_has_attachments (fetch->body, 0);
  row->date = _op_mail_parse_date_header (env->date);
  if (row->date == 0 && fetch->internaldate != NULL)
    row->date = g_date_time_to_unix (fetch->internaldate);
  row->subject = _op_mail_decode_header_text (env->subject);
  if (env->from->len > 0)
    {
      const OpImapAddress *from = g_ptr_array_index (env->from, 0);
      row->from_name = _op_mail_decode_header_text (from->name);
      row->from_addr = imap_address_spec (from);
    }
  row->to = imap_address_list (env->to);
  row->cc = imap_address_list (env->cc);
  row->reply_to = env->reply_to != env->from ? imap_address_list (env->reply_to) : g_strdup ("");
  row->message_id = _op_mail_strip_angles (env->message_id);
  row->in_reply_to = _op_mail_strip_angles (env->in_reply_to);

  for (guint i = 0; i < fetch->sections->len; i++)
    {
      const OpImapSection *section = g_ptr_array_index (fetch->sections, i);
      if (g_ascii_strncasecmp (section->section, "HEADER.FIELDS", 13) == 0)
        refs = section;
    }
  if (refs != NULL && refs->data != NULL)
    {
      g_autofree char *text = g_strndup (g_bytes_get_data (refs->data, NULL),
                                         g_bytes_get_size (refs->data));
      row->refs = op_mail_thread_parse_ids (text);
    }
}

void
_op_mail_row_free (gpointer row)
{
  if (row == NULL)
    return;
  _op_mail_row_clear (row);
  g_free (row);
}

void
_op_mail_update_prepare (OpMailUpdate *update)
{
  for (guint i = 0; i < update->steps->len; i++)
    {
      OpMailStep *step = &g_array_index (update->steps, OpMailStep, i);
      OpMailRow *row;

      if (step->kind != OP_MAIL_STEP_FETCH || step->fetch->envelope == NULL || step->row != NULL)
        continue;
      row = g_new0 (OpMailRow, 1);
      row_from_fetch (row, step->fetch);
      step->row = row;
    }
}

/* One line from the start of the text: quoted lines and the signature left out. */
static char *
make_preview (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_auto(GStrv) lines = g_strsplit (text != NULL ? text : "", "\n", 400);

  for (char **l = lines; *l != NULL && g_utf8_strlen (out->str, -1) < OP_MAIL_PREVIEW_LENGTH; l++)
    {
      g_autofree char *line = _op_mail_clean_text (*l);

      if (strcmp (*l, "-- ") == 0 || strcmp (*l, "-- \r") == 0)
        break;
      if (*line == '\0' || *line == '>')
        continue;
      if (out->len > 0)
        g_string_append_c (out, ' ');
      g_string_append (out, line);
    }
  if (g_utf8_strlen (out->str, -1) > OP_MAIL_PREVIEW_LENGTH)
    {
      char *end = g_utf8_offset_to_pointer (out->str, OP_MAIL_PREVIEW_LENGTH);
      g_string_truncate (out, end - out->str);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static char *
mime_address_list (GPtrArray *list)
{
  g_autofree char *text = op_mime_address_list_to_display (list);
  return _op_mail_clean_text (text);
}

gboolean
_op_mail_row_from_raw (OpMailRow  *row,
                       guint32     uid,
                       GBytes     *raw,
                       GError    **error)
{
  g_autoptr(OpMimeMessage) message = op_mime_message_parse_bytes (raw, NULL, error);
  g_autoptr(GPtrArray) attachments = NULL;
  GPtrArray *from;
  GDateTime *date;
  g_autofree char *refs = NULL;

  if (message == NULL)
    return FALSE;

  row->uid = uid;
  row->size = g_bytes_get_size (raw);
  row->raw = g_bytes_ref (raw);
  row->subject = _op_mail_clean_text (op_mime_message_get_subject (message));
  from = op_mime_message_get_from (message);
  if (from->len > 0)
    {
      OpMimeAddress *address = g_ptr_array_index (from, 0);
      row->from_name = _op_mail_clean_text (address->name);
      row->from_addr = _op_mail_clean_text (address->address);
    }
  row->to = mime_address_list (op_mime_message_get_to (message));
  row->cc = mime_address_list (op_mime_message_get_cc (message));
  row->reply_to = mime_address_list (op_mime_message_get_reply_to (message));
  date = op_mime_message_get_date (message);
  if (row->date == 0 && date != NULL)
    row->date = g_date_time_to_unix (date);
  row->message_id = _op_mail_clean_text (op_mime_message_get_message_id (message));
  row->in_reply_to = _op_mail_clean_text (op_mime_message_get_in_reply_to (message));
  row->refs = g_strdupv ((char **) op_mime_message_get_references (message));
  attachments = op_mime_message_dup_attachments (message);
  row->has_attachments = attachments->len > 0;
  row->body_text = g_strdup (op_mime_message_get_text (message));
  row->preview = make_preview (row->body_text);
  return TRUE;
}

/* jwz, incrementally: the conversation of every id the message names (its own, its
 * References and In-Reply-To) is one; several are merged. With none known, a reply (by
 * its subject, or by references to messages not in the store) joins the newest
 * conversation with the same subject, as does an original whose reply came first. */
static gboolean
assign_conversation (OpMailStore    *self,
                     OpMailRow      *row,
                     OpMailChanges  *changes,
                     gint64         *conversation_id,
                     gboolean       *created,
                     GError        **error)
{
  sqlite3 *db = self->write_db;
  g_autoptr(GPtrArray) ids = g_ptr_array_new ();
  g_autoptr(GArray) found = g_array_new (FALSE, FALSE, sizeof (gint64));
  /* Which of @ids has a thread_ids row already: only the others get one. */
  g_autofree gboolean *known = NULL;
  gint64 target = 0;
  gboolean in_reply_to_listed = FALSE;
  sqlite3_stmt *stmt;

  for (char **r = row->refs; r != NULL && *r != NULL; r++)
    {
      g_ptr_array_add (ids, *r);
      /* A reply's In-Reply-To is (nearly always) its References' last entry, named once. */
      if (g_strcmp0 (*r, row->in_reply_to) == 0)
        in_reply_to_listed = TRUE;
    }
  if (*row->in_reply_to != '\0' && !in_reply_to_listed)
    g_ptr_array_add (ids, row->in_reply_to);
  if (*row->message_id != '\0')
    g_ptr_array_add (ids, row->message_id);

  known = g_new0 (gboolean, ids->len + 1);
  for (guint i = 0; i < ids->len; i++)
    {
      stmt = _op_mail_wstmt (self, "SELECT conversation_id FROM thread_ids WHERE msgid = ?1", error);
      if (stmt == NULL)
        return FALSE;
      _op_mail_bind_text_static (stmt, 1, g_ptr_array_index (ids, i));
      if (sqlite3_step (stmt) == SQLITE_ROW)
        {
          known[i] = TRUE;
          gint64 id = sqlite3_column_int64 (stmt, 0);
          gboolean dup = FALSE;
          for (guint k = 0; k < found->len; k++)
            dup |= g_array_index (found, gint64, k) == id;
          if (!dup)
            g_array_append_val (found, id);
        }
    }

  if (found->len == 0)
    {
      g_autofree char *key = op_mail_thread_subject_key (row->subject);
      gboolean is_reply = op_mail_thread_subject_is_reply (row->subject)
        || (row->refs != NULL && row->refs[0] != NULL) || *row->in_reply_to != '\0';

      if (*key != '\0')
        {
          stmt = _op_mail_wstmt (self, is_reply ? OP_MAIL_SQL_SUBJECT_NEWEST : OP_MAIL_SQL_SUBJECT_REPLY_ROOT,
                                 error);
          if (stmt == NULL)
            return FALSE;
          _op_mail_bind_text_static (stmt, 1, key);
          if (sqlite3_step (stmt) == SQLITE_ROW)
            target = sqlite3_column_int64 (stmt, 0);
        }
      if (target == 0)
        {
          stmt = _op_mail_wstmt (self, "INSERT INTO conversations (subject_key, reply_root) VALUES (?1, ?2)", error);
          if (stmt == NULL)
            return FALSE;
          _op_mail_bind_text_static (stmt, 1, key);
          sqlite3_bind_int (stmt, 2, is_reply);
          if (!_op_mail_step_done (stmt, error))
            return FALSE;
          target = sqlite3_last_insert_rowid (db);
          *created = TRUE;
        }
      else if (!is_reply)
        {
          /* The original arrived: the conversation has its root now. */
          stmt = _op_mail_wstmt (self, "UPDATE conversations SET reply_root = 0 WHERE id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, target);
          if (!_op_mail_step_done (stmt, error))
            return FALSE;
        }
    }
  else
    {
      target = g_array_index (found, gint64, 0);
      for (guint k = 1; k < found->len; k++)
        target = MIN (target, g_array_index (found, gint64, k));

      for (guint k = 0; k < found->len; k++)
        {
          gint64 other = g_array_index (found, gint64, k);
          static const char * const merges[] = {
            "UPDATE messages SET conversation_id = ?1 WHERE conversation_id = ?2",
            "UPDATE thread_ids SET conversation_id = ?1 WHERE conversation_id = ?2",
            /* The other's rows in folder_conversations go when their pairs are refreshed
             * (they hold no message any more), which also corrects the folder counts. */
            "DELETE FROM conversations WHERE id = ?2",
          };

          if (other == target)
            continue;
          /* Every folder that showed either conversation shows the merged one. */
          stmt = _op_mail_wstmt (self, "SELECT DISTINCT folder_id FROM messages WHERE conversation_id = ?1", error);
          if (stmt == NULL)
            return FALSE;
          sqlite3_bind_int64 (stmt, 1, other);
          while (sqlite3_step (stmt) == SQLITE_ROW)
            {
              gint64 folder = sqlite3_column_int64 (stmt, 0);
              _op_mail_changes_touch (changes, folder, other);
              _op_mail_changes_touch (changes, folder, target);
            }
          for (gsize q = 0; q < G_N_ELEMENTS (merges); q++)
            {
              stmt = _op_mail_wstmt (self, merges[q], error);
              if (stmt == NULL)
                return FALSE;
              sqlite3_bind_int64 (stmt, 1, target);
              sqlite3_bind_int64 (stmt, 2, other);
              if (!_op_mail_step_done (stmt, error))
                return FALSE;
            }
        }
    }

  /* A known id already maps to @target: the merges above moved every other one. */
  for (guint i = 0; i < ids->len; i++)
    {
      if (known[i])
        continue;
      stmt = _op_mail_wstmt (self, "INSERT OR IGNORE INTO thread_ids (msgid, conversation_id) VALUES (?1, ?2)", error);
      if (stmt == NULL)
        return FALSE;
      _op_mail_bind_text_static (stmt, 1, g_ptr_array_index (ids, i));
      sqlite3_bind_int64 (stmt, 2, target);
      if (!_op_mail_step_done (stmt, error))
        return FALSE;
    }
  *conversation_id = target;
  return TRUE;
}

static char *
row_addresses (OpMailRow *row)
{
  return g_strjoin (" ", row->from_name, row->from_addr, row->to, row->cc, NULL);
}

static gboolean
store_body (OpMailStore  *self,
            gint64        message_id,
            GBytes       *raw,
            const char   *text,
            GError      **error)
{
  sqlite3_stmt *stmt;
  gsize size;
  gconstpointer data = g_bytes_get_data (raw, &size);

  stmt = _op_mail_wstmt (self, "INSERT OR REPLACE INTO bodies (message_id, data) VALUES (?1, ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_blob64 (stmt, 2, size > 0 ? data : "", size, SQLITE_STATIC);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;

  stmt = _op_mail_wstmt (self, "UPDATE messages_fts SET body = ?2 WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"), error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  _op_mail_bind_text (stmt, 2, text);
  return _op_mail_step_done (stmt, error);
}

/* A full-text row of a message inserted by apply_write(), not yet written. */
typedef struct
{
  gint64  key;              /* OP_MAIL_FTS_KEY of (date, id), computed as SQLite does */
  gint64  message_id;
  gint64  date;
  char   *subject;
  char   *addresses;
} OpMailFtsRow;

static void
fts_row_clear (gpointer data)
{
  OpMailFtsRow *fts = data;

  g_free (fts->subject);
  g_free (fts->addresses);
}

/* OP_MAIL_FTS_KEY in C, for sorting only (the row id itself is computed by SQLite). */
static gint64
fts_key (gint64 date,
         gint64 id)
{
  return (CLAMP (date + G_GINT64_CONSTANT (2147483648), 0, G_GINT64_CONSTANT (4294967295)) << 31) | id;
}

static int
compare_fts_rows (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = ((const OpMailFtsRow *) a)->key, y = ((const OpMailFtsRow *) b)->key;

  return x < y ? -1 : x > y;
}

static gboolean
insert_fts (OpMailStore  *self,
            gint64        message_id,
            gint64        date,
            const char   *subject,
            const char   *addresses,
            GError      **error)
{
  sqlite3_stmt *stmt = _op_mail_wstmt (self,
                                       "INSERT INTO messages_fts (rowid, subject, addresses, body)"
                                       " VALUES (" OP_MAIL_FTS_KEY ("?4", "?1") ", ?2, ?3, '')",
                                       error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, message_id);
  sqlite3_bind_int64 (stmt, 4, date);
  _op_mail_bind_text_static (stmt, 2, subject);
  _op_mail_bind_text_static (stmt, 3, addresses);
  return _op_mail_step_done (stmt, error);
}

/* Writes the full-text rows that apply_write() kept back, in ascending row id. FTS5
 * writes its in-memory terms out as a new segment whenever a row id is lower than the
 * one before it; a first sync goes newest first and dates do not follow UIDs, so rows
 * inserted as they came cost a segment (and its merging) every few dozen messages. */
static gboolean
flush_fts (OpMailStore  *self,
           GError      **error)
{
  GArray *rows = self->fts_pending;

  g_array_sort (rows, compare_fts_rows);
  for (guint i = 0; i < rows->len; i++)
    {
      OpMailFtsRow *fts = &g_array_index (rows, OpMailFtsRow, i);

      if (!insert_fts (self, fts->message_id, fts->date, fts->subject, fts->addresses, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
_op_mail_store_insert_message (OpMailStore    *self,
                               gint64          folder_id,
                               OpMailRow      *row,
                               OpMailChanges  *changes,
                               GError        **error)
{
  sqlite3 *db = self->write_db;
  sqlite3_stmt *stmt;
  g_autofree char *refs = NULL;
  g_autofree char *addresses = NULL;
  gint64 conversation_id = 0;
  gint64 message_id;
  gboolean created = FALSE;

  if (row->keywords == NULL) row->keywords = g_strdup ("");
  if (row->subject == NULL) row->subject = g_strdup ("");
  if (row->from_name == NULL) row->from_name = g_strdup ("");
  if (row->from_addr == NULL) row->from_addr = g_strdup ("");
  if (row->to == NULL) row->to = g_strdup ("");
  if (row->cc == NULL) row->cc = g_strdup ("");
  if (row->reply_to == NULL) row->reply_to = g_strdup ("");
  if (row->preview == NULL) row->preview = g_strdup ("");
  if (row->message_id == NULL) row->message_id = g_strdup ("");
  if (row->in_reply_to == NULL) row->in_reply_to = g_strdup ("");

  if (!assign_conversation (self, row, changes, &conversation_id, &created, error))
    return FALSE;

  refs = row->refs != NULL ? g_strjoinv (" ", row->refs) : g_strdup ("");
  stmt = _op_mail_wstmt (self,
                         "INSERT INTO messages (folder_id, conversation_id, uid, modseq, flags, keywords,"
                         " date, subject, from_name, from_addr, to_list, cc_list, reply_to, size,"
                         " has_attachments, preview, message_id, in_reply_to, refs, body_cached)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
                         " ?17, ?18, ?19, ?20)",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, conversation_id);
  sqlite3_bind_int64 (stmt, 3, row->uid);
  sqlite3_bind_int64 (stmt, 4, (gint64) row->modseq);
  sqlite3_bind_int (stmt, 5, row->flags);
  _op_mail_bind_text_static (stmt, 6, row->keywords);
  sqlite3_bind_int64 (stmt, 7, row->date);
  _op_mail_bind_text_static (stmt, 8, row->subject);
  _op_mail_bind_text_static (stmt, 9, row->from_name);
  _op_mail_bind_text_static (stmt, 10, row->from_addr);
  _op_mail_bind_text_static (stmt, 11, row->to);
  _op_mail_bind_text_static (stmt, 12, row->cc);
  _op_mail_bind_text_static (stmt, 13, row->reply_to);
  sqlite3_bind_int64 (stmt, 14, row->size);
  sqlite3_bind_int (stmt, 15, row->has_attachments);
  _op_mail_bind_text_static (stmt, 16, row->preview);
  _op_mail_bind_text_static (stmt, 17, row->message_id);
  _op_mail_bind_text_static (stmt, 18, row->in_reply_to);
  _op_mail_bind_text_static (stmt, 19, refs);
  sqlite3_bind_int (stmt, 20, row->raw != NULL);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;
  message_id = sqlite3_last_insert_rowid (db);

  addresses = row_addresses (row);
  if (self->fts_pending != NULL && row->raw == NULL)
    {
      /* Written with the others of the transaction, in the index's order. */
      OpMailFtsRow fts = { fts_key (row->date, message_id), message_id, row->date,
                           g_strdup (row->subject), g_steal_pointer (&addresses) };

      g_array_append_val (self->fts_pending, fts);
    }
  else if (!insert_fts (self, message_id, row->date, row->subject, addresses, error))
    return FALSE;

  if (row->raw != NULL && !store_body (self, message_id, row->raw, row->body_text, error))
    return FALSE;

  {
    OpMailFreshMessage fresh = {
      message_id, row->date, row->from_name, row->from_addr, (row->flags & OP_MAIL_FLAG_SEEN) == 0,
      (row->flags & OP_MAIL_FLAG_FLAGGED) != 0, row->has_attachments,
    };

    _op_mail_changes_inserted (changes, folder_id, conversation_id, created, &fresh);
  }
  _op_mail_changes_added (changes, folder_id, message_id);
  return TRUE;
}

/* The known message (@id, @conversation_id) with that UID, FALSE when there is none. */
static gboolean
find_uid (OpMailStore *self,
          gint64       folder_id,
          guint32      uid,
          gint64      *id,
          gint64      *conversation_id,
          OpMailFlags *flags,
          char       **keywords)
{
  sqlite3_stmt *stmt = _op_mail_wstmt (self,
                                       "SELECT id, conversation_id, flags, keywords FROM messages"
                                       " WHERE folder_id = ?1 AND uid = ?2",
                                       NULL);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return FALSE;
  *id = sqlite3_column_int64 (stmt, 0);
  *conversation_id = sqlite3_column_int64 (stmt, 1);
  if (flags != NULL)
    *flags = sqlite3_column_int (stmt, 2);
  if (keywords != NULL)
    *keywords = g_strdup (_op_mail_column_text (stmt, 3));
  return TRUE;
}

static gboolean
update_flags (OpMailStore    *self,
              gint64          folder_id,
              guint32         uid,
              OpMailFlags     flags,
              const char     *keywords,
              guint64         modseq,
              OpMailChanges  *changes,
              GError        **error)
{
  gint64 id, conversation_id;
  OpMailFlags old_flags;
  g_autofree char *old_keywords = NULL;
  sqlite3_stmt *stmt;
  gboolean same;

  /* Flags of a message the store does not have (yet): nothing to change. */
  if (!find_uid (self, folder_id, uid, &id, &conversation_id, &old_flags, &old_keywords))
    return TRUE;
  same = old_flags == flags && g_strcmp0 (old_keywords, keywords != NULL ? keywords : "") == 0;

  stmt = _op_mail_wstmt (self,
                         "UPDATE messages SET flags = ?2, keywords = ?3, modseq = max(modseq, ?4) WHERE id = ?1",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int (stmt, 2, flags);
  _op_mail_bind_text (stmt, 3, keywords);
  sqlite3_bind_int64 (stmt, 4, (gint64) modseq);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;
  if (!same)
    _op_mail_changes_touch (changes, folder_id, conversation_id);
  return TRUE;
}

/* One message row with its index entry and cached body. */
gboolean
_op_mail_store_delete_message_row (OpMailStore  *self,
                                   gint64        id,
                                   GError      **error)
{
  static const char * const deletes[] = {
    "DELETE FROM messages_fts WHERE rowid = " OP_MAIL_FTS_KEY_OF ("?1"),
    "DELETE FROM bodies WHERE message_id = ?1",
    "DELETE FROM messages WHERE id = ?1",
  };

  for (gsize q = 0; q < G_N_ELEMENTS (deletes); q++)
    {
      sqlite3_stmt *stmt = _op_mail_wstmt (self, deletes[q], error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, id);
      if (!_op_mail_step_done (stmt, error))
        return FALSE;
    }
  return TRUE;
}

/* Deletes @uid of @folder_id (every message of it when @uid is 0). */
gboolean
_op_mail_store_delete_messages (OpMailStore    *self,
                                gint64          folder_id,
                                guint32         uid,
                                OpMailChanges  *changes,
                                GError        **error)
{
  sqlite3_stmt *stmt;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  stmt = _op_mail_wstmt (self,
                         "SELECT id, conversation_id FROM messages WHERE folder_id = ?1 AND (?2 = 0 OR uid = ?2)",
                         error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, folder_id);
  sqlite3_bind_int64 (stmt, 2, uid);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
      _op_mail_changes_touch (changes, folder_id, sqlite3_column_int64 (stmt, 1));
    }
  sqlite3_reset (stmt);

  for (guint i = 0; i < ids->len; i++)
    if (!_op_mail_store_delete_message_row (self, g_array_index (ids, gint64, i), error))
      return FALSE;
  return TRUE;
}

static gboolean
apply_steps (OpMailStore     *self,
             sqlite3         *db,
             OpMailWriteJob  *job,
             OpMailChanges   *changes,
             GError         **error)
{
  OpMailUpdate *update = job->data;
  gint64 folder = update->folder_id;
  /* Whether the folder held no message in the range of the UIDs this update brings: then
   * only a UID it brings twice can be known (a first sync asks for none of its
   * messages one by one). */
  gboolean range_empty = FALSE;
  g_autoptr(GHashTable) inserted = g_hash_table_new (NULL, NULL);

  if (_op_mail_query_int64 (db, "SELECT count(*) FROM folders WHERE id = ?1", folder, 0) == 0)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The folder is no longer in the mail store."));
      return FALSE;
    }

  if (update->clear)
    {
      sqlite3_stmt *stmt;

      if (!_op_mail_store_delete_messages (self, folder, 0, changes, error))
        return FALSE;
      stmt = _op_mail_wstmt (self,
                             "UPDATE folders SET uidvalidity = 0, uidnext = 0, highestmodseq = 0, complete = 0"
                             " WHERE id = ?1",
                             error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, folder);
      if (!_op_mail_step_done (stmt, error))
        return FALSE;
      changes->folders_changed = TRUE;
    }

  for (guint i = 0; i < update->removals->len; i++)
    if (!_op_mail_store_delete_messages (self, folder, g_array_index (update->removals, guint32, i), changes, error))
      return FALSE;

  {
    guint32 low = G_MAXUINT32, high = 0;
    sqlite3_stmt *stmt;

    for (guint i = 0; i < update->steps->len; i++)
      {
        OpMailStep *step = &g_array_index (update->steps, OpMailStep, i);

        low = MIN (low, step->uid);
        high = MAX (high, step->uid);
      }
    stmt = _op_mail_wstmt (self, "SELECT 1 FROM messages WHERE folder_id = ?1 AND uid BETWEEN ?2 AND ?3 LIMIT 1",
                           error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, folder);
    sqlite3_bind_int64 (stmt, 2, low);
    sqlite3_bind_int64 (stmt, 3, high);
    range_empty = update->steps->len > 0 && sqlite3_step (stmt) == SQLITE_DONE;
    sqlite3_reset (stmt);
  }

  for (guint i = 0; i < update->steps->len; i++)
    {
      OpMailStep *step = &g_array_index (update->steps, OpMailStep, i);
      gint64 id, conversation_id;

      if (step->kind == OP_MAIL_STEP_FLAGS)
        {
          if (!update_flags (self, folder, step->uid, step->flags, step->keywords, step->modseq,
                             changes, error))
            return FALSE;
          continue;
        }

      if (step->kind == OP_MAIL_STEP_FETCH && step->fetch->envelope == NULL)
        {
          g_autofree char *keywords = NULL;
          OpMailFlags flags;

          if ((step->fetch->items & OP_IMAP_FETCH_FLAGS) == 0)
            continue;
          flags = op_mail_flags_from_imap ((const char * const *) step->fetch->flags, &keywords);
          if (!update_flags (self, folder, step->uid, flags, keywords, step->fetch->modseq,
                             changes, error))
            return FALSE;
          continue;
        }

      /* A message: known ones (a sync resumed over a batch) only take the new flags. */
      if ((!range_empty || g_hash_table_contains (inserted, GUINT_TO_POINTER (step->uid)))
          && find_uid (self, folder, step->uid, &id, &conversation_id, NULL, NULL))
        {
          if (step->kind == OP_MAIL_STEP_FETCH && (step->fetch->items & OP_IMAP_FETCH_FLAGS))
            {
              g_autofree char *keywords = NULL;
              OpMailFlags flags = op_mail_flags_from_imap ((const char * const *) step->fetch->flags,
                                                           &keywords);
              if (!update_flags (self, folder, step->uid, flags, keywords, step->fetch->modseq,
                                 changes, error))
                return FALSE;
            }
          continue;
        }

      {
        OpMailRow row = { 0 };
        gboolean ok;

        if (step->kind == OP_MAIL_STEP_FETCH && step->row != NULL)
          {
            /* Prepared on the sync thread (_op_mail_update_prepare()). */
            row = *(OpMailRow *) step->row;
            g_clear_pointer (&step->row, g_free);
          }
        else if (step->kind == OP_MAIL_STEP_FETCH)
          row_from_fetch (&row, step->fetch);
        else
          {
            g_autoptr(GError) parse_error = NULL;

            row.date = step->date;
            if (!_op_mail_row_from_raw (&row, step->uid, step->raw, &parse_error))
              {
                /* Not a message at all (no header): kept, so that it is not fetched
                 * again and again, with its size only. */
                g_debug ("UID %u is not a message: %s", step->uid, parse_error->message);
                _op_mail_row_clear (&row);
                memset (&row, 0, sizeof row);
                row.uid = step->uid;
                row.date = step->date;
                row.size = g_bytes_get_size (step->raw);
                row.raw = g_bytes_ref (step->raw);
              }
            row.flags = step->flags;
          }
        ok = _op_mail_store_insert_message (self, folder, &row, changes, error);
        _op_mail_row_clear (&row);
        if (range_empty)
          g_hash_table_add (inserted, GUINT_TO_POINTER (step->uid));
        if (!ok)
          return FALSE;
        if (step->uidl != NULL)
          {
            sqlite3_stmt *stmt = _op_mail_wstmt (self,
                                                 "INSERT OR REPLACE INTO pop3_uidls (folder_id, uidl, uid, received)"
                                                 " VALUES (?1, ?2, ?3, ?4)",
                                                 error);
            if (stmt == NULL)
              return FALSE;
            sqlite3_bind_int64 (stmt, 1, folder);
            _op_mail_bind_text (stmt, 2, step->uidl);
            sqlite3_bind_int64 (stmt, 3, step->uid);
            sqlite3_bind_int64 (stmt, 4, g_get_real_time () / G_USEC_PER_SEC);
            if (!_op_mail_step_done (stmt, error))
              return FALSE;
          }
      }
    }

  if (update->uidvalidity != 0 || update->uidnext != 0 || update->highestmodseq != 0
      || update->complete >= 0)
    {
      sqlite3_stmt *stmt = _op_mail_wstmt (self,
                                           "UPDATE folders SET"
                                           " uidvalidity = CASE WHEN ?2 = 0 THEN uidvalidity ELSE ?2 END,"
                                           " uidnext = CASE WHEN ?3 = 0 THEN uidnext ELSE ?3 END,"
                                           " highestmodseq = CASE WHEN ?4 = 0 THEN highestmodseq ELSE ?4 END,"
                                           " complete = CASE WHEN ?5 < 0 THEN complete ELSE ?5 END"
                                           " WHERE id = ?1",
                                           error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_int64 (stmt, 1, folder);
      sqlite3_bind_int64 (stmt, 2, update->uidvalidity);
      sqlite3_bind_int64 (stmt, 3, update->uidnext);
      sqlite3_bind_int64 (stmt, 4, (gint64) update->highestmodseq);
      sqlite3_bind_int (stmt, 5, update->complete);
      if (!_op_mail_step_done (stmt, error))
        return FALSE;
      changes->folders_changed = TRUE;
    }
  return TRUE;
}

static gboolean
apply_write (OpMailStore     *self,
             sqlite3         *db,
             OpMailWriteJob  *job,
             OpMailChanges   *changes,
             GError         **error)
{
  gboolean ok;

  self->fts_pending = g_array_new (FALSE, FALSE, sizeof (OpMailFtsRow));
  g_array_set_clear_func (self->fts_pending, fts_row_clear);
  ok = apply_steps (self, db, job, changes, error) && flush_fts (self, error);
  g_clear_pointer (&self->fts_pending, g_array_unref);
  return ok;
}

void
op_mail_store_apply_async (OpMailStore         *self,
                           OpMailUpdate        *update,
                           GCancellable        *cancellable,
                           GAsyncReadyCallback  callback,
                           gpointer             user_data)
{
  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (update != NULL);

  _op_mail_store_queue_write (self, op_mail_store_apply_async, apply_write, update,
                              (GDestroyNotify) op_mail_update_free, update->bulk, cancellable, callback, user_data);
}

typedef struct
{
  gint64  message_id;
  GBytes *raw;
} BodyData;

static void
body_data_free (BodyData *data)
{
  g_bytes_unref (data->raw);
  g_free (data);
}

static gboolean
save_body_write (OpMailStore     *self,
                 sqlite3         *db,
                 OpMailWriteJob  *job,
                 OpMailChanges   *changes,
                 GError         **error)
{
  BodyData *data = job->data;
  g_autoptr(OpMimeMessage) message = NULL;
  g_autofree char *preview = NULL;
  const char *text = "";
  gint64 folder_id, conversation_id;
  sqlite3_stmt *stmt;

  stmt = _op_mail_wstmt (self, "SELECT folder_id, conversation_id FROM messages WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->message_id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, OP_MAIL_STORE_ERROR, OP_MAIL_STORE_ERROR_NOT_FOUND,
                   _("The message is no longer in the mail store."));
      return FALSE;
    }
  folder_id = sqlite3_column_int64 (stmt, 0);
  conversation_id = sqlite3_column_int64 (stmt, 1);
  sqlite3_reset (stmt);

  message = op_mime_message_parse_bytes (data->raw, NULL, NULL);
  if (message != NULL)
    text = op_mime_message_get_text (message);
  preview = make_preview (text);

  if (!store_body (self, data->message_id, data->raw, text, error))
    return FALSE;
  stmt = _op_mail_wstmt (self, "UPDATE messages SET body_cached = 1, preview = ?2 WHERE id = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, data->message_id);
  _op_mail_bind_text (stmt, 2, preview);
  if (!_op_mail_step_done (stmt, error))
    return FALSE;
  _op_mail_changes_touch (changes, folder_id, conversation_id);
  return TRUE;
}

void
op_mail_store_save_body_async (OpMailStore         *self,
                               gint64               message_id,
                               GBytes              *message,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  BodyData *data;

  g_return_if_fail (OP_IS_MAIL_STORE (self));
  g_return_if_fail (message != NULL);

  data = g_new0 (BodyData, 1);
  data->message_id = message_id;
  data->raw = g_bytes_ref (message);
  _op_mail_store_queue_write (self, op_mail_store_save_body_async, save_body_write, data,
                              (GDestroyNotify) body_data_free, FALSE, cancellable, callback, user_data);
}
