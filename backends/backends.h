/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backends.h: the backend vtables and the helpers dir-like pool kinds share. */
#pragma once

#include "storage/backend.h"

extern const ProvStorageBackend prov_backend_dir;
extern const ProvStorageBackend prov_backend_fs;
extern const ProvStorageBackend prov_backend_iscsi;
extern const ProvStorageBackend prov_backend_logical;
extern const ProvStorageBackend prov_backend_netfs;
extern const ProvStorageBackend prov_backend_scsi;

/* dir.c: helpers for every pool kind whose volumes are files in its target directory. */
bool prov_dir_pool_build(ProvStoragePool *pool, unsigned int flags, GError **error);
bool prov_dir_pool_check_target(ProvStoragePool *pool, GError **error);
bool prov_dir_pool_delete(ProvStoragePool *pool, unsigned int flags, GError **error);

/* fs.c: exposed for the golden-file tests. */
#include <sys/types.h>
#include "util/command.h"
bool prov_fs_is_mounted(const char *mountinfo, const char *target, dev_t rdev);
ProvCommand *prov_fs_mount_command(const ProvPoolDef *def);
ProvCommand *prov_fs_mkfs_command(const ProvPoolDef *def);
bool prov_block_device_probe(const char *pool_name, const char *device, char **ret_found,
                             GError **error);
/* fs.c: /proc/self/mountinfo, for the pool kinds that mount (fs, netfs). */
typedef struct {
    char *devno;          /* "major:minor" */
    char *mount_point;    /* unescaped */
    char *fstype;
    char *source;         /* unescaped: "/dev/loop0", "host:/export", "//host/share" */
} ProvMountEntry;
void prov_mount_entry_free(ProvMountEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvMountEntry, prov_mount_entry_free)
GPtrArray *prov_mountinfo_parse(const char *mountinfo);

/* netfs.c: exposed for the golden-file and fixture tests. */
char *prov_netfs_mount_source(const ProvPoolDef *def);
bool prov_netfs_find_mount(const char *mountinfo, const char *mount_point, const char *source,
                           char **ret_other);
ProvCommand *prov_netfs_showmount_command(const char *host);
GPtrArray *prov_netfs_showmount_parse(const char *output);
typedef bool (*ProvBoundedFunc)(gpointer data, GError **error);
bool prov_netfs_run_bounded(const char *key, ProvBoundedFunc func, gpointer data,
                            GDestroyNotify data_free, guint timeout_ms, bool *ret_timed_out,
                            GError **error);
bool prov_netfs_is_stuck(const char *key);

/* scsi.c: the adapter's SCSI host number (exposed for the fixture tests). */
bool prov_scsi_adapter_host(const ProvPoolDef *def, const char *sysfs, guint *ret_host,
                            GError **error);
