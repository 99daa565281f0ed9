/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-mail"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <gmodule.h>

#include "op-mail-html-view.h"
#include "op-mime-part.h"

/* An inline image larger than this is not shown (DESIGN.md "Hostile input"). */
#define MAX_INLINE_IMAGE (32 * 1024 * 1024)

/* Between the remote-content bar and the web view. */
#define BAR_SPACING 6

struct _OpMailHtmlView
{
  GtkWidget            parent_instance;

  GtkWidget           *box;
  GtkWidget           *remote_bar;
  GtkWidget           *web_view;        /* from the module, made on first use */
  OpMailRemoteSenders *senders;
  OpMimeMessage       *message;
  char                *sender;          /* the From address, for "always" */
  gboolean             remote_blocked;
  gboolean             allow_remote;
  gboolean             loaded;
  gboolean             shown;           /* the message's HTML was on screen (a reload keeps it) */
  gboolean             waiting;         /* for the module to open */
  int                  width;           /* of the last allocation */
  guint                remeasure_id;
};

enum
{
  PROP_0,
  PROP_REMOTE_BLOCKED,
  PROP_LOADED,
  N_PROPS
};

enum
{
  LINK_ACTIVATED,
  FAILED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static const OpMailHtmlBackend *backend;
static GError *backend_error;        /* the module could not be opened (not tried again) */
static GPtrArray *backend_waiting;   /* GWeakRef of the views waiting while it opens */
static gboolean prewarm_wanted;      /* start WebKit once the module is open */
static gboolean web_view_made;       /* by a message view: nothing left to prewarm */

G_DEFINE_FINAL_TYPE (OpMailHtmlView, op_mail_html_view, GTK_TYPE_WIDGET)

gboolean
op_mail_html_view_backend_loaded (void)
{
  return backend != NULL;
}

/* The module, from $OUTPOST_MAIL_MODULE_DIR, the installed prefix, or (for a run from
 * the build tree) the build folder. Runs on a worker thread: mapping WebKit's libraries
 * took about 100 ms of the main thread's CPU time (tests/bench/bench-mail-view). */
static const OpMailHtmlBackend *
open_module (const char  *env_dir,
             GError     **error)
{
  const char *dirs[] = { env_dir, OP_MAIL_MODULE_DIR, OP_MAIL_BUILD_MODULE_DIR };
  g_autofree char *tried = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = NULL;
      GModule *module;
      OpMailHtmlBackendGetFunc get = NULL;

      if (dirs[i] == NULL || *dirs[i] == '\0')
        continue;
      path = g_build_filename (dirs[i], "liboutpost-mail-html.so", NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      module = g_module_open (path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
      if (module == NULL)
        {
          g_free (tried);
          tried = g_strdup (g_module_error ());
          continue;
        }
      if (!g_module_symbol (module, OP_MAIL_HTML_BACKEND_SYMBOL, (gpointer *) &get)
          || get == NULL || get ()->abi != OP_MAIL_HTML_BACKEND_ABI)
        {
          g_free (tried);
          tried = g_strdup_printf ("%s is not Outpost's HTML module of this version", path);
          g_module_close (module);
          continue;
        }
      return get ();
    }
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               _("HTML mail cannot be shown: the HTML module of Outpost is missing or "
                 "damaged (%s). Reinstall Outpost."),
               tried != NULL ? tried : "liboutpost-mail-html.so");
  return NULL;
}

static void
open_module_thread (GTask        *task,
                    gpointer      source,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  GError *error = NULL;
  const OpMailHtmlBackend *found = open_module (task_data, &error);

  if (found == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, (gpointer) found, NULL);
}

static void attach_web_view (OpMailHtmlView *self);

/* The module came (or not): every view waiting for it shows its message, or says why it
 * cannot. */
static void
on_module_opened (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr (GPtrArray) waiting = g_steal_pointer (&backend_waiting);

  backend = g_task_propagate_pointer (G_TASK (result), &backend_error);
  if (backend != NULL && prewarm_wanted && !web_view_made && waiting->len == 0)
    backend->prewarm ();
  for (guint i = 0; i < waiting->len; i++)
    {
      g_autoptr (OpMailHtmlView) self = g_weak_ref_get (g_ptr_array_index (waiting, i));

      if (self == NULL)
        continue;
      self->waiting = FALSE;
      if (self->message == NULL)
        continue;
      if (backend != NULL)
        attach_web_view (self);
      else
        g_signal_emit (self, signals[FAILED], 0, backend_error->message);
    }
}

static void
free_weak_ref (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* Waits for the module, opening it on a worker thread if nobody asked for it yet. */
/* Opens the module on a worker thread unless that is under way. */
static void
open_module_async (void)
{
  g_autoptr (GTask) task = NULL;

  if (backend_waiting != NULL)
    return;
  task = g_task_new (NULL, NULL, on_module_opened, NULL);
  backend_waiting = g_ptr_array_new_with_free_func (free_weak_ref);
  g_task_set_source_tag (task, open_module_async);
  g_task_set_task_data (task, g_strdup (g_getenv ("OUTPOST_MAIL_MODULE_DIR")), g_free);
  g_task_run_in_thread (task, open_module_thread);
}

static void
wait_for_module (OpMailHtmlView *self)
{
  GWeakRef *ref;

  if (self->waiting)
    return;
  self->waiting = TRUE;
  ref = g_new0 (GWeakRef, 1);
  g_weak_ref_init (ref, self);
  open_module_async ();
  g_ptr_array_add (backend_waiting, ref);
}

/**
 * op_mail_html_view_prewarm:
 *
 * Starts WebKit ahead of the first HTML message, so that message does not wait for it:
 * opens the module on a worker thread if it is not open, then has it start its web
 * process and network process with an empty page (OpMailHtmlBackend.prewarm). Once per
 * process; does nothing once a message view made a web view or the module failed.
 */
void
op_mail_html_view_prewarm (void)
{
  if (prewarm_wanted || web_view_made || backend_error != NULL)
    return;
  prewarm_wanted = TRUE;
  if (backend != NULL)
    backend->prewarm ();
  else
    open_module_async ();
}

static gboolean
prewarm_on_idle (gpointer unused)
{
  op_mail_html_view_prewarm ();
  return G_SOURCE_REMOVE;
}

static void
on_prewarm_frame (GdkFrameClock *clock,
                  gpointer       unused)
{
  g_signal_handlers_disconnect_by_func (clock, on_prewarm_frame, NULL);
  g_idle_add_full (G_PRIORITY_LOW, prewarm_on_idle, NULL, NULL);
}

/**
 * op_mail_html_view_prewarm_after_frame:
 * @shown: a mapped widget that shows what the user looks at (the Mail page's list)
 *
 * op_mail_html_view_prewarm() once the frame being made for @shown's window has been
 * painted and the main loop is idle: starting WebKit never delays what is on screen.
 */
void
op_mail_html_view_prewarm_after_frame (GtkWidget *shown)
{
  static gboolean asked;
  GdkFrameClock *clock;

  g_return_if_fail (GTK_IS_WIDGET (shown));

  if (asked || prewarm_wanted || web_view_made || backend_error != NULL)
    return;
  clock = gtk_widget_get_frame_clock (shown);
  if (clock == NULL)
    return;   /* not realized: asked again when it shows */
  asked = TRUE;
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_prewarm_frame), NULL);
  gtk_widget_queue_draw (shown);
}

gboolean
_op_mail_html_has_remote_content (const char *html)
{
  static GRegex *regex;

  if (html == NULL)
    return FALSE;
  if (g_once_init_enter (&regex))
    {
      GRegex *made = g_regex_new (
        "(?:\\b(?:src|srcset|background|poster|data|lowsrc|dynsrc)\\s*=\\s*[\"']?\\s*"
        "|\\burl\\s*\\(\\s*[\"']?\\s*|@import\\s+(?:url\\s*\\(\\s*)?[\"']?\\s*"
        "|<link\\b[^>]*\\bhref\\s*=\\s*[\"']?\\s*)"
        "(?:(?:https?|ftps?):)?(?://|\\\\\\\\)",
        G_REGEX_CASELESS | G_REGEX_OPTIMIZE | G_REGEX_RAW, 0, NULL);

      g_once_init_leave (&regex, made);
    }
  return g_regex_match (regex, html, 0, NULL);
}

static GBytes *
resolve_cid (const char  *content_id,
             char       **content_type,
             gpointer     user_data)
{
  OpMailHtmlView *self = user_data;
  OpMimePart *part;
  g_autoptr (GError) error = NULL;
  GBytes *bytes;

  if (self->message == NULL)
    return NULL;
  part = op_mime_message_find_content_id (self->message, content_id);
  if (part == NULL)
    return NULL;
  bytes = op_mime_part_get_bytes (part, MAX_INLINE_IMAGE, &error);
  if (bytes == NULL)
    {
      g_debug ("cid:%s not shown: %s", content_id, error->message);
      return NULL;
    }
  *content_type = g_strdup (op_mime_part_get_content_type (part));
  return bytes;
}

static void
link_activated (const char *uri,
                gpointer    user_data)
{
  OpMailHtmlView *self = user_data;

  g_signal_emit (self, signals[LINK_ACTIVATED], 0, uri);
}

/* Until a message's HTML is first loaded, its web view takes no room and is not drawn
 * (the message view shows the text there meanwhile); it is still allocated its width,
 * which the page is laid out and measured at. A reload of a shown message (remote
 * content, dark mode) keeps the former page until the new one is in. */
static void
show_web_view (OpMailHtmlView *self)
{
  if (self->web_view != NULL)
    {
      gtk_widget_set_opacity (self->web_view, self->shown ? 1.0 : 0.0);
      gtk_widget_set_can_target (self->web_view, self->shown);
    }
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static void
on_web_view_loaded (gpointer user_data)
{
  OpMailHtmlView *self = user_data;

  if (self->loaded)
    return;
  self->loaded = TRUE;
  if (!self->shown)
    {
      self->shown = TRUE;
      show_web_view (self);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
}

static void
set_remote_blocked (OpMailHtmlView *self,
                    gboolean        blocked)
{
  gtk_widget_set_visible (self->remote_bar, blocked);
  if (self->remote_blocked == blocked)
    return;
  self->remote_blocked = blocked;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REMOTE_BLOCKED]);
}

static void
reload (OpMailHtmlView *self)
{
  const char *html = op_mime_message_get_html (self->message);
  gboolean has_remote = _op_mail_html_has_remote_content (html);
  gboolean dark = adw_style_manager_get_dark (adw_style_manager_get_default ());

  set_remote_blocked (self, has_remote && !self->allow_remote);
  self->loaded = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_LOADED]);
  if (self->web_view == NULL)
    return;   /* the module is still opening: loaded once it is there */
  backend->load (self->web_view, html, self->allow_remote, dark);
}

/* Makes the web view (the first time) and loads the message into it. */
static void
attach_web_view (OpMailHtmlView *self)
{
  if (self->web_view == NULL)
    {
      self->web_view = backend->new_view (resolve_cid, link_activated, on_web_view_loaded, self);
      web_view_made = TRUE;
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->web_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      _("Mail: Message"), -1);
      gtk_box_append (GTK_BOX (self->box), self->web_view);
      show_web_view (self);
    }
  reload (self);
}

gboolean
op_mail_html_view_set_message (OpMailHtmlView  *self,
                               OpMimeMessage   *message,
                               GError         **error)
{
  GPtrArray *from;

  g_return_val_if_fail (OP_IS_MAIL_HTML_VIEW (self), FALSE);
  g_return_val_if_fail (OP_IS_MIME_MESSAGE (message), FALSE);
  g_return_val_if_fail (op_mime_message_get_html (message) != NULL, FALSE);

  if (backend_error != NULL)
    {
      g_propagate_error (error, g_error_copy (backend_error));
      return FALSE;
    }
  g_set_object (&self->message, message);
  self->shown = FALSE;
  show_web_view (self);
  from = op_mime_message_get_from (message);
  g_clear_pointer (&self->sender, g_free);
  if (from->len > 0)
    self->sender = g_strdup (((OpMimeAddress *) g_ptr_array_index (from, 0))->address);
  self->allow_remote = op_mail_remote_senders_contains (self->senders, self->sender);
  if (backend == NULL)
    {
      /* The first HTML message: shown once the module is open (::failed if it cannot be). */
      reload (self);
      wait_for_module (self);
      return TRUE;
    }
  attach_web_view (self);
  return TRUE;
}

void
op_mail_html_view_show_remote (OpMailHtmlView *self)
{
  g_return_if_fail (OP_IS_MAIL_HTML_VIEW (self));
  if (self->message == NULL || self->allow_remote)
    return;
  self->allow_remote = TRUE;
  reload (self);
}

void
op_mail_html_view_always_show_remote (OpMailHtmlView *self)
{
  g_return_if_fail (OP_IS_MAIL_HTML_VIEW (self));
  if (self->sender != NULL)
    op_mail_remote_senders_add (self->senders, self->sender);
  op_mail_html_view_show_remote (self);
}

gboolean
op_mail_html_view_get_remote_blocked (OpMailHtmlView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_HTML_VIEW (self), FALSE);
  return self->remote_blocked;
}

gboolean
op_mail_html_view_get_loaded (OpMailHtmlView *self)
{
  g_return_val_if_fail (OP_IS_MAIL_HTML_VIEW (self), FALSE);
  return self->loaded;
}

void
op_mail_html_view_run_script (OpMailHtmlView       *self,
                              const char           *script,
                              OpMailHtmlScriptFunc  callback,
                              gpointer              user_data)
{
  g_return_if_fail (OP_IS_MAIL_HTML_VIEW (self));
  g_return_if_fail (self->web_view != NULL);
  backend->run_script (self->web_view, script, callback, user_data);
}

void
op_mail_html_view_set_remote_senders (OpMailHtmlView      *self,
                                      OpMailRemoteSenders *senders)
{
  g_return_if_fail (OP_IS_MAIL_HTML_VIEW (self));
  if (senders == NULL)
    senders = op_mail_remote_senders_get_default ();
  g_set_object (&self->senders, senders);
}

static void
on_dark_changed (AdwStyleManager *manager,
                 GParamSpec      *pspec,
                 OpMailHtmlView  *self)
{
  if (self->message != NULL && self->web_view != NULL)
    reload (self);
}

static void
on_show_clicked (GtkButton      *button,
                 OpMailHtmlView *self)
{
  op_mail_html_view_show_remote (self);
}

static void
on_always_clicked (GtkButton      *button,
                   OpMailHtmlView *self)
{
  op_mail_html_view_always_show_remote (self);
}

static gboolean
remeasure (gpointer user_data)
{
  OpMailHtmlView *self = user_data;

  self->remeasure_id = 0;
  if (self->web_view != NULL)
    backend->remeasure (self->web_view);
  return G_SOURCE_REMOVE;
}

static void
op_mail_html_view_measure (GtkWidget      *widget,
                           GtkOrientation  orientation,
                           int             for_size,
                           int            *minimum,
                           int            *natural,
                           int            *minimum_baseline,
                           int            *natural_baseline)
{
  OpMailHtmlView *self = OP_MAIL_HTML_VIEW (widget);

  if (orientation == GTK_ORIENTATION_VERTICAL && !self->shown)
    {
      /* Not loaded yet: the bar and the space under it, where the web view starts. */
      *minimum = *natural = 0;
      if (gtk_widget_get_visible (self->remote_bar))
        {
          gtk_widget_measure (self->remote_bar, orientation, for_size, minimum, natural, NULL, NULL);
          *minimum += BAR_SPACING;
          *natural += BAR_SPACING;
        }
      return;
    }
  gtk_widget_measure (self->box, orientation, for_size, minimum, natural,
                      minimum_baseline, natural_baseline);
}

/* The bar's label and buttons wrap: its height depends on the width given. */
static GtkSizeRequestMode
op_mail_html_view_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

/* A new width reflows the message: its height is measured again once the allocation
 * is over (a size request can't change inside it). */
static void
op_mail_html_view_size_allocate (GtkWidget *widget,
                                 int        width,
                                 int        height,
                                 int        baseline)
{
  OpMailHtmlView *self = OP_MAIL_HTML_VIEW (widget);

  if (!self->shown)
    {
      /* The web view still gets its width, below the view's own height (not drawn). */
      int box_height;

      gtk_widget_measure (self->box, GTK_ORIENTATION_VERTICAL, width, &box_height, NULL, NULL, NULL);
      height = MAX (height, box_height);
      baseline = -1;
    }
  gtk_widget_allocate (self->box, width, height, baseline, NULL);
  if (width != self->width && self->loaded && self->remeasure_id == 0)
    self->remeasure_id = g_idle_add (remeasure, self);
  self->width = width;
}

static void
op_mail_html_view_dispose (GObject *object)
{
  OpMailHtmlView *self = OP_MAIL_HTML_VIEW (object);

  g_clear_handle_id (&self->remeasure_id, g_source_remove);
  if (self->web_view != NULL)
    backend->forget (self->web_view);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  self->web_view = NULL;
  self->remote_bar = NULL;
  g_clear_object (&self->message);
  g_clear_object (&self->senders);
  g_clear_pointer (&self->sender, g_free);
  G_OBJECT_CLASS (op_mail_html_view_parent_class)->dispose (object);
}

static void
op_mail_html_view_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  OpMailHtmlView *self = OP_MAIL_HTML_VIEW (object);

  switch (prop_id)
    {
    case PROP_REMOTE_BLOCKED:
      g_value_set_boolean (value, self->remote_blocked);
      break;
    case PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_mail_html_view_class_init (OpMailHtmlViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = op_mail_html_view_dispose;
  object_class->get_property = op_mail_html_view_get_property;

  properties[PROP_REMOTE_BLOCKED] =
    g_param_spec_boolean ("remote-blocked", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[LINK_ACTIVATED] =
    g_signal_new ("link-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                  NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  widget_class->get_request_mode = op_mail_html_view_get_request_mode;
  widget_class->measure = op_mail_html_view_measure;
  widget_class->size_allocate = op_mail_html_view_size_allocate;
}

static void
op_mail_html_view_init (OpMailHtmlView *self)
{
  GtkWidget *label, *buttons, *show, *always;

  self->senders = g_object_ref (op_mail_remote_senders_get_default ());
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, BAR_SPACING);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  /* The label above its buttons, which wrap under each other in a narrow window. */
  self->remote_bar = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (self->remote_bar, "op-mail-remote-bar");
  label = gtk_label_new (_("Remote content in this message was blocked to protect your privacy."));
  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  buttons = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (buttons), GTK_SELECTION_NONE);
  gtk_flow_box_set_min_children_per_line (GTK_FLOW_BOX (buttons), 1);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (buttons), 2);
  gtk_flow_box_set_column_spacing (GTK_FLOW_BOX (buttons), 6);
  gtk_flow_box_set_row_spacing (GTK_FLOW_BOX (buttons), 6);
  gtk_widget_set_hexpand (buttons, TRUE);
  show = gtk_button_new_with_mnemonic (_("_Show Remote Content"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (show), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Show Remote Content"), -1);
  always = gtk_button_new_with_mnemonic (_("_Always From Sender"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (always), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Mail: Always Show Remote Content From Sender"), -1);
  g_signal_connect (show, "clicked", G_CALLBACK (on_show_clicked), self);
  g_signal_connect (always, "clicked", G_CALLBACK (on_always_clicked), self);
  gtk_flow_box_append (GTK_FLOW_BOX (buttons), show);
  gtk_flow_box_append (GTK_FLOW_BOX (buttons), always);
  gtk_box_append (GTK_BOX (self->remote_bar), label);
  gtk_box_append (GTK_BOX (self->remote_bar), buttons);
  gtk_widget_set_visible (self->remote_bar, FALSE);
  gtk_box_append (GTK_BOX (self->box), self->remote_bar);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (on_dark_changed), self, 0);
}

GtkWidget *
op_mail_html_view_new (void)
{
  return g_object_new (OP_TYPE_MAIL_HTML_VIEW, NULL);
}
