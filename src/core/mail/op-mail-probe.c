/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-probe"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-certificate-info.h"
#include "op-connection.h"
#include "op-imap-client.h"
#include "op-mail-private.h"
#include "op-mail-probe.h"
#include "op-pop3-client.h"
#include "op-smtp-client.h"

G_DEFINE_ENUM_TYPE (OpMailProtocol, op_mail_protocol,
  G_DEFINE_ENUM_VALUE (OP_MAIL_PROTOCOL_IMAP, "imap"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_PROTOCOL_POP3, "pop3"),
  G_DEFINE_ENUM_VALUE (OP_MAIL_PROTOCOL_SMTP, "smtp"))

G_DEFINE_BOXED_TYPE (OpMailProbeReport, op_mail_probe_report, op_mail_probe_report_copy,
                     op_mail_probe_report_free)

const char *
op_mail_protocol_to_string (OpMailProtocol protocol)
{
  switch (protocol)
    {
    case OP_MAIL_PROTOCOL_IMAP:
      return "IMAP";
    case OP_MAIL_PROTOCOL_POP3:
      return "POP3";
    case OP_MAIL_PROTOCOL_SMTP:
      return "SMTP";
    }
  return "";
}

static OpMailProbeReport *
report_new (OpMailProtocol  protocol,
            const char     *host,
            guint16         port,
            OpSecurity      security)
{
  OpMailProbeReport *report = g_new0 (OpMailProbeReport, 1);

  report->protocol = protocol;
  report->host = g_strdup (host);
  report->port = port;
  report->security = security;
  report->capabilities = g_new0 (char *, 1);
  return report;
}

OpMailProbeReport *
op_mail_probe_report_copy (const OpMailProbeReport *report)
{
  OpMailProbeReport *copy = report_new (report->protocol, report->host, report->port, report->security);

  copy->reached = report->reached;
  copy->greeting = g_strdup (report->greeting);
  copy->tls_version = g_strdup (report->tls_version);
  copy->cipher_suite = g_strdup (report->cipher_suite);
  copy->certificate = report->certificate != NULL ? g_object_ref (report->certificate) : NULL;
  copy->certificate_sha256 = g_strdup (report->certificate_sha256);
  g_strfreev (copy->capabilities);
  copy->capabilities = g_strdupv (report->capabilities);
  copy->login_tried = report->login_tried;
  copy->login_ok = report->login_ok;
  copy->error = report->error != NULL ? g_error_copy (report->error) : NULL;
  return copy;
}

void
op_mail_probe_report_free (OpMailProbeReport *report)
{
  if (report == NULL)
    return;
  g_free (report->host);
  g_free (report->greeting);
  g_free (report->tls_version);
  g_free (report->cipher_suite);
  g_clear_object (&report->certificate);
  g_free (report->certificate_sha256);
  g_strfreev (report->capabilities);
  g_clear_error (&report->error);
  g_free (report);
}

typedef struct
{
  OpMailProbeReport *report;
  char              *user;
  char              *password;
  gboolean           allow_plaintext;
  OpTlsVerifier     *verifier;
  guint              timeout;
  /* Login (main context). */
  OpImapClient      *imap;
  OpPop3Client      *pop3;
  OpSmtpClient      *smtp;
} Probe;

static void
probe_free (Probe *probe)
{
  op_mail_probe_report_free (probe->report);
  g_free (probe->user);
  _op_mail_wipe (&probe->password);
  g_clear_object (&probe->verifier);
  g_clear_object (&probe->imap);
  g_clear_object (&probe->pop3);
  g_clear_object (&probe->smtp);
  g_free (probe);
}

/* --- the TLS and capability probe, blocking, on a worker thread ------------------------- */

static char *
read_line (OpConnection  *conn,
           GCancellable  *cancellable,
           GError       **error)
{
  return op_connection_read_line (conn, OP_MAIL_PROBE_MAX_LINE, NULL, cancellable, error);
}

/* SMTP: a reply's lines ("250-…" … "250 …"): the texts after the code, and the code. */
static int
read_smtp_reply (OpConnection  *conn,
                 GPtrArray     *texts,
                 GCancellable  *cancellable,
                 GError       **error)
{
  for (guint lines = 0; lines < 1000; lines++)
    {
      g_autofree char *line = read_line (conn, cancellable, error);

      if (line == NULL)
        return -1;
      if (strlen (line) < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1])
          || !g_ascii_isdigit (line[2]) || (line[3] != '\0' && line[3] != ' ' && line[3] != '-'))
        break;
      if (texts != NULL)
        g_ptr_array_add (texts, g_strdup (line[3] != '\0' ? line + 4 : ""));
      if (line[3] != '-')
        return atoi (line);
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("The server’s reply is not SMTP."));
  return -1;
}

/* IMAP: reads up to the tagged reply of @tag; "* CAPABILITY" words go to @caps. */
static gboolean
read_imap_tagged (OpConnection  *conn,
                  const char    *tag,
                  GPtrArray     *caps,
                  GCancellable  *cancellable,
                  GError       **error)
{
  g_autofree char *prefix = g_strconcat (tag, " ", NULL);

  for (guint lines = 0; lines < 1000; lines++)
    {
      g_autofree char *line = read_line (conn, cancellable, error);

      if (line == NULL)
        return FALSE;
      if (caps != NULL && g_ascii_strncasecmp (line, "* CAPABILITY ", 13) == 0)
        {
          g_auto(GStrv) words = g_strsplit (line + 13, " ", -1);
          for (char **w = words; *w != NULL; w++)
            if (**w != '\0')
              g_ptr_array_add (caps, g_strdup (*w));
        }
      if (g_str_has_prefix (line, prefix))
        {
          if (g_ascii_strncasecmp (line + strlen (prefix), "OK", 2) == 0)
            return TRUE;
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused: %s"), line);
          return FALSE;
        }
    }
  g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, _("The server’s reply is too long."));
  return FALSE;
}

static gboolean
expect_pop3_ok (OpConnection  *conn,
                GCancellable  *cancellable,
                GError       **error)
{
  g_autofree char *line = read_line (conn, cancellable, error);

  if (line == NULL)
    return FALSE;
  if (!g_str_has_prefix (line, "+OK"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused: %s"), line);
      return FALSE;
    }
  return TRUE;
}

static const char *
tls_version_name (GTlsProtocolVersion version)
{
  switch (version)
    {
    case G_TLS_PROTOCOL_VERSION_SSL_3_0:
      return "SSL 3.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_0:
      return "TLS 1.0";
    case G_TLS_PROTOCOL_VERSION_TLS_1_1:
      return "TLS 1.1";
    case G_TLS_PROTOCOL_VERSION_TLS_1_2:
      return "TLS 1.2";
    case G_TLS_PROTOCOL_VERSION_TLS_1_3:
      return "TLS 1.3";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_0:
      return "DTLS 1.0";
    case G_TLS_PROTOCOL_VERSION_DTLS_1_2:
      return "DTLS 1.2";
    case G_TLS_PROTOCOL_VERSION_UNKNOWN:
    default:
      return NULL;
    }
}

static void
note_tls (OpMailProbeReport *report,
          OpConnection      *conn)
{
  GIOStream *stream = op_connection_get_stream (conn);
  GTlsCertificate *certificate = op_connection_get_peer_certificate (conn);

  if (!G_IS_TLS_CONNECTION (stream))
    return;
  g_free (report->tls_version);
  report->tls_version = g_strdup (tls_version_name (g_tls_connection_get_protocol_version (G_TLS_CONNECTION (stream))));
  g_free (report->cipher_suite);
  report->cipher_suite = g_tls_connection_get_ciphersuite_name (G_TLS_CONNECTION (stream));
  if (certificate != NULL)
    {
      g_set_object (&report->certificate, certificate);
      g_free (report->certificate_sha256);
      report->certificate_sha256 = op_certificate_sha256_fingerprint (certificate);
    }
}

static gboolean
probe_dialog (Probe         *probe,
              OpConnection  *conn,
              GPtrArray     *caps,
              GCancellable  *cancellable,
              GError       **error)
{
  OpMailProbeReport *report = probe->report;
  gboolean starttls = report->security == OP_SECURITY_STARTTLS;
  g_autofree char *greeting = NULL;

  switch (report->protocol)
    {
    case OP_MAIL_PROTOCOL_IMAP:
      greeting = read_line (conn, cancellable, error);
      if (greeting == NULL)
        return FALSE;
      report->greeting = g_strdup (greeting);
      if (!g_str_has_prefix (greeting, "* OK") && !g_str_has_prefix (greeting, "* PREAUTH"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused: %s"), greeting);
          return FALSE;
        }
      report->reached = TRUE;
      if (starttls)
        {
          if (!op_connection_send_command (conn, "s1 STARTTLS", NULL, OP_SEND_PLAIN, cancellable, error)
              || !read_imap_tagged (conn, "s1", NULL, cancellable, error)
              || !op_connection_start_tls (conn, cancellable, error))
            return FALSE;
        }
      if (!op_connection_send_command (conn, "s2 CAPABILITY", NULL, OP_SEND_PLAIN, cancellable, error)
          || !read_imap_tagged (conn, "s2", caps, cancellable, error))
        return FALSE;
      op_connection_send_command (conn, "s3 LOGOUT", NULL, OP_SEND_PLAIN, cancellable, NULL);
      return TRUE;

    case OP_MAIL_PROTOCOL_POP3:
      greeting = read_line (conn, cancellable, error);
      if (greeting == NULL)
        return FALSE;
      report->greeting = g_strdup (greeting);
      if (!g_str_has_prefix (greeting, "+OK"))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused: %s"), greeting);
          return FALSE;
        }
      report->reached = TRUE;
      if (starttls
          && (!op_connection_send_command (conn, "STLS", NULL, OP_SEND_PLAIN, cancellable, error)
              || !expect_pop3_ok (conn, cancellable, error)
              || !op_connection_start_tls (conn, cancellable, error)))
        return FALSE;
      if (!op_connection_send_command (conn, "CAPA", NULL, OP_SEND_PLAIN, cancellable, error)
          || !expect_pop3_ok (conn, cancellable, error))
        return FALSE;
      for (guint lines = 0; lines < 1000; lines++)
        {
          g_autofree char *line = read_line (conn, cancellable, error);
          if (line == NULL)
            return FALSE;
          if (strcmp (line, ".") == 0)
            break;
          g_ptr_array_add (caps, g_strdup (line));
        }
      op_connection_send_command (conn, "QUIT", NULL, OP_SEND_PLAIN, cancellable, NULL);
      return TRUE;

    case OP_MAIL_PROTOCOL_SMTP:
      {
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
        int code = read_smtp_reply (conn, lines, cancellable, error);

        if (code < 0)
          return FALSE;
        report->greeting = g_strdup_printf ("%d %s", code, lines->len > 0 ? (char *) g_ptr_array_index (lines, 0) : "");
        if (code != 220)
          {
            g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused: %s"), report->greeting);
            return FALSE;
          }
        report->reached = TRUE;
        for (guint round = 0; round < 2; round++)
          {
            g_ptr_array_set_size (lines, 0);
            if (!op_connection_send_command (conn, "EHLO", "outpost.invalid", OP_SEND_PLAIN, cancellable, error))
              return FALSE;
            code = read_smtp_reply (conn, lines, cancellable, error);
            if (code != 250)
              {
                if (code > 0)
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused EHLO (%d)."), code);
                return FALSE;
              }
            if (!starttls || round == 1)
              break;
            if (!op_connection_send_command (conn, "STARTTLS", NULL, OP_SEND_PLAIN, cancellable, error))
              return FALSE;
            code = read_smtp_reply (conn, NULL, cancellable, error);
            if (code != 220)
              {
                if (code > 0)
                  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("The server refused STARTTLS (%d)."), code);
                return FALSE;
              }
            if (!op_connection_start_tls (conn, cancellable, error))
              return FALSE;
          }
        /* The first line of an EHLO reply is the server's name. */
        for (guint i = 1; i < lines->len; i++)
          g_ptr_array_add (caps, g_strdup (g_ptr_array_index (lines, i)));
        op_connection_send_command (conn, "QUIT", NULL, OP_SEND_PLAIN, cancellable, NULL);
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

static void
probe_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Probe *probe = task_data;
  OpMailProbeReport *report = probe->report;
  g_autoptr(OpConnection) conn = NULL;
  g_autoptr(GPtrArray) caps = g_ptr_array_new_with_free_func (g_free);
  GError *error = NULL;

  conn = op_connection_connect (report->host, report->port, report->security == OP_SECURITY_IMPLICIT_TLS,
                                probe->timeout, probe->verifier, NULL, cancellable, &error);
  if (conn != NULL && probe_dialog (probe, conn, caps, cancellable, &error))
    {
      g_ptr_array_add (caps, NULL);
      g_strfreev (report->capabilities);
      report->capabilities = (GStrv) g_ptr_array_steal (caps, NULL);
    }
  if (conn != NULL)
    {
      note_tls (report, conn);
      op_connection_close (conn, NULL, NULL);
    }
  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  report->error = error;
  g_task_return_boolean (task, TRUE);
}

/* --- the login, through the real client, on the main context ---------------------------- */

static void
finish_login (GTask  *task,
              GError *error)
{
  Probe *probe = g_task_get_task_data (task);

  if (error != NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, error);
      return;
    }
  probe->report->login_ok = error == NULL;
  if (error != NULL && probe->report->error == NULL)
    probe->report->error = error;
  else if (error != NULL)
    g_error_free (error);
  g_task_return_pointer (task, op_mail_probe_report_copy (probe->report),
                         (GDestroyNotify) op_mail_probe_report_free);
}

static void
imap_logged_in (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  if (op_imap_client_login_finish (probe->imap, result, &error))
    {
      /* RFC 3501 §7.2.1: the capabilities may change after login. */
      g_strfreev (probe->report->capabilities);
      probe->report->capabilities = op_imap_client_dup_capabilities (probe->imap);
      op_imap_client_logout_async (probe->imap, NULL, NULL, NULL);
    }
  finish_login (task, error);
}

static void
imap_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  if (!op_imap_client_connect_finish (probe->imap, result, &error))
    {
      finish_login (task, error);
      g_object_unref (task);
      return;
    }
  op_imap_client_login_async (probe->imap, probe->user, probe->password, OP_IMAP_AUTH_AUTO,
                              g_task_get_cancellable (task), imap_logged_in, task);
}

static void
pop3_logged_in (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  op_pop3_client_connect_finish (probe->pop3, result, &error);
  finish_login (task, error);
}

static void
smtp_logged_in (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;

  op_smtp_client_login_finish (probe->smtp, result, &error);
  finish_login (task, error);
}

static void
smtp_connected (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GTask *task = user_data;
  Probe *probe = g_task_get_task_data (task);
  GError *error = NULL;
  OpSmtpCapabilities *caps = op_smtp_client_connect_finish (probe->smtp, result, &error);

  if (caps == NULL)
    {
      finish_login (task, error);
      g_object_unref (task);
      return;
    }
  op_smtp_capabilities_free (caps);
  op_smtp_client_login_async (probe->smtp, probe->user, probe->password, NULL,
                              g_task_get_cancellable (task), smtp_logged_in, task);
}

static void
probed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GTask *outer = user_data;
  Probe *probe = g_task_get_task_data (outer);
  OpMailProbeReport *report = probe->report;
  GCancellable *cancellable = g_task_get_cancellable (outer);
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      g_object_unref (outer);
      return;
    }
  if (report->error != NULL || probe->user == NULL || probe->password == NULL)
    {
      g_task_return_pointer (outer, op_mail_probe_report_copy (report),
                             (GDestroyNotify) op_mail_probe_report_free);
      g_object_unref (outer);
      return;
    }

  report->login_tried = TRUE;
  switch (report->protocol)
    {
    case OP_MAIL_PROTOCOL_IMAP:
      probe->imap = op_imap_client_new (report->host, report->port,
                                        report->security);
      if (probe->verifier != NULL)
        op_imap_client_set_verifier (probe->imap, probe->verifier);
      op_imap_client_set_timeout (probe->imap, probe->timeout);
      op_imap_client_set_allow_plaintext_password (probe->imap, probe->allow_plaintext);
      op_imap_client_connect_async (probe->imap, cancellable, imap_connected, outer);
      break;
    case OP_MAIL_PROTOCOL_POP3:
      probe->pop3 = op_pop3_client_new (report->host, report->port,
                                        report->security);
      if (probe->verifier != NULL)
        op_pop3_client_set_verifier (probe->pop3, probe->verifier);
      op_pop3_client_set_timeout (probe->pop3, probe->timeout);
      op_pop3_client_set_allow_plaintext_password (probe->pop3, probe->allow_plaintext);
      op_pop3_client_connect_async (probe->pop3, probe->user, probe->password, cancellable,
                                    pop3_logged_in, outer);
      break;
    case OP_MAIL_PROTOCOL_SMTP:
      probe->smtp = op_smtp_client_new (report->host, report->port,
                                        report->security);
      if (probe->verifier != NULL)
        op_smtp_client_set_verifier (probe->smtp, probe->verifier);
      op_smtp_client_set_timeout (probe->smtp, probe->timeout);
      op_smtp_client_set_allow_plaintext_password (probe->smtp, probe->allow_plaintext);
      op_smtp_client_connect_async (probe->smtp, cancellable, smtp_connected, outer);
      break;
    }
}

void
op_mail_probe_async (OpMailProtocol       protocol,
                     const char          *host,
                     guint16              port,
                     OpSecurity           security,
                     const char          *user,
                     const char          *password,
                     gboolean             allow_plaintext_password,
                     OpTlsVerifier       *verifier,
                     guint                timeout_seconds,
                     GCancellable        *cancellable,
                     GAsyncReadyCallback  callback,
                     gpointer             user_data)
{
  GTask *outer;
  g_autoptr(GTask) inner = NULL;
  Probe *probe;

  g_return_if_fail (host != NULL && port > 0);

  probe = g_new0 (Probe, 1);
  probe->report = report_new (protocol, host, port, security);
  probe->user = g_strdup (user);
  probe->password = g_strdup (password);
  probe->allow_plaintext = allow_plaintext_password;
  probe->verifier = verifier != NULL ? g_object_ref (verifier) : NULL;
  probe->timeout = timeout_seconds > 0 ? timeout_seconds : 30;

  outer = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (outer, op_mail_probe_async);
  g_task_set_task_data (outer, probe, (GDestroyNotify) probe_free);

  inner = g_task_new (NULL, cancellable, probed, outer);
  g_task_set_task_data (inner, probe, NULL);
  g_task_run_in_thread (inner, probe_thread);
}

OpMailProbeReport *
op_mail_probe_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
op_mail_account_test_async (OpAccount           *account,
                            OpMailServer         server,
                            const char          *password,
                            OpTlsVerifier       *verifier,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (op_mail_account_is_mail (account));

  if (server == OP_MAIL_SERVER_OUTGOING)
    op_mail_probe_async (OP_MAIL_PROTOCOL_SMTP, op_mail_account_get_smtp_host (account),
                         op_mail_account_get_smtp_effective_port (account),
                         op_mail_account_get_smtp_security (account),
                         op_mail_account_get_smtp_user (account), password,
                         op_mail_account_get_smtp_allow_plaintext_password (account), verifier, 0,
                         cancellable, callback, user_data);
  else
    op_mail_probe_async (op_mail_account_get_incoming (account) == OP_MAIL_INCOMING_POP3
                         ? OP_MAIL_PROTOCOL_POP3 : OP_MAIL_PROTOCOL_IMAP,
                         op_account_get_host (account), op_mail_account_get_effective_port (account),
                         op_account_get_security (account), op_account_get_user (account), password,
                         op_account_get_allow_plaintext_password (account), verifier, 0,
                         cancellable, callback, user_data);
}
