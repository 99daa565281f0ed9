/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * A small in-process FTP server for fault tests (DESIGN.md "Tests": scripted servers for
 * edge cases and fault injection). It serves an in-memory tree of folders and files on
 * 127.0.0.1 (ephemeral ports) from a thread of its own with blocking GIO, one control
 * connection at a time (a client that reconnects is served after the previous connection
 * ended), and speaks enough FTP for OpFtpClient:
 *
 *   USER PASS QUIT NOOP FEAT OPTS SYST PWD CWD CDUP TYPE EPSV PASV EPRT PORT REST
 *   LIST NLST MLSD SIZE MDTM RETR STOR APPE DELE MKD RMD RNFR RNTO SITE CHMOD ABOR
 *
 * Anything else gets "502 Command not implemented." (AUTH TLS included: no TLS here).
 * Line endings are never converted: in TYPE A the wire bytes are the stored bytes, so a
 * test stores CRLF text to serve it and finds CRLF in what the client uploaded.
 * Paths are exact keys ("/dir/name"): relative ones are joined to the current folder,
 * "//" collapses, and nothing else is normalised ("/d/../evil" is a name of its own).
 *
 *   g_autoptr(OpTestFtpServer) server = op_test_ftp_server_new ();
 *   op_test_ftp_server_add_file (server, "/pub/a.bin", data, size);
 *   op_test_ftp_server_set_data_fault (server, OP_TEST_FTP_FAULT_DROP, 1000, 1);
 *   op_test_ftp_server_start (server, &error);
 *   … OpFtpClient against 127.0.0.1, op_test_ftp_server_get_port (server) …
 *   g_assert_true (op_test_ftp_server_received (server, "REST 1000"));
 *
 * Configure before op_test_ftp_server_start(); the tree and the faults may also be changed
 * while it runs (under a lock). Freeing the server stops it.
 */

/**
 * OpTestFtpFault:
 * @OP_TEST_FTP_FAULT_NONE: transfers complete.
 * @OP_TEST_FTP_FAULT_DROP: after N bytes, close the data connection and reply
 *   "426 Connection closed; transfer aborted." (as vsftpd does).
 * @OP_TEST_FTP_FAULT_DROP_SILENT: after N bytes, close the data connection and reply
 *   "226 Transfer complete." as if nothing happened.
 * @OP_TEST_FTP_FAULT_STALL: after N bytes, send (or read) nothing more but keep the data
 *   connection open, until the client sends ABOR or closes the control connection.
 * @OP_TEST_FTP_FAULT_DROP_CONTROL: after N bytes, close the data and the control
 *   connection without a reply.
 * @OP_TEST_FTP_FAULT_STALL_SILENT: after N bytes, send nothing more, and answer nothing
 *   (ABOR included) until the client closes the control connection: a hung server.
 * @OP_TEST_FTP_FAULT_STORE_SHORT: uploads only: read every byte but store only the first
 *   N, then "226 Transfer complete.": what a data connection cut after the client's last
 *   write leaves (everything written, N bytes arrived, then the end). Downloads are
 *   whole under it.
 */
typedef enum
{
  OP_TEST_FTP_FAULT_NONE,
  OP_TEST_FTP_FAULT_DROP,
  OP_TEST_FTP_FAULT_DROP_SILENT,
  OP_TEST_FTP_FAULT_STALL,
  OP_TEST_FTP_FAULT_DROP_CONTROL,
  OP_TEST_FTP_FAULT_STALL_SILENT,
  OP_TEST_FTP_FAULT_STORE_SHORT,
} OpTestFtpFault;

typedef struct _OpTestFtpServer OpTestFtpServer;

OpTestFtpServer *op_test_ftp_server_new              (void);
void             op_test_ftp_server_free             (OpTestFtpServer    *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpTestFtpServer, op_test_ftp_server_free)

/* The greeting as raw reply text, CRLFs included (default "220 Outpost test server.").
 * Multi-line greetings and odd continuation lines go here. */
void             op_test_ftp_server_set_greeting     (OpTestFtpServer    *self,
                                                      const char         *raw_reply);
/* Accept only this user and password (default: any, anonymous included). */
void             op_test_ftp_server_set_login        (OpTestFtpServer    *self,
                                                      const char         *user,
                                                      const char         *password);
/* The FEAT list, one feature per element ("MLST type*;size*;modify*;"); NULL for the
 * default: EPRT EPSV MDTM PASV REST STREAM SIZE UTF8. MLSD is served when "MLST" is. */
void             op_test_ftp_server_set_features     (OpTestFtpServer    *self,
                                                      const char * const *features);
/* The address the 227 reply advertises (default 127.0.0.1), e.g. a bogus "10.255.255.1":
 * the data listener is on 127.0.0.1 all the same. */
void             op_test_ftp_server_set_pasv_address (OpTestFtpServer    *self,
                                                      const char         *address);
/* Data connections send at most this many bytes a second (0: unlimited, the default). */
void             op_test_ftp_server_set_rate         (OpTestFtpServer    *self,
                                                      guint64             bytes_per_second);

/* The tree. Parent folders are created as needed. Every entry has the time
 * OP_TEST_FTP_SERVER_MTIME. */
#define OP_TEST_FTP_SERVER_MTIME G_GINT64_CONSTANT (1704164645)   /* 2024-01-02 03:04:05 UTC */
void             op_test_ftp_server_add_folder       (OpTestFtpServer    *self,
                                                      const char         *path);
void             op_test_ftp_server_add_file         (OpTestFtpServer    *self,
                                                      const char         *path,
                                                      const void         *data,
                                                      gsize               size);
/* LIST and MLSD of @folder send @raw (@length bytes, -1: nul-terminated; NULs allowed)
 * instead of the tree's entries (NLST still lists the tree): hostile names a tree
 * cannot hold. */
void             op_test_ftp_server_set_listing      (OpTestFtpServer    *self,
                                                      const char         *folder,
                                                      const char         *raw,
                                                      gssize              length);
/* (transfer full) (nullable): a file's bytes, NULL when there is no such file. */
GBytes          *op_test_ftp_server_dup_file         (OpTestFtpServer    *self,
                                                      const char         *path);

/* Faults. The next @times transfers (RETR, STOR, APPE; listings are not affected) fail
 * after @after_bytes bytes; later ones complete. */
void             op_test_ftp_server_set_data_fault   (OpTestFtpServer    *self,
                                                      OpTestFtpFault      fault,
                                                      guint64             after_bytes,
                                                      guint               times);
/* Answer @verb (upper case, e.g. "STOR", "EPSV", "PASS") with @raw_reply (CRLF included,
 * e.g. "552 Quota exceeded.\r\n") instead of doing it, @times times (0: always). A reply
 * starting with "421" closes the control connection after it; a NULL reply closes it
 * without a word. */
void             op_test_ftp_server_fail_command     (OpTestFtpServer    *self,
                                                      const char         *verb,
                                                      const char         *raw_reply,
                                                      guint               times);

/* Running. */
gboolean         op_test_ftp_server_start            (OpTestFtpServer    *self,
                                                      GError            **error);
guint16          op_test_ftp_server_get_port         (OpTestFtpServer    *self);
void             op_test_ftp_server_stop             (OpTestFtpServer    *self);

/* What happened: every command line received, in order over all connections, PASS
 * arguments included (it is a test). */
GStrv            op_test_ftp_server_dup_commands     (OpTestFtpServer    *self);
/* TRUE when a received line matches @glob (g_pattern_match_simple: "REST *", "USER*"). */
gboolean         op_test_ftp_server_received         (OpTestFtpServer    *self,
                                                      const char         *glob);
guint            op_test_ftp_server_get_n_connections (OpTestFtpServer   *self);
/* Waits up to @timeout_ms for a line matching @glob; TRUE when one arrived. */
gboolean         op_test_ftp_server_wait_for         (OpTestFtpServer    *self,
                                                      const char         *glob,
                                                      guint               timeout_ms);

G_END_DECLS
