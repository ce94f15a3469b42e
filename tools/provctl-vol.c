/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* provctl-vol.c: provctl's storage volume commands (virsh vol-* names, arguments, output). */
#define G_LOG_DOMAIN "provctl"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "storage/backend.h"
#include "storage/storage_conf.h"
#include "tools/provctl-util.h"
#include "util/error.h"
#include "util/units.h"
#include "util/fileutil.h"

static const char *
vol_type_name(ProvVolType type)
{
    const char *name = prov_vol_type_to_string(type);

    return name ? name : "unknown";
}

/*
 * The JSON object of one volume, shared by vol-list and vol-info:
 * {"name": "disk1.qcow2", "pool": "images", "path": "/srv/images/disk1.qcow2",
 *  "key": "/srv/images/disk1.qcow2", "type": "file", "capacity": 1, "allocation": 1,
 *  "physical": 1}
 */
static void
vol_info_to_json(JsonBuilder *b, const ProvVolInfo *info)
{
    json_builder_begin_object(b);
    prov_ctl_json_add_string(b, "name", info->name);
    prov_ctl_json_add_string(b, "pool", info->pool);
    prov_ctl_json_add_string(b, "path", info->path);
    prov_ctl_json_add_string(b, "key", info->key);
    prov_ctl_json_add_string(b, "type", vol_type_name(info->type));
    prov_ctl_json_add_size(b, "capacity", info->capacity);
    prov_ctl_json_add_size(b, "allocation", info->allocation);
    prov_ctl_json_add_size(b, "physical", info->physical);
    json_builder_end_object(b);
}

/* virsh sorts listings case-insensitively (vshStrcasecmp). */
static gint
vol_info_compare(gconstpointer a, gconstpointer b)
{
    const ProvVolInfo *va = *(ProvVolInfo *const *)a;
    const ProvVolInfo *vb = *(ProvVolInfo *const *)b;
    int rc = g_ascii_strcasecmp(va->name, vb->name);

    return rc ? rc : g_strcmp0(va->name, vb->name);
}

/*
 * The volume a VOL argument means, found as virsh does: with a pool, first a
 * volume of that name in it; then a volume whose key or path it is (in that
 * pool, or in any active pool).  Prints virsh's messages on failure:
 * "failed to get vol 'x', specifying --pool might help" when no pool was given.
 * @pool_opt names the pool option for that hint (NULL when the command has none).
 */
static ProvVolInfo *
vol_resolve(ProvStorageDriver *drv, const char *vol, const char *pool, const char *pool_opt)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) found = NULL;
    ProvVolInfo *info;

    if (pool) {
        info = prov_storage_vol_get_info(drv, pool, vol, &err);
        if (info)
            return info;
        if (prov_error_code(err) == PROV_ERR_NO_STORAGE_POOL) {
            prov_ctl_error("failed to get pool '%s'", pool);
            prov_ctl_error_detail(err);
            return NULL;
        }
        g_clear_error(&err);
    }

    found = prov_storage_vol_lookup(drv, pool, vol, &err);
    if (!found) {
        if (pool || !pool_opt)
            prov_ctl_error("failed to get vol '%s'", vol);
        else
            prov_ctl_error("failed to get vol '%s', specifying --%s might help", vol, pool_opt);
        prov_ctl_error_detail(err);
        return NULL;
    }
    /* A key or path lookup may come from the pool's listing: re-read the volume. */
    if (!(info = prov_storage_vol_get_info(drv, found->pool, found->name, &err))) {
        prov_ctl_error("failed to get vol '%s'", vol);
        prov_ctl_error_detail(err);
        return NULL;
    }
    return info;
}

/*
 * The driver (in @ret_drv) and the volume of the command's VOL argument, looked up
 * in the pool its @pool_opt option names ("pool" for VOL [--pool POOL] of most
 * vol-* commands), or by key or path only when @pool_opt is NULL.  NULL after
 * printing why.
 */
static ProvVolInfo *
vol_open(ProvCtl *ctl, const ProvCtlCmd *cmd, const char *pool_opt,
         ProvStorageDriver **ret_drv)
{
    const char *pool = pool_opt ? prov_ctl_opt_string(cmd, pool_opt) : NULL;
    ProvStorageDriver *drv;
    ProvVolInfo *info;

    if (!(drv = prov_ctl_driver(ctl)))
        return NULL;
    if (!(info = vol_resolve(drv, prov_ctl_opt_string(cmd, "vol"), pool, pool_opt)))
        return NULL;
    *ret_drv = drv;
    return info;
}

static unsigned int
vol_create_flags(const ProvCtlCmd *cmd, bool has_reflink, bool has_validate)
{
    unsigned int flags = 0;

    if (prov_ctl_opt_bool(cmd, "prealloc-metadata"))
        flags |= PROV_VOL_CREATE_PREALLOC_METADATA;
    if (has_reflink && prov_ctl_opt_bool(cmd, "reflink"))
        flags |= PROV_VOL_CREATE_REFLINK;
    if (has_validate && prov_ctl_opt_bool(cmd, "validate"))
        flags |= PROV_VOL_CREATE_VALIDATE;
    return flags;
}

/*
 * Creates a volume in @pool from @xml (as a copy of @src when given) while a
 * progress bar shows the allocation or copy.  Returns the new volume's name.
 */
static bool
vol_build(ProvCtl *ctl, ProvStorageDriver *drv, const char *pool, const char *xml,
          const ProvVolInfo *src, unsigned int flags, char **ret_name, GError **error)
{
    ProvCtlProgressBar bar;
    ProvProgress progress;
    bool ok;

    prov_ctl_progress_start(ctl, &bar, &progress);
    if (src)
        ok = prov_storage_vol_create_from(drv, pool, xml, src->pool, src->name, flags,
                                          &progress, ret_name, error);
    else
        ok = prov_storage_vol_create(drv, pool, xml, flags, &progress, ret_name, error);
    prov_ctl_progress_finish(&bar);
    return ok;
}

/* ---- handlers ------------------------------------------------------------- */

/*
 * The <volume> document virsh's vol-create-as sends:
 *
 *   <volume>
 *     <name>disk2.qcow2</name>
 *     <capacity>10737418240</capacity>
 *     <allocation>0</allocation>
 *     <target>
 *       <format type='qcow2'/>
 *     </target>
 *     <backingStore>
 *       <path>/srv/images/base.qcow2</path>
 *       <format type='qcow2'/>
 *     </backingStore>
 *   </volume>
 */
static ProvCtlExit
cmd_vol_create_as(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    const char *name = prov_ctl_opt_string(cmd, "name");
    const char *format = prov_ctl_opt_string(cmd, "format");
    const char *backing = prov_ctl_opt_string(cmd, "backing-vol");
    const char *backing_format = prov_ctl_opt_string(cmd, "backing-vol-format");
    unsigned int flags = vol_create_flags(cmd, false, false);
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) xml = g_string_new(NULL);
    g_autofree char *created = NULL;
    ProvStorageDriver *drv = NULL;
    guint64 capacity = 0;
    guint64 allocation;

    prov_ctl_opt_size(cmd, "capacity", &capacity);
    prov_ctl_xml_line(xml, 0, "<volume>\n");
    prov_ctl_xml_line(xml, 2, "<name>%s</name>\n", name);
    g_string_append_printf(xml, "  <capacity>%" G_GUINT64_FORMAT "</capacity>\n", capacity);
    if (prov_ctl_opt_size(cmd, "allocation", &allocation))
        g_string_append_printf(xml, "  <allocation>%" G_GUINT64_FORMAT "</allocation>\n",
                               allocation);
    if (format) {
        prov_ctl_xml_line(xml, 2, "<target>\n");
        prov_ctl_xml_line(xml, 4, "<format type='%s'/>\n", format);
        prov_ctl_xml_line(xml, 2, "</target>\n");
    }
    if (backing) {
        /* Name in the pool, then key, then path, as virsh looks it up. */
        g_autoptr(ProvVolInfo) base = NULL;

        if (!(drv = prov_ctl_driver(ctl)))
            return PROV_CTL_EXIT_FAILED;
        if (!(base = vol_resolve(drv, backing, pool, NULL)))
            return PROV_CTL_EXIT_FAILED;
        prov_ctl_xml_line(xml, 2, "<backingStore>\n");
        prov_ctl_xml_line(xml, 4, "<path>%s</path>\n", base->path);
        if (backing_format)
            prov_ctl_xml_line(xml, 4, "<format type='%s'/>\n", backing_format);
        prov_ctl_xml_line(xml, 2, "</backingStore>\n");
    } else if (backing_format) {
        prov_ctl_error("--backing-vol-format needs --backing-vol");
        return PROV_CTL_EXIT_USAGE;
    }
    prov_ctl_xml_line(xml, 0, "</volume>\n");

    if (prov_ctl_opt_bool(cmd, "print-xml")) {
        prov_ctl_print(ctl, "%s", xml->str);
        return PROV_CTL_EXIT_OK;
    }

    if (!drv && !(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!vol_build(ctl, drv, pool, xml->str, NULL, flags, &created, &err)) {
        prov_ctl_pool_error(pool, err, "Failed to create vol %s", name);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s created\n", name);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_create(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    const char *file = prov_ctl_opt_string(cmd, "file");
    unsigned int flags = vol_create_flags(cmd, false, true);
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *created = NULL;
    ProvStorageDriver *drv;

    if (!(xml = prov_ctl_read_file(file)))
        return PROV_CTL_EXIT_FAILED;
    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!vol_build(ctl, drv, pool, xml, NULL, flags, &created, &err)) {
        prov_ctl_pool_error(pool, err, "Failed to create vol from %s", file);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s created from %s\n", created, file);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_create_from(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    const char *file = prov_ctl_opt_string(cmd, "file");
    unsigned int flags = vol_create_flags(cmd, true, true);
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) input = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *created = NULL;
    ProvStorageDriver *drv;

    if (!(input = vol_open(ctl, cmd, "inputpool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = prov_ctl_read_file(file)))
        return PROV_CTL_EXIT_FAILED;

    if (!vol_build(ctl, drv, pool, xml, input, flags, &created, &err)) {
        prov_ctl_pool_error(pool, err, "Failed to create vol from %s", file);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s created from input vol %s\n", created, input->name);
    return PROV_CTL_EXIT_OK;
}

/*
 * The definition of a clone: the source volume's own XML with another name, as
 * virsh's vol-clone does, so format, permissions and features carry over.
 * Goes through the XML model instead of editing text.
 */
static char *
vol_clone_xml(ProvStorageDriver *drv, const ProvVolInfo *src, const char *newname,
              GError **error)
{
    g_autofree char *pool_xml = NULL;
    g_autofree char *vol_xml = NULL;
    g_autoptr(ProvPoolDef) pool_def = NULL;
    g_autoptr(ProvVolDef) vol_def = NULL;

    if (!(pool_xml = prov_storage_pool_get_xml(drv, src->pool, 0, error)))
        return NULL;
    if (!(pool_def = prov_pool_def_parse_string(pool_xml, 0, error)))
        return NULL;
    if (!(vol_xml = prov_storage_vol_get_xml(drv, src->pool, src->name, error)))
        return NULL;
    if (!(vol_def = prov_vol_def_parse_string(pool_def, vol_xml, PROV_VOL_PARSE_NO_CAPACITY,
                                              error)))
        return NULL;
    g_free(vol_def->name);
    vol_def->name = g_strdup(newname);
    return prov_vol_def_format(pool_def, vol_def);
}

static ProvCtlExit
cmd_vol_clone(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *newname = prov_ctl_opt_string(cmd, "newname");
    unsigned int flags = vol_create_flags(cmd, true, false);
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) src = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *created = NULL;
    ProvStorageDriver *drv;

    if (!(src = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = vol_clone_xml(drv, src, newname, &err))) {
        prov_ctl_error("Failed to clone vol from %s", src->name);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }

    if (!vol_build(ctl, drv, src->pool, xml, src, flags, &created, &err)) {
        prov_ctl_error("Failed to clone vol from %s", src->name);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s cloned from %s\n", created, src->name);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_delete(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *vol = prov_ctl_opt_string(cmd, "vol");
    unsigned int flags = 0;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    ProvStorageDriver *drv;

    if (prov_ctl_opt_bool(cmd, "delete-snapshots"))
        flags |= PROV_VOL_DELETE_WITH_SNAPSHOTS;
    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_storage_vol_delete(drv, info->pool, info->name, flags, &err)) {
        prov_ctl_error("Failed to delete vol %s", vol);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s deleted\n", vol);
    return PROV_CTL_EXIT_OK;
}

/* prov_storage_vol_upload() or prov_storage_vol_download(). */
typedef bool (*VolStreamFunc)(ProvStorageDriver *drv, const char *pool, const char *vol,
                              int fd, guint64 offset, guint64 length, unsigned int flags,
                              const ProvProgress *progress, GError **error);

/* Runs @func (upload or download) between the volume @info and @fd with the command's
 * --offset, --length and --sparse, showing a progress bar. */
static bool
vol_stream(ProvCtl *ctl, const ProvCtlCmd *cmd, ProvStorageDriver *drv, const ProvVolInfo *info,
           int fd, VolStreamFunc func, GError **error)
{
    unsigned int flags = prov_ctl_opt_bool(cmd, "sparse") ? PROV_VOL_STREAM_SPARSE : 0;
    ProvCtlProgressBar bar;
    ProvProgress progress;
    guint64 offset = 0;
    guint64 length = 0;
    bool ok;

    prov_ctl_opt_size(cmd, "offset", &offset);
    prov_ctl_opt_size(cmd, "length", &length);
    prov_ctl_progress_start(ctl, &bar, &progress);
    ok = func(drv, info->pool, info->name, fd, offset, length, flags, &progress, error);
    prov_ctl_progress_finish(&bar);
    return ok;
}

static ProvCtlExit
cmd_vol_download(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *vol = prov_ctl_opt_string(cmd, "vol");
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    PROV_AUTOCLOSE int fd = -1;
    ProvStorageDriver *drv;
    bool created = false;
    bool ok;

    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;

    /* Remember whether the file is ours, to remove it again if the download fails. */
    fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0)
        created = true;
    else if (errno == EEXIST)
        fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        prov_ctl_error("cannot create %s: %s", file, g_strerror(errno));
        return PROV_CTL_EXIT_FAILED;
    }

    ok = vol_stream(ctl, cmd, drv, info, fd, prov_storage_vol_download, &err);
    if (ok && close(prov_steal_fd(&fd)) < 0) {
        prov_error_set_errno(&err, PROV_UTIL_ERROR, errno, "cannot close file %s", file);
        ok = false;
    }
    if (!ok) {
        prov_ctl_error("cannot download from volume %s", vol);
        prov_ctl_error_detail(err);
        if (created)
            unlink(file);
        return PROV_CTL_EXIT_FAILED;
    }
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_dumpxml(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    g_autofree char *xml = NULL;
    ProvStorageDriver *drv;

    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    if (!(xml = prov_storage_vol_get_xml(drv, info->pool, info->name, &err))) {
        prov_ctl_error("failed to get the XML of vol %s", info->name);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_document(ctl, xml);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_info(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    bool bytes = prov_ctl_opt_bool(cmd, "bytes");
    bool physical = prov_ctl_opt_bool(cmd, "physical");
    g_autoptr(ProvVolInfo) info = NULL;
    ProvStorageDriver *drv;
    const char *label;
    guint64 second;

    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;

    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        vol_info_to_json(b, info);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }

    /* --physical shows the size on the host in place of the allocation (virsh). */
    label = physical ? "Physical:" : "Allocation:";
    second = physical ? info->physical : info->allocation;
    prov_ctl_print(ctl, "%-15s %s\n", "Name:", info->name);
    prov_ctl_print(ctl, "%-15s %s\n", "Type:", vol_type_name(info->type));
    if (bytes) {
        prov_ctl_print(ctl, "%-15s %" G_GUINT64_FORMAT " bytes\n", "Capacity:", info->capacity);
        prov_ctl_print(ctl, "%-15s %" G_GUINT64_FORMAT " bytes\n", label, second);
    } else {
        g_autofree char *cap = prov_format_size_human(info->capacity);
        g_autofree char *alloc = prov_format_size_human(second);

        prov_ctl_print(ctl, "%-15s %s\n", "Capacity:", cap);
        prov_ctl_print(ctl, "%-15s %s\n", label, alloc);
    }
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_list(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *pool = prov_ctl_opt_string(cmd, "pool");
    bool details = prov_ctl_opt_bool(cmd, "details");
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) vols = NULL;
    g_autoptr(ProvCtlTable) table = NULL;
    ProvStorageDriver *drv;
    guint i;

    if (!(drv = prov_ctl_driver(ctl)))
        return PROV_CTL_EXIT_FAILED;
    if (!(vols = prov_storage_vol_list(drv, pool, &err))) {
        prov_ctl_pool_error(pool, err, "Failed to list volumes of pool %s", pool);
        return PROV_CTL_EXIT_FAILED;
    }
    g_ptr_array_sort(vols, vol_info_compare);

    if (ctl->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();

        json_builder_begin_array(b);
        for (i = 0; i < vols->len; i++)
            vol_info_to_json(b, g_ptr_array_index(vols, i));
        json_builder_end_array(b);
        prov_ctl_json_print(b);
        return PROV_CTL_EXIT_OK;
    }

    if (details)
        table = prov_ctl_table_new("Name", "Path", "Type", "Capacity", "Allocation", NULL);
    else
        table = prov_ctl_table_new("Name", "Path", NULL);
    for (i = 0; i < vols->len; i++) {
        const ProvVolInfo *info = g_ptr_array_index(vols, i);

        if (details) {
            g_autofree char *cap = prov_format_size_human(info->capacity);
            g_autofree char *alloc = prov_format_size_human(info->allocation);

            prov_ctl_table_add_row(table, info->name, info->path, vol_type_name(info->type),
                                   cap, alloc, NULL);
        } else {
            prov_ctl_table_add_row(table, info->name, info->path, NULL);
        }
    }
    prov_ctl_table_print(ctl, table);
    return PROV_CTL_EXIT_OK;
}

/* What vol-key, vol-name, vol-path and vol-pool print. */
typedef enum {
    VOL_SHOW_KEY,
    VOL_SHOW_NAME,
    VOL_SHOW_PATH,
    VOL_SHOW_POOL,
} VolShow;

/* One line: the volume's @what.  vol-name and vol-pool take a key or path only (no
 * --pool, as in virsh); vol-pool --uuid prints the pool's UUID in place of its name. */
static ProvCtlExit
vol_show(ProvCtl *ctl, const ProvCtlCmd *cmd, VolShow what)
{
    bool by_key = what == VOL_SHOW_NAME || what == VOL_SHOW_POOL;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    g_autoptr(ProvPoolInfo) pool = NULL;
    ProvStorageDriver *drv;
    const char *text = NULL;

    if (!(info = vol_open(ctl, cmd, by_key ? NULL : "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    switch (what) {
    case VOL_SHOW_KEY:
        text = info->key;
        break;
    case VOL_SHOW_NAME:
        text = info->name;
        break;
    case VOL_SHOW_PATH:
        text = info->path;
        break;
    case VOL_SHOW_POOL:
        text = info->pool;
        if (!prov_ctl_opt_bool(cmd, "uuid"))
            break;
        if (!(pool = prov_storage_pool_get_info(drv, info->pool, &err))) {
            prov_ctl_error("failed to get parent pool");
            prov_ctl_error_detail(err);
            return PROV_CTL_EXIT_FAILED;
        }
        text = pool->uuid;
        break;
    }
    prov_ctl_print(ctl, "%s\n", text);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_key(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return vol_show(ctl, cmd, VOL_SHOW_KEY);
}

static ProvCtlExit
cmd_vol_name(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return vol_show(ctl, cmd, VOL_SHOW_NAME);
}

static ProvCtlExit
cmd_vol_path(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return vol_show(ctl, cmd, VOL_SHOW_PATH);
}

static ProvCtlExit
cmd_vol_pool(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    return vol_show(ctl, cmd, VOL_SHOW_POOL);
}

static ProvCtlExit
cmd_vol_resize(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *capacity_str = prov_ctl_opt_string(cmd, "capacity");
    bool delta = prov_ctl_opt_bool(cmd, "delta");
    unsigned int flags = 0;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    ProvStorageDriver *drv;
    guint64 capacity;

    if (prov_ctl_opt_bool(cmd, "allocate"))
        flags |= PROV_VOL_RESIZE_ALLOCATE;
    if (prov_ctl_opt_bool(cmd, "shrink"))
        flags |= PROV_VOL_RESIZE_SHRINK;

    while (g_ascii_isspace(*capacity_str))
        capacity_str++;
    /* "-1G" is virsh's shorthand for --shrink --delta 1G. */
    if (*capacity_str == '-') {
        if (!(flags & PROV_VOL_RESIZE_SHRINK)) {
            prov_ctl_error("negative size '%s' requires --shrink", capacity_str);
            return PROV_CTL_EXIT_USAGE;
        }
        capacity_str++;
        delta = true;
    }
    if (delta)
        flags |= PROV_VOL_RESIZE_DELTA;
    if (!prov_ctl_parse_size(capacity_str, "capacity", &capacity))
        return PROV_CTL_EXIT_USAGE;

    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;
    if (!prov_storage_vol_resize(drv, info->pool, info->name, capacity, flags, &err)) {
        if (delta)
            prov_ctl_error("Failed to change size of volume '%s' by %s", info->name,
                           capacity_str);
        else
            prov_ctl_error("Failed to change size of volume '%s' to %s", info->name,
                           capacity_str);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    if (delta)
        prov_ctl_print_extra(ctl, "Size of volume '%s' successfully changed by %s\n",
                             info->name, capacity_str);
    else
        prov_ctl_print_extra(ctl, "Size of volume '%s' successfully changed to %s\n",
                             info->name, capacity_str);
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_upload(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *vol = prov_ctl_opt_string(cmd, "vol");
    const char *file = prov_ctl_opt_string(cmd, "file");
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    PROV_AUTOCLOSE int fd = -1;
    ProvStorageDriver *drv;

    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;

    if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0) {
        prov_ctl_error("cannot read %s: %s", file, g_strerror(errno));
        return PROV_CTL_EXIT_FAILED;
    }
    if (!vol_stream(ctl, cmd, drv, info, fd, prov_storage_vol_upload, &err)) {
        prov_ctl_error("cannot upload to volume %s", vol);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    return PROV_CTL_EXIT_OK;
}

static ProvCtlExit
cmd_vol_wipe(ProvCtl *ctl, const ProvCtlCmd *cmd)
{
    const char *vol = prov_ctl_opt_string(cmd, "vol");
    const char *alg_str = prov_ctl_opt_string(cmd, "algorithm");
    ProvWipeAlgorithm algorithm = PROV_WIPE_ZERO;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolInfo) info = NULL;
    ProvStorageDriver *drv;
    ProvCtlProgressBar bar;
    ProvProgress progress;
    bool ok;

    if (alg_str) {
        int alg = prov_wipe_algorithm_from_string(alg_str);

        if (alg < 0) {
            prov_ctl_error("Unsupported algorithm '%s'", alg_str);
            return PROV_CTL_EXIT_USAGE;
        }
        algorithm = alg;
    }
    if (!(info = vol_open(ctl, cmd, "pool", &drv)))
        return PROV_CTL_EXIT_FAILED;

    prov_ctl_progress_start(ctl, &bar, &progress);
    ok = prov_storage_vol_wipe(drv, info->pool, info->name, algorithm, 0, &progress, &err);
    prov_ctl_progress_finish(&bar);
    if (!ok) {
        prov_ctl_error("Failed to wipe vol %s", vol);
        prov_ctl_error_detail(err);
        return PROV_CTL_EXIT_FAILED;
    }
    prov_ctl_print_extra(ctl, "Vol %s wiped\n", vol);
    return PROV_CTL_EXIT_OK;
}

/* ---- option tables -------------------------------------------------------- */

#define OPT_VOL(_help) \
    {.name = "vol", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = _help}

#define OPT_POOL_REQUIRED \
    {.name = "pool", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = "pool name or UUID"}

#define OPT_POOL_OPTIONAL \
    {.name = "pool", .type = PROV_CTL_OPT_STRING, \
     .help = "pool name or UUID (to find the volume by name)"}

#define OPT_FILE(_help) \
    {.name = "file", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED, \
     .help = _help}

#define OPT_PREALLOC_METADATA \
    {.name = "prealloc-metadata", .type = PROV_CTL_OPT_BOOL, \
     .help = "preallocate only the qcow2 metadata instead of the data"}

#define OPT_REFLINK \
    {.name = "reflink", .type = PROV_CTL_OPT_BOOL, \
     .help = "share the data blocks (btrfs/xfs reflink) instead of copying"}

#define OPT_VALIDATE \
    {.name = "validate", .type = PROV_CTL_OPT_BOOL, \
     .help = "validate the XML against the schema"}

#define OPTS_STREAM(_what) \
    {.name = "offset", .type = PROV_CTL_OPT_SIZE, .help = "volume offset to " _what}, \
    {.name = "length", .type = PROV_CTL_OPT_SIZE, \
     .help = "number of bytes to " _what " (default: to the end)"}, \
    {.name = "sparse", .type = PROV_CTL_OPT_BOOL, .help = "keep holes as holes"}

static const ProvCtlOptDef opts_vol_clone[] = {
    OPT_VOL("volume name, key or path"),
    {.name = "newname", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "name of the copy"},
    OPT_POOL_OPTIONAL,
    OPT_PREALLOC_METADATA,
    OPT_REFLINK,
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_create_as[] = {
    OPT_POOL_REQUIRED,
    {.name = "name", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "volume name"},
    {.name = "capacity", .type = PROV_CTL_OPT_SIZE, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "size, e.g. 10G (a bare number is bytes)"},
    {.name = "allocation", .type = PROV_CTL_OPT_SIZE,
     .help = "space to allocate now, e.g. 0 for sparse (default: all)"},
    {.name = "format", .type = PROV_CTL_OPT_STRING,
     .help = "image format: raw, qcow2, qed, vmdk, ..."},
    {.name = "backing-vol", .type = PROV_CTL_OPT_STRING,
     .help = "backing volume (name in the pool, key or path) for a copy-on-write overlay"},
    {.name = "backing-vol-format", .type = PROV_CTL_OPT_STRING,
     .help = "format of the backing volume"},
    OPT_PREALLOC_METADATA,
    {.name = "print-xml", .type = PROV_CTL_OPT_BOOL, .help = "only print the generated XML"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_create[] = {
    OPT_POOL_REQUIRED,
    OPT_FILE("file with a <volume> XML document"),
    OPT_PREALLOC_METADATA,
    OPT_VALIDATE,
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_create_from[] = {
    OPT_POOL_REQUIRED,
    OPT_FILE("file with a <volume> XML document"),
    OPT_VOL("input volume name, key or path"),
    {.name = "inputpool", .type = PROV_CTL_OPT_STRING,
     .help = "pool name or UUID of the input volume"},
    OPT_PREALLOC_METADATA,
    OPT_REFLINK,
    OPT_VALIDATE,
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_delete[] = {
    OPT_VOL("volume name, key or path"),
    OPT_POOL_OPTIONAL,
    {.name = "delete-snapshots", .type = PROV_CTL_OPT_BOOL,
     .help = "also delete the volume's snapshots (rbd only)"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_download[] = {
    OPT_VOL("volume name, key or path"),
    OPT_FILE("local file to write"),
    OPT_POOL_OPTIONAL,
    OPTS_STREAM("download"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_by_name[] = {
    OPT_VOL("volume name, key or path"),
    OPT_POOL_OPTIONAL,
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_info[] = {
    OPT_VOL("volume name, key or path"),
    OPT_POOL_OPTIONAL,
    {.name = "bytes", .type = PROV_CTL_OPT_BOOL, .help = "sizes in bytes instead of KiB/MiB/GiB"},
    {.name = "physical", .type = PROV_CTL_OPT_BOOL,
     .help = "show the size on the host instead of the allocation"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_list[] = {
    OPT_POOL_REQUIRED,
    {.name = "details", .type = PROV_CTL_OPT_BOOL, .help = "add type and sizes"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_by_key[] = {
    OPT_VOL("volume key or path"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_pool[] = {
    OPT_VOL("volume key or path"),
    {.name = "uuid", .type = PROV_CTL_OPT_BOOL, .help = "print the pool UUID, not its name"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_resize[] = {
    OPT_VOL("volume name, key or path"),
    {.name = "capacity", .type = PROV_CTL_OPT_STRING, .flags = PROV_CTL_OPT_REQUIRED,
     .help = "new size, e.g. 20G (a bare number is bytes; -2G with --shrink)"},
    OPT_POOL_OPTIONAL,
    {.name = "allocate", .type = PROV_CTL_OPT_BOOL,
     .help = "allocate the added space instead of leaving it sparse"},
    {.name = "delta", .type = PROV_CTL_OPT_BOOL,
     .help = "capacity is a change of size, not the new size"},
    {.name = "shrink", .type = PROV_CTL_OPT_BOOL, .help = "allow making the volume smaller"},
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_upload[] = {
    OPT_VOL("volume name, key or path"),
    OPT_FILE("local file to read"),
    OPT_POOL_OPTIONAL,
    OPTS_STREAM("upload"),
    {.name = NULL}
};

static const ProvCtlOptDef opts_vol_wipe[] = {
    OPT_VOL("volume name, key or path"),
    OPT_POOL_OPTIONAL,
    {.name = "algorithm", .type = PROV_CTL_OPT_STRING,
     .help = "zero (default), nnsa, dod, bsi, gutmann, schneier, pfitzner7, pfitzner33, "
             "random or trim"},
    {.name = NULL}
};

/* Sorted by name, as virsh lists them. */
const ProvCtlCmdDef prov_ctl_vol_cmds[] = {
    {.name = "vol-clone",
     .handler = cmd_vol_clone,
     .opts = opts_vol_clone,
     .help = "copy a volume within its pool",
     .desc = "Create a copy of a volume in the same pool, with the same format."},
    {.name = "vol-create-as",
     .handler = cmd_vol_create_as,
     .opts = opts_vol_create_as,
     .help = "create a volume from arguments",
     .desc = "Build a <volume> document from the arguments and create the volume."},
    {.name = "vol-create",
     .handler = cmd_vol_create,
     .opts = opts_vol_create,
     .help = "create a volume from an XML file",
     .desc = "Create a volume in a pool from a <volume> document."},
    {.name = "vol-create-from",
     .handler = cmd_vol_create_from,
     .opts = opts_vol_create_from,
     .help = "create a volume as a copy of another one",
     .desc = "Create a volume from a <volume> document, filling it with the data of an "
             "existing volume (converting the format if they differ)."},
    {.name = "vol-delete",
     .handler = cmd_vol_delete,
     .opts = opts_vol_delete,
     .help = "delete a volume",
     .desc = "Delete a volume and its data."},
    {.name = "vol-download",
     .handler = cmd_vol_download,
     .opts = opts_vol_download,
     .help = "copy the contents of a volume to a file",
     .desc = "Write the contents of a volume (or a range of it) to a local file."},
    {.name = "vol-dumpxml",
     .handler = cmd_vol_dumpxml,
     .opts = opts_vol_by_name,
     .help = "print the XML of a volume",
     .desc = "Print the volume's <volume> document."},
    {.name = "vol-info",
     .handler = cmd_vol_info,
     .opts = opts_vol_info,
     .help = "print volume information",
     .desc = "Print name, type, capacity and allocation of a volume.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "vol-key",
     .handler = cmd_vol_key,
     .opts = opts_vol_by_name,
     .help = "print the key of a volume",
     .desc = ""},
    {.name = "vol-list",
     .handler = cmd_vol_list,
     .opts = opts_vol_list,
     .help = "list the volumes of a pool",
     .desc = "List the volumes of an active pool.",
     .flags = PROV_CTL_CMD_JSON},
    {.name = "vol-name",
     .handler = cmd_vol_name,
     .opts = opts_vol_by_key,
     .help = "print the name of the volume with a key or path",
     .desc = ""},
    {.name = "vol-path",
     .handler = cmd_vol_path,
     .opts = opts_vol_by_name,
     .help = "print the path of a volume",
     .desc = ""},
    {.name = "vol-pool",
     .handler = cmd_vol_pool,
     .opts = opts_vol_pool,
     .help = "print the pool of the volume with a key or path",
     .desc = ""},
    {.name = "vol-resize",
     .handler = cmd_vol_resize,
     .opts = opts_vol_resize,
     .help = "change the size of a volume",
     .desc = "Grow (or with --shrink make smaller) a volume that no running guest uses."},
    {.name = "vol-upload",
     .handler = cmd_vol_upload,
     .opts = opts_vol_upload,
     .help = "copy the contents of a file into a volume",
     .desc = "Write a local file into a volume (or a range of it)."},
    {.name = "vol-wipe",
     .handler = cmd_vol_wipe,
     .opts = opts_vol_wipe,
     .help = "wipe a volume",
     .desc = "Overwrite the data of a volume so it cannot be read back."},
    {.name = NULL}
};
