/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "op-mail-probe.h"

G_BEGIN_DECLS

#define OP_MAIL_AUTODETECT_ERROR (op_mail_autodetect_error_quark ())

/**
 * OpMailAutodetectError:
 * @OP_MAIL_AUTODETECT_ERROR_INVALID_ADDRESS: the text is not an address with a domain.
 * @OP_MAIL_AUTODETECT_ERROR_NOT_FOUND: no incoming server was found that accepted the
 *   address and password: use the manual set-up (the reports say what was tried).
 */
typedef enum
{
  OP_MAIL_AUTODETECT_ERROR_INVALID_ADDRESS,
  OP_MAIL_AUTODETECT_ERROR_NOT_FOUND,
} OpMailAutodetectError;

GQuark op_mail_autodetect_error_quark (void);

/**
 * OpMailCandidate:
 * A server to try: protocol, host, port and security.
 */
typedef struct
{
  OpMailProtocol  protocol;
  char           *host;
  guint16         port;
  OpSecurity      security;
} OpMailCandidate;

OpMailCandidate *op_mail_candidate_new  (OpMailProtocol  protocol,
                                         const char     *host,
                                         guint16         port,
                                         OpSecurity      security);
void             op_mail_candidate_free (OpMailCandidate *candidate);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpMailCandidate, op_mail_candidate_free)

/* Without SRV records: the conventional names of @domain on their standard ports, in
 * the order they are tried (implicit TLS before STARTTLS, IMAP before POP3): incoming
 * imap.D:993, imap.D:143, mail.D:993, mail.D:143, pop.D:995, pop.D:110, mail.D:995,
 * mail.D:110; outgoing smtp.D:465, smtp.D:587, mail.D:465, mail.D:587.
 * (element-type OpMailCandidate) */
GPtrArray       *op_mail_autodetect_conventional (const char     *domain,
                                                  gboolean        outgoing);

/*
 * Sets up an account from an address and a password (issue 12, "Set-up"):
 *   1. RFC 6186 SRV records of the domain (_imaps._tcp, _imap._tcp, _pop3s._tcp,
 *      _pop3._tcp, _submissions._tcp, _submission._tcp) through the default GResolver,
 *      by priority and weight; a target of "." means "not offered";
 *   2. without any for a direction, the conventional names;
 *   3. each candidate is probed (op_mail_probe_async(): greeting, capabilities, TLS) and
 *      logged in with the address, then with its local part; the first that logs in wins.
 * Finishes with a new account (kind mail: incoming server, SMTP server when one logged
 * in, one identity with the address) and every report, in the order tried.
 */
void             op_mail_autodetect_async        (const char          *address,
                                                  const char          *password,
                                                  OpTlsVerifier       *verifier,
                                                  guint                timeout_seconds,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
/* (transfer full); @reports (out) (element-type OpMailProbeReport) (optional): every
 * probe, also when it fails. */
OpAccount       *op_mail_autodetect_finish       (GAsyncResult        *result,
                                                  GPtrArray          **reports,
                                                  GError             **error);

G_END_DECLS
