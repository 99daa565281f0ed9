/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-test"

#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "op-test-prompt.h"
#include "op-test-util.h"
#include "op-trust-store.h"

typedef struct
{
  GFile           *file;
  OpTrustStore    *store;
  GTlsCertificate *server;
  GTlsCertificate *other;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_get_user_config_dir (), "outpost",
                                            "trust.ini", NULL);

  fixture->file = g_file_new_for_path (path);
  fixture->store = op_trust_store_new (fixture->file);
  fixture->server = op_test_load_certificate ("server");
  fixture->other = op_test_load_certificate ("other");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  g_clear_object (&fixture->store);
  g_clear_object (&fixture->file);
  g_clear_object (&fixture->server);
  g_clear_object (&fixture->other);
}

/* --- verify() on a worker thread while the main loop runs ---------------------------- */

typedef struct
{
  OpTrustStore         *store;
  char                 *host;
  guint16               port;
  GTlsCertificate      *certificate;
  GTlsCertificateFlags  errors;
} VerifyCall;

static void
verify_call_free (gpointer data)
{
  VerifyCall *call = data;

  g_object_unref (call->store);
  g_free (call->host);
  g_object_unref (call->certificate);
  g_free (call);
}

static void
verify_in_thread (GTask        *task,
                  gpointer      source,
                  gpointer      data,
                  GCancellable *cancellable)
{
  VerifyCall *call = data;
  GError *error = NULL;

  /* What OpConnection does during a handshake: block this worker until decided. */
  if (op_tls_verifier_verify (OP_TLS_VERIFIER (call->store), call->host, call->port,
                              call->certificate, call->errors, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

typedef struct
{
  gboolean  done;
  gboolean  accepted;
  GError   *error;
  gint64    finished_at;
} VerifyResult;

static void
on_verified (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  VerifyResult *outcome = data;

  outcome->accepted = g_task_propagate_boolean (G_TASK (result), &outcome->error);
  outcome->finished_at = g_get_monotonic_time ();
  outcome->done = TRUE;
}

static void
start_verify (OpTrustStore         *store,
              const char           *host,
              guint16               port,
              GTlsCertificate      *certificate,
              GCancellable         *cancellable,
              VerifyResult         *outcome)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, on_verified, outcome);
  VerifyCall *call = g_new0 (VerifyCall, 1);

  call->store = g_object_ref (store);
  call->host = g_strdup (host);
  call->port = port;
  call->certificate = g_object_ref (certificate);
  call->errors = G_TLS_CERTIFICATE_UNKNOWN_CA;
  g_task_set_task_data (task, call, verify_call_free);
  g_task_run_in_thread (task, verify_in_thread);
}

/* Verifies on a worker thread and runs the main loop (where the prompt answers) until
 * the worker is done. Returns whether the certificate was accepted. */
static gboolean
verify_on_worker (OpTrustStore     *store,
                  const char       *host,
                  guint16           port,
                  GTlsCertificate  *certificate,
                  GError          **error)
{
  VerifyResult outcome = { 0 };

  start_verify (store, host, port, certificate, NULL, &outcome);
  g_assert_true (op_test_wait_for (&outcome.done, 10000));

  if (outcome.error != NULL)
    g_propagate_error (error, outcome.error);

  return outcome.accepted;
}

static char *
read_file (GFile *file)
{
  g_autofree char *path = g_file_get_path (file);
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;

  return contents;
}

/* --- pins -------------------------------------------------------------------------- */

static void
test_pin_survives_restart (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTrustStore) restarted = NULL;
  g_autoptr(GTlsCertificate) pinned = NULL;
  g_autofree char *path = g_file_get_path (fixture->file);
  g_autofree char *contents = NULL;
  struct stat info;

  g_assert_false (g_file_query_exists (fixture->file, NULL));
  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));
  g_assert_no_error (error);

  /* Only the user may read which servers they trust. */
  g_assert_cmpint (g_stat (path, &info), ==, 0);
  g_assert_cmpint (info.st_mode & 0777, ==, 0600);
  contents = read_file (fixture->file);
  g_assert_nonnull (strstr (contents, "[Outpost]"));
  g_assert_nonnull (strstr (contents, "version=1"));
  g_assert_nonnull (strstr (contents, "[localhost:2121]"));
  g_assert_nonnull (strstr (contents, "BEGIN CERTIFICATE"));

  restarted = op_trust_store_new (fixture->file);
  g_assert_true (op_trust_store_is_pinned (restarted, "localhost", 2121, fixture->server));
  g_assert_false (op_trust_store_is_pinned (restarted, "localhost", 2121, fixture->other));
  g_assert_true (op_tls_verifier_verify (OP_TLS_VERIFIER (restarted), "localhost", 2121,
                                         fixture->server, G_TLS_CERTIFICATE_UNKNOWN_CA,
                                         NULL, &error));
  g_assert_no_error (error);

  pinned = op_trust_store_get_pinned (restarted, "localhost", 2121);
  g_assert_nonnull (pinned);
  g_assert_true (g_tls_certificate_is_same (pinned, fixture->server));
}

static void
test_pinned_accepted_without_prompt (Fixture       *fixture,
                                     gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_CANCEL);
  g_autoptr(GError) error = NULL;

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));
  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));

  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 0);
}

static void
test_pin_mismatch (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));

  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2121, fixture->other,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "localhost:2121"));
  g_assert_nonnull (strstr (error->message, "changed since you trusted it"));
  g_assert_nonnull (strstr (error->message, "intercepting"));

  /* The pin is untouched. */
  g_assert_true (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                           fixture->server));
}

static void
test_pinned_but_revoked (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));

  /* A revocation is news the user did not have when pinning: refused, and not called a
   * changed certificate, because it is the same one. */
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2121, fixture->server,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA
                                          | G_TLS_CERTIFICATE_REVOKED, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_assert_nonnull (strstr (error->message, "revoked"));
}

static void
test_unpinned_refused_without_prompt (Fixture       *fixture,
                                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2121, fixture->server,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "localhost:2121"));
  g_assert_nonnull (strstr (error->message, "not signed by an authority"));
  g_assert_false (g_file_query_exists (fixture->file, NULL));
}

static void
test_pin_is_per_endpoint (Fixture       *fixture,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));

  /* Same certificate, other port: not trusted, and not a mismatch either. */
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2122, fixture->server,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_clear_error (&error);

  /* Same certificate and port, other host. */
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "127.0.0.1",
                                          2121, fixture->server,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_clear_error (&error);

  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 2122,
                                            fixture->server));
  g_assert_false (op_trust_store_is_pinned (fixture->store, "127.0.0.1", 2121,
                                            fixture->server));
}

static void
test_host_spelling (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Host names are case-insensitive; IPv6 literals come with or without brackets. */
  g_assert_true (op_trust_store_pin (fixture->store, "LocalHost", 21, fixture->server,
                                     &error));
  g_assert_true (op_trust_store_is_pinned (fixture->store, "localhost", 21,
                                           fixture->server));
  g_assert_true (op_trust_store_pin (fixture->store, "[::1]", 21, fixture->server,
                                     &error));
  g_assert_true (op_trust_store_is_pinned (fixture->store, "::1", 21, fixture->server));

  /* A name that cannot be a pin is refused, not mangled into another host's. */
  g_assert_false (op_trust_store_pin (fixture->store, "evil]\n[localhost:21", 21,
                                      fixture->server, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE);
}

static void
test_unpin (Fixture       *fixture,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(OpTrustStore) restarted = NULL;

  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 21, fixture->server,
                                     &error));
  g_assert_true (op_trust_store_unpin (fixture->store, "localhost", 21, &error));
  g_assert_no_error (error);
  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 21,
                                            fixture->server));
  g_assert_null (op_trust_store_get_pinned (fixture->store, "localhost", 21));

  restarted = op_trust_store_new (fixture->file);
  g_assert_false (op_trust_store_is_pinned (restarted, "localhost", 21, fixture->server));

  /* Unpinning what is not pinned is fine. */
  g_assert_true (op_trust_store_unpin (fixture->store, "localhost", 21, &error));
  g_assert_no_error (error);
}

static void
test_newer_file_untouched (Fixture       *fixture,
                           gconstpointer  data)
{
  const char *newer = "[Outpost]\nversion=2\n\n[localhost:21]\nfingerprints=sha512:AA\n";
  g_autofree char *path = g_file_get_path (fixture->file);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *after = NULL;
  g_autoptr(OpTrustStore) store = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, newer, -1, NULL));

  store = op_trust_store_new (fixture->file);
  g_assert_false (op_trust_store_pin (store, "localhost", 21, fixture->server, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_STORE);
  g_assert_nonnull (strstr (error->message, "newer version"));

  after = read_file (fixture->file);
  g_assert_cmpstr (after, ==, newer);
}

/* --- the prompt -------------------------------------------------------------------- */

static void
test_prompt_once (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_ONCE);
  g_autoptr(GError) error = NULL;
  OpCertificateInfo *info;

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);

  /* The question ran on the main thread (the UI's), not on the worker. */
  g_assert_true (op_test_prompt_get_thread (prompt) == g_thread_self ());

  info = op_test_prompt_get_last_info (prompt);
  g_assert_cmpstr (op_certificate_info_get_host (info), ==, "localhost");
  g_assert_cmpuint (op_certificate_info_get_port (info), ==, 2121);
  g_assert_cmpuint (op_certificate_info_get_errors (info), ==, G_TLS_CERTIFICATE_UNKNOWN_CA);
  g_assert_false (op_certificate_info_get_pin_mismatch (info));
  g_assert_nonnull (strstr (op_certificate_info_get_subject (info), "localhost (server)"));

  /* Once means once: nothing was remembered, the next connection asks again. */
  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                            fixture->server));
  g_assert_false (g_file_query_exists (fixture->file, NULL));
  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 2);
}

static void
test_prompt_always (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_ALWAYS);
  g_autoptr(OpTrustStore) restarted = NULL;
  g_autoptr(GError) error = NULL;

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  g_assert_no_error (error);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);
  g_assert_true (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                           fixture->server));

  /* Remembered: no second question, and a restart still knows. */
  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);
  restarted = op_trust_store_new (fixture->file);
  g_assert_true (op_trust_store_is_pinned (restarted, "localhost", 2121, fixture->server));
}

static void
test_prompt_cancel (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_CANCEL);
  g_autoptr(GError) error = NULL;

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  g_assert_false (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                    &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);
  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                            fixture->server));
  g_assert_false (g_file_query_exists (fixture->file, NULL));
}

static void
test_prompt_on_mismatch (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_CANCEL);
  g_autoptr(GError) error = NULL;
  OpCertificateInfo *info;
  g_autofree char *described = NULL;

  g_assert_true (op_trust_store_pin (fixture->store, "localhost", 2121, fixture->server,
                                     &error));
  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  g_assert_false (verify_on_worker (fixture->store, "localhost", 2121, fixture->other,
                                    &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH);

  /* The user was warned that this is not the certificate they trusted. */
  info = op_test_prompt_get_last_info (prompt);
  g_assert_true (op_certificate_info_get_pin_mismatch (info));
  g_assert_nonnull (strstr (op_certificate_info_get_subject (info), "localhost (other)"));
  described = op_certificate_info_describe_errors (info);
  g_assert_true (g_str_has_prefix (described, "This certificate is not the one"));
}

static void
test_accepting_one_trusts_no_other (Fixture       *fixture,
                                    gconstpointer  data)
{
  g_autoptr(OpTestPrompt) once = op_test_prompt_new (OP_TRUST_DECISION_ONCE);
  g_autoptr(OpTestPrompt) always = op_test_prompt_new (OP_TRUST_DECISION_ALWAYS);
  g_autoptr(GError) error = NULL;

  /* Trusting the server's certificate once does not let another one through. */
  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (once));
  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  op_trust_store_set_prompt (fixture->store, NULL);
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2121, fixture->other,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
  g_clear_error (&error);

  /* Neither does trusting it always: the other one is a mismatch. */
  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (always));
  g_assert_true (verify_on_worker (fixture->store, "localhost", 2121, fixture->server,
                                   &error));
  op_trust_store_set_prompt (fixture->store, NULL);
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          2121, fixture->other,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_PIN_MISMATCH);
  g_clear_error (&error);

  /* Nor the same certificate elsewhere. */
  g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store), "localhost",
                                          990, fixture->server,
                                          G_TLS_CERTIFICATE_UNKNOWN_CA, NULL, &error));
  g_assert_error (error, OP_TRUST_ERROR, OP_TRUST_ERROR_UNTRUSTED);
}

typedef struct
{
  GCancellable *cancellable;
  gint64        cancelled_at;
} CancelOnAsk;

static void
on_asked_cancel (OpTestPrompt *prompt,
                 gpointer      data)
{
  CancelOnAsk *cancel = data;

  /* As if the user closed the tab while the dialog is up: cancelled on the main thread
   * while the worker is blocked in verify(). */
  cancel->cancelled_at = g_get_monotonic_time ();
  g_cancellable_cancel (cancel->cancellable);
}

static void
test_cancel_while_prompt_pending (Fixture       *fixture,
                                  gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new_pending ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  CancelOnAsk cancel = { cancellable, 0 };
  VerifyResult outcome = { 0 };

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));
  g_signal_connect (prompt, "asked", G_CALLBACK (on_asked_cancel), &cancel);

  start_verify (fixture->store, "localhost", 2121, fixture->server, cancellable, &outcome);
  g_assert_true (op_test_wait_for (&outcome.done, 10000));

  g_assert_false (outcome.accepted);
  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&outcome.error);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 1);
  /* Promptly: the worker does not wait for the user. */
  g_assert_cmpint (cancel.cancelled_at, >, 0);
  g_assert_cmpint (outcome.finished_at - cancel.cancelled_at, <, G_USEC_PER_SEC);

  /* The dialog was told to close, on the main thread. */
  while (!op_test_prompt_get_cancelled (prompt))
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (op_test_prompt_get_cancel_thread (prompt) == g_thread_self ());
  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                            fixture->server));

  /* Let the prompt's cancelled answer arrive, so nothing is left pending. */
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
  g_signal_handlers_disconnect_by_data (prompt, &cancel);
}

static gboolean
cancel_later (gpointer data)
{
  g_cancellable_cancel (data);

  return G_SOURCE_REMOVE;
}

static void
test_cancel_from_other_thread (Fixture       *fixture,
                               gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new_pending ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  VerifyResult outcome = { 0 };
  gint64 started;

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  started = g_get_monotonic_time ();
  start_verify (fixture->store, "localhost", 2121, fixture->server, cancellable, &outcome);
  g_timeout_add (200, cancel_later, cancellable);
  g_assert_true (op_test_wait_for (&outcome.done, 10000));

  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&outcome.error);
  g_assert_cmpint (outcome.finished_at - started, <, 5 * G_USEC_PER_SEC);

  while (!op_test_prompt_get_cancelled (prompt))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

static void
test_already_cancelled (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_ALWAYS);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  VerifyResult outcome = { 0 };

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));
  g_cancellable_cancel (cancellable);

  start_verify (fixture->store, "localhost", 2121, fixture->server, cancellable, &outcome);
  g_assert_true (op_test_wait_for (&outcome.done, 10000));

  g_assert_error (outcome.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&outcome.error);
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, 0);
  g_assert_false (op_trust_store_is_pinned (fixture->store, "localhost", 2121,
                                            fixture->server));
}

static void
test_refuses_to_block_the_prompt_thread (Fixture       *fixture,
                                         gconstpointer  data)
{
  if (g_test_subprocess ())
    {
      g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_ONCE);
      g_autoptr(GError) error = NULL;

      /* Waiting here for a prompt that this very thread would have to run would hang
       * the application: refuse loudly instead. */
      op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));
      g_assert_false (op_tls_verifier_verify (OP_TLS_VERIFIER (fixture->store),
                                              "localhost", 2121, fixture->server,
                                              G_TLS_CERTIFICATE_UNKNOWN_CA, NULL,
                                              &error));
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*refusing it instead of waiting*");
}

static void
test_concurrent_workers (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autoptr(OpTestPrompt) prompt = op_test_prompt_new (OP_TRUST_DECISION_ONCE);
  VerifyResult outcomes[6] = { { 0 } };

  op_trust_store_set_prompt (fixture->store, OP_TRUST_PROMPT (prompt));

  /* Several sessions connect at once (parallel transfers): each gets its own question
   * and its own answer, and nobody blocks the main loop. */
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    start_verify (fixture->store, "localhost", (guint16) (2121 + i), fixture->server, NULL,
                  &outcomes[i]);
  for (guint i = 0; i < G_N_ELEMENTS (outcomes); i++)
    {
      g_assert_true (op_test_wait_for (&outcomes[i].done, 10000));
      g_assert_no_error (outcomes[i].error);
      g_assert_true (outcomes[i].accepted);
    }
  g_assert_cmpuint (op_test_prompt_get_n_asked (prompt), ==, G_N_ELEMENTS (outcomes));
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/trust/pin/survives-restart", test_pin_survives_restart);
  ADD ("/trust/pin/accepts-the-pinned-certificate-without-asking",
       test_pinned_accepted_without_prompt);
  ADD ("/trust/pin/refuses-a-different-certificate-as-mismatch", test_pin_mismatch);
  ADD ("/trust/pin/for-one-endpoint-trusts-no-other", test_pin_is_per_endpoint);
  ADD ("/trust/pin/does-not-override-a-revocation", test_pinned_but_revoked);
  ADD ("/trust/pin/ignores-host-case-and-brackets", test_host_spelling);
  ADD ("/trust/pin/can-be-removed", test_unpin);
  ADD ("/trust/file/from-newer-version-is-left-untouched", test_newer_file_untouched);
  ADD ("/trust/unpinned/refused-without-prompt", test_unpinned_refused_without_prompt);
  ADD ("/trust/prompt/once-accepts-and-remembers-nothing", test_prompt_once);
  ADD ("/trust/prompt/always-pins-for-host-and-port", test_prompt_always);
  ADD ("/trust/prompt/cancel-refuses", test_prompt_cancel);
  ADD ("/trust/prompt/warns-of-a-changed-certificate", test_prompt_on_mismatch);
  ADD ("/trust/prompt/accepting-one-certificate-trusts-no-other",
       test_accepting_one_trusts_no_other);
  ADD ("/trust/prompt/cancelling-while-pending-returns-promptly",
       test_cancel_while_prompt_pending);
  ADD ("/trust/prompt/cancelling-from-a-timer-returns-promptly",
       test_cancel_from_other_thread);
  ADD ("/trust/prompt/not-shown-when-already-cancelled", test_already_cancelled);
  ADD ("/trust/prompt/serves-concurrent-workers", test_concurrent_workers);
  ADD ("/trust/prompt/is-never-awaited-on-its-own-thread",
       test_refuses_to_block_the_prompt_thread);

#undef ADD

  return g_test_run ();
}
