/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * Finds secrets left in freed memory. Include this header in exactly ONE source file of
 * a test program (it defines free()), after defining _GNU_SOURCE before any include.
 *
 * The program's own free() wins over libc's for every library, GLib included, so every
 * block given back to the allocator, from any thread, is searched for the secret being
 * watched. A secret found there was not wiped: a later allocation or a core dump could
 * read it. Only with glibc (malloc_usable_size, __libc_free) and without a sanitizer,
 * which brings its own allocator; elsewhere op_test_freed_secret_supported() is FALSE
 * and the test should skip.
 */

#include <glib.h>
#include <string.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define OP_TEST_FREED_SECRET_SANITIZER 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define OP_TEST_FREED_SECRET_SANITIZER 1
#endif

#if defined(__GLIBC__) && !defined(OP_TEST_FREED_SECRET_SANITIZER)
#define OP_TEST_FREED_SECRET_SUPPORTED 1

extern void __libc_free (void *p);

static const char *volatile op_test_watched_secret;
static gint op_test_freed_with_secret;

void
free (void *p)
{
  const char *secret = op_test_watched_secret;

  if (p != NULL && secret != NULL &&
      memmem (p, malloc_usable_size (p), secret, strlen (secret)) != NULL)
    g_atomic_int_inc (&op_test_freed_with_secret);
  __libc_free (p);
}
#endif

static inline gboolean
op_test_freed_secret_supported (void)
{
#ifdef OP_TEST_FREED_SECRET_SUPPORTED
  return TRUE;
#else
  return FALSE;
#endif
}

/* Starts watching for @secret (a static string: it must outlive the watch). */
static inline void
op_test_freed_secret_watch (const char *secret)
{
#ifdef OP_TEST_FREED_SECRET_SUPPORTED
  g_atomic_int_set (&op_test_freed_with_secret, 0);
  op_test_watched_secret = secret;
#endif
}

/* Stops watching; returns how many freed blocks held the secret meanwhile. */
static inline int
op_test_freed_secret_unwatch (void)
{
#ifdef OP_TEST_FREED_SECRET_SUPPORTED
  op_test_watched_secret = NULL;
  return g_atomic_int_get (&op_test_freed_with_secret);
#else
  return 0;
#endif
}
