/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-listing"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-ftp-listing.h"

/*
 * Two kinds of tests: hand-written ones for each rule, and one test per sample in
 * tests/data/ftp-listings/: SAMPLE.txt (or .bin) with SAMPLE.expected beside it, so a
 * listing that broke for a user becomes a test without writing C. The .expected format:
 *
 *   # comment
 *   @parse unix                    format given to the parser (default: auto)
 *   @format unix                   the listing's format afterwards (default: not checked)
 *   @charset GB18030               the site charset (default: UTF-8)
 *   @now 2024-06-15T12:00:00Z      the clock for "Mon DD HH:MM" (default: this one)
 *   type<TAB>size<TAB>mtime<TAB>mode<TAB>owner<TAB>group<TAB>name[<TAB>-> target]
 *   unparsed<TAB>text
 *
 * type is file, dir, link, other or unknown; "-" stands for an unknown size, time, mode,
 * owner or group; mtime is "2020-01-31" (day), "2020-01-31 12:00" (minute) or
 * "2020-01-31 12:00:00" (second); names escape \, TAB and control characters as \\, \t
 * and \xNN. `test-ftp-listing --dump SAMPLE [EXPECTED]` prints a draft .expected for a
 * new sample (reading the directives from EXPECTED if given): review it before adding.
 */

#define DEFAULT_NOW "2024-06-15T12:00:00Z"

static gint64
parse_iso (const char *text)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601 (text, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static void
append_escaped (GString    *out,
                const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '\t')
        g_string_append (out, "\\t");
      else if ((guchar) *p < 0x20 || *p == 0x7f)
        g_string_append_printf (out, "\\x%02X", (guchar) *p);
      else
        g_string_append_c (out, *p);
    }
}

static const char *
type_word (OpFtpEntryType type)
{
  switch (type)
    {
    case OP_FTP_ENTRY_FILE:
      return "file";
    case OP_FTP_ENTRY_DIRECTORY:
      return "dir";
    case OP_FTP_ENTRY_SYMLINK:
      return "link";
    case OP_FTP_ENTRY_OTHER:
      return "other";
    case OP_FTP_ENTRY_UNKNOWN:
    default:
      return "unknown";
    }
}

static char *
format_entry (const OpFtpEntry *entry)
{
  GString *out = g_string_new (type_word (entry->type));
  g_autoptr(GDateTime) dt = NULL;

  g_string_append_c (out, '\t');
  if (entry->size >= 0)
    g_string_append_printf (out, "%" G_GINT64_FORMAT, entry->size);
  else
    g_string_append_c (out, '-');

  g_string_append_c (out, '\t');
  if (entry->time_precision != OP_FTP_TIME_NONE)
    {
      g_autofree char *text = NULL;

      dt = g_date_time_new_from_unix_utc (entry->mtime);
      g_assert_nonnull (dt);
      text = g_date_time_format (dt, entry->time_precision == OP_FTP_TIME_DAY ? "%Y-%m-%d"
                                     : entry->time_precision == OP_FTP_TIME_MINUTE
                                       ? "%Y-%m-%d %H:%M"
                                       : "%Y-%m-%d %H:%M:%S");
      g_string_append (out, text);
    }
  else
    g_string_append_c (out, '-');

  g_string_append_c (out, '\t');
  if (entry->mode >= 0)
    g_string_append_printf (out, "%04o", (unsigned) entry->mode);
  else
    g_string_append_c (out, '-');

  g_string_append_c (out, '\t');
  append_escaped (out, entry->owner != NULL ? entry->owner : "-");
  g_string_append_c (out, '\t');
  append_escaped (out, entry->group != NULL ? entry->group : "-");
  g_string_append_c (out, '\t');
  append_escaped (out, entry->name);
  if (entry->link_target != NULL)
    {
      g_string_append (out, "\t-> ");
      append_escaped (out, entry->link_target);
    }

  return g_string_free (out, FALSE);
}

/* The listing as .expected lines, and the invariants every entry keeps. */
static char *
format_listing (const OpFtpListing *listing)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < listing->entries->len; i++)
    {
      const OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);
      g_autofree char *line = NULL;

      g_assert_nonnull (entry->name);
      g_assert_nonnull (entry->wire_name);
      g_assert_cmpstr (entry->name, !=, "");
      g_assert_cmpstr (entry->wire_name, !=, "");
      g_assert_true (g_utf8_validate (entry->name, -1, NULL));
      g_assert_cmpstr (entry->wire_name, !=, ".");
      g_assert_cmpstr (entry->wire_name, !=, "..");
      line = format_entry (entry);
      g_string_append_printf (out, "%s\n", line);
    }
  for (guint i = 0; i < listing->unparsed->len; i++)
    {
      const char *text = g_ptr_array_index (listing->unparsed, i);

      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_string_append (out, "unparsed\t");
      append_escaped (out, text);
      g_string_append_c (out, '\n');
    }

  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------------------- */
/* Samples                                                                             */

typedef struct
{
  OpFtpListFormat  parse;
  int              format;  /* -1: not checked */
  char            *charset;
  gint64           now;
  GString         *lines;   /* the entry and unparsed lines, as format_listing() writes */
} Expectations;

static OpFtpListFormat
format_from_word (const char *word)
{
  static const char *const words[] = { "auto", "mlsd", "unix", "dos", "eplf", "vms", "name-only" };

  for (guint i = 0; i < G_N_ELEMENTS (words); i++)
    if (g_strcmp0 (word, words[i]) == 0)
      return (OpFtpListFormat) i;
  g_error ("unknown format \"%s\" in an .expected file", word);
  return OP_FTP_LIST_AUTO;
}

static const char *
format_word (OpFtpListFormat format)
{
  static const char *const words[] = { "auto", "mlsd", "unix", "dos", "eplf", "vms", "name-only" };

  return words[format];
}

static void
expectations_clear (Expectations *exp)
{
  g_free (exp->charset);
  if (exp->lines != NULL)
    g_string_free (exp->lines, TRUE);
}

static void
expectations_load (Expectations *exp,
                   const char   *path)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;

  exp->parse = OP_FTP_LIST_AUTO;
  exp->format = -1;
  exp->charset = NULL;
  exp->now = parse_iso (DEFAULT_NOW);
  exp->lines = g_string_new (NULL);

  if (path == NULL)
    return;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (*line == '\0' || *line == '#')
        continue;
      if (g_str_has_prefix (line, "@parse "))
        exp->parse = format_from_word (line + 7);
      else if (g_str_has_prefix (line, "@format "))
        exp->format = format_from_word (line + 8);
      else if (g_str_has_prefix (line, "@charset "))
        exp->charset = g_strdup (line + 9);
      else if (g_str_has_prefix (line, "@now "))
        exp->now = parse_iso (line + 5);
      else if (*line == '@')
        g_error ("%s: unknown directive %s", path, line);
      else
        g_string_append_printf (exp->lines, "%s\n", line);
    }
}

static OpFtpListing *
parse_in_chunks (const char      *data,
                 gsize            length,
                 gsize            chunk,
                 OpFtpListFormat  format,
                 const char      *charset,
                 gint64           now)
{
  OpFtpListParser *parser = op_ftp_list_parser_new (format, charset, now);

  for (gsize offset = 0; offset < length; offset += chunk)
    op_ftp_list_parser_feed (parser, data + offset, MIN (chunk, length - offset));
  return op_ftp_list_parser_finish (parser);
}

/* The same listing with every LF turned into CRLF, or every CRLF into LF. */
static GString *
swap_line_endings (const char *data,
                   gsize       length)
{
  gboolean has_crlf = g_strstr_len (data, (gssize) length, "\r\n") != NULL;
  GString *out = g_string_sized_new (length * 2);

  for (gsize i = 0; i < length; i++)
    {
      if (has_crlf && data[i] == '\r' && i + 1 < length && data[i + 1] == '\n')
        continue;
      if (!has_crlf && data[i] == '\n')
        g_string_append_c (out, '\r');
      g_string_append_c (out, data[i]);
    }
  return out;
}

static void
test_sample (gconstpointer user_data)
{
  const char *expected_path = user_data;
  g_autofree char *base = g_strndup (expected_path, strlen (expected_path) - strlen (".expected"));
  g_autofree char *sample_path = g_strconcat (base, ".txt", NULL);
  g_autofree char *data = NULL;
  gsize length;
  Expectations exp;
  g_autoptr(OpFtpListing) listing = NULL;
  g_autoptr(OpFtpListing) chunked = NULL;
  g_autoptr(OpFtpListing) swapped = NULL;
  g_autoptr(OpFtpListing) copy = NULL;
  g_autofree char *text = NULL;
  g_autofree char *chunked_text = NULL;
  g_autofree char *swapped_text = NULL;
  g_autofree char *copy_text = NULL;
  g_autoptr(GError) error = NULL;
  GString *other;

  if (!g_file_test (sample_path, G_FILE_TEST_EXISTS))
    {
      g_free (sample_path);
      sample_path = g_strconcat (base, ".bin", NULL);
    }
  g_file_get_contents (sample_path, &data, &length, &error);
  g_assert_no_error (error);

  expectations_load (&exp, expected_path);

  listing = op_ftp_listing_parse (data, length, exp.parse, exp.charset, exp.now);
  text = format_listing (listing);
  g_assert_cmpstr (text, ==, exp.lines->str);
  if (exp.format >= 0)
    g_assert_cmpstr (format_word (listing->format), ==, format_word (exp.format));

  /* The data connection cuts anywhere: byte by byte must give the same listing. */
  chunked = parse_in_chunks (data, length, 1, exp.parse, exp.charset, exp.now);
  chunked_text = format_listing (chunked);
  g_assert_cmpstr (chunked_text, ==, text);
  g_assert_cmpint (chunked->format, ==, listing->format);

  other = swap_line_endings (data, length);
  swapped = op_ftp_listing_parse (other->str, other->len, exp.parse, exp.charset, exp.now);
  g_string_free (other, TRUE);
  swapped_text = format_listing (swapped);
  g_assert_cmpstr (swapped_text, ==, text);

  copy = op_ftp_listing_copy (listing);
  copy_text = format_listing (copy);
  g_assert_cmpstr (copy_text, ==, text);

  expectations_clear (&exp);
}

static int
dump_sample (const char *sample_path,
             const char *expected_path)
{
  g_autofree char *data = NULL;
  gsize length;
  Expectations exp;
  g_autoptr(OpFtpListing) listing = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;

  if (!g_file_get_contents (sample_path, &data, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  expectations_load (&exp, expected_path);
  listing = op_ftp_listing_parse (data, length, exp.parse, exp.charset, exp.now);
  text = format_listing (listing);
  /* Raw bytes: g_print() would convert the names to the locale's charset. */
  printf ("@parse %s\n@format %s\n", format_word (exp.parse), format_word (listing->format));
  if (exp.charset != NULL)
    printf ("@charset %s\n", exp.charset);
  fputs (text, stdout);
  expectations_clear (&exp);
  return 0;
}

static void
add_sample_tests (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "ftp-listings", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *name;

  dir = g_dir_open (dir_path, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".expected"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *file = *(const char **) &g_ptr_array_index (names, i);
      g_autofree char *stem = g_strndup (file, strlen (file) - strlen (".expected"));
      g_autofree char *test_path = g_strconcat ("/ftp/listing/sample/", stem, NULL);

      /* Leaked on purpose: GTest keeps the pointer for the run. */
      g_test_add_data_func_full (test_path, g_build_filename (dir_path, file, NULL),
                                 test_sample, g_free);
    }
}

/* ---------------------------------------------------------------------------------- */
/* Helpers for the hand-written tests                                                  */

static gint64 now;

static OpFtpListing *
parse (const char      *text,
       OpFtpListFormat  format)
{
  return op_ftp_listing_parse (text, strlen (text), format, NULL, now);
}

static const OpFtpEntry *
entry_at (const OpFtpListing *listing,
          guint               i)
{
  g_assert_cmpuint (i, <, listing->entries->len);
  return g_ptr_array_index (listing->entries, i);
}

static void
assert_line (const OpFtpListing *listing,
             guint               i,
             const char         *expected)
{
  g_autofree char *line = format_entry (entry_at (listing, i));

  g_assert_cmpstr (line, ==, expected);
}

/* ---------------------------------------------------------------------------------- */
/* Unix                                                                                */

static void
test_unix_symlink (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "lrwxrwxrwx    1 0        0              11 Jun 10 08:00 latest -> release-2.1\r\n"
      "lrwxrwxrwx    1 0        0              11 Jun 10 08:00 a -> b -> c\r\n"
      "lrwxrwxrwx    1 0        0              11 Jun 10 08:00 dangling\r\n",
      OP_FTP_LIST_UNIX);

  g_assert_cmpuint (listing->entries->len, ==, 3);
  assert_line (listing, 0, "link\t11\t2024-06-10 08:00\t0777\t0\t0\tlatest\t-> release-2.1");
  g_assert_cmpstr (entry_at (listing, 0)->wire_name, ==, "latest");
  /* ls prints no escapes: the first arrow separates. */
  assert_line (listing, 1, "link\t11\t2024-06-10 08:00\t0777\t0\t0\ta\t-> b -> c");
  assert_line (listing, 2, "link\t11\t2024-06-10 08:00\t0777\t0\t0\tdangling");
}

static void
test_unix_year_inference (void)
{
  gint64 jan = parse_iso ("2024-01-10T12:00:00Z");
  OpFtpEntry *entry = op_ftp_entry_new ();
  const char *december = "-rw-r--r-- 1 u g 1 Dec 24 18:00 gift";
  const char *tomorrow = "-rw-r--r-- 1 u g 1 Jan 11 10:00 clock-skew";
  const char *two_days = "-rw-r--r-- 1 u g 1 Jan 12 13:00 last-year";
  const char *leap = "-rw-r--r-- 1 u g 1 Feb 29 13:00 leap";
  const char *year = "-rw-r--r-- 1 u g 1 Mar  3  1999 old";

  /* Last December, not this one: ls shows times for the last six months. */
  g_assert_true (op_ftp_parse_unix_line (december, strlen (december), NULL, jan, entry));
  g_assert_cmpint (entry->mtime, ==, parse_iso ("2023-12-24T18:00:00Z"));
  g_assert_cmpint (entry->time_precision, ==, OP_FTP_TIME_MINUTE);

  /* Up to a day ahead is the server's clock or time zone, not last year. */
  g_assert_true (op_ftp_parse_unix_line (tomorrow, strlen (tomorrow), NULL, jan, entry));
  g_assert_cmpint (entry->mtime, ==, parse_iso ("2024-01-11T10:00:00Z"));
  g_assert_true (op_ftp_parse_unix_line (two_days, strlen (two_days), NULL, jan, entry));
  g_assert_cmpint (entry->mtime, ==, parse_iso ("2023-01-12T13:00:00Z"));

  /* Feb 29 belongs to the most recent leap year. */
  g_assert_true (op_ftp_parse_unix_line (leap, strlen (leap), NULL,
                                         parse_iso ("2023-06-01T00:00:00Z"), entry));
  g_assert_cmpint (entry->mtime, ==, parse_iso ("2020-02-29T13:00:00Z"));

  g_assert_true (op_ftp_parse_unix_line (year, strlen (year), NULL, jan, entry));
  g_assert_cmpint (entry->mtime, ==, parse_iso ("1999-03-03T00:00:00Z"));
  g_assert_cmpint (entry->time_precision, ==, OP_FTP_TIME_DAY);

  op_ftp_entry_free (entry);
}

static void
test_unix_f_suffixes (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "drwxr-xr-x 2 u g 4096 Jun 10 14:22 docs/\n"
      "-rwxr-xr-x 1 u g 18232 Jun  9 08:01 build.sh*\n"
      "lrwxrwxrwx 1 u g 10 May 30 17:45 current@ -> docs/\n"
      "prw-r--r-- 1 u g 0 Jun  1 10:00 events|\n"
      "srwxrwxrwx 1 u g 0 Jun  1 10:00 agent.sock=\n"
      /* The type disagrees with the suffix: it is part of the name. */
      "-rw-r--r-- 1 u g 5 Jun  1 10:00 wild*\n"
      "-rw-r--r-- 1 u g 5 Jun  1 10:00 at@\n"
      "drwxr-xr-x 2 u g 4096 Jun 10 14:22 /\n",
      OP_FTP_LIST_UNIX);
  const char *names[] = { "docs", "build.sh", "current", "events", "agent.sock", "wild*", "at@", "/" };

  g_assert_cmpuint (listing->entries->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_cmpstr (entry_at (listing, i)->name, ==, names[i]);
      g_assert_cmpstr (entry_at (listing, i)->wire_name, ==, names[i]);
    }
  g_assert_cmpstr (entry_at (listing, 2)->link_target, ==, "docs/");
}

static void
test_unix_leading_spaces (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "-rw-r--r--   1 ftp      ftp           12 Jun 10 08:00   two leading\n"
      "-rw-r--r--   1 ftp      ftp           12 Jun 10 08:00 trailing  \n"
      "-rw-r--r--   1 ftp      ftp           12 Jun 10  2019  old leading\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpuint (listing->entries->len, ==, 3);
  g_assert_cmpstr (entry_at (listing, 0)->wire_name, ==, "  two leading");
  g_assert_cmpstr (entry_at (listing, 1)->wire_name, ==, "trailing  ");
  g_assert_cmpstr (entry_at (listing, 2)->wire_name, ==, " old leading");
}

static void
test_unix_devices (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "crw-rw-rw- 1 root root 1, 3 Jan 1 2020 null\n"
      "brw-rw---- 1 root disk 8,   0 Jun 10 08:00 sda\n"
      "crw--w---- 1 root tty 136,0 Jun 10 08:00 0\n",
      OP_FTP_LIST_UNIX);

  g_assert_cmpuint (listing->entries->len, ==, 3);
  assert_line (listing, 0, "other\t-\t2020-01-01\t0666\troot\troot\tnull");
  assert_line (listing, 1, "other\t-\t2024-06-10 08:00\t0660\troot\tdisk\tsda");
  assert_line (listing, 2, "other\t-\t2024-06-10 08:00\t0620\troot\ttty\t0");
}

static void
test_unix_special_bits (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "-rwsr-xr-x 1 root root 1 Jun 10 08:00 setuid\n"
      "-rwSr--r-- 1 root root 1 Jun 10 08:00 setuid-no-x\n"
      "-rwxr-sr-x 1 root root 1 Jun 10 08:00 setgid\n"
      "drwxrwxrwt 1 root root 1 Jun 10 08:00 sticky\n"
      "drwxrwxrwT 1 root root 1 Jun 10 08:00 sticky-no-x\n"
      "-rw-r--r--+ 1 root root 1 Jun 10 08:00 acl\n"
      "-rw-r--r--. 1 root root 1 Jun 10 08:00 selinux\n"
      "-rw-r--r--@ 1 root root 1 Jun 10 08:00 xattr\n",
      OP_FTP_LIST_UNIX);
  const int modes[] = { 04755, 04644, 02755, 01777, 01776, 0644, 0644, 0644 };

  g_assert_cmpuint (listing->entries->len, ==, G_N_ELEMENTS (modes));
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    g_assert_cmpint (entry_at (listing, i)->mode, ==, modes[i]);
}

static void
test_unix_total_skipped (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "total 42\n"
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n",
      OP_FTP_LIST_UNIX);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpuint (listing->unparsed->len, ==, 0);
}

/* ---------------------------------------------------------------------------------- */
/* MLSD                                                                                */

static void
test_mlsd_facts (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "Type=cdir;Modify=20240101000000;Perm=flcdmpe; /home/alice\r\n"
      "type=pdir;modify=20240101000000;perm=flcdmpe; ..\r\n"
      "TYPE=FILE;SIZE=42;MODIFY=20240102030405.123;PERM=adfrw;UNIX.MODE=0640;"
      "UNIX.OWNER=1000;UNIX.OWNERNAME=alice;UNIX.GROUP=100;UNIX.GROUPNAME=users; a; b=c d\r\n"
      "type=dir;sizd=4096;modify=20240102030405;unix.mode=02775;unix.uid=0;unix.gid=0; src\r\n"
      "type=OS.unix=slink:/etc/hosts;size=10; hosts\r\n"
      "type=OS.unix=symlink;size=10; link2\r\n"
      "type=OS.unix=chr-13/29; tty\r\n"
      "size=7; untyped\r\n",
      OP_FTP_LIST_MLSD);

  g_assert_cmpuint (listing->unparsed->len, ==, 0);
  g_assert_cmpuint (listing->entries->len, ==, 6);
  assert_line (listing, 0, "file\t42\t2024-01-02 03:04:05\t0640\talice\tusers\ta; b=c d");
  g_assert_cmpstr (entry_at (listing, 0)->perm, ==, "adfrw");
  assert_line (listing, 1, "dir\t4096\t2024-01-02 03:04:05\t2775\t0\t0\tsrc");
  assert_line (listing, 2, "link\t10\t-\t-\t-\t-\thosts\t-> /etc/hosts");
  assert_line (listing, 3, "link\t10\t-\t-\t-\t-\tlink2");
  assert_line (listing, 4, "other\t-\t-\t-\t-\t-\ttty");
  assert_line (listing, 5, "unknown\t7\t-\t-\t-\t-\tuntyped");
}

static void
test_mlsd_not_facts (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n"
      "no-space-at-all\n",
      OP_FTP_LIST_MLSD);

  g_assert_cmpuint (listing->entries->len, ==, 0);
  g_assert_cmpuint (listing->unparsed->len, ==, 2);
}

/* ---------------------------------------------------------------------------------- */
/* DOS, EPLF, VMS                                                                      */

static void
test_dos_formats (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "01-16-02  11:14AM       <DIR>          epsgroup\r\n"
      "12-05-96  05:03PM            1234567 file name.txt\r\n"
      "12-05-1996  12:03AM                 7 midnight\r\n"
      "2019-07-04  23:59                  1,024 iso\r\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_DOS);
  g_assert_cmpuint (listing->entries->len, ==, 4);
  assert_line (listing, 0, "dir\t-\t2002-01-16 11:14\t-\t-\t-\tepsgroup");
  assert_line (listing, 1, "file\t1234567\t1996-12-05 17:03\t-\t-\t-\tfile name.txt");
  assert_line (listing, 2, "file\t7\t1996-12-05 00:03\t-\t-\t-\tmidnight");
  assert_line (listing, 3, "file\t1024\t2019-07-04 23:59\t-\t-\t-\tiso");
}

static void
test_eplf (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "+i8388621.29609,m824255902,/,\tdev\r\n"
      "+i8388621.44468,m839956783,r,s10376,up644,\tRFCEPLF\r\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_EPLF);
  g_assert_cmpuint (listing->entries->len, ==, 2);
  assert_line (listing, 0, "dir\t-\t1996-02-13 23:58:22\t-\t-\t-\tdev");
  assert_line (listing, 1, "file\t10376\t1996-08-13 17:19:43\t0644\t-\t-\tRFCEPLF");
}

static void
test_vms_multi_line (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "Directory DISK$USERS:[ANONYMOUS]\r\n"
      "\r\n"
      "A-VERY-LONG-FILE-NAME-THAT-DOES-NOT-FIT.TXT;12\r\n"
      "                      9/12       3-MAR-2003 10:02:33  [ANONYMOU,ANONYMOUS] (RWED,RWED,RE,)\r\n"
      "CII-MANUAL.TEX;1  213/216  29-JAN-1996 03:33:12  [ANONYMOU,ANONYMOUS]   (RWED,RWED,,)\r\n"
      "PUB.DIR;1            1/3     14-NOV-2001 09:15  [ANONYMOU,ANONYMOUS] (RWE,RWE,RE,RE)\r\n"
      "\r\n"
      "Total of 3 files, 223/231 blocks.\r\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpuint (listing->unparsed->len, ==, 0);
  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_VMS);
  g_assert_cmpuint (listing->entries->len, ==, 3);
  assert_line (listing, 0, "file\t4608\t2003-03-03 10:02:33\t0750\tANONYMOUS\tANONYMOU\t"
                           "A-VERY-LONG-FILE-NAME-THAT-DOES-NOT-FIT.TXT");
  assert_line (listing, 1, "file\t109056\t1996-01-29 03:33:12\t0700\tANONYMOUS\tANONYMOU\t"
                           "CII-MANUAL.TEX");
  assert_line (listing, 2, "dir\t512\t2001-11-14 09:15\t0755\tANONYMOUS\tANONYMOU\tPUB");
}

static void
test_vms_name_without_rest (void)
{
  /* A name on its own line whose next line is not its rest is reported, not lost. */
  g_autoptr(OpFtpListing) listing = parse (
      "ORPHAN.TXT;1\r\n"
      "CII-MANUAL.TEX;1  213/216  29-JAN-1996 03:33:12  [ANONYMOU,ANONYMOUS]   (RWED,RWED,,)\r\n"
      "LAST.TXT;2\r\n",
      OP_FTP_LIST_VMS);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpuint (listing->unparsed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 0), ==, "ORPHAN.TXT;1");
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 1), ==, "LAST.TXT;2");
}

/* ---------------------------------------------------------------------------------- */
/* AUTO, robustness                                                                    */

static void
test_auto_unparsed_line_reported (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n"
      "this is not a listing line\n"
      "\n"
      "   \n"
      "-rw-r--r-- 1 u g 2 Jun 10 08:00 b\n"
      "bad \xff bytes\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_UNIX);
  g_assert_cmpuint (listing->entries->len, ==, 2);
  g_assert_cmpuint (listing->unparsed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 0), ==, "this is not a listing line");
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 1), ==, "bad \357\277\275 bytes");
}

static void
test_auto_unparsed_before_first_entry (void)
{
  /* Held back as possible names until a real format matches, then reported. */
  g_autoptr(OpFtpListing) listing = parse (
      "garbage first\n"
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpuint (listing->unparsed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 0), ==, "garbage first");
}

static void
test_auto_name_only_fallback (void)
{
  g_autoptr(OpFtpListing) listing = parse ("readme.txt\r\npub\r\nname with spaces\r\n",
                                           OP_FTP_LIST_AUTO);

  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_NAME_ONLY);
  g_assert_cmpuint (listing->entries->len, ==, 3);
  g_assert_cmpuint (listing->unparsed->len, ==, 0);
  assert_line (listing, 2, "unknown\t-\t-\t-\t-\t-\tname with spaces");
}

static void
test_auto_mixed_formats (void)
{
  g_autoptr(OpFtpListing) listing = parse (
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n"
      "01-16-02  11:14AM       <DIR>          b\n"
      "-rw-r--r-- 1 u g 1 Jun 10 08:00 c\n",
      OP_FTP_LIST_AUTO);

  g_assert_cmpuint (listing->entries->len, ==, 3);
  g_assert_cmpint (listing->format, ==, OP_FTP_LIST_UNIX);
}

static void
test_nul_byte_in_name_is_unparsed (void)
{
  static const char data[] = "-rw-r--r-- 1 u g 1 Jun 10 08:00 evil\0.txt\n"
                             "-rw-r--r-- 1 u g 1 Jun 10 08:00 ok\n"
                             "type=file;size=1; nul\0name\n";
  g_autoptr(OpFtpListing) listing = op_ftp_listing_parse (data, sizeof data - 1,
                                                          OP_FTP_LIST_AUTO, NULL, now);
  g_autoptr(OpFtpListing) mlsd = op_ftp_listing_parse (data, sizeof data - 1,
                                                       OP_FTP_LIST_MLSD, NULL, now);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpstr (entry_at (listing, 0)->name, ==, "ok");
  g_assert_cmpuint (listing->unparsed->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (listing->unparsed, 0), ==,
                   "-rw-r--r-- 1 u g 1 Jun 10 08:00 evil\357\277\275.txt");
  g_assert_cmpuint (mlsd->entries->len, ==, 0);
  g_assert_cmpuint (mlsd->unparsed->len, ==, 3);
}

static void
test_long_line_cut (void)
{
  GString *data = g_string_new ("-rw-r--r-- 1 u g 1 Jun 10 08:00 before\n");
  g_autoptr(OpFtpListing) listing = NULL;
  g_autoptr(OpFtpListing) chunked = NULL;
  g_autofree char *text = NULL;
  g_autofree char *chunked_text = NULL;

  g_string_append (data, "-rw-r--r-- 1 u g 1 Jun 10 08:00 ");
  for (int i = 0; i < 3 * OP_FTP_LIST_MAX_LINE; i++)
    g_string_append_c (data, 'x');
  g_string_append (data, "\r\n-rw-r--r-- 1 u g 1 Jun 10 08:00 after\n");

  listing = parse (data->str, OP_FTP_LIST_AUTO);
  g_assert_cmpuint (listing->entries->len, ==, 2);
  g_assert_cmpuint (listing->unparsed->len, ==, 1);
  g_assert_cmpuint (strlen (g_ptr_array_index (listing->unparsed, 0)), ==, OP_FTP_LIST_MAX_LINE);

  chunked = parse_in_chunks (data->str, data->len, 7, OP_FTP_LIST_AUTO, NULL, now);
  text = format_listing (listing);
  chunked_text = format_listing (chunked);
  g_assert_cmpstr (chunked_text, ==, text);

  g_string_free (data, TRUE);
}

static void
test_last_line_without_terminator (void)
{
  g_autoptr(OpFtpListing) listing = parse ("-rw-r--r-- 1 u g 1 Jun 10 08:00 a\n"
                                           "-rw-r--r-- 1 u g 1 Jun 10 08:00 b",
                                           OP_FTP_LIST_UNIX);

  g_assert_cmpuint (listing->entries->len, ==, 2);
  g_assert_cmpstr (entry_at (listing, 1)->name, ==, "b");
}

static void
test_dot_entries_dropped (void)
{
  g_autoptr(OpFtpListing) listing = parse ("drwxr-xr-x 2 u g 1 Jun 10 08:00 .\n"
                                           "drwxr-xr-x 2 u g 1 Jun 10 08:00 ..\n"
                                           "drwxr-xr-x 2 u g 1 Jun 10 08:00 ...\n",
                                           OP_FTP_LIST_UNIX);
  OpFtpEntry *entry = op_ftp_entry_new ();
  const char *dot = "drwxr-xr-x 2 u g 1 Jun 10 08:00 ..";

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpstr (entry_at (listing, 0)->name, ==, "...");
  /* The line parser still says what the line is. */
  g_assert_true (op_ftp_parse_unix_line (dot, strlen (dot), NULL, now, entry));
  g_assert_cmpstr (entry->name, ==, "..");
  op_ftp_entry_free (entry);
}

static void
test_line_parser_failure_leaves_no_strings (void)
{
  OpFtpEntry *entry = op_ftp_entry_new ();
  const char *good = "type=file;size=1;perm=r;unix.owner=a; name";
  const char *bad = "not a line";

  g_assert_true (op_ftp_parse_mlsd_line (good, strlen (good), NULL, entry));
  g_assert_nonnull (entry->owner);
  g_assert_false (op_ftp_parse_unix_line (bad, strlen (bad), NULL, now, entry));
  g_assert_null (entry->name);
  g_assert_null (entry->wire_name);
  g_assert_null (entry->owner);
  g_assert_null (entry->perm);
  g_assert_false (op_ftp_parse_dos_line (bad, strlen (bad), NULL, entry));
  g_assert_false (op_ftp_parse_eplf_line (bad, strlen (bad), NULL, entry));
  g_assert_false (op_ftp_parse_vms_line (bad, strlen (bad), NULL, entry));
  g_assert_false (op_ftp_parse_mlsd_line (bad, strlen (bad), NULL, entry));
  op_ftp_entry_free (entry);
}

/* ---------------------------------------------------------------------------------- */
/* Charsets                                                                            */

typedef struct
{
  const char *charset;
  const char *utf8;
  const char *wire;
} CharsetCase;

static const CharsetCase charset_cases[] = {
  /* "中文文件.txt" */
  { "GB18030", "\344\270\255\346\226\207\346\226\207\344\273\266.txt",
    "\326\320\316\304\316\304\274\376.txt" },
  /* "中文" in Big5 */
  { "BIG5", "\344\270\255\346\226\207", "\244\244\244\345" },
  /* "日本語" in Shift_JIS */
  { "SHIFT_JIS", "\346\227\245\346\234\254\350\252\236", "\223\372\226\173\214\352" },
  /* "café" */
  { "ISO-8859-1", "caf\303\251", "caf\351" },
};

static void
test_charset_round_trip (gconstpointer user_data)
{
  const CharsetCase *c = user_data;
  g_autofree char *utf8 = op_ftp_charset_to_utf8 (c->charset, c->wire, -1);
  g_autofree char *wire = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_strdup_printf ("-rw-r--r-- 1 u g 1 Jun 10 08:00 %s\r\n", c->wire);
  g_autoptr(OpFtpListing) listing = NULL;
  gsize length = 0;

  g_assert_true (op_ftp_charset_is_supported (c->charset));
  g_assert_cmpstr (utf8, ==, c->utf8);
  wire = op_ftp_charset_from_utf8 (c->charset, c->utf8, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (wire, ==, c->wire);
  g_assert_cmpuint (length, ==, strlen (c->wire));

  listing = op_ftp_listing_parse (line, strlen (line), OP_FTP_LIST_AUTO, c->charset, now);
  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpstr (entry_at (listing, 0)->name, ==, c->utf8);
  g_assert_cmpstr (entry_at (listing, 0)->wire_name, ==, c->wire);
}

static void
test_charset_unrepresentable (void)
{
  g_autoptr(GError) error = NULL;
  gsize length = 42;
  /* "Ω" has no ISO-8859-1 byte; "😀" is in neither Big5 nor Shift_JIS. */
  char *result = op_ftp_charset_from_utf8 ("ISO-8859-1", "\316\251.txt", &length, &error);

  g_assert_null (result);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
  g_clear_error (&error);

  result = op_ftp_charset_from_utf8 ("BIG5", "\360\237\230\200", NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
  g_clear_error (&error);

  result = op_ftp_charset_from_utf8 ("SHIFT_JIS", "\360\237\230\200", NULL, &error);
  g_assert_null (result);
  g_assert_error (error, G_CONVERT_ERROR, G_CONVERT_ERROR_ILLEGAL_SEQUENCE);
}

static void
test_charset_bad_bytes_replaced (void)
{
  /* A lone lead byte, then a NUL: both shown as U+FFFD, the rest kept. */
  static const char bytes[] = "a\326b\0c\201";
  g_autofree char *gb = op_ftp_charset_to_utf8 ("GB18030", bytes, sizeof bytes - 1);
  g_autofree char *utf8 = op_ftp_charset_to_utf8 (NULL, "x\377y", -1);

  g_assert_true (g_utf8_validate (gb, -1, NULL));
  g_assert_nonnull (strstr (gb, "c"));
  g_assert_nonnull (strstr (gb, "\357\277\275"));
  g_assert_cmpstr (utf8, ==, "x\357\277\275y");
}

static void
test_charset_utf8_invalid_keeps_wire_name (void)
{
  g_autoptr(OpFtpListing) listing = parse ("type=file;size=1; caf\351.txt\r\n", OP_FTP_LIST_MLSD);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpstr (entry_at (listing, 0)->name, ==, "caf\357\277\275.txt");
  g_assert_cmpstr (entry_at (listing, 0)->wire_name, ==, "caf\351.txt");
}

static void
test_charset_utf8_passthrough (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *wire = op_ftp_charset_from_utf8 (NULL, "\316\251", NULL, &error);
  g_autofree char *wire2 = op_ftp_charset_from_utf8 ("utf-8", "\316\251", NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (wire, ==, "\316\251");
  g_assert_cmpstr (wire2, ==, "\316\251");
  g_assert_true (op_ftp_charset_is_supported (NULL));
  g_assert_false (op_ftp_charset_is_supported ("NO-SUCH-CHARSET-42"));
}

static void
test_charset_unknown_shows_names (void)
{
  g_autoptr(OpFtpListing) listing = op_ftp_listing_parse ("a\377\n", 3, OP_FTP_LIST_NAME_ONLY,
                                                          "NO-SUCH-CHARSET-42", now);

  g_assert_cmpuint (listing->entries->len, ==, 1);
  g_assert_cmpstr (entry_at (listing, 0)->name, ==, "a\357\277\275");
  g_assert_cmpstr (entry_at (listing, 0)->wire_name, ==, "a\377");
}

/* ---------------------------------------------------------------------------------- */
/* Local names                                                                         */

static void
test_local_name_refuses_dot_dot (void)
{
  g_assert_null (op_ftp_local_name_from_remote (".."));
  g_assert_null (op_ftp_local_name_from_remote ("."));
  g_assert_null (op_ftp_local_name_from_remote (""));
}

static void
test_local_name_replaces_separators (void)
{
  g_autofree char *a = op_ftp_local_name_from_remote ("../../etc/passwd");
  g_autofree char *b = op_ftp_local_name_from_remote ("..\\..\\boot.ini");
  g_autofree char *c = op_ftp_local_name_from_remote ("/");

  g_assert_cmpstr (a, ==, ".._.._etc_passwd");
  g_assert_cmpstr (b, ==, ".._.._boot.ini");
  g_assert_cmpstr (c, ==, "_");
}

static void
test_local_name_replaces_control_characters (void)
{
  g_autofree char *a = op_ftp_local_name_from_remote ("a\nb\rc\td\033[31me\177f\302\233g");
  g_autofree char *b = op_ftp_local_name_from_remote ("\344\270\255\346\226\207");

  g_assert_cmpstr (a, ==, "a_b_c_d_[31me_f_g");
  g_assert_cmpstr (b, ==, "\344\270\255\346\226\207");
}

static void
test_local_name_keeps_spaces (void)
{
  g_autofree char *a = op_ftp_local_name_from_remote ("  spaced out  ");
  g_autofree char *b = op_ftp_local_name_from_remote ("...");

  g_assert_cmpstr (a, ==, "  spaced out  ");
  g_assert_cmpstr (b, ==, "...");
}

int
main (int   argc,
      char *argv[])
{
  if (argc >= 3 && strcmp (argv[1], "--dump") == 0)
    return dump_sample (argv[2], argc >= 4 ? argv[3] : NULL);

  g_test_init (&argc, &argv, NULL);
  now = parse_iso (DEFAULT_NOW);

  add_sample_tests ();

  g_test_add_func ("/ftp/listing/unix/symlink", test_unix_symlink);
  g_test_add_func ("/ftp/listing/unix/year-inference", test_unix_year_inference);
  g_test_add_func ("/ftp/listing/unix/f-suffixes-stripped-when-type-agrees", test_unix_f_suffixes);
  g_test_add_func ("/ftp/listing/unix/leading-spaces-kept", test_unix_leading_spaces);
  g_test_add_func ("/ftp/listing/unix/devices-have-no-size", test_unix_devices);
  g_test_add_func ("/ftp/listing/unix/setuid-setgid-sticky", test_unix_special_bits);
  g_test_add_func ("/ftp/listing/unix/total-line-skipped", test_unix_total_skipped);
  g_test_add_func ("/ftp/listing/mlsd/facts", test_mlsd_facts);
  g_test_add_func ("/ftp/listing/mlsd/other-lines-unparsed", test_mlsd_not_facts);
  g_test_add_func ("/ftp/listing/dos/formats", test_dos_formats);
  g_test_add_func ("/ftp/listing/eplf/facts", test_eplf);
  g_test_add_func ("/ftp/listing/vms/multi-line", test_vms_multi_line);
  g_test_add_func ("/ftp/listing/vms/name-without-rest-reported", test_vms_name_without_rest);
  g_test_add_func ("/ftp/listing/auto/unparsed-line-reported", test_auto_unparsed_line_reported);
  g_test_add_func ("/ftp/listing/auto/unparsed-before-first-entry-reported",
                   test_auto_unparsed_before_first_entry);
  g_test_add_func ("/ftp/listing/auto/name-only-fallback", test_auto_name_only_fallback);
  g_test_add_func ("/ftp/listing/auto/mixed-formats", test_auto_mixed_formats);
  g_test_add_func ("/ftp/listing/hostile/nul-byte-in-name-unparsed", test_nul_byte_in_name_is_unparsed);
  g_test_add_func ("/ftp/listing/hostile/long-line-cut", test_long_line_cut);
  g_test_add_func ("/ftp/listing/last-line-without-terminator", test_last_line_without_terminator);
  g_test_add_func ("/ftp/listing/dot-entries-dropped", test_dot_entries_dropped);
  g_test_add_func ("/ftp/listing/line-parser/failure-leaves-no-strings",
                   test_line_parser_failure_leaves_no_strings);

  g_test_add_data_func ("/ftp/charset/gb18030/round-trip", &charset_cases[0], test_charset_round_trip);
  g_test_add_data_func ("/ftp/charset/big5/round-trip", &charset_cases[1], test_charset_round_trip);
  g_test_add_data_func ("/ftp/charset/shift-jis/round-trip", &charset_cases[2], test_charset_round_trip);
  g_test_add_data_func ("/ftp/charset/iso-8859-1/round-trip", &charset_cases[3], test_charset_round_trip);
  g_test_add_func ("/ftp/charset/unrepresentable-name-fails", test_charset_unrepresentable);
  g_test_add_func ("/ftp/charset/bad-bytes-become-replacement", test_charset_bad_bytes_replaced);
  g_test_add_func ("/ftp/charset/utf8/invalid-bytes-keep-wire-name",
                   test_charset_utf8_invalid_keeps_wire_name);
  g_test_add_func ("/ftp/charset/utf8/passthrough", test_charset_utf8_passthrough);
  g_test_add_func ("/ftp/charset/unknown-charset-still-shows-names", test_charset_unknown_shows_names);

  g_test_add_func ("/ftp/local-name/refuses-dot-dot", test_local_name_refuses_dot_dot);
  g_test_add_func ("/ftp/local-name/replaces-separators", test_local_name_replaces_separators);
  g_test_add_func ("/ftp/local-name/replaces-control-characters",
                   test_local_name_replaces_control_characters);
  g_test_add_func ("/ftp/local-name/keeps-spaces", test_local_name_keeps_spaces);

  return g_test_run ();
}
