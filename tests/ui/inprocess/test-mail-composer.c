/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-ui-test"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "op-mail-composer.h"
#include "op-mail-identity-item.h"
#include "mail-test-data.h"
#include "op-ui-test-utils.h"

/* The composer against real messages (tests/data/mail/view/): what it builds is parsed
 * back with the MIME code and checked header by header. */

static OpMimeMessage *
load (const char *name)
{
  g_autoptr (GBytes) bytes = mail_test_load (name, 0);

  return mail_test_parse (bytes);
}

static GListModel *
identities (void)
{
  GListStore *store = g_list_store_new (OP_TYPE_MAIL_IDENTITY_ITEM);
  g_autoptr (OpMailIdentityItem) work = op_mail_identity_item_new ("acct-1", "Me Myself", "me@example.test",
                                                          "Me Myself\nExample Ltd.");
  g_autoptr (OpMailIdentityItem) home = op_mail_identity_item_new ("acct-2", "Me at Home", "me@home.test",
                                                          "Cheers, me");

  g_list_store_append (store, home);
  g_list_store_append (store, work);
  return G_LIST_MODEL (store);
}

static OpMailComposer *
new_composer (GtkWindow **window)
{
  g_autoptr (GListModel) mine = identities ();
  OpMailComposer *composer = OP_MAIL_COMPOSER (op_mail_composer_new ());

  op_mail_composer_set_identities (composer, mine);
  *window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (*window, 760, 640);
  gtk_window_set_child (*window, GTK_WIDGET (composer));
  gtk_window_present (*window);
  op_ui_test_iterate ();
  return composer;
}

static char *
body (OpMailComposer *composer)
{
  GtkTextBuffer *buffer = op_mail_composer_get_body (composer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  return gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
}

typedef struct
{
  gboolean        done;
  OpMailOutgoing *outgoing;
  GError         *error;
} Built;

static void
on_built (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Built *built = user_data;

  built->outgoing = op_mail_composer_build_finish (OP_MAIL_COMPOSER (source), result, &built->error);
  built->done = TRUE;
}

static gboolean
build_finished (gpointer data)
{
  return ((Built *) data)->done;
}

static OpMailOutgoing *
build (OpMailComposer *composer,
       GError        **error)
{
  Built built = { FALSE, NULL, NULL };

  op_mail_composer_build_async (composer, NULL, on_built, &built);
  g_assert_true (op_ui_test_wait_for (build_finished, &built));
  if (built.error != NULL)
    g_propagate_error (error, built.error);
  return built.outgoing;
}

static void
test_reply_all_quoting_threading (void)
{
  g_autoptr (OpMimeMessage) original = load ("plain-quoted.eml");
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (OpMimeMessage) sent = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *attachment_path = NULL;
  g_autoptr (GFile) attachment = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("outpost-compose-XXXXXX", NULL);
  const char * const *references;
  g_autoptr (GPtrArray) attachments = NULL;

  op_mail_composer_start_reply (composer, original, OP_MIME_REPLY_ALL);
  op_ui_test_iterate ();

  /* From: the identity the original came to (the second in the list). */
  g_assert_cmpuint (gtk_drop_down_get_selected (op_mail_composer_get_from_dropdown (composer)), ==, 1);
  /* To the sender; Cc the other recipients, less the user. */
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_to_entry (composer)), ==,
                   "Ann Example <ann@example.test>");
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_cc_entry (composer)), ==,
                   "Bob <bob@example.test>, Carol <carol@example.test>");
  /* "Re:" is not doubled. */
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_subject_entry (composer)), ==,
                   "Re: Plans for the release");
  /* A line to write on, the identity's signature, then the attributed quote. */
  text = body (composer);
  g_assert_true (g_str_has_prefix (text, "\n\n-- \nMe Myself\nExample Ltd.\n\n"));
  g_assert_nonnull (strstr (text, "wrote:\n> Hi all,\n"));
  g_assert_nonnull (strstr (text, "\n>> Can we ship on Friday?\n"));

  /* Changing From swaps the signature, wherever the user typed. */
  {
    GtkTextBuffer *buffer = op_mail_composer_get_body (composer);
    GtkTextIter start;
    g_autofree char *changed = NULL;

    gtk_text_buffer_get_start_iter (buffer, &start);
    gtk_text_buffer_insert (buffer, &start, "Friday works.", -1);
    gtk_drop_down_set_selected (op_mail_composer_get_from_dropdown (composer), 0);
    changed = body (composer);
    g_assert_true (g_str_has_prefix (changed, "Friday works.\n\n-- \nCheers, me\n\n"));
    g_assert_null (strstr (changed, "Example Ltd."));
    gtk_drop_down_set_selected (op_mail_composer_get_from_dropdown (composer), 1);
  }

  /* An attachment from a file. */
  attachment_path = g_build_filename (tmp, "notes.txt", NULL);
  g_file_set_contents (attachment_path, "release notes\n", -1, &error);
  g_assert_no_error (error);
  attachment = g_file_new_for_path (attachment_path);
  op_mail_composer_add_file (composer, attachment);
  g_assert_cmpuint (op_mail_composer_get_n_files (composer), ==, 1);

  outgoing = build (composer, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (outgoing->account_id, ==, "acct-1");
  g_assert_cmpstr (outgoing->envelope_from, ==, "me@example.test");
  g_assert_cmpuint (g_strv_length (outgoing->recipients), ==, 3);
  g_assert_true (g_strv_contains ((const char * const *) outgoing->recipients, "ann@example.test"));
  g_assert_true (g_strv_contains ((const char * const *) outgoing->recipients, "carol@example.test"));
  g_assert_nonnull (outgoing->message_id);

  sent = mail_test_parse (outgoing->message);
  /* Threading: In-Reply-To the original, References its References then its id. */
  g_assert_cmpstr (op_mime_message_get_in_reply_to (sent), ==, "reply-2@example.test");
  references = op_mime_message_get_references (sent);
  g_assert_cmpuint (g_strv_length ((char **) references), ==, 2);
  g_assert_cmpstr (references[0], ==, "start-1@example.test");
  g_assert_cmpstr (references[1], ==, "reply-2@example.test");
  g_assert_cmpstr (op_mime_message_get_message_id (sent), ==, outgoing->message_id);
  g_assert_cmpstr (op_mime_message_get_subject (sent), ==, "Re: Plans for the release");
  g_assert_cmpstr (((OpMimeAddress *) g_ptr_array_index (op_mime_message_get_from (sent), 0))->address,
                   ==, "me@example.test");
  g_assert_cmpuint (op_mime_message_get_cc (sent)->len, ==, 2);
  g_assert_nonnull (strstr (op_mime_message_get_text (sent), ">> Can we ship on Friday?"));
  attachments = op_mime_message_dup_attachments (sent);
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpstr (op_mime_part_get_filename (g_ptr_array_index (attachments, 0)), ==, "notes.txt");
  {
    g_autoptr (GBytes) content = op_mime_part_get_bytes (g_ptr_array_index (attachments, 0), 1024, &error);

    g_assert_no_error (error);
    g_assert_cmpmem (g_bytes_get_data (content, NULL), g_bytes_get_size (content), "release notes\n", 14);
  }

  g_unlink (attachment_path);
  g_rmdir (tmp);
  gtk_window_destroy (window);
}

static void
test_bcc_only_in_copy (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (OpMimeMessage) sent = NULL;
  g_autoptr (OpMimeMessage) copy = NULL;
  g_autoptr (GError) error = NULL;

  op_mail_composer_start_new (composer);
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "Ann <ann@example.test>");
  gtk_editable_set_text (op_mail_composer_get_bcc_entry (composer), "secret@example.test");
  gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), "你好");
  outgoing = build (composer, &error);
  g_assert_no_error (error);
  g_assert_true (g_strv_contains ((const char * const *) outgoing->recipients, "secret@example.test"));
  sent = mail_test_parse (outgoing->message);
  copy = mail_test_parse (outgoing->copy);
  g_assert_cmpuint (op_mime_message_get_bcc (sent)->len, ==, 0);
  g_assert_cmpuint (op_mime_message_get_bcc (copy)->len, ==, 1);
  g_assert_cmpstr (op_mime_message_get_subject (sent), ==, "你好");
  /* A new message is no reply. */
  g_assert_null (op_mime_message_get_in_reply_to (sent));
  g_assert_nonnull (strstr (op_mime_message_get_text (sent), "-- \nCheers, me"));
  gtk_window_destroy (window);
}

static void
test_forward_as_attachment (void)
{
  g_autoptr (OpMimeMessage) original = load ("hostile-attachments.eml");
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (OpMimeMessage) sent = NULL;
  g_autoptr (GPtrArray) attachments = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (op_mail_composer_start_forward (composer, original, OP_MIME_FORWARD_ATTACHMENT, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (gtk_editable_get_text (op_mail_composer_get_subject_entry (composer)), ==,
                   "Fwd: Files for you");
  g_assert_nonnull (op_ui_test_find_label (GTK_WIDGET (composer), "Files for you.eml"));
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "dave@example.test");
  outgoing = build (composer, &error);
  g_assert_no_error (error);
  sent = mail_test_parse (outgoing->message);
  attachments = op_mime_message_dup_attachments (sent);
  g_assert_cmpuint (attachments->len, ==, 1);
  g_assert_cmpstr (op_mime_part_get_content_type (g_ptr_array_index (attachments, 0)), ==, "message/rfc822");
  g_assert_nonnull (op_mime_part_get_message (g_ptr_array_index (attachments, 0)));
  g_assert_cmpstr (op_mime_message_get_subject (op_mime_part_get_message (g_ptr_array_index (attachments, 0))),
                   ==, "Files for you");

  /* Inline: the original's text under a header block, its attachments again. */
  g_clear_pointer (&outgoing, op_mail_outgoing_unref);
  g_clear_object (&sent);
  g_clear_pointer (&attachments, g_ptr_array_unref);
  g_assert_true (op_mail_composer_start_forward (composer, original, OP_MIME_FORWARD_INLINE, &error));
  g_assert_no_error (error);
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "dave@example.test");
  outgoing = build (composer, &error);
  g_assert_no_error (error);
  sent = mail_test_parse (outgoing->message);
  g_assert_nonnull (strstr (op_mime_message_get_text (sent), "Forwarded message"));
  g_assert_nonnull (strstr (op_mime_message_get_text (sent), "Four files."));
  attachments = op_mime_message_dup_attachments (sent);
  g_assert_cmpuint (attachments->len, ==, 4);
  gtk_window_destroy (window);
}

static void
test_invalid_address_named (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (GError) error = NULL;

  op_mail_composer_start_new (composer);
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "ann@example.test, bob");
  /* Marked as it is typed. */
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (op_mail_composer_get_to_entry (composer)), "error"));
  outgoing = build (composer, &error);
  g_assert_null (outgoing);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INVALID_ADDRESS);
  g_assert_true (g_str_has_prefix (error->message, "To: “ann@example.test, bob” is not a list of mail addresses."));
  g_clear_error (&error);

  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "");
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (op_mail_composer_get_to_entry (composer)), "error"));
  outgoing = build (composer, &error);
  g_assert_error (error, OP_MIME_ERROR, OP_MIME_ERROR_INCOMPLETE);
  g_assert_cmpstr (error->message, ==, "Add at least one recipient in To, Cc or Bcc.");
  gtk_window_destroy (window);
}

static void
test_formatting_as_html (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  GtkTextBuffer *buffer = op_mail_composer_get_body (composer);
  g_autoptr (OpMailOutgoing) outgoing = NULL;
  g_autoptr (OpMimeMessage) sent = NULL;
  g_autoptr (GError) error = NULL;
  GtkTextIter start, end;
  const char *html;

  op_mail_composer_start_new (composer);
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "ann@example.test");
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_insert (buffer, &start, "Plain <and> bold\nnext line", -1);

  /* Without Formatting, no bold and no HTML. */
  gtk_text_buffer_get_iter_at_offset (buffer, &start, 12);
  gtk_text_buffer_get_iter_at_offset (buffer, &end, 16);
  gtk_text_buffer_select_range (buffer, &start, &end);
  gtk_widget_activate_action (GTK_WIDGET (composer), "composer.bold", NULL);
  gtk_text_buffer_get_iter_at_offset (buffer, &start, 13);
  g_assert_false (gtk_text_iter_has_tag (&start, gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "bold")));
  outgoing = build (composer, &error);
  g_assert_no_error (error);
  sent = mail_test_parse (outgoing->message);
  g_assert_null (op_mime_message_get_html (sent));
  g_clear_pointer (&outgoing, op_mail_outgoing_unref);
  g_clear_object (&sent);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.rich-text", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.bold", NULL));
  gtk_text_buffer_get_iter_at_offset (buffer, &start, 0);
  gtk_text_buffer_get_iter_at_offset (buffer, &end, 16);
  gtk_text_buffer_select_range (buffer, &start, &end);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (composer), "composer.italic", NULL));
  outgoing = build (composer, &error);
  g_assert_no_error (error);
  sent = mail_test_parse (outgoing->message);
  html = op_mime_message_get_html (sent);
  g_assert_nonnull (html);
  /* Nested the same way in every run, the text escaped, the lines kept. */
  g_assert_nonnull (strstr (html, "<i>Plain &lt;and&gt; </i><b><i>bold</i></b><br>\nnext line"));
  g_assert_true (g_str_has_prefix (op_mime_message_get_text (sent), "Plain <and> bold\nnext line"));
  gtk_window_destroy (window);
}

/* A submitter that records what it is given, as the store's outbox will take it. */
#define TEST_TYPE_SUBMITTER (test_submitter_get_type ())
G_DECLARE_FINAL_TYPE (TestSubmitter, test_submitter, TEST, SUBMITTER, GObject)

struct _TestSubmitter
{
  GObject         parent_instance;
  OpMailOutgoing *submitted;
  OpMailOutgoing *draft;
  char           *replaces;
  guint           drafts;
  char           *prefix;       /* the last address lookup's */
};

static void test_submitter_iface_init (OpMailSubmitterInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestSubmitter, test_submitter, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (OP_TYPE_MAIL_SUBMITTER, test_submitter_iface_init))

static void
test_submitter_finalize (GObject *object)
{
  TestSubmitter *self = TEST_SUBMITTER (object);

  g_clear_pointer (&self->submitted, op_mail_outgoing_unref);
  g_clear_pointer (&self->draft, op_mail_outgoing_unref);
  g_free (self->replaces);
  g_free (self->prefix);
  G_OBJECT_CLASS (test_submitter_parent_class)->finalize (object);
}

static void
test_submitter_class_init (TestSubmitterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_submitter_finalize;
}

static void
test_submitter_init (TestSubmitter *self)
{
}

static void
submit_async (OpMailSubmitter     *submitter,
              OpMailOutgoing      *outgoing,
              GCancellable        *cancellable,
              GAsyncReadyCallback  callback,
              gpointer             user_data)
{
  TestSubmitter *self = TEST_SUBMITTER (submitter);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_clear_pointer (&self->submitted, op_mail_outgoing_unref);
  self->submitted = op_mail_outgoing_ref (outgoing);
  g_task_return_boolean (task, TRUE);
}

static gboolean
submit_finish (OpMailSubmitter  *self,
               GAsyncResult     *result,
               GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_draft_async (OpMailSubmitter     *submitter,
                  OpMailOutgoing      *draft,
                  const char          *replaces,
                  GCancellable        *cancellable,
                  GAsyncReadyCallback  callback,
                  gpointer             user_data)
{
  TestSubmitter *self = TEST_SUBMITTER (submitter);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_clear_pointer (&self->draft, op_mail_outgoing_unref);
  self->draft = op_mail_outgoing_ref (draft);
  g_free (self->replaces);
  self->replaces = g_strdup (replaces);
  self->drafts++;
  g_task_return_boolean (task, TRUE);
}

/* Two known addresses, as the store would list them for "an". */
static void
complete_address_async (OpMailSubmitter     *submitter,
                        const char          *account_id,
                        const char          *prefix,
                        guint                limit,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  TestSubmitter *self = TEST_SUBMITTER (submitter);
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  GPtrArray *found = g_ptr_array_new_with_free_func (g_free);

  g_free (self->prefix);
  self->prefix = g_strdup (prefix);
  if (g_str_equal (prefix, "an"))
    {
      g_ptr_array_add (found, g_strdup ("Ann Example <ann@example.test>"));
      g_ptr_array_add (found, g_strdup ("Andrew <andrew@example.test>"));
    }
  g_task_return_pointer (task, found, (GDestroyNotify) g_ptr_array_unref);
}

static GPtrArray *
complete_address_finish (OpMailSubmitter  *self,
                         GAsyncResult     *result,
                         GError          **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_submitter_iface_init (OpMailSubmitterInterface *iface)
{
  iface->complete_address_async = complete_address_async;
  iface->complete_address_finish = complete_address_finish;
  iface->submit_async = submit_async;
  iface->submit_finish = submit_finish;
  iface->save_draft_async = save_draft_async;
  iface->save_draft_finish = submit_finish;
}

/* A button by its label, shown or not (op_ui_test_find_button() wants it mapped). */
static GtkButton *
any_button (GtkWidget  *root,
            const char *label)
{
  if (GTK_IS_BUTTON (root) && g_strcmp0 (gtk_button_get_label (GTK_BUTTON (root)), label) == 0)
    return GTK_BUTTON (root);
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkButton *found = any_button (child, label);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
was_sent (gpointer data)
{
  return *(gboolean *) data;
}

static void
on_sent (OpMailComposer *composer,
         gboolean       *sent)
{
  *sent = TRUE;
}

static gboolean
drafts_at_least (gpointer data)
{
  TestSubmitter *submitter = g_object_get_data (G_OBJECT (data), "submitter");
  guint wanted = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (data), "wanted"));

  return submitter->drafts >= wanted
         && gtk_widget_is_sensitive (GTK_WIDGET (op_ui_test_find_button (data, "Save _Draft")));
}

static void
test_send_and_drafts_through_submitter (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (TestSubmitter) submitter = g_object_new (TEST_TYPE_SUBMITTER, NULL);
  GtkButton *send;
  gboolean sent = FALSE;

  /* Without the store's outbox there is nothing to send with: no Send, no Save Draft. */
  send = any_button (GTK_WIDGET (composer), "_Send");
  g_assert_nonnull (send);
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (send)));
  g_assert_false (gtk_widget_get_visible (GTK_WIDGET (any_button (GTK_WIDGET (composer), "Save _Draft"))));

  /* Only the buttons here; saving as the user writes is the next test. */
  op_mail_composer_set_autosave_interval (composer, 0);
  op_mail_composer_set_submitter (composer, OP_MAIL_SUBMITTER (submitter));
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (send)));
  op_ui_test_iterate ();
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "ann@example.test");
  gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), "Drafted");

  /* Two saves: the second replaces the first draft. */
  g_object_set_data (G_OBJECT (composer), "submitter", submitter);
  g_object_set_data (G_OBJECT (composer), "wanted", GUINT_TO_POINTER (1));
  gtk_widget_activate (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (composer), "Save _Draft")));
  g_assert_true (op_ui_test_wait_for (drafts_at_least, composer));
  g_assert_null (submitter->replaces);
  g_object_set_data (G_OBJECT (composer), "wanted", GUINT_TO_POINTER (2));
  gtk_widget_activate (GTK_WIDGET (op_ui_test_find_button (GTK_WIDGET (composer), "Save _Draft")));
  g_assert_true (op_ui_test_wait_for (drafts_at_least, composer));
  g_assert_nonnull (submitter->replaces);
  g_assert_cmpstr (submitter->replaces, !=, submitter->draft->message_id);

  g_signal_connect (composer, "sent", G_CALLBACK (on_sent), &sent);
  gtk_widget_activate (GTK_WIDGET (send));
  g_assert_true (op_ui_test_wait_for (was_sent, &sent));
  g_assert_nonnull (submitter->submitted);
  g_assert_cmpstr (submitter->submitted->recipients[0], ==, "ann@example.test");
  g_assert_null (submitter->submitted->recipients[1]);
  gtk_window_destroy (window);
}

static GtkWidget *
find_widget (GtkWidget *root,
             GType      type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_widget (child, type);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static gboolean
popover_shown (gpointer data)
{
  return gtk_widget_get_visible (GTK_WIDGET (data));
}

static void
test_address_completion (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (TestSubmitter) submitter = g_object_new (TEST_TYPE_SUBMITTER, NULL);
  GtkWidget *to = GTK_WIDGET (op_mail_composer_get_to_entry (composer));
  GtkWidget *popover = find_widget (to, GTK_TYPE_POPOVER);
  GtkListBox *list;
  GtkListBoxRow *row;

  op_mail_composer_set_autosave_interval (composer, 0);
  op_mail_composer_set_submitter (composer, OP_MAIL_SUBMITTER (submitter));
  g_assert_nonnull (popover);
  list = GTK_LIST_BOX (find_widget (popover, GTK_TYPE_LIST_BOX));
  gtk_widget_grab_focus (to);
  op_ui_test_iterate ();

  /* One letter is not looked up; two are, the address after the last comma only. */
  gtk_editable_set_text (GTK_EDITABLE (to), "bob@example.test, a");
  op_ui_test_iterate ();
  g_assert_null (submitter->prefix);
  gtk_editable_set_text (GTK_EDITABLE (to), "bob@example.test, an");
  g_assert_true (op_ui_test_wait_for (popover_shown, popover));
  g_assert_cmpstr (submitter->prefix, ==, "an");
  row = gtk_list_box_get_row_at_index (list, 1);
  g_assert_nonnull (row);
  g_assert_null (gtk_list_box_get_row_at_index (list, 2));
  /* The first is chosen; a click takes the second in place of what was typed. */
  g_assert_true (gtk_list_box_get_selected_row (list) == gtk_list_box_get_row_at_index (list, 0));
  g_signal_emit_by_name (list, "row-activated", row);
  op_ui_test_iterate ();
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (to)), ==,
                   "bob@example.test, Andrew <andrew@example.test>, ");
  g_assert_false (gtk_widget_get_visible (popover));

  /* Nothing known: no list. */
  gtk_editable_set_text (GTK_EDITABLE (to), "zz");
  op_ui_test_iterate ();
  g_assert_cmpstr (submitter->prefix, ==, "zz");
  g_assert_false (gtk_widget_get_visible (popover));
  gtk_window_destroy (window);
  op_ui_test_iterate ();
}

static gboolean
first_draft (gpointer data)
{
  return TEST_SUBMITTER (data)->drafts >= 1;
}

static void
test_drafts_saved_while_writing (void)
{
  GtkWindow *window;
  OpMailComposer *composer = new_composer (&window);
  g_autoptr (TestSubmitter) submitter = g_object_new (TEST_TYPE_SUBMITTER, NULL);
  g_autoptr (OpMimeMessage) draft = NULL;
  GtkTextIter start;

  op_mail_composer_set_autosave_interval (composer, 1);
  op_mail_composer_set_submitter (composer, OP_MAIL_SUBMITTER (submitter));
  /* Filling the fields is no change of the user's. */
  op_mail_composer_start_new (composer);
  op_mail_composer_save_draft_if_changed (composer);
  op_ui_test_iterate ();
  g_assert_cmpuint (submitter->drafts, ==, 0);

  gtk_editable_set_text (op_mail_composer_get_subject_entry (composer), "Half written");
  gtk_text_buffer_get_start_iter (op_mail_composer_get_body (composer), &start);
  gtk_text_buffer_insert (op_mail_composer_get_body (composer), &start, "Dear Ann,", -1);
  /* Saved on its own a second after the last change, with no recipient yet. */
  g_assert_true (op_ui_test_wait_for (first_draft, submitter));
  g_assert_cmpuint (submitter->drafts, ==, 1);
  draft = mail_test_parse (submitter->draft->copy);
  g_assert_cmpstr (op_mime_message_get_subject (draft), ==, "Half written");
  g_assert_true (g_str_has_prefix (op_mime_message_get_text (draft), "Dear Ann,"));

  /* On close: saved only when something changed since. */
  op_ui_test_iterate ();
  op_mail_composer_save_draft_if_changed (composer);
  op_ui_test_iterate ();
  g_assert_cmpuint (submitter->drafts, ==, 1);
  gtk_editable_set_text (op_mail_composer_get_to_entry (composer), "ann@example.test");
  op_mail_composer_save_draft_if_changed (composer);
  g_object_set_data (G_OBJECT (composer), "submitter", submitter);
  g_object_set_data (G_OBJECT (composer), "wanted", GUINT_TO_POINTER (2));
  g_assert_true (op_ui_test_wait_for (drafts_at_least, composer));
  g_assert_cmpstr (submitter->replaces, ==, op_mime_message_get_message_id (draft));
  gtk_window_destroy (window);
}

int
main (int   argc,
      char *argv[])
{
  op_ui_test_init (&argc, &argv);

  g_test_add_func ("/mail/composer/reply-all/quoting-threading-attachment", test_reply_all_quoting_threading);
  g_test_add_func ("/mail/composer/new/bcc-only-in-copy", test_bcc_only_in_copy);
  g_test_add_func ("/mail/composer/forward/attachment-and-inline", test_forward_as_attachment);
  g_test_add_func ("/mail/composer/address/invalid-named", test_invalid_address_named);
  g_test_add_func ("/mail/composer/formatting/html-alternative", test_formatting_as_html);
  g_test_add_func ("/mail/composer/submitter/send-and-drafts", test_send_and_drafts_through_submitter);
  g_test_add_func ("/mail/composer/submitter/drafts-while-writing", test_drafts_saved_while_writing);
  g_test_add_func ("/mail/composer/address/completion", test_address_completion);

  return op_ui_test_run ();
}
