/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/**
 * OpOverwriteChoice:
 * @OP_OVERWRITE_ASK: no decision yet: ask the user (the default of a new transfer).
 * @OP_OVERWRITE_OVERWRITE: replace the target.
 * @OP_OVERWRITE_OVERWRITE_IF_NEWER: replace it if the source is newer, else skip.
 * @OP_OVERWRITE_RESUME: continue the target from its size (REST), when it is shorter
 *   than the source; skip it when it already has the source's size or more.
 * @OP_OVERWRITE_RENAME: write under a free name, "name (1).ext".
 * @OP_OVERWRITE_SKIP: leave the target alone and do not transfer.
 * @OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS: replace it if the sizes differ, else skip.
 *
 * What the user chose in the "target exists" dialog (persisted as "ask", "overwrite",
 * "overwrite-if-newer", "resume", "rename", "skip", "overwrite-if-size-differs").
 */
typedef enum
{
  OP_OVERWRITE_ASK,
  OP_OVERWRITE_OVERWRITE,
  OP_OVERWRITE_OVERWRITE_IF_NEWER,
  OP_OVERWRITE_RESUME,
  OP_OVERWRITE_RENAME,
  OP_OVERWRITE_SKIP,
  OP_OVERWRITE_OVERWRITE_IF_SIZE_DIFFERS,
} OpOverwriteChoice;

/**
 * OpOverwriteAction:
 * @OP_OVERWRITE_ACTION_ASK: a target exists and no decision applies: ask.
 * @OP_OVERWRITE_ACTION_WRITE: there is no target: just transfer.
 * @OP_OVERWRITE_ACTION_OVERWRITE: replace the existing target from the start.
 * @OP_OVERWRITE_ACTION_RESUME: continue the existing target (REST).
 * @OP_OVERWRITE_ACTION_RENAME: transfer under a free name (op_overwrite_free_name()).
 * @OP_OVERWRITE_ACTION_SKIP: do not transfer.
 */
typedef enum
{
  OP_OVERWRITE_ACTION_ASK,
  OP_OVERWRITE_ACTION_WRITE,
  OP_OVERWRITE_ACTION_OVERWRITE,
  OP_OVERWRITE_ACTION_RESUME,
  OP_OVERWRITE_ACTION_RENAME,
  OP_OVERWRITE_ACTION_SKIP,
} OpOverwriteAction;

#define OP_TYPE_OVERWRITE_CHOICE (op_overwrite_choice_get_type ())
GType       op_overwrite_choice_get_type    (void) G_GNUC_CONST;
const char *op_overwrite_choice_to_string   (OpOverwriteChoice  choice);
gboolean    op_overwrite_choice_from_string (const char        *string,
                                             OpOverwriteChoice *choice);
#define OP_TYPE_OVERWRITE_ACTION (op_overwrite_action_get_type ())
GType       op_overwrite_action_get_type    (void) G_GNUC_CONST;

/**
 * OpFileFacts:
 * @size: bytes, or -1 when unknown
 * @mtime: modification time in seconds since the epoch (UTC), or -1 when unknown
 */
typedef struct
{
  gint64 size;
  gint64 mtime;
} OpFileFacts;

/*
 * The overwrite policy, a pure function. @target NULL means no target exists
 * (→ WRITE, whatever the choice). Otherwise, by @choice:
 *   ASK                  → ASK
 *   OVERWRITE            → OVERWRITE
 *   OVERWRITE_IF_NEWER   → OVERWRITE when both times are known and the source's is later;
 *                          SKIP when equal, older or unknown (never overwrite on a guess)
 *   RESUME               → RESUME when the target is shorter than the source (or either
 *                          size is unknown: the engine then finds the offset itself);
 *                          SKIP when the target is as long as the source or longer
 *   OVERWRITE_IF_SIZE_DIFFERS → OVERWRITE when both sizes are known and differ; SKIP
 *                          when equal or unknown
 *   RENAME               → RENAME
 *   SKIP                 → SKIP
 */
OpOverwriteAction op_overwrite_decide (const OpFileFacts *source,
                                       const OpFileFacts *target,
                                       OpOverwriteChoice  choice);

/* Returns TRUE when @name is taken in the folder the caller has in mind. */
typedef gboolean (*OpNameTakenFunc) (const char *name,
                                     gpointer    user_data);

/*
 * The first free name after @name, "name (1).ext", "name (2).ext", …: the number goes
 * before the last extension (before ".tar.gz"-style double extensions, and at the end of
 * names without one or that start with a dot, ".profile (1)"). A name that already ends
 * in " (N)" counts on from N. NULL when 9999 tries are all taken. (transfer full)
 */
char *op_overwrite_free_name (const char      *name,
                              OpNameTakenFunc  taken,
                              gpointer         user_data);

G_END_DECLS
