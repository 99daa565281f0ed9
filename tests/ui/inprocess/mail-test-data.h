/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "op-mail-store.h"
#include "op-mime-message.h"

G_BEGIN_DECLS

/*
 * The messages of tests/data/mail/view/ for the Mail view's tests, as bytes (with
 * "REMOTE_PORT" replaced by @port) and parsed. Both fail the test on error.
 */
GBytes        *mail_test_load  (const char *name,
                                int         port);
OpMimeMessage *mail_test_parse (GBytes     *bytes);

/* A mail account (no server: nothing is synced) saved in the profile's accounts file
 * (XDG_CONFIG_HOME), with an identity named @sender when given, and its store
 * (op_mail_store_default_path()), opened. Fails the test on error. */
OpMailStore   *mail_test_add_account (const char *id,
                                      const char *name,
                                      const char *user,
                                      const char *sender);

/* The account mail_test_fill_profile() writes. */
#define MAIL_TEST_ACCOUNT "test-account-work"

/*
 * Fills the profile (XDG_CONFIG_HOME, XDG_DATA_HOME) through the store's own code, for
 * the Mail page: a mail account "Work" in the accounts file (no server: nothing is
 * synced; one identity, "Me Myself <me@example.test>"), and its store with INBOX,
 * Sent, Drafts, Trash, "Lists" (not selectable) and "Lists/GNOME". The Inbox holds:
 *   - "Plans for the release" by Bob (read) and Ann's reply plain-quoted.eml (unread):
 *     one conversation of 2 there; my reply in Sent makes it 3 messages in all;
 *   - html-remote.eml (read, flagged);
 *   - hostile-attachments.eml (unread, with attachments);
 *   - "关于发布计划" from 王芳 (read).
 * Lists/GNOME holds one message. Fails the test on error.
 */
void           mail_test_fill_profile (void);

/* The account mail_test_fill_second_account() writes. */
#define MAIL_TEST_ACCOUNT_HOME "test-account-home"

/*
 * Adds a second mail account "Home" (no server) to the profile, its store with INBOX
 * and Trash; the Inbox holds "Dinner on Saturday" from Carol (2 Dec 2026, unread) and
 * "Holiday photos" from Dave (28 Nov 2026, read). Fails the test on error.
 */
void           mail_test_fill_second_account (void);

G_END_DECLS
