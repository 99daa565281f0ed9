/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test-ftp"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-test-ftp-server.h"

/* How long the server waits for a data connection or a stalled client. */
#define DATA_TIMEOUT_SECONDS 10
#define CHUNK_SIZE (64 * 1024)

typedef struct
{
  char  *verb;
  char  *reply;    /* (nullable): drop the control connection */
  guint  times;    /* 0: always */
} CommandFault;

struct _OpTestFtpServer
{
  GMutex          lock;
  GCond           cond;

  /* Settings. */
  char           *greeting;
  char           *user;
  char           *password;
  GStrv           features;
  char           *pasv_address;
  guint64         rate;

  /* The tree (under @lock): path → GBytes for files, path → NULL for folders. */
  GHashTable     *files;
  GHashTable     *folders;
  GHashTable     *listings;   /* folder → GBytes of raw LIST/MLSD text */

  /* Faults (under @lock). */
  OpTestFtpFault  data_fault;
  guint64         fault_after;
  guint           fault_times;
  GPtrArray      *command_faults;

  /* Running. */
  GSocketListener *listener;
  guint16          port;
  GThread         *thread;
  GCancellable    *cancellable;
  GPtrArray       *commands;   /* (under @lock) */
  guint            n_connections;
};

/* One control connection's state. */
typedef struct
{
  OpTestFtpServer   *server;
  GSocketConnection *conn;
  GDataInputStream  *in;
  GOutputStream     *out;
  char              *cwd;
  char              *pending_user;
  gboolean           logged_in;
  guint64            rest;
  char              *rename_from;
  GSocket           *pasv;        /* passive listener, until used */
  GSocketAddress    *active;      /* EPRT/PORT target, until used */
  gboolean           closed;
} Session;

/* --- setup ------------------------------------------------------------------------- */

static void
command_fault_free (CommandFault *fault)
{
  g_free (fault->verb);
  g_free (fault->reply);
  g_free (fault);
}

OpTestFtpServer *
op_test_ftp_server_new (void)
{
  OpTestFtpServer *self = g_new0 (OpTestFtpServer, 1);

  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->greeting = g_strdup ("220 Outpost test server.\r\n");
  self->pasv_address = g_strdup ("127.0.0.1");
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_bytes_unref);
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->listings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify) g_bytes_unref);
  self->command_faults = g_ptr_array_new_with_free_func ((GDestroyNotify) command_fault_free);
  self->commands = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  g_hash_table_add (self->folders, g_strdup ("/"));
  return self;
}

void
op_test_ftp_server_free (OpTestFtpServer *self)
{
  if (self == NULL)
    return;
  op_test_ftp_server_stop (self);
  g_free (self->greeting);
  g_free (self->user);
  g_free (self->password);
  g_strfreev (self->features);
  g_free (self->pasv_address);
  g_hash_table_unref (self->files);
  g_hash_table_unref (self->folders);
  g_hash_table_unref (self->listings);
  g_ptr_array_unref (self->command_faults);
  g_ptr_array_unref (self->commands);
  g_clear_object (&self->listener);
  g_clear_object (&self->cancellable);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

void
op_test_ftp_server_set_greeting (OpTestFtpServer *self,
                                 const char      *raw_reply)
{
  g_free (self->greeting);
  self->greeting = g_strdup (raw_reply);
}

void
op_test_ftp_server_set_login (OpTestFtpServer *self,
                              const char      *user,
                              const char      *password)
{
  g_free (self->user);
  g_free (self->password);
  self->user = g_strdup (user);
  self->password = g_strdup (password);
}

void
op_test_ftp_server_set_features (OpTestFtpServer    *self,
                                 const char * const *features)
{
  g_strfreev (self->features);
  self->features = g_strdupv ((char **) features);
}

void
op_test_ftp_server_set_pasv_address (OpTestFtpServer *self,
                                     const char      *address)
{
  g_free (self->pasv_address);
  self->pasv_address = g_strdup (address);
}

void
op_test_ftp_server_set_rate (OpTestFtpServer *self,
                             guint64          bytes_per_second)
{
  self->rate = bytes_per_second;
}

/* "/a//b/" → "/a/b"; relative paths are joined to @cwd. */
static char *
resolve (const char *cwd,
         const char *path)
{
  g_autofree char *joined = NULL;
  GString *out;

  if (path == NULL || *path == '\0')
    return g_strdup (cwd);
  joined = path[0] == '/' ? g_strdup (path) : g_strconcat (cwd, "/", path, NULL);
  out = g_string_new (NULL);
  for (const char *p = joined; *p != '\0'; p++)
    if (*p != '/' || out->len == 0 || out->str[out->len - 1] != '/')
      g_string_append_c (out, *p);
  if (out->len > 1 && out->str[out->len - 1] == '/')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

static char *
parent_of (const char *path)
{
  const char *slash = strrchr (path, '/');

  if (slash == NULL || slash == path)
    return g_strdup ("/");
  return g_strndup (path, slash - path);
}

/* Under @lock. */
static void
add_folder_locked (OpTestFtpServer *self,
                   const char      *path)
{
  g_autofree char *parent = NULL;

  if (g_hash_table_contains (self->folders, path))
    return;
  parent = parent_of (path);
  add_folder_locked (self, parent);
  g_hash_table_add (self->folders, g_strdup (path));
}

void
op_test_ftp_server_add_folder (OpTestFtpServer *self,
                               const char      *path)
{
  g_autofree char *key = resolve ("/", path);

  g_mutex_lock (&self->lock);
  add_folder_locked (self, key);
  g_mutex_unlock (&self->lock);
}

void
op_test_ftp_server_add_file (OpTestFtpServer *self,
                             const char      *path,
                             const void      *data,
                             gsize            size)
{
  g_autofree char *key = resolve ("/", path);
  g_autofree char *parent = parent_of (key);

  g_mutex_lock (&self->lock);
  add_folder_locked (self, parent);
  g_hash_table_replace (self->files, g_steal_pointer (&key), g_bytes_new (data, size));
  g_mutex_unlock (&self->lock);
}

void
op_test_ftp_server_set_listing (OpTestFtpServer *self,
                                const char      *folder,
                                const char      *raw,
                                gssize           length)
{
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->listings, resolve ("/", folder),
                        g_bytes_new (raw, length < 0 ? strlen (raw) : (gsize) length));
  g_mutex_unlock (&self->lock);
}

GBytes *
op_test_ftp_server_dup_file (OpTestFtpServer *self,
                             const char      *path)
{
  g_autofree char *key = resolve ("/", path);
  GBytes *bytes;

  g_mutex_lock (&self->lock);
  bytes = g_hash_table_lookup (self->files, key);
  if (bytes != NULL)
    g_bytes_ref (bytes);
  g_mutex_unlock (&self->lock);
  return bytes;
}

void
op_test_ftp_server_set_data_fault (OpTestFtpServer *self,
                                   OpTestFtpFault   fault,
                                   guint64          after_bytes,
                                   guint            times)
{
  g_mutex_lock (&self->lock);
  self->data_fault = fault;
  self->fault_after = after_bytes;
  self->fault_times = times;
  g_mutex_unlock (&self->lock);
}

void
op_test_ftp_server_fail_command (OpTestFtpServer *self,
                                 const char      *verb,
                                 const char      *raw_reply,
                                 guint            times)
{
  CommandFault *fault = g_new0 (CommandFault, 1);

  fault->verb = g_ascii_strup (verb, -1);
  fault->reply = g_strdup (raw_reply);
  fault->times = times;
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->command_faults, fault);
  g_mutex_unlock (&self->lock);
}

/* --- what happened ----------------------------------------------------------------- */

GStrv
op_test_ftp_server_dup_commands (OpTestFtpServer *self)
{
  GStrv copy;

  g_mutex_lock (&self->lock);
  copy = g_new0 (char *, self->commands->len + 1);
  for (guint i = 0; i < self->commands->len; i++)
    copy[i] = g_strdup (g_ptr_array_index (self->commands, i));
  g_mutex_unlock (&self->lock);
  return copy;
}

static gboolean
received_locked (OpTestFtpServer *self,
                 const char      *glob)
{
  for (guint i = 0; i < self->commands->len; i++)
    if (g_pattern_match_simple (glob, g_ptr_array_index (self->commands, i)))
      return TRUE;
  return FALSE;
}

gboolean
op_test_ftp_server_received (OpTestFtpServer *self,
                             const char      *glob)
{
  gboolean found;

  g_mutex_lock (&self->lock);
  found = received_locked (self, glob);
  g_mutex_unlock (&self->lock);
  return found;
}

gboolean
op_test_ftp_server_wait_for (OpTestFtpServer *self,
                             const char      *glob,
                             guint            timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  gboolean found;

  g_mutex_lock (&self->lock);
  while (!(found = received_locked (self, glob)))
    if (!g_cond_wait_until (&self->cond, &self->lock, end))
      {
        found = received_locked (self, glob);
        break;
      }
  g_mutex_unlock (&self->lock);
  return found;
}

guint
op_test_ftp_server_get_n_connections (OpTestFtpServer *self)
{
  guint n;

  g_mutex_lock (&self->lock);
  n = self->n_connections;
  g_mutex_unlock (&self->lock);
  return n;
}

guint16
op_test_ftp_server_get_port (OpTestFtpServer *self)
{
  return self->port;
}

/* --- replies and data connections ------------------------------------------------- */

static void
reply (Session    *s,
       const char *format,
       ...) G_GNUC_PRINTF (2, 3);

/* Sends one reply (format without CRLF; "\n" inside becomes CRLF). */
static void
reply (Session    *s,
       const char *format,
       ...)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) wire = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    g_string_append_printf (wire, "%s\r\n", lines[i]);
  if (!s->closed &&
      !g_output_stream_write_all (s->out, wire->str, wire->len, NULL, NULL, NULL))
    s->closed = TRUE;
}

static void
reply_raw (Session    *s,
           const char *raw)
{
  if (!s->closed && !g_output_stream_write_all (s->out, raw, strlen (raw), NULL, NULL, NULL))
    s->closed = TRUE;
}

static void
close_control (Session *s)
{
  s->closed = TRUE;
  g_io_stream_close (G_IO_STREAM (s->conn), NULL, NULL);
}

/* The data connection for a transfer, after the 150: accept the passive one, or connect
 * to the EPRT/PORT address. */
static GSocketConnection *
open_data (Session *s)
{
  GSocketConnection *data = NULL;

  if (s->pasv != NULL)
    {
      g_autoptr(GSocket) accepted = NULL;

      g_socket_set_timeout (s->pasv, DATA_TIMEOUT_SECONDS);
      accepted = g_socket_accept (s->pasv, s->server->cancellable, NULL);
      g_socket_close (s->pasv, NULL);
      g_clear_object (&s->pasv);
      if (accepted != NULL)
        {
          g_socket_set_timeout (accepted, DATA_TIMEOUT_SECONDS);
          data = g_socket_connection_factory_create_connection (accepted);
        }
    }
  else if (s->active != NULL)
    {
      g_autoptr(GSocketClient) client = g_socket_client_new ();

      g_socket_client_set_timeout (client, DATA_TIMEOUT_SECONDS);
      data = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (s->active),
                                      s->server->cancellable, NULL);
      g_clear_object (&s->active);
    }
  return data;
}

static void
close_data (GSocketConnection *data)
{
  if (data != NULL)
    g_io_stream_close (G_IO_STREAM (data), NULL, NULL);
}

/* Takes the fault for this transfer, if any. */
static OpTestFtpFault
take_fault (OpTestFtpServer *self,
            guint64         *after)
{
  OpTestFtpFault fault = OP_TEST_FTP_FAULT_NONE;

  g_mutex_lock (&self->lock);
  if (self->fault_times > 0 && self->data_fault != OP_TEST_FTP_FAULT_NONE)
    {
      fault = self->data_fault;
      *after = self->fault_after;
      self->fault_times--;
    }
  g_mutex_unlock (&self->lock);
  return fault;
}

static char *read_command (Session *s);
static void  record (OpTestFtpServer *self, const char *line);

/* A line waiting on the control connection (ABOR while we send)? */
static gboolean
control_has_input (Session *s)
{
  GSocket *socket = g_socket_connection_get_socket (s->conn);

  return g_buffered_input_stream_get_available (G_BUFFERED_INPUT_STREAM (s->in)) > 0 ||
         (g_socket_condition_check (socket, G_IO_IN | G_IO_HUP) != 0);
}

/* ABOR during a transfer (RFC 959 §4.1.3): the transfer's 426, then ABOR's 226. Any other
 * line, or none (the client closed the control connection), ends the session. */
static void
await_abort (Session           *s,
             GSocketConnection *data)
{
  g_autofree char *line = read_command (s);

  close_data (data);
  if (line == NULL)
    {
      close_control (s);
      return;
    }
  if (g_ascii_strcasecmp (line, "ABOR") != 0)
    reply (s, "503 Expected ABOR during a transfer.");
  reply (s, "426 Connection closed; transfer aborted.");
  reply (s, "226 ABOR successful.");
}

/* Ends a transfer that @fault hit: the fault decides the replies. */
static void
apply_fault (Session           *s,
             OpTestFtpFault     fault,
             GSocketConnection *data)
{
  switch (fault)
    {
    case OP_TEST_FTP_FAULT_DROP:
      close_data (data);
      reply (s, "426 Connection closed; transfer aborted.");
      break;
    case OP_TEST_FTP_FAULT_DROP_SILENT:
      close_data (data);
      reply (s, "226 Transfer complete.");
      break;
    case OP_TEST_FTP_FAULT_STALL:
      await_abort (s, data);
      break;
    case OP_TEST_FTP_FAULT_DROP_CONTROL:
      close_data (data);
      close_control (s);
      break;
    case OP_TEST_FTP_FAULT_STALL_SILENT:
      {
        char *line;

        /* Commands are recorded, never answered, until the client gives up. */
        while ((line = read_command (s)) != NULL)
          g_free (line);
        close_data (data);
        close_control (s);
      }
      break;
    case OP_TEST_FTP_FAULT_NONE:
    default:
      g_assert_not_reached ();
    }
}

/* Sends @bytes from @offset after the 150; faults, the rate limit and ABOR apply. */
static void
send_file (Session    *s,
           GBytes     *bytes,
           guint64     offset,
           gboolean    is_transfer)
{
  g_autoptr(GSocketConnection) data = NULL;
  OpTestFtpFault fault = OP_TEST_FTP_FAULT_NONE;
  guint64 after = 0;
  gsize size;
  const guint8 *p = g_bytes_get_data (bytes, &size);
  guint64 sent = 0;
  GOutputStream *out;
  gsize chunk_size = CHUNK_SIZE;

  if (offset > size)
    offset = size;
  reply (s, "150 Opening BINARY mode data connection (%" G_GSIZE_FORMAT " bytes).",
         size - (gsize) offset);
  data = open_data (s);
  if (data == NULL)
    {
      reply (s, "425 Failed to establish connection.");
      return;
    }
  if (is_transfer)
    fault = take_fault (s->server, &after);
  if (fault == OP_TEST_FTP_FAULT_STORE_SHORT)
    fault = OP_TEST_FTP_FAULT_NONE;
  if (s->server->rate > 0)
    chunk_size = MAX (1, MIN (CHUNK_SIZE, s->server->rate / 20));
  out = g_io_stream_get_output_stream (G_IO_STREAM (data));

  for (gsize pos = offset; pos < size;)
    {
      gsize n = MIN (chunk_size, size - pos);

      if (fault != OP_TEST_FTP_FAULT_NONE)
        {
          if (sent >= after)
            {
              apply_fault (s, fault, data);
              return;
            }
          n = MIN (n, after - sent);
        }
      if (control_has_input (s))
        {
          await_abort (s, data);
          return;
        }
      if (!g_output_stream_write_all (out, p + pos, n, NULL, NULL, NULL))
        {
          /* The client closed the data connection: it will send ABOR. */
          close_data (data);
          reply (s, "426 Failure writing network stream.");
          return;
        }
      pos += n;
      sent += n;
      if (s->server->rate > 0)
        g_usleep (G_USEC_PER_SEC * n / s->server->rate);
    }
  if (fault != OP_TEST_FTP_FAULT_NONE)
    {
      apply_fault (s, fault, data);
      return;
    }
  close_data (data);
  reply (s, "226 Transfer complete.");
}

/* STOR (@offset from REST) or APPE: receives into the tree as bytes arrive. */
static void
receive_file (Session    *s,
              const char *path,
              gboolean    append)
{
  OpTestFtpServer *self = s->server;
  g_autoptr(GSocketConnection) data = NULL;
  g_autoptr(GByteArray) content = g_byte_array_new ();
  g_autofree guint8 *buffer = g_malloc (CHUNK_SIZE);
  OpTestFtpFault fault;
  guint64 after = 0;
  guint64 received = 0;
  GInputStream *in;

  g_mutex_lock (&self->lock);
  {
    GBytes *old = g_hash_table_lookup (self->files, path);
    gsize old_size = 0;
    const guint8 *old_data = old != NULL ? g_bytes_get_data (old, &old_size) : NULL;
    gsize keep = append ? old_size : MIN (old_size, (gsize) s->rest);

    if (keep > 0)
      g_byte_array_append (content, old_data, keep);
  }
  g_mutex_unlock (&self->lock);

  reply (s, "150 Ok to send data.");
  data = open_data (s);
  if (data == NULL)
    {
      reply (s, "425 Failed to establish connection.");
      return;
    }
  fault = take_fault (self, &after);
  in = g_io_stream_get_input_stream (G_IO_STREAM (data));
  for (;;)
    {
      gsize want = CHUNK_SIZE;
      gssize n;

      if (fault != OP_TEST_FTP_FAULT_NONE && fault != OP_TEST_FTP_FAULT_STORE_SHORT)
        {
          if (received >= after)
            break;
          want = MIN (want, after - received);
        }
      n = g_input_stream_read (in, buffer, want, NULL, NULL);
      if (n <= 0)
        break;
      if (fault != OP_TEST_FTP_FAULT_STORE_SHORT)
        g_byte_array_append (content, buffer, n);
      else if (received < after)
        g_byte_array_append (content, buffer, MIN ((guint64) n, after - received));
      received += n;
    }

  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->files, g_strdup (path),
                        g_byte_array_free_to_bytes (g_steal_pointer (&content)));
  g_mutex_unlock (&self->lock);

  if (fault != OP_TEST_FTP_FAULT_NONE && fault != OP_TEST_FTP_FAULT_STORE_SHORT &&
      received >= after)
    {
      apply_fault (s, fault, data);
      return;
    }
  close_data (data);
  reply (s, "226 Transfer complete.");
}

/* --- listings ---------------------------------------------------------------------- */

static const char *
base_name (const char *path)
{
  const char *slash = strrchr (path, '/');

  return slash != NULL ? slash + 1 : path;
}

/* The tree's entries directly in @folder, sorted: "name" → GBytes or NULL (folder). */
static GPtrArray *
children (OpTestFtpServer *self,
          const char      *folder)
{
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_mutex_lock (&self->lock);
  for (guint pass = 0; pass < 2; pass++)
    {
      g_hash_table_iter_init (&iter, pass == 0 ? self->folders : self->files);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        {
          g_autofree char *parent = parent_of (key);

          if (strcmp (key, "/") != 0 && strcmp (parent, folder) == 0)
            g_ptr_array_add (names, g_strdup (key));
        }
    }
  g_mutex_unlock (&self->lock);
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  return names;
}

static GBytes *
make_listing (Session    *s,
              const char *verb,
              const char *folder)
{
  OpTestFtpServer *self = s->server;
  g_autoptr(GPtrArray) names = NULL;
  GString *out = g_string_new (NULL);

  if (strcmp (verb, "NLST") != 0)
    {
      GBytes *raw;

      g_mutex_lock (&self->lock);
      raw = g_hash_table_lookup (self->listings, folder);
      if (raw != NULL)
        g_bytes_ref (raw);
      g_mutex_unlock (&self->lock);
      if (raw != NULL)
        {
          g_string_free (out, TRUE);
          return raw;
        }
    }

  names = children (self, folder);
  for (guint i = 0; i < names->len; i++)
    {
      const char *path = g_ptr_array_index (names, i);
      g_autoptr(GBytes) file = op_test_ftp_server_dup_file (self, path);
      gsize size = file != NULL ? g_bytes_get_size (file) : 0;

      if (strcmp (verb, "NLST") == 0)
        g_string_append_printf (out, "%s\r\n", base_name (path));
      else if (strcmp (verb, "MLSD") == 0)
        g_string_append_printf (out, "type=%s;size=%" G_GSIZE_FORMAT ";modify=20240102030405;"
                                " %s\r\n", file != NULL ? "file" : "dir", size,
                                base_name (path));
      else
        g_string_append_printf (out, "%s    1 ftp      ftp  %12" G_GSIZE_FORMAT
                                " Jan 02  2024 %s\r\n",
                                file != NULL ? "-rw-r--r--" : "drwxr-xr-x", size,
                                base_name (path));
    }
  return g_string_free_to_bytes (out);
}

/* --- commands ---------------------------------------------------------------------- */

static void
record (OpTestFtpServer *self,
        const char      *line)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->commands, g_strdup (line));
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

/* The next command line, recorded; NULL when the connection ended. */
static char *
read_command (Session *s)
{
  char *line;

  if (s->closed)
    return NULL;
  line = g_data_input_stream_read_line (s->in, NULL, s->server->cancellable, NULL);
  if (line == NULL)
    return NULL;
  g_strchomp (line);   /* a CR left by clients that end lines with LF alone */
  record (s->server, line);
  return line;
}

/* A configured fault for @verb: TRUE when it answered instead of the command. */
static gboolean
command_fault (Session    *s,
               const char *verb)
{
  OpTestFtpServer *self = s->server;
  g_autofree char *raw = NULL;
  gboolean found = FALSE;

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < self->command_faults->len; i++)
    {
      CommandFault *fault = g_ptr_array_index (self->command_faults, i);

      if (strcmp (fault->verb, verb) != 0)
        continue;
      found = TRUE;
      raw = g_strdup (fault->reply);
      if (fault->times > 0 && --fault->times == 0)
        g_ptr_array_remove_index (self->command_faults, i);
      break;
    }
  g_mutex_unlock (&self->lock);

  if (!found)
    return FALSE;
  if (raw != NULL)
    reply_raw (s, raw);
  if (raw == NULL || g_str_has_prefix (raw, "421"))
    close_control (s);
  return TRUE;
}

static gboolean
is_folder (OpTestFtpServer *self,
           const char      *path)
{
  gboolean found;

  g_mutex_lock (&self->lock);
  found = g_hash_table_contains (self->folders, path);
  g_mutex_unlock (&self->lock);
  return found;
}

/* A passive listener on 127.0.0.1, any port. */
static guint16
open_passive (Session *s)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_clear_object (&s->active);
  if (s->pasv != NULL)
    g_socket_close (s->pasv, NULL);
  g_clear_object (&s->pasv);
  s->pasv = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                          NULL);
  if (s->pasv == NULL || !g_socket_bind (s->pasv, any, TRUE, NULL) ||
      !g_socket_listen (s->pasv, NULL) ||
      (bound = g_socket_get_local_address (s->pasv, NULL)) == NULL)
    g_error ("test FTP server: cannot listen for a data connection");
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* EPRT |1|127.0.0.1|port| or PORT h,h,h,h,p,p → the address to connect to. */
static gboolean
parse_active (Session    *s,
              const char *verb,
              const char *arg)
{
  g_autofree char *host = NULL;
  guint port = 0;

  if (strcmp (verb, "EPRT") == 0)
    {
      g_auto(GStrv) parts = arg[0] != '\0' ? g_strsplit (arg + 1, (char[]) { arg[0], 0 }, -1)
                                           : NULL;

      if (parts == NULL || g_strv_length (parts) < 3)
        return FALSE;
      host = g_strdup (parts[1]);
      port = atoi (parts[2]);
    }
  else
    {
      guint n[6];

      if (sscanf (arg, "%u,%u,%u,%u,%u,%u", &n[0], &n[1], &n[2], &n[3], &n[4], &n[5]) != 6)
        return FALSE;
      host = g_strdup_printf ("%u.%u.%u.%u", n[0], n[1], n[2], n[3]);
      port = n[4] * 256 + n[5];
    }
  if (s->pasv != NULL)
    g_socket_close (s->pasv, NULL);
  g_clear_object (&s->pasv);
  g_clear_object (&s->active);
  s->active = g_inet_socket_address_new_from_string (host, port);
  return s->active != NULL;
}

static void
feat (Session *s)
{
  static const char * const defaults[] = {
    "EPRT", "EPSV", "MDTM", "PASV", "REST STREAM", "SIZE", "UTF8", NULL
  };
  const char * const *list = s->server->features != NULL
                             ? (const char * const *) s->server->features : defaults;
  g_autoptr(GString) text = g_string_new ("211-Features:");

  for (guint i = 0; list[i] != NULL; i++)
    g_string_append_printf (text, "\n %s", list[i]);
  g_string_append (text, "\n211 End");
  reply (s, "%s", text->str);
}

static gboolean
has_mlst (OpTestFtpServer *self)
{
  if (self->features == NULL)
    return FALSE;
  for (guint i = 0; self->features[i] != NULL; i++)
    if (g_str_has_prefix (self->features[i], "MLST"))
      return TRUE;
  return FALSE;
}

/* One command; FALSE when the session ends. */
static gboolean
handle (Session    *s,
        const char *line)
{
  OpTestFtpServer *self = s->server;
  const char *space = strchr (line, ' ');
  g_autofree char *verb = g_ascii_strup (line, space != NULL ? space - line : -1);
  const char *arg = space != NULL ? space + 1 : "";
  g_autofree char *path = resolve (s->cwd, arg);
  guint64 rest = s->rest;

  if (strcmp (verb, "REST") != 0)
    s->rest = 0;
  if (command_fault (s, verb))
    return !s->closed;

  if (strcmp (verb, "USER") == 0)
    {
      g_free (s->pending_user);
      s->pending_user = g_strdup (arg);
      s->logged_in = FALSE;
      reply (s, "331 Please specify the password.");
    }
  else if (strcmp (verb, "PASS") == 0)
    {
      if (s->pending_user != NULL &&
          (self->user == NULL || g_strcmp0 (self->user, s->pending_user) == 0) &&
          (self->password == NULL || g_strcmp0 (self->password, arg) == 0))
        {
          s->logged_in = TRUE;
          reply (s, "230 Login successful.");
        }
      else
        reply (s, "530 Login incorrect.");
    }
  else if (strcmp (verb, "QUIT") == 0)
    {
      reply (s, "221 Goodbye.");
      return FALSE;
    }
  else if (strcmp (verb, "NOOP") == 0)
    reply (s, "200 NOOP ok.");
  else if (strcmp (verb, "FEAT") == 0)
    feat (s);
  else if (strcmp (verb, "OPTS") == 0)
    reply (s, "200 Always in UTF8 mode.");
  else if (strcmp (verb, "SYST") == 0)
    reply (s, "215 UNIX Type: L8");
  else if (strcmp (verb, "ABOR") == 0)
    reply (s, "225 No transfer to ABOR.");
  else if (!s->logged_in)
    reply (s, "530 Please login with USER and PASS.");
  else if (strcmp (verb, "PWD") == 0)
    {
      g_autofree char *quoted = NULL;
      g_auto(GStrv) parts = g_strsplit (s->cwd, "\"", -1);

      quoted = g_strjoinv ("\"\"", parts);
      reply (s, "257 \"%s\" is the current directory", quoted);
    }
  else if (strcmp (verb, "CWD") == 0 || strcmp (verb, "CDUP") == 0)
    {
      g_autofree char *target = strcmp (verb, "CDUP") == 0 ? parent_of (s->cwd)
                                                           : g_strdup (path);
      if (is_folder (self, target))
        {
          g_free (s->cwd);
          s->cwd = g_steal_pointer (&target);
          reply (s, "250 Directory successfully changed.");
        }
      else
        reply (s, "550 Failed to change directory.");
    }
  else if (strcmp (verb, "TYPE") == 0)
    reply (s, "200 Switching to %s mode.", g_ascii_toupper (arg[0]) == 'A' ? "ASCII" : "Binary");
  else if (strcmp (verb, "EPSV") == 0)
    reply (s, "229 Entering Extended Passive Mode (|||%u|)", open_passive (s));
  else if (strcmp (verb, "PASV") == 0)
    {
      guint16 port = open_passive (s);
      g_autofree char *address = g_strdup (self->pasv_address);

      g_strdelimit (address, ".", ',');
      reply (s, "227 Entering Passive Mode (%s,%u,%u).", address, port >> 8, port & 0xff);
    }
  else if (strcmp (verb, "EPRT") == 0 || strcmp (verb, "PORT") == 0)
    {
      if (parse_active (s, verb, arg))
        reply (s, "200 %s command successful. Consider using EPSV.", verb);
      else
        reply (s, "500 Illegal %s command.", verb);
    }
  else if (strcmp (verb, "REST") == 0)
    {
      s->rest = g_ascii_strtoull (arg, NULL, 10);
      reply (s, "350 Restart position accepted (%" G_GUINT64_FORMAT ").", s->rest);
    }
  else if (strcmp (verb, "LIST") == 0 || strcmp (verb, "NLST") == 0 ||
           strcmp (verb, "MLSD") == 0)
    {
      g_autoptr(GBytes) listing = NULL;
      g_autofree char *folder = NULL;

      if (strcmp (verb, "MLSD") == 0 && !has_mlst (self))
        {
          reply (s, "502 Command not implemented.");
          return TRUE;
        }
      /* "LIST -a [path]": options are not paths. */
      if (arg[0] == '-')
        {
          const char *after = strchr (arg, ' ');

          g_free (path);
          path = resolve (s->cwd, after != NULL ? after + 1 : "");
        }
      folder = g_steal_pointer (&path);
      if (!is_folder (self, folder))
        {
          reply (s, "550 No such file or directory.");
          return TRUE;
        }
      listing = make_listing (s, verb, folder);
      send_file (s, listing, 0, FALSE);
    }
  else if (strcmp (verb, "SIZE") == 0 || strcmp (verb, "MDTM") == 0 ||
           strcmp (verb, "RETR") == 0)
    {
      g_autoptr(GBytes) file = op_test_ftp_server_dup_file (self, path);

      if (file == NULL)
        reply (s, "550 No such file or directory.");
      else if (strcmp (verb, "SIZE") == 0)
        reply (s, "213 %" G_GSIZE_FORMAT, g_bytes_get_size (file));
      else if (strcmp (verb, "MDTM") == 0)
        reply (s, "213 20240102030405");
      else
        send_file (s, file, rest, TRUE);
    }
  else if (strcmp (verb, "STOR") == 0 || strcmp (verb, "APPE") == 0)
    {
      g_autofree char *parent = parent_of (path);

      if (!is_folder (self, parent))
        {
          reply (s, "553 Could not create file.");
          return TRUE;
        }
      s->rest = rest;
      receive_file (s, path, strcmp (verb, "APPE") == 0);
      s->rest = 0;
    }
  else if (strcmp (verb, "DELE") == 0)
    {
      gboolean removed;

      g_mutex_lock (&self->lock);
      removed = g_hash_table_remove (self->files, path);
      g_mutex_unlock (&self->lock);
      reply (s, removed ? "250 Delete operation successful." : "550 Delete operation failed.");
    }
  else if (strcmp (verb, "MKD") == 0)
    {
      g_autofree char *parent = parent_of (path);
      g_autoptr(GBytes) file = op_test_ftp_server_dup_file (self, path);

      if (is_folder (self, path) || file != NULL)
        reply (s, "550 %s: File exists", arg);
      else if (!is_folder (self, parent))
        reply (s, "550 %s: No such file or directory", arg);
      else
        {
          op_test_ftp_server_add_folder (self, path);
          reply (s, "257 \"%s\" created", path);
        }
    }
  else if (strcmp (verb, "RMD") == 0)
    {
      g_autoptr(GPtrArray) inside = children (self, path);
      gboolean removed = FALSE;

      g_mutex_lock (&self->lock);
      if (inside->len == 0 && strcmp (path, "/") != 0)
        removed = g_hash_table_remove (self->folders, path);
      g_mutex_unlock (&self->lock);
      reply (s, removed ? "250 Remove directory operation successful."
                        : "550 Remove directory operation failed.");
    }
  else if (strcmp (verb, "RNFR") == 0)
    {
      g_autoptr(GBytes) file = op_test_ftp_server_dup_file (self, path);

      g_free (s->rename_from);
      s->rename_from = file != NULL ? g_strdup (path) : NULL;
      reply (s, file != NULL ? "350 Ready for RNTO." : "550 RNFR command failed.");
    }
  else if (strcmp (verb, "RNTO") == 0)
    {
      g_autofree char *from = g_steal_pointer (&s->rename_from);
      g_autoptr(GBytes) file = from != NULL ? op_test_ftp_server_dup_file (self, from) : NULL;

      if (file == NULL)
        reply (s, "503 RNFR required first.");
      else
        {
          g_mutex_lock (&self->lock);
          g_hash_table_remove (self->files, from);
          g_hash_table_replace (self->files, g_strdup (path), g_bytes_ref (file));
          g_mutex_unlock (&self->lock);
          reply (s, "250 Rename successful.");
        }
    }
  else if (strcmp (verb, "SITE") == 0 && g_ascii_strncasecmp (arg, "CHMOD ", 6) == 0)
    reply (s, "200 SITE CHMOD command ok.");
  else
    reply (s, "502 Command not implemented.");
  return !s->closed;
}

/* --- the thread -------------------------------------------------------------------- */

static void
serve (OpTestFtpServer   *self,
       GSocketConnection *conn)
{
  Session s = { 0 };

  s.server = self;
  s.conn = conn;
  s.in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_data_input_stream_set_newline_type (s.in, G_DATA_STREAM_NEWLINE_TYPE_LF);
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (s.in), FALSE);
  s.out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  s.cwd = g_strdup ("/");

  reply_raw (&s, self->greeting);
  for (;;)
    {
      g_autofree char *line = read_command (&s);

      if (line == NULL || !handle (&s, line))
        break;
    }

  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  if (s.pasv != NULL)
    g_socket_close (s.pasv, NULL);
  g_clear_object (&s.pasv);
  g_clear_object (&s.active);
  g_clear_object (&s.in);
  g_free (s.cwd);
  g_free (s.pending_user);
  g_free (s.rename_from);
}

static gpointer
server_thread (gpointer data)
{
  OpTestFtpServer *self = data;

  for (;;)
    {
      g_autoptr(GSocketConnection) conn = g_socket_listener_accept (self->listener, NULL,
                                                                    self->cancellable, NULL);
      if (conn == NULL)
        break;
      g_mutex_lock (&self->lock);
      self->n_connections++;
      g_mutex_unlock (&self->lock);
      serve (self, conn);
    }
  return NULL;
}

gboolean
op_test_ftp_server_start (OpTestFtpServer  *self,
                          GError          **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) effective = NULL;

  g_return_val_if_fail (self->thread == NULL, FALSE);

  self->listener = g_socket_listener_new ();
  if (!g_socket_listener_add_address (self->listener, any, G_SOCKET_TYPE_STREAM,
                                      G_SOCKET_PROTOCOL_TCP, NULL, &effective, error))
    return FALSE;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  self->thread = g_thread_new ("test-ftp-server", server_thread, self);
  return TRUE;
}

void
op_test_ftp_server_stop (OpTestFtpServer *self)
{
  if (self->thread == NULL)
    return;
  g_cancellable_cancel (self->cancellable);
  g_thread_join (g_steal_pointer (&self->thread));
  g_socket_listener_close (self->listener);
}
