/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "test-ftp-servers"

/*
 * The FTP client against every real server tests/servers/ starts: the same scenarios
 * against vsftpd (plain, and explicit FTPS with require_ssl_reuse), ProFTPD (explicit and
 * implicit FTPS, MLSD, session reuse required) and Pure-FTPd (explicit FTPS, MLSD).
 * Endpoints come from the environment (tests/servers/README.md); fixtures are created
 * and checked directly in each server's FTP root on disk.
 *
 * Not a GTest program: glib-networking turns TLS session resumption off when
 * g_test_initialized() is true, and vsftpd and ProFTPD refuse data connections that do
 * not resume the control connection's session (testing.md "FTP"). op-test-tap.h runs
 * each test in a child process.
 */

#include "config.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "op-ftp-client.h"
#include "op-log-entry.h"
#include "op-test-fixtures.h"
#include "op-test-tap.h"
#include "op-test-verifier.h"
#include "op-test-async.h"

#define BIG_FILE_SIZE (50 * 1024 * 1024)
#define BIG_DIR_ENTRIES 10000

/* What a server does differently; the tests assert what each one really does. */
typedef enum
{
  SERVER_MLSD            = 1 << 0, /* FEAT offers MLSD/MLST */
  SERVER_MFMT            = 1 << 1, /* FEAT offers MFMT */
  /* TYPE A converts line ends (CRLF on the wire, LF on disk), as ProFTPD and Pure-FTPd
   * do both ways. vsftpd only does with ascii_upload_enable/ascii_download_enable (off
   * by default, and off here): it stores and sends the bytes unchanged. */
  SERVER_ASCII_CONVERTS  = 1 << 2,
  /* Data connections must resume the control connection's TLS session. */
  SERVER_REUSE_REQUIRED  = 1 << 3,
  /* Failure replies say why ("File exists", "No such file or directory"). vsftpd
   * answers one generic text per command ("550 Create directory operation failed.",
   * "550 Delete operation failed."), so nothing tells "exists" or "missing" from "not
   * allowed" there unless the client looks. */
  SERVER_SAYS_WHY        = 1 << 4,
} ServerFlags;

typedef struct
{
  const char    *name;
  const char    *port_variable;
  const char    *user_variable;
  const char    *password_variable;
  const char    *root_variable;
  OpSecurity     security;
  ServerFlags    flags;
} Server;

static const Server servers[] = {
  { "vsftpd-plain", "OUTPOST_TEST_VSFTPD_PORT", "OUTPOST_TEST_VSFTPD_USER",
    "OUTPOST_TEST_VSFTPD_PASSWORD", "OUTPOST_TEST_VSFTPD_ROOT", OP_SECURITY_NONE, 0 },
  { "vsftpd-ftps", "OUTPOST_TEST_VSFTPD_FTPS_PORT", "OUTPOST_TEST_VSFTPD_USER",
    "OUTPOST_TEST_VSFTPD_PASSWORD", "OUTPOST_TEST_VSFTPD_ROOT", OP_SECURITY_STARTTLS,
    SERVER_REUSE_REQUIRED },
  { "proftpd-ftps", "OUTPOST_TEST_PROFTPD_PORT", "OUTPOST_TEST_PROFTPD_USER",
    "OUTPOST_TEST_PROFTPD_PASSWORD", "OUTPOST_TEST_PROFTPD_ROOT", OP_SECURITY_STARTTLS,
    SERVER_MLSD | SERVER_MFMT | SERVER_ASCII_CONVERTS | SERVER_REUSE_REQUIRED |
    SERVER_SAYS_WHY },
  { "proftpd-implicit", "OUTPOST_TEST_PROFTPD_TLS_PORT", "OUTPOST_TEST_PROFTPD_USER",
    "OUTPOST_TEST_PROFTPD_PASSWORD", "OUTPOST_TEST_PROFTPD_ROOT", OP_SECURITY_IMPLICIT_TLS,
    SERVER_MLSD | SERVER_MFMT | SERVER_ASCII_CONVERTS | SERVER_REUSE_REQUIRED |
    SERVER_SAYS_WHY },
  { "pure-ftpd", "OUTPOST_TEST_PUREFTPD_PORT", "OUTPOST_TEST_PUREFTPD_USER",
    "OUTPOST_TEST_PUREFTPD_PASSWORD", "OUTPOST_TEST_PUREFTPD_ROOT", OP_SECURITY_STARTTLS,
    SERVER_MLSD | SERVER_MFMT | SERVER_ASCII_CONVERTS | SERVER_SAYS_WHY },
};

/* One test's connection and its server's root on disk. */
typedef struct
{
  const Server *server;
  OpFtpClient  *client;
  char         *password;
  char         *root;        /* the FTP root on disk */
  uid_t         root_uid;    /* the account the server writes as */
  gid_t         root_gid;
  char         *tmp;         /* a private local folder, removed at the end */
  GPtrArray    *remote_dirs; /* folders made in the root on disk, removed at the end */
} Session;

/* Holds every test's local folder; main() removes it after the run, also when a test
 * aborted before it could clean up. */
static char *local_base;

/* --- waiting for async calls ----------------------------------------------------- */

static GAsyncResult *awaited;

/* One call of the longest scenario (a large transfer under ASan on a busy machine) that
 * has not finished by then is hung. */
#define AWAIT_SECONDS 600

/* Iterates the main context until the call just made with cb and cb_data finished. */
#define AWAIT(call_with_cb) \
  G_STMT_START { \
    GAsyncReadyCallback cb = op_test_store_result; \
    gpointer cb_data = &awaited; \
    g_assert_null (awaited); \
    call_with_cb; \
    op_test_wait_result (&awaited, AWAIT_SECONDS); \
  } G_STMT_END

static GAsyncResult *
take_result (void)
{
  g_assert_nonnull (awaited);
  return g_steal_pointer (&awaited);
}

/* --- files ------------------------------------------------------------------------- */

static char *
sha256_file (const char *path)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, &error);
  guchar buffer[65536];
  gssize n;

  g_assert_no_error (error);
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL,
                                   &error)) > 0)
    g_checksum_update (sum, buffer, n);
  g_assert_no_error (error);
  return g_strdup (g_checksum_get_string (sum));
}

static void
write_random_file (const char *path,
                   gsize       size)
{
  g_autoptr(GRand) rand = g_rand_new ();
  FILE *f = fopen (path, "wb");
  guint32 block[16384];

  g_assert_nonnull (f);
  while (size > 0)
    {
      gsize n = MIN (size, sizeof block);

      for (guint i = 0; i < G_N_ELEMENTS (block); i++)
        block[i] = g_rand_int (rand);
      g_assert_cmpuint (fwrite (block, 1, n, f), ==, n);
      size -= n;
    }
  g_assert_cmpint (fclose (f), ==, 0);
}

static void
write_text_file (const char *path,
                 const char *text,
                 gssize      length)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
}

static char *
read_file (const char *path,
           gsize      *length)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, length, &error);
  g_assert_no_error (error);
  return contents;
}

/* Fixtures are created as root (the test runs as root); the server writes as its own
 * account, so what it must change or delete gets the FTP root's owner. */
static void
give_to_server (Session    *s,
                const char *path)
{
  g_assert_cmpint (lchown (path, s->root_uid, s->root_gid), ==, 0);
}


static gboolean
exists (const char *path)
{
  struct stat st;

  return lstat (path, &st) == 0;
}

/* A name no other test (or earlier run) uses. */
static char *
unique_name (const char *prefix)
{
  return g_strdup_printf ("%s-%08x", prefix, g_random_int ());
}

/* --- sessions ---------------------------------------------------------------------- */

static void
log_dump (OpFtpClient *client)
{
  g_autoptr(GPtrArray) entries = op_protocol_log_dup_entries (op_ftp_client_get_log (client));

  g_printerr ("protocol log (last %u entries at most 60):\n", entries->len);
  for (guint i = entries->len > 60 ? entries->len - 60 : 0; i < entries->len; i++)
    {
      OpLogEntry *entry = g_ptr_array_index (entries, i);
      OpLogDirection direction = op_log_entry_get_direction (entry);

      g_printerr ("  %s %s\n",
                  direction == OP_LOG_SENT ? ">" : direction == OP_LOG_RECEIVED ? "<" : "*",
                  op_log_entry_get_text (entry));
    }
}

/* Connects and logs in; NULL when the server is not configured (skipped or failed). */
static Session *
session_open (const Server *server)
{
  g_autoptr(OpTestVerifier) verifier = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  const char *host, *port, *user, *password, *root, *ca;
  guint64 port_number;
  struct stat st;
  Session *s;

  host = op_test_endpoint_env ("OUTPOST_TEST_FTP_HOST");
  port = host ? op_test_endpoint_env (server->port_variable) : NULL;
  user = port ? op_test_endpoint_env (server->user_variable) : NULL;
  password = user ? op_test_endpoint_env (server->password_variable) : NULL;
  root = password ? op_test_endpoint_env (server->root_variable) : NULL;
  ca = root ? op_test_endpoint_env ("OUTPOST_TEST_CA") : NULL;
  if (ca == NULL)
    return NULL;
  if (!g_ascii_string_to_unsigned (port, 10, 1, G_MAXUINT16, &port_number, NULL))
    {
      op_tap_fail ("%s is not a port number: “%s”", server->port_variable, port);
      return NULL;
    }

  s = g_new0 (Session, 1);
  s->server = server;
  s->password = g_strdup (password);
  s->root = g_strdup (root);
  g_assert_cmpint (stat (root, &st), ==, 0);
  s->root_uid = st.st_uid;
  s->root_gid = st.st_gid;
  s->tmp = g_build_filename (local_base, "test-XXXXXX", NULL);
  g_assert_nonnull (g_mkdtemp (s->tmp));
  s->remote_dirs = g_ptr_array_new_with_free_func (g_free);

  verifier = op_test_verifier_new_for_ca_file (ca, &error);
  g_assert_no_error (error);
  s->client = op_ftp_client_new (host, port_number, server->security);
  op_ftp_client_set_verifier (s->client, OP_TLS_VERIFIER (verifier));
  op_ftp_client_set_timeout (s->client, 30);
  if (server->security == OP_SECURITY_NONE)
    op_ftp_client_set_allow_plaintext_password (s->client, TRUE);

  AWAIT (op_ftp_client_connect_async (s->client, user, password, NULL, NULL, cb, cb_data));
  result = take_result ();
  op_ftp_client_connect_finish (s->client, result, &error);
  op_test_spin_pending ();
  if (error != NULL)
    log_dump (s->client);
  g_assert_no_error (error);
  g_assert_cmpint (op_ftp_client_get_state (s->client), ==, OP_FTP_STATE_READY);
  return s;
}

static void
session_close (Session *s)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  if (s == NULL)
    return;

  AWAIT (op_ftp_client_quit_async (s->client, NULL, cb, cb_data));
  result = take_result ();
  op_ftp_client_quit_finish (s->client, result, &error);
  g_assert_no_error (error);
  op_ftp_client_shutdown (s->client);
  g_clear_object (&s->client);
  op_test_remove_tree (s->tmp);
  g_free (s->tmp);
  for (guint i = 0; i < s->remote_dirs->len; i++)
    op_test_remove_tree (g_ptr_array_index (s->remote_dirs, i));
  g_ptr_array_unref (s->remote_dirs);
  g_free (s->root);
  g_free (s->password);
  g_free (s);
}

/* A folder in the server's root for one test, owned by the server's account. Returns
 * its name (the remote path is "/" + name). */
static char *
make_remote_dir (Session    *s,
                 const char *prefix)
{
  char *name = unique_name (prefix);
  g_autofree char *path = g_build_filename (s->root, name, NULL);

  g_assert_cmpint (g_mkdir (path, 0755), ==, 0);
  give_to_server (s, path);
  g_ptr_array_add (s->remote_dirs, g_strdup (path));
  return name;
}

static char *
disk_path (Session    *s,
           const char *remote_path)
{
  return g_build_filename (s->root, remote_path, NULL);
}

/* --- synchronous wrappers over the async API ------------------------------------- */

#define S_CALL_BOOL(verb, ...) \
  G_STMT_START { \
    g_autoptr(GAsyncResult) r_ = NULL; \
    AWAIT (op_ftp_client_##verb##_async (s->client, __VA_ARGS__, NULL, cb, cb_data)); \
    r_ = take_result (); \
    ok_ = op_ftp_client_##verb##_finish (s->client, r_, error); \
  } G_STMT_END

static gboolean
s_mkdir (Session *s, const char *path, GError **error)
{
  gboolean ok_;
  S_CALL_BOOL (mkdir, path);
  return ok_;
}

static gboolean
s_rmdir (Session *s, const char *path, GError **error)
{
  gboolean ok_;
  S_CALL_BOOL (rmdir, path);
  return ok_;
}

static gboolean
s_delete (Session *s, const char *path, GError **error)
{
  gboolean ok_;
  S_CALL_BOOL (delete, path);
  return ok_;
}

static gboolean
s_rename (Session *s, const char *from, const char *to, GError **error)
{
  gboolean ok_;
  S_CALL_BOOL (rename, from, to);
  return ok_;
}

static gboolean
s_chmod (Session *s, const char *path, guint mode, GError **error)
{
  gboolean ok_;
  S_CALL_BOOL (chmod, path, mode);
  return ok_;
}

static char *
s_cwd (Session *s, const char *path, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  AWAIT (op_ftp_client_cwd_async (s->client, path, NULL, cb, cb_data));
  r = take_result ();
  return op_ftp_client_cwd_finish (s->client, r, error);
}

static char *
s_pwd (Session *s, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  AWAIT (op_ftp_client_pwd_async (s->client, NULL, cb, cb_data));
  r = take_result ();
  return op_ftp_client_pwd_finish (s->client, r, error);
}

static OpFtpListing *
s_list (Session *s, const char *path, OpFtpListFlags flags, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  AWAIT (op_ftp_client_list_async (s->client, path, flags, NULL, cb, cb_data));
  r = take_result ();
  return op_ftp_client_list_finish (s->client, r, error);
}

static OpFtpEntry *
s_stat (Session *s, const char *path, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;

  AWAIT (op_ftp_client_stat_async (s->client, path, NULL, cb, cb_data));
  r = take_result ();
  return op_ftp_client_stat_finish (s->client, r, error);
}

/* Progress as the client reported it, checked after the transfer. */
typedef struct
{
  guint    calls;
  guint64  last_done;
  guint64  last_total;
  gboolean went_back;
} ProgressLog;

static void
progress_cb (const OpFtpProgress *progress,
             gpointer             user_data)
{
  ProgressLog *log = user_data;

  if (log->calls > 0 && progress->bytes_done < log->last_done)
    log->went_back = TRUE;
  log->calls++;
  log->last_done = progress->bytes_done;
  log->last_total = progress->bytes_total;
}

static gboolean
s_download (Session *s, const char *remote, const char *local, OpFtpTransferFlags flags,
            ProgressLog *progress, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);
  gboolean ok;

  AWAIT (op_ftp_client_download_async (s->client, remote, file, flags,
                                       progress ? progress_cb : NULL, progress, NULL,
                                       NULL, cb, cb_data));
  r = take_result ();
  ok = op_ftp_client_download_finish (s->client, r, error);
  op_test_spin_pending ();
  return ok;
}

static gboolean
s_upload (Session *s, const char *local, const char *remote, OpFtpTransferFlags flags,
          ProgressLog *progress, GError **error)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GFile) file = g_file_new_for_path (local);
  gboolean ok;

  AWAIT (op_ftp_client_upload_async (s->client, file, remote, flags,
                                     progress ? progress_cb : NULL, progress, NULL,
                                     NULL, cb, cb_data));
  r = take_result ();
  ok = op_ftp_client_upload_finish (s->client, r, error);
  op_test_spin_pending ();
  return ok;
}

/* Asserts a call succeeded, showing the protocol log when it did not. */
static void
assert_ok (Session      *s,
           const GError *error,
           const char   *what)
{
  if (error != NULL)
    {
      g_printerr ("%s failed on %s: %s (%s %d)\n", what, s->server->name, error->message,
                  g_quark_to_string (error->domain), error->code);
      log_dump (s->client);
    }
  g_assert_no_error (error);
}

static OpFtpEntry *
find_entry (OpFtpListing *listing,
            const char   *name)
{
  for (guint i = 0; i < listing->entries->len; i++)
    {
      OpFtpEntry *entry = g_ptr_array_index (listing->entries, i);

      if (g_strcmp0 (entry->name, name) == 0)
        return entry;
    }
  return NULL;
}

/* --- scenarios --------------------------------------------------------------------- */

/* Connect and log in, PWD, CWD and CDUP, what FEAT and SYST said, TLS as configured, and
 * a protocol log that shows "PASS ****" and never the password. */
static void
test_session (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *pwd = NULL, *cwd = NULL, *up = NULL, *expected = NULL;
  g_autoptr(GPtrArray) entries = NULL;
  gboolean saw_pass = FALSE;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  pwd = s_pwd (s, &error);
  assert_ok (s, error, "PWD");
  g_assert_cmpstr (pwd, ==, "/");

  dir = make_remote_dir (s, "cwd dir");
  cwd = s_cwd (s, dir, &error);
  assert_ok (s, error, "CWD");
  expected = g_strconcat ("/", dir, NULL);
  g_assert_cmpstr (cwd, ==, expected);
  up = s_cwd (s, "..", &error);
  assert_ok (s, error, "CDUP");
  g_assert_cmpstr (up, ==, "/");

  g_clear_pointer (&cwd, g_free);
  cwd = s_cwd (s, "/no such folder", &error);
  g_printerr ("CWD to a missing folder: %s\n", error ? error->message : "(no error)");
  if (server->flags & SERVER_SAYS_WHY)
    g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
  else  /* vsftpd: "550 Failed to change directory." for any reason */
    g_assert_true (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND) ||
                   g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT));
  g_assert_null (cwd);
  g_clear_error (&error);

  g_assert_cmpint (op_ftp_client_has_feature (s->client, "MLSD") ||
                   op_ftp_client_has_feature (s->client, "MLST"), ==,
                   (server->flags & SERVER_MLSD) != 0);
  g_assert_cmpint (op_ftp_client_has_feature (s->client, "MFMT"), ==,
                   (server->flags & SERVER_MFMT) != 0);
  g_assert_true (op_ftp_client_has_feature (s->client, "SIZE"));
  /* Every one of them answers SYST with "215 UNIX Type: L8". */
  g_assert_nonnull (op_ftp_client_get_system (s->client));
  g_assert_nonnull (strstr (op_ftp_client_get_system (s->client), "UNIX"));

  g_assert_cmpint (op_ftp_client_is_tls (s->client), ==,
                   server->security != OP_SECURITY_NONE);
  if (server->security != OP_SECURITY_NONE)
    g_assert_nonnull (op_ftp_client_get_peer_certificate (s->client));

  op_test_spin_pending ();
  entries = op_protocol_log_dup_entries (op_ftp_client_get_log (s->client));
  for (guint i = 0; i < entries->len; i++)
    {
      const char *text = op_log_entry_get_text (g_ptr_array_index (entries, i));

      g_assert_null (strstr (text, s->password));
      if (strstr (text, "PASS ****") != NULL)
        saw_pass = TRUE;
    }
  if (!saw_pass)
    log_dump (s->client);
  g_assert_true (saw_pass);

  session_close (s);
}

/* A folder made on disk lists with every name, size and type, through MLSD (where
 * offered) and through LIST. */
static const struct { const char *name; gssize size; } list_files[] = {
  { "plain.txt", 5 },
  { "with spaces in it.txt", 1234 },
  /* All three servers store and list a leading space; MLSD carries it exactly, `ls -l`
   * columns are aligned by width, so LIST parsers must not eat it either. */
  { " leading space.txt", 7 },
  { "中文 名字.txt", 3 },
  { "empty", 0 },
};

static void
check_listing (Session    *s,
               const char *dir,
               OpFtpListFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpFtpListing) listing = s_list (s, dir, flags, &error);
  OpFtpEntry *entry;

  assert_ok (s, error, flags & OP_FTP_LIST_FORCE_LIST ? "LIST" : "list");
  for (guint i = 0; i < listing->unparsed->len; i++)
    g_printerr ("unparsed line: “%s”\n", (char *) g_ptr_array_index (listing->unparsed, i));
  for (guint i = 0; i < listing->entries->len; i++)
    {
      entry = g_ptr_array_index (listing->entries, i);
      g_printerr ("entry: “%s” type %d size %" G_GINT64_FORMAT "\n", entry->name,
                  entry->type, entry->size);
    }

  g_assert_cmpuint (listing->entries->len, ==, G_N_ELEMENTS (list_files) + 1);
  for (guint i = 0; i < G_N_ELEMENTS (list_files); i++)
    {
      entry = find_entry (listing, list_files[i].name);
      if (entry == NULL)
        g_printerr ("“%s” is missing from the listing (flags %d)\n", list_files[i].name, flags);
      g_assert_nonnull (entry);
      g_assert_cmpint (entry->type, ==, OP_FTP_ENTRY_FILE);
      g_assert_cmpint (entry->size, ==, list_files[i].size);
    }
  entry = find_entry (listing, "sub folder");
  g_assert_nonnull (entry);
  g_assert_cmpint (entry->type, ==, OP_FTP_ENTRY_DIRECTORY);
  g_assert_cmpint (listing->unparsed->len, ==, 0);
  if (flags & OP_FTP_LIST_FORCE_LIST)
    g_assert_cmpint (listing->format, !=, OP_FTP_LIST_MLSD);
  else if (s->server->flags & SERVER_MLSD)
    g_assert_cmpint (listing->format, ==, OP_FTP_LIST_MLSD);
}

static void
test_list (gconstpointer data)
{
  const Server *server = data;
  g_autofree char *dir = NULL, *sub = NULL;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "list");
  for (guint i = 0; i < G_N_ELEMENTS (list_files); i++)
    {
      g_autofree char *path = g_build_filename (s->root, dir, list_files[i].name, NULL);
      write_random_file (path, list_files[i].size);
      g_assert_cmpint (g_chmod (path, 0644), ==, 0);
    }
  sub = g_build_filename (s->root, dir, "sub folder", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);

  check_listing (s, dir, OP_FTP_LIST_DEFAULT);
  check_listing (s, dir, OP_FTP_LIST_FORCE_LIST);
  session_close (s);
}

/* Dot files (what "Show Hidden Files" asks for): OP_FTP_LIST_SHOW_HIDDEN lists them
 * through MLSD where offered and through "LIST -a" otherwise, and "LIST -a" itself works
 * on every server. Without the flag, vsftpd's plain LIST leaves them out (which is why
 * the Files view must ask). */
static void
test_hidden (gconstpointer data)
{
  static const OpFtpListFlags asked[] = {
    OP_FTP_LIST_SHOW_HIDDEN, OP_FTP_LIST_SHOW_HIDDEN | OP_FTP_LIST_FORCE_LIST,
  };
  const Server *server = data;
  g_autofree char *dir = NULL, *sub = NULL;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "hidden");
  {
    g_autofree char *path = g_build_filename (s->root, dir, ".hidden file", NULL);
    g_autofree char *shown = g_build_filename (s->root, dir, "shown.txt", NULL);
    write_random_file (path, 11);
    write_random_file (shown, 3);
    g_assert_cmpint (g_chmod (path, 0644), ==, 0);
    g_assert_cmpint (g_chmod (shown, 0644), ==, 0);
  }
  sub = g_build_filename (s->root, dir, ".hidden folder", NULL);
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);

  for (guint i = 0; i < G_N_ELEMENTS (asked); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpFtpListing) listing = s_list (s, dir, asked[i], &error);
      OpFtpEntry *entry;

      assert_ok (s, error, "list hidden");
      for (guint j = 0; j < listing->entries->len; j++)
        g_printerr ("flags %d: “%s”\n", asked[i],
                    ((OpFtpEntry *) g_ptr_array_index (listing->entries, j))->name);
      /* "." and ".." never reach the caller. */
      g_assert_null (find_entry (listing, "."));
      g_assert_null (find_entry (listing, ".."));
      g_assert_nonnull (find_entry (listing, "shown.txt"));
      entry = find_entry (listing, ".hidden file");
      g_assert_nonnull (entry);
      g_assert_cmpint (entry->type, ==, OP_FTP_ENTRY_FILE);
      g_assert_cmpint (entry->size, ==, 11);
      entry = find_entry (listing, ".hidden folder");
      g_assert_nonnull (entry);
      g_assert_cmpint (entry->type, ==, OP_FTP_ENTRY_DIRECTORY);
      g_assert_cmpuint (listing->entries->len, ==, 3);
    }

  if (g_str_has_prefix (server->name, "vsftpd"))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(OpFtpListing) listing = s_list (s, dir, OP_FTP_LIST_DEFAULT, &error);

      assert_ok (s, error, "list");
      g_assert_nonnull (find_entry (listing, "shown.txt"));
      g_assert_null (find_entry (listing, ".hidden file"));
    }
  session_close (s);
}

/* Binary round trips of 0, 1 and 50 MiB random bytes, SHA-256 equal both ways; no .part
 * left; progress reaches the total; a missing file is NOT_FOUND and leaves no file. */
static void
test_transfer (gconstpointer data)
{
  static const gsize sizes[] = { 0, 1, BIG_FILE_SIZE };
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "transfer");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *name = g_strdup_printf ("file-%" G_GSIZE_FORMAT ".bin", sizes[i]);
      g_autofree char *remote = g_strdup_printf ("/%s/%s", dir, name);
      g_autofree char *up_local = g_build_filename (s->tmp, name, NULL);
      g_autofree char *down_local = g_strconcat (up_local, ".down", NULL);
      g_autofree char *down_part = g_strconcat (down_local, ".part", NULL);
      g_autofree char *on_disk = disk_path (s, remote);
      g_autofree char *sum_local = NULL, *sum_disk = NULL, *sum_down = NULL;
      ProgressLog up_progress = { 0 }, down_progress = { 0 };

      write_random_file (up_local, sizes[i]);
      sum_local = sha256_file (up_local);

      s_upload (s, up_local, remote, OP_FTP_TRANSFER_DEFAULT, &up_progress, &error);
      assert_ok (s, error, "upload");
      sum_disk = sha256_file (on_disk);
      g_assert_cmpstr (sum_disk, ==, sum_local);

      s_download (s, remote, down_local, OP_FTP_TRANSFER_DEFAULT, &down_progress, &error);
      assert_ok (s, error, "download");
      sum_down = sha256_file (down_local);
      g_assert_cmpstr (sum_down, ==, sum_local);
      g_assert_false (exists (down_part));

      if (sizes[i] > 0)
        {
          g_assert_cmpuint (up_progress.calls, >, 0);
          g_assert_false (up_progress.went_back);
          g_assert_cmpuint (up_progress.last_done, ==, sizes[i]);
          g_assert_cmpuint (up_progress.last_total, ==, sizes[i]);
          g_assert_cmpuint (down_progress.calls, >, 0);
          g_assert_false (down_progress.went_back);
          g_assert_cmpuint (down_progress.last_done, ==, sizes[i]);
          g_assert_cmpuint (down_progress.last_total, ==, sizes[i]);
        }
      if (sizes[i] == BIG_FILE_SIZE)
        {
          /* Rate-limited to ~20 a second, but more than one on the way. */
          g_assert_cmpuint (down_progress.calls, >=, 2);
        }
    }

  /* A missing file: NOT_FOUND, no file left behind. */
  {
    g_autofree char *local = g_build_filename (s->tmp, "missing.bin", NULL);
    g_autofree char *part = g_strconcat (local, ".part", NULL);
    g_autofree char *remote = g_strdup_printf ("/%s/no such file", dir);

    g_assert_false (s_download (s, remote, local, OP_FTP_TRANSFER_DEFAULT, NULL, &error));
    g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
    g_clear_error (&error);
    g_assert_false (exists (local));
    /* Nothing was received: no empty .part either (a .part is kept only when it holds
     * something to resume). */
    g_assert_false (exists (part));
    /* The session is still usable. */
    g_free (s_pwd (s, &error));
    assert_ok (s, error, "PWD after a failed download");
  }

  session_close (s);
}

/* TYPE A: LF locally, CRLF on the wire. What lands on the server's disk depends on
 * whether the server converts (ServerFlags). */
static void
test_ascii (gconstpointer data)
{
  const Server *server = data;
  const char *text = "first line\nsecond line\n\nlast line\n";
  const char *crlf = "first line\r\nsecond line\r\n\r\nlast line\r\n";
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *local = NULL, *remote = NULL, *on_disk = NULL;
  g_autofree char *disk = NULL, *down = NULL, *down_text = NULL;
  g_autofree char *remote2 = NULL, *on_disk2 = NULL;
  gsize length;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "ascii");
  local = g_build_filename (s->tmp, "text.txt", NULL);
  write_text_file (local, text, -1);
  remote = g_strdup_printf ("/%s/up.txt", dir);
  on_disk = disk_path (s, remote);

  s_upload (s, local, remote, OP_FTP_TRANSFER_ASCII, NULL, &error);
  assert_ok (s, error, "ASCII upload");
  disk = read_file (on_disk, &length);
  if (server->flags & SERVER_ASCII_CONVERTS)
    g_assert_cmpstr (disk, ==, text);    /* CRLF on the wire became LF on disk */
  else
    g_assert_cmpstr (disk, ==, crlf);    /* stored as sent: the wire had CRLF */

  /* Download of a file with LF on disk: converting servers send CRLF, the others send
   * LF unchanged; either way the client writes LF. */
  remote2 = g_strdup_printf ("/%s/down.txt", dir);
  on_disk2 = disk_path (s, remote2);
  write_text_file (on_disk2, text, -1);
  down = g_build_filename (s->tmp, "down.txt", NULL);
  s_download (s, remote2, down, OP_FTP_TRANSFER_ASCII, NULL, &error);
  assert_ok (s, error, "ASCII download");
  down_text = read_file (down, &length);
  g_assert_cmpstr (down_text, ==, text);

  /* And a binary transfer afterwards is binary again (TYPE I restored). */
  {
    g_autofree char *bin = g_build_filename (s->tmp, "after.bin", NULL);
    g_autofree char *bin_text = NULL;

    s_download (s, remote2, bin, OP_FTP_TRANSFER_DEFAULT, NULL, &error);
    assert_ok (s, error, "binary download after ASCII");
    bin_text = read_file (bin, &length);
    g_assert_cmpstr (bin_text, ==, text);
  }

  session_close (s);
}

/* Resumed download (NAME.part holds a prefix), resumed upload (REST+STOR or APPE) and
 * an explicit append. */
static void
test_resume (gconstpointer data)
{
  const Server *server = data;
  const gsize size = 3 * 1024 * 1024 + 17, prefix = 1000003;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *whole = NULL, *whole_sum = NULL;
  g_autofree char *contents = NULL;
  gsize length;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "resume");
  whole = g_build_filename (s->tmp, "whole.bin", NULL);
  write_random_file (whole, size);
  whole_sum = sha256_file (whole);
  contents = read_file (whole, &length);
  g_assert_cmpuint (length, ==, size);

  /* Download: the server has the whole file, the .part its first bytes. */
  {
    g_autofree char *remote = g_strdup_printf ("/%s/down.bin", dir);
    g_autofree char *on_disk = disk_path (s, remote);
    g_autofree char *local = g_build_filename (s->tmp, "down.bin", NULL);
    g_autofree char *part = g_strconcat (local, ".part", NULL);
    g_autofree char *sum = NULL;
    ProgressLog progress = { 0 };

    write_text_file (on_disk, contents, size);
    write_text_file (part, contents, prefix);
    s_download (s, remote, local, OP_FTP_TRANSFER_RESUME, &progress, &error);
    assert_ok (s, error, "resumed download");
    sum = sha256_file (local);
    g_assert_cmpstr (sum, ==, whole_sum);
    g_assert_false (exists (part));
    g_assert_cmpuint (progress.last_done, ==, size);
  }

  /* Upload: the server has the first bytes. */
  {
    g_autofree char *remote = g_strdup_printf ("/%s/up.bin", dir);
    g_autofree char *on_disk = disk_path (s, remote);
    g_autofree char *sum = NULL;

    write_text_file (on_disk, contents, prefix);
    give_to_server (s, on_disk);
    s_upload (s, whole, remote, OP_FTP_TRANSFER_RESUME, NULL, &error);
    assert_ok (s, error, "resumed upload");
    sum = sha256_file (on_disk);
    g_assert_cmpstr (sum, ==, whole_sum);
  }

  /* Append: the server has the first bytes, the local file the rest. */
  {
    g_autofree char *remote = g_strdup_printf ("/%s/append.bin", dir);
    g_autofree char *on_disk = disk_path (s, remote);
    g_autofree char *rest = g_build_filename (s->tmp, "rest.bin", NULL);
    g_autofree char *sum = NULL;

    write_text_file (on_disk, contents, prefix);
    give_to_server (s, on_disk);
    write_text_file (rest, contents + prefix, size - prefix);
    s_upload (s, rest, remote, OP_FTP_TRANSFER_APPEND, NULL, &error);
    assert_ok (s, error, "append");
    sum = sha256_file (on_disk);
    g_assert_cmpstr (sum, ==, whole_sum);
  }

  session_close (s);
}

typedef struct
{
  GCancellable *cancellable;
  guint64       cancel_at;
} CancelAt;

static void
cancel_at_cb (const OpFtpProgress *progress,
              gpointer             user_data)
{
  CancelAt *c = user_data;

  if (progress->bytes_done >= c->cancel_at)
    g_cancellable_cancel (c->cancellable);
}

/* A download cancelled halfway keeps NAME.part, which holds exactly the first bytes of
 * the file (over TLS the client gathers several records per write: none may be lost or
 * half written), and resuming it completes the file. */
static void
test_cancelled_download (gconstpointer data)
{
  const Server *server = data;
  const gsize size = 48 * 1024 * 1024;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GAsyncResult) r = NULL;
  g_autofree char *dir = NULL, *remote = NULL, *on_disk = NULL, *local = NULL, *part = NULL;
  g_autofree char *contents = NULL, *kept = NULL, *whole_sum = NULL, *sum = NULL;
  g_autoptr(GFile) file = NULL;
  gsize length, kept_length;
  CancelAt cancel = { cancellable, 4 * 1024 * 1024 };
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "cancel");
  remote = g_strdup_printf ("/%s/big.bin", dir);
  on_disk = disk_path (s, remote);
  write_random_file (on_disk, size);
  give_to_server (s, on_disk);
  contents = read_file (on_disk, &length);
  g_assert_cmpuint (length, ==, size);
  whole_sum = sha256_file (on_disk);
  local = g_build_filename (s->tmp, "cancelled.bin", NULL);
  part = g_strconcat (local, ".part", NULL);
  file = g_file_new_for_path (local);

  AWAIT (op_ftp_client_download_async (s->client, remote, file, OP_FTP_TRANSFER_DEFAULT,
                                       cancel_at_cb, &cancel, NULL, cancellable, cb, cb_data));
  r = take_result ();
  if (op_ftp_client_download_finish (s->client, r, &error))
    {
      /* The whole file and the server's final reply were in before the cancel landed
       * (a slow build, a fast loopback): then the download finished, under its name. */
      op_test_spin_pending ();
      g_test_message ("the download finished before the cancel landed");
      sum = sha256_file (local);
      g_assert_cmpstr (sum, ==, whole_sum);
      g_assert_false (exists (part));
      session_close (s);
      return;
    }
  op_test_spin_pending ();
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_false (exists (local));
  kept = read_file (part, &kept_length);
  g_test_message ("cancelled after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " bytes",
                  kept_length, size);
  /* On a fast loopback the last bytes may be in before the cancel lands (it is asked
   * for from the main context, on a progress report): then it stops the wait for the
   * server's final reply, and the .part holds everything, still not renamed. */
  g_assert_cmpuint (kept_length, >=, cancel.cancel_at);
  g_assert_cmpuint (kept_length, <=, size);
  g_assert_true (memcmp (kept, contents, kept_length) == 0);

  s_download (s, remote, local, OP_FTP_TRANSFER_RESUME, NULL, &error);
  assert_ok (s, error, "download resumed after a cancel");
  sum = sha256_file (local);
  g_assert_cmpstr (sum, ==, whole_sum);
  g_assert_false (exists (part));

  session_close (s);
}

/* mkdir, mkdir of an existing folder, rename, chmod, stat, delete, rmdir — each checked
 * on disk. */
static void
test_file_operations (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *made = NULL, *made_disk = NULL;
  g_autofree char *file = NULL, *file_disk = NULL, *renamed = NULL, *renamed_disk = NULL;
  g_autoptr(OpFtpEntry) entry = NULL;
  g_autoptr(OpFtpEntry) missing = NULL;
  struct stat st;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "ops");

  made = g_strdup_printf ("/%s/new folder", dir);
  made_disk = disk_path (s, made);
  s_mkdir (s, made, &error);
  assert_ok (s, error, "MKD");
  g_assert_cmpint (stat (made_disk, &st), ==, 0);
  g_assert_true (S_ISDIR (st.st_mode));

  g_assert_false (s_mkdir (s, made, &error));
  g_printerr ("MKD of an existing folder: %s\n", error->message);
  if (server->flags & SERVER_SAYS_WHY)
    g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS);
  else
    {
      /* vsftpd answers "550 Create directory operation failed." for every failure:
       * nothing tells "exists" from "not allowed" unless the client looks. */
      g_assert_true (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_ALREADY_EXISTS) ||
                     g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT) ||
                     g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMISSION_DENIED));
    }
  g_clear_error (&error);

  file = g_strdup_printf ("/%s/file.txt", dir);
  file_disk = disk_path (s, file);
  write_text_file (file_disk, "twelve bytes", -1);
  give_to_server (s, file_disk);
  {
    /* An exact, known time in the past, so the check does not depend on the clock. */
    struct utimbuf times = { .actime = 1000000000, .modtime = 1000000000 };
    g_assert_cmpint (utime (file_disk, &times), ==, 0);
  }

  entry = s_stat (s, file, &error);
  assert_ok (s, error, "stat");
  g_assert_cmpint (entry->type, ==, OP_FTP_ENTRY_FILE);
  g_assert_cmpint (entry->size, ==, 12);
  g_assert_cmpint (entry->mtime, ==, 1000000000);
  g_assert_cmpint (entry->time_precision, ==, OP_FTP_TIME_SECOND);

  {
    g_autofree char *nowhere = g_strdup_printf ("/%s/no such file", dir);
    missing = s_stat (s, nowhere, &error);
    g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
    g_assert_null (missing);
    g_clear_error (&error);
  }

  s_chmod (s, file, 0600, &error);
  assert_ok (s, error, "SITE CHMOD");
  g_assert_cmpint (stat (file_disk, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);

  renamed = g_strdup_printf ("/%s/new folder/renamed 名.txt", dir);
  renamed_disk = disk_path (s, renamed);
  s_rename (s, file, renamed, &error);
  assert_ok (s, error, "RNFR/RNTO");
  g_assert_false (exists (file_disk));
  g_assert_true (exists (renamed_disk));

  g_assert_false (s_rmdir (s, made, &error));   /* not empty */
  g_printerr ("RMD of a folder that is not empty: %s\n", error->message);
  g_assert_true (error->domain == OP_FTP_ERROR);
  g_assert_false (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND));
  g_clear_error (&error);

  s_delete (s, renamed, &error);
  assert_ok (s, error, "DELE");
  g_assert_false (exists (renamed_disk));
  g_assert_false (s_delete (s, renamed, &error));
  g_printerr ("DELE of a missing file: %s\n", error->message);
  if (server->flags & SERVER_SAYS_WHY)
    g_assert_error (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND);
  else
    g_assert_true (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_NOT_FOUND) ||
                   g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_PERMANENT));
  g_clear_error (&error);

  s_rmdir (s, made, &error);
  assert_ok (s, error, "RMD");
  g_assert_false (exists (made_disk));

  session_close (s);
}

/* Compares two local trees: the same names, types and SHA-256s. */
static void
assert_same_tree (const char *a,
                  const char *b)
{
  g_autoptr(GDir) dir = g_dir_open (a, 0, NULL);
  const char *name;
  guint n_a = 0, n_b = 0;
  g_autoptr(GDir) dir_b = g_dir_open (b, 0, NULL);

  g_assert_nonnull (dir);
  g_assert_nonnull (dir_b);
  while (g_dir_read_name (dir_b) != NULL)
    n_b++;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *pa = g_build_filename (a, name, NULL);
      g_autofree char *pb = g_build_filename (b, name, NULL);
      struct stat sa, sb;

      n_a++;
      if (lstat (pb, &sb) != 0)
        g_printerr ("%s is missing\n", pb);
      g_assert_cmpint (lstat (pa, &sa), ==, 0);
      g_assert_cmpint (lstat (pb, &sb), ==, 0);
      g_assert_cmpint (S_ISDIR (sa.st_mode), ==, S_ISDIR (sb.st_mode));
      if (S_ISDIR (sa.st_mode))
        assert_same_tree (pa, pb);
      else
        {
          g_autofree char *sum_a = sha256_file (pa);
          g_autofree char *sum_b = sha256_file (pb);
          g_assert_cmpstr (sum_a, ==, sum_b);
        }
    }
  g_assert_cmpuint (n_a, ==, n_b);
}

/* Every entry below @root on disk whose type is @want_dir has mode @mode. */
static void
assert_tree_modes (const char *root,
                   gboolean    want_dir,
                   guint       mode)
{
  g_autoptr(GDir) d = g_dir_open (root, 0, NULL);
  const char *name;
  GStatBuf st;

  g_assert_nonnull (d);
  if (want_dir)
    {
      g_assert_cmpint (g_stat (root, &st), ==, 0);
      g_assert_cmpuint (st.st_mode & 07777, ==, mode);
    }
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (root, name, NULL);

      g_assert_cmpint (g_lstat (path, &st), ==, 0);
      if (S_ISDIR (st.st_mode))
        assert_tree_modes (path, want_dir, mode);
      else if (!want_dir)
        g_assert_cmpuint (st.st_mode & 07777, ==, mode);
    }
}

static void
chmod_tree (Session           *s,
            const char        *remote,
            guint              mode,
            OpFtpChmodTargets  targets)
{
  g_autoptr(GAsyncResult) r = NULL;
  g_autoptr(GError) error = NULL;
  ProgressLog progress = { 0 };

  AWAIT (op_ftp_client_chmod_tree_async (s->client, remote, mode, targets, progress_cb,
                                         &progress, NULL, NULL, cb, cb_data));
  r = take_result ();
  op_ftp_client_chmod_tree_finish (s->client, r, &error);
  op_test_spin_pending ();
  assert_ok (s, error, "chmod_tree");
}

static void
test_tree (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *local = NULL, *back = NULL, *remote = NULL, *remote_disk = NULL;
  g_autofree char *dir = NULL;
  ProgressLog progress = { 0 };
  Session *s = session_open (server);

  if (s == NULL)
    return;

  local = g_build_filename (s->tmp, "tree", NULL);
  g_assert_cmpint (g_mkdir_with_parents (local, 0755), ==, 0);
  {
    static const char *dirs[] = { "a", "a/b", "a/b/c", "empty folder", "sp ace", "中文" };
    static const struct { const char *path; gsize size; } files[] = {
      { "top.bin", 100000 }, { "a/one.txt", 1 }, { "a/b/two.bin", 65537 },
      { "a/b/c/zero", 0 }, { "sp ace/ü and spaces.txt", 10 }, { "中文/文件.dat", 4096 },
    };

    for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
      {
        g_autofree char *p = g_build_filename (local, dirs[i], NULL);
        g_assert_cmpint (g_mkdir_with_parents (p, 0755), ==, 0);
      }
    for (guint i = 0; i < G_N_ELEMENTS (files); i++)
      {
        g_autofree char *p = g_build_filename (local, files[i].path, NULL);
        write_random_file (p, files[i].size);
      }
  }

  dir = make_remote_dir (s, "tree");
  remote = g_strdup_printf ("/%s/uploaded", dir);
  remote_disk = disk_path (s, remote);
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GFile) file = g_file_new_for_path (local);

    AWAIT (op_ftp_client_upload_tree_async (s->client, file, remote, OP_FTP_TRANSFER_DEFAULT,
                                            progress_cb, &progress, NULL, NULL, cb, cb_data));
    r = take_result ();
    op_ftp_client_upload_tree_finish (s->client, r, &error);
    op_test_spin_pending ();
    assert_ok (s, error, "upload_tree");
  }
  assert_same_tree (local, remote_disk);
  g_assert_false (progress.went_back);
  g_assert_cmpuint (progress.last_done, ==, 100000 + 1 + 65537 + 0 + 10 + 4096);

  back = g_build_filename (s->tmp, "back", NULL);
  {
    g_autoptr(GAsyncResult) r = NULL;
    g_autoptr(GFile) file = g_file_new_for_path (back);

    AWAIT (op_ftp_client_download_tree_async (s->client, remote, file,
                                              OP_FTP_TRANSFER_DEFAULT, NULL, NULL, NULL,
                                              NULL, cb, cb_data));
    r = take_result ();
    op_ftp_client_download_tree_finish (s->client, r, &error);
    op_test_spin_pending ();
    assert_ok (s, error, "download_tree");
  }
  assert_same_tree (local, back);

  /* Recursive permissions: only files, only folders (the top one too), then all. */
  chmod_tree (s, remote, 0640, OP_FTP_CHMOD_FILES);
  assert_tree_modes (remote_disk, FALSE, 0640);
  chmod_tree (s, remote, 0750, OP_FTP_CHMOD_FOLDERS);
  assert_tree_modes (remote_disk, TRUE, 0750);
  assert_tree_modes (remote_disk, FALSE, 0640);
  chmod_tree (s, remote, 0755, OP_FTP_CHMOD_ALL);
  assert_tree_modes (remote_disk, TRUE, 0755);
  assert_tree_modes (remote_disk, FALSE, 0755);

  {
    g_autoptr(GAsyncResult) r = NULL;

    AWAIT (op_ftp_client_delete_tree_async (s->client, remote, NULL, NULL, NULL, NULL,
                                            cb, cb_data));
    r = take_result ();
    op_ftp_client_delete_tree_finish (s->client, r, &error);
    assert_ok (s, error, "delete_tree");
  }
  g_assert_false (exists (remote_disk));

  session_close (s);
}

/* A folder of 10,000 entries made on disk lists completely (Pure-FTPd needs -L for it). */
static void
test_big_directory (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(OpFtpListing) listing = NULL;
  g_autofree char *dir = NULL, *dir_disk = NULL;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "big");
  dir_disk = g_build_filename (s->root, dir, NULL);
  for (guint i = 0; i < BIG_DIR_ENTRIES; i++)
    {
      g_autofree char *p = g_strdup_printf ("%s/entry %05u.txt", dir_disk, i);
      write_text_file (p, "", 0);
    }

  listing = s_list (s, dir, OP_FTP_LIST_DEFAULT, &error);
  assert_ok (s, error, "list of 10,000 entries");
  g_assert_cmpuint (listing->unparsed->len, ==, 0);
  for (guint i = 0; i < listing->entries->len; i++)
    g_hash_table_add (seen, ((OpFtpEntry *) g_ptr_array_index (listing->entries, i))->name);
  for (guint i = 0; i < BIG_DIR_ENTRIES; i++)
    {
      g_autofree char *name = g_strdup_printf ("entry %05u.txt", i);
      if (!g_hash_table_contains (seen, name))
        g_printerr ("missing: %s\n", name);
      g_assert_true (g_hash_table_contains (seen, name));
    }
  g_assert_cmpuint (listing->entries->len, ==, BIG_DIR_ENTRIES);

  session_close (s);
}

/* Upload keeps the local modification time through MFMT where the server offers it;
 * a download sets the local file's time to the server's. */
static void
test_mtime (gconstpointer data)
{
  const Server *server = data;
  const gint64 up_time = 981173106;    /* 2001-02-03 04:05:06 UTC */
  const gint64 down_time = 1012615322; /* 2002-02-02 02:02:02 UTC */
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *local = NULL, *remote = NULL, *on_disk = NULL;
  g_autofree char *remote2 = NULL, *on_disk2 = NULL, *down = NULL;
  struct utimbuf times;
  struct stat st;
  Session *s = session_open (server);

  if (s == NULL)
    return;

  dir = make_remote_dir (s, "mtime");
  local = g_build_filename (s->tmp, "old.txt", NULL);
  write_text_file (local, "old", -1);
  times.actime = times.modtime = up_time;
  g_assert_cmpint (utime (local, &times), ==, 0);
  remote = g_strdup_printf ("/%s/old.txt", dir);
  on_disk = disk_path (s, remote);
  s_upload (s, local, remote, OP_FTP_TRANSFER_DEFAULT, NULL, &error);
  assert_ok (s, error, "upload");
  g_assert_cmpint (stat (on_disk, &st), ==, 0);
  if (server->flags & SERVER_MFMT)
    g_assert_cmpint (st.st_mtime, ==, up_time);
  else
    /* vsftpd has no MFMT (its "MDTM time file" form is off by default: mdtm_write is
     * not what the client uses): the file keeps the upload's time. */
    g_assert_cmpint (st.st_mtime, >, up_time + 365 * 24 * 3600);

  /* With NO_MTIME the server's time is left alone even where MFMT exists. */
  {
    g_autofree char *remote3 = g_strdup_printf ("/%s/now.txt", dir);
    g_autofree char *on_disk3 = disk_path (s, remote3);

    s_upload (s, local, remote3, OP_FTP_TRANSFER_NO_MTIME, NULL, &error);
    assert_ok (s, error, "upload without mtime");
    g_assert_cmpint (stat (on_disk3, &st), ==, 0);
    g_assert_cmpint (st.st_mtime, >, up_time + 365 * 24 * 3600);
  }

  remote2 = g_strdup_printf ("/%s/server.txt", dir);
  on_disk2 = disk_path (s, remote2);
  write_text_file (on_disk2, "from the server", -1);
  times.actime = times.modtime = down_time;
  g_assert_cmpint (utime (on_disk2, &times), ==, 0);
  down = g_build_filename (s->tmp, "server.txt", NULL);
  s_download (s, remote2, down, OP_FTP_TRANSFER_DEFAULT, NULL, &error);
  assert_ok (s, error, "download");
  g_assert_cmpint (stat (down, &st), ==, 0);
  g_assert_cmpint (st.st_mtime, ==, down_time);

  session_close (s);
}

/* The data connections of servers that require TLS session reuse work, through LIST and
 * a transfer on one session (several data connections after one handshake). */
static void
test_session_reuse (gconstpointer data)
{
  const Server *server = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL, *local = NULL, *down = NULL;
  Session *s;

  if (!(server->flags & SERVER_REUSE_REQUIRED))
    {
      op_tap_skip ("this server does not require TLS session reuse");
      return;
    }
  s = session_open (server);
  if (s == NULL)
    return;

  dir = make_remote_dir (s, "reuse");
  local = g_build_filename (s->tmp, "r.bin", NULL);
  write_random_file (local, 100000);
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *remote = g_strdup_printf ("/%s/r%u.bin", dir, i);
      g_autoptr(OpFtpListing) listing = NULL;

      s_upload (s, local, remote, OP_FTP_TRANSFER_DEFAULT, NULL, &error);
      if (g_error_matches (error, OP_FTP_ERROR, OP_FTP_ERROR_TLS_SESSION_REUSE))
        g_printerr ("the server refused the data connection: the TLS session was not "
                    "resumed\n");
      assert_ok (s, error, "upload over a resumed TLS session");
      listing = s_list (s, dir, OP_FTP_LIST_DEFAULT, &error);
      assert_ok (s, error, "list over a resumed TLS session");
      g_assert_cmpuint (listing->entries->len, ==, i + 1);
    }
  down = g_build_filename (s->tmp, "d.bin", NULL);
  {
    g_autofree char *remote = g_strdup_printf ("/%s/r2.bin", dir);
    g_autofree char *a = sha256_file (local), *b = NULL;

    s_download (s, remote, down, OP_FTP_TRANSFER_DEFAULT, NULL, &error);
    assert_ok (s, error, "download over a resumed TLS session");
    b = sha256_file (down);
    g_assert_cmpstr (a, ==, b);
  }

  session_close (s);
}

int
main (int   argc,
      char *argv[])
{
  static const struct { const char *name; OpTapFunc func; } scenarios[] = {
    { "session", test_session },
    { "list", test_list },
    { "hidden", test_hidden },
    { "transfer", test_transfer },
    { "ascii", test_ascii },
    { "resume", test_resume },
    { "cancelled-download", test_cancelled_download },
    { "file-operations", test_file_operations },
    { "tree", test_tree },
    { "big-directory", test_big_directory },
    { "mtime", test_mtime },
    { "tls-session-reuse", test_session_reuse },
  };

  g_autoptr(GError) error = NULL;
  int status;

  /* UTF-8 names in messages, whatever the caller's locale. */
  if (setlocale (LC_ALL, "") == NULL || !g_get_charset (NULL))
    setlocale (LC_ALL, "C.UTF-8");
  /* The client's worker threads write to sockets the server may close. */
  signal (SIGPIPE, SIG_IGN);
  local_base = g_dir_make_tmp ("outpost-ftp-servers-XXXXXX", &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (servers); i++)
    for (guint j = 0; j < G_N_ELEMENTS (scenarios); j++)
      {
        g_autofree char *path = g_strdup_printf ("/ftp/servers/%s/%s", servers[i].name,
                                                 scenarios[j].name);
        op_tap_add (path, scenarios[j].func, &servers[i]);
      }

  status = op_tap_run (argc, argv);
  op_test_remove_tree (local_base);
  g_free (local_base);
  return status;
}
