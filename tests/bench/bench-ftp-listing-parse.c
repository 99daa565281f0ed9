/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "bench-ftp-listing-parse"

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "op-ftp-listing.h"

/*
 * Parses 100,000 generated MLSD lines and 100,000 `ls -l` lines in memory and prints the
 * time, entries per second, the peak RSS (VmHWM) and, as DESIGN.md asks of benchmarks, a
 * reference run over the same bytes: splitting them into lines with memchr(), the least
 * any parser must do. The listing's own size is the heap in use while it is alive
 * (mallinfo2); VmHWM also counts the generated input. The budget: well under 0.2 s per 100,000 lines (-O2), the
 * listing far below 60 MB.
 */

#define N_LINES 100000
#define ROUNDS 3

static gint64 now = G_GINT64_CONSTANT (1718452800); /* 2024-06-15 12:00 UTC */

/* kB from /proc/self/status, or -1. */
static long
proc_status_kb (const char *field)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, field);
  if (line == NULL)
    return -1;
  return strtol (line + strlen (field) + 1, NULL, 10);
}

/* Linux ≥ 4.0: writing 5 to clear_refs resets VmHWM, so each run gets its own peak. */
static void
reset_peak (void)
{
  g_file_set_contents ("/proc/self/clear_refs", "5", 1, NULL);
}

static GString *
make_mlsd (void)
{
  GString *data = g_string_sized_new (N_LINES * 200);

  for (int i = 0; i < N_LINES; i++)
    g_string_append_printf (data,
                            "modify=2024%02d%02d%02d%02d%02d;perm=adfrw;size=%d;type=%s;"
                            "unique=FD00U%X;UNIX.group=100;UNIX.groupname=users;"
                            "UNIX.mode=0%o;UNIX.owner=1000;UNIX.ownername=alice; file-%06d.dat\r\n",
                            1 + i % 12, 1 + i % 28, i % 24, i % 60, i % 60, i * 7,
                            i % 10 == 0 ? "dir" : "file", i, i % 10 == 0 ? 0755 : 0644, i);
  return data;
}

static GString *
make_unix (void)
{
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  GString *data = g_string_sized_new (N_LINES * 90);

  for (int i = 0; i < N_LINES; i++)
    {
      if (i % 3 == 0)
        g_string_append_printf (data, "%s   1 alice    users    %10d %s %2d  20%02d file %06d.dat\r\n",
                                i % 10 == 0 ? "drwxr-xr-x" : "-rw-r--r--", i * 7,
                                months[i % 12], 1 + i % 28, i % 24, i);
      else
        g_string_append_printf (data, "%s   1 alice    users    %10d %s %2d %02d:%02d file-%06d.dat\r\n",
                                i % 10 == 0 ? "drwxr-xr-x" : "-rw-r--r--", i * 7,
                                months[i % 12], 1 + i % 28, i % 24, i % 60, i);
    }
  return data;
}

static double
reference_split (const GString *data)
{
  gint64 start = g_get_monotonic_time ();
  const char *p = data->str, *end = data->str + data->len;
  volatile gsize lines = 0;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));

      if (nl == NULL)
        break;
      lines++;
      p = nl + 1;
    }
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static void
bench (const char      *label,
       GString        *(*make) (void),
       OpFtpListFormat  format)
{
  double best = G_MAXDOUBLE, reference = G_MAXDOUBLE;
  long hwm = -1;
  gsize heap_before, listing_bytes = 0;
  guint n_entries = 0;
  GString *data;

  reset_peak ();
  data = make ();
  heap_before = mallinfo2 ().uordblks;

  for (int round = 0; round < ROUNDS; round++)
    {
      gint64 start;
      OpFtpListing *listing;
      double seconds;

      start = g_get_monotonic_time ();
      listing = op_ftp_listing_parse (data->str, data->len, format, NULL, now);
      seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
      if (round == 0)
        {
          listing_bytes = mallinfo2 ().uordblks - heap_before;
          hwm = proc_status_kb ("VmHWM:");
        }
      n_entries = listing->entries->len;
      if (listing->entries->len != N_LINES || listing->unparsed->len != 0)
        g_error ("%s: %u entries, %u unparsed", label, listing->entries->len,
                 listing->unparsed->len);
      op_ftp_listing_free (listing);
      best = MIN (best, seconds);
      reference = MIN (reference, reference_split (data));
    }

  printf ("%-4s %u lines (%.1f MB of input): %.4f s, %.0f entries/s; listing %.1f MB "
          "(%zu bytes/entry); VmHWM %ld kB (input + listing); memchr line split %.4f s "
          "(parser/split %.0fx)\n",
          label, n_entries, data->len / 1e6, best, n_entries / best, listing_bytes / 1e6,
          listing_bytes / MAX (n_entries, 1), hwm, reference,
          best / MAX (reference, 1e-9));

  g_string_free (data, TRUE);
}

int
main (void)
{
  bench ("MLSD", make_mlsd, OP_FTP_LIST_MLSD);
  bench ("Unix", make_unix, OP_FTP_LIST_AUTO);
  printf ("VmHWM of the whole run: %ld kB\n", proc_status_kb ("VmHWM:"));
  return 0;
}
