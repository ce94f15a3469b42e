/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storage_driver.h: the storage driver: pool and volume objects, lifecycle, persistence. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/backend.h"
#include "storage/storage_conf.h"
#include "util/progress.h"

/*
 * The driver owns a state root and is hosted either by the daemon (long-lived,
 * many clients) or by `provctl` in-process for one command.  Every operation is
 * safe against other processes using the same root: it takes the root lock for
 * the metadata change, per-pool and per-volume locks for long jobs, and persists
 * every change before returning success.
 *
 * Files under a root R (R = "/" gives the system paths):
 *   R/etc/provd/storage/NAME.xml             persistent definitions
 *   R/etc/provd/storage/autostart/NAME.xml   autostart marks (symlinks)
 *   R/run/provd/storage/NAME.xml             live status (<poolstate>)
 *   R/run/provd/storage/locks/...            lock files
 */
typedef struct _ProvStorageDriver ProvStorageDriver;

/**
 * prov_storage_driver_open:
 * @root: state root, or NULL for the system locations
 *
 * Loads status and config files, re-checks every pool the status says is active
 * (a fs pool whose mount vanished becomes inactive and its status file is removed),
 * and drops inactive transient pools.  Does not autostart (see
 * prov_storage_driver_autostart()).
 */
ProvStorageDriver *prov_storage_driver_open(const char *root, GError **error);
void prov_storage_driver_free(ProvStorageDriver *drv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvStorageDriver, prov_storage_driver_free)

/* Start every autostart pool that is not active; failures are collected in @error
 * (one line per pool) after trying all of them. */
bool prov_storage_driver_autostart(ProvStorageDriver *drv, GError **error);

typedef enum {
    PROV_POOL_STATE_INACTIVE = 0,
    PROV_POOL_STATE_BUILDING = 1,
    PROV_POOL_STATE_RUNNING = 2,
    PROV_POOL_STATE_DEGRADED = 3,
    PROV_POOL_STATE_INACCESSIBLE = 4,
} ProvPoolState;

typedef struct {
    char *name;
    char uuid[37];
    ProvPoolType type;
    ProvPoolState state;
    bool active;
    bool persistent;
    bool autostart;
    guint64 capacity;
    guint64 allocation;
    guint64 available;
} ProvPoolInfo;

void prov_pool_info_free(ProvPoolInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvPoolInfo, prov_pool_info_free)

/* libvirt's virConnectListAllStoragePools flags. */
typedef enum {
    PROV_LIST_POOLS_INACTIVE = 1 << 0,
    PROV_LIST_POOLS_ACTIVE = 1 << 1,
    PROV_LIST_POOLS_PERSISTENT = 1 << 2,
    PROV_LIST_POOLS_TRANSIENT = 1 << 3,
    PROV_LIST_POOLS_AUTOSTART = 1 << 4,
    PROV_LIST_POOLS_NO_AUTOSTART = 1 << 5,
    /* type filters: 1 << (6 + type) for ProvPoolType, as libvirt's LIST_STORAGE_POOLS_DIR.. */
} ProvListPoolsFlags;
#define PROV_LIST_POOLS_TYPE(t) (1u << (6 + (t)))

typedef enum {
    PROV_POOL_XML_INACTIVE = 1 << 0,
} ProvPoolXmlFlags;

/* Pools matching @flags (0 = all), sorted by name: ProvPoolInfo*, caller frees the array. */
GPtrArray *prov_storage_pool_list(ProvStorageDriver *drv, unsigned int flags, GError **error);

/* @pool may be a name or a UUID string everywhere below. */
bool prov_storage_pool_define(ProvStorageDriver *drv, const char *xml, unsigned int flags,
                              char **ret_name, GError **error);
bool prov_storage_pool_create(ProvStorageDriver *drv, const char *xml, unsigned int flags,
                              char **ret_name, GError **error);
bool prov_storage_pool_undefine(ProvStorageDriver *drv, const char *pool, GError **error);
bool prov_storage_pool_build(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                             GError **error);
bool prov_storage_pool_start(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                             GError **error);
bool prov_storage_pool_refresh(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                               GError **error);
bool prov_storage_pool_destroy(ProvStorageDriver *drv, const char *pool, GError **error);
bool prov_storage_pool_delete(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                              GError **error);
bool prov_storage_pool_set_autostart(ProvStorageDriver *drv, const char *pool, bool autostart,
                                     GError **error);
ProvPoolInfo *prov_storage_pool_get_info(ProvStorageDriver *drv, const char *pool,
                                         GError **error);
char *prov_storage_pool_get_xml(ProvStorageDriver *drv, const char *pool, unsigned int flags,
                                GError **error);
char *prov_storage_find_pool_sources(ProvStorageDriver *drv, const char *type,
                                     const char *srcspec, unsigned int flags, GError **error);
char *prov_storage_pool_capabilities(ProvStorageDriver *drv, GError **error);

typedef struct {
    char *pool;
    char *name;
    char *key;
    char *path;
    ProvVolType type;
    guint64 capacity;
    guint64 allocation;
    guint64 physical;
} ProvVolInfo;

void prov_vol_info_free(ProvVolInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvVolInfo, prov_vol_info_free)

/* Volumes of an active pool, sorted by name (ProvVolInfo*). */
GPtrArray *prov_storage_vol_list(ProvStorageDriver *drv, const char *pool, GError **error);

bool prov_storage_vol_create(ProvStorageDriver *drv, const char *pool, const char *xml,
                             unsigned int flags, const ProvProgress *progress,
                             char **ret_name, GError **error);
/* @src_pool may differ from @pool. */
bool prov_storage_vol_create_from(ProvStorageDriver *drv, const char *pool, const char *xml,
                                  const char *src_pool, const char *src_vol,
                                  unsigned int flags, const ProvProgress *progress,
                                  char **ret_name, GError **error);
bool prov_storage_vol_delete(ProvStorageDriver *drv, const char *pool, const char *vol,
                             unsigned int flags, GError **error);
bool prov_storage_vol_wipe(ProvStorageDriver *drv, const char *pool, const char *vol,
                           ProvWipeAlgorithm algorithm, unsigned int flags,
                           const ProvProgress *progress, GError **error);
/* @capacity is absolute unless PROV_VOL_RESIZE_DELTA. */
bool prov_storage_vol_resize(ProvStorageDriver *drv, const char *pool, const char *vol,
                             guint64 capacity, unsigned int flags, GError **error);
bool prov_storage_vol_upload(ProvStorageDriver *drv, const char *pool, const char *vol,
                             int fd, guint64 offset, guint64 length, unsigned int flags,
                             const ProvProgress *progress, GError **error);
bool prov_storage_vol_download(ProvStorageDriver *drv, const char *pool, const char *vol,
                               int fd, guint64 offset, guint64 length, unsigned int flags,
                               const ProvProgress *progress, GError **error);
ProvVolInfo *prov_storage_vol_get_info(ProvStorageDriver *drv, const char *pool,
                                       const char *vol, GError **error);
char *prov_storage_vol_get_xml(ProvStorageDriver *drv, const char *pool, const char *vol,
                               GError **error);
/* Find a volume by its path or key in any active pool (@pool may be NULL for any). */
ProvVolInfo *prov_storage_vol_lookup(ProvStorageDriver *drv, const char *pool,
                                     const char *name_path_or_key, GError **error);
