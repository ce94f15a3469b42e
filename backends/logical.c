/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* logical.c: the 'logical' pool kind: an LVM2 volume group whose logical volumes are volumes. */
#define G_LOG_DOMAIN "provd-backend-logical"

#include "config.h"
#include "backends/logical.h"
#include "backends/backends.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "storage/volume_local.h"
#include "util/error.h"
#include "util/fileutil.h"

/*
 * Reports are quick; changes can wait on LVM's locks or on udev (lvcreate waits for
 * the device node), and activating a large VG takes a while.  Nothing waits forever.
 */
#define LVM_QUERY_TIMEOUT_MS (60 * 1000)
#define LVM_CHANGE_TIMEOUT_MS (5 * 60 * 1000)
/* qemu-img convert of a big image into a new LV. */
#define LVM_COPY_TIMEOUT_MS (24u * 3600u * 1000u)
/* Zeroing and discarding go in chunks so a job reports progress. */
#define LVM_WIPE_CHUNK (64ull * 1024 * 1024)
/* LVM's longest VG or LV name (NAME_LEN - 1 in lvm2's lib/metadata). */
#define LVM_NAME_MAX 127

/* ---- model --------------------------------------------------------------- */

static void
logical_extent_free(ProvLogicalExtent *ext)
{
    if (!ext)
        return;
    g_free(ext->device);
    g_free(ext);
}

void
prov_logical_lv_free(ProvLogicalLv *lv)
{
    if (!lv)
        return;
    g_free(lv->name);
    g_free(lv->uuid);
    g_free(lv->path);
    g_free(lv->tags);
    g_free(lv->pool_lv);
    g_free(lv->origin);
    if (lv->extents)
        g_ptr_array_unref(lv->extents);
    g_free(lv);
}

void
prov_logical_vg_free(ProvLogicalVg *vg)
{
    if (!vg)
        return;
    g_free(vg->name);
    g_free(vg);
}

void
prov_logical_pv_free(ProvLogicalPv *pv)
{
    if (!pv)
        return;
    g_free(pv->pv_name);
    g_free(pv->vg_name);
    g_free(pv);
}

/* lv_attr characters (lvs(8)): [0] volume type, [4] state, [5] device open, [9] skip. */
static bool
lv_is_thin_pool(const ProvLogicalLv *lv)
{
    return lv->attr[0] == 't';
}

static bool
lv_is_thin(const ProvLogicalLv *lv)
{
    return lv->attr[0] == 'V';
}

/* An old-style (copy-on-write) snapshot: writes into it fill its COW space. */
static bool
lv_is_cow_snapshot(const ProvLogicalLv *lv)
{
    return lv->attr[0] == 's' || lv->attr[0] == 'S';
}

static bool
lv_is_active(const ProvLogicalLv *lv)
{
    return lv->attr[4] == 'a';
}

static bool
lv_is_open(const ProvLogicalLv *lv)
{
    return lv->attr[5] == 'o';
}

static bool
lv_skips_activation(const ProvLogicalLv *lv)
{
    return lv->attr[9] == 'k';
}

static bool
lv_has_tag(const ProvLogicalLv *lv, const char *tag)
{
    g_auto(GStrv) tags = g_strsplit(lv->tags, ",", -1);

    return g_strv_contains((const char *const *)tags, tag);
}

static ProvLogicalLv *
lv_find(GPtrArray *lvs, const char *name)
{
    guint i;

    for (i = 0; i < lvs->len; i++) {
        ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (g_str_equal(lv->name, name))
            return lv;
    }
    return NULL;
}

/* ---- parsing LVM's JSON reports ----------------------------------------- */

/*
 * `lvs/vgs/pvs --reportformat json` print (lvmreport(7)); every value is a string,
 * numbers included, and a field with nothing to say is "":
 *
 *   {
 *       "report": [
 *           {
 *               "lv": [
 *                   {"lv_name":"thin1", "lv_size":"134217728", "data_percent":"7.81", ...}
 *               ]
 *           }
 *       ]
 *   }
 *
 * Returns the rows under @key ("lv", "vg", "pv") of every report element.
 */
static GPtrArray *
lvm_report_rows(const char *json, const char *key, GError **error)
{
    g_autoptr(JsonParser) parser = json_parser_new();
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
    g_autoptr(GError) local = NULL;
    JsonNode *root;
    JsonNode *member;
    JsonObject *top;
    JsonArray *report;
    guint i;
    guint j;

    if (!json_parser_load_from_data(parser, json, -1, &local)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                    "cannot parse the LVM '%s' report: %s", key, local->message);
        return NULL;
    }
    root = json_parser_get_root(parser);
    top = root && JSON_NODE_HOLDS_OBJECT(root) ? json_node_get_object(root) : NULL;
    member = top ? json_object_get_member(top, "report") : NULL;
    if (!member || !JSON_NODE_HOLDS_ARRAY(member)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                    "the LVM '%s' report has no \"report\" array", key);
        return NULL;
    }
    report = json_node_get_array(member);
    for (i = 0; i < json_array_get_length(report); i++) {
        JsonNode *elem = json_array_get_element(report, i);
        JsonNode *list;
        JsonArray *arr;

        if (!JSON_NODE_HOLDS_OBJECT(elem))
            continue;
        list = json_object_get_member(json_node_get_object(elem), key);
        if (!list || !JSON_NODE_HOLDS_ARRAY(list))
            continue;
        arr = json_node_get_array(list);
        for (j = 0; j < json_array_get_length(arr); j++) {
            JsonNode *row = json_array_get_element(arr, j);

            if (JSON_NODE_HOLDS_OBJECT(row))
                g_ptr_array_add(rows, json_object_ref(json_node_get_object(row)));
        }
    }
    return g_steal_pointer(&rows);
}

/* A field of a row; "" when absent or not a string. */
static const char *
lvm_field(JsonObject *row, const char *name)
{
    JsonNode *node = json_object_get_member(row, name);

    if (!node || !JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
        return "";
    return json_node_get_string(node);
}

/* A byte count or count field ("" = 0). */
static bool
lvm_field_u64(JsonObject *row, const char *name, guint64 *ret, GError **error)
{
    const char *value = lvm_field(row, name);

    *ret = 0;
    if (!*value)
        return true;
    if (!g_ascii_string_to_unsigned(value, 10, 0, G_MAXUINT64, ret, NULL)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                    "LVM report: field '%s' has the value '%s', not a number", name, value);
        return false;
    }
    return true;
}

/* "7.81" -> 781 hundredths of a percent (further digits cut off); at most 100 %. */
static bool
percent_parse(const char *value, int *ret)
{
    const char *dot = strchr(value, '.');
    g_autofree char *whole_str = dot ? g_strndup(value, dot - value) : g_strdup(value);
    guint64 whole;
    int frac = 0;
    int digits = 0;
    const char *p;

    if (!g_ascii_string_to_unsigned(whole_str, 10, 0, 100, &whole, NULL) ||
        (dot && dot[1] == '\0'))
        return false;
    for (p = dot ? dot + 1 : ""; *p; p++) {
        if (!g_ascii_isdigit(*p))
            return false;
        if (digits < 2) {
            frac = frac * 10 + (*p - '0');
            digits++;
        }
    }
    for (; digits < 2; digits++)
        frac *= 10;
    *ret = (int)whole * 100 + frac;
    return *ret <= 10000;
}

/* A percentage field in hundredths; "" -> -1. */
static bool
lvm_field_percent(JsonObject *row, const char *name, int *ret, GError **error)
{
    const char *value = lvm_field(row, name);

    *ret = -1;
    if (!*value)
        return true;
    if (!percent_parse(value, ret)) {
        *ret = -1;
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                    "LVM report: field '%s' has the value '%s', not a percentage", name, value);
        return false;
    }
    return true;
}

/*
 * lvs `devices` of one segment: "/dev/loop0(19),/dev/loop1(0)" - each PV with the
 * first physical extent the segment uses on it (several for striped segments).
 * Entries naming sub-LVs ("pool_tdata(0)", "[lv_rimage_0](0)") have no PV and are
 * skipped.  A striped segment puts seg_size / stripes on each PV.
 */
static bool
lvm_parse_devices(ProvLogicalLv *lv, JsonObject *row, GError **error)
{
    const char *devices = lvm_field(row, "devices");
    g_auto(GStrv) list = g_strsplit(devices, ",", -1);
    guint64 stripes;
    guint64 seg_size;
    guint64 extent_size;
    guint64 len;
    guint i;

    if (!lvm_field_u64(row, "stripes", &stripes, error) ||
        !lvm_field_u64(row, "seg_size", &seg_size, error) ||
        !lvm_field_u64(row, "vg_extent_size", &extent_size, error))
        return false;
    len = seg_size;
    if (g_str_equal(lvm_field(row, "segtype"), "striped") && stripes > 1)
        len = seg_size / stripes;
    for (i = 0; list[i]; i++) {
        const char *entry = list[i];
        const char *open = strrchr(entry, '(');
        g_autofree char *pe_str = NULL;
        ProvLogicalExtent *ext;
        guint64 pe;

        if (entry[0] != '/')
            continue;
        if (!open || !g_str_has_suffix(open, ")") ||
            !(pe_str = g_strndup(open + 1, strlen(open) - 2)) ||
            !g_ascii_string_to_unsigned(pe_str, 10, 0, G_MAXUINT64 / MAX(extent_size, 1),
                                        &pe, NULL)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                        "LVM report: logical volume '%s' has a malformed device entry '%s'",
                        lv->name, entry);
            return false;
        }
        ext = g_new0(ProvLogicalExtent, 1);
        ext->device = g_strndup(entry, open - entry);
        ext->start = pe * extent_size;
        ext->end = ext->start + len;
        g_ptr_array_add(lv->extents, ext);
    }
    return true;
}

/* The VG's sizes, which both the lvs (every row) and the vgs report carry. */
static bool
lvm_vg_sizes(JsonObject *row, ProvLogicalVg *vg, GError **error)
{
    return lvm_field_u64(row, "vg_size", &vg->size, error) &&
           lvm_field_u64(row, "vg_free", &vg->free, error) &&
           lvm_field_u64(row, "vg_extent_size", &vg->extent_size, error);
}

static ProvLogicalLv *
lvm_lv_new(JsonObject *row, GError **error)
{
    g_autoptr(ProvLogicalLv) lv = g_new0(ProvLogicalLv, 1);

    lv->name = g_strdup(lvm_field(row, "lv_name"));
    lv->uuid = g_strdup(lvm_field(row, "lv_uuid"));
    lv->path = g_strdup(lvm_field(row, "lv_path"));
    lv->tags = g_strdup(lvm_field(row, "lv_tags"));
    lv->pool_lv = g_strdup(lvm_field(row, "pool_lv"));
    lv->origin = g_strdup(lvm_field(row, "origin"));
    lv->extents = g_ptr_array_new_with_free_func((GDestroyNotify)logical_extent_free);
    /* Ten characters; a shorter value leaves the rest NUL, which tests nothing true. */
    g_strlcpy(lv->attr, lvm_field(row, "lv_attr"), sizeof(lv->attr));
    if (!*lv->name) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED,
                    "LVM report: a logical volume has no 'lv_name'");
        return NULL;
    }
    if (!lvm_field_u64(row, "lv_size", &lv->size, error) ||
        !lvm_field_u64(row, "origin_size", &lv->origin_size, error) ||
        !lvm_field_percent(row, "data_percent", &lv->data_percent, error))
        return NULL;
    return g_steal_pointer(&lv);
}

bool
prov_logical_parse_lvs(const char *json, GPtrArray **ret_lvs, ProvLogicalVg *ret_vg,
                       GError **error)
{
    g_autoptr(GPtrArray) rows = lvm_report_rows(json, "lv", error);
    g_autoptr(GPtrArray) lvs = NULL;
    g_autoptr(GHashTable) by_uuid = NULL;
    guint i;

    if (!rows)
        return false;
    lvs = g_ptr_array_new_with_free_func((GDestroyNotify)prov_logical_lv_free);
    by_uuid = g_hash_table_new(g_str_hash, g_str_equal);
    for (i = 0; i < rows->len; i++) {
        JsonObject *row = g_ptr_array_index(rows, i);
        const char *id = *lvm_field(row, "lv_uuid") ? lvm_field(row, "lv_uuid") :
            lvm_field(row, "lv_name");
        ProvLogicalLv *lv = g_hash_table_lookup(by_uuid, id);

        /* An LV with several segments has one row per segment. */
        if (!lv) {
            if (!(lv = lvm_lv_new(row, error)))
                return false;
            g_ptr_array_add(lvs, lv);
            g_hash_table_insert(by_uuid, *lv->uuid ? lv->uuid : lv->name, lv);
        }
        if (!lvm_parse_devices(lv, row, error))
            return false;
    }
    if (ret_vg && rows->len > 0 && !lvm_vg_sizes(g_ptr_array_index(rows, 0), ret_vg, error))
        return false;
    *ret_lvs = g_steal_pointer(&lvs);
    return true;
}

GPtrArray *
prov_logical_parse_vgs(const char *json, GError **error)
{
    g_autoptr(GPtrArray) rows = lvm_report_rows(json, "vg", error);
    g_autoptr(GPtrArray) vgs = NULL;
    guint i;

    if (!rows)
        return NULL;
    vgs = g_ptr_array_new_with_free_func((GDestroyNotify)prov_logical_vg_free);
    for (i = 0; i < rows->len; i++) {
        JsonObject *row = g_ptr_array_index(rows, i);
        g_autoptr(ProvLogicalVg) vg = g_new0(ProvLogicalVg, 1);
        guint64 count;

        vg->name = g_strdup(lvm_field(row, "vg_name"));
        if (!lvm_vg_sizes(row, vg, error) || !lvm_field_u64(row, "lv_count", &count, error))
            return NULL;
        vg->lv_count = (guint)MIN(count, G_MAXUINT);
        g_ptr_array_add(vgs, g_steal_pointer(&vg));
    }
    return g_steal_pointer(&vgs);
}

GPtrArray *
prov_logical_parse_pvs(const char *json, GError **error)
{
    g_autoptr(GPtrArray) rows = lvm_report_rows(json, "pv", error);
    GPtrArray *pvs;
    guint i;

    if (!rows)
        return NULL;
    pvs = g_ptr_array_new_with_free_func((GDestroyNotify)prov_logical_pv_free);
    for (i = 0; i < rows->len; i++) {
        JsonObject *row = g_ptr_array_index(rows, i);
        ProvLogicalPv *pv = g_new0(ProvLogicalPv, 1);

        pv->pv_name = g_strdup(lvm_field(row, "pv_name"));
        pv->vg_name = g_strdup(lvm_field(row, "vg_name"));
        g_ptr_array_add(pvs, pv);
    }
    return pvs;
}

/* size * hundredths / 10000 without overflowing for any 64-bit size. */
static guint64
lvm_percent_of(guint64 size, int hundredths)
{
    return size / 10000 * (guint64)hundredths + size % 10000 * (guint64)hundredths / 10000;
}

ProvVolDef *
prov_logical_lv_to_vol(const char *vg, const ProvLogicalLv *lv)
{
    g_autoptr(ProvVolDef) vol = NULL;
    guint i;

    /* Thin pools hold thin volumes but are no block device a guest could use (as in
     * libvirt); an inactive LV has no device node; a clone being filled is not there
     * yet. */
    if (lv_is_thin_pool(lv) || !lv_is_active(lv) || lv_has_tag(lv, PROV_LOGICAL_INCOMPLETE_TAG))
        return NULL;
    vol = prov_vol_def_new();
    vol->name = g_strdup(lv->name);
    vol->key = g_strdup(lv->uuid);
    vol->type = PROV_VOL_BLOCK;
    vol->target_path = *lv->path ? g_strdup(lv->path) : g_strdup_printf("/dev/%s/%s", vg,
                                                                         lv->name);
    if (lv_is_thin(lv)) {
        vol->capacity = lv->size;
        vol->allocation = lv->data_percent < 0 ? 0 : lvm_percent_of(lv->size,
                                                                    lv->data_percent);
    } else if (lv_is_cow_snapshot(lv)) {
        /* The device shows the origin; what it takes is its copy-on-write store. */
        vol->capacity = lv->origin_size ? lv->origin_size : lv->size;
        vol->allocation = lv->size;
    } else {
        vol->capacity = lv->size;
        vol->allocation = lv->size;
    }
    vol->has_capacity = true;
    vol->has_allocation = true;
    vol->physical = vol->capacity;
    /* Only an old-style snapshot needs its origin to be read; a thin snapshot is a
     * volume of its own (its origin may even be deleted). */
    if (lv_is_cow_snapshot(lv) && *lv->origin)
        vol->backing.path = g_strdup_printf("/dev/%s/%s", vg, lv->origin);
    for (i = 0; i < lv->extents->len; i++) {
        const ProvLogicalExtent *ext = g_ptr_array_index(lv->extents, i);

        prov_vol_def_add_extent(vol, ext->device, ext->start, ext->end);
    }
    return g_steal_pointer(&vol);
}

/* ---- names ---------------------------------------------------------------- */

bool
prov_logical_name_check(const char *what, const char *name, GError **error)
{
    const char *p;

    if (!name || !*name) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s name must not be empty", what);
        return false;
    }
    if (strchr(name, '/')) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s name '%s' must not contain '/'", what, name);
        return false;
    }
    if (name[0] == '-') {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s name '%s' must not start with '-'", what, name);
        return false;
    }
    if (g_str_equal(name, ".") || g_str_equal(name, "..")) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s name '%s' is not allowed", what, name);
        return false;
    }
    if (strlen(name) > LVM_NAME_MAX) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "%s name '%s' is longer than %d characters", what, name, LVM_NAME_MAX);
        return false;
    }
    for (p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("+_.-", *p)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "%s name '%s' has characters LVM does not allow (only letters, "
                        "digits, '+', '_', '.' and '-')", what, name);
            return false;
        }
    }
    return true;
}

/* ---- running LVM ---------------------------------------------------------- */

/*
 * Every LVM command: an absolute path, argv only, no inherited fd (lvm warns
 * "File descriptor N leaked on lvs invocation" otherwise; the runner closes them
 * all), stdin from /dev/null so a question LVM would ask is answered "no", and a
 * timeout.  User-given names never start with '-' (prov_logical_name_check), so
 * none is read as an option; argv stays as libvirt's golden files show it.
 */
static ProvCommand *
lvm_command(const char *program, guint timeout_ms)
{
    ProvCommand *cmd = prov_command_new(program);

    prov_command_set_timeout(cmd, timeout_ms);
    return cmd;
}

static ProvCommand *
lvm_report_command(const char *program, const char *fields, const char *target)
{
    ProvCommand *cmd = lvm_command(program, LVM_QUERY_TIMEOUT_MS);

    prov_command_add_args(cmd, "--reportformat", "json", NULL);
    if (!g_str_equal(program, PVS))
        prov_command_add_args(cmd, "--units", "b", "--nosuffix", NULL);
    prov_command_add_args(cmd, "-o", fields, NULL);
    if (target)
        prov_command_add_arg(cmd, target);
    return cmd;
}

static const char *
logical_vg(const ProvStoragePool *pool)
{
    return pool->def->source.name;
}

/* The LVs of @target ("VG" or "VG/LV"); @ret_vg gets the VG's sizes when there are rows. */
static bool
logical_lvs(const ProvStoragePool *pool, const char *target, GPtrArray **ret_lvs,
            ProvLogicalVg *ret_vg, GError **error)
{
    g_autoptr(ProvCommand) cmd = lvm_report_command(LVS, PROV_LOGICAL_LVS_FIELDS, target);
    g_autofree char *out = NULL;

    if (!prov_command_run(cmd, &out, NULL, error) ||
        !prov_logical_parse_lvs(out, ret_lvs, ret_vg, error)) {
        g_prefix_error(error, "storage pool '%s': cannot list the logical volumes of '%s': ",
                       pool->def->name, target);
        return false;
    }
    return true;
}

/* One LV, freshly reported.  For a missing LV lvs exits 5, saying
 *   Failed to find logical volume "vg1/nosuch"
 * which the error passes on. */
static ProvLogicalLv *
logical_lv_get(const ProvStoragePool *pool, const char *name, GError **error)
{
    g_autofree char *target = g_strdup_printf("%s/%s", logical_vg(pool), name);
    g_autoptr(GPtrArray) lvs = NULL;
    guint i;

    if (!logical_lvs(pool, target, &lvs, NULL, error))
        return NULL;
    for (i = 0; i < lvs->len; i++) {
        ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (g_str_equal(lv->name, name))
            return g_ptr_array_steal_index(lvs, i);
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                "storage pool '%s': logical volume '%s' not found", pool->def->name, target);
    return NULL;
}

/* Every VG (a missing one is no error here: callers decide). */
static GPtrArray *
logical_vgs(const ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvCommand) cmd = lvm_report_command(VGS, PROV_LOGICAL_VGS_FIELDS, NULL);
    g_autofree char *out = NULL;
    GPtrArray *vgs;

    if (!prov_command_run(cmd, &out, NULL, error) || !(vgs = prov_logical_parse_vgs(out, error))) {
        g_prefix_error(error, "storage pool '%s': cannot list volume groups: ",
                       pool->def->name);
        return NULL;
    }
    return vgs;
}

/* Every PV with its VG. */
static GPtrArray *
logical_pvs(const char *who, GError **error)
{
    g_autoptr(ProvCommand) cmd = lvm_report_command(PVS, PROV_LOGICAL_PVS_FIELDS, NULL);
    g_autofree char *out = NULL;
    GPtrArray *pvs;

    if (!prov_command_run(cmd, &out, NULL, error) || !(pvs = prov_logical_parse_pvs(out, error))) {
        g_prefix_error(error, "%s: cannot list physical volumes: ", who);
        return NULL;
    }
    return pvs;
}

/* Runs a changing LVM command; on failure the error says what we were doing. */
static bool
lvm_run(ProvCommand *cmd, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static bool
lvm_run(ProvCommand *cmd, GError **error, const char *fmt, ...)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *what = NULL;
    va_list ap;

    if (prov_command_run(cmd, NULL, NULL, &local))
        return true;
    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, local->domain, local->code, "%s: %s", what, local->message);
    return false;
}

/* Best-effort removal of an LV we made, when a later step failed. */
static void
logical_lv_remove_quietly(const ProvStoragePool *pool, const char *name)
{
    g_autoptr(ProvCommand) cmd = lvm_command(LVREMOVE, LVM_CHANGE_TIMEOUT_MS);
    g_autoptr(GError) local = NULL;

    prov_command_add_args(cmd, "-f", NULL);
    prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), name);
    if (!prov_command_run(cmd, NULL, NULL, &local))
        g_warning("storage pool '%s': cannot remove logical volume '%s': %s, ignoring",
                  pool->def->name, name, local->message);
}

/* ---- the pool --------------------------------------------------------------- */

static bool
logical_check_def(const ProvPoolDef *def, GError **error)
{
    guint i;
    guint j;

    if (!prov_logical_name_check("volume group", def->source.name, error)) {
        g_prefix_error(error, "storage pool '%s': ", def->name);
        return false;
    }
    for (i = 0; i < def->source.devices->len; i++) {
        const ProvPoolSourceDevice *dev = g_ptr_array_index(def->source.devices, i);

        /* Relative paths would be resolved against our cwd, and "-x" read as an option. */
        if (!dev->path || !g_path_is_absolute(dev->path)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage pool '%s': source device '%s' is not an absolute path",
                        def->name, dev->path ? dev->path : "");
            return false;
        }
        for (j = 0; j < i; j++) {
            const ProvPoolSourceDevice *other = g_ptr_array_index(def->source.devices, j);

            if (g_str_equal(other->path, dev->path)) {
                g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                            "storage pool '%s': source device '%s' is listed twice",
                            def->name, dev->path);
                return false;
            }
        }
    }
    return true;
}

static const char *
logical_device(const ProvStoragePool *pool, guint i)
{
    const ProvPoolSourceDevice *dev = g_ptr_array_index(pool->def->source.devices, i);

    return dev->path;
}

/* Same device node?  PVs are named as LVM found them, sources as the user wrote them
 * (/dev/disk/by-id/... vs /dev/sdb), so compare device numbers. */
static bool
same_block_device(const char *a, const char *b)
{
    struct stat sa;
    struct stat sb;

    if (g_str_equal(a, b))
        return true;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && S_ISBLK(sa.st_mode) &&
        S_ISBLK(sb.st_mode) && sa.st_rdev == sb.st_rdev;
}

static const ProvLogicalPv *
pv_for_device(GPtrArray *pvs, const char *device)
{
    guint i;

    for (i = 0; i < pvs->len; i++) {
        const ProvLogicalPv *pv = g_ptr_array_index(pvs, i);

        if (same_block_device(pv->pv_name, device))
            return pv;
    }
    return NULL;
}

static bool
vg_has_pvs(GPtrArray *pvs, const char *vg)
{
    guint i;

    for (i = 0; i < pvs->len; i++) {
        const ProvLogicalPv *pv = g_ptr_array_index(pvs, i);

        if (g_str_equal(pv->vg_name, vg))
            return true;
    }
    return false;
}

/* Where is device @rdev mounted?  A mountinfo line (proc(5)):
 *   36 35 7:0 / /srv/images rw,relatime shared:1 - ext4 /dev/loop0 rw */
static char *
device_mount_point(dev_t rdev)
{
    g_autofree char *info = NULL;
    g_auto(GStrv) lines = NULL;
    char want[32];
    guint i;

    if (!g_file_get_contents("/proc/self/mountinfo", &info, NULL, NULL))
        return NULL;
    g_snprintf(want, sizeof(want), "%u:%u", major(rdev), minor(rdev));
    lines = g_strsplit(info, "\n", -1);
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 6);

        if (g_strv_length(f) >= 6 && g_str_equal(f[2], want))
            return g_strdup(f[4]);
    }
    return NULL;
}

/* Is @rdev an active swap area?  /proc/swaps: a header line, then "/dev/sdb2  partition ..." */
static bool
device_is_swap(dev_t rdev)
{
    g_autofree char *swaps = NULL;
    g_auto(GStrv) lines = NULL;
    guint i;

    if (!g_file_get_contents("/proc/swaps", &swaps, NULL, NULL))
        return false;
    lines = g_strsplit(swaps, "\n", -1);
    for (i = 1; lines[i]; i++) {
        g_autofree char *path = g_strndup(lines[i], strcspn(lines[i], " \t"));
        struct stat st;

        if (*path && stat(path, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == rdev)
            return true;
    }
    return false;
}

/* The first device-mapper or md device stacked on @rdev (sysfs holders/), or NULL. */
static char *
device_holder(dev_t rdev)
{
    g_autofree char *dir = g_strdup_printf("/sys/dev/block/%u:%u/holders", major(rdev),
                                           minor(rdev));
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name = d ? g_dir_read_name(d) : NULL;

    return g_strdup(name);
}

/*
 * A device we may turn into a PV: a block device nobody uses (mounted, swap, held
 * by device-mapper/md, or opened exclusively by someone else).
 */
static bool
logical_check_device_free(const ProvStoragePool *pool, const char *device, GError **error)
{
    const char *name = pool->def->name;
    g_autofree char *mnt = NULL;
    g_autofree char *holder = NULL;
    struct stat st;
    int fd;

    if (stat(device, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': source device '%s'", name, device);
    if (!S_ISBLK(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': source device '%s' is not a block device", name,
                    device);
        return false;
    }
    if ((mnt = device_mount_point(st.st_rdev))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                    "storage pool '%s': source device '%s' is mounted on '%s'", name, device,
                    mnt);
        return false;
    }
    if (device_is_swap(st.st_rdev)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                    "storage pool '%s': source device '%s' is in use as swap", name, device);
        return false;
    }
    if ((holder = device_holder(st.st_rdev))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                    "storage pool '%s': source device '%s' is in use by '%s'", name, device,
                    holder);
        return false;
    }
    /* The kernel's own answer: an exclusive open fails with EBUSY on a device in use. */
    fd = open(device, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
    if (fd >= 0)
        close(fd);
    else if (errno == EBUSY) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                    "storage pool '%s': source device '%s' is in use", name, device);
        return false;
    }
    return true;
}

/* Before touching any device: each is free and not a PV of some VG. */
static bool
logical_build_check(const ProvStoragePool *pool, unsigned int flags, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autoptr(GPtrArray) pvs = NULL;
    g_autofree char *who = g_strdup_printf("storage pool '%s'", def->name);
    guint i;

    if (def->source.devices->len == 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': building a volume group needs at least one "
                    "<device path='...'/> in <source>", def->name);
        return false;
    }
    if (!(pvs = logical_pvs(who, error)))
        return false;
    if (vg_has_pvs(pvs, def->source.name)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_POOL_BUILT,
                    "storage pool '%s': volume group '%s' already exists", def->name,
                    def->source.name);
        return false;
    }
    for (i = 0; i < def->source.devices->len; i++) {
        const char *device = logical_device(pool, i);
        const ProvLogicalPv *pv;

        if (!logical_check_device_free(pool, device, error))
            return false;
        /* Never taken over, not even with --overwrite: that VG's data would be lost. */
        if ((pv = pv_for_device(pvs, device)) && *pv->vg_name) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                        "storage pool '%s': source device '%s' is already a physical volume "
                        "of volume group '%s'", def->name, device, pv->vg_name);
            return false;
        }
    }
    if (flags & PROV_POOL_BUILD_OVERWRITE)
        return true;
    for (i = 0; i < def->source.devices->len; i++) {
        const char *device = logical_device(pool, i);
        g_autofree char *found = NULL;

        if (!prov_block_device_probe(pool->def->name, device, &found, error))
            return false;
        if (found) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_POOL_BUILT,
                        "storage pool '%s': source device '%s' already holds '%s'; "
                        "use --overwrite to replace it", def->name, device, found);
            return false;
        }
    }
    return true;
}

static void
logical_pvremove_quietly(const ProvStoragePool *pool, const char *device)
{
    g_autoptr(ProvCommand) cmd = lvm_command(PVREMOVE, LVM_CHANGE_TIMEOUT_MS);
    g_autoptr(GError) local = NULL;

    prov_command_add_args(cmd, "-y", device, NULL);
    if (!prov_command_run(cmd, NULL, NULL, &local))
        g_warning("storage pool '%s': cannot remove the physical volume on '%s': %s, ignoring",
                  pool->def->name, device, local->message);
}

/*
 * Build = a PV on each source device, then the VG over them.  A device holding
 * anything (a filesystem, a partition table, an old PV) is refused unless
 * --overwrite, which wipes its signatures first (wipefs -a) and forces pvcreate
 * (-ff -y).  A PV of another VG, a mounted or otherwise busy device is refused
 * always, before any device is touched.  On failure the PVs made are removed.
 */
static bool
logical_build_pool(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autoptr(ProvCommand) vgcreate = NULL;
    guint done;
    guint i;

    if (!logical_check_def(pool->def, error) || !logical_build_check(pool, flags, error))
        return false;
    for (done = 0; done < def->source.devices->len; done++) {
        const char *device = logical_device(pool, done);
        g_autoptr(ProvCommand) pvcreate = lvm_command(PVCREATE, LVM_CHANGE_TIMEOUT_MS);
        bool ok = true;

        if (flags & PROV_POOL_BUILD_OVERWRITE) {
            g_autoptr(ProvCommand) wipe = lvm_command(WIPEFS, LVM_CHANGE_TIMEOUT_MS);

            prov_command_add_args(wipe, "-a", "--", device, NULL);
            prov_command_add_args(pvcreate, "-ff", "-y", NULL);
            ok = lvm_run(wipe, error, "storage pool '%s': cannot wipe the signatures on '%s'",
                         def->name, device);
        }
        prov_command_add_arg(pvcreate, device);
        if (!ok || !lvm_run(pvcreate, error, "storage pool '%s': cannot make '%s' a physical "
                            "volume", def->name, device))
            goto error;
    }
    vgcreate = lvm_command(VGCREATE, LVM_CHANGE_TIMEOUT_MS);
    prov_command_add_arg(vgcreate, def->source.name);
    for (i = 0; i < def->source.devices->len; i++)
        prov_command_add_arg(vgcreate, logical_device(pool, i));
    if (lvm_run(vgcreate, error, "storage pool '%s': cannot create volume group '%s'",
                def->name, def->source.name))
        return true;
error:
    for (i = 0; i < done; i++)
        logical_pvremove_quietly(pool, logical_device(pool, i));
    return false;
}

/**
 * prov_logical_start_command:
 * @def: a logical pool
 *
 * `vgchange -aly VG`: activates every LV of the VG (those flagged to skip
 * activation excepted), the command libvirt runs (checked against its
 * storagepoolxml2argvdata).
 */
ProvCommand *
prov_logical_start_command(const ProvPoolDef *def)
{
    ProvCommand *cmd = lvm_command(VGCHANGE, LVM_CHANGE_TIMEOUT_MS);

    prov_command_add_args(cmd, "-aly", def->source.name, NULL);
    return cmd;
}

/* The VG must exist and, when the pool lists devices, sit on at least one of them
 * (libvirt's rule: the VG may have grown onto more PVs since). */
static bool
logical_check_vg_source(const ProvStoragePool *pool, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autofree char *who = g_strdup_printf("storage pool '%s'", def->name);
    g_autoptr(GPtrArray) pvs = logical_pvs(who, error);
    guint i;

    if (!pvs)
        return false;
    if (!vg_has_pvs(pvs, def->source.name)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': volume group '%s' not found (build it with pool-build)",
                    def->name, def->source.name);
        return false;
    }
    if (def->source.devices->len == 0)
        return true;
    for (i = 0; i < def->source.devices->len; i++) {
        const ProvLogicalPv *pv = pv_for_device(pvs, logical_device(pool, i));

        if (pv && g_str_equal(pv->vg_name, def->source.name))
            return true;
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                "storage pool '%s': volume group '%s' is not on any of the pool's source "
                "devices (first: '%s')", def->name, def->source.name, logical_device(pool, 0));
    return false;
}

/*
 * Start = activate the VG, then drop clones a crash left half-filled (tagged
 * PROV_LOGICAL_INCOMPLETE_TAG): no volume job runs while a pool is stopped, so
 * every tagged LV found now is a leftover.
 */
static bool
logical_start_pool(ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GPtrArray) lvs = NULL;
    guint i;

    if (!logical_check_def(pool->def, error) || !logical_check_vg_source(pool, error))
        return false;
    cmd = prov_logical_start_command(pool->def);
    if (!lvm_run(cmd, error, "storage pool '%s': cannot activate volume group '%s'",
                 pool->def->name, logical_vg(pool)))
        return false;
    if (!logical_lvs(pool, logical_vg(pool), &lvs, NULL, error))
        return false;
    for (i = 0; i < lvs->len; i++) {
        const ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (lv_has_tag(lv, PROV_LOGICAL_INCOMPLETE_TAG))
            logical_lv_remove_quietly(pool, lv->name);
    }
    return true;
}

/* Does the VG exist?  (*ret_vg gets it, or NULL.) */
static bool
logical_find_vg(const ProvStoragePool *pool, ProvLogicalVg **ret_vg, GError **error)
{
    g_autoptr(GPtrArray) vgs = logical_vgs(pool, error);
    guint i;

    *ret_vg = NULL;
    if (!vgs)
        return false;
    for (i = 0; i < vgs->len; i++) {
        ProvLogicalVg *vg = g_ptr_array_index(vgs, i);

        if (g_str_equal(vg->name, logical_vg(pool))) {
            *ret_vg = g_ptr_array_steal_index(vgs, i);
            return true;
        }
    }
    return true;
}

/*
 * Stop = deactivate every LV (`vgchange -aln`).  LVM refuses while an LV is open
 * ("Can't deactivate volume group "vg" with 1 open logical volume(s)"); that error
 * is passed on.  A VG that no longer exists is stopped already.
 */
static bool
logical_stop_pool(ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(GError) probe = NULL;
    g_autoptr(ProvLogicalVg) vg = NULL;

    if (!logical_check_def(pool->def, error))
        return false;
    cmd = lvm_command(VGCHANGE, LVM_CHANGE_TIMEOUT_MS);
    prov_command_add_args(cmd, "-aln", logical_vg(pool), NULL);
    if (lvm_run(cmd, &local, "storage pool '%s': cannot deactivate volume group '%s'",
                pool->def->name, logical_vg(pool)))
        return true;
    if (logical_find_vg(pool, &vg, &probe) && !vg) {
        g_debug("%s (the volume group is gone)", local->message);
        return true;
    }
    g_propagate_error(error, g_steal_pointer(&local));
    return false;
}

/**
 * prov_logical_dm_name_in_vg:
 *
 * Device-mapper names of LVM devices are "<vg>-<lv>" with every '-' inside a name
 * doubled ("my-vg" + "thin-1" -> "my--vg-thin--1"; hidden parts add a suffix:
 * "vg-pool-tpool").  So "a-x" belongs to VG a, and "a--b-x" to VG a-b, not to a.
 */
bool
prov_logical_dm_name_in_vg(const char *dm_name, const char *vg)
{
    const char *p = dm_name;
    const char *v;

    for (v = vg; *v; v++) {
        if (*p++ != *v)
            return false;
        if (*v == '-' && *p++ != '-')
            return false;
    }
    return p[0] == '-' && p[1] != '\0' && p[1] != '-';
}

/* Is there an active LVM device (dm uuid "LVM-...") of VG @vg?  From sysfs, no LVM run. */
static bool
vg_has_active_device(const char *vg)
{
    g_autoptr(GDir) dir = g_dir_open("/sys/block", 0, NULL);
    const char *entry;

    if (!dir)
        return false;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *name_path = NULL;
        g_autofree char *uuid_path = NULL;
        g_autofree char *name = NULL;
        g_autofree char *uuid = NULL;

        if (!g_str_has_prefix(entry, "dm-"))
            continue;
        name_path = g_strdup_printf("/sys/block/%s/dm/name", entry);
        uuid_path = g_strdup_printf("/sys/block/%s/dm/uuid", entry);
        if (!g_file_get_contents(name_path, &name, NULL, NULL) ||
            !g_file_get_contents(uuid_path, &uuid, NULL, NULL))
            continue;
        if (g_str_has_prefix(uuid, "LVM-") && prov_logical_dm_name_in_vg(g_strchomp(name), vg))
            return true;
    }
    return false;
}

/*
 * Active = the VG has an active LV, or none that activation would touch (an empty
 * VG has nothing to activate).  The driver asks for every active pool whenever it
 * starts, so an active device-mapper device of the VG answers without running LVM;
 * else one `lvs VG` decides.  A VG that is gone makes lvs fail ("Volume group "vg"
 * not found", exit 5): the pool is not active then.  `vgchange -aln` behind our
 * back makes it inactive too.
 */
static bool
logical_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    g_autoptr(GPtrArray) lvs = NULL;
    bool any = false;
    guint i;

    *ret_active = false;
    if (!logical_check_def(pool->def, error))
        return false;
    if (vg_has_active_device(logical_vg(pool))) {
        *ret_active = true;
        return true;
    }
    if (!logical_lvs(pool, logical_vg(pool), &lvs, NULL, error))
        return false;
    for (i = 0; i < lvs->len; i++) {
        const ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (lv_skips_activation(lv))
            continue;
        any = true;
        if (lv_is_active(lv)) {
            *ret_active = true;
            return true;
        }
    }
    *ret_active = !any;
    return true;
}

static void
logical_fill_perms(ProvVolDef *vol)
{
    struct stat st;

    if (stat(vol->target_path, &st) < 0)
        return;
    vol->perms.mode = st.st_mode & 07777;
    vol->perms.uid = st.st_uid;
    vol->perms.gid = st.st_gid;
}

static void
logical_set_usage(ProvPoolDef *def, const ProvLogicalVg *vg)
{
    def->capacity = vg->size;
    def->available = vg->free;
    def->allocation = vg->size >= vg->free ? vg->size - vg->free : 0;
}

/*
 * Refresh = one `lvs VG` (its rows carry the VG's size and free space too); only
 * a VG without LVs needs `vgs` for those.
 */
static bool
logical_refresh_pool(ProvStoragePool *pool, GError **error)
{
    g_autoptr(GPtrArray) lvs = NULL;
    ProvLogicalVg vg = { 0 };
    guint i;

    if (!logical_check_def(pool->def, error) ||
        !logical_lvs(pool, logical_vg(pool), &lvs, &vg, error))
        return false;
    if (lvs->len == 0) {
        g_autoptr(ProvLogicalVg) found = NULL;

        if (!logical_find_vg(pool, &found, error))
            return false;
        if (!found) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                        "storage pool '%s': volume group '%s' not found", pool->def->name,
                        logical_vg(pool));
            return false;
        }
        vg.size = found->size;
        vg.free = found->free;
    }
    logical_set_usage(pool->def, &vg);
    for (i = 0; i < lvs->len; i++) {
        ProvVolDef *vol = prov_logical_lv_to_vol(logical_vg(pool), g_ptr_array_index(lvs, i));

        if (!vol)
            continue;
        logical_fill_perms(vol);
        g_ptr_array_add(pool->vols, vol);
    }
    return true;
}

static bool
logical_pool_usage(ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvLogicalVg) vg = NULL;

    if (!logical_check_def(pool->def, error) || !logical_find_vg(pool, &vg, error))
        return false;
    if (vg)
        logical_set_usage(pool->def, vg);
    return true;
}

/*
 * Delete = remove the VG with all its LVs (`vgremove -f`, as libvirt does) and the
 * PV labels on the pool's devices.  Devices that meanwhile belong to another VG
 * are left alone; a VG already gone is not an error, so a half-done delete can be
 * repeated.
 */
static bool
logical_delete_pool(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autofree char *who = g_strdup_printf("storage pool '%s'", def->name);
    g_autoptr(GPtrArray) pvs = NULL;
    g_autoptr(GString) failed = g_string_new(NULL);
    guint i;

    if (!logical_check_def(pool->def, error) || !(pvs = logical_pvs(who, error)))
        return false;
    if (vg_has_pvs(pvs, def->source.name)) {
        g_autoptr(ProvCommand) cmd = lvm_command(VGREMOVE, LVM_CHANGE_TIMEOUT_MS);

        prov_command_add_args(cmd, "-f", def->source.name, NULL);
        if (!lvm_run(cmd, error, "storage pool '%s': cannot remove volume group '%s'",
                     def->name, def->source.name))
            return false;
    }
    for (i = 0; i < def->source.devices->len; i++) {
        const char *device = logical_device(pool, i);
        const ProvLogicalPv *pv = pv_for_device(pvs, device);
        g_autoptr(ProvCommand) cmd = NULL;
        g_autoptr(GError) local = NULL;

        if (!pv || (*pv->vg_name && !g_str_equal(pv->vg_name, def->source.name)))
            continue;
        cmd = lvm_command(PVREMOVE, LVM_CHANGE_TIMEOUT_MS);
        prov_command_add_args(cmd, "-y", device, NULL);
        if (!prov_command_run(cmd, NULL, NULL, &local)) {
            g_debug("%s", local->message);
            g_string_append_printf(failed, "%s'%s'", failed->len ? ", " : "", device);
        }
    }
    if (failed->len) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "storage pool '%s': volume group '%s' is removed, but the physical volume "
                    "label could not be removed from %s", def->name, def->source.name,
                    failed->str);
        return false;
    }
    return true;
}

/* find-storage-pool-sources: VGs with their PVs (libvirt's document). */
char *
prov_logical_sources_format(GPtrArray *pvs)
{
    g_autoptr(GPtrArray) sources = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_pool_source_free);
    g_autoptr(GHashTable) by_vg = g_hash_table_new(g_str_hash, g_str_equal);
    guint i;

    for (i = 0; i < pvs->len; i++) {
        const ProvLogicalPv *pv = g_ptr_array_index(pvs, i);
        ProvPoolSource *src;

        if (!*pv->vg_name)
            continue;
        if (!(src = g_hash_table_lookup(by_vg, pv->vg_name))) {
            src = prov_pool_source_new();
            src->name = g_strdup(pv->vg_name);
            src->format = PROV_LOGICAL_LVM2;
            g_hash_table_insert(by_vg, src->name, src);
            g_ptr_array_add(sources, src);
        }
        prov_pool_source_add_device(src, pv->pv_name);
    }
    return prov_pool_source_list_format(PROV_POOL_LOGICAL, sources);
}

static char *
logical_find_pool_sources(const char *srcspec, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) pvs = NULL;

    /* The spec is ignored, as in libvirt: every VG on this host is a candidate. */
    if (flags) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "find-storage-pool-sources: unsupported flags 0x%x for 'logical' pools",
                    flags);
        return NULL;
    }
    if (!(pvs = logical_pvs("find-storage-pool-sources", error)))
        return NULL;
    return prov_logical_sources_format(pvs);
}

/* ---- volumes -------------------------------------------------------------- */

/* LVM wants sizes in whole 512-byte sectors ("Size is not a multiple of 512"). */
static guint64
sector_round_up(guint64 bytes)
{
    return (bytes + 511) / 512 * 512;
}

static bool
logical_vol_sparse(const ProvVolDef *vol)
{
    return vol->has_allocation && vol->allocation < vol->capacity;
}

static bool
logical_check_vol(const ProvStoragePool *pool, const ProvVolDef *vol, GError **error)
{
    if (!logical_check_def(pool->def, error))
        return false;
    if (!prov_logical_name_check("logical volume", vol->name, error)) {
        g_prefix_error(error, "storage volume '%s': ", vol->name);
        return false;
    }
    return true;
}

/* A build or clone: @flags are those it does not handle (none may be left), then the
 * checks of every volume operation. */
static bool
logical_check_build(const ProvStoragePool *pool, const ProvVolDef *vol, unsigned int flags,
                    GError **error)
{
    if (flags) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume '%s': unsupported flags 0x%x", vol->name, flags);
        return false;
    }
    return logical_check_vol(pool, vol, error);
}

/* Define: the LV's path is fixed by LVM; its key (the LV UUID) is known once built. */
static bool
logical_create_vol(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    g_autofree char *prefix = NULL;
    struct stat st;

    if (!logical_check_vol(pool, vol, error))
        return false;
    if (vol->encryption) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': encrypted volumes are not supported in 'logical' "
                    "pools", vol->name);
        return false;
    }
    if (vol->backing.path) {
        prefix = g_strdup_printf("/dev/%s/", logical_vg(pool));
        if (!g_str_has_prefix(vol->backing.path, prefix) ||
            strchr(vol->backing.path + strlen(prefix), '/')) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                        "storage volume '%s': the backing store '%s' must be a volume of "
                        "pool '%s' ('%s...')", vol->name, vol->backing.path, pool->def->name,
                        prefix);
            return false;
        }
    }
    g_free(vol->target_path);
    vol->target_path = g_strdup_printf("/dev/%s/%s", logical_vg(pool), vol->name);
    if (lstat(vol->target_path, &st) == 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST,
                    "storage volume '%s': '%s' already exists", vol->name, vol->target_path);
        return false;
    }
    vol->type = PROV_VOL_BLOCK;
    g_free(vol->key);
    vol->key = g_strdup(vol->target_path);
    return true;
}

/* The LV just made, as a volume (key = its UUID); @lv may be NULL. */
static bool
logical_vol_reload(const ProvStoragePool *pool, ProvVolDef *vol, ProvLogicalLv **ret_lv,
                   GError **error)
{
    g_autoptr(ProvLogicalLv) lv = logical_lv_get(pool, vol->name, error);

    if (!lv)
        return false;
    g_free(vol->key);
    vol->key = g_strdup(lv->uuid);
    vol->capacity = lv_is_cow_snapshot(lv) && lv->origin_size ? lv->origin_size : lv->size;
    if (*lv->path) {
        g_free(vol->target_path);
        vol->target_path = g_strdup(lv->path);
    }
    if (ret_lv)
        *ret_lv = g_steal_pointer(&lv);
    return true;
}

/* Free data space of a thin pool. */
static guint64
thin_pool_free(const ProvLogicalLv *tp)
{
    guint64 used = tp->data_percent < 0 ? 0 : lvm_percent_of(tp->size, tp->data_percent);

    return tp->size > used ? tp->size - used : 0;
}

/*
 * The thin pool for a new thin volume: PROV_LOGICAL_THIN_POOL if the VG has it,
 * else the thin pool with the most free space (one the administrator made), else
 * a new PROV_LOGICAL_THIN_POOL of half the VG's free space (at least @want bytes).
 * A pool with less than @want bytes free is grown by the difference, so a volume
 * created with <allocation> N finds N bytes to write into.  *@ret_created says
 * whether the pool is new (to remove it again when the volume cannot be made).
 */
static bool
logical_thin_pool(const ProvStoragePool *pool, guint64 want, char **ret_name,
                  bool *ret_created, GError **error)
{
    g_autoptr(GPtrArray) lvs = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    ProvLogicalVg vg = { 0 };
    const ProvLogicalLv *best = NULL;
    guint64 size;
    guint i;

    *ret_created = false;
    if (!logical_lvs(pool, logical_vg(pool), &lvs, &vg, error))
        return false;
    for (i = 0; i < lvs->len; i++) {
        const ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (!lv_is_thin_pool(lv))
            continue;
        if (g_str_equal(lv->name, PROV_LOGICAL_THIN_POOL)) {
            best = lv;
            break;
        }
        if (!best || thin_pool_free(lv) > thin_pool_free(best))
            best = lv;
    }
    if (best) {
        guint64 avail = thin_pool_free(best);

        if (want > avail) {
            cmd = lvm_command(LVRESIZE, LVM_CHANGE_TIMEOUT_MS);
            prov_command_add_arg(cmd, "-L");
            prov_command_add_arg_format(cmd, "+%" G_GUINT64_FORMAT "b",
                                        sector_round_up(want - avail));
            prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), best->name);
            if (!lvm_run(cmd, error, "storage pool '%s': cannot grow thin pool '%s'",
                         pool->def->name, best->name))
                return false;
        }
        *ret_name = g_strdup(best->name);
        return true;
    }
    if (lvs->len == 0) {
        g_autoptr(ProvLogicalVg) found = NULL;

        if (!logical_find_vg(pool, &found, error))
            return false;
        if (found)
            vg.free = found->free;
    }
    size = MAX(sector_round_up(want), vg.free / 2 / 512 * 512);
    cmd = lvm_command(LVCREATE, LVM_CHANGE_TIMEOUT_MS);
    prov_command_add_args(cmd, "-y", "--type", "thin-pool", "-n", PROV_LOGICAL_THIN_POOL, NULL);
    prov_command_add_arg(cmd, "-L");
    prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT "b", size);
    prov_command_add_arg(cmd, logical_vg(pool));
    if (!lvm_run(cmd, error, "storage pool '%s': cannot create thin pool '%s'",
                 pool->def->name, PROV_LOGICAL_THIN_POOL))
        return false;
    *ret_name = g_strdup(PROV_LOGICAL_THIN_POOL);
    *ret_created = true;
    return true;
}

/*
 * lvcreate for a new volume of @capacity bytes: linear (-L), or thin (-V in
 * @thin_pool) when @thin_pool is set; @tag marks it (a clone in progress).
 */
static ProvCommand *
logical_lvcreate_command(const ProvStoragePool *pool, const char *name, guint64 capacity,
                         const char *thin_pool, const char *tag)
{
    ProvCommand *cmd = lvm_command(LVCREATE, LVM_CHANGE_TIMEOUT_MS);

    prov_command_add_args(cmd, "-y", "-n", name, NULL);
    if (tag)
        prov_command_add_args(cmd, "--addtag", tag, NULL);
    prov_command_add_arg(cmd, thin_pool ? "-V" : "-L");
    prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT "b", sector_round_up(capacity));
    if (thin_pool) {
        prov_command_add_arg(cmd, "-T");
        prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), thin_pool);
    } else {
        prov_command_add_arg(cmd, logical_vg(pool));
    }
    return cmd;
}

/* A new empty LV: thin when @sparse, else linear. */
static bool
logical_lv_create(const ProvStoragePool *pool, const ProvVolDef *vol, guint64 capacity,
                  bool sparse, const char *tag, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autofree char *thin_pool = NULL;
    bool created = false;

    if (sparse && !logical_thin_pool(pool, vol->has_allocation ? vol->allocation : 0,
                                     &thin_pool, &created, error))
        return false;
    cmd = logical_lvcreate_command(pool, vol->name, capacity, thin_pool, tag);
    if (lvm_run(cmd, error, "storage volume '%s': cannot create logical volume '%s/%s'",
                vol->name, logical_vg(pool), vol->name))
        return true;
    if (created)
        logical_lv_remove_quietly(pool, thin_pool);
    return false;
}

/* A thin snapshot of thin volume @origin (-kn: activated like any volume, unlike
 * LVM's default for thin snapshots), grown to @capacity when asked. */
static bool
logical_thin_snapshot(const ProvStoragePool *pool, const ProvVolDef *vol,
                      const ProvLogicalLv *origin, guint64 capacity, GError **error)
{
    g_autoptr(ProvCommand) cmd = lvm_command(LVCREATE, LVM_CHANGE_TIMEOUT_MS);

    prov_command_add_args(cmd, "-y", "-s", "-kn", "-n", vol->name, NULL);
    prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), origin->name);
    if (!lvm_run(cmd, error, "storage volume '%s': cannot snapshot '%s/%s'", vol->name,
                 logical_vg(pool), origin->name))
        return false;
    if (sector_round_up(capacity) > origin->size) {
        g_autoptr(ProvCommand) grow = lvm_command(LVRESIZE, LVM_CHANGE_TIMEOUT_MS);

        prov_command_add_arg(grow, "-L");
        prov_command_add_arg_format(grow, "%" G_GUINT64_FORMAT "b", sector_round_up(capacity));
        prov_command_add_arg_format(grow, "%s/%s", logical_vg(pool), vol->name);
        if (!lvm_run(grow, error, "storage volume '%s': cannot grow the snapshot", vol->name)) {
            logical_lv_remove_quietly(pool, vol->name);
            return false;
        }
    }
    return true;
}

/*
 * Build: a linear LV of <capacity>, or - when <allocation> is below it - a thin
 * volume in the VG's thin pool (see logical_thin_pool).  With a <backingStore> in
 * this VG: a thin snapshot of a thin origin, else an old-style snapshot whose
 * copy-on-write space is <allocation> (or <capacity>), as libvirt makes them.
 */
static bool
logical_build_vol(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                  const ProvProgress *progress, GError **error)
{
    guint64 capacity = vol->capacity;

    /* A linear LV is fully allocated anyway; there is no metadata to preallocate. */
    if (!logical_check_build(pool, vol, flags & ~PROV_VOL_CREATE_PREALLOC_METADATA, error))
        return false;
    if (vol->backing.path) {
        const char *origin_name = strrchr(vol->backing.path, '/') + 1;
        g_autoptr(ProvLogicalLv) origin = logical_lv_get(pool, origin_name, error);

        if (!origin)
            return false;
        if (lv_is_thin(origin)) {
            if (!logical_thin_snapshot(pool, vol, origin, capacity, error))
                return false;
        } else {
            g_autoptr(ProvCommand) cmd = lvm_command(LVCREATE, LVM_CHANGE_TIMEOUT_MS);
            guint64 cow = vol->has_allocation && vol->allocation > 0 ? vol->allocation :
                capacity;

            prov_command_add_args(cmd, "-y", "-s", "-n", vol->name, "-L", NULL);
            prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT "b", sector_round_up(cow));
            prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), origin->name);
            if (!lvm_run(cmd, error, "storage volume '%s': cannot snapshot '%s/%s'", vol->name,
                         logical_vg(pool), origin->name))
                return false;
        }
    } else if (!logical_lv_create(pool, vol, capacity, logical_vol_sparse(vol), NULL, error)) {
        return false;
    }
    prov_progress_report(progress, capacity, capacity);
    return logical_vol_reload(pool, vol, NULL, error);
}

/* Size in bytes of an open file or block device. */
static bool
fd_size(int fd, const char *what, guint64 *ret_size, GError **error)
{
    struct stat st;
    off_t end;

    if (fstat(fd, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s", what);
    if (S_ISREG(st.st_mode)) {
        *ret_size = st.st_size;
        return true;
    }
    if (!S_ISBLK(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_STORAGE_VOL,
                    "%s is not a file or block device", what);
        return false;
    }
    if ((end = lseek(fd, 0, SEEK_END)) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno, "%s", what);
    *ret_size = end;
    return true;
}

/* Is @src an image (qcow2, vmdk...) rather than raw data? */
static bool
src_is_image(const ProvVolDef *src, int fd)
{
    struct stat st;

    return src->format != -1 && src->format != PROV_FORMAT_RAW &&
        src->format != PROV_FORMAT_NONE && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
        prov_file_format_to_string(src->format) != NULL;
}

/* Copy @src's data into the LV at @dst_path (its size at least the source's). */
static bool
logical_copy_into(const ProvVolDef *vol, const ProvVolDef *src, int sfd, const char *dst_path,
                  bool dst_zeroed, const ProvProgress *progress, GError **error)
{
    g_autofree char *what = g_strdup_printf("storage volume '%s'", vol->name);
    PROV_AUTOCLOSE int dfd = -1;
    guint64 length;

    if (src_is_image(src, sfd)) {
        g_autoptr(ProvCommand) cmd = lvm_command(QEMU_IMG, LVM_COPY_TIMEOUT_MS);

        /* -n: the target exists; a new thin LV reads as zeros, so they need no writing. */
        prov_command_add_args(cmd, "convert", "-n", "-f",
                              prov_file_format_to_string(src->format), "-O", "raw", NULL);
        if (dst_zeroed)
            prov_command_add_arg(cmd, "--target-is-zero");
        prov_command_add_args(cmd, src->target_path, dst_path, NULL);
        prov_progress_report(progress, 0, src->capacity);
        if (!lvm_run(cmd, error, "storage volume '%s': cannot convert '%s'", vol->name,
                     src->target_path))
            return false;
        prov_progress_report(progress, src->capacity, src->capacity);
        return true;
    }
    if (!fd_size(sfd, what, &length, error))
        return false;
    /* O_EXCL on a block device: nobody mounts the half-filled volume meanwhile. */
    dfd = open(dst_path, O_WRONLY | O_EXCL | O_NOCTTY | O_CLOEXEC);
    if (dfd < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", vol->name,
                                    dst_path);
    if (!prov_local_copy_sparse(what, sfd, dfd, length, dst_zeroed, progress, error))
        return false;
    if (fsync(dfd) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot sync", vol->name);
    return true;
}

/* Is @src a volume of this pool's VG?  Returns its LV name (in @src's path) or NULL. */
static const char *
src_lv_name(const ProvStoragePool *pool, const ProvVolDef *src)
{
    g_autofree char *prefix = g_strdup_printf("/dev/%s/", logical_vg(pool));
    const char *rest;

    if (!src->target_path || !g_str_has_prefix(src->target_path, prefix))
        return NULL;
    rest = src->target_path + strlen(prefix);
    return *rest && !strchr(rest, '/') ? rest : NULL;
}

/*
 * Clone: a thin volume of this VG is snapshotted (instant, shares its blocks).
 * Anything else - a linear LV, a volume of another pool, a file - is copied into
 * a new LV (linear, or thin when <allocation> is below <capacity>): only data is
 * written (holes and zero blocks are skipped on a thin target, written as zeroes
 * by the kernel's write-zeroes on a linear one); images (qcow2...) are converted
 * with `qemu-img convert -n`.  While being filled the LV carries the tag
 * PROV_LOGICAL_INCOMPLETE_TAG, so no listing shows it; on failure it is removed.
 */
static bool
logical_build_vol_from(ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                       unsigned int flags, const ProvProgress *progress, GError **error)
{
    g_autoptr(ProvLogicalLv) lv = NULL;
    g_autoptr(ProvCommand) untag = NULL;
    PROV_AUTOCLOSE int sfd = -1;
    const char *src_name = src_lv_name(pool, src);
    guint64 src_size;
    bool sparse;

    flags &= ~PROV_VOL_CREATE_PREALLOC_METADATA;
    if (flags & PROV_VOL_CREATE_REFLINK) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': reflink is not supported in 'logical' pools",
                    vol->name);
        return false;
    }
    if (!logical_check_build(pool, vol, flags, error))
        return false;
    if (src->encryption) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage volume '%s': cloning encrypted volumes is not supported",
                    vol->name);
        return false;
    }
    if (!src->target_path) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR,
                    "storage volume '%s': source volume '%s' has no path", vol->name,
                    src->name);
        return false;
    }
    if (src_name) {
        g_autoptr(ProvLogicalLv) origin = logical_lv_get(pool, src_name, error);

        if (!origin)
            return false;
        if (lv_is_thin(origin)) {
            if (!logical_thin_snapshot(pool, vol, origin, MAX(vol->capacity, origin->size),
                                       error))
                return false;
            prov_progress_report(progress, origin->size, origin->size);
            return logical_vol_reload(pool, vol, NULL, error);
        }
    }

    sfd = open(src->target_path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
    if (sfd < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open source '%s'", vol->name,
                                    src->target_path);
    if (src_is_image(src, sfd))
        src_size = src->capacity;
    else if (!fd_size(sfd, src->target_path, &src_size, error))
        return false;
    vol->capacity = MAX(vol->capacity, src_size);
    vol->has_capacity = true;
    sparse = logical_vol_sparse(vol);
    if (!logical_lv_create(pool, vol, vol->capacity, sparse, PROV_LOGICAL_INCOMPLETE_TAG,
                           error))
        return false;
    if (!logical_vol_reload(pool, vol, &lv, error) ||
        !logical_copy_into(vol, src, sfd, vol->target_path, lv_is_thin(lv), progress, error))
        goto error;
    untag = lvm_command(LVCHANGE, LVM_CHANGE_TIMEOUT_MS);
    prov_command_add_args(untag, "--deltag", PROV_LOGICAL_INCOMPLETE_TAG, NULL);
    prov_command_add_arg_format(untag, "%s/%s", logical_vg(pool), vol->name);
    if (lvm_run(untag, error, "storage volume '%s': cannot publish logical volume '%s/%s'",
                vol->name, logical_vg(pool), vol->name))
        return true;
error:
    logical_lv_remove_quietly(pool, vol->name);
    return false;
}

/* ---- wipe ---------------------------------------------------------------- */

/* The device's discard granularity (0 = no discard), from sysfs. */
static guint64
device_discard_granularity(int fd)
{
    struct stat st;
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autofree char *max_text = NULL;
    guint64 gran = 0;
    guint64 max = 0;

    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode))
        return 0;
    path = g_strdup_printf("/sys/dev/block/%u:%u/queue/discard_max_bytes",
                           major(st.st_rdev), minor(st.st_rdev));
    if (!g_file_get_contents(path, &max_text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(max_text), 10, 0, G_MAXUINT64, &max, NULL) ||
        max == 0)
        return 0;
    g_free(path);
    path = g_strdup_printf("/sys/dev/block/%u:%u/queue/discard_granularity",
                           major(st.st_rdev), minor(st.st_rdev));
    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !g_ascii_string_to_unsigned(g_strstrip(text), 10, 0, G_MAXUINT64, &gran, NULL))
        return 0;
    return gran;
}

/* BLKZEROOUT or BLKDISCARD over [start, end) in chunks, with progress. */
static bool
device_range_ioctl(const ProvVolDef *vol, int fd, unsigned long req, guint64 start,
                   guint64 end, guint64 total, const ProvProgress *progress, GError **error)
{
    guint64 pos = start;

    while (pos < end) {
        guint64 range[2] = { pos, MIN(LVM_WIPE_CHUNK, end - pos) };

        if (ioctl(fd, req, range) < 0) {
            if (errno == EINTR)
                continue;
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage volume '%s': cannot %s '%s'", vol->name,
                                        req == BLKDISCARD ? "discard" : "zero",
                                        vol->target_path);
        }
        pos += range[1];
        prov_progress_report(progress, pos, total);
    }
    return true;
}

/*
 * Zero a volume.  A thin volume gives its blocks back to the thin pool (discard:
 * unprovisioned blocks read as zeros), with only partial blocks at the edges
 * written; writing zeros would allocate every block.  Any other LV is zeroed with
 * BLKZEROOUT, which the kernel turns into write-zeroes commands where the storage
 * has them and into written zeros elsewhere.
 */
static bool
logical_zero(const ProvVolDef *vol, int fd, guint64 size, bool thin,
             const ProvProgress *progress, GError **error)
{
    guint64 gran = thin ? device_discard_granularity(fd) : 0;
    guint64 end;

    prov_progress_report(progress, 0, size);
    if (gran == 0 || size < gran)
        return device_range_ioctl(vol, fd, BLKZEROOUT, 0, size, size, progress, error);
    end = size / gran * gran;
    return device_range_ioctl(vol, fd, BLKDISCARD, 0, end, size, progress, error) &&
        device_range_ioctl(vol, fd, BLKZEROOUT, end, size, size, progress, error);
}

/*
 * Wipe: zero as above; trim discards the whole volume (the storage decides what
 * is read afterwards); the other algorithms are volume_local's (random data,
 * scrub's patterns) on the device.  Old-style snapshots are refused, as in
 * libvirt: the writes would fill their copy-on-write space.
 */
static bool
logical_wipe_vol(ProvStoragePool *pool, ProvVolDef *vol, ProvWipeAlgorithm algorithm,
                 unsigned int flags, const ProvProgress *progress, GError **error)
{
    g_autoptr(ProvLogicalLv) lv = NULL;
    PROV_AUTOCLOSE int fd = -1;
    guint64 size;
    bool ok;

    if (!logical_check_vol(pool, vol, error) || !(lv = logical_lv_get(pool, vol->name, error)))
        return false;
    if (lv_is_cow_snapshot(lv)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': cannot wipe a snapshot: writing would fill its "
                    "copy-on-write space", vol->name);
        return false;
    }
    if (algorithm != PROV_WIPE_ZERO && algorithm != PROV_WIPE_TRIM)
        return prov_local_vol_wipe(pool, vol, algorithm, flags, progress, error);
    fd = open(vol->target_path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot open '%s'", vol->name,
                                    vol->target_path);
    if (!fd_size(fd, vol->target_path, &size, error))
        return false;
    if (algorithm == PROV_WIPE_TRIM) {
        if (device_discard_granularity(fd) == 0) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                        "storage volume '%s': '%s' does not support discard (trim)",
                        vol->name, vol->target_path);
            return false;
        }
        prov_progress_report(progress, 0, size);
        ok = device_range_ioctl(vol, fd, BLKDISCARD, 0, size, size, progress, error);
    } else {
        ok = logical_zero(vol, fd, size, lv_is_thin(lv), progress, error);
    }
    if (ok && fdatasync(fd) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage volume '%s': cannot sync", vol->name);
    return ok;
}

/* ---- delete / resize -------------------------------------------------------- */

/*
 * Delete: `lvremove -f VG/LV`, refused up front for an open LV (lvremove would say
 * "Logical volume vg/lv in use.") and for an origin of old-style snapshots unless
 * they go too (--delete-snapshots; lvremove removes them with the origin).  The
 * thin pool provd made goes when its last thin volume does.
 */
static bool
logical_delete_vol(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                   GError **error)
{
    g_autoptr(GPtrArray) lvs = NULL;
    g_autoptr(GString) snaps = g_string_new(NULL);
    g_autoptr(ProvCommand) cmd = NULL;
    const ProvLogicalLv *lv;
    bool last_in_thin_pool;
    guint i;

    if (!logical_check_vol(pool, vol, error) ||
        !logical_lvs(pool, logical_vg(pool), &lvs, NULL, error))
        return false;
    if (!(lv = lv_find(lvs, vol->name))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                    "storage volume '%s' not found in pool '%s'", vol->name, pool->def->name);
        return false;
    }
    if (lv_is_open(lv)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                    "storage volume '%s' is in use: '%s' is open (mounted or used by a "
                    "process)", vol->name, vol->target_path);
        return false;
    }
    last_in_thin_pool = lv_is_thin(lv) && g_str_equal(lv->pool_lv, PROV_LOGICAL_THIN_POOL);
    for (i = 0; i < lvs->len; i++) {
        const ProvLogicalLv *other = g_ptr_array_index(lvs, i);

        if (other == lv)
            continue;
        if (lv_is_cow_snapshot(other) && g_str_equal(other->origin, lv->name))
            g_string_append_printf(snaps, "%s'%s'", snaps->len ? ", " : "", other->name);
        if (g_str_equal(other->pool_lv, PROV_LOGICAL_THIN_POOL))
            last_in_thin_pool = false;
    }
    if (snaps->len && !(flags & PROV_VOL_DELETE_WITH_SNAPSHOTS)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage volume '%s' has snapshots (%s); delete them first or use "
                    "--delete-snapshots", vol->name, snaps->str);
        return false;
    }
    if ((flags & PROV_VOL_DELETE_ZEROED) &&
        !logical_wipe_vol(pool, vol, PROV_WIPE_ZERO, 0, NULL, error))
        return false;
    cmd = lvm_command(LVREMOVE, LVM_CHANGE_TIMEOUT_MS);
    prov_command_add_arg(cmd, "-f");
    prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), vol->name);
    if (!lvm_run(cmd, error, "storage volume '%s': cannot remove logical volume '%s/%s'",
                 vol->name, logical_vg(pool), vol->name))
        return false;
    if (last_in_thin_pool)
        logical_lv_remove_quietly(pool, PROV_LOGICAL_THIN_POOL);
    return true;
}

/*
 * Resize (libvirt has none for LVM): `lvresize -L <bytes>b VG/LV`; shrinking only
 * with PROV_VOL_RESIZE_SHRINK, and then with -f, the confirmation LVM would ask
 * for.  LVM rounds up to whole extents.  ALLOCATE means nothing for a linear LV
 * (always allocated) and cannot be honoured by a thin one.
 */
static bool
logical_resize_vol(ProvStoragePool *pool, ProvVolDef *vol, guint64 capacity,
                   unsigned int flags, GError **error)
{
    g_autoptr(ProvLogicalLv) lv = NULL;
    g_autoptr(ProvCommand) cmd = NULL;
    guint64 want = sector_round_up(capacity);

    if (!logical_check_vol(pool, vol, error) || !(lv = logical_lv_get(pool, vol->name, error)))
        return false;
    if (lv_is_cow_snapshot(lv)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': a snapshot cannot be resized; resize its origin "
                    "'%s'", vol->name, lv->origin);
        return false;
    }
    if ((flags & PROV_VOL_RESIZE_ALLOCATE) && lv_is_thin(lv)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED,
                    "storage volume '%s': a thin volume cannot be preallocated", vol->name);
        return false;
    }
    if (want == lv->size)
        return true;
    if (want < lv->size && !(flags & PROV_VOL_RESIZE_SHRINK)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "storage volume '%s': cannot shrink from %" G_GUINT64_FORMAT " to %"
                    G_GUINT64_FORMAT " bytes without --shrink", vol->name, lv->size, want);
        return false;
    }
    cmd = lvm_command(LVRESIZE, LVM_CHANGE_TIMEOUT_MS);
    if (want < lv->size)
        prov_command_add_arg(cmd, "-f");
    prov_command_add_arg(cmd, "-L");
    prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT "b", want);
    prov_command_add_arg_format(cmd, "%s/%s", logical_vg(pool), vol->name);
    if (!lvm_run(cmd, error, "storage volume '%s': cannot resize logical volume '%s/%s'",
                 vol->name, logical_vg(pool), vol->name))
        return false;
    vol->capacity = want;
    return true;
}

static bool
logical_refresh_vol(ProvStoragePool *pool, ProvVolDef *vol, GError **error)
{
    g_autoptr(ProvLogicalLv) lv = NULL;
    g_autoptr(ProvVolDef) fresh = NULL;

    if (!logical_check_vol(pool, vol, error) || !(lv = logical_lv_get(pool, vol->name, error)))
        return false;
    if (!(fresh = prov_logical_lv_to_vol(logical_vg(pool), lv))) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                    "storage volume '%s' not found in pool '%s'", vol->name, pool->def->name);
        return false;
    }
    vol->capacity = fresh->capacity;
    vol->allocation = fresh->allocation;
    vol->physical = fresh->physical;
    g_free(vol->key);
    vol->key = g_steal_pointer(&fresh->key);
    logical_fill_perms(vol);
    return true;
}

const ProvStorageBackend prov_backend_logical = {
    .type = PROV_POOL_LOGICAL,
    .cache_volumes = false,
    .check_def = logical_check_def,
    .check_pool = logical_check_pool,
    .build_pool = logical_build_pool,
    .start_pool = logical_start_pool,
    .refresh_pool = logical_refresh_pool,
    .stop_pool = logical_stop_pool,
    .delete_pool = logical_delete_pool,
    .find_pool_sources = logical_find_pool_sources,
    .create_vol = logical_create_vol,
    .build_vol = logical_build_vol,
    .build_vol_from = logical_build_vol_from,
    .pool_usage = logical_pool_usage,
    .refresh_vol = logical_refresh_vol,
    .delete_vol = logical_delete_vol,
    .resize_vol = logical_resize_vol,
    .upload_vol = prov_local_vol_upload,
    .download_vol = prov_local_vol_download,
    .wipe_vol = logical_wipe_vol,
};
