/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ftp-listing"

#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "op-ftp-listing.h"
#include "op-ftp-listing-private.h"

/*
 * Every parser works on (pointer, length) spans of untrusted bytes: no strlen(), no
 * sscanf(), no pass over a line more than a fixed number of times, so a hostile listing
 * costs linear time and a NUL byte is just another byte. A name that contains NUL is not
 * an entry (it could not be sent back in a command, and as a C string it would address
 * another file): such a line is reported as unparsed.
 */

#define SECONDS_PER_DAY G_GINT64_CONSTANT (86400)

/* More digits would overflow gint64; no server has such files. */
#define MAX_NUMBER_DIGITS 18

/* ---------------------------------------------------------------------------------- */
/* Entries and listings                                                                */

G_DEFINE_BOXED_TYPE (OpFtpEntry, op_ftp_entry, op_ftp_entry_copy, op_ftp_entry_free)
G_DEFINE_BOXED_TYPE (OpFtpListing, op_ftp_listing, op_ftp_listing_copy, op_ftp_listing_free)

void
_op_ftp_entry_reset (OpFtpEntry *entry)
{
  g_clear_pointer (&entry->name, g_free);
  g_clear_pointer (&entry->wire_name, g_free);
  g_clear_pointer (&entry->link_target, g_free);
  g_clear_pointer (&entry->owner, g_free);
  g_clear_pointer (&entry->group, g_free);
  g_clear_pointer (&entry->perm, g_free);
  entry->type = OP_FTP_ENTRY_UNKNOWN;
  entry->size = -1;
  entry->mtime = 0;
  entry->time_precision = OP_FTP_TIME_NONE;
  entry->mode = -1;
}

/**
 * op_ftp_entry_new:
 *
 * Returns: (transfer full): an empty entry: unknown type, size and mode -1, no time
 */
OpFtpEntry *
op_ftp_entry_new (void)
{
  OpFtpEntry *entry = g_new0 (OpFtpEntry, 1);

  _op_ftp_entry_reset (entry);
  return entry;
}

/**
 * op_ftp_entry_copy:
 * @entry: an entry
 *
 * Returns: (transfer full): a deep copy
 */
OpFtpEntry *
op_ftp_entry_copy (const OpFtpEntry *entry)
{
  OpFtpEntry *copy;

  g_return_val_if_fail (entry != NULL, NULL);

  copy = g_new (OpFtpEntry, 1);
  *copy = *entry;
  copy->name = g_strdup (entry->name);
  copy->wire_name = g_strdup (entry->wire_name);
  copy->link_target = g_strdup (entry->link_target);
  copy->owner = g_strdup (entry->owner);
  copy->group = g_strdup (entry->group);
  copy->perm = g_strdup (entry->perm);

  return copy;
}

void
op_ftp_entry_free (OpFtpEntry *entry)
{
  if (entry == NULL)
    return;

  _op_ftp_entry_reset (entry);
  g_free (entry);
}

/**
 * op_ftp_listing_new:
 *
 * Returns: (transfer full): an empty listing
 */
OpFtpListing *
op_ftp_listing_new (void)
{
  OpFtpListing *listing = g_new0 (OpFtpListing, 1);

  listing->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) op_ftp_entry_free);
  listing->unparsed = g_ptr_array_new_with_free_func (g_free);
  listing->format = OP_FTP_LIST_AUTO;

  return listing;
}

/**
 * op_ftp_listing_copy:
 * @listing: a listing
 *
 * Returns: (transfer full): a deep copy
 */
OpFtpListing *
op_ftp_listing_copy (const OpFtpListing *listing)
{
  OpFtpListing *copy;

  g_return_val_if_fail (listing != NULL, NULL);

  copy = op_ftp_listing_new ();
  copy->format = listing->format;
  for (guint i = 0; i < listing->entries->len; i++)
    g_ptr_array_add (copy->entries, op_ftp_entry_copy (g_ptr_array_index (listing->entries, i)));
  for (guint i = 0; i < listing->unparsed->len; i++)
    g_ptr_array_add (copy->unparsed, g_strdup (g_ptr_array_index (listing->unparsed, i)));

  return copy;
}

void
op_ftp_listing_free (OpFtpListing *listing)
{
  if (listing == NULL)
    return;

  g_ptr_array_unref (listing->entries);
  g_ptr_array_unref (listing->unparsed);
  g_free (listing);
}

/* ---------------------------------------------------------------------------------- */
/* Small helpers over spans                                                            */

typedef struct
{
  const char *p;
  gsize       len;
} Span;

gboolean
_op_ftp_span_has_nul (const char *p,
                      gsize       len)
{
  return memchr (p, '\0', len) != NULL;
}

/* Decimal digits only, at most MAX_NUMBER_DIGITS of them. */
static gboolean
parse_number (const char *p,
              gsize       len,
              gint64     *out)
{
  gint64 value = 0;

  if (len == 0 || len > MAX_NUMBER_DIGITS)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!_op_ftp_is_digit (p[i]))
        return FALSE;
      value = value * 10 + (p[i] - '0');
    }
  *out = value;
  return TRUE;
}

/* Exactly @len digits (a fixed-width date field). */
static gboolean
parse_fixed (const char *p,
             gsize       len,
             int        *out)
{
  gint64 value;

  if (!parse_number (p, len, &value))
    return FALSE;
  *out = (int) value;
  return TRUE;
}

static gboolean
span_equal_ci (const char *p,
               gsize       len,
               const char *literal)
{
  gsize n = strlen (literal);

  return len == n && g_ascii_strncasecmp (p, literal, n) == 0;
}

static gboolean
span_has_prefix_ci (const char *p,
                    gsize       len,
                    const char *literal)
{
  gsize n = strlen (literal);

  return len >= n && g_ascii_strncasecmp (p, literal, n) == 0;
}

/* Splits off the next run of non-blank bytes; FALSE at the end of the line. */
static gboolean
next_token (const char **cursor,
            const char  *end,
            Span        *token)
{
  const char *p = *cursor;

  while (p < end && _op_ftp_is_blank (*p))
    p++;
  if (p == end)
    return FALSE;
  token->p = p;
  while (p < end && !_op_ftp_is_blank (*p))
    p++;
  token->len = (gsize) (p - token->p);
  *cursor = p;
  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* Calendar (UTC, proleptic Gregorian; no GDateTime per line: 100,000 lines)           */

static gboolean
is_leap (int year)
{
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int
days_in_month (int year,
               int month)
{
  static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  return month == 2 && is_leap (year) ? 29 : days[month - 1];
}

/* Howard Hinnant's days_from_civil. */
static gint64
days_from_civil (int year,
                 int month,
                 int day)
{
  gint64 y = year - (month <= 2);
  gint64 era = (y >= 0 ? y : y - 399) / 400;
  gint64 yoe = y - era * 400;
  gint64 doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

  return era * 146097 + doe - 719468;
}

static int
year_of (gint64 seconds)
{
  gint64 z = (seconds >= 0 ? seconds / SECONDS_PER_DAY
                           : (seconds - SECONDS_PER_DAY + 1) / SECONDS_PER_DAY) + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  gint64 month = mp < 10 ? mp + 3 : mp - 9;

  return (int) (yoe + era * 400 + (month <= 2));
}

static gboolean
make_time (int     year,
           int     month,
           int     day,
           int     hour,
           int     minute,
           int     second,
           gint64 *out)
{
  if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1
      || day > days_in_month (year, month) || hour < 0 || hour > 23 || minute < 0
      || minute > 59 || second < 0 || second > 60)
    return FALSE;

  *out = days_from_civil (year, month, day) * SECONDS_PER_DAY
         + hour * 3600 + minute * 60 + second;
  return TRUE;
}

/* "Jan".."Dec", case-insensitive; 0 when not a month. */
static int
parse_month (const char *p,
             gsize       len)
{
  static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";

  if (len != 3)
    return 0;
  for (int i = 0; i < 12; i++)
    if (g_ascii_tolower (p[0]) == months[i * 3]
        && g_ascii_tolower (p[1]) == months[i * 3 + 1]
        && g_ascii_tolower (p[2]) == months[i * 3 + 2])
      return i + 1;
  return 0;
}

/* "H:MM" or "HH:MM". */
static gboolean
parse_hh_mm (const char *p,
             gsize       len,
             int        *hour,
             int        *minute)
{
  gsize colon = len == 4 ? 1 : 2;

  if ((len != 4 && len != 5) || p[colon] != ':')
    return FALSE;
  return parse_fixed (p, colon, hour) && parse_fixed (p + colon + 1, 2, minute)
         && *hour <= 23 && *minute <= 59;
}

/* ---------------------------------------------------------------------------------- */
/* Filling an entry                                                                    */

void
_op_ftp_entry_set_name (OpFtpEntry *entry,
                        OpFtpConv  *conv,
                        const char *p,
                        gsize       len)
{
  entry->wire_name = g_strndup (p, len);
  entry->name = _op_ftp_conv_to_utf8 (conv, p, len);
}

static char *
conv_optional (OpFtpConv  *conv,
               const char *p,
               gsize       len)
{
  return len > 0 ? _op_ftp_conv_to_utf8 (conv, p, len) : NULL;
}

/* ---------------------------------------------------------------------------------- */
/* MLSD / MLST (RFC 3659 §7)                                                           */

static gboolean
parse_mlsd_modify (const char *p,
                   gsize       len,
                   gint64     *out)
{
  int y, mo, d, h, mi, s;

  /* RFC 3659 §2.3: YYYYMMDDHHMMSS[.sss], UTC. */
  if (len < 14 || (len > 14 && p[14] != '.'))
    return FALSE;
  for (gsize i = 15; i < len; i++)
    if (!_op_ftp_is_digit (p[i]))
      return FALSE;
  return parse_fixed (p, 4, &y) && parse_fixed (p + 4, 2, &mo) && parse_fixed (p + 6, 2, &d)
         && parse_fixed (p + 8, 2, &h) && parse_fixed (p + 10, 2, &mi)
         && parse_fixed (p + 12, 2, &s) && make_time (y, mo, d, h, mi, s, out);
}

static gboolean
parse_octal_mode (const char *p,
                  gsize       len,
                  int        *out)
{
  int value = 0;

  if (len == 0 || len > 7)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (p[i] < '0' || p[i] > '7')
        return FALSE;
      value = value * 8 + (p[i] - '0');
    }
  *out = value & 07777;
  return TRUE;
}

gboolean
_op_ftp_parse_mlsd (OpFtpConv  *conv,
                    const char *line,
                    gsize       length,
                    OpFtpEntry *entry,
                    gboolean   *hidden)
{
  const char *space = memchr (line, ' ', length);
  const char *end, *p;
  OpFtpEntryType type = OP_FTP_ENTRY_UNKNOWN;
  gint64 size = -1, sizd = -1, mtime = 0;
  gboolean have_mtime = FALSE;
  int mode = -1;
  Span target = { NULL, 0 }, perm = { NULL, 0 };
  Span owner = { NULL, 0 }, ownername = { NULL, 0 }, uid = { NULL, 0 };
  Span group = { NULL, 0 }, groupname = { NULL, 0 }, gid = { NULL, 0 };
  const char *name;
  gsize name_len;

  _op_ftp_entry_reset (entry);
  *hidden = FALSE;

  /* RFC 3659 §7.2: facts, one SP, then the pathname, which may contain anything,
   * spaces, ';' and '=' included. */
  if (space == NULL)
    return FALSE;
  name = space + 1;
  name_len = (gsize) (line + length - name);
  if (name_len == 0 || _op_ftp_span_has_nul (name, name_len))
    return FALSE;

  end = space;
  for (p = line; p < end;)
    {
      const char *semi = memchr (p, ';', (gsize) (end - p));
      const char *fact_end = semi != NULL ? semi : end;
      const char *eq = memchr (p, '=', (gsize) (fact_end - p));
      const char *value;
      gsize key_len, value_len;

      if (fact_end == p)
        {
          p = fact_end + 1;
          continue;
        }
      /* Every fact is "name=value" (§7.1); anything else is not a fact line. */
      if (eq == NULL || eq == p)
        return FALSE;

      key_len = (gsize) (eq - p);
      value = eq + 1;
      value_len = (gsize) (fact_end - value);

      if (span_equal_ci (p, key_len, "type"))
        {
          if (span_equal_ci (value, value_len, "file"))
            type = OP_FTP_ENTRY_FILE;
          else if (span_equal_ci (value, value_len, "dir"))
            type = OP_FTP_ENTRY_DIRECTORY;
          else if (span_equal_ci (value, value_len, "cdir")
                   || span_equal_ci (value, value_len, "pdir"))
            {
              type = OP_FTP_ENTRY_DIRECTORY;
              *hidden = TRUE;
            }
          /* Not in the RFC, but what servers send for links: "OS.unix=slink:/target"
           * (Pure-FTPd, vsftpd-alikes) and "OS.unix=symlink" (ProFTPD). */
          else if (span_has_prefix_ci (value, value_len, "OS.unix=slink"))
            {
              type = OP_FTP_ENTRY_SYMLINK;
              if (value_len > 14 && value[13] == ':')
                {
                  target.p = value + 14;
                  target.len = value_len - 14;
                }
            }
          else if (span_equal_ci (value, value_len, "OS.unix=symlink"))
            type = OP_FTP_ENTRY_SYMLINK;
          else
            type = OP_FTP_ENTRY_OTHER;
        }
      else if (span_equal_ci (p, key_len, "size"))
        {
          if (!parse_number (value, value_len, &size))
            size = -1;
        }
      else if (span_equal_ci (p, key_len, "sizd"))
        {
          if (!parse_number (value, value_len, &sizd))
            sizd = -1;
        }
      else if (span_equal_ci (p, key_len, "modify"))
        have_mtime = parse_mlsd_modify (value, value_len, &mtime);
      else if (span_equal_ci (p, key_len, "perm"))
        perm = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.mode"))
        {
          if (!parse_octal_mode (value, value_len, &mode))
            mode = -1;
        }
      else if (span_equal_ci (p, key_len, "unix.owner"))
        owner = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.ownername"))
        ownername = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.uid"))
        uid = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.group"))
        group = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.groupname"))
        groupname = (Span) { value, value_len };
      else if (span_equal_ci (p, key_len, "unix.gid"))
        gid = (Span) { value, value_len };

      p = fact_end + 1;
    }

  _op_ftp_entry_set_name (entry, conv, name, name_len);
  entry->type = type;
  entry->size = size >= 0 ? size : sizd;
  if (have_mtime)
    {
      entry->mtime = mtime;
      entry->time_precision = OP_FTP_TIME_SECOND;
    }
  entry->mode = mode;
  /* ProFTPD sends UNIX.owner=1000 and UNIX.ownername=alice: prefer the name. */
  if (ownername.len > 0)
    owner = ownername;
  else if (owner.len == 0)
    owner = uid;
  if (groupname.len > 0)
    group = groupname;
  else if (group.len == 0)
    group = gid;
  entry->owner = conv_optional (conv, owner.p, owner.len);
  entry->group = conv_optional (conv, group.p, group.len);
  entry->perm = conv_optional (conv, perm.p, perm.len);
  entry->link_target = conv_optional (conv, target.p, target.len);

  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* Unix ls -l                                                                          */

/* "rwxr-xr-x" with s/S/t/T (and Solaris' l for mandatory locking) into mode bits. */
static gboolean
parse_unix_permissions (const char *p,
                        int        *mode)
{
  int m = 0;

  for (int who = 0; who < 3; who++)
    {
      const char *t = p + who * 3;
      int shift = 6 - who * 3;
      int special = who == 0 ? 04000 : who == 1 ? 02000 : 01000;
      char exec_set = who == 2 ? 't' : 's';
      char exec_unset = who == 2 ? 'T' : 'S';

      if (t[0] == 'r')
        m |= 4 << shift;
      else if (t[0] != '-')
        return FALSE;

      if (t[1] == 'w')
        m |= 2 << shift;
      else if (t[1] != '-')
        return FALSE;

      if (t[2] == 'x')
        m |= 1 << shift;
      else if (t[2] == exec_set)
        m |= (1 << shift) | special;
      else if (t[2] == exec_unset || (who == 1 && (t[2] == 'l' || t[2] == 'L')))
        m |= special;
      else if (t[2] != '-')
        return FALSE;
    }

  *mode = m;
  return TRUE;
}

static OpFtpEntryType
unix_type (char c)
{
  switch (c)
    {
    case '-':
      return OP_FTP_ENTRY_FILE;
    case 'd':
      return OP_FTP_ENTRY_DIRECTORY;
    case 'l':
      return OP_FTP_ENTRY_SYMLINK;
    case 'b': /* block device */
    case 'c': /* character device */
    case 'p': /* FIFO */
    case 's': /* socket */
    case 'D': /* Solaris door */
    case 'n': /* HP-UX network special */
    case 'P': /* Solaris event port */
    case 'w': /* BSD whiteout */
    case '?':
      return OP_FTP_ENTRY_OTHER;
    default:
      return OP_FTP_ENTRY_UNKNOWN;
    }
}

/* At most this many columns before the date: mode, links, owner, group, size, and a
 * few spare for "major, minor" and owner names with spaces. */
#define UNIX_MAX_TOKENS 12

gboolean
_op_ftp_parse_unix (OpFtpConv  *conv,
                    gint64      now,
                    const char *line,
                    gsize       length,
                    OpFtpEntry *entry)
{
  const char *end = line + length;
  const char *cursor;
  char type_char;
  OpFtpEntryType type;
  int mode = -1;
  Span tokens[UNIX_MAX_TOKENS];
  int n = 0, date_at = -1;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  gboolean have_time = FALSE;
  gint64 size = -1, mtime = 0;
  int size_at, first_field, n_fields;
  Span owner = { NULL, 0 }, group = { NULL, 0 };
  const char *name, *name_end, *target = NULL, *target_end = NULL;

  _op_ftp_entry_reset (entry);

  if (length < 2)
    return FALSE;
  type_char = line[0];
  type = unix_type (type_char);
  if (type == OP_FTP_ENTRY_UNKNOWN)
    return FALSE;

  if (line[1] == ' ' && length > 3 && line[2] == '[' && (type_char == 'd' || type_char == '-'))
    {
      /* Netware: "d [RWCEAFMS] owner 512 Jan 1 12:00 name": rights, not Unix bits. */
      const char *close = memchr (line + 2, ']', MIN (length - 2, 16));

      if (close == NULL)
        return FALSE;
      cursor = close + 1;
    }
  else
    {
      if (length < 11 || !parse_unix_permissions (line + 1, &mode))
        return FALSE;
      cursor = line + 10;
      /* ACL ('+'), SELinux context ('.'), or macOS extended attributes ('@'). */
      if (*cursor == '+' || *cursor == '.' || *cursor == '@')
        cursor++;
      if (cursor == end || !_op_ftp_is_blank (*cursor))
        return FALSE;
    }
  /* Columns up to the date, which is found by its shape rather than by position: the
   * links and group columns are optional, and devices show "major, minor". */
  while (date_at < 0 && n < UNIX_MAX_TOKENS && next_token (&cursor, end, &tokens[n]))
    {
      n++;
      if (n >= 4)
        {
          Span *m = &tokens[n - 3], *d = &tokens[n - 2], *t = &tokens[n - 1];

          month = parse_month (m->p, m->len);
          if (month != 0 && d->len >= 1 && d->len <= 2 && parse_fixed (d->p, d->len, &day))
            {
              if (parse_hh_mm (t->p, t->len, &hour, &minute))
                {
                  have_time = TRUE;
                  date_at = n - 3;
                }
              else if (t->len == 4 && parse_fixed (t->p, 4, &year))
                date_at = n - 3;
            }
        }
      if (date_at < 0 && n >= 3)
        {
          /* ls --time-style=long-iso: "2020-01-31 12:00". */
          Span *d = &tokens[n - 2], *t = &tokens[n - 1];

          if (d->len == 10 && d->p[4] == '-' && d->p[7] == '-'
              && parse_fixed (d->p, 4, &year) && parse_fixed (d->p + 5, 2, &month)
              && parse_fixed (d->p + 8, 2, &day) && parse_hh_mm (t->p, t->len, &hour, &minute))
            {
              have_time = TRUE;
              date_at = n - 2;
            }
        }
    }
  if (date_at < 1)
    return FALSE;

  /* The name starts after the date's last column and exactly one blank: more blanks
   * belong to the name (" leading space"). */
  name = tokens[n - 1].p + tokens[n - 1].len + 1;
  if (name >= end)
    return FALSE;
  name_end = end;

  if (year == 0)
    {
      /* "Mon DD HH:MM": within the last six months for ls; take the most recent such
       * date not more than a day ahead of now (clocks and time zones differ). */
      int y;

      int now_year = year_of (now);

      for (y = now_year + 1; y > now_year - 8; y--)
        if (make_time (y, month, day, hour, minute, 0, &mtime)
            && mtime <= now + SECONDS_PER_DAY)
          break;
      if (y <= now_year - 8)
        return FALSE;
    }
  else if (!make_time (year, month, day, hour, minute, 0, &mtime))
    return FALSE;

  /* The size, or "major, minor" ("1, 3" or "1,3") for devices. */
  size_at = date_at - 1;
  if (memchr (tokens[size_at].p, ',', tokens[size_at].len) != NULL)
    size = -1;
  else if (size_at >= 1 && tokens[size_at - 1].len > 1
           && tokens[size_at - 1].p[tokens[size_at - 1].len - 1] == ','
           && (type_char == 'c' || type_char == 'b'))
    {
      size = -1;
      size_at--;
    }
  else if (!parse_number (tokens[size_at].p, tokens[size_at].len, &size))
    return FALSE;

  /* Between the mode and the size: [links] [owner [group]]. */
  first_field = 0;
  n_fields = size_at;
  if (n_fields > 0)
    {
      gint64 links;

      if (parse_number (tokens[0].p, tokens[0].len, &links))
        {
          first_field = 1;
          n_fields--;
        }
    }
  if (n_fields >= 1)
    owner = tokens[first_field];
  if (n_fields >= 2)
    {
      /* A group name with spaces: everything up to the size. */
      Span *last = &tokens[first_field + n_fields - 1];

      group.p = tokens[first_field + 1].p;
      group.len = (gsize) (last->p + last->len - group.p);
    }

  if (type_char == 'l')
    {
      /* "name -> target": split at the first arrow, as ls prints no escapes. */
      for (const char *p = name; p + 4 <= name_end; p++)
        if (p[0] == ' ' && p[1] == '-' && p[2] == '>' && p[3] == ' ')
          {
            target = p + 4;
            target_end = name_end;
            name_end = p;
            break;
          }
    }

  /* ls -F (ProFTPD's "LIST -F", servers that always classify): the suffix is not part of
   * the name when the type agrees with it. */
  if (name_end - name > 1)
    {
      char last = name_end[-1];

      if ((last == '/' && type_char == 'd')
          || (last == '*' && type_char == '-' && mode > 0 && (mode & 0111) != 0)
          || (last == '@' && type_char == 'l')
          || (last == '|' && type_char == 'p')
          || (last == '=' && type_char == 's'))
        name_end--;
    }

  if (name_end == name || _op_ftp_span_has_nul (name, (gsize) (name_end - name)))
    return FALSE;

  _op_ftp_entry_set_name (entry, conv, name, (gsize) (name_end - name));
  entry->type = type;
  entry->size = size;
  entry->mtime = mtime;
  entry->time_precision = have_time ? OP_FTP_TIME_MINUTE : OP_FTP_TIME_DAY;
  entry->mode = mode;
  entry->owner = conv_optional (conv, owner.p, owner.len);
  entry->group = conv_optional (conv, group.p, group.len);
  if (target != NULL && target_end > target)
    entry->link_target = _op_ftp_conv_to_utf8 (conv, target, (gsize) (target_end - target));

  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* DOS / IIS                                                                           */

/* "01-16-02", "01-16-2002", "2002-01-16" (also with '/' or '.'). */
static gboolean
parse_dos_date (const Span *t,
                int        *year,
                int        *month,
                int        *day)
{
  const char *p = t->p;

  if (t->len == 10 && (p[4] == '-' || p[4] == '/' || p[4] == '.') && p[7] == p[4])
    return parse_fixed (p, 4, year) && parse_fixed (p + 5, 2, month)
           && parse_fixed (p + 8, 2, day);

  if ((t->len == 8 || t->len == 10) && (p[2] == '-' || p[2] == '/' || p[2] == '.')
      && p[5] == p[2])
    {
      if (!parse_fixed (p, 2, month) || !parse_fixed (p + 3, 2, day)
          || !parse_fixed (p + 6, t->len - 6, year))
        return FALSE;
      /* Two-digit years: IIS's default, the same pivot as FileZilla. */
      if (t->len == 8)
        *year += *year < 70 ? 2000 : 1900;
      return TRUE;
    }

  return FALSE;
}

/* "11:14AM", "11:14PM", "23:14". */
static gboolean
parse_dos_time (const Span *t,
                int        *hour,
                int        *minute)
{
  gsize len = t->len;
  gboolean am = FALSE, pm = FALSE;

  if (len > 2 && (t->p[len - 1] == 'M' || t->p[len - 1] == 'm'))
    {
      am = t->p[len - 2] == 'A' || t->p[len - 2] == 'a';
      pm = t->p[len - 2] == 'P' || t->p[len - 2] == 'p';
      if (!am && !pm)
        return FALSE;
      len -= 2;
    }
  if (!parse_hh_mm (t->p, len, hour, minute))
    return FALSE;
  if (am || pm)
    {
      if (*hour < 1 || *hour > 12)
        return FALSE;
      *hour = (*hour % 12) + (pm ? 12 : 0);
    }
  return TRUE;
}

gboolean
_op_ftp_parse_dos (OpFtpConv  *conv,
                   const char *line,
                   gsize       length,
                   OpFtpEntry *entry)
{
  const char *end = line + length;
  const char *cursor = line;
  Span date, time, size_token;
  int year, month, day, hour, minute;
  gint64 mtime, size = -1;
  OpFtpEntryType type;
  const char *name;

  _op_ftp_entry_reset (entry);

  if (!next_token (&cursor, end, &date) || !parse_dos_date (&date, &year, &month, &day)
      || !next_token (&cursor, end, &time) || !parse_dos_time (&time, &hour, &minute)
      || !make_time (year, month, day, hour, minute, 0, &mtime)
      || !next_token (&cursor, end, &size_token))
    return FALSE;

  if (span_equal_ci (size_token.p, size_token.len, "<DIR>"))
    type = OP_FTP_ENTRY_DIRECTORY;
  else
    {
      /* Windows' own FTP output groups digits: "1,234,567". */
      char digits[MAX_NUMBER_DIGITS];
      gsize n = 0;

      for (gsize i = 0; i < size_token.len; i++)
        {
          if (size_token.p[i] == ',' || size_token.p[i] == '.')
            continue;
          if (n == sizeof digits)
            return FALSE;
          digits[n++] = size_token.p[i];
        }
      if (!parse_number (digits, n, &size))
        return FALSE;
      type = OP_FTP_ENTRY_FILE;
    }

  /* IIS pads the size column: the name starts at the next non-blank. */
  name = cursor;
  while (name < end && _op_ftp_is_blank (*name))
    name++;
  if (name == end || _op_ftp_span_has_nul (name, (gsize) (end - name)))
    return FALSE;

  _op_ftp_entry_set_name (entry, conv, name, (gsize) (end - name));
  entry->type = type;
  entry->size = size;
  entry->mtime = mtime;
  entry->time_precision = OP_FTP_TIME_MINUTE;

  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* EPLF (D. J. Bernstein, https://cr.yp.to/ftp/list/eplf.html)                         */

gboolean
_op_ftp_parse_eplf (OpFtpConv  *conv,
                    const char *line,
                    gsize       length,
                    OpFtpEntry *entry)
{
  const char *tab, *end, *p;
  OpFtpEntryType type = OP_FTP_ENTRY_UNKNOWN;
  gboolean is_dir = FALSE, is_file = FALSE;
  gint64 size = -1, mtime = 0;
  gboolean have_mtime = FALSE;
  int mode = -1;
  const char *name;
  gsize name_len;

  _op_ftp_entry_reset (entry);

  if (length < 3 || line[0] != '+')
    return FALSE;
  tab = memchr (line, '\t', length);
  if (tab == NULL)
    return FALSE;
  name = tab + 1;
  name_len = (gsize) (line + length - name);
  if (name_len == 0 || _op_ftp_span_has_nul (name, name_len))
    return FALSE;

  end = tab;
  for (p = line + 1; p < end;)
    {
      const char *comma = memchr (p, ',', (gsize) (end - p));
      const char *fact_end = comma != NULL ? comma : end;
      gsize len = (gsize) (fact_end - p);

      if (len > 0)
        switch (p[0])
          {
          case 'r':
            is_file = TRUE;
            break;
          case '/':
            is_dir = TRUE;
            break;
          case 's':
            if (!parse_number (p + 1, len - 1, &size))
              size = -1;
            break;
          case 'm':
            have_mtime = parse_number (p + 1, len - 1, &mtime);
            break;
          case 'u':
            if (len > 2 && p[1] == 'p' && !parse_octal_mode (p + 2, len - 2, &mode))
              mode = -1;
            break;
          default:
            /* "i" (identifier) and facts from later revisions: ignored. */
            break;
          }
      p = fact_end + 1;
    }

  if (is_dir)
    type = OP_FTP_ENTRY_DIRECTORY;
  else if (is_file)
    type = OP_FTP_ENTRY_FILE;

  _op_ftp_entry_set_name (entry, conv, name, name_len);
  entry->type = type;
  entry->size = size;
  if (have_mtime)
    {
      entry->mtime = mtime;
      entry->time_precision = OP_FTP_TIME_SECOND;
    }
  entry->mode = mode;

  return TRUE;
}

/* ---------------------------------------------------------------------------------- */
/* VMS                                                                                 */

/* "NAME.EXT;12": where the version starts (the ';'), or NULL. */
static const char *
vms_version (const Span *t)
{
  const char *semi = NULL;

  for (gsize i = t->len; i > 0; i--)
    if (t->p[i - 1] == ';')
      {
        semi = t->p + i - 1;
        break;
      }
  if (semi == NULL || semi == t->p || semi + 1 == t->p + t->len)
    return NULL;
  for (const char *p = semi + 1; p < t->p + t->len; p++)
    if (!_op_ftp_is_digit (*p))
      return NULL;
  return semi;
}

/* "(RWED,RWED,RE,)": system, owner, group, world. */
static int
vms_protection (const char *p,
                gsize       len)
{
  int mode = 0, field = 0;

  if (len < 2 || p[0] != '(' || p[len - 1] != ')')
    return -1;
  for (gsize i = 1; i < len - 1; i++)
    {
      int shift = field == 1 ? 6 : field == 2 ? 3 : 0;

      switch (p[i])
        {
        case ',':
          field++;
          break;
        case 'R':
          if (field > 0)
            mode |= 4 << shift;
          break;
        case 'W':
          if (field > 0)
            mode |= 2 << shift;
          break;
        case 'E':
          if (field > 0)
            mode |= 1 << shift;
          break;
        case 'D':
          break;
        default:
          return -1;
        }
    }
  return field == 3 ? mode : -1;
}

gboolean
_op_ftp_parse_vms (OpFtpConv  *conv,
                   const char *line,
                   gsize       length,
                   OpFtpEntry *entry)
{
  const char *end = line + length;
  const char *cursor = line;
  Span name_token, size_token, date, time, t;
  const char *semi, *slash;
  int day, month, year, hour, minute, second = 0;
  gint64 blocks, mtime;
  gboolean have_seconds = FALSE;
  OpFtpEntryType type = OP_FTP_ENTRY_FILE;
  Span owner = { NULL, 0 }, group = { NULL, 0 };
  int mode = -1;
  gsize name_len;

  _op_ftp_entry_reset (entry);

  if (!next_token (&cursor, end, &name_token) || (semi = vms_version (&name_token)) == NULL
      || !next_token (&cursor, end, &size_token) || !next_token (&cursor, end, &date)
      || !next_token (&cursor, end, &time))
    return FALSE;

  /* "213/216": blocks used / allocated; some servers print only the first. */
  slash = memchr (size_token.p, '/', size_token.len);
  if (!parse_number (size_token.p,
                     slash != NULL ? (gsize) (slash - size_token.p) : size_token.len,
                     &blocks)
      || blocks > G_MAXINT64 / 512)
    return FALSE;

  /* "29-JAN-1996" (day with one or two digits). */
  {
    const char *dash1 = memchr (date.p, '-', MIN (date.len, 3));
    gsize dlen;

    if (dash1 == NULL)
      return FALSE;
    dlen = (gsize) (dash1 - date.p);
    if (dlen == 0 || date.len != dlen + 9 || dash1[4] != '-'
        || !parse_fixed (date.p, dlen, &day) || (month = parse_month (dash1 + 1, 3)) == 0
        || !parse_fixed (dash1 + 5, 4, &year))
      return FALSE;
  }

  /* "03:33", "03:33:12" or "03:33:12.45". */
  if (time.len >= 8 && time.p[5] == ':')
    {
      if (!parse_fixed (time.p + 6, 2, &second))
        return FALSE;
      have_seconds = TRUE;
      if (time.len > 8 && time.p[8] != '.')
        return FALSE;
      if (!parse_hh_mm (time.p, 5, &hour, &minute))
        return FALSE;
    }
  else if (!parse_hh_mm (time.p, time.len, &hour, &minute))
    return FALSE;
  if (!make_time (year, month, day, hour, minute, second, &mtime))
    return FALSE;

  /* Optional "[GROUP,OWNER]" (or "[OWNER]", or a UIC "[1,2]") and "(RWED,RWED,,)". */
  while (next_token (&cursor, end, &t))
    {
      if (t.p[0] == '[')
        {
          const char *close = memchr (t.p, ']', (gsize) (end - t.p));
          const char *comma;

          if (close == NULL)
            break;
          t.len = (gsize) (close - t.p) + 1;
          cursor = close + 1;
          comma = memchr (t.p, ',', t.len);
          if (comma != NULL)
            {
              group = (Span) { t.p + 1, (gsize) (comma - t.p - 1) };
              owner = (Span) { comma + 1, (gsize) (close - comma - 1) };
            }
          else
            owner = (Span) { t.p + 1, t.len - 2 };
        }
      else if (t.p[0] == '(')
        mode = vms_protection (t.p, t.len);
    }

  name_len = (gsize) (semi - name_token.p);
  if (name_len > 4 && g_ascii_strncasecmp (semi - 4, ".DIR", 4) == 0)
    {
      /* "PUB.DIR;1" is the directory PUB: CWD and the [.PUB] syntax take the bare name. */
      type = OP_FTP_ENTRY_DIRECTORY;
      name_len -= 4;
    }
  if (_op_ftp_span_has_nul (name_token.p, name_len))
    return FALSE;

  /* The version is dropped: RETR NAME gets the newest, which is what a user means. */
  _op_ftp_entry_set_name (entry, conv, name_token.p, name_len);
  entry->type = type;
  entry->size = blocks * 512;
  entry->mtime = mtime;
  entry->time_precision = have_seconds ? OP_FTP_TIME_SECOND : OP_FTP_TIME_MINUTE;
  entry->mode = mode;
  entry->owner = conv_optional (conv, owner.p, owner.len);
  entry->group = conv_optional (conv, group.p, group.len);

  return TRUE;
}

/* A name alone on its line: the rest of the entry follows on the next one. */
gboolean
_op_ftp_vms_is_name_only (const char *line,
                          gsize       length)
{
  const char *cursor = line, *end = line + length;
  Span token, extra;

  return next_token (&cursor, end, &token) && !next_token (&cursor, end, &extra)
         && vms_version (&token) != NULL;
}

gboolean
_op_ftp_vms_is_header (const char *line,
                       gsize       length)
{
  /* "Directory DISK$USER:[ANONYMOUS]", "Total of 12 files, 345/678 blocks.",
   * "Grand total of 2 directories, 12 files, 345/678 blocks." */
  return (span_has_prefix_ci (line, length, "Directory ")
          && memchr (line, ']', length) != NULL)
         || span_has_prefix_ci (line, length, "Total of ")
         || span_has_prefix_ci (line, length, "Grand total of ");
}

gboolean
_op_ftp_unix_is_total (const char *line,
                       gsize       length)
{
  gsize i = 6;

  /* "total 42" (GNU ls, also "total 1.2M" with -h). */
  if (!span_has_prefix_ci (line, length, "total ") || length == 6)
    return FALSE;
  for (; i < length; i++)
    if (!_op_ftp_is_digit (line[i]) && line[i] != '.' && line[i] != ',' && !g_ascii_isalpha (line[i])
        && !_op_ftp_is_blank (line[i]))
      return FALSE;
  return TRUE;
}

