/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* scsi.c: the 'scsi' pool kind: the LUNs behind one local SCSI host adapter, read-only. */
#define G_LOG_DOMAIN "provd-backend-scsi"

#include "config.h"
#include "backends/backends.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/lun.h"
#include "storage/volume_local.h"
#include "util/error.h"

/*
 * "host5" -> 5.  libvirt also accepts "scsi_host5" and "fc_host5" (node-device
 * names), so existing pool XML keeps working.
 */
static bool
scsi_parse_host_name(const char *name, guint *ret_host)
{
    static const char *const prefixes[] = { "scsi_host", "fc_host", "host" };
    const char *digits = NULL;
    guint64 v;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(prefixes) && !digits; i++)
        if (g_str_has_prefix(name, prefixes[i]))
            digits = name + strlen(prefixes[i]);
    if (!digits || !*digits || strspn(digits, "0123456789") != strlen(digits) ||
        !g_ascii_string_to_unsigned(digits, 10, 0, G_MAXINT32, &v, NULL))
        return false;
    *ret_host = (guint)v;
    return true;
}

static bool
scsi_host_exists(const char *sysfs, guint host)
{
    g_autofree char *path = g_strdup_printf("%s/class/scsi_host/host%u", sysfs, host);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gint
scsi_name_compare(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

/*
 * The host whose device sits under PCI function @addr ("0000:00:04.0") and whose
 * unique_id attribute is @unique_id.  /sys/class/scsi_host/hostN links into the
 * device tree, e.g.
 *   host3 -> ../../devices/pci0000:00/0000:00:04.0/virtio1/host3/scsi_host/host3
 * and unique_id tells apart the hosts of one PCI function (several ports of an HBA,
 * or one per ATA port of an AHCI controller).  Host numbers change with probe order;
 * this pair does not.
 */
static bool
scsi_find_by_parent(const ProvPoolDef *def, const char *sysfs, guint *ret_host,
                    GError **error)
{
    const ProvPoolSourceAdapter *a = &def->source.adapter;
    g_autofree char *classdir = g_build_filename(sysfs, "class", "scsi_host", NULL);
    g_autofree char *addr = g_strdup_printf("%04x:%02x:%02x.%x", a->pci_domain, a->pci_bus,
                                            a->pci_slot, a->pci_function);
    g_autofree char *needle = g_strdup_printf("/%s/", addr);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(classdir, 0, &local);
    const char *entry;
    guint i;

    if (!dir) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "storage pool '%s': cannot list SCSI hosts: %s", def->name, local->message);
        return false;
    }
    while ((entry = g_dir_read_name(dir)))
        g_ptr_array_add(names, g_strdup(entry));
    g_ptr_array_sort(names, scsi_name_compare);
    for (i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *link = g_build_filename(classdir, name, NULL);
        g_autofree char *idpath = g_build_filename(link, "unique_id", NULL);
        g_autofree char *resolved = realpath(link, NULL);
        g_autofree char *idtext = NULL;
        guint64 id;
        guint host;

        if (!resolved || !strstr(resolved, needle) || !scsi_parse_host_name(name, &host))
            continue;
        if (!g_file_get_contents(idpath, &idtext, NULL, NULL))
            continue;
        g_strstrip(idtext);
        if (!g_ascii_string_to_unsigned(idtext, 10, 0, G_MAXUINT, &id, NULL) ||
            id != a->unique_id)
            continue;
        *ret_host = host;
        return true;
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                "storage pool '%s': no SCSI host with unique_id '%u' at PCI address '%s'",
                def->name, a->unique_id, addr);
    return false;
}

/**
 * prov_scsi_adapter_host:
 * @def: a scsi pool
 * @sysfs: "/sys", or a fixture tree
 * @ret_host: (out): the SCSI host number
 *
 * Resolves the pool's <adapter> to the number of an existing SCSI host: by name
 * ('host5') or by parent PCI address plus unique_id.  'fc_host' adapters (NPIV
 * vHBAs) are refused as not supported.  Returns false with @error set when the
 * adapter names no existing host.
 */
bool
prov_scsi_adapter_host(const ProvPoolDef *def, const char *sysfs, guint *ret_host,
                       GError **error)
{
    const ProvPoolSourceAdapter *a = &def->source.adapter;
    guint host;

    switch (a->type) {
    case PROV_ADAPTER_NONE:
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s' has no source adapter", def->name);
        return false;
    case PROV_ADAPTER_FC_HOST:
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage pool '%s': 'fc_host' adapters (NPIV vHBAs) are not supported yet; "
                    "name the SCSI host instead (<adapter type='scsi_host' name='hostN'/>)",
                    def->name);
        return false;
    case PROV_ADAPTER_SCSI_HOST:
        break;
    }
    if (a->has_parentaddr)
        return scsi_find_by_parent(def, sysfs, ret_host, error);
    if (!a->name || !scsi_parse_host_name(a->name, &host)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': invalid adapter name '%s' (expected 'hostN')",
                    def->name, a->name ? a->name : "");
        return false;
    }
    if (!scsi_host_exists(sysfs, host)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "storage pool '%s': SCSI host 'host%u' does not exist", def->name, host);
        return false;
    }
    *ret_host = host;
    return true;
}

/* Active while the adapter's host exists (libvirt's rule); an fc_host pool never is. */
static bool
scsi_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    const ProvLunScanOptions opts = PROV_LUN_SCAN_OPTIONS_DEFAULT;
    g_autoptr(GError) local = NULL;
    guint host;

    if (!prov_scsi_adapter_host(pool->def, opts.sysfs, &host, &local)) {
        if (local->code == PROV_ERR_CONFIG_UNSUPPORTED) {
            g_propagate_error(error, g_steal_pointer(&local));
            return false;
        }
        g_debug("%s", local->message);
        *ret_active = false;
        return true;
    }
    *ret_active = true;
    return true;
}

/* Nothing to set up for a local adapter: check the target and that the host is there. */
static bool
scsi_start_pool(ProvStoragePool *pool, GError **error)
{
    const ProvLunScanOptions opts = PROV_LUN_SCAN_OPTIONS_DEFAULT;
    guint host;

    return prov_lun_check_target(pool->def, error) &&
           prov_scsi_adapter_host(pool->def, opts.sysfs, &host, error);
}

/* Rescan the host so LUNs added on the storage side appear, then list them. */
static bool
scsi_refresh_pool(ProvStoragePool *pool, GError **error)
{
    const ProvLunScanOptions opts = PROV_LUN_SCAN_OPTIONS_DEFAULT;
    g_autoptr(GPtrArray) missing = NULL;
    guint host;

    if (!prov_lun_check_target(pool->def, error) ||
        !prov_scsi_adapter_host(pool->def, opts.sysfs, &host, error))
        return false;
    if (!prov_lun_rescan_host(&opts, host, error)) {
        g_prefix_error(error, "storage pool '%s': ", pool->def->name);
        return false;
    }
    if (!prov_lun_scan_host(pool, &opts, host, &missing, error))
        return false;
    prov_lun_report_missing(pool, missing);
    return true;
}

/*
 * LUNs are provisioned on the storage side, so there is no build, volume create,
 * delete or resize (as in libvirt); data moves through the block device.
 */
const ProvStorageBackend prov_backend_scsi = {
    .type = PROV_POOL_SCSI,
    .cache_volumes = true,
    .check_pool = scsi_check_pool,
    .start_pool = scsi_start_pool,
    .refresh_pool = scsi_refresh_pool,
    .pool_usage = prov_lun_pool_usage,
    .upload_vol = prov_local_vol_upload,
    .download_vol = prov_local_vol_download,
    .wipe_vol = prov_local_vol_wipe,
};
