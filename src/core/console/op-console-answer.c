/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-console"

#include "config.h"

#include "op-console-answer.h"

struct _OpConsoleAnswer
{
  GObject  parent_instance;

  char    *kind;
  char    *text;
  char    *address;
};

G_DEFINE_FINAL_TYPE (OpConsoleAnswer, op_console_answer, G_TYPE_OBJECT)

static void
op_console_answer_finalize (GObject *object)
{
  OpConsoleAnswer *self = OP_CONSOLE_ANSWER (object);

  g_free (self->kind);
  g_free (self->text);
  g_free (self->address);

  G_OBJECT_CLASS (op_console_answer_parent_class)->finalize (object);
}

static void
op_console_answer_class_init (OpConsoleAnswerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_console_answer_finalize;
}

static void
op_console_answer_init (OpConsoleAnswer *self)
{
}

OpConsoleAnswer *
op_console_answer_new (const char *kind,
                       const char *text,
                       const char *address)
{
  OpConsoleAnswer *self;

  g_return_val_if_fail (kind != NULL && text != NULL, NULL);

  self = g_object_new (OP_TYPE_CONSOLE_ANSWER, NULL);
  self->kind = g_strdup (kind);
  self->text = g_strdup (text);
  self->address = g_strdup (address);

  return self;
}

const char *
op_console_answer_get_kind (OpConsoleAnswer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_ANSWER (self), NULL);
  return self->kind;
}

const char *
op_console_answer_get_text (OpConsoleAnswer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_ANSWER (self), NULL);
  return self->text;
}

const char *
op_console_answer_get_address (OpConsoleAnswer *self)
{
  g_return_val_if_fail (OP_IS_CONSOLE_ANSWER (self), NULL);
  return self->address;
}
