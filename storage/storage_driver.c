/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storage_driver.c: the storage driver: pool objects, lifecycle, persistence, volume jobs. */
#define G_LOG_DOMAIN "provd-storage"

#include "config.h"
#include "storage/storage_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/error.h"
#include "util/fault.h"
#include "util/fileutil.h"

/*
 * Concurrency model.  Several processes (provctl invocations, later the daemon)
 * may use one state root at once, so the truth is on disk, guarded by flock(2):
 *
 * - the root lock (run/provd/storage/driver.lock) is held exclusively for every
 *   metadata change and re-read of the state files; every API call reloads the
 *   pools under it, so a decision is never taken on stale state;
 * - a long volume job (build, clone, wipe, upload, download) drops the root lock
 *   for the data work and holds instead the pool's lock shared (so the pool can't
 *   be stopped, refreshed or deleted under it: "has asynchronous jobs running")
 *   and the volume's lock (exclusive for writers, shared for readers, so a delete
 *   of a volume being wiped is refused: "is in use by a running job").
 *
 * flock locks belong to open file descriptions, so threads of one process
 * conflict exactly as separate processes do; the GRecMutex only keeps the
 * in-memory lists consistent for threaded hosts.
 */

typedef struct {
    ProvStoragePool pool;        /* pool.def = live def when active, else config def */
    ProvPoolDef *config;         /* persistent definition, NULL for transient pools */
    bool active;
    bool autostart;
} ProvPoolObj;

struct _ProvStorageDriver {
    GRecMutex lock;
    char *root;
    char *config_dir;
    char *autostart_dir;
    char *state_dir;
    char *lock_dir;
    GPtrArray *pools;            /* of ProvPoolObj* */
};

static void
pool_obj_free(ProvPoolObj *obj)
{
    if (!obj)
        return;
    if (obj->pool.def != obj->config)
        prov_pool_def_free(obj->pool.def);
    prov_pool_def_free(obj->config);
    if (obj->pool.vols)
        g_ptr_array_unref(obj->pool.vols);
    g_free(obj->pool.state_dir);
    g_free(obj->pool.root);
    g_free(obj);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvPoolObj, pool_obj_free)

void
prov_pool_info_free(ProvPoolInfo *info)
{
    if (!info)
        return;
    g_free(info->name);
    g_free(info);
}

void
prov_vol_info_free(ProvVolInfo *info)
{
    if (!info)
        return;
    g_free(info->pool);
    g_free(info->name);
    g_free(info->key);
    g_free(info->path);
    g_free(info);
}

/* ---- paths and locks ---------------------------------------------------- */

static char *
config_path(ProvStorageDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->config_dir, name);
}

static char *
autostart_path(ProvStorageDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->autostart_dir, name);
}

static char *
status_path(ProvStorageDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.xml", drv->state_dir, name);
}

static ProvFileLock *
lock_root(ProvStorageDriver *drv, GError **error)
{
    g_autofree char *path = g_build_filename(drv->lock_dir, "driver.lock", NULL);

    return prov_file_lock_acquire(path, 0, "storage driver state", error);
}

static ProvFileLock *
lock_pool(ProvStorageDriver *drv, const char *name, bool exclusive, GError **error)
{
    g_autofree char *path = g_strdup_printf("%s/pool-%s.lock", drv->lock_dir, name);
    g_autoptr(GError) local = NULL;
    ProvFileLock *lock;

    lock = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK | (exclusive ? 0 : PROV_LOCK_SHARED),
                                  "storage pool", &local);
    if (!lock) {
        if (g_error_matches(local, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY))
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                        "storage pool '%s' has asynchronous jobs running", name);
        else
            g_propagate_error(error, g_steal_pointer(&local));
    }
    return lock;
}

/* Volume names may be long or odd; the lock file is named by a hash of pool + name. */
static ProvFileLock *
lock_vol(ProvStorageDriver *drv, const char *pool, const char *vol, bool exclusive,
         const char *busy_why, GError **error)
{
    g_autofree char *key = g_strdup_printf("%s/%s", pool, vol);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
    g_autofree char *path = g_strdup_printf("%s/vol-%s.lock", drv->lock_dir, sum);
    g_autoptr(GError) local = NULL;
    ProvFileLock *lock;

    lock = prov_file_lock_acquire(path, PROV_LOCK_NONBLOCK | (exclusive ? 0 : PROV_LOCK_SHARED),
                                  "storage volume", &local);
    if (!lock) {
        if (g_error_matches(local, PROV_UTIL_ERROR, PROV_ERR_RESOURCE_BUSY))
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_RESOURCE_BUSY,
                        "storage volume '%s' in pool '%s' %s", vol, pool, busy_why);
        else
            g_propagate_error(error, g_steal_pointer(&local));
    }
    return lock;
}

/* ---- loading ------------------------------------------------------------ */

static ProvPoolObj *
find_pool(ProvStorageDriver *drv, const char *name_or_uuid)
{
    unsigned char uuid[16];
    bool by_uuid = prov_uuid_parse(name_or_uuid, uuid);
    guint i;

    for (i = 0; i < drv->pools->len; i++) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        if (g_str_equal(obj->pool.def->name, name_or_uuid))
            return obj;
    }
    if (by_uuid) {
        for (i = 0; i < drv->pools->len; i++) {
            ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
            if (memcmp(obj->pool.def->uuid, uuid, 16) == 0)
                return obj;
        }
    }
    return NULL;
}

static ProvPoolObj *
get_pool(ProvStorageDriver *drv, const char *name_or_uuid, GError **error)
{
    ProvPoolObj *obj = find_pool(drv, name_or_uuid);

    if (!obj)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_POOL,
                    "storage pool '%s' not found", name_or_uuid);
    return obj;
}

static ProvPoolObj *
get_active_pool(ProvStorageDriver *drv, const char *name_or_uuid, GError **error)
{
    ProvPoolObj *obj = get_pool(drv, name_or_uuid, error);

    if (obj && !obj->active) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is not active", obj->pool.def->name);
        return NULL;
    }
    return obj;
}

static ProvPoolObj *
pool_obj_new(ProvStorageDriver *drv)
{
    ProvPoolObj *obj = g_new0(ProvPoolObj, 1);

    obj->pool.vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    obj->pool.state_dir = g_strdup(drv->state_dir);
    obj->pool.root = g_strdup(drv->root);
    return obj;
}

/* A state-file name we wrote ourselves: NAME.xml, not a temp or hidden file. */
static char *
state_file_pool_name(const char *entry)
{
    if (entry[0] == '.' || !g_str_has_suffix(entry, ".xml") || strlen(entry) <= 4)
        return NULL;
    return g_strndup(entry, strlen(entry) - 4);
}

/* Loads the pool file @path of pool @name (NAME.xml). */
typedef void (*PoolFileLoader)(ProvStorageDriver *drv, const char *name, const char *path);

/* Calls @load for each pool file in @dir_path; a directory that does not exist has none. */
static void
load_pool_files(ProvStorageDriver *drv, const char *dir_path, PoolFileLoader load)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    const char *entry;

    if (!dir)
        return;
    while ((entry = g_dir_read_name(dir))) {
        g_autofree char *name = state_file_pool_name(entry);
        g_autofree char *path = NULL;

        if (!name)
            continue;
        path = g_build_filename(dir_path, entry, NULL);
        load(drv, name, path);
    }
}

static void
load_config(ProvStorageDriver *drv, const char *name, const char *path)
{
    g_autofree char *link = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    ProvPoolObj *obj;

    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
        return;
    def = prov_pool_def_parse_file(path, 0, &local);
    if (!def) {
        g_warning("storage pool config '%s' is invalid: %s, ignoring", path, local->message);
        return;
    }
    if (!g_str_equal(def->name, name)) {
        g_warning("storage pool config '%s' defines pool '%s', ignoring", path, def->name);
        return;
    }
    obj = pool_obj_new(drv);
    obj->config = g_steal_pointer(&def);
    obj->pool.def = obj->config;
    link = autostart_path(drv, name);
    obj->autostart = g_file_test(link, G_FILE_TEST_EXISTS);
    g_ptr_array_add(drv->pools, obj);
}

static void
load_state(ProvStorageDriver *drv, const char *name, const char *path)
{
    g_autoptr(GError) local = NULL;
    ProvPoolDef *live;
    ProvPoolObj *obj;

    live = prov_pool_status_parse_file(path, &local);
    if (!live || !g_str_equal(live->name, name)) {
        g_warning("storage pool status '%s' is unreadable%s%s, ignoring", path,
                  local ? ": " : "", local ? local->message : "");
        prov_pool_def_free(live);
        return;
    }
    obj = find_pool(drv, name);
    if (!obj) {
        obj = pool_obj_new(drv);
        g_ptr_array_add(drv->pools, obj);
    }
    obj->pool.def = live;
    obj->active = true;
}

static int
pool_obj_compare(gconstpointer a, gconstpointer b)
{
    const ProvPoolObj *pa = *(ProvPoolObj *const *)a;
    const ProvPoolObj *pb = *(ProvPoolObj *const *)b;

    return g_strcmp0(pa->pool.def->name, pb->pool.def->name);
}

/* Re-read every config and status file; caller holds the root lock. */
static void
reload(ProvStorageDriver *drv)
{
    g_ptr_array_set_size(drv->pools, 0);
    load_pool_files(drv, drv->config_dir, load_config);
    load_pool_files(drv, drv->state_dir, load_state);
    g_ptr_array_sort(drv->pools, pool_obj_compare);
}

static bool
write_status(ProvStorageDriver *drv, ProvPoolObj *obj, GError **error)
{
    g_autofree char *path = status_path(drv, obj->pool.def->name);
    g_autofree char *xml = prov_pool_status_format(obj->pool.def);

    return prov_file_write_atomic(path, xml, strlen(xml), 0600, error);
}

static char *vols_path(ProvStorageDriver *drv, const char *name);

static void
remove_status(ProvStorageDriver *drv, ProvPoolObj *obj)
{
    g_autofree char *path = status_path(drv, obj->pool.def->name);
    g_autofree char *vols = vols_path(drv, obj->pool.def->name);
    g_autoptr(GError) local = NULL;

    if (!prov_file_unlink_durable(path, &local) || !prov_file_unlink_durable(vols, &local))
        g_warning("%s, ignoring", local->message);
}

/* The pool is no longer active: forget the live def, drop a transient pool. */
static void
mark_inactive(ProvStorageDriver *drv, ProvPoolObj *obj)
{
    remove_status(drv, obj);
    obj->active = false;
    g_ptr_array_set_size(obj->pool.vols, 0);
    if (!obj->config) {
        g_ptr_array_remove(drv->pools, obj);
        return;
    }
    if (obj->pool.def != obj->config) {
        prov_pool_def_free(obj->pool.def);
        obj->pool.def = obj->config;
    }
}

static const ProvStorageBackend *
backend_for(ProvPoolObj *obj, const char *what, GError **error)
{
    const ProvStorageBackend *backend = prov_storage_backend_for_type(obj->pool.def->type);

    if (!backend)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "storage pool '%s': pool type '%s' is not supported yet (cannot %s)",
                    obj->pool.def->name, prov_pool_type_to_string(obj->pool.def->type), what);
    return backend;
}

#define NO_SUPPORT(error, obj, what) \
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT, \
                "storage pool '%s' of type '%s' does not support %s", \
                (obj)->pool.def->name, prov_pool_type_to_string((obj)->pool.def->type), what)

/*
 * Pools whose status file says active are re-checked: storage that vanished
 * behind our back (an unmounted filesystem, a removed directory) makes the
 * pool inactive instead of leaving a lie in the status file.
 */
static void
recheck_active_pools(ProvStorageDriver *drv)
{
    guint i = 0;

    while (i < drv->pools->len) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        const ProvStorageBackend *backend;
        g_autoptr(GError) local = NULL;
        bool active = false;
        guint len = drv->pools->len;

        i++;
        if (!obj->active)
            continue;
        backend = prov_storage_backend_for_type(obj->pool.def->type);
        if (backend && backend->check_pool &&
            backend->check_pool(&obj->pool, &active, &local) && active)
            continue;
        g_debug("storage pool '%s' is no longer active%s%s", obj->pool.def->name,
                local ? ": " : "", local ? local->message : "");
        mark_inactive(drv, obj);
        if (drv->pools->len < len)
            i--;
    }
}

static bool
setup_dirs(ProvStorageDriver *drv, GError **error)
{
    return prov_mkdir_p(drv->config_dir, 0755, error) &&
           prov_mkdir_p(drv->autostart_dir, 0755, error) &&
           prov_mkdir_p(drv->state_dir, 0755, error) &&
           prov_mkdir_p(drv->lock_dir, 0700, error);
}

/* Take the root lock and bring the in-memory state up to date. */
static ProvFileLock *
begin(ProvStorageDriver *drv, GError **error)
{
    ProvFileLock *lock = lock_root(drv, error);

    if (lock) {
        reload(drv);
        recheck_active_pools(drv);
    }
    return lock;
}

ProvStorageDriver *
prov_storage_driver_open(const char *root, GError **error)
{
    g_autoptr(ProvStorageDriver) drv = g_new0(ProvStorageDriver, 1);
    g_autoptr(ProvFileLock) lock = NULL;
    const char *r = (root && *root) ? root : "";

    g_rec_mutex_init(&drv->lock);
    drv->root = g_strdup(r);
    drv->config_dir = g_strdup_printf("%s%s/storage", r, PROV_SYSCONF_DIR);
    drv->autostart_dir = g_strdup_printf("%s/autostart", drv->config_dir);
    drv->state_dir = g_strdup_printf("%s%s/storage", r, PROV_RUN_DIR);
    drv->lock_dir = g_strdup_printf("%s/locks", drv->state_dir);
    drv->pools = g_ptr_array_new_with_free_func((GDestroyNotify)pool_obj_free);

    if (!setup_dirs(drv, error))
        return NULL;
    if (!(lock = begin(drv, error)))
        return NULL;
    return g_steal_pointer(&drv);
}

void
prov_storage_driver_free(ProvStorageDriver *drv)
{
    if (!drv)
        return;
    if (drv->pools)
        g_ptr_array_unref(drv->pools);
    g_free(drv->root);
    g_free(drv->config_dir);
    g_free(drv->autostart_dir);
    g_free(drv->state_dir);
    g_free(drv->lock_dir);
    g_rec_mutex_clear(&drv->lock);
    g_free(drv);
}

/* Serialises the driver's in-memory state between threads and takes the root lock. */
typedef struct {
    ProvStorageDriver *drv;
    ProvFileLock *root;
} ProvDriverGuard;

static bool
guard_enter(ProvDriverGuard *guard, ProvStorageDriver *drv, GError **error)
{
    g_rec_mutex_lock(&drv->lock);
    guard->drv = drv;
    guard->root = begin(drv, error);
    if (!guard->root) {
        g_rec_mutex_unlock(&drv->lock);
        guard->drv = NULL;
        return false;
    }
    return true;
}

/* Drop the root lock early (before long data work); the mutex stays held. */
static void
guard_release_root(ProvDriverGuard *guard)
{
    g_clear_pointer(&guard->root, prov_file_lock_release);
}

static void
guard_leave(ProvDriverGuard *guard)
{
    if (!guard->drv)
        return;
    g_clear_pointer(&guard->root, prov_file_lock_release);
    g_rec_mutex_unlock(&guard->drv->lock);
    guard->drv = NULL;
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProvDriverGuard, guard_leave)

#define ENTER(drv, error, failret) \
    g_auto(ProvDriverGuard) guard = { 0 }; \
    if (!guard_enter(&guard, (drv), (error))) \
        return failret

#define CHECK_FLAGS(flags, allowed, error, failret) \
    do { \
        if ((flags) & ~(unsigned int)(allowed)) { \
            g_set_error((error), PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG, \
                        "unsupported flags (0x%x) in function %s", \
                        (flags) & ~(unsigned int)(allowed), G_STRFUNC); \
            return failret; \
        } \
    } while (0)

/* ---- pool definitions --------------------------------------------------- */

static bool
same_path(const char *a, const char *b)
{
    g_autofree char *ca = NULL;
    g_autofree char *cb = NULL;

    if (!a || !b)
        return false;
    if (g_str_equal(a, b))
        return true;
    ca = realpath(a, NULL);
    cb = realpath(b, NULL);
    return ca && cb && g_str_equal(ca, cb);
}

static bool
is_device_type(ProvPoolType type)
{
    return type == PROV_POOL_FS || type == PROV_POOL_LOGICAL || type == PROV_POOL_DISK ||
           type == PROV_POOL_ISCSI || type == PROV_POOL_ZFS;
}

static bool
sources_conflict(const ProvPoolDef *a, const ProvPoolDef *b)
{
    guint i, j;

    /* Two pools over one directory would list (and delete) each other's volumes. */
    if ((a->type == PROV_POOL_DIR || a->type == PROV_POOL_FS || a->type == PROV_POOL_NETFS) &&
        (b->type == PROV_POOL_DIR || b->type == PROV_POOL_FS || b->type == PROV_POOL_NETFS) &&
        same_path(a->target_path, b->target_path))
        return true;
    if (a->type == PROV_POOL_NETFS && b->type == PROV_POOL_NETFS &&
        a->source.hosts->len == 1 && b->source.hosts->len == 1 &&
        g_strcmp0(a->source.dir, b->source.dir) == 0) {
        const ProvPoolSourceHost *ha = g_ptr_array_index(a->source.hosts, 0);
        const ProvPoolSourceHost *hb = g_ptr_array_index(b->source.hosts, 0);
        if (g_strcmp0(ha->name, hb->name) == 0 && (ha->port == 0 || ha->port == hb->port))
            return true;
    }
    if (is_device_type(a->type) && is_device_type(b->type)) {
        if (a->type == PROV_POOL_ISCSI && b->type == PROV_POOL_ISCSI)
            if (g_strcmp0(a->source.initiator_iqn, b->source.initiator_iqn) != 0)
                return false;
        for (i = 0; i < a->source.devices->len; i++) {
            const ProvPoolSourceDevice *da = g_ptr_array_index(a->source.devices, i);
            for (j = 0; j < b->source.devices->len; j++) {
                const ProvPoolSourceDevice *db = g_ptr_array_index(b->source.devices, j);
                if (g_strcmp0(da->path, db->path) == 0)
                    return true;
            }
        }
    }
    if (a->type == PROV_POOL_LOGICAL && b->type == PROV_POOL_LOGICAL &&
        g_strcmp0(a->source.name, b->source.name) == 0)
        return true;
    return false;
}

/*
 * libvirt's duplicate rules: the same name must keep its UUID, a UUID belongs
 * to one name, and no two pools share a source.  Returns the existing object
 * with the same name (to be redefined), or NULL for a new pool.
 */
static bool
check_duplicate(ProvStorageDriver *drv, const ProvPoolDef *def, ProvPoolObj **ret_same,
                GError **error)
{
    char uuidstr[37];
    guint i;

    *ret_same = NULL;
    for (i = 0; i < drv->pools->len; i++) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        const ProvPoolDef *other = obj->pool.def;
        bool same_name = g_str_equal(other->name, def->name);
        bool same_uuid = memcmp(other->uuid, def->uuid, 16) == 0;

        if (same_name && !same_uuid) {
            prov_uuid_format(other->uuid, uuidstr);
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                        "storage pool '%s' is already defined with uuid %s",
                        def->name, uuidstr);
            return false;
        }
        if (same_uuid && !same_name) {
            prov_uuid_format(other->uuid, uuidstr);
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                        "storage pool '%s' has uuid %s already used by pool '%s'",
                        def->name, uuidstr, other->name);
            return false;
        }
        if (same_name) {
            *ret_same = obj;
            continue;
        }
        if (sources_conflict(def, other) ||
            (obj->config && other != obj->config && sources_conflict(def, obj->config))) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                        "storage pool '%s': source conflict with pool '%s'",
                        def->name, other->name);
            return false;
        }
    }
    return true;
}

static bool
uuid_is_null(const unsigned char uuid[16])
{
    static const unsigned char zero[16];

    return memcmp(uuid, zero, 16) == 0;
}

static ProvPoolDef *
parse_new_def(ProvStorageDriver *drv, const char *xml, unsigned int parse_flags, GError **error)
{
    g_autoptr(ProvPoolDef) def = prov_pool_def_parse_string(xml, parse_flags, error);
    const ProvStorageBackend *backend;

    if (!def)
        return NULL;
    if (!prov_object_name_validate("storage pool", def->name, error))
        return NULL;
    backend = prov_storage_backend_for_type(def->type);
    if (backend && backend->check_def && !backend->check_def(def, error))
        return NULL;
    if (uuid_is_null(def->uuid))
        prov_uuid_generate(def->uuid);
    return g_steal_pointer(&def);
}

bool
prov_storage_pool_define(ProvStorageDriver *drv, const char *xml, unsigned int flags,
                         char **ret_name, GError **error)
{
    g_autoptr(ProvPoolDef) def = NULL;
    g_autofree char *path = NULL;
    g_autofree char *out = NULL;
    ProvPoolObj *same = NULL;

    CHECK_FLAGS(flags, PROV_POOL_PARSE_VALIDATE, error, false);
    ENTER(drv, error, false);
    if (!(def = parse_new_def(drv, xml, flags, error)))
        return false;
    if (!check_duplicate(drv, def, &same, error))
        return false;

    out = prov_pool_def_format(def);
    path = config_path(drv, def->name);
    prov_fault_point("pool-define:before-rename");
    if (!prov_file_write_atomic(path, out, strlen(out), 0600, error))
        return false;
    prov_fault_point("pool-define:after-rename");
    if (ret_name)
        *ret_name = g_strdup(def->name);
    return true;
}

bool
prov_storage_pool_undefine(ProvStorageDriver *drv, const char *pool, GError **error)
{
    g_autofree char *path = NULL;
    g_autofree char *link = NULL;
    g_autoptr(ProvFileLock) plock = NULL;
    ProvPoolObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_pool(drv, pool, error)))
        return false;
    if (!obj->config) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is transient: it has no definition to remove",
                    obj->pool.def->name);
        return false;
    }
    if (obj->active) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is still active", obj->pool.def->name);
        return false;
    }
    if (!(plock = lock_pool(drv, obj->pool.def->name, true, error)))
        return false;
    link = autostart_path(drv, obj->pool.def->name);
    path = config_path(drv, obj->pool.def->name);
    return prov_file_unlink_durable(link, error) && prov_file_unlink_durable(path, error);
}

/* ---- pool lifecycle ----------------------------------------------------- */

/* An inactive pool, locked against jobs and other lifecycle changes (build, start). */
static ProvPoolObj *
get_inactive_pool_locked(ProvStorageDriver *drv, const char *pool, ProvFileLock **ret_plock,
                         GError **error)
{
    ProvPoolObj *obj = get_pool(drv, pool, error);

    if (!obj)
        return NULL;
    if (obj->active) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is already active", obj->pool.def->name);
        return NULL;
    }
    if (!(*ret_plock = lock_pool(drv, obj->pool.def->name, true, error)))
        return NULL;
    return obj;
}

static bool
build_flags_check(unsigned int flags, GError **error)
{
    if ((flags & PROV_POOL_BUILD_OVERWRITE) && (flags & PROV_POOL_BUILD_NO_OVERWRITE)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "--overwrite and --no-overwrite are mutually exclusive");
        return false;
    }
    return true;
}

static bool
do_build(ProvPoolObj *obj, unsigned int flags, GError **error)
{
    const ProvStorageBackend *backend = backend_for(obj, "build it", error);

    if (!backend)
        return false;
    if (!backend->build_pool) {
        /* Like libvirt: nothing to build is not an error for such pools. */
        return true;
    }
    return backend->build_pool(&obj->pool, flags, error);
}

bool
prov_storage_pool_build(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                        GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, PROV_POOL_BUILD_OVERWRITE | PROV_POOL_BUILD_NO_OVERWRITE, error, false);
    if (!build_flags_check(flags, error))
        return false;
    ENTER(drv, error, false);
    if (!(obj = get_inactive_pool_locked(drv, pool, &plock, error)))
        return false;
    return do_build(obj, flags, error);
}

static char *
vols_path(ProvStorageDriver *drv, const char *name)
{
    return g_strdup_printf("%s/%s.vols", drv->state_dir, name);
}

/* A real refresh: the backend enumerates (and rescans); the result is recorded for
 * backends whose listings must not rescan. */
static bool
do_refresh(ProvStorageDriver *drv, ProvPoolObj *obj, const ProvStorageBackend *backend,
           GError **error)
{
    g_autofree char *path = NULL;
    g_autofree char *xml = NULL;

    g_ptr_array_set_size(obj->pool.vols, 0);
    if (!backend->refresh_pool(&obj->pool, error))
        return false;
    if (!backend->cache_volumes)
        return true;
    path = vols_path(drv, obj->pool.def->name);
    xml = prov_vol_list_format(obj->pool.def, obj->pool.vols);
    return prov_file_write_atomic(path, xml, strlen(xml), 0600, error);
}

/* The volumes of an active pool as a listing sees them. */
static bool
load_vols(ProvStorageDriver *drv, ProvPoolObj *obj, const ProvStorageBackend *backend,
          GError **error)
{
    g_autofree char *path = NULL;
    GPtrArray *vols;

    if (!backend->cache_volumes)
        return do_refresh(drv, obj, backend, error);
    path = vols_path(drv, obj->pool.def->name);
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return do_refresh(drv, obj, backend, error);
    if (!(vols = prov_vol_list_parse_file(obj->pool.def, path, error)))
        return false;
    g_ptr_array_unref(obj->pool.vols);
    obj->pool.vols = vols;
    return true;
}

/* Stops a pool whose start or refresh failed; a failure to stop is only logged, as the
 * caller reports the first error. */
static void
stop_quietly(const ProvStorageBackend *backend, ProvPoolObj *obj)
{
    g_autoptr(GError) stop_err = NULL;

    if (backend->stop_pool && !backend->stop_pool(&obj->pool, &stop_err))
        g_warning("%s, ignoring", stop_err->message);
}

/* Start @obj (already checked inactive and locked), optionally building it first. */
static bool
do_start(ProvStorageDriver *drv, ProvPoolObj *obj, unsigned int create_flags, GError **error)
{
    const ProvStorageBackend *backend = backend_for(obj, "start it", error);
    g_autoptr(GError) local = NULL;
    bool ok;

    if (!backend)
        return false;
    if (create_flags & (PROV_POOL_CREATE_WITH_BUILD | PROV_POOL_CREATE_WITH_BUILD_OVERWRITE |
                        PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)) {
        unsigned int bflags = 0;
        if (create_flags & PROV_POOL_CREATE_WITH_BUILD_OVERWRITE)
            bflags |= PROV_POOL_BUILD_OVERWRITE;
        if (create_flags & PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)
            bflags |= PROV_POOL_BUILD_NO_OVERWRITE;
        if (!do_build(obj, bflags, error))
            return false;
    }
    if (backend->start_pool && !backend->start_pool(&obj->pool, error))
        return false;
    ok = do_refresh(drv, obj, backend, &local);
    if (ok) {
        prov_fault_point("pool-start:before-status");
        ok = write_status(drv, obj, &local);
    }
    if (!ok) {
        stop_quietly(backend, obj);
        g_propagate_error(error, g_steal_pointer(&local));
        return false;
    }
    obj->active = true;
    return true;
}

#define CREATE_FLAGS (PROV_POOL_CREATE_WITH_BUILD | PROV_POOL_CREATE_WITH_BUILD_OVERWRITE | \
                      PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)

static bool
create_flags_check(unsigned int flags, GError **error)
{
    if ((flags & PROV_POOL_CREATE_WITH_BUILD_OVERWRITE) &&
        (flags & PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "--overwrite and --no-overwrite are mutually exclusive");
        return false;
    }
    return true;
}

bool
prov_storage_pool_start(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                        GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, CREATE_FLAGS, error, false);
    if (!create_flags_check(flags, error))
        return false;
    ENTER(drv, error, false);
    if (!(obj = get_inactive_pool_locked(drv, pool, &plock, error)))
        return false;
    return do_start(drv, obj, flags, error);
}

bool
prov_storage_pool_create(ProvStorageDriver *drv, const char *xml, unsigned int flags,
                         char **ret_name, GError **error)
{
    g_autoptr(ProvPoolDef) def = NULL;
    g_autoptr(ProvFileLock) plock = NULL;
    ProvPoolObj *same = NULL;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, CREATE_FLAGS, error, false);
    if (!create_flags_check(flags, error))
        return false;
    ENTER(drv, error, false);
    if (!(def = parse_new_def(drv, xml, 0, error)))
        return false;
    if (!check_duplicate(drv, def, &same, error))
        return false;
    if (same) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' already exists%s", def->name,
                    same->active ? " and is active" : "; start it instead");
        return false;
    }
    if (!(plock = lock_pool(drv, def->name, true, error)))
        return false;
    obj = pool_obj_new(drv);
    obj->pool.def = g_steal_pointer(&def);
    g_ptr_array_add(drv->pools, obj);
    if (!do_start(drv, obj, flags, error)) {
        g_ptr_array_remove(drv->pools, obj);
        return false;
    }
    if (ret_name)
        *ret_name = g_strdup(obj->pool.def->name);
    return true;
}

bool
prov_storage_pool_refresh(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                          GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    const ProvStorageBackend *backend;
    g_autoptr(GError) local = NULL;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, 0, error, false);
    ENTER(drv, error, false);
    if (!(obj = get_active_pool(drv, pool, error)))
        return false;
    if (!(plock = lock_pool(drv, obj->pool.def->name, true, error)))
        return false;
    if (!(backend = backend_for(obj, "refresh it", error)))
        return false;
    if (!do_refresh(drv, obj, backend, &local)) {
        /* libvirt's rule: a pool that can't be refreshed is stopped. */
        stop_quietly(backend, obj);
        g_set_error(error, PROV_STORAGE_ERROR, prov_error_code(local),
                    "%s (storage pool '%s' has been stopped)", local->message, pool);
        mark_inactive(drv, obj);
        return false;
    }
    return write_status(drv, obj, error);
}

bool
prov_storage_pool_destroy(ProvStorageDriver *drv, const char *pool, GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_active_pool(drv, pool, error)))
        return false;
    if (!(plock = lock_pool(drv, obj->pool.def->name, true, error)))
        return false;
    backend = prov_storage_backend_for_type(obj->pool.def->type);
    /* Unlike libvirt, stop first and forget the status only once stopping worked:
     * a busy mount must not leave an active pool without its status file. */
    if (backend && backend->stop_pool && !backend->stop_pool(&obj->pool, error))
        return false;
    mark_inactive(drv, obj);
    return true;
}

bool
prov_storage_pool_delete(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                         GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, PROV_POOL_DELETE_ZEROED, error, false);
    ENTER(drv, error, false);
    if (!(obj = get_pool(drv, pool, error)))
        return false;
    if (obj->active) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is still active", obj->pool.def->name);
        return false;
    }
    if (!(plock = lock_pool(drv, obj->pool.def->name, true, error)))
        return false;
    if (!(backend = backend_for(obj, "delete it", error)))
        return false;
    if (!backend->delete_pool) {
        NO_SUPPORT(error, obj, "pool deletion");
        return false;
    }
    if (flags & PROV_POOL_DELETE_ZEROED) {
        NO_SUPPORT(error, obj, "zeroed deletion");
        return false;
    }
    return backend->delete_pool(&obj->pool, flags, error);
}

bool
prov_storage_pool_set_autostart(ProvStorageDriver *drv, const char *pool, bool autostart,
                                GError **error)
{
    g_autofree char *link = NULL;
    g_autofree char *target = NULL;
    ProvPoolObj *obj;

    ENTER(drv, error, false);
    if (!(obj = get_pool(drv, pool, error)))
        return false;
    if (!obj->config) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s' is transient: it cannot be autostarted",
                    obj->pool.def->name);
        return false;
    }
    link = autostart_path(drv, obj->pool.def->name);
    if (!autostart)
        return prov_file_unlink_durable(link, error);
    if (obj->autostart)
        return true;
    target = config_path(drv, obj->pool.def->name);
    if (symlink(target, link) < 0 && errno != EEXIST)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': cannot create autostart link '%s'",
                                    obj->pool.def->name, link);
    return true;
}

bool
prov_storage_driver_autostart(ProvStorageDriver *drv, GError **error)
{
    g_autoptr(GString) failures = g_string_new(NULL);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    guint i;

    {
        ENTER(drv, error, false);
        for (i = 0; i < drv->pools->len; i++) {
            ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
            if (obj->autostart && !obj->active)
                g_ptr_array_add(names, g_strdup(obj->pool.def->name));
        }
    }
    for (i = 0; i < names->len; i++) {
        g_autoptr(GError) local = NULL;
        const char *name = g_ptr_array_index(names, i);

        if (!prov_storage_pool_start(drv, name, 0, &local)) {
            /* Another process may have started it meanwhile: that's fine. */
            if (g_error_matches(local, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID) &&
                strstr(local->message, "already active"))
                continue;
            g_string_append_printf(failures, "%s%s", failures->len ? "\n" : "",
                                   local->message);
        }
    }
    if (failures->len) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "%s", failures->str);
        return false;
    }
    return true;
}

static ProvPoolInfo *
pool_info_new(ProvStorageDriver *drv, ProvPoolObj *obj)
{
    ProvPoolInfo *info = g_new0(ProvPoolInfo, 1);
    const ProvStorageBackend *backend = prov_storage_backend_for_type(obj->pool.def->type);

    if (obj->active && backend && backend->pool_usage) {
        g_autoptr(GError) local = NULL;
        if (!backend->pool_usage(&obj->pool, &local))
            g_debug("storage pool '%s': %s", obj->pool.def->name, local->message);
    }
    info->name = g_strdup(obj->pool.def->name);
    prov_uuid_format(obj->pool.def->uuid, info->uuid);
    info->type = obj->pool.def->type;
    info->active = obj->active;
    info->state = obj->active ? PROV_POOL_STATE_RUNNING : PROV_POOL_STATE_INACTIVE;
    info->persistent = obj->config != NULL;
    info->autostart = obj->autostart;
    if (obj->active) {
        info->capacity = obj->pool.def->capacity;
        info->allocation = obj->pool.def->allocation;
        info->available = obj->pool.def->available;
    }
    return info;
}

static bool
pool_matches(ProvPoolObj *obj, unsigned int flags)
{
    unsigned int type_mask = flags & ~(PROV_LIST_POOLS_TYPE(0) - 1);

    if ((flags & (PROV_LIST_POOLS_ACTIVE | PROV_LIST_POOLS_INACTIVE)) &&
        !((flags & PROV_LIST_POOLS_ACTIVE && obj->active) ||
          (flags & PROV_LIST_POOLS_INACTIVE && !obj->active)))
        return false;
    if ((flags & (PROV_LIST_POOLS_PERSISTENT | PROV_LIST_POOLS_TRANSIENT)) &&
        !((flags & PROV_LIST_POOLS_PERSISTENT && obj->config) ||
          (flags & PROV_LIST_POOLS_TRANSIENT && !obj->config)))
        return false;
    if ((flags & (PROV_LIST_POOLS_AUTOSTART | PROV_LIST_POOLS_NO_AUTOSTART)) &&
        !((flags & PROV_LIST_POOLS_AUTOSTART && obj->autostart) ||
          (flags & PROV_LIST_POOLS_NO_AUTOSTART && !obj->autostart)))
        return false;
    if (type_mask && !(type_mask & PROV_LIST_POOLS_TYPE(obj->pool.def->type)))
        return false;
    return true;
}

GPtrArray *
prov_storage_pool_list(ProvStorageDriver *drv, unsigned int flags, GError **error)
{
    g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func(
        (GDestroyNotify)prov_pool_info_free);
    guint i;

    ENTER(drv, error, NULL);
    for (i = 0; i < drv->pools->len; i++) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        if (pool_matches(obj, flags))
            g_ptr_array_add(list, pool_info_new(drv, obj));
    }
    return g_steal_pointer(&list);
}

ProvPoolInfo *
prov_storage_pool_get_info(ProvStorageDriver *drv, const char *pool, GError **error)
{
    ProvPoolObj *obj;

    ENTER(drv, error, NULL);
    if (!(obj = get_pool(drv, pool, error)))
        return NULL;
    return pool_info_new(drv, obj);
}

char *
prov_storage_pool_get_xml(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                          GError **error)
{
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, PROV_POOL_XML_INACTIVE, error, NULL);
    ENTER(drv, error, NULL);
    if (!(obj = get_pool(drv, pool, error)))
        return NULL;
    if ((flags & PROV_POOL_XML_INACTIVE) && obj->config)
        return prov_pool_def_format(obj->config);
    backend = prov_storage_backend_for_type(obj->pool.def->type);
    if (obj->active && backend && backend->pool_usage) {
        g_autoptr(GError) local = NULL;
        if (!backend->pool_usage(&obj->pool, &local))
            g_debug("storage pool '%s': %s", obj->pool.def->name, local->message);
    }
    return prov_pool_def_format(obj->pool.def);
}

char *
prov_storage_find_pool_sources(ProvStorageDriver *drv, const char *type, const char *srcspec,
                               unsigned int flags, GError **error)
{
    const ProvStorageBackend *backend;
    int t = prov_pool_type_from_string(type);

    if (t < 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "unknown storage pool type '%s'", type);
        return NULL;
    }
    backend = prov_storage_backend_for_type(t);
    if (!backend || !backend->find_pool_sources) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT,
                    "pool type '%s' does not support source discovery", type);
        return NULL;
    }
    return backend->find_pool_sources(srcspec, flags, error);
}

char *
prov_storage_pool_capabilities(ProvStorageDriver *drv, GError **error)
{
    bool supported[PROV_POOL_LAST];
    int t;

    for (t = 0; t < PROV_POOL_LAST; t++)
        supported[t] = prov_storage_backend_for_type(t) != NULL;
    return prov_pool_capabilities_format(supported);
}

/* ---- volumes ------------------------------------------------------------ */

static ProvVolInfo *
vol_info_new(ProvPoolObj *obj, const ProvVolDef *vol)
{
    ProvVolInfo *info = g_new0(ProvVolInfo, 1);

    info->pool = g_strdup(obj->pool.def->name);
    info->name = g_strdup(vol->name);
    info->key = g_strdup(vol->key);
    info->path = g_strdup(vol->target_path);
    info->type = vol->type;
    info->capacity = vol->capacity;
    info->allocation = vol->allocation;
    info->physical = vol->physical;
    return info;
}

static int
vol_def_compare(gconstpointer a, gconstpointer b)
{
    const ProvVolDef *va = *(ProvVolDef *const *)a;
    const ProvVolDef *vb = *(ProvVolDef *const *)b;

    return g_strcmp0(va->name, vb->name);
}

GPtrArray *
prov_storage_vol_list(ProvStorageDriver *drv, const char *pool, GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;
    guint i;

    ENTER(drv, error, NULL);
    if (!(obj = get_active_pool(drv, pool, error)))
        return NULL;
    if (!(backend = backend_for(obj, "list volumes", error)))
        return NULL;
    /* Re-enumerated for cheap backends, the last refresh's record for hardware ones. */
    if (!load_vols(drv, obj, backend, error))
        return NULL;
    g_ptr_array_sort(obj->pool.vols, vol_def_compare);
    list = g_ptr_array_new_full(obj->pool.vols->len, (GDestroyNotify)prov_vol_info_free);
    for (i = 0; i < obj->pool.vols->len; i++)
        g_ptr_array_add(list, vol_info_new(obj, g_ptr_array_index(obj->pool.vols, i)));
    return g_steal_pointer(&list);
}

/* Find volume @name of @obj, probed afresh; NULL with NO_STORAGE_VOL if absent. */
static ProvVolDef *
find_vol(ProvStorageDriver *drv, ProvPoolObj *obj, const char *name, GError **error)
{
    const ProvStorageBackend *backend = backend_for(obj, "look up volumes", error);
    ProvVolDef *vol = NULL;
    guint i;

    if (!backend)
        return NULL;
    if (backend->lookup_vol) {
        if (!backend->lookup_vol(&obj->pool, name, &vol, error))
            return NULL;
    } else {
        if (!load_vols(drv, obj, backend, error))
            return NULL;
        for (i = 0; i < obj->pool.vols->len; i++) {
            ProvVolDef *v = g_ptr_array_index(obj->pool.vols, i);
            if (g_str_equal(v->name, name)) {
                vol = g_ptr_array_steal_index(obj->pool.vols, i);
                break;
            }
        }
    }
    if (!vol)
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                    "storage volume '%s' not found in pool '%s'", name, obj->pool.def->name);
    return vol;
}

/*
 * Resolve a volume given by name (in @pool), by path or by key (in any active
 * pool, or only in @pool when given), as virsh does for VOL arguments.
 */
static ProvVolDef *
resolve_vol(ProvStorageDriver *drv, const char *pool, const char *vol,
            ProvPoolObj **ret_obj, GError **error)
{
    g_autoptr(GError) first = NULL;
    ProvVolDef *def;
    guint i;

    if (pool) {
        ProvPoolObj *obj = get_active_pool(drv, pool, error);
        if (!obj)
            return NULL;
        if (!strchr(vol, '/')) {
            if ((def = find_vol(drv, obj, vol, error)))
                *ret_obj = obj;
            return def;
        }
    }
    /* A path or key: pools whose target directory holds it are asked by name. */
    for (i = 0; i < drv->pools->len; i++) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        const char *target = obj->pool.def->target_path;
        g_autofree char *dir = NULL;
        g_autofree char *base = NULL;

        if (!obj->active || !target || (pool && obj != find_pool(drv, pool)))
            continue;
        dir = g_path_get_dirname(vol);
        base = g_path_get_basename(vol);
        if (!same_path(dir, target))
            continue;
        if ((def = find_vol(drv, obj, base, first ? NULL : &first))) {
            *ret_obj = obj;
            return def;
        }
    }
    /* Last resort: keys that are not paths (e.g. LV UUIDs) or volumes outside the
     * target directory: enumerate. */
    for (i = 0; i < drv->pools->len; i++) {
        ProvPoolObj *obj = g_ptr_array_index(drv->pools, i);
        const ProvStorageBackend *backend = prov_storage_backend_for_type(obj->pool.def->type);
        guint j;

        if (!obj->active || !backend || (pool && obj != find_pool(drv, pool)))
            continue;
        if (backend->lookup_vol && obj->pool.def->target_path &&
            g_str_has_prefix(vol, "/"))
            continue;   /* paths of file pools were handled above */
        if (!load_vols(drv, obj, backend, NULL))
            continue;
        for (j = 0; j < obj->pool.vols->len; j++) {
            ProvVolDef *v = g_ptr_array_index(obj->pool.vols, j);
            if (g_strcmp0(v->key, vol) == 0 || g_strcmp0(v->target_path, vol) == 0) {
                *ret_obj = obj;
                return g_ptr_array_steal_index(obj->pool.vols, j);
            }
        }
    }
    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL,
                "storage volume '%s' not found%s%s%s", vol, pool ? " in pool '" : "",
                pool ? pool : "", pool ? "'" : "");
    return NULL;
}

ProvVolInfo *
prov_storage_vol_lookup(ProvStorageDriver *drv, const char *pool,
                        const char *name_path_or_key, GError **error)
{
    g_autoptr(ProvVolDef) vol = NULL;
    ProvPoolObj *obj = NULL;

    ENTER(drv, error, NULL);
    if (!(vol = resolve_vol(drv, pool, name_path_or_key, &obj, error)))
        return NULL;
    return vol_info_new(obj, vol);
}

ProvVolInfo *
prov_storage_vol_get_info(ProvStorageDriver *drv, const char *pool, const char *vol,
                          GError **error)
{
    return prov_storage_vol_lookup(drv, pool, vol, error);
}

char *
prov_storage_vol_get_xml(ProvStorageDriver *drv, const char *pool, const char *vol,
                         GError **error)
{
    g_autoptr(ProvVolDef) def = NULL;
    ProvPoolObj *obj = NULL;

    ENTER(drv, error, NULL);
    if (!(def = resolve_vol(drv, pool, vol, &obj, error)))
        return NULL;
    return prov_vol_def_format(obj->pool.def, def);
}

/*
 * Common start of a volume creation: parse, check the name is free, take the
 * new volume's lock (so a concurrent create of the same name fails fast) and
 * let the backend define the volume.
 */
static ProvVolDef *
vol_create_prepare(ProvStorageDriver *drv, ProvPoolObj *obj, const char *xml,
                   unsigned int parse_flags, ProvFileLock **ret_vlock, GError **error)
{
    const ProvStorageBackend *backend = backend_for(obj, "create volumes", error);
    g_autoptr(ProvVolDef) def = NULL;
    g_autoptr(ProvVolDef) existing = NULL;
    g_autoptr(ProvFileLock) vlock = NULL;
    g_autoptr(GError) local = NULL;

    if (!backend)
        return NULL;
    if (!backend->create_vol) {
        NO_SUPPORT(error, obj, "volume creation");
        return NULL;
    }
    if (!(def = prov_vol_def_parse_string(obj->pool.def, xml, parse_flags, error)))
        return NULL;
    if (!prov_object_name_validate("storage volume", def->name, error))
        return NULL;
    if (!(vlock = lock_vol(drv, obj->pool.def->name, def->name, true,
                           "is being created or used by a running job", error)))
        return NULL;
    existing = find_vol(drv, obj, def->name, &local);
    if (existing) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST,
                    "storage volume '%s' already exists in pool '%s'", def->name,
                    obj->pool.def->name);
        return NULL;
    }
    if (!g_error_matches(local, PROV_STORAGE_ERROR, PROV_ERR_NO_STORAGE_VOL)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return NULL;
    }
    g_clear_pointer(&def->key, g_free);
    g_clear_pointer(&def->target_path, g_free);
    if (!backend->create_vol(&obj->pool, def, error))
        return NULL;
    *ret_vlock = g_steal_pointer(&vlock);
    return g_steal_pointer(&def);
}

bool
prov_storage_vol_create(ProvStorageDriver *drv, const char *pool, const char *xml,
                        unsigned int flags, const ProvProgress *progress, char **ret_name,
                        GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    g_autoptr(ProvFileLock) vlock = NULL;
    g_autoptr(ProvVolDef) def = NULL;
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;

    CHECK_FLAGS(flags, PROV_VOL_CREATE_PREALLOC_METADATA | PROV_VOL_CREATE_VALIDATE,
                error, false);
    ENTER(drv, error, false);
    if (!(obj = get_active_pool(drv, pool, error)))
        return false;
    if (!(plock = lock_pool(drv, obj->pool.def->name, false, error)))
        return false;
    if (!(def = vol_create_prepare(drv, obj,
                                   xml, (flags & PROV_VOL_CREATE_VALIDATE) ?
                                   PROV_VOL_PARSE_VALIDATE : 0, &vlock, error)))
        return false;
    backend = prov_storage_backend_for_type(obj->pool.def->type);
    if (backend->build_vol) {
        guard_release_root(&guard);
        if (!backend->build_vol(&obj->pool, def, flags & ~PROV_VOL_CREATE_VALIDATE,
                                progress, error))
            return false;
    }
    if (ret_name)
        *ret_name = g_strdup(def->name);
    return true;
}

bool
prov_storage_vol_create_from(ProvStorageDriver *drv, const char *pool, const char *xml,
                             const char *src_pool, const char *src_vol, unsigned int flags,
                             const ProvProgress *progress, char **ret_name, GError **error)
{
    g_autoptr(ProvFileLock) plock = NULL;
    g_autoptr(ProvFileLock) src_plock = NULL;
    g_autoptr(ProvFileLock) vlock = NULL;
    g_autoptr(ProvFileLock) src_vlock = NULL;
    g_autoptr(ProvVolDef) def = NULL;
    g_autoptr(ProvVolDef) src = NULL;
    const ProvStorageBackend *backend;
    ProvPoolObj *obj;
    ProvPoolObj *src_obj = NULL;

    CHECK_FLAGS(flags, PROV_VOL_CREATE_PREALLOC_METADATA | PROV_VOL_CREATE_REFLINK |
                PROV_VOL_CREATE_VALIDATE, error, false);
    ENTER(drv, error, false);
    if (!(obj = get_active_pool(drv, pool, error)))
        return false;
    if (!(src = resolve_vol(drv, src_pool ? src_pool : pool, src_vol, &src_obj, error)))
        return false;
    if (!(plock = lock_pool(drv, obj->pool.def->name, false, error)))
        return false;
    if (src_obj != obj && !(src_plock = lock_pool(drv, src_obj->pool.def->name, false, error)))
        return false;
    if (!(src_vlock = lock_vol(drv, src_obj->pool.def->name, src->name, false,
                               "is being written by a running job", error)))
        return false;
    if (!(def = vol_create_prepare(drv, obj, xml,
                                   PROV_VOL_PARSE_NO_CAPACITY |
                                   ((flags & PROV_VOL_CREATE_VALIDATE) ?
                                    PROV_VOL_PARSE_VALIDATE : 0), &vlock, error)))
        return false;
    backend = prov_storage_backend_for_type(obj->pool.def->type);
    if (!backend->build_vol_from) {
        NO_SUPPORT(error, obj, "volume cloning");
        return false;
    }
    if (!def->has_capacity || def->capacity < src->capacity) {
        def->capacity = src->capacity;
        def->has_capacity = true;
    }
    guard_release_root(&guard);
    if (!backend->build_vol_from(&obj->pool, def, src, flags & ~PROV_VOL_CREATE_VALIDATE,
                                 progress, error))
        return false;
    if (ret_name)
        *ret_name = g_strdup(def->name);
    return true;
}

/* Resolve a volume and take its lock for a job; the pool is held shared. */
static ProvVolDef *
vol_job_begin(ProvStorageDriver *drv, const char *pool, const char *vol, bool exclusive,
              ProvPoolObj **ret_obj, ProvFileLock **ret_plock, ProvFileLock **ret_vlock,
              GError **error)
{
    g_autoptr(ProvVolDef) def = NULL;
    g_autoptr(ProvFileLock) plock = NULL;
    g_autoptr(ProvFileLock) vlock = NULL;
    ProvPoolObj *obj = NULL;

    if (!(def = resolve_vol(drv, pool, vol, &obj, error)))
        return NULL;
    if (!(plock = lock_pool(drv, obj->pool.def->name, false, error)))
        return NULL;
    if (!(vlock = lock_vol(drv, obj->pool.def->name, def->name, exclusive,
                           "is in use by a running job",
                           error)))
        return NULL;
    *ret_obj = obj;
    *ret_plock = g_steal_pointer(&plock);
    *ret_vlock = g_steal_pointer(&vlock);
    return g_steal_pointer(&def);
}

#define VOL_JOB(exclusive, failret) \
    g_autoptr(ProvFileLock) plock = NULL; \
    g_autoptr(ProvFileLock) vlock = NULL; \
    g_autoptr(ProvVolDef) def = NULL; \
    const ProvStorageBackend *backend; \
    ProvPoolObj *obj = NULL; \
    ENTER(drv, error, failret); \
    if (!(def = vol_job_begin(drv, pool, vol, (exclusive), &obj, &plock, &vlock, error))) \
        return failret; \
    backend = prov_storage_backend_for_type(obj->pool.def->type)

bool
prov_storage_vol_delete(ProvStorageDriver *drv, const char *pool, const char *vol,
                        unsigned int flags, GError **error)
{
    CHECK_FLAGS(flags, PROV_VOL_DELETE_ZEROED | PROV_VOL_DELETE_WITH_SNAPSHOTS, error, false);
    VOL_JOB(true, false);
    if (!backend->delete_vol) {
        NO_SUPPORT(error, obj, "volume deletion");
        return false;
    }
    return backend->delete_vol(&obj->pool, def, flags, error);
}

bool
prov_storage_vol_wipe(ProvStorageDriver *drv, const char *pool, const char *vol,
                      ProvWipeAlgorithm algorithm, unsigned int flags,
                      const ProvProgress *progress, GError **error)
{
    CHECK_FLAGS(flags, 0, error, false);
    if ((int)algorithm < 0 || algorithm >= PROV_WIPE_LAST) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                    "unknown wipe algorithm %d", (int)algorithm);
        return false;
    }
    {
        VOL_JOB(true, false);
        if (!backend->wipe_vol) {
            NO_SUPPORT(error, obj, "volume wiping");
            return false;
        }
        guard_release_root(&guard);
        return backend->wipe_vol(&obj->pool, def, algorithm, flags, progress, error);
    }
}

bool
prov_storage_vol_resize(ProvStorageDriver *drv, const char *pool, const char *vol,
                        guint64 capacity, unsigned int flags, GError **error)
{
    guint64 target;

    CHECK_FLAGS(flags, PROV_VOL_RESIZE_ALLOCATE | PROV_VOL_RESIZE_DELTA |
                PROV_VOL_RESIZE_SHRINK, error, false);
    {
        VOL_JOB(true, false);
        if (!backend->resize_vol) {
            NO_SUPPORT(error, obj, "volume resizing");
            return false;
        }
        target = capacity;
        if (flags & PROV_VOL_RESIZE_DELTA) {
            if (flags & PROV_VOL_RESIZE_SHRINK) {
                if (capacity > def->capacity) {
                    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                                "storage volume '%s': cannot shrink by %" G_GUINT64_FORMAT
                                " bytes, its capacity is %" G_GUINT64_FORMAT " bytes",
                                def->name, capacity, def->capacity);
                    return false;
                }
                target = def->capacity - capacity;
            } else {
                if (capacity > G_MAXINT64 - def->capacity) {
                    g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OVERFLOW,
                                "storage volume '%s': new capacity would overflow",
                                def->name);
                    return false;
                }
                target = def->capacity + capacity;
            }
        }
        if (target > G_MAXINT64) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OVERFLOW,
                        "storage volume '%s': capacity %" G_GUINT64_FORMAT
                        " is larger than 2^63-1", def->name, target);
            return false;
        }
        if (target < def->capacity && !(flags & PROV_VOL_RESIZE_SHRINK)) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG,
                        "storage volume '%s': cannot shrink from %" G_GUINT64_FORMAT
                        " to %" G_GUINT64_FORMAT " bytes without --shrink",
                        def->name, def->capacity, target);
            return false;
        }
        return backend->resize_vol(&obj->pool, def, target, flags & ~PROV_VOL_RESIZE_DELTA,
                                   error);
    }
}

/* Upload and download differ only in direction and in the volume lock: a
 * download reads, so it shares the volume with other readers. */
static bool
vol_transfer(ProvStorageDriver *drv, const char *pool, const char *vol, int fd,
             guint64 offset, guint64 length, unsigned int flags, const ProvProgress *progress,
             bool upload, GError **error)
{
    CHECK_FLAGS(flags, PROV_VOL_STREAM_SPARSE, error, false);
    {
        VOL_JOB(upload, false);
        if (!(upload ? backend->upload_vol : backend->download_vol)) {
            NO_SUPPORT(error, obj, upload ? "volume upload" : "volume download");
            return false;
        }
        guard_release_root(&guard);
        if (upload)
            return backend->upload_vol(&obj->pool, def, fd, offset, length, flags, progress,
                                       error);
        return backend->download_vol(&obj->pool, def, fd, offset, length, flags, progress,
                                     error);
    }
}

bool
prov_storage_vol_upload(ProvStorageDriver *drv, const char *pool, const char *vol, int fd,
                        guint64 offset, guint64 length, unsigned int flags,
                        const ProvProgress *progress, GError **error)
{
    return vol_transfer(drv, pool, vol, fd, offset, length, flags, progress, true, error);
}

bool
prov_storage_vol_download(ProvStorageDriver *drv, const char *pool, const char *vol, int fd,
                          guint64 offset, guint64 length, unsigned int flags,
                          const ProvProgress *progress, GError **error)
{
    return vol_transfer(drv, pool, vol, fd, offset, length, flags, progress, false, error);
}
