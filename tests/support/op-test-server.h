/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define OP_TYPE_TEST_SERVER (op_test_server_get_type ())
G_DECLARE_FINAL_TYPE (OpTestServer, op_test_server, OP, TEST_SERVER, GObject)

/*
 * A scripted in-process server for edge cases and faults (DESIGN.md, "Tests").
 *
 * Build a script, start the server, point the client at 127.0.0.1 and the port, then
 * wait for the script to finish. The server listens on its own thread with its own
 * GMainContext, so blocking client code on the test thread works. The first connection
 * runs the script, step by step; later connections are closed at once (use a second
 * server for an FTP data connection). When the script ends the connection is closed.
 *
 *   g_autoptr(OpTestServer) server = op_test_server_new ();
 *   op_test_server_send (server, "220 ready\r\n");
 *   op_test_server_expect_line (server, "QUIT");
 *   op_test_server_send (server, "221 bye\r\n");
 *   op_test_server_start (server);
 *   … client code against op_test_server_get_port (server) …
 *   g_assert_true (op_test_server_wait (server, 5000, &error));
 *
 * A step that fails (a line that differs from the expected one, a handshake error, the
 * client closing early) ends the script; op_test_server_wait() reports it.
 */
OpTestServer *op_test_server_new                  (void);
void          op_test_server_set_address          (OpTestServer    *self,
                                                   const char      *address);

/* Script steps, in order. */
void          op_test_server_send                 (OpTestServer    *self,
                                                   const char      *text);
void          op_test_server_send_raw             (OpTestServer    *self,
                                                   const void      *data,
                                                   gsize            size);
void          op_test_server_send_garbage         (OpTestServer    *self,
                                                   gsize            size,
                                                   gboolean         with_line_breaks);
void          op_test_server_expect_line          (OpTestServer    *self,
                                                   const char      *line);
void          op_test_server_expect_line_matching (OpTestServer    *self,
                                                   const char      *glob);
void          op_test_server_read_line            (OpTestServer    *self);
void          op_test_server_start_tls            (OpTestServer    *self);
void          op_test_server_start_tls_with       (OpTestServer    *self,
                                                   GTlsCertificate *certificate);
void          op_test_server_drop_after           (OpTestServer    *self,
                                                   gsize            n_bytes);
void          op_test_server_sleep                (OpTestServer    *self,
                                                   guint            milliseconds);
void          op_test_server_stall                (OpTestServer    *self,
                                                   guint            milliseconds);
void          op_test_server_expect_close         (OpTestServer    *self,
                                                   guint            milliseconds);
void          op_test_server_close                (OpTestServer    *self);

/* Running. */
gboolean      op_test_server_start                (OpTestServer    *self,
                                                   GError         **error);
const char   *op_test_server_get_host             (OpTestServer    *self);
guint16       op_test_server_get_port             (OpTestServer    *self);
gboolean      op_test_server_wait                 (OpTestServer    *self,
                                                   guint            timeout_ms,
                                                   GError         **error);
void          op_test_server_stop                 (OpTestServer    *self);

/* What happened. */
GStrv         op_test_server_dup_received_lines   (OpTestServer    *self);
guint         op_test_server_get_n_connections    (OpTestServer    *self);
gboolean      op_test_server_get_client_closed    (OpTestServer    *self);

G_END_DECLS
