/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-account.h"
#include "op-mail-account.h"
#include "op-tls-verifier.h"

G_BEGIN_DECLS

typedef enum
{
  OP_MAIL_PROTOCOL_IMAP,
  OP_MAIL_PROTOCOL_POP3,
  OP_MAIL_PROTOCOL_SMTP,
} OpMailProtocol;

#define OP_TYPE_MAIL_PROTOCOL (op_mail_protocol_get_type ())
GType       op_mail_protocol_get_type  (void) G_GNUC_CONST;
/* "IMAP", "POP3", "SMTP" (wire names, not translated). */
const char *op_mail_protocol_to_string (OpMailProtocol protocol);

/**
 * OpMailProbeReport:
 * @protocol, @host, @port, @security: what was tried
 * @reached: a connection was made and the server greeted
 * @greeting: (nullable): the greeting line
 * @tls_version: (nullable): "TLS 1.3", "TLS 1.2", … when TLS is up
 * @cipher_suite: (nullable): e.g. "TLS_AES_256_GCM_SHA384"
 * @certificate: (nullable): the server's certificate
 * @certificate_sha256: (nullable): its SHA-256 fingerprint ("AB:CD:…")
 * @capabilities: what the server announced (after TLS, and for IMAP after login when
 *   it logged in); never NULL
 * @login_tried: a user and password were given
 * @login_ok: the server accepted them
 * @error: (nullable): what failed first (connect, TLS, greeting, login), for the user
 *
 * What a connection test found. A report exists for every probe that was not cancelled.
 */
typedef struct
{
  OpMailProtocol    protocol;
  char             *host;
  guint16           port;
  OpSecurity        security;
  gboolean          reached;
  char             *greeting;
  char             *tls_version;
  char             *cipher_suite;
  GTlsCertificate  *certificate;
  char             *certificate_sha256;
  GStrv             capabilities;
  gboolean          login_tried;
  gboolean          login_ok;
  GError           *error;
} OpMailProbeReport;

#define OP_TYPE_MAIL_PROBE_REPORT (op_mail_probe_report_get_type ())
GType              op_mail_probe_report_get_type (void) G_GNUC_CONST;
OpMailProbeReport *op_mail_probe_report_copy     (const OpMailProbeReport *report);
void               op_mail_probe_report_free     (OpMailProbeReport       *report);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailProbeReport, op_mail_probe_report_free)

/* Lines and replies a probe reads are at most this long (RFC 5321 §4.5.3.1.5 allows
 * 512 octets; IMAP CAPABILITY lines of real servers stay under 2 KiB). */
#define OP_MAIL_PROBE_MAX_LINE (64 * 1024)

/*
 * Probes one server: connects (TLS from the first byte, or STARTTLS/STLS as @security
 * says, never falling back), reads the greeting and the capabilities, notes the TLS
 * version, cipher suite and certificate, and, with @user and @password, logs in through
 * Outpost's own client of that protocol. @verifier decides about certificates the system
 * store refuses, as for every session. The blocking part runs on a worker thread.
 *
 * Finishes with a report (even when the server could not be reached: then @error says
 * why); only G_IO_ERROR_CANCELLED fails the call.
 */
void               op_mail_probe_async            (OpMailProtocol       protocol,
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
                                                   gpointer             user_data);
OpMailProbeReport *op_mail_probe_finish           (GAsyncResult        *result,
                                                   GError             **error);

/* The connection test of a mail account's incoming or outgoing server, with the
 * account's settings and @password (nullable: no login). Finish with
 * op_mail_probe_finish(). */
void               op_mail_account_test_async     (OpAccount           *account,
                                                   OpMailServer         server,
                                                   const char          *password,
                                                   OpTlsVerifier       *verifier,
                                                   GCancellable        *cancellable,
                                                   GAsyncReadyCallback  callback,
                                                   gpointer             user_data);

G_END_DECLS
