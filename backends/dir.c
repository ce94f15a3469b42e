/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* dir.c: the 'dir' pool kind: a directory of image files. */
#define G_LOG_DOMAIN "provd-backend-dir"

#include "backends/backends.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "storage/volume_local.h"
#include "util/error.h"
#include "util/fileutil.h"

bool
prov_dir_pool_check_target(ProvStoragePool *pool, GError **error)
{
    const ProvPoolDef *def = pool->def;
    struct stat st;

    if (!def->target_path || !g_path_is_absolute(def->target_path)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': target path '%s' is not absolute", def->name,
                    def->target_path ? def->target_path : "");
        return false;
    }
    if (stat(def->target_path, &st) < 0) {
        if (errno == ENOENT) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                        "storage pool '%s': target path '%s' does not exist (build the pool "
                        "first)", def->name, def->target_path);
            return false;
        }
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot access target path '%s'",
                                    def->name, def->target_path);
    }
    if (!S_ISDIR(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': target path '%s' is not a directory",
                    def->name, def->target_path);
        return false;
    }
    return true;
}

/*
 * mkdir the target with the XML's permissions.  An existing directory is fine
 * (its mode and owner are brought in line with the XML); an existing
 * non-directory is refused, and nothing is changed then.
 */
bool
prov_dir_pool_build(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autofree char *parent = NULL;
    mode_t mode = def->target_perms.mode;
    struct stat st;
    bool existed;

    if (!def->target_path || !g_path_is_absolute(def->target_path)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': target path '%s' is not absolute", def->name,
                    def->target_path ? def->target_path : "");
        return false;
    }
    existed = stat(def->target_path, &st) == 0;
    if (existed && !S_ISDIR(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': target path '%s' exists and is not a directory",
                    def->name, def->target_path);
        return false;
    }
    if (!existed) {
        parent = g_path_get_dirname(def->target_path);
        if (!prov_mkdir_p(parent, 0755, error))
            return false;
        /* libvirt's default for a new pool directory: 0711 (others may traverse). */
        if (mode == (mode_t)-1)
            mode = 0711;
        if (mkdir(def->target_path, mode) < 0 && errno != EEXIST)
            return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                        "storage pool '%s': cannot create target path '%s'",
                                        def->name, def->target_path);
    }
    if (mode != (mode_t)-1 && chmod(def->target_path, mode) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot set mode %04o on '%s'",
                                    def->name, (unsigned int)mode, def->target_path);
    if ((def->target_perms.uid >= 0 || def->target_perms.gid >= 0) &&
        chown(def->target_path, (uid_t)def->target_perms.uid,
              (gid_t)def->target_perms.gid) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot set owner of '%s'",
                                    def->name, def->target_path);
    return true;
}

static bool
dir_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    struct stat st;

    *ret_active = stat(pool->def->target_path, &st) == 0 && S_ISDIR(st.st_mode);
    return true;
}

static bool
dir_start_pool(ProvStoragePool *pool, GError **error)
{
    return prov_dir_pool_check_target(pool, error);
}

bool
prov_dir_pool_delete(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    if (rmdir(pool->def->target_path) < 0 && errno != ENOENT)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot remove target path '%s'",
                                    pool->def->name, pool->def->target_path);
    return true;
}

static bool
dir_refresh_pool(ProvStoragePool *pool, GError **error)
{
    return prov_dir_pool_check_target(pool, error) && prov_local_pool_refresh(pool, error);
}

const ProvStorageBackend prov_backend_dir = {
    .type = PROV_POOL_DIR,
    .check_pool = dir_check_pool,
    .build_pool = prov_dir_pool_build,
    .start_pool = dir_start_pool,
    .refresh_pool = dir_refresh_pool,
    .delete_pool = prov_dir_pool_delete,
    PROV_LOCAL_VOLUME_CALLBACKS,
};
