/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news-ui"

#include "config.h"

#include <glib/gi18n.h>

#include "mail/op-mail-account.h"
#include "op-accounts.h"
#include "op-mime.h"
#include "op-news-composer.h"
#include "op-ui-resources.h"

/* The account's extra key of the last From posted with it. */
#define FROM_KEY "news-from"

struct _OpNewsComposer
{
  AdwWindow parent_instance;

  GtkButton   *post_button;
  GtkButton   *save_button;
  GtkSpinner  *spinner;
  GtkLabel    *error_label;
  GtkEntry    *from_entry;
  GtkEntry    *newsgroups_entry;
  GtkEntry    *followup_entry;
  GtkEntry    *subject_entry;
  GtkTextView *body_view;

  OpNewsServer *server;
  GStrv         references;
  char         *supersedes; /* the Message-ID this article replaces, or NULL */
  GCancellable *cancellable;
};

enum
{
  POSTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (OpNewsComposer, op_news_composer, ADW_TYPE_WINDOW)

static void
show_error (OpNewsComposer *self, const char *text)
{
  gtk_label_set_text (self->error_label, text != NULL ? text : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), text != NULL);
}

static void
set_busy (OpNewsComposer *self, gboolean busy)
{
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_sensitive (GTK_WIDGET (self->post_button), !busy);
  gtk_text_view_set_editable (self->body_view, !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->from_entry), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->newsgroups_entry), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->followup_entry), !busy);
  gtk_editable_set_editable (GTK_EDITABLE (self->subject_entry), !busy);
}

OpNewsDraft *
op_news_composer_dup_draft (OpNewsComposer *self)
{
  OpNewsDraft  *draft;
  GtkTextBuffer *buffer;
  GtkTextIter   start, end;
  const char   *followup;

  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);

  draft = op_news_draft_new (gtk_editable_get_text (GTK_EDITABLE (self->newsgroups_entry)));
  g_free (draft->from);
  draft->from = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->from_entry)));
  followup = gtk_editable_get_text (GTK_EDITABLE (self->followup_entry));
  draft->followup_to = *followup != '\0' ? g_strdup (followup) : NULL;
  g_free (draft->subject);
  draft->subject = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->subject_entry)));
  draft->references = g_strdupv (self->references);
  buffer = gtk_text_view_get_buffer (self->body_view);
  gtk_text_buffer_get_bounds (buffer, &start, &end);
  g_free (draft->body);
  draft->body = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
  return draft;
}

GtkEditable *
op_news_composer_get_from_entry (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->from_entry);
}

GtkEditable *
op_news_composer_get_newsgroups_entry (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->newsgroups_entry);
}

GtkEditable *
op_news_composer_get_followup_entry (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->followup_entry);
}

GtkEditable *
op_news_composer_get_subject_entry (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);
  return GTK_EDITABLE (self->subject_entry);
}

GtkTextBuffer *
op_news_composer_get_body (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);
  return gtk_text_view_get_buffer (self->body_view);
}

const char *
op_news_composer_get_error (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);

  return gtk_widget_get_visible (GTK_WIDGET (self->error_label))
             ? gtk_label_get_text (self->error_label)
             : "";
}

char *
op_news_composer_default_from (OpAccount *account)
{
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  const char *last = account != NULL ? op_account_get_extra (account, FROM_KEY) : NULL;
  guint       n;

  if (last != NULL && *last != '\0')
    return g_strdup (last);
  if (!op_accounts_load (accounts, NULL))
    return g_strdup ("");
  n = g_list_model_get_n_items (G_LIST_MODEL (accounts));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (OpAccount) mail = g_list_model_get_item (G_LIST_MODEL (accounts), i);
      g_autoptr (GPtrArray) identities = NULL;
      OpMailIdentity *identity;

      if (!op_mail_account_is_mail (mail))
        continue;
      identities = op_mail_account_dup_identities (mail);
      if (identities == NULL || identities->len == 0)
        continue;
      identity = g_ptr_array_index (identities, 0);
      if (identity->name != NULL && *identity->name != '\0')
        return g_strdup_printf ("%s <%s>", identity->name, identity->address);
      return g_strdup (identity->address);
    }
  return g_strdup ("");
}

/* The From of a posted article, for the next one: in the account and in the profile. */
static void
remember_from (OpNewsComposer *self, const char *from)
{
  OpAccount *account = op_news_server_get_account (self->server);
  g_autoptr (OpAccounts) accounts = op_accounts_new_default ();
  g_autoptr (GError) error = NULL;
  OpAccount *saved;

  if (g_strcmp0 (op_account_get_extra (account, FROM_KEY), from) == 0)
    return;
  op_account_set_extra (account, FROM_KEY, from);
  /* A server added in this session is in the profile; a test's server may not be. */
  if (!op_accounts_load (accounts, &error)
      || (saved = op_accounts_lookup (accounts, op_account_get_id (account))) == NULL)
    return;
  op_account_set_extra (saved, FROM_KEY, from);
  if (!op_accounts_save (accounts, &error))
    g_message ("The From for the next article was not saved: %s", error->message);
}

static void
posted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsComposer) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id
      = op_news_server_withdraw_finish (OP_NEWS_SERVER (source), result, &error);

  if (message_id == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_clear_object (&self->cancellable);
      set_busy (self, FALSE);
      {
        /* Translators: %s is the news server's reason, as it gave it */
        g_autofree char *text = g_strdup_printf (
            _ ("The article was not posted: %s\n\nIt is still here: correct it and post it "
               "again, or save it as a file."),
            error->message);

        show_error (self, text);
      }
      return;
    }
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  remember_from (self, gtk_editable_get_text (GTK_EDITABLE (self->from_entry)));
  g_signal_emit (self, signals[POSTED], 0, message_id);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_post_clicked (OpNewsComposer *self)
{
  g_autoptr (OpNewsDraft) draft = NULL;
  g_autoptr (GBytes) article = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *message_id = NULL;

  if (self->cancellable != NULL)
    return;
  draft = op_news_composer_dup_draft (self);
  article = op_news_draft_to_article (draft, &message_id, &error);
  if (article == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  /* Every article goes out with a Cancel-Lock (RFC 8315), so it can be cancelled or
   * superseded from here later; a replacement carries the old one's Cancel-Key too. */
  if (self->supersedes != NULL)
    op_news_server_supersede_async (self->server, self->supersedes, article, self->cancellable,
                                    posted, g_object_ref (self));
  else
    op_news_server_post_locked_async (self->server, article, self->cancellable, posted,
                                      g_object_ref (self));
}

void
op_news_composer_set_supersedes (OpNewsComposer *self, const char *message_id)
{
  g_return_if_fail (OP_IS_NEWS_COMPOSER (self));

  g_free (self->supersedes);
  self->supersedes = g_strdup (message_id);
  gtk_window_set_title (GTK_WINDOW (self),
                        message_id != NULL ? _ ("Supersede Article") : _ ("New Article"));
  gtk_button_set_label (self->post_button, message_id != NULL ? _ ("_Replace") : _ ("_Post"));
}

const char *
op_news_composer_get_supersedes (OpNewsComposer *self)
{
  g_return_val_if_fail (OP_IS_NEWS_COMPOSER (self), NULL);

  return self->supersedes;
}

/* Saving as a file: the fields as typed, so nothing is lost even when they are not yet a
 * valid article. */

static void
saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (OpNewsComposer) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_file_replace_contents_finish (G_FILE (source), result, NULL, &error))
    {
      g_autofree char *text
          = g_strdup_printf (_ ("The article could not be saved: %s"), error->message);

      show_error (self, text);
    }
}

void
op_news_composer_save_to (OpNewsComposer *self, GFile *file)
{
  g_autoptr (OpNewsDraft) draft = NULL;
  g_autofree char *references = NULL;
  g_autoptr (GString) text = g_string_new (NULL);
  g_autoptr (GBytes) bytes = NULL;

  g_return_if_fail (OP_IS_NEWS_COMPOSER (self));
  g_return_if_fail (G_IS_FILE (file));

  draft = op_news_composer_dup_draft (self);
  references = draft->references != NULL ? g_strjoinv ("> <", draft->references) : NULL;
  /* Header names are wire text: not translated. */
  g_string_append_printf (text, "From: %s\nNewsgroups: %s\n", draft->from, draft->newsgroups);
  if (draft->followup_to != NULL)
    g_string_append_printf (text, "Followup-To: %s\n", draft->followup_to);
  g_string_append_printf (text, "Subject: %s\n", draft->subject);
  if (references != NULL)
    g_string_append_printf (text, "References: <%s>\n", references);
  g_string_append_printf (text, "\n%s", draft->body);
  bytes = g_string_free_to_bytes (g_steal_pointer (&text));
  g_file_replace_contents_bytes_async (file, bytes, NULL, FALSE, G_FILE_CREATE_NONE, NULL, saved,
                                       g_object_ref (self));
}

static void
on_save_response (GtkNativeDialog *chooser, int response, OpNewsComposer *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));

      op_news_composer_save_to (self, file);
    }
  /* The last reference: its fallback dialog goes with it (tests/ui/README.md). */
  g_object_unref (chooser);
  g_object_unref (self);
}

static void
on_save_clicked (OpNewsComposer *self)
{
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (_ ("Save Article"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _ ("_Save"), NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "article.txt");
  g_signal_connect (chooser, "response", G_CALLBACK (on_save_response), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
post_action (GtkWidget *widget, const char *name, GVariant *parameter)
{
  on_post_clicked (OP_NEWS_COMPOSER (widget));
}

static void
op_news_composer_dispose (GObject *object)
{
  OpNewsComposer *self = OP_NEWS_COMPOSER (object);

  /* A POST already sent is answered by the server either way (the core posts it through OpNewsServer). */
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->server);
  g_clear_pointer (&self->references, g_strfreev);
  g_clear_pointer (&self->supersedes, g_free);
  G_OBJECT_CLASS (op_news_composer_parent_class)->dispose (object);
}

static void
op_news_composer_class_init (OpNewsComposerClass *klass)
{
  GObjectClass   *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_news_composer_dispose;

  /**
   * OpNewsComposer::posted:
   * @message_id: the article's Message-ID, with angle brackets
   *
   * The server accepted the article (240).
   */
  signals[POSTED] = g_signal_new ("posted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  _op_ui_ensure_resources ();
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/outpost/Outpost/news/op-news-composer.ui");
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, post_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, save_button);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, spinner);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, error_label);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, from_entry);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, newsgroups_entry);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, followup_entry);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, subject_entry);
  gtk_widget_class_bind_template_child (widget_class, OpNewsComposer, body_view);
  gtk_widget_class_bind_template_callback (widget_class, on_post_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_install_action (widget_class, "composer.post", NULL, post_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "composer.post", NULL);
}

static void
op_news_composer_init (OpNewsComposer *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* Never larger than the window it is opened from: over a narrow one (a phone's 360 px)
 * the composer takes its width, which its fields and text fit (they ask about 320 px),
 * instead of its usual 720 px that the screen would cut. */
static void
fit_parent (OpNewsComposer *self, GtkWindow *parent)
{
  int width = 0, height = 0;
  int parent_width, parent_height;

  if (parent == NULL)
    return;
  parent_width = gtk_widget_get_width (GTK_WIDGET (parent));
  parent_height = gtk_widget_get_height (GTK_WIDGET (parent));
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  if (parent_width > 0 && parent_width < width)
    width = parent_width;
  if (parent_height > 0 && parent_height < height)
    height = parent_height;
  gtk_window_set_default_size (GTK_WINDOW (self), width, height);
}

OpNewsComposer *
op_news_composer_new (GtkWindow *parent, OpNewsServer *server, const OpNewsDraft *draft)
{
  OpNewsComposer *self;
  g_autofree char *from = NULL;

  g_return_val_if_fail (OP_IS_NEWS_SERVER (server), NULL);
  g_return_val_if_fail (draft != NULL, NULL);

  self = g_object_new (OP_TYPE_NEWS_COMPOSER, "transient-for", parent, NULL);
  fit_parent (self, parent);
  self->server = g_object_ref (server);
  self->references = g_strdupv (draft->references);
  from = draft->from != NULL && *draft->from != '\0'
             ? g_strdup (draft->from)
             : op_news_composer_default_from (op_news_server_get_account (server));
  gtk_editable_set_text (GTK_EDITABLE (self->from_entry), from);
  gtk_editable_set_text (GTK_EDITABLE (self->newsgroups_entry),
                         draft->newsgroups != NULL ? draft->newsgroups : "");
  gtk_editable_set_text (GTK_EDITABLE (self->followup_entry),
                         draft->followup_to != NULL ? draft->followup_to : "");
  gtk_editable_set_text (GTK_EDITABLE (self->subject_entry),
                         draft->subject != NULL ? draft->subject : "");
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (self->body_view),
                            draft->body != NULL ? draft->body : "", -1);
  if (draft->references != NULL)
    gtk_window_set_title (GTK_WINDOW (self), _ ("Follow-up"));
  /* A follow-up starts below the quote; a new article at its subject or groups. */
  if (draft->references != NULL)
    {
      GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->body_view);
      GtkTextIter    end;

      gtk_text_buffer_get_end_iter (buffer, &end);
      gtk_text_buffer_place_cursor (buffer, &end);
      gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->body_view));
    }
  else
    gtk_window_set_focus (GTK_WINDOW (self),
                          GTK_WIDGET (*gtk_editable_get_text (GTK_EDITABLE (self->newsgroups_entry))
                                              != '\0'
                                          ? self->subject_entry
                                          : self->newsgroups_entry));
  return self;
}
