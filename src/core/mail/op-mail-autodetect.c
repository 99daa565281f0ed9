/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail-autodetect"

#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "op-mail-autodetect.h"
#include "op-mail-private.h"

G_DEFINE_QUARK (op-mail-autodetect-error-quark, op_mail_autodetect_error)

OpMailCandidate *
op_mail_candidate_new (OpMailProtocol  protocol,
                       const char     *host,
                       guint16         port,
                       OpSecurity      security)
{
  OpMailCandidate *candidate = g_new0 (OpMailCandidate, 1);

  candidate->protocol = protocol;
  candidate->host = g_strdup (host);
  candidate->port = port;
  candidate->security = security;
  return candidate;
}

void
op_mail_candidate_free (OpMailCandidate *candidate)
{
  if (candidate == NULL)
    return;
  g_free (candidate->host);
  g_free (candidate);
}

static void
add (GPtrArray      *list,
     OpMailProtocol  protocol,
     const char     *prefix,
     const char     *domain,
     guint16         port,
     OpSecurity      security)
{
  g_autofree char *host = g_strconcat (prefix, domain, NULL);
  g_ptr_array_add (list, op_mail_candidate_new (protocol, host, port, security));
}

GPtrArray *
op_mail_autodetect_conventional (const char *domain,
                                 gboolean    outgoing)
{
  GPtrArray *list = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_candidate_free);

  g_return_val_if_fail (domain != NULL, list);

  if (outgoing)
    {
      add (list, OP_MAIL_PROTOCOL_SMTP, "smtp.", domain, 465, OP_SECURITY_IMPLICIT_TLS);
      add (list, OP_MAIL_PROTOCOL_SMTP, "smtp.", domain, 587, OP_SECURITY_STARTTLS);
      add (list, OP_MAIL_PROTOCOL_SMTP, "mail.", domain, 465, OP_SECURITY_IMPLICIT_TLS);
      add (list, OP_MAIL_PROTOCOL_SMTP, "mail.", domain, 587, OP_SECURITY_STARTTLS);
      return list;
    }
  add (list, OP_MAIL_PROTOCOL_IMAP, "imap.", domain, 993, OP_SECURITY_IMPLICIT_TLS);
  add (list, OP_MAIL_PROTOCOL_IMAP, "imap.", domain, 143, OP_SECURITY_STARTTLS);
  add (list, OP_MAIL_PROTOCOL_IMAP, "mail.", domain, 993, OP_SECURITY_IMPLICIT_TLS);
  add (list, OP_MAIL_PROTOCOL_IMAP, "mail.", domain, 143, OP_SECURITY_STARTTLS);
  add (list, OP_MAIL_PROTOCOL_POP3, "pop.", domain, 995, OP_SECURITY_IMPLICIT_TLS);
  add (list, OP_MAIL_PROTOCOL_POP3, "pop.", domain, 110, OP_SECURITY_STARTTLS);
  add (list, OP_MAIL_PROTOCOL_POP3, "mail.", domain, 995, OP_SECURITY_IMPLICIT_TLS);
  add (list, OP_MAIL_PROTOCOL_POP3, "mail.", domain, 110, OP_SECURITY_STARTTLS);
  return list;
}

/* RFC 6186 §3.1, §3.2, RFC 8314 §5.1: the services, in the order of preference. */
static const struct
{
  const char     *service;
  OpMailProtocol  protocol;
  OpSecurity      security;
} services[] = {
  { "imaps", OP_MAIL_PROTOCOL_IMAP, OP_SECURITY_IMPLICIT_TLS },
  { "imap", OP_MAIL_PROTOCOL_IMAP, OP_SECURITY_STARTTLS },
  { "pop3s", OP_MAIL_PROTOCOL_POP3, OP_SECURITY_IMPLICIT_TLS },
  { "pop3", OP_MAIL_PROTOCOL_POP3, OP_SECURITY_STARTTLS },
  { "submissions", OP_MAIL_PROTOCOL_SMTP, OP_SECURITY_IMPLICIT_TLS },
  { "submission", OP_MAIL_PROTOCOL_SMTP, OP_SECURITY_STARTTLS },
};

typedef struct
{
  char          *address;
  char          *domain;
  char          *local_part;
  char          *password;
  OpTlsVerifier *verifier;
  guint          timeout;
  guint          service;    /* next SRV lookup */
  GPtrArray     *incoming;   /* OpMailCandidate */
  GPtrArray     *outgoing;
  gboolean       doing_outgoing;
  guint          next;       /* next candidate of the current direction */
  gboolean       local_user; /* the login with the local part is next */
  GPtrArray     *reports;    /* OpMailProbeReport */
  OpMailProbeReport *incoming_winner;
  char          *incoming_user;
  OpMailProbeReport *outgoing_winner;
  char          *outgoing_user;
} Detect;

static void
detect_free (Detect *detect)
{
  g_free (detect->address);
  g_free (detect->domain);
  g_free (detect->local_part);
  _op_mail_wipe (&detect->password);
  g_clear_object (&detect->verifier);
  g_ptr_array_unref (detect->incoming);
  g_ptr_array_unref (detect->outgoing);
  g_ptr_array_unref (detect->reports);
  op_mail_probe_report_free (detect->incoming_winner);
  op_mail_probe_report_free (detect->outgoing_winner);
  g_free (detect->incoming_user);
  g_free (detect->outgoing_user);
  g_free (detect);
}

static void next_probe (GTask *task);

static void
finish (GTask *task)
{
  Detect *detect = g_task_get_task_data (task);
  OpAccount *account;
  g_autoptr(GPtrArray) identities = NULL;

  if (detect->incoming_winner == NULL)
    {
      g_task_return_new_error (task, OP_MAIL_AUTODETECT_ERROR, OP_MAIL_AUTODETECT_ERROR_NOT_FOUND,
                               _("No mail server for %s accepted the address and password. "
                                 "Enter the servers by hand."), detect->domain);
      return;
    }

  account = op_mail_account_new ();
  op_account_set_name (account, detect->address);
  op_mail_account_set_incoming (account, detect->incoming_winner->protocol == OP_MAIL_PROTOCOL_POP3
                                ? OP_MAIL_INCOMING_POP3 : OP_MAIL_INCOMING_IMAP);
  op_account_set_host (account, detect->incoming_winner->host);
  op_account_set_port (account, detect->incoming_winner->port);
  op_account_set_security (account, detect->incoming_winner->security);
  op_account_set_user (account, detect->incoming_user);
  if (detect->outgoing_winner != NULL)
    {
      op_mail_account_set_smtp_host (account, detect->outgoing_winner->host);
      op_mail_account_set_smtp_port (account, detect->outgoing_winner->port);
      op_mail_account_set_smtp_security (account, detect->outgoing_winner->security);
      if (g_strcmp0 (detect->outgoing_user, detect->incoming_user) != 0)
        op_mail_account_set_smtp_user (account, detect->outgoing_user);
    }
  identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_ptr_array_add (identities, op_mail_identity_new ("", detect->address, ""));
  op_mail_account_set_identities (account, identities, NULL);
  g_task_return_pointer (task, account, g_object_unref);
}

static void
probed (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  GTask *task = user_data;
  Detect *detect = g_task_get_task_data (task);
  GError *error = NULL;
  OpMailProbeReport *report = op_mail_probe_finish (result, &error);
  const char *user;

  if (report == NULL)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  user = detect->local_user ? detect->local_part : detect->address;
  g_ptr_array_add (detect->reports, report);

  if (report->login_ok)
    {
      if (detect->doing_outgoing)
        {
          detect->outgoing_winner = op_mail_probe_report_copy (report);
          detect->outgoing_user = g_strdup (user);
          finish (task);
          g_object_unref (task);
          return;
        }
      detect->incoming_winner = op_mail_probe_report_copy (report);
      detect->incoming_user = g_strdup (user);
      detect->doing_outgoing = TRUE;
      detect->next = 0;
      detect->local_user = FALSE;
    }
  else if (report->reached && report->login_tried && !detect->local_user
           && g_strcmp0 (detect->local_part, detect->address) != 0)
    /* The server answered but refused the address: many want the local part only. */
    detect->local_user = TRUE;
  else
    {
      detect->next++;
      detect->local_user = FALSE;
    }
  next_probe (task);
}

static void
next_probe (GTask *task)
{
  Detect *detect = g_task_get_task_data (task);
  GPtrArray *list = detect->doing_outgoing ? detect->outgoing : detect->incoming;
  OpMailCandidate *candidate;

  if (detect->next >= list->len)
    {
      /* Without an incoming server this fails; without an SMTP server that logged in,
       * the account is made without one (the manual page completes it). */
      finish (task);
      g_object_unref (task);
      return;
    }
  candidate = g_ptr_array_index (list, detect->next);
  op_mail_probe_async (candidate->protocol, candidate->host, candidate->port, candidate->security,
                       detect->local_user ? detect->local_part : detect->address, detect->password,
                       FALSE, detect->verifier, detect->timeout, g_task_get_cancellable (task),
                       probed, task);
}

static void lookup_next (GTask *task);

static void
looked_up (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GTask *task = user_data;
  Detect *detect = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *targets = g_resolver_lookup_service_finish (G_RESOLVER (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  /* GResolver sorts by priority and weight (RFC 2782). */
  for (GList *l = targets; l != NULL; l = l->next)
    {
      GSrvTarget *target = l->data;
      const char *host = g_srv_target_get_hostname (target);
      GPtrArray *list = services[detect->service].protocol == OP_MAIL_PROTOCOL_SMTP
        ? detect->outgoing : detect->incoming;

      /* RFC 6186 §3.4 / RFC 2782: "." says the service is decidedly not offered. */
      if (host == NULL || *host == '\0' || strcmp (host, ".") == 0 || g_srv_target_get_port (target) == 0)
        continue;
      g_ptr_array_add (list, op_mail_candidate_new (services[detect->service].protocol, host,
                                                    g_srv_target_get_port (target),
                                                    services[detect->service].security));
    }
  g_resolver_free_targets (targets);
  detect->service++;
  lookup_next (task);
}

static void
lookup_next (GTask *task)
{
  Detect *detect = g_task_get_task_data (task);

  if (detect->service < G_N_ELEMENTS (services))
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();
      g_resolver_lookup_service_async (resolver, services[detect->service].service, "tcp",
                                       detect->domain, g_task_get_cancellable (task), looked_up, task);
      return;
    }
  if (detect->incoming->len == 0)
    {
      g_ptr_array_unref (detect->incoming);
      detect->incoming = op_mail_autodetect_conventional (detect->domain, FALSE);
    }
  if (detect->outgoing->len == 0)
    {
      g_ptr_array_unref (detect->outgoing);
      detect->outgoing = op_mail_autodetect_conventional (detect->domain, TRUE);
    }
  next_probe (task);
}

void
op_mail_autodetect_async (const char          *address,
                          const char          *password,
                          OpTlsVerifier       *verifier,
                          guint                timeout_seconds,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;
  Detect *detect;
  const char *at;

  g_return_if_fail (address != NULL);
  g_return_if_fail (password != NULL);

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, op_mail_autodetect_async);

  at = strrchr (address, '@');
  if (at == NULL || at == address || at[1] == '\0' || strchr (at + 1, '.') == NULL
      || strpbrk (address, " \t\r\n<>") != NULL || !g_utf8_validate (address, -1, NULL))
    {
      g_task_return_new_error (task, OP_MAIL_AUTODETECT_ERROR, OP_MAIL_AUTODETECT_ERROR_INVALID_ADDRESS,
                               _("“%s” is not an email address."), address);
      g_object_unref (task);
      return;
    }

  detect = g_new0 (Detect, 1);
  detect->address = g_strdup (address);
  detect->domain = g_ascii_strdown (at + 1, -1);
  detect->local_part = g_strndup (address, at - address);
  detect->password = g_strdup (password);
  detect->verifier = verifier != NULL ? g_object_ref (verifier) : NULL;
  detect->timeout = timeout_seconds > 0 ? timeout_seconds : 15;
  detect->incoming = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_candidate_free);
  detect->outgoing = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_candidate_free);
  detect->reports = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_probe_report_free);
  g_task_set_task_data (task, detect, (GDestroyNotify) detect_free);
  lookup_next (task);
}

OpAccount *
op_mail_autodetect_finish (GAsyncResult  *result,
                           GPtrArray    **reports,
                           GError       **error)
{
  Detect *detect;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  detect = g_task_get_task_data (G_TASK (result));
  if (reports != NULL)
    *reports = g_ptr_array_ref (detect->reports);
  return g_task_propagate_pointer (G_TASK (result), error);
}
