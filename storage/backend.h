/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backend.h: the contract between the storage driver and one pool kind (backends/X.c). */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/storage_conf.h"
#include "util/progress.h"

/* ---- flag values (libvirt's numbers, so the RPC layer passes them through) ---- */

typedef enum {
    PROV_POOL_BUILD_NEW = 0,
    PROV_POOL_BUILD_NO_OVERWRITE = 1 << 2,
    PROV_POOL_BUILD_OVERWRITE = 1 << 3,
} ProvPoolBuildFlags;

typedef enum {
    PROV_POOL_CREATE_WITH_BUILD = 1 << 0,
    PROV_POOL_CREATE_WITH_BUILD_OVERWRITE = 1 << 1,
    PROV_POOL_CREATE_WITH_BUILD_NO_OVERWRITE = 1 << 2,
} ProvPoolCreateFlags;

typedef enum {
    PROV_POOL_DELETE_NORMAL = 0,
    PROV_POOL_DELETE_ZEROED = 1 << 0,
} ProvPoolDeleteFlags;

typedef enum {
    PROV_VOL_CREATE_PREALLOC_METADATA = 1 << 0,
    PROV_VOL_CREATE_REFLINK = 1 << 1,
    PROV_VOL_CREATE_VALIDATE = 1 << 2,
} ProvVolCreateFlags;

typedef enum {
    PROV_VOL_DELETE_NORMAL = 0,
    PROV_VOL_DELETE_ZEROED = 1 << 0,
    PROV_VOL_DELETE_WITH_SNAPSHOTS = 1 << 1,
} ProvVolDeleteFlags;

typedef enum {
    PROV_VOL_RESIZE_ALLOCATE = 1 << 0,
    PROV_VOL_RESIZE_DELTA = 1 << 1,
    PROV_VOL_RESIZE_SHRINK = 1 << 2,
} ProvVolResizeFlags;

typedef enum {
    PROV_VOL_STREAM_SPARSE = 1 << 0,    /* upload/download: keep holes */
} ProvVolStreamFlags;

typedef enum {
    PROV_WIPE_ZERO,
    PROV_WIPE_NNSA,
    PROV_WIPE_DOD,
    PROV_WIPE_BSI,
    PROV_WIPE_GUTMANN,
    PROV_WIPE_SCHNEIER,
    PROV_WIPE_PFITZNER7,
    PROV_WIPE_PFITZNER33,
    PROV_WIPE_RANDOM,
    PROV_WIPE_TRIM,
    PROV_WIPE_LAST
} ProvWipeAlgorithm;

const char *prov_wipe_algorithm_to_string(ProvWipeAlgorithm alg);
int prov_wipe_algorithm_from_string(const char *str);

/* ---- the pool object handed to backends ---- */

/*
 * One pool as the driver holds it.  Backends read @def and fill @vols and the
 * def's capacity/allocation/available on refresh; everything else is the driver's.
 */
typedef struct {
    ProvPoolDef *def;        /* live definition */
    GPtrArray *vols;         /* of ProvVolDef*, filled by refresh_pool */
    char *state_dir;         /* the storage driver's run dir, for scratch files */
    char *root;              /* the driver's state root ("" = system paths), for secrets */
} ProvStoragePool;

/*
 * The backend vtable (libvirt's virStorageBackend).  A NULL member means the pool
 * kind does not support that operation; the driver then reports PROV_ERR_NO_SUPPORT
 * "storage pool 'p' of type 'x' does not support <op>".  Only refresh_pool is
 * mandatory.
 *
 * Contract for every callback:
 * - returns false with @error set on failure, and undoes what it did itself
 *   (a failed build_vol leaves no file behind);
 * - @flags have been checked by the driver against the documented set;
 * - callbacks may block (mount, mkfs, copying data); the driver holds the pool's
 *   lock as described per member, never a global lock.
 */
typedef struct {
    ProvPoolType type;
    /* The volumes are what the last refresh_pool found, as libvirt lists them: finding
     * them again means rescanning hardware (iSCSI, SCSI), so listings and lookups use
     * the driver's record instead of calling refresh_pool.  False: enumerating is cheap
     * (a directory, `lvs`) and every listing enumerates afresh. */
    bool cache_volumes;

    /* Checks of a definition the XML model cannot know (e.g. what names LVM accepts),
     * run at define and create so a bad definition is never stored.  Optional. */
    bool (*check_def)(const ProvPoolDef *def, GError **error);
    /* Is the pool's storage present and started?  Called at driver start for pools
     * whose status file says active.  Pool locked. */
    bool (*check_pool)(ProvStoragePool *pool, bool *ret_active, GError **error);
    /* Create the underlying storage (mkdir, mkfs).  ProvPoolBuildFlags. */
    bool (*build_pool)(ProvStoragePool *pool, unsigned int flags, GError **error);
    /* Make the pool usable (mount).  Idempotent: already started is success. */
    bool (*start_pool)(ProvStoragePool *pool, GError **error);
    /* Mandatory.  Clear and re-enumerate pool->vols; set def capacity/allocation/available. */
    bool (*refresh_pool)(ProvStoragePool *pool, GError **error);
    /* Undo start_pool (umount).  Idempotent. */
    bool (*stop_pool)(ProvStoragePool *pool, GError **error);
    /* Destroy the underlying storage (rmdir).  ProvPoolDeleteFlags. */
    bool (*delete_pool)(ProvStoragePool *pool, unsigned int flags, GError **error);
    /* find-storage-pool-sources: @srcspec may be NULL; returns a <sources> document. */
    char *(*find_pool_sources)(const char *srcspec, unsigned int flags, GError **error);

    /* Define step of vol create: set vol->target_path, key and type; refuse an existing
     * target.  Does not allocate storage. */
    bool (*create_vol)(ProvStoragePool *pool, ProvVolDef *vol, GError **error);
    /* Allocate the volume's storage (ProvVolCreateFlags).  Must be atomic from the
     * outside: on failure or crash no half-made volume appears in a refresh. */
    bool (*build_vol)(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                      const ProvProgress *progress, GError **error);
    /* Clone / convert @src (possibly in another pool) into @vol. */
    bool (*build_vol_from)(ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                           unsigned int flags, const ProvProgress *progress, GError **error);
    /* Optional fast path: find one volume by name without enumerating the pool.
     * Returns true with *ret_vol = NULL when there is no such volume. */
    bool (*lookup_vol)(ProvStoragePool *pool, const char *name, ProvVolDef **ret_vol,
                       GError **error);
    /* Optional, cheap: update the def's capacity/allocation/available (statvfs). */
    bool (*pool_usage)(ProvStoragePool *pool, GError **error);
    /* Re-read capacity/allocation/format/backing of one volume. */
    bool (*refresh_vol)(ProvStoragePool *pool, ProvVolDef *vol, GError **error);
    bool (*delete_vol)(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                       GError **error);
    /* ProvVolResizeFlags (DELTA already resolved by the driver). */
    bool (*resize_vol)(ProvStoragePool *pool, ProvVolDef *vol, guint64 capacity,
                       unsigned int flags, GError **error);
    /* Copy @length bytes (0 = to the end) between @fd and the volume at @offset. */
    bool (*upload_vol)(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                       guint64 length, unsigned int flags, const ProvProgress *progress,
                       GError **error);
    bool (*download_vol)(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                         guint64 length, unsigned int flags, const ProvProgress *progress,
                         GError **error);
    bool (*wipe_vol)(ProvStoragePool *pool, ProvVolDef *vol, ProvWipeAlgorithm algorithm,
                     unsigned int flags, const ProvProgress *progress, GError **error);
} ProvStorageBackend;

/*
 * The registration table, defined in backends/registry.c (STYLE rule 36): one
 * entry per implemented pool kind, NULL-terminated.  Types that parse but have
 * no entry report "not supported" when started.
 */
extern const ProvStorageBackend *const prov_storage_backends[];

/* The backend for @type, or NULL. */
const ProvStorageBackend *prov_storage_backend_for_type(ProvPoolType type);
