/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "op-trust-store.h"
#include "op-uri-router.h"
#include "op-window.h"

G_BEGIN_DECLS

#define OP_TYPE_APPLICATION (op_application_get_type ())
G_DECLARE_FINAL_TYPE (OpApplication, op_application, OP, APPLICATION, AdwApplication)

/*
 * Outpost's single-instance application: app actions (quit, about, shortcuts), the main
 * window, `outpost [URI…]` routed by scheme to the view that registered it, and the one
 * trust store every connection verifies certificates with (its prompt is the UI's
 * trust dialog).
 */
OpApplication *op_application_new             (void);
OpWindow      *op_application_ensure_window   (OpApplication *self);
OpUriRouter   *op_application_get_uri_router  (OpApplication *self);
OpTrustStore  *op_application_get_trust_store (OpApplication *self);
gboolean       op_application_open_uri        (OpApplication *self,
                                               const char    *uri,
                                               GError       **error);

G_END_DECLS
