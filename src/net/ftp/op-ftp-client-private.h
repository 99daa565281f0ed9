/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-ftp-client.h"
#include "op-progress.h"
#include "op-rate-limit.h"
#include "op-session.h"

G_BEGIN_DECLS

/*
 * OpFtpClient is one type in four files (STYLE.md "-private.h"):
 *   op-ftp-client.c    the session: settings, reply reader, greeting, FEAT, AUTH TLS,
 *                      login and reconnection, jobs, keep-alive, the simple commands
 *   op-ftp-data.c      the data channel: EPSV/PASV/EPRT/PORT, TLS resumption, ABOR
 *   op-ftp-transfer.c  moving bytes: progress, RETR/STOR, listings, files
 *   op-ftp-tree.c      the remote tree: stat, MKD/DELE/RMD/rename/chmod, and the
 *                      recursive operations
 * Everything here runs on the session's worker unless it says otherwise.
 */

/* One read or write on a data connection. Large enough that a 1 GiB transfer costs few
 * system calls, small enough to stay far below the 16 MiB RSS budget (issue 3). */
#define OP_FTP_DATA_BUFFER_SIZE (256 * 1024)

/* The settings one job runs with: the session's timeout and FTP's own. */
typedef struct
{
  guint          timeout;
  char          *charset;          /* NULL: UTF-8 */
  OpFtpDataMode  data_mode;
  gboolean       trust_pasv;
  OpRateLimit   *download_limit;   /* (nullable) shared with other sessions */
  OpRateLimit   *upload_limit;
} OpFtpSettings;

struct _OpFtpClient
{
  OpSession        parent_instance;

  /* Settings: written on the main thread, read by the worker, under the session's
   * settings lock. */
  char            *charset;
  OpFtpDataMode    data_mode;
  gboolean         trust_pasv;
  OpRateLimit     *download_limit;
  OpRateLimit     *upload_limit;
  /* Credentials of the last successful login, to reconnect after a dropped connection. */
  char            *user;
  char            *password;
  char            *account;
  gboolean         want_connected;   /* connect succeeded and no QUIT since */
  gint64           last_activity;    /* monotonic usec of the last command */

  /* Main context. */
  guint            keepalive_interval;
  GSource         *keepalive_source;
  gboolean         keepalive_pending;  /* a keep-alive NOOP is queued */

  /* Worker only. */
  GHashTable      *w_features;       /* (nullable) */
  char            *w_system;
  gboolean         w_feat_refused;   /* FEAT before login was refused: ask after it */
  char             w_type;           /* 'A', 'I' or 0 when unknown */
  gboolean         w_epsv_failed;
  gboolean         w_prot_p;
  gint64           w_announced_size; /* the last RETR's "150 … (N bytes)", or -1 */
};

/* --- progress (op-ftp-transfer.c) ------------------------------------------------------ */

typedef struct _OpFtpSink OpFtpSink;

/* (main thread) NULL when @func is NULL (@notify is then called at once). */
OpFtpSink  *_op_ftp_sink_new        (GTask             *task,
                                     OpFtpProgressFunc  func,
                                     gpointer           data,
                                     GDestroyNotify     notify);
void        _op_ftp_sink_free       (OpFtpSink         *sink);
void        _op_ftp_sink_set_file   (OpFtpSink         *sink,
                                     const char        *path,
                                     guint              files_done);
void        _op_ftp_sink_set_total  (OpFtpSink         *sink,
                                     guint              files_total);
/* A step without bytes (a file deleted or changed). */
void        _op_ftp_sink_tick       (OpFtpSink         *sink);
void        _op_ftp_sink_finish     (OpFtpSink         *sink);

typedef struct
{
  OpFtpSink *sink;
  guint64    base;     /* bytes before this transfer (resumed part, earlier files) */
  guint64    total;    /* for progress; 0 when unknown */
} OpFtpMeter;

void        _op_ftp_meter_update    (OpFtpMeter        *meter,
                                     guint64            moved);

/* --- jobs (op-ftp-client.c) ------------------------------------------------------------- */

typedef struct _OpFtpJob OpFtpJob;

/* Runs with a logged-in session (reconnected if it had dropped), the caller's paths in
 * the site's charset in @job->wire and @job->wire2. Returns the result
 * (OP_SESSION_JOB_OK for a boolean call) or NULL with @error. */
typedef gpointer (*OpFtpJobFunc) (OpFtpClient          *self,
                                  OpFtpJob             *job,
                                  const OpFtpSettings  *s,
                                  GCancellable         *cancellable,
                                  GError              **error);

struct _OpFtpJob
{
  OpFtpJobFunc        func;
  const char         *verb;      /* a call of one command: its verb (static) and kind */
  OpFtpCommandKind    kind;
  char               *path;      /* UTF-8 from the caller */
  char               *path2;
  char               *wire;      /* @path in the site's charset */
  char               *wire2;
  char               *secret;    /* a password, wiped when freed */
  GFile              *file;
  guint               mode;
  OpFtpTransferFlags  flags;
  OpFtpListFlags      list_flags;
  OpFtpChmodTargets   chmod_targets;
  OpFtpSink          *sink;
  guint64             result;    /* SIZE */
  gint64              known_size; /* a download's size from a listing, or -1 */
  gint64              known_mtime; /* and its time to the second, or 0 */
};

/* (main thread) A call's job, for _op_ftp_client_call(). */
OpFtpJob   *_op_ftp_job_new               (OpFtpJobFunc          func,
                                           const char           *path);
/* (main thread) Queues @job (transfer full) for the call @source_tag (its _async). */
void        _op_ftp_client_call           (OpFtpClient          *self,
                                           OpFtpJob             *job,
                                           gpointer              source_tag,
                                           GDestroyNotify        result_free,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
/* The same on a task made already (a transfer's progress needs it), with @flags: a
 * transfer's own result stands over a cancel that lands after it finished
 * (OP_SESSION_JOB_RESULT_OVER_CANCEL). */
void        _op_ftp_client_queue          (OpFtpClient          *self,
                                           GTask                *task,
                                           OpFtpJob             *job,
                                           GDestroyNotify        result_free,
                                           OpSessionJobFlags     flags);
/* (main thread) Queues a call on one path (or none). */
void        _op_ftp_client_simple_call    (OpFtpClient          *self,
                                           OpFtpJobFunc          func,
                                           gpointer              source_tag,
                                           const char           *path,
                                           GDestroyNotify        result_free,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
/* (main thread) Queues a call that is one command (@verb: a static string) on one path
 * (or none), which must succeed with a 2yz reply. */
void        _op_ftp_client_command_call   (OpFtpClient          *self,
                                           const char           *verb,
                                           OpFtpCommandKind      kind,
                                           gpointer              source_tag,
                                           const char           *path,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);
/* (main thread) The job and task of a call with a local file (or none) and progress
 * (op-ftp-transfer.c); the caller queues them with _op_ftp_client_queue(). */
OpFtpJob   *_op_ftp_transfer_job_new      (OpFtpClient          *self,
                                           OpFtpJobFunc          func,
                                           gpointer              source_tag,
                                           const char           *remote_path,
                                           GFile                *local,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data,
                                           GTask               **task);
/* (main thread) Both, queued: a boolean call without more in its job. */
void        _op_ftp_client_queue_transfer (OpFtpClient          *self,
                                           OpFtpJobFunc          func,
                                           gpointer              source_tag,
                                           const char           *remote_path,
                                           GFile                *local,
                                           OpFtpTransferFlags    flags,
                                           OpFtpProgressFunc     progress,
                                           gpointer              progress_data,
                                           GDestroyNotify        progress_notify,
                                           GCancellable         *cancellable,
                                           GAsyncReadyCallback   callback,
                                           gpointer              user_data);

/* --- the control connection (op-ftp-client.c) ------------------------------------------- */

gboolean    _op_ftp_client_has_feature    (OpFtpClient          *self,
                                           const char           *name);
/* The next reply; 1yz preliminary replies are skipped unless @preliminary_ok (a 1yz
 * leaves the command open: its final reply is still due). */
OpFtpReply *_op_ftp_client_read_reply     (OpFtpClient          *self,
                                           gboolean              preliminary_ok,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* A command that must succeed with a reply of class @expected_class (2 or 3). */
OpFtpReply *_op_ftp_client_command_expect (OpFtpClient          *self,
                                           const char           *verb,
                                           const char           *argument,
                                           guint                 expected_class,
                                           OpFtpCommandKind      kind,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean    _op_ftp_client_command_ok     (OpFtpClient          *self,
                                           const char           *verb,
                                           const char           *argument,
                                           OpFtpCommandKind      kind,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* The error for a reply that is not the @expected_class one. (transfer full) */
GError     *_op_ftp_client_reply_error    (const OpFtpReply     *reply,
                                           const char           *verb,
                                           OpFtpCommandKind      kind);

/* Names: UTF-8 from the caller → the site's bytes. */
char       *_op_ftp_to_wire               (const OpFtpSettings  *s,
                                           const char           *utf8,
                                           GError              **error);
char       *_op_ftp_wire_join             (const char           *dir,
                                           const char           *name);

/* --- the data channel (op-ftp-data.c) --------------------------------------------------- */

typedef struct _OpFtpData OpFtpData;

/* EPSV/PASV (passive) or EPRT/PORT (active), as the settings say. */
OpFtpData  *_op_ftp_data_prepare          (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           GCancellable         *cancellable,
                                           GError              **error);
void        _op_ftp_data_free             (OpFtpData            *data);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (OpFtpData, _op_ftp_data_free)
/* The stream to read or write, once started. (transfer none) */
GIOStream  *_op_ftp_data_get_stream       (OpFtpData            *data);
/* Closes the data stream's TLS and then its socket: what the server reads as the end of
 * an upload. */
gboolean    _op_ftp_data_end_upload       (OpFtpData            *data,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* REST first when @offset > 0, then VERB, its 1yz (*@started) and the data connection. */
gboolean    _op_ftp_start_transfer        (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           OpFtpData            *data,
                                           const char           *verb,
                                           const char           *wire_path,
                                           guint64               offset,
                                           OpFtpCommandKind      kind,
                                           gboolean             *started,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* After the data connection closed: the transfer's final reply. */
gboolean    _op_ftp_finish_transfer       (OpFtpClient          *self,
                                           const char           *verb,
                                           OpFtpCommandKind      kind,
                                           guint64               moved,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* ABOR after a transfer that failed once started; @error may become the server's why. */
void        _op_ftp_abort_and_explain     (OpFtpClient          *self,
                                           OpFtpData            *data,
                                           const char           *verb,
                                           GError              **error);
/* A data connection's failure: "stopped after N bytes" (cancellation and FTP errors pass). */
void        _op_ftp_transfer_error        (GError              **error,
                                           GError               *cause,
                                           guint64               moved);

/* --- transfers (op-ftp-transfer.c) ------------------------------------------------------ */

OpFtpListing *_op_ftp_list_dir            (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           const char           *wire_path,
                                           OpFtpListFlags        flags,
                                           GCancellable         *cancellable,
                                           GError              **error);
char       *_op_ftp_local_path            (GFile                *file,
                                           GError              **error);
void        _op_ftp_local_error           (GError              **error,
                                           int                   saved_errno,
                                           const char           *format,
                                           ...) G_GNUC_PRINTF (3, 4);
gboolean    _op_ftp_download_file         (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           const char           *wire_path,
                                           const char           *path,
                                           OpFtpTransferFlags    flags,
                                           OpFtpMeter           *meter,
                                           gint64                known_size,
                                           gint64                known_mtime,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean    _op_ftp_upload_file           (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           const char           *path,
                                           const char           *wire_path,
                                           OpFtpTransferFlags    flags,
                                           OpFtpMeter           *meter,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* (@want_size) SIZE and (@want_time) MDTM, both optional: a refusal just means
 * "unknown" (-1, 0); so does a question not asked. */
void        _op_ftp_remote_size_and_time  (OpFtpClient          *self,
                                           const char           *wire_path,
                                           gboolean              want_size,
                                           gboolean              want_time,
                                           gint64               *size,
                                           gint64               *mtime,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean    _op_ftp_set_type              (OpFtpClient          *self,
                                           gboolean              ascii,
                                           GCancellable         *cancellable,
                                           GError              **error);

/* --- the remote tree (op-ftp-tree.c) ---------------------------------------------------- */

OpFtpEntry *_op_ftp_client_stat_path      (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           const char           *wire_path,
                                           GCancellable         *cancellable,
                                           GError              **error);
/* MKD; after a vague refusal, @existing says what is there (OP_FTP_ENTRY_UNKNOWN: none). */
gboolean    _op_ftp_client_make_dir       (OpFtpClient          *self,
                                           const OpFtpSettings  *s,
                                           const char           *wire_path,
                                           OpFtpEntryType       *existing,
                                           GCancellable         *cancellable,
                                           GError              **error);
gboolean    _op_ftp_client_chmod_one      (OpFtpClient          *self,
                                           const char           *wire_path,
                                           guint                 mode,
                                           GCancellable         *cancellable,
                                           GError              **error);

G_END_DECLS
