/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "op-tls"

#include "config.h"

#include <glib/gi18n.h>

#include "op-tls-system-database.h"

struct _OpTlsSystemDatabase
{
  GTlsDatabase parent_instance;
};

G_DEFINE_FINAL_TYPE (OpTlsSystemDatabase, op_tls_system_database, G_TYPE_TLS_DATABASE)

/* The backend keeps its default database for the life of the process; so does this. */
static GTlsDatabase *
system_database (GError **error)
{
  static GMutex lock;
  static GTlsDatabase *database;
  static gboolean asked;

  g_mutex_lock (&lock);
  if (!asked)
    {
      database = g_tls_backend_get_default_database (g_tls_backend_get_default ());
      asked = TRUE;
    }
  g_mutex_unlock (&lock);
  if (database == NULL)
    g_set_error_literal (error, G_TLS_ERROR, G_TLS_ERROR_UNAVAILABLE,
                         _("The system’s trusted certificates could not be read."));
  return database;
}

static GTlsCertificateFlags
verify_chain (GTlsDatabase             *self,
              GTlsCertificate          *chain,
              const char               *purpose,
              GSocketConnectable       *identity,
              GTlsInteraction          *interaction,
              GTlsDatabaseVerifyFlags   flags,
              GCancellable             *cancellable,
              GError                  **error)
{
  GTlsDatabase *database = system_database (error);

  if (database == NULL)
    return G_TLS_CERTIFICATE_UNKNOWN_CA;
  return g_tls_database_verify_chain (database, chain, purpose, identity, interaction, flags,
                                      cancellable, error);
}

static char *
create_certificate_handle (GTlsDatabase    *self,
                           GTlsCertificate *certificate)
{
  GTlsDatabase *database = system_database (NULL);

  return database != NULL ? g_tls_database_create_certificate_handle (database, certificate) : NULL;
}

static GTlsCertificate *
lookup_certificate_for_handle (GTlsDatabase            *self,
                               const char              *handle,
                               GTlsInteraction         *interaction,
                               GTlsDatabaseLookupFlags  flags,
                               GCancellable            *cancellable,
                               GError                 **error)
{
  GTlsDatabase *database = system_database (error);

  return database != NULL
         ? g_tls_database_lookup_certificate_for_handle (database, handle, interaction, flags,
                                                         cancellable, error)
         : NULL;
}

static GTlsCertificate *
lookup_certificate_issuer (GTlsDatabase            *self,
                           GTlsCertificate         *certificate,
                           GTlsInteraction         *interaction,
                           GTlsDatabaseLookupFlags  flags,
                           GCancellable            *cancellable,
                           GError                 **error)
{
  GTlsDatabase *database = system_database (error);

  return database != NULL
         ? g_tls_database_lookup_certificate_issuer (database, certificate, interaction, flags,
                                                     cancellable, error)
         : NULL;
}

static GList *
lookup_certificates_issued_by (GTlsDatabase            *self,
                               GByteArray              *issuer_raw_dn,
                               GTlsInteraction         *interaction,
                               GTlsDatabaseLookupFlags  flags,
                               GCancellable            *cancellable,
                               GError                 **error)
{
  GTlsDatabase *database = system_database (error);

  return database != NULL
         ? g_tls_database_lookup_certificates_issued_by (database, issuer_raw_dn, interaction,
                                                         flags, cancellable, error)
         : NULL;
}

static void
op_tls_system_database_class_init (OpTlsSystemDatabaseClass *klass)
{
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  /* The asynchronous variants are GTlsDatabase's: these in a thread. */
  database_class->verify_chain = verify_chain;
  database_class->create_certificate_handle = create_certificate_handle;
  database_class->lookup_certificate_for_handle = lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = lookup_certificates_issued_by;
}

static void
op_tls_system_database_init (OpTlsSystemDatabase *self)
{
}

/**
 * op_tls_system_database_get:
 *
 * Returns: (transfer none): the process's system trust store, to set as a client
 *   connection's #GTlsConnection:database when it is made (any thread)
 */
GTlsDatabase *
op_tls_system_database_get (void)
{
  static GTlsDatabase *self;

  if (g_once_init_enter (&self))
    g_once_init_leave (&self, g_object_new (OP_TYPE_TLS_SYSTEM_DATABASE, NULL));
  return self;
}
