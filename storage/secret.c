/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* secret.c: the secret store: libvirt-format <secret> documents and their values under a root. */
#define G_LOG_DOMAIN "provd-secret"

#include "config.h"
#include "storage/secret.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "storage/storage_conf.h"
#include "util/error.h"
#include "util/fileutil.h"
#include "util/xml.h"

/* A value is a password or a key, never a file's worth of data. */
#define PROV_SECRET_VALUE_MAX (64 * 1024)
#define PROV_SECRET_XML_MAX (1024 * 1024)

static const char *const prov_secret_usage_names[PROV_SECRET_USAGE_LAST] = {
    "none", "volume", "ceph", "iscsi", "tls", "vtpm",
};

/* The element that carries the usage id, per usage type (libvirt's secret.rng). */
static const char *const prov_secret_usage_elements[PROV_SECRET_USAGE_LAST] = {
    NULL, "volume", "name", "target", "name", "name",
};

const char *
prov_secret_usage_type_to_string(ProvSecretUsageType type)
{
    if ((int)type < 0 || type >= PROV_SECRET_USAGE_LAST)
        return NULL;
    return prov_secret_usage_names[type];
}

int
prov_secret_usage_type_from_string(const char *str)
{
    int i;

    for (i = 0; str && i < PROV_SECRET_USAGE_LAST; i++) {
        if (g_str_equal(prov_secret_usage_names[i], str))
            return i;
    }
    return -1;
}

void
prov_secret_def_free(ProvSecretDef *def)
{
    if (!def)
        return;
    g_free(def->description);
    g_free(def->usage_id);
    g_free(def);
}

void
prov_secret_value_free(ProvSecretValue *value)
{
    if (!value)
        return;
    if (value->data) {
        explicit_bzero(value->data, value->len);
        g_free(value->data);
    }
    g_free(value);
}

static bool
has_control_char(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return true;
    }
    return false;
}

static bool
uuid_is_null(const unsigned char uuid[16])
{
    static const unsigned char zero[16];

    return memcmp(uuid, zero, 16) == 0;
}

/* ---- XML ---------------------------------------------------------------- */

ProvSecretDef *
prov_secret_def_parse_string(const char *xml, GError **error)
{
    g_autoptr(xmlXPathContext) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_autoptr(ProvSecretDef) def = g_new0(ProvSecretDef, 1);
    g_autofree char *uuid = NULL;
    xmlNode *root;
    xmlNode *usage;
    int type = PROV_SECRET_USAGE_NONE;

    if (!(doc = prov_xml_parse(xml, -1, "secret definition", "secret", &ctxt, error)))
        return NULL;
    root = ctxt->node;
    if (prov_xml_prop_yes_no(root, "ephemeral", 0, &def->ephemeral, error) < 0 ||
        prov_xml_prop_yes_no(root, "private", 0, &def->is_private, error) < 0)
        return NULL;

    if ((uuid = prov_xpath_string("string(./uuid)", ctxt)) && !prov_uuid_parse(uuid, def->uuid)) {
        g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                    "secret definition: malformed uuid '%s'", uuid);
        return NULL;
    }
    def->description = prov_xpath_string("string(./description)", ctxt);

    if ((usage = prov_xpath_node("./usage", ctxt))) {
        const char *element;

        if (prov_xml_prop_enum(usage, "type", prov_secret_usage_type_from_string,
                               PROV_XML_PROP_REQUIRED, &type, error) < 0)
            return NULL;
        def->usage_type = type;
        element = prov_secret_usage_elements[type];
        if (element) {
            g_autofree char *xpath = g_strdup_printf("string(./usage/%s)", element);

            def->usage_id = prov_xpath_string(xpath, ctxt);
            if (!def->usage_id) {
                g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_ERROR,
                            "secret definition: <usage type='%s'> needs a <%s> element",
                            prov_secret_usage_names[type], element);
                return NULL;
            }
            /* The id names the secret on command lines and in listings. */
            if (has_control_char(def->usage_id)) {
                g_set_error(error, PROV_XML_ERROR, PROV_ERR_XML_DETAIL,
                            "secret definition: usage %s must not contain control characters",
                            element);
                return NULL;
            }
        }
    }
    return g_steal_pointer(&def);
}

char *
prov_secret_def_format(const ProvSecretDef *def)
{
    g_auto(ProvXmlBuf) buf = { NULL, 0 };
    char uuid[37];

    prov_uuid_format(def->uuid, uuid);
    prov_xml_buf_init(&buf);
    prov_xml_buf_add(&buf, "<secret ephemeral='%s' private='%s'>\n",
                     def->ephemeral ? "yes" : "no", def->is_private ? "yes" : "no");
    prov_xml_buf_adjust_indent(&buf, 2);
    prov_xml_buf_add(&buf, "<uuid>%s</uuid>\n", uuid);
    prov_xml_buf_escape(&buf, "<description>%s</description>\n", def->description);
    if (def->usage_type != PROV_SECRET_USAGE_NONE) {
        const char *element = prov_secret_usage_elements[def->usage_type];
        g_autofree char *line = g_strdup_printf("<%s>%%s</%s>\n", element, element);

        prov_xml_buf_add(&buf, "<usage type='%s'>\n", prov_secret_usage_names[def->usage_type]);
        prov_xml_buf_adjust_indent(&buf, 2);
        prov_xml_buf_escape(&buf, line, def->usage_id);
        prov_xml_buf_adjust_indent(&buf, -2);
        prov_xml_buf_add(&buf, "</usage>\n");
    } else {
        prov_xml_buf_add(&buf, "<usage type='none'/>\n");
    }
    prov_xml_buf_adjust_indent(&buf, -2);
    prov_xml_buf_add(&buf, "</secret>\n");
    return prov_xml_buf_steal(&buf);
}

/* ---- the store ---------------------------------------------------------- */

static const char *
root_prefix(const char *root)
{
    return root ? root : "";
}

/* Persistent secrets live with the configuration, ephemeral ones on the run tmpfs. */
static char *
secrets_dir(const char *root, bool ephemeral)
{
    return g_strdup_printf("%s%s/secrets", root_prefix(root),
                           ephemeral ? PROV_RUN_DIR : PROV_SYSCONF_DIR);
}

static char *
secret_file(const char *root, const ProvSecretDef *def, const char *suffix)
{
    g_autofree char *dir = secrets_dir(root, def->ephemeral);
    char uuid[37];

    prov_uuid_format(def->uuid, uuid);
    return g_strdup_printf("%s/%s.%s", dir, uuid, suffix);
}

/* One lock for every change: defines check usage uniqueness over all secrets. */
static ProvFileLock *
lock_store(const char *root, GError **error)
{
    g_autofree char *path = g_strdup_printf("%s%s/secrets.lock", root_prefix(root),
                                            PROV_RUN_DIR);

    return prov_file_lock_acquire(path, 0, "secret store", error);
}

static void
load_dir(const char *root, bool ephemeral, GPtrArray *defs)
{
    g_autofree char *dir_path = secrets_dir(root, ephemeral);
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *entry;

    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *path = NULL;
        g_autofree char *xml = NULL;
        g_autofree char *name = NULL;
        g_autoptr(GError) local = NULL;
        g_autoptr(ProvSecretDef) def = NULL;
        unsigned char uuid[16];

        /* UUID.xml only: temp files of atomic writes start with a dot. */
        if (entry[0] == '.' || !g_str_has_suffix(entry, ".xml"))
            continue;
        name = g_strndup(entry, strlen(entry) - 4);
        if (!prov_uuid_parse(name, uuid))
            continue;
        path = g_build_filename(dir_path, entry, NULL);
        if (!(xml = prov_file_read_all(path, PROV_SECRET_XML_MAX, NULL, &local)) ||
            !(def = prov_secret_def_parse_string(xml, &local))) {
            g_warning("secret file '%s' is unreadable: %s, ignoring", path, local->message);
            continue;
        }
        if (memcmp(def->uuid, uuid, 16) != 0 || def->ephemeral != ephemeral) {
            g_warning("secret file '%s' does not match its name or place, ignoring", path);
            continue;
        }
        g_ptr_array_add(defs, g_steal_pointer(&def));
    }
}

static int
secret_def_compare(gconstpointer a, gconstpointer b)
{
    const ProvSecretDef *sa = *(ProvSecretDef *const *)a;
    const ProvSecretDef *sb = *(ProvSecretDef *const *)b;

    return memcmp(sa->uuid, sb->uuid, 16);
}

static GPtrArray *
load_all(const char *root)
{
    GPtrArray *defs = g_ptr_array_new_with_free_func((GDestroyNotify)prov_secret_def_free);

    load_dir(root, false, defs);
    load_dir(root, true, defs);
    g_ptr_array_sort(defs, secret_def_compare);
    return defs;
}

GPtrArray *
prov_secret_list(const char *root, GError **error)
{
    return load_all(root);
}

static ProvSecretDef *
find_uuid(GPtrArray *defs, const unsigned char uuid[16])
{
    guint i;

    for (i = 0; i < defs->len; i++) {
        ProvSecretDef *def = g_ptr_array_index(defs, i);

        if (memcmp(def->uuid, uuid, 16) == 0)
            return def;
    }
    return NULL;
}

static ProvSecretDef *
find_usage(GPtrArray *defs, ProvSecretUsageType type, const char *usage_id)
{
    guint i;

    for (i = 0; i < defs->len; i++) {
        ProvSecretDef *def = g_ptr_array_index(defs, i);

        if (def->usage_type == type && g_strcmp0(def->usage_id, usage_id) == 0)
            return def;
    }
    return NULL;
}

/* "iscsi kvmguests-chap", as virsh secret-list shows a usage. */
static char *
usage_text(const ProvSecretDef *def)
{
    return g_strdup_printf("%s %s", prov_secret_usage_names[def->usage_type],
                           def->usage_id ? def->usage_id : "");
}

/* The secret @secret names in @defs: a UUID, else the usage id of exactly one secret. */
static ProvSecretDef *
find_named(GPtrArray *defs, const char *secret, GError **error)
{
    ProvSecretDef *found = NULL;
    unsigned char uuid[16];
    guint i;

    if (prov_uuid_parse(secret, uuid)) {
        if ((found = find_uuid(defs, uuid)))
            return found;
    }
    for (i = 0; i < defs->len; i++) {
        ProvSecretDef *def = g_ptr_array_index(defs, i);

        if (g_strcmp0(def->usage_id, secret) != 0)
            continue;
        if (found) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "usage '%s' names more than one secret: give its UUID", secret);
            return NULL;
        }
        found = def;
    }
    if (!found)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET,
                    "secret '%s' not found", secret);
    return found;
}

static ProvSecretDef *
steal_def(GPtrArray *defs, ProvSecretDef *def)
{
    guint index;

    if (!def || !g_ptr_array_find(defs, def, &index))
        return NULL;
    return g_ptr_array_steal_index(defs, index);
}

ProvSecretDef *
prov_secret_lookup(const char *root, const char *secret, GError **error)
{
    g_autoptr(GPtrArray) defs = load_all(root);

    return steal_def(defs, find_named(defs, secret, error));
}

ProvSecretDef *
prov_secret_lookup_by_usage(const char *root, ProvSecretUsageType type, const char *usage_id,
                            GError **error)
{
    g_autoptr(GPtrArray) defs = load_all(root);
    ProvSecretDef *def = find_usage(defs, type, usage_id);

    if (!def)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET,
                    "no secret with usage type '%s' and usage '%s'",
                    prov_secret_usage_names[type], usage_id);
    return steal_def(defs, def);
}

/* libvirt's rules for a definition that replaces another with the same UUID. */
static bool
check_redefine(const ProvSecretDef *old, const ProvSecretDef *def, GError **error)
{
    char uuid[37];

    prov_uuid_format(def->uuid, uuid);
    if (old->usage_type != def->usage_type || g_strcmp0(old->usage_id, def->usage_id) != 0) {
        g_autofree char *usage = usage_text(old);

        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "secret '%s' is already defined for use with '%s'", uuid, usage);
        return false;
    }
    if (old->ephemeral != def->ephemeral) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "secret '%s': cannot change the ephemeral flag of an existing secret",
                    uuid);
        return false;
    }
    if (old->is_private && !def->is_private) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "secret '%s': cannot make a private secret non-private", uuid);
        return false;
    }
    return true;
}

bool
prov_secret_define(const char *root, const char *xml, char **ret_uuid, GError **error)
{
    g_autoptr(ProvSecretDef) def = NULL;
    g_autoptr(ProvFileLock) lock = NULL;
    g_autoptr(GPtrArray) defs = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    ProvSecretDef *old;
    ProvSecretDef *other;
    char uuid[37];

    if (!(def = prov_secret_def_parse_string(xml, error)))
        return false;
    if (!(lock = lock_store(root, error)))
        return false;
    defs = load_all(root);
    if (uuid_is_null(def->uuid)) {
        do
            prov_uuid_generate(def->uuid);
        while (find_uuid(defs, def->uuid));
    }
    prov_uuid_format(def->uuid, uuid);
    if ((old = find_uuid(defs, def->uuid)) && !check_redefine(old, def, error))
        return false;
    if (def->usage_type != PROV_SECRET_USAGE_NONE &&
        (other = find_usage(defs, def->usage_type, def->usage_id)) && other != old) {
        g_autofree char *usage = usage_text(def);
        char other_uuid[37];

        prov_uuid_format(other->uuid, other_uuid);
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "a secret with UUID %s is already defined for use with '%s'", other_uuid,
                    usage);
        return false;
    }

    dir = secrets_dir(root, def->ephemeral);
    if (!prov_mkdir_p(dir, 0700, error))
        return false;
    out = prov_secret_def_format(def);
    path = secret_file(root, def, "xml");
    if (!prov_file_write_atomic(path, out, strlen(out), 0600, error))
        return false;
    if (ret_uuid)
        *ret_uuid = g_strdup(uuid);
    return true;
}

bool
prov_secret_undefine(const char *root, const char *secret, GError **error)
{
    g_autoptr(ProvFileLock) lock = NULL;
    g_autoptr(GPtrArray) defs = NULL;
    g_autofree char *value = NULL;
    g_autofree char *xml = NULL;
    ProvSecretDef *def;

    if (!(lock = lock_store(root, error)))
        return false;
    defs = load_all(root);
    if (!(def = find_named(defs, secret, error)))
        return false;
    /* Value first: an orphaned value would come back with a redefined UUID. */
    value = secret_file(root, def, "value");
    xml = secret_file(root, def, "xml");
    return prov_file_unlink_durable(value, error) && prov_file_unlink_durable(xml, error);
}

bool
prov_secret_set_value(const char *root, const char *secret, const guint8 *value, gsize len,
                      GError **error)
{
    g_autoptr(ProvFileLock) lock = NULL;
    g_autoptr(GPtrArray) defs = NULL;
    g_autofree char *path = NULL;
    ProvSecretDef *def;

    if (len > PROV_SECRET_VALUE_MAX) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "secret value is larger than %d bytes", PROV_SECRET_VALUE_MAX);
        return false;
    }
    if (!(lock = lock_store(root, error)))
        return false;
    defs = load_all(root);
    if (!(def = find_named(defs, secret, error)))
        return false;
    path = secret_file(root, def, "value");
    return prov_file_write_atomic(path, (const char *)value, len, 0600, error);
}

ProvSecretValue *
prov_secret_get_value(const char *root, const unsigned char uuid[16], unsigned int flags,
                      GError **error)
{
    g_autoptr(GPtrArray) defs = load_all(root);
    g_autoptr(ProvSecretValue) value = g_new0(ProvSecretValue, 1);
    g_autofree char *path = NULL;
    ProvSecretDef *def = find_uuid(defs, uuid);
    char uuidstr[37];

    prov_uuid_format(uuid, uuidstr);
    if (!def) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET, "secret '%s' not found",
                    uuidstr);
        return NULL;
    }
    if (def->is_private && !(flags & PROV_SECRET_VALUE_INTERNAL)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_DENIED,
                    "secret '%s' is private: its value cannot be read back", uuidstr);
        return NULL;
    }
    path = secret_file(root, def, "value");
    if (access(path, F_OK) < 0 && errno == ENOENT) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SECRET,
                    "secret '%s' has no value (set one with secret-set-value)", uuidstr);
        return NULL;
    }
    value->data = (guint8 *)prov_file_read_all(path, PROV_SECRET_VALUE_MAX, &value->len, error);
    if (!value->data)
        return NULL;
    return g_steal_pointer(&value);
}
