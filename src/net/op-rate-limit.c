/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-rate-limit"

#include "config.h"

#include <glib/gi18n.h>

#include "op-rate-limit.h"

/* Tokens kept at most: a fifth of a second's worth. Enough that a worker woken late on
 * a busy machine loses no bandwidth; small enough that a burst after an idle spell moves
 * a rounding error of a long transfer. */
#define BUCKET_DIVISOR 5
/* One read or write: a twentieth of a second's worth, so progress stays smooth. */
#define CHUNK_DIVISOR  20
#define CHUNK_MIN      1024

struct _OpRateLimit
{
  GObject  parent_instance;

  GMutex   lock;
  GCond    cond;       /* a new rate */
  guint64  rate;       /* bytes per second; 0: unlimited */
  double   tokens;     /* negative: a debt to sleep off */
  gint64   last;       /* monotonic usec of the last refill */
};

G_DEFINE_FINAL_TYPE (OpRateLimit, op_rate_limit, G_TYPE_OBJECT)

static double
capacity (guint64 rate)
{
  return MAX ((double) rate / BUCKET_DIVISOR, (double) CHUNK_MIN);
}

/* Under @lock. */
static void
refill (OpRateLimit *self,
        gint64       now)
{
  if (self->rate > 0 && now > self->last)
    {
      self->tokens += (double) (now - self->last) * (double) self->rate / G_USEC_PER_SEC;
      self->tokens = MIN (self->tokens, capacity (self->rate));
    }
  self->last = now;
}

static void
op_rate_limit_finalize (GObject *object)
{
  OpRateLimit *self = OP_RATE_LIMIT (object);

  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);

  G_OBJECT_CLASS (op_rate_limit_parent_class)->finalize (object);
}

static void
op_rate_limit_class_init (OpRateLimitClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = op_rate_limit_finalize;
}

static void
op_rate_limit_init (OpRateLimit *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->last = g_get_monotonic_time ();
}

OpRateLimit *
op_rate_limit_new (guint64 bytes_per_second)
{
  OpRateLimit *self = g_object_new (OP_TYPE_RATE_LIMIT, NULL);

  self->rate = bytes_per_second;
  return self;
}

guint64
op_rate_limit_get_rate (OpRateLimit *self)
{
  guint64 rate;

  g_return_val_if_fail (OP_IS_RATE_LIMIT (self), 0);

  g_mutex_lock (&self->lock);
  rate = self->rate;
  g_mutex_unlock (&self->lock);
  return rate;
}

void
op_rate_limit_set_rate (OpRateLimit *self,
                        guint64      bytes_per_second)
{
  gint64 now = g_get_monotonic_time ();

  g_return_if_fail (OP_IS_RATE_LIMIT (self));

  g_mutex_lock (&self->lock);
  refill (self, now);
  if (self->rate == 0 || bytes_per_second == 0)
    self->tokens = 0;   /* nothing was counted while unlimited */
  self->rate = bytes_per_second;
  if (bytes_per_second > 0)
    {
      /* A debt run up at a high rate would otherwise stall a transfer for minutes when
       * the limit drops far: what is left of it counts as at most a full bucket. */
      double cap = capacity (bytes_per_second);

      self->tokens = CLAMP (self->tokens, -cap, cap);
    }
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

gsize
op_rate_limit_chunk (OpRateLimit *self,
                     gsize        max)
{
  guint64 rate;

  g_return_val_if_fail (OP_IS_RATE_LIMIT (self), max);

  rate = op_rate_limit_get_rate (self);
  if (rate == 0)
    return max;
  return MIN (max, MAX (rate / CHUNK_DIVISOR, CHUNK_MIN));
}

gboolean
op_rate_limit_consume (OpRateLimit   *self,
                       gsize          bytes,
                       GCancellable  *cancellable,
                       GError       **error)
{
  gint64 now = g_get_monotonic_time ();

  g_return_val_if_fail (OP_IS_RATE_LIMIT (self), FALSE);

  g_mutex_lock (&self->lock);
  refill (self, now);
  if (self->rate > 0)
    self->tokens -= (double) bytes;
  while (self->rate > 0 && self->tokens < 0)
    {
      gint64 wait = (gint64) (-self->tokens * G_USEC_PER_SEC / (double) self->rate) + 1;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_mutex_unlock (&self->lock);
          return !g_cancellable_set_error_if_cancelled (cancellable, error);
        }
      g_cond_wait_until (&self->cond, &self->lock,
                         now + MIN (wait, OP_RATE_LIMIT_SLICE_USEC));
      now = g_get_monotonic_time ();
      refill (self, now);
    }
  g_mutex_unlock (&self->lock);
  return !g_cancellable_set_error_if_cancelled (cancellable, error);
}
