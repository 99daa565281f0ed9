/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "op-accounts.h"
#include "op-application.h"
#include "op-mail-account-setup.h"
#include "op-mail-account.h"
#include "op-mail-autodetect.h"
#include "op-mail-errors.h"
#include "op-mail-probe.h"
#include "op-mail-resources.h"
#include "op-secrets.h"
#include "op-trust-store.h"
#include "op-secret.h"

/* Seconds a probe may take: slow providers answer within that, dead names do not. */
#define PROBE_TIMEOUT 15

/* Reports listed when the automatic set-up found nothing. */
#define MAX_REPORT_LINES 6

/* The security rows' order. */
static const OpSecurity securities[] = {
  OP_SECURITY_IMPLICIT_TLS,
  OP_SECURITY_STARTTLS,
  OP_SECURITY_NONE,
};

struct _OpMailAccountSetup
{
  AdwWindow         parent_instance;

  GtkStack         *pages;
  AdwEntryRow      *name_row;
  AdwEntryRow      *address_row;
  AdwEntryRow      *password_row;
  GtkLabel         *start_error;
  GtkWidget        *find_button;
  GtkSpinner       *spinner;
  GtkLabel         *search_label;
  AdwPreferencesGroup *found_group;
  GtkLabel         *found_error;
  GtkWidget        *save_found_button;
  AdwEntryRow      *manual_name_row;
  AdwEntryRow      *manual_address_row;
  AdwComboRow      *incoming_protocol_row;
  AdwEntryRow      *incoming_host_row;
  AdwEntryRow      *incoming_port_row;
  AdwComboRow      *incoming_security_row;
  AdwEntryRow      *incoming_user_row;
  AdwEntryRow      *smtp_host_row;
  AdwEntryRow      *smtp_port_row;
  AdwComboRow      *smtp_security_row;
  AdwEntryRow      *smtp_user_row;
  AdwEntryRow      *manual_password_row;
  AdwEntryRow      *smtp_password_row;
  GtkWidget        *plaintext_row;
  GtkSwitch        *plaintext_switch;
  GtkLabel         *manual_error;
  GtkWidget        *save_manual_button;

  OpTlsVerifier    *verifier;
  GCancellable     *cancellable;
  OpAccount        *account;          /* found, or being tested from the manual page */
  GPtrArray        *found_rows;       /* GtkWidget, in found_group */
  char             *password;
  char             *smtp_password;    /* the manual page's outgoing password, if different */
  gboolean          busy;
};

enum
{
  ACCOUNT_ADDED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpMailAccountSetup, op_mail_account_setup, ADW_TYPE_WINDOW)

static const char *
text_of (AdwEntryRow *row)
{
  return gtk_editable_get_text (GTK_EDITABLE (row));
}

static void
set_error (GtkLabel   *label,
           const char *text)
{
  gtk_label_set_text (label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (label), text != NULL);
}

static void
update_buttons (OpMailAccountSetup *self)
{
  gboolean have_manual = text_of (self->incoming_host_row)[0] != '\0'
                         && text_of (self->manual_address_row)[0] != '\0'
                         && text_of (self->manual_password_row)[0] != '\0';

  gtk_widget_set_sensitive (self->find_button,
                            !self->busy && strchr (text_of (self->address_row), '@') != NULL
                            && text_of (self->password_row)[0] != '\0');
  gtk_widget_set_sensitive (self->save_manual_button, !self->busy && have_manual);
  gtk_widget_set_sensitive (self->save_found_button, !self->busy && self->account != NULL);
}

static void on_security_changed (OpMailAccountSetup *self);

static void
on_changed (OpMailAccountSetup *self)
{
  on_security_changed (self);
  update_buttons (self);
}

OpSecurity
_op_mail_security_of_row (AdwComboRow *row)
{
  guint selected = adw_combo_row_get_selected (row);

  return selected < G_N_ELEMENTS (securities) ? securities[selected] : OP_SECURITY_IMPLICIT_TLS;
}

void
_op_mail_set_security_row (AdwComboRow *row,
                           OpSecurity   security)
{
  for (guint i = 0; i < G_N_ELEMENTS (securities); i++)
    if (securities[i] == security)
      adw_combo_row_set_selected (row, i);
}

static void
on_security_changed (OpMailAccountSetup *self)
{
  gboolean plain = _op_mail_security_of_row (self->incoming_security_row) == OP_SECURITY_NONE
                   || (text_of (self->smtp_host_row)[0] != '\0'
                       && _op_mail_security_of_row (self->smtp_security_row) == OP_SECURITY_NONE);

  /* DESIGN.md: a password over a connection without TLS needs this second opt-in. */
  gtk_widget_set_sensitive (self->plaintext_row, plain);
  if (!plain)
    gtk_switch_set_active (self->plaintext_switch, FALSE);
}

static void
on_protocol_changed (OpMailAccountSetup *self)
{
  on_security_changed (self);
}

static const char *
security_name (OpSecurity security)
{
  switch (security)
    {
    case OP_SECURITY_IMPLICIT_TLS:
      return C_("mail security", "TLS");
    case OP_SECURITY_STARTTLS:
      return C_("mail security", "STARTTLS");
    case OP_SECURITY_NONE:
    default:
      return C_("mail security", "None");
    }
}

/* What a failed connection test means for the user, and what to do. */
static char *
describe_failure (const OpMailProbeReport *report)
{
  g_autofree char *server = g_strdup_printf ("%s %s:%u", op_mail_protocol_to_string (report->protocol),
                                             report->host, report->port);
  /* The sentences below end it themselves. */
  g_autofree char *why = op_mail_error_clause (report->error != NULL ? report->error->message : "");

  /* Before "reached": with implicit TLS the certificate comes before the greeting. */
  switch (op_mail_error_kind (report->error))
    {
    case OP_MAIL_ERROR_KIND_CERTIFICATE:
      /* Translators: %s is why the certificate was refused, a whole sentence. */
      return g_strdup_printf (_("%s Nothing was saved. Compare the certificate’s SHA-256 fingerprint with the one your provider publishes; trust it when asked only if they match, then try again."),
                              report->error->message);
    case OP_MAIL_ERROR_KIND_PASSWORD:
      /* Translators: %s is the server, then its refusal as a whole sentence (which
       * already says that the name or password was refused). */
      return g_strdup_printf (_("%s: %s. Check the username and password, and try again."),
                              server, why);
    case OP_MAIL_ERROR_KIND_UNREACHABLE:
      /* Translators: %s is the server, then why the connection failed. */
      return g_strdup_printf (_("%s could not be reached: %s. Check the server name and the port, and that the network is up."),
                              server, why);
    case OP_MAIL_ERROR_KIND_OTHER:
    default:
      break;
    }
  if (!report->reached)
    return g_strdup_printf (_("%s could not be reached: %s. Check the server name, the port and the network."),
                            server, why);
  if (report->error != NULL && report->error->domain == G_TLS_ERROR)
    return g_strdup_printf (_("The secure connection to %s failed: %s. Check the security setting; if the certificate is the problem, compare it with the one your provider publishes."),
                            server, why);
  if (report->login_tried && !report->login_ok)
    return g_strdup_printf (_("%s: %s. Check the username and password, and try again."),
                            server, why);
  return g_strdup_printf (_("%s failed: %s."), server, why);
}

/* Passwords are wiped before their memory is given back. */
static void
clear_password (char **password)
{
  g_clear_pointer (password, op_secret_free);
}

static void
set_busy (OpMailAccountSetup *self,
          gboolean            busy)
{
  self->busy = busy;
  update_buttons (self);
}

/* --- saving ------------------------------------------------------------------------ */

typedef struct
{
  OpMailAccountSetup *self;
  guint               pending;
} Store;

static void
finish_added (OpMailAccountSetup *self)
{
  g_signal_emit (self, signals[ACCOUNT_ADDED], 0, self->account, self->password);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_password_stored (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Store *store = user_data;
  g_autoptr (GError) error = NULL;

  /* Without a keyring the account still works for this session (DESIGN.md
   * "Credentials"); the sidebar says so when it is opened again. */
  if (!op_mail_account_store_password_finish (OP_SECRETS (source), result, &error))
    g_debug ("The password was not saved: %s", error->message);
  if (--store->pending == 0)
    {
      finish_added (store->self);
      g_object_unref (store->self);
      g_free (store);
    }
}

/* The outgoing server's password: the manual page's own, or the incoming one. */
static const char *
outgoing_password (OpMailAccountSetup *self)
{
  return self->smtp_password != NULL ? self->smtp_password : self->password;
}

/* Every test passed: the account goes into the accounts file (atomically: on error,
 * nothing was written), then its passwords into the keyring. */
static void
save (OpMailAccountSetup *self,
      GtkLabel           *error_label)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  g_autoptr (GError) error = NULL;
  Store *store;

  if (!op_accounts_load (accounts, &error) && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      g_autofree char *text = g_strdup_printf (_("The accounts file could not be read: %s. Fix or move it away, then try again."),
                                               error->message);

      set_error (error_label, text);
      set_busy (self, FALSE);
      return;
    }
  g_clear_error (&error);
  op_accounts_add (accounts, self->account);
  if (!op_accounts_save (accounts, &error))
    {
      g_autofree char *text = g_strdup_printf (_("The account could not be saved: %s. Check that the disk is not full and the configuration folder is writable."),
                                               error->message);

      set_error (error_label, text);
      set_busy (self, FALSE);
      return;
    }

  store = g_new0 (Store, 1);
  store->self = g_object_ref (self);
  store->pending = 1;
  if (op_mail_account_get_smtp_host (self->account) != NULL
      && op_mail_account_get_smtp_host (self->account)[0] != '\0')
    {
      store->pending++;
      op_mail_account_store_password_async (self->account, OP_MAIL_SERVER_OUTGOING,
                                            op_secrets_get_default (), outgoing_password (self), NULL,
                                            on_password_stored, store);
    }
  op_mail_account_store_password_async (self->account, OP_MAIL_SERVER_INCOMING,
                                        op_secrets_get_default (), self->password, NULL,
                                        on_password_stored, store);
}

/* --- the automatic set-up ---------------------------------------------------------- */

static void
clear_found_rows (OpMailAccountSetup *self)
{
  for (guint i = 0; i < self->found_rows->len; i++)
    adw_preferences_group_remove (self->found_group, g_ptr_array_index (self->found_rows, i));
  g_ptr_array_set_size (self->found_rows, 0);
}

static void
add_found_row (OpMailAccountSetup *self,
               const char         *title,
               const char         *subtitle)
{
  GtkWidget *row = adw_action_row_new ();

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_preferences_group_add (self->found_group, row);
  g_ptr_array_add (self->found_rows, row);
}

static void
show_report (OpMailAccountSetup      *self,
             const char              *title,
             const OpMailProbeReport *report)
{
  g_autoptr (GString) subtitle = g_string_new (NULL);

  g_string_printf (subtitle, "%s %s:%u · %s", op_mail_protocol_to_string (report->protocol),
                   report->host, report->port, security_name (report->security));
  if (report->tls_version != NULL)
    g_string_append_printf (subtitle, " · %s", report->tls_version);
  add_found_row (self, title, subtitle->str);

  if (report->certificate != NULL)
    {
      g_autofree char *subject = g_tls_certificate_get_subject_name (report->certificate);
      g_autofree char *issuer = g_tls_certificate_get_issuer_name (report->certificate);
      /* Translators: the certificate a server showed: subject, issuer and fingerprint. */
      g_autofree char *text = g_strdup_printf (_("%s, issued by %s\nSHA-256 %s"),
                                               subject != NULL ? subject : "",
                                               issuer != NULL ? issuer : "",
                                               report->certificate_sha256 != NULL ? report->certificate_sha256 : "");
      /* Translators: %s is a server name. */
      g_autofree char *cert_title = g_strdup_printf (_("Certificate of %s"), report->host);

      add_found_row (self, cert_title, text);
    }
}

static const OpMailProbeReport *
winning_report (GPtrArray      *reports,
                OpMailProtocol  protocol_a,
                OpMailProtocol  protocol_b)
{
  for (guint i = 0; reports != NULL && i < reports->len; i++)
    {
      const OpMailProbeReport *report = g_ptr_array_index (reports, i);

      if (report->login_ok && (report->protocol == protocol_a || report->protocol == protocol_b))
        return report;
    }
  return NULL;
}

static void
on_detected (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr (OpMailAccountSetup) self = user_data;
  g_autoptr (GPtrArray) reports = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (OpAccount) account = op_mail_autodetect_finish (result, &reports, &error);
  const OpMailProbeReport *incoming;
  const OpMailProbeReport *outgoing;

  gtk_spinner_stop (self->spinner);
  set_busy (self, FALSE);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (account == NULL)
    {
      g_autoptr (GString) text = g_string_new (NULL);

      if (g_error_matches (error, OP_MAIL_AUTODETECT_ERROR, OP_MAIL_AUTODETECT_ERROR_NOT_FOUND))
        g_string_append (text, _("No server accepted this address and password. Check the password; if it is right, set the account up manually with the settings your provider gives."));
      else
        g_string_append (text, error->message);
      for (guint i = 0; reports != NULL && i < reports->len && i < MAX_REPORT_LINES; i++)
        {
          g_autofree char *line = describe_failure (g_ptr_array_index (reports, i));

          g_string_append_printf (text, "\n• %s", line);
        }
      set_error (self->start_error, text->str);
      gtk_stack_set_visible_child_name (self->pages, "start");
      return;
    }

  g_set_object (&self->account, account);
  clear_found_rows (self);
  incoming = winning_report (reports, OP_MAIL_PROTOCOL_IMAP, OP_MAIL_PROTOCOL_POP3);
  outgoing = winning_report (reports, OP_MAIL_PROTOCOL_SMTP, OP_MAIL_PROTOCOL_SMTP);
  if (incoming != NULL)
    show_report (self, _("Incoming Server"), incoming);
  if (outgoing != NULL)
    show_report (self, _("Outgoing Server"), outgoing);
  else
    add_found_row (self, _("Outgoing Server"),
                   _("None found: mail can be read, not sent. Add one in the manual set-up."));
  set_error (self->found_error, NULL);
  update_buttons (self);
  gtk_stack_set_visible_child_name (self->pages, "found");
}

static void
on_find_clicked (OpMailAccountSetup *self)
{
  const char *address = text_of (self->address_row);
  const char *domain = strrchr (address, '@');
  /* Translators: while the servers are looked for; %s is the address's domain. */
  g_autofree char *text = g_strdup_printf (_("Looking for the mail servers of %s…"),
                                           domain != NULL ? domain + 1 : address);

  set_error (self->start_error, NULL);
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  clear_password (&self->password);
  clear_password (&self->smtp_password);
  self->password = g_strdup (text_of (self->password_row));
  gtk_label_set_text (self->search_label, text);
  gtk_spinner_start (self->spinner);
  gtk_stack_set_visible_child_name (self->pages, "searching");
  set_busy (self, TRUE);
  op_mail_autodetect_async (address, self->password, self->verifier, PROBE_TIMEOUT,
                            self->cancellable, on_detected, g_object_ref (self));
}

static void
on_cancel_search_clicked (OpMailAccountSetup *self)
{
  g_cancellable_cancel (self->cancellable);
  gtk_spinner_stop (self->spinner);
  set_busy (self, FALSE);
  gtk_stack_set_visible_child_name (self->pages, "start");
}

static gboolean
set_identity (OpMailAccountSetup *self,
              const char         *name,
              const char         *address,
              GtkLabel           *error_label)
{
  g_autoptr (GPtrArray) identities = g_ptr_array_new_with_free_func ((GDestroyNotify) op_mail_identity_free);
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (identities, op_mail_identity_new (name, address, ""));
  if (!op_mail_account_set_identities (self->account, identities, &error))
    {
      set_error (error_label, error->message);
      return FALSE;
    }
  op_account_set_name (self->account, address);
  return TRUE;
}

static void
on_save_found_clicked (OpMailAccountSetup *self)
{
  if (self->account == NULL)
    return;
  set_busy (self, TRUE);
  if (!set_identity (self, text_of (self->name_row), text_of (self->address_row), self->found_error))
    {
      set_busy (self, FALSE);
      return;
    }
  save (self, self->found_error);
}

/* --- the manual set-up ------------------------------------------------------------- */

static void
on_manual_clicked (OpMailAccountSetup *self)
{
  const char *address = text_of (self->address_row);

  /* What was typed on the first page carries over. */
  if (text_of (self->manual_name_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->manual_name_row), text_of (self->name_row));
  if (text_of (self->manual_address_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->manual_address_row), address);
  if (text_of (self->manual_password_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->manual_password_row), text_of (self->password_row));
  if (text_of (self->incoming_user_row)[0] == '\0')
    gtk_editable_set_text (GTK_EDITABLE (self->incoming_user_row), address);
  set_error (self->manual_error, NULL);
  gtk_stack_set_visible_child_name (self->pages, "manual");
  update_buttons (self);
}

static void
on_back_clicked (OpMailAccountSetup *self)
{
  g_cancellable_cancel (self->cancellable);
  set_busy (self, FALSE);
  gtk_stack_set_visible_child_name (self->pages, "start");
}

/* "" is the protocol's default port; anything else must be a port number. */
gboolean
_op_mail_parse_port_row (AdwEntryRow *row,
                         guint16     *port)
{
  const char *text = text_of (row);
  char *end = NULL;
  gulong value;

  *port = 0;
  if (text[0] == '\0')
    return TRUE;
  value = strtoul (text, &end, 10);
  if (end == NULL || *end != '\0' || value == 0 || value > 65535)
    return FALSE;
  *port = (guint16) value;
  return TRUE;
}

static void test_outgoing (OpMailAccountSetup *self);

static void
on_incoming_tested (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (OpMailAccountSetup) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMailProbeReport) report = op_mail_probe_finish (result, &error);

  if (report == NULL)
    {
      set_busy (self, FALSE);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self->manual_error, error->message);
      return;
    }
  if (report->error != NULL || !report->login_ok)
    {
      g_autofree char *text = describe_failure (report);

      set_busy (self, FALSE);
      set_error (self->manual_error, text);
      return;
    }
  test_outgoing (self);
}

static void
on_outgoing_tested (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr (OpMailAccountSetup) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (OpMailProbeReport) report = op_mail_probe_finish (result, &error);

  if (report == NULL || report->error != NULL || !report->login_ok)
    {
      set_busy (self, FALSE);
      if (report != NULL)
        {
          g_autofree char *text = describe_failure (report);

          set_error (self->manual_error, text);
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        set_error (self->manual_error, error->message);
      return;
    }
  save (self, self->manual_error);
}

static void
test_outgoing (OpMailAccountSetup *self)
{
  const char *host = op_mail_account_get_smtp_host (self->account);

  if (host == NULL || host[0] == '\0')
    {
      save (self, self->manual_error);
      return;
    }
  op_mail_account_test_async (self->account, OP_MAIL_SERVER_OUTGOING, outgoing_password (self),
                              self->verifier, self->cancellable, on_outgoing_tested,
                              g_object_ref (self));
}

static void
on_save_manual_clicked (OpMailAccountSetup *self)
{
  g_autoptr (OpAccount) account = op_mail_account_new ();
  const char *address = text_of (self->manual_address_row);
  const char *user = text_of (self->incoming_user_row);
  const char *smtp_host = text_of (self->smtp_host_row);
  gboolean plaintext = gtk_switch_get_active (self->plaintext_switch);
  guint16 port, smtp_port;

  if (!_op_mail_parse_port_row (self->incoming_port_row, &port) || !_op_mail_parse_port_row (self->smtp_port_row, &smtp_port))
    {
      set_error (self->manual_error, _("A port is a number from 1 to 65535; leave it empty for the usual one."));
      return;
    }

  op_mail_account_set_incoming (account, adw_combo_row_get_selected (self->incoming_protocol_row) == 1
                                         ? OP_MAIL_INCOMING_POP3 : OP_MAIL_INCOMING_IMAP);
  op_account_set_host (account, text_of (self->incoming_host_row));
  op_account_set_port (account, port);
  op_account_set_security (account, _op_mail_security_of_row (self->incoming_security_row));
  op_account_set_user (account, user[0] != '\0' ? user : address);
  op_account_set_allow_plaintext_password (account, plaintext);
  if (smtp_host[0] != '\0')
    {
      const char *smtp_user = text_of (self->smtp_user_row);

      op_mail_account_set_smtp_host (account, smtp_host);
      op_mail_account_set_smtp_port (account, smtp_port);
      op_mail_account_set_smtp_security (account, _op_mail_security_of_row (self->smtp_security_row));
      if (smtp_user[0] != '\0')
        op_mail_account_set_smtp_user (account, smtp_user);
      op_mail_account_set_smtp_allow_plaintext_password (account, plaintext);
    }
  g_set_object (&self->account, account);
  if (!set_identity (self, text_of (self->manual_name_row), address, self->manual_error))
    return;

  clear_password (&self->password);
  self->password = g_strdup (text_of (self->manual_password_row));
  clear_password (&self->smtp_password);
  if (smtp_host[0] != '\0' && text_of (self->smtp_password_row)[0] != '\0')
    self->smtp_password = g_strdup (text_of (self->smtp_password_row));
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  set_error (self->manual_error, NULL);
  set_busy (self, TRUE);
  op_mail_account_test_async (self->account, OP_MAIL_SERVER_INCOMING, self->password,
                              self->verifier, self->cancellable, on_incoming_tested,
                              g_object_ref (self));
}

/* --- the window -------------------------------------------------------------------- */

static void
op_mail_account_setup_dispose (GObject *object)
{
  OpMailAccountSetup *self = OP_MAIL_ACCOUNT_SETUP (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), OP_TYPE_MAIL_ACCOUNT_SETUP);
  g_clear_object (&self->verifier);
  g_clear_object (&self->account);
  g_clear_pointer (&self->found_rows, g_ptr_array_unref);
  G_OBJECT_CLASS (op_mail_account_setup_parent_class)->dispose (object);
}

static void
op_mail_account_setup_finalize (GObject *object)
{
  OpMailAccountSetup *self = OP_MAIL_ACCOUNT_SETUP (object);

  clear_password (&self->password);
  clear_password (&self->smtp_password);
  G_OBJECT_CLASS (op_mail_account_setup_parent_class)->finalize (object);
}

static void
op_mail_account_setup_class_init (OpMailAccountSetupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_account_setup_dispose;
  object_class->finalize = op_mail_account_setup_finalize;

  signals[ACCOUNT_ADDED] =
    g_signal_new ("account-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 2, OP_TYPE_ACCOUNT, G_TYPE_STRING);

  _op_mail_ensure_resources ();
  gtk_widget_class_set_template_from_resource (widget_class,
                                               RESOURCE_BASE "mail/op-mail-account-setup.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, OpMailAccountSetup, name)
  BIND (pages);
  BIND (name_row);
  BIND (address_row);
  BIND (password_row);
  BIND (start_error);
  BIND (find_button);
  BIND (spinner);
  BIND (search_label);
  BIND (found_group);
  BIND (found_error);
  BIND (save_found_button);
  BIND (manual_name_row);
  BIND (manual_address_row);
  BIND (incoming_protocol_row);
  BIND (incoming_host_row);
  BIND (incoming_port_row);
  BIND (incoming_security_row);
  BIND (incoming_user_row);
  BIND (smtp_host_row);
  BIND (smtp_port_row);
  BIND (smtp_security_row);
  BIND (smtp_user_row);
  BIND (manual_password_row);
  BIND (smtp_password_row);
  BIND (plaintext_row);
  BIND (plaintext_switch);
  BIND (manual_error);
  BIND (save_manual_button);
#undef BIND
  gtk_widget_class_bind_template_callback (widget_class, on_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_security_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_protocol_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_find_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_manual_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_search_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_found_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_manual_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
op_mail_account_setup_init (OpMailAccountSetup *self)
{
  self->found_rows = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
  update_buttons (self);
}

OpMailAccountSetup *
op_mail_account_setup_new (GtkWindow     *parent,
                           OpTlsVerifier *verifier)
{
  OpMailAccountSetup *self = g_object_new (OP_TYPE_MAIL_ACCOUNT_SETUP,
                                           "transient-for", parent, NULL);

  if (verifier == NULL)
    {
      GApplication *application = g_application_get_default ();

      if (OP_IS_APPLICATION (application) && op_application_get_trust_store (OP_APPLICATION (application)) != NULL)
        verifier = OP_TLS_VERIFIER (op_application_get_trust_store (OP_APPLICATION (application)));
    }
  g_set_object (&self->verifier, verifier);
  /* In a narrow window (a phone), no wider than it. */
  if (parent != NULL && gtk_widget_get_width (GTK_WIDGET (parent)) > 0
      && gtk_widget_get_width (GTK_WIDGET (parent)) < 560)
    gtk_window_set_default_size (GTK_WINDOW (self), gtk_widget_get_width (GTK_WIDGET (parent)),
                                 MAX (gtk_widget_get_height (GTK_WIDGET (parent)), 480));
  return self;
}

const char *
op_mail_account_setup_get_page (OpMailAccountSetup *self)
{
  g_return_val_if_fail (OP_IS_MAIL_ACCOUNT_SETUP (self), NULL);
  return gtk_stack_get_visible_child_name (self->pages);
}
