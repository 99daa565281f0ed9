/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-trust"

#include "config.h"

#include <glib/gi18n.h>

#include "op-profile.h"
#include "op-trust-store.h"

/*
 * trust.ini:
 *
 *   [Outpost]
 *   version=1
 *
 *   [ftp.example.org:21]
 *   sha256=AB:CD:…
 *   certificate=-----BEGIN CERTIFICATE-----\n…
 *   subject=CN=ftp.example.org
 *   pinned=2026-01-02T03:04:05Z
 *
 * One group per host:port (a GKeyFile group name cannot hold "[" or "]", so an IPv6
 * literal is written without brackets; the port is always after the last colon). The
 * fingerprint decides; the PEM is kept so the UI can show what was trusted.
 */
#define HEADER_GROUP       "Outpost"
#define VERSION_KEY        "version"
#define FORMAT_VERSION     1
#define KEY_SHA256         "sha256"
#define KEY_CERTIFICATE    "certificate"
#define KEY_SUBJECT        "subject"
#define KEY_PINNED         "pinned"

struct _OpTrustStore
{
  GObject        parent_instance;

  GFile         *file;
  GMainContext  *context;     /* the prompt runs here, never on a worker */
  GThread       *owner;       /* the thread that created the store, and runs @context */

  /* verify() runs on session workers while the UI pins and unpins: everything below is
   * guarded by @lock. */
  GMutex         lock;
  GKeyFile      *pins;
  GError        *load_error;  /* the file exists but is unreadable: never overwrite it */
  OpTrustPrompt *prompt;
};

enum
{
  PROP_0,
  PROP_FILE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void op_trust_store_verifier_init (OpTlsVerifierInterface *iface);

G_DEFINE_QUARK (op-trust-error-quark, op_trust_error)

G_DEFINE_FINAL_TYPE_WITH_CODE (OpTrustStore, op_trust_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (OP_TYPE_TLS_VERIFIER,
                                                      op_trust_store_verifier_init))

/* Host names are case-insensitive (RFC 4343) and users type IPv6 literals with or
 * without brackets; both must find the same pin. Returns NULL for a name that cannot be
 * a key file group. */
static char *
normalize_host (const char *host)
{
  g_autofree char *lower = NULL;
  gsize length;

  g_assert (host != NULL);

  length = strlen (host);
  if (length >= 2 && host[0] == '[' && host[length - 1] == ']')
    lower = g_ascii_strdown (host + 1, (gssize) length - 2);
  else
    lower = g_ascii_strdown (host, -1);

  if (lower[0] == '\0')
    return NULL;
  for (const char *p = lower; *p != '\0'; p++)
    {
      if (*p == '[' || *p == ']' || g_ascii_iscntrl (*p))
        return NULL;
    }

  return g_steal_pointer (&lower);
}

static char *
group_for (const char *host,
           guint16     port)
{
  g_autofree char *normalized = normalize_host (host);

  if (normalized == NULL)
    return NULL;

  return g_strdup_printf ("%s:%u", normalized, (guint) port);
}

/* How host:port reads in a message: IPv6 literals get their brackets back. */
static char *
format_endpoint (const char *host,
                 guint16     port)
{
  if (strchr (host, ':') != NULL && host[0] != '[')
    return g_strdup_printf ("[%s]:%u", host, (guint) port);

  return g_strdup_printf ("%s:%u", host, (guint) port);
}

static char *
file_display_name (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  return path != NULL ? g_filename_display_name (path) : g_file_get_uri (file);
}

/* Called with the lock held (or before the object is shared). */
static void
load_pins (OpTrustStore *self)
{
  g_autoptr(GKeyFile) pins = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_file_get_path (self->file);
  g_autofree char *display = file_display_name (self->file);
  gint version;

  g_clear_error (&self->load_error);
  g_clear_pointer (&self->pins, g_key_file_unref);
  self->pins = g_key_file_new ();

  if (path == NULL)
    {
      g_set_error (&self->load_error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                   _("The trusted certificates file “%s” is not a local file."), display);
      return;
    }

  if (!g_key_file_load_from_file (pins, path, G_KEY_FILE_KEEP_COMMENTS, &error))
    {
      /* No file yet: nothing is pinned. */
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return;

      g_set_error (&self->load_error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                   _("The trusted certificates file “%s” could not be read: %s. "
                     "Certificates you trusted before are not trusted until it is "
                     "repaired or removed."),
                   display, error->message);
      return;
    }

  version = g_key_file_get_integer (pins, HEADER_GROUP, VERSION_KEY, &error);
  if (error != NULL)
    version = 0;
  if (version != FORMAT_VERSION)
    {
      if (version > FORMAT_VERSION)
        g_set_error (&self->load_error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                     _("The trusted certificates file “%s” was written by a newer "
                       "version of Outpost. Update Outpost to use the certificates you "
                       "trusted; this version will not change the file."),
                     display);
      else
        g_set_error (&self->load_error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                     _("The trusted certificates file “%s” has no valid version "
                       "header. Repair or remove it; Outpost will not overwrite it."),
                     display);
      return;
    }

  g_clear_pointer (&self->pins, g_key_file_unref);
  self->pins = g_steal_pointer (&pins);
}

/* Called with the lock held. Writes atomically: readers see the old or the new file,
 * never half of one, and only the user can read which servers they trust. */
static gboolean
save_pins (OpTrustStore  *self,
           GError       **error)
{
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (self->load_error != NULL)
    {
      g_set_error_literal (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                           self->load_error->message);
      return FALSE;
    }

  path = g_file_get_path (self->file);
  g_assert (path != NULL); /* load_pins() set load_error otherwise */
  display = file_display_name (self->file);

  g_key_file_set_integer (self->pins, HEADER_GROUP, VERSION_KEY, FORMAT_VERSION);
  data = g_key_file_to_data (self->pins, &length, NULL);

  if (!op_profile_write_private_file (path, data, length, &local_error))
    {
      g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                   _("Could not save the trusted certificates to “%s”: %s"),
                   display, local_error->message);
      return FALSE;
    }

  return TRUE;
}

/* Applies @change to the pins and saves them; on failure the pins in memory stay what
 * the file says. Called with the lock held. */
static gboolean
change_pins (OpTrustStore  *self,
             void         (*change) (GKeyFile *pins, gpointer data),
             gpointer       data,
             GError       **error)
{
  g_autofree char *before = NULL;
  gsize length;

  if (self->load_error != NULL)
    {
      g_set_error_literal (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                           self->load_error->message);
      return FALSE;
    }

  before = g_key_file_to_data (self->pins, &length, NULL);
  change (self->pins, data);

  if (!save_pins (self, error))
    {
      g_autoptr(GKeyFile) restored = g_key_file_new ();

      if (g_key_file_load_from_data (restored, before, length, G_KEY_FILE_KEEP_COMMENTS,
                                     NULL))
        {
          g_key_file_unref (self->pins);
          self->pins = g_steal_pointer (&restored);
        }
      return FALSE;
    }

  return TRUE;
}

/* Called with the lock held. */
static char *
pinned_fingerprint (OpTrustStore *self,
                    const char   *group)
{
  if (group == NULL)
    return NULL;

  return g_key_file_get_string (self->pins, group, KEY_SHA256, NULL);
}

static void
op_trust_store_constructed (GObject *object)
{
  OpTrustStore *self = OP_TRUST_STORE (object);

  G_OBJECT_CLASS (op_trust_store_parent_class)->constructed (object);

  g_assert (self->file != NULL);

  load_pins (self);
  if (self->load_error != NULL)
    g_info ("%s", self->load_error->message);
}

static void
op_trust_store_dispose (GObject *object)
{
  OpTrustStore *self = OP_TRUST_STORE (object);

  g_mutex_lock (&self->lock);
  g_clear_object (&self->prompt);
  g_mutex_unlock (&self->lock);

  G_OBJECT_CLASS (op_trust_store_parent_class)->dispose (object);
}

static void
op_trust_store_finalize (GObject *object)
{
  OpTrustStore *self = OP_TRUST_STORE (object);

  g_clear_object (&self->file);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_pointer (&self->pins, g_key_file_unref);
  g_clear_error (&self->load_error);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (op_trust_store_parent_class)->finalize (object);
}

static void
op_trust_store_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpTrustStore *self = OP_TRUST_STORE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_trust_store_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  OpTrustStore *self = OP_TRUST_STORE (object);

  switch (prop_id)
    {
    case PROP_FILE:
      self->file = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_trust_store_class_init (OpTrustStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = op_trust_store_constructed;
  object_class->dispose = op_trust_store_dispose;
  object_class->finalize = op_trust_store_finalize;
  object_class->get_property = op_trust_store_get_property;
  object_class->set_property = op_trust_store_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY
                         | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_trust_store_init (OpTrustStore *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
  self->owner = g_thread_self ();
}

/**
 * op_trust_store_new:
 * @file: the key file that holds the pins (it need not exist yet)
 *
 * Creates a trust store. Its prompt will run on the current thread-default main context.
 * If @file exists but cannot be read, nothing is pinned and pinning fails with
 * %OP_TRUST_ERROR_STORE rather than overwrite it.
 *
 * Returns: (transfer full): a new trust store
 */
OpTrustStore *
op_trust_store_new (GFile *file)
{
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (OP_TYPE_TRUST_STORE, "file", file, NULL);
}

/**
 * op_trust_store_new_default:
 *
 * Returns: (transfer full): a trust store on `$XDG_CONFIG_HOME/outpost/trust.ini`
 */
OpTrustStore *
op_trust_store_new_default (void)
{
  g_autofree char *dir = op_profile_config_dir ();
  g_autofree char *path = g_build_filename (dir, "trust.ini", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  return op_trust_store_new (file);
}

/**
 * op_trust_store_get_file:
 * @self: a trust store
 *
 * Returns: (transfer none): the key file that holds the pins
 */
GFile *
op_trust_store_get_file (OpTrustStore *self)
{
  g_return_val_if_fail (OP_IS_TRUST_STORE (self), NULL);

  return self->file;
}

/**
 * op_trust_store_set_prompt:
 * @self: a trust store
 * @prompt: (nullable): who asks the user, or %NULL to refuse every certificate that is
 *   neither trusted by the system nor pinned
 */
void
op_trust_store_set_prompt (OpTrustStore  *self,
                           OpTrustPrompt *prompt)
{
  g_return_if_fail (OP_IS_TRUST_STORE (self));
  g_return_if_fail (prompt == NULL || OP_IS_TRUST_PROMPT (prompt));

  g_mutex_lock (&self->lock);
  g_set_object (&self->prompt, prompt);
  g_mutex_unlock (&self->lock);
}

typedef struct
{
  const char *group;
  const char *sha256;
  const char *pem;
  const char *subject;
} PinChange;

static void
apply_pin (GKeyFile *pins,
           gpointer  data)
{
  PinChange *change = data;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = g_date_time_format_iso8601 (now);

  /* Replace the whole group: nothing of an older pin may survive next to the new one. */
  g_key_file_remove_group (pins, change->group, NULL);
  g_key_file_set_string (pins, change->group, KEY_SHA256, change->sha256);
  g_key_file_set_string (pins, change->group, KEY_CERTIFICATE, change->pem);
  if (change->subject != NULL && change->subject[0] != '\0')
    g_key_file_set_string (pins, change->group, KEY_SUBJECT, change->subject);
  g_key_file_set_string (pins, change->group, KEY_PINNED, when);
}

/**
 * op_trust_store_pin:
 * @self: a trust store
 * @host: the host name as the user typed it
 * @port: the port
 * @certificate: the certificate to trust for @host:@port from now on
 * @error: return location for an %OP_TRUST_ERROR_STORE error
 *
 * Trusts @certificate, and only it, for @host:@port, replacing an earlier pin, and saves
 * the pins. Safe to call from any thread.
 *
 * Returns: %TRUE if the pin was saved
 */
gboolean
op_trust_store_pin (OpTrustStore     *self,
                    const char       *host,
                    guint16           port,
                    GTlsCertificate  *certificate,
                    GError          **error)
{
  g_autofree char *group = NULL;
  g_autofree char *pem = NULL;
  g_autoptr(OpCertificateInfo) info = NULL;
  PinChange change;
  gboolean ok;

  g_return_val_if_fail (OP_IS_TRUST_STORE (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  group = group_for (host, port);
  if (group == NULL)
    {
      g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                   _("“%s” is not a host name a certificate can be trusted for."), host);
      return FALSE;
    }

  info = op_certificate_info_new (host, port, certificate, 0, FALSE);
  g_object_get (certificate, "certificate-pem", &pem, NULL);
  if (pem == NULL || op_certificate_info_get_sha256 (info)[0] == '\0')
    {
      g_set_error_literal (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                           _("The certificate cannot be trusted because it could not be "
                             "read."));
      return FALSE;
    }

  change.group = group;
  change.sha256 = op_certificate_info_get_sha256 (info);
  change.pem = pem;
  change.subject = op_certificate_info_get_subject (info);

  g_mutex_lock (&self->lock);
  ok = change_pins (self, apply_pin, &change, error);
  g_mutex_unlock (&self->lock);

  return ok;
}

static void
apply_unpin (GKeyFile *pins,
             gpointer  data)
{
  g_key_file_remove_group (pins, data, NULL);
}

/**
 * op_trust_store_unpin:
 * @self: a trust store
 * @host: the host name
 * @port: the port
 * @error: return location for an %OP_TRUST_ERROR_STORE error
 *
 * Forgets the certificate pinned for @host:@port, if any, and saves the pins.
 *
 * Returns: %TRUE if nothing is pinned for @host:@port afterwards
 */
gboolean
op_trust_store_unpin (OpTrustStore  *self,
                      const char    *host,
                      guint16        port,
                      GError       **error)
{
  g_autofree char *group = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (OP_IS_TRUST_STORE (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  group = group_for (host, port);
  if (group == NULL)
    return TRUE;

  g_mutex_lock (&self->lock);
  if (g_key_file_has_group (self->pins, group))
    ok = change_pins (self, apply_unpin, group, error);
  g_mutex_unlock (&self->lock);

  return ok;
}

/**
 * op_trust_store_is_pinned:
 * @self: a trust store
 * @host: the host name
 * @port: the port
 * @certificate: a certificate
 *
 * Returns: %TRUE if @host:@port is pinned to exactly @certificate
 */
gboolean
op_trust_store_is_pinned (OpTrustStore    *self,
                          const char      *host,
                          guint16          port,
                          GTlsCertificate *certificate)
{
  g_autofree char *group = NULL;
  g_autofree char *presented = NULL;
  g_autofree char *pinned = NULL;

  g_return_val_if_fail (OP_IS_TRUST_STORE (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);
  g_return_val_if_fail (G_IS_TLS_CERTIFICATE (certificate), FALSE);

  group = group_for (host, port);
  presented = op_certificate_sha256_fingerprint (certificate);
  if (group == NULL || presented == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  pinned = pinned_fingerprint (self, group);
  g_mutex_unlock (&self->lock);

  return pinned != NULL && g_ascii_strcasecmp (pinned, presented) == 0;
}

/**
 * op_trust_store_get_pinned:
 * @self: a trust store
 * @host: the host name
 * @port: the port
 *
 * Returns: (transfer full) (nullable): the certificate pinned for @host:@port
 */
GTlsCertificate *
op_trust_store_get_pinned (OpTrustStore *self,
                           const char   *host,
                           guint16       port)
{
  g_autofree char *group = NULL;
  g_autofree char *pem = NULL;

  g_return_val_if_fail (OP_IS_TRUST_STORE (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);

  group = group_for (host, port);
  if (group == NULL)
    return NULL;

  g_mutex_lock (&self->lock);
  pem = g_key_file_get_string (self->pins, group, KEY_CERTIFICATE, NULL);
  g_mutex_unlock (&self->lock);

  if (pem == NULL)
    return NULL;

  return g_tls_certificate_new_from_pem (pem, -1, NULL);
}

/* --- Asking the user from a worker thread --------------------------------------------- */

/*
 * verify() runs on a session worker; the prompt is UI and must run on the store's main
 * context. A request is shared between the two (reference counted): the worker waits on
 * @cond until the prompt answers or the worker's cancellable fires; whichever side is
 * last drops the request.
 */
typedef struct
{
  gatomicrefcount    ref;

  GMutex             lock;
  GCond              cond;
  gboolean           answered;
  gboolean           cancelled;
  OpTrustDecision    decision;

  OpTrustPrompt     *prompt;
  OpCertificateInfo *info;
  GCancellable      *prompt_cancellable;
} PromptRequest;

static PromptRequest *
prompt_request_new (OpTrustPrompt     *prompt,
                    OpCertificateInfo *info)
{
  PromptRequest *request = g_new0 (PromptRequest, 1);

  g_atomic_ref_count_init (&request->ref);
  g_mutex_init (&request->lock);
  g_cond_init (&request->cond);
  request->decision = OP_TRUST_DECISION_CANCEL;
  request->prompt = g_object_ref (prompt);
  request->info = g_object_ref (info);
  request->prompt_cancellable = g_cancellable_new ();

  return request;
}

static PromptRequest *
prompt_request_ref (PromptRequest *request)
{
  g_atomic_ref_count_inc (&request->ref);
  return request;
}

static void
prompt_request_unref (gpointer data)
{
  PromptRequest *request = data;

  if (!g_atomic_ref_count_dec (&request->ref))
    return;

  g_clear_object (&request->prompt);
  g_clear_object (&request->info);
  g_clear_object (&request->prompt_cancellable);
  g_cond_clear (&request->cond);
  g_mutex_clear (&request->lock);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PromptRequest, prompt_request_unref)

static void
prompt_request_finish (PromptRequest   *request,
                       OpTrustDecision  decision)
{
  g_mutex_lock (&request->lock);
  request->answered = TRUE;
  request->decision = decision;
  g_cond_broadcast (&request->cond);
  g_mutex_unlock (&request->lock);
}

/* Main context. */
static void
on_prompt_answered (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(PromptRequest) request = data;
  g_autoptr(GError) error = NULL;
  OpTrustDecision decision;

  decision = op_trust_prompt_ask_finish (OP_TRUST_PROMPT (source), result, &error);
  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_debug ("The trust prompt failed, refusing the certificate: %s", error->message);

  prompt_request_finish (request, decision);
}

/* Main context. */
static gboolean
start_prompt (gpointer data)
{
  PromptRequest *request = data;
  gboolean cancelled;

  g_mutex_lock (&request->lock);
  cancelled = request->cancelled;
  g_mutex_unlock (&request->lock);

  /* The connection gave up before the main loop got here: don't show a stale question. */
  if (!cancelled)
    op_trust_prompt_ask_async (request->prompt, request->info,
                               request->prompt_cancellable, on_prompt_answered,
                               prompt_request_ref (request));

  return G_SOURCE_REMOVE;
}

/* Main context: cancelling there means the prompt's "cancelled" handlers (which close a
 * dialog) run on the UI thread, not on the worker that gave up. */
static gboolean
cancel_prompt (gpointer data)
{
  PromptRequest *request = data;

  g_cancellable_cancel (request->prompt_cancellable);

  return G_SOURCE_REMOVE;
}

/* Whichever thread cancels the worker's cancellable. */
static void
on_worker_cancelled (GCancellable *cancellable,
                     gpointer      data)
{
  PromptRequest *request = data;

  g_mutex_lock (&request->lock);
  request->cancelled = TRUE;
  g_cond_broadcast (&request->cond);
  g_mutex_unlock (&request->lock);
}

/* Not g_main_context_invoke(): when no thread owns @context at that moment it would run
 * the callback right here, on the worker. A source always runs where @context is
 * iterated. */
static void
run_on_context (GMainContext   *context,
                GSourceFunc     func,
                PromptRequest  *request)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, prompt_request_ref (request), prompt_request_unref);
  g_source_set_static_name (source, "[outpost] trust prompt");
  g_source_attach (source, context);
}

/* Worker thread. Blocks until the user answers (TRUE, with @decision set) or
 * @cancellable fires (FALSE, with @error set). */
static gboolean
ask_user (OpTrustStore       *self,
          OpTrustPrompt      *prompt,
          OpCertificateInfo  *info,
          GCancellable       *cancellable,
          OpTrustDecision    *decision,
          GError            **error)
{
  g_autoptr(PromptRequest) request = prompt_request_new (prompt, info);
  gulong handler = 0;
  gboolean cancelled;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (on_worker_cancelled),
                                     prompt_request_ref (request), prompt_request_unref);

  run_on_context (self->context, start_prompt, request);

  g_mutex_lock (&request->lock);
  while (!request->answered && !request->cancelled)
    g_cond_wait (&request->cond, &request->lock);
  cancelled = request->cancelled && !request->answered;
  *decision = request->decision;
  g_mutex_unlock (&request->lock);

  /* Outside the request's lock: disconnecting waits for a running handler, which takes
   * that lock. */
  if (cancellable != NULL)
    g_cancellable_disconnect (cancellable, handler);

  if (cancelled)
    {
      /* Close the dialog; the prompt's late answer finds nobody waiting and is dropped. */
      run_on_context (self->context, cancel_prompt, request);
      if (!g_cancellable_set_error_if_cancelled (cancellable, error))
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                             _("The connection was cancelled."));
      return FALSE;
    }

  return TRUE;
}

static void
set_refusal_error (GError            **error,
                   OpCertificateInfo  *info)
{
  g_autofree char *endpoint = format_endpoint (op_certificate_info_get_host (info),
                                               op_certificate_info_get_port (info));

  if (op_certificate_info_get_pin_mismatch (info))
    {
      g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH,
                   _("The certificate of %s has changed since you trusted it. Someone may "
                     "be intercepting the connection, so Outpost did not connect. Ask the "
                     "server’s administrator whether the certificate was replaced, and "
                     "trust the new one only if its SHA-256 fingerprint is %s."),
                   endpoint, op_certificate_info_get_sha256 (info));
    }
  else
    {
      g_autofree char *reasons = op_certificate_info_describe_errors (info);

      g_strdelimit (reasons, "\n", ' ');
      if (reasons[0] != '\0')
        g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED,
                     _("The certificate of %s is not trusted, so Outpost did not connect. "
                       "%s"),
                     endpoint, reasons);
      else
        g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED,
                     _("The certificate of %s is not trusted, so Outpost did not "
                       "connect."),
                     endpoint);
    }
}

static gboolean
op_trust_store_verify (OpTlsVerifier         *verifier,
                       const char            *host,
                       guint16                port,
                       GTlsCertificate       *certificate,
                       GTlsCertificateFlags   errors,
                       GCancellable          *cancellable,
                       GError               **error)
{
  OpTrustStore *self = OP_TRUST_STORE (verifier);
  g_autofree char *group = group_for (host, port);
  g_autofree char *pinned = NULL;
  g_autoptr(OpCertificateInfo) info = NULL;
  g_autoptr(OpTrustPrompt) prompt = NULL;
  gboolean pin_mismatch;
  OpTrustDecision decision;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  g_mutex_lock (&self->lock);
  pinned = pinned_fingerprint (self, group);
  if (self->prompt != NULL)
    prompt = g_object_ref (self->prompt);
  g_mutex_unlock (&self->lock);

  info = op_certificate_info_new (host, port, certificate, errors, FALSE);

  pin_mismatch = pinned != NULL
                 && g_ascii_strcasecmp (pinned, op_certificate_info_get_sha256 (info)) != 0;

  /* The user trusted exactly this certificate for this host:port: that overrides what
   * the system store thinks (self-signed, expired…) — except a revocation, which is
   * news the user did not have when pinning. */
  if (pinned != NULL && !pin_mismatch && (errors & G_TLS_CERTIFICATE_REVOKED) == 0)
    return TRUE;

  if (pin_mismatch)
    {
      g_clear_object (&info);
      info = op_certificate_info_new (host, port, certificate, errors, TRUE);
    }

  if (prompt == NULL)
    {
      set_refusal_error (error, info);
      return FALSE;
    }

  /* Blocking the thread that runs the prompt's main context would never end. The store
   * is created on that thread; the ownership check also catches a dispatch on it. */
  if (g_thread_self () == self->owner || g_main_context_is_owner (self->context))
    {
      g_critical ("A certificate for %s was verified on the thread of the trust store's "
                  "main context; refusing it instead of waiting for a prompt that could "
                  "never run", host);
      set_refusal_error (error, info);
      return FALSE;
    }

  if (!ask_user (self, prompt, info, cancellable, &decision, error))
    return FALSE;

  switch (decision)
    {
    case OP_TRUST_DECISION_ONCE:
      return TRUE;

    case OP_TRUST_DECISION_ALWAYS:
      {
        g_autoptr(GError) pin_error = NULL;

        if (op_trust_store_pin (self, host, port, certificate, &pin_error))
          return TRUE;

        /* The user wanted the certificate remembered; connecting as if it were would
         * ask again next time without saying why. */
        g_set_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE,
                     _("%s Choose “Trust Once” to connect anyway."), pin_error->message);
        return FALSE;
      }

    case OP_TRUST_DECISION_CANCEL:
    default:
      set_refusal_error (error, info);
      return FALSE;
    }
}

static void
op_trust_store_verifier_init (OpTlsVerifierInterface *iface)
{
  iface->verify = op_trust_store_verify;
}
