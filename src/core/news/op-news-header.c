/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-news"

#include "config.h"

#include "op-news-header.h"

struct _OpNewsHeader
{
  GObject  parent_instance;

  guint64  number;
  char    *message_id;
  char    *subject;
  char    *author;
  gint64   date;
  guint64  bytes;
  guint64  lines;
  guint    depth;
  gboolean read;
};

G_DEFINE_FINAL_TYPE (OpNewsHeader, op_news_header, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_NUMBER,
  PROP_MESSAGE_ID,
  PROP_SUBJECT,
  PROP_AUTHOR,
  PROP_DATE,
  PROP_BYTES,
  PROP_LINES,
  PROP_DEPTH,
  PROP_READ,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
op_news_header_finalize (GObject *object)
{
  OpNewsHeader *self = OP_NEWS_HEADER (object);

  g_free (self->message_id);
  g_free (self->subject);
  g_free (self->author);
  G_OBJECT_CLASS (op_news_header_parent_class)->finalize (object);
}

static void
op_news_header_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  OpNewsHeader *self = OP_NEWS_HEADER (object);

  switch (prop_id)
    {
    case PROP_NUMBER: g_value_set_uint64 (value, self->number); break;
    case PROP_MESSAGE_ID: g_value_set_string (value, self->message_id); break;
    case PROP_SUBJECT: g_value_set_string (value, self->subject); break;
    case PROP_AUTHOR: g_value_set_string (value, self->author); break;
    case PROP_DATE: g_value_set_int64 (value, self->date); break;
    case PROP_BYTES: g_value_set_uint64 (value, self->bytes); break;
    case PROP_LINES: g_value_set_uint64 (value, self->lines); break;
    case PROP_DEPTH: g_value_set_uint (value, self->depth); break;
    case PROP_READ: g_value_set_boolean (value, self->read); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
op_news_header_class_init (OpNewsHeaderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->finalize = op_news_header_finalize;
  object_class->get_property = op_news_header_get_property;

  properties[PROP_NUMBER] = g_param_spec_uint64 ("number", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_MESSAGE_ID] = g_param_spec_string ("message-id", NULL, NULL, NULL, flags);
  properties[PROP_SUBJECT] = g_param_spec_string ("subject", NULL, NULL, NULL, flags);
  properties[PROP_AUTHOR] = g_param_spec_string ("author", NULL, NULL, NULL, flags);
  properties[PROP_DATE] = g_param_spec_int64 ("date", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags);
  properties[PROP_BYTES] = g_param_spec_uint64 ("bytes", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_LINES] = g_param_spec_uint64 ("lines", NULL, NULL, 0, G_MAXUINT64, 0, flags);
  properties[PROP_DEPTH] = g_param_spec_uint ("depth", NULL, NULL, 0, G_MAXUINT, 0, flags);
  properties[PROP_READ] = g_param_spec_boolean ("read", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
op_news_header_init (OpNewsHeader *self)
{
}

OpNewsHeader *
_op_news_header_new (guint64     number,
                     const char *message_id,
                     const char *subject,
                     const char *author,
                     gint64      date,
                     guint64     bytes,
                     guint64     lines,
                     guint       depth,
                     gboolean    read)
{
  OpNewsHeader *self = g_object_new (OP_TYPE_NEWS_HEADER, NULL);

  self->number = number;
  self->message_id = g_strdup (message_id);
  self->subject = g_strdup (subject);
  self->author = g_strdup (author);
  self->date = date;
  self->bytes = bytes;
  self->lines = lines;
  self->depth = depth;
  self->read = read;
  return self;
}

#define GETTER(type, name) \
  type op_news_header_get_##name (OpNewsHeader *self) \
  { \
    g_return_val_if_fail (OP_IS_NEWS_HEADER (self), 0); \
    return self->name; \
  }

GETTER (guint64, number)
GETTER (const char *, message_id)
GETTER (const char *, subject)
GETTER (const char *, author)
GETTER (gint64, date)
GETTER (guint64, bytes)
GETTER (guint64, lines)
GETTER (guint, depth)
GETTER (gboolean, read)
