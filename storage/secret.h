/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* secret.h: the secret store: libvirt-format <secret> documents and their values under a root. */
#pragma once

#include <glib.h>
#include <stdbool.h>

/*
 * A secret is libvirt's <secret> document (the format `virsh secret-define` takes):
 *
 *   <secret ephemeral='no' private='yes'>
 *     <uuid>2ec115d7-3a88-3ceb-bc12-0ac909a6fd87</uuid>
 *     <description>CHAP password of the kvmguests target</description>
 *     <usage type='iscsi'>
 *       <target>kvmguests-chap</target>
 *     </usage>
 *   </secret>
 *
 * and a value (bytes) set separately.  Files under a state root R ("" = system paths):
 *   R/etc/provd/secrets/UUID.xml     the definition, mode 0600
 *   R/etc/provd/secrets/UUID.value   the value, mode 0600, written atomically
 *   R/run/provd/secrets/...          the same for ephemeral='yes' secrets (tmpfs: gone
 *                                    at the next boot, never on a disk)
 * Values are never logged or put in error messages.  A private secret's value can
 * only be read by provd itself (PROV_SECRET_VALUE_INTERNAL), never printed.
 */

/* libvirt's virSecretUsageType numbers. */
typedef enum {
    PROV_SECRET_USAGE_NONE = 0,
    PROV_SECRET_USAGE_VOLUME,
    PROV_SECRET_USAGE_CEPH,
    PROV_SECRET_USAGE_ISCSI,
    PROV_SECRET_USAGE_TLS,
    PROV_SECRET_USAGE_VTPM,
    PROV_SECRET_USAGE_LAST
} ProvSecretUsageType;

const char *prov_secret_usage_type_to_string(ProvSecretUsageType type);
/* Returns the type or -1. */
int prov_secret_usage_type_from_string(const char *str);

typedef struct {
    unsigned char uuid[16];
    bool ephemeral;
    bool is_private;
    char *description;
    ProvSecretUsageType usage_type;
    char *usage_id;           /* <volume>, <name> or <target> text; NULL for 'none' */
} ProvSecretDef;

void prov_secret_def_free(ProvSecretDef *def);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvSecretDef, prov_secret_def_free)

/**
 * prov_secret_def_parse_string:
 * @xml: a <secret> document
 *
 * Parses as libvirt does: ephemeral and private default to 'no', a missing <uuid> is
 * left all-zero (the store generates one), <usage> needs its type and id element.
 * Returns a new definition, or NULL with a PROV_XML_ERROR naming the problem.
 */
ProvSecretDef *prov_secret_def_parse_string(const char *xml, GError **error);

/* libvirt's layout (single quotes, 2-space indent).  Caller frees. */
char *prov_secret_def_format(const ProvSecretDef *def);

/* A secret's value: the bytes, wiped when freed. */
typedef struct {
    guint8 *data;             /* NUL-terminated for convenience; may contain NULs */
    gsize len;
} ProvSecretValue;

void prov_secret_value_free(ProvSecretValue *value);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvSecretValue, prov_secret_value_free)

/**
 * prov_secret_define:
 * @root: state root, NULL or "" for the system paths
 * @xml: a <secret> document
 * @ret_uuid: (out) (optional): the secret's UUID string, caller frees
 *
 * Adds a secret, or replaces the definition of the one with the same UUID (its value
 * is kept).  Refused: a usage already taken by another secret, changing the usage,
 * the ephemeral flag, or private='yes' to 'no' of an existing secret.
 */
bool prov_secret_define(const char *root, const char *xml, char **ret_uuid, GError **error);

/**
 * prov_secret_undefine:
 * @root: state root
 * @secret: UUID, or the usage id of exactly one secret
 *
 * Removes the definition and the value (PROV_ERR_NO_SECRET when there is no such secret).
 */
bool prov_secret_undefine(const char *root, const char *secret, GError **error);

/* Every secret, sorted by UUID (ProvSecretDef*; caller frees the array). */
GPtrArray *prov_secret_list(const char *root, GError **error);

/* The secret named by UUID or by usage id, or NULL with PROV_ERR_NO_SECRET. */
ProvSecretDef *prov_secret_lookup(const char *root, const char *secret, GError **error);

/* The secret of usage @type whose usage id is @usage_id, or NULL with PROV_ERR_NO_SECRET. */
ProvSecretDef *prov_secret_lookup_by_usage(const char *root, ProvSecretUsageType type,
                                           const char *usage_id, GError **error);

/* Sets the value (bytes, copied) of the secret named by UUID or usage id. */
bool prov_secret_set_value(const char *root, const char *secret, const guint8 *value,
                           gsize len, GError **error);

typedef enum {
    /* provd itself asks (a pool login): private secrets are readable too. */
    PROV_SECRET_VALUE_INTERNAL = 1 << 0,
} ProvSecretValueFlags;

/**
 * prov_secret_get_value:
 * @root: state root
 * @uuid: the secret's UUID (as parsed by prov_uuid_parse)
 * @flags: ProvSecretValueFlags
 *
 * Returns the value, or NULL with PROV_ERR_NO_SECRET (no such secret, or no value set)
 * or PROV_ERR_OPERATION_DENIED (private secret asked for without
 * PROV_SECRET_VALUE_INTERNAL).
 */
ProvSecretValue *prov_secret_get_value(const char *root, const unsigned char uuid[16],
                                       unsigned int flags, GError **error);
