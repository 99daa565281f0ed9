/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "news/op-news-server.h"

G_BEGIN_DECLS

#define OP_TYPE_NEWS_GROUPS_DIALOG (op_news_groups_dialog_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsGroupsDialog, op_news_groups_dialog, OP, NEWS_GROUPS_DIALOG, AdwWindow)

/*
 * A server's group list: filter as you type (name or description), each group with its
 * description, article count, a mark when posting is not allowed, and "New" for groups
 * first seen since the last visit; a check box subscribes and unsubscribes (in the
 * store at once: "subscriptions-changed" is emitted). The list comes from the store;
 * Refresh (and an empty store) asks the server through OpNewsServer. Closing the dialog
 * remembers the visit and destroys it.
 */

OpNewsGroupsDialog *
op_news_groups_dialog_new (GtkWindow *parent, OpNewsServer *server);
/* The groups shown now (after the filter). */
GListModel *
op_news_groups_dialog_get_shown (OpNewsGroupsDialog *self);
/* Subscribes or unsubscribes as the group's check box does. */
void
op_news_groups_dialog_set_subscribed (OpNewsGroupsDialog *self, const char *group,
                                      gboolean subscribed);

/* One group of the list (immutable but for its subscription). */
#define OP_TYPE_NEWS_GROUP_ITEM (op_news_group_item_get_type ())
G_DECLARE_FINAL_TYPE (OpNewsGroupItem, op_news_group_item, OP, NEWS_GROUP_ITEM, GObject)

const char *
op_news_group_item_get_name (OpNewsGroupItem *self);
const OpNewsGroup *
op_news_group_item_get_group (OpNewsGroupItem *self);

G_END_DECLS
