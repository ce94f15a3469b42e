/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* volume_local.h: volumes as files in a local directory (dir, fs, netfs pools share these). */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/backend.h"
#include "util/command.h"

/*
 * Files whose names start with this prefix are provd's own work in progress
 * (a volume being created is written under a temporary name and renamed into
 * place only when complete, so a crash never leaves a half-made volume that a
 * refresh would report).  Refresh skips them, and removes those left by a crash:
 * the creator holds an flock(2) on the file while it works, so a file nobody has
 * locked is a leftover (on NFS/CIFS it must also be unwritten for 10 minutes).
 */
#define PROV_LOCAL_TEMP_PREFIX ".provd-tmp-"

/* Refresh a directory pool: fill pool->vols (one ProvVolDef per entry, probed),
 * and the pool's capacity/allocation/available from statvfs. */
bool prov_local_pool_refresh(ProvStoragePool *pool, GError **error);

/* One volume by name without reading the whole directory (*ret_vol NULL: none). */
bool prov_local_vol_lookup(ProvStoragePool *pool, const char *name, ProvVolDef **ret_vol,
                           GError **error);
/* Capacity, allocation and available of the pool's filesystem (statvfs). */
bool prov_local_pool_usage(ProvStoragePool *pool, GError **error);

/* Backend callbacks shared by dir/fs/netfs (same signatures as ProvStorageBackend). */
bool prov_local_vol_create(ProvStoragePool *pool, ProvVolDef *vol, GError **error);
bool prov_local_vol_build(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                          const ProvProgress *progress, GError **error);
bool prov_local_vol_build_from(ProvStoragePool *pool, ProvVolDef *vol, const ProvVolDef *src,
                               unsigned int flags, const ProvProgress *progress,
                               GError **error);
bool prov_local_vol_refresh(ProvStoragePool *pool, ProvVolDef *vol, GError **error);
bool prov_local_vol_delete(ProvStoragePool *pool, ProvVolDef *vol, unsigned int flags,
                           GError **error);
bool prov_local_vol_resize(ProvStoragePool *pool, ProvVolDef *vol, guint64 capacity,
                           unsigned int flags, GError **error);
bool prov_local_vol_upload(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                           guint64 length, unsigned int flags, const ProvProgress *progress,
                           GError **error);
bool prov_local_vol_download(ProvStoragePool *pool, ProvVolDef *vol, int fd, guint64 offset,
                             guint64 length, unsigned int flags,
                             const ProvProgress *progress, GError **error);
bool prov_local_vol_wipe(ProvStoragePool *pool, ProvVolDef *vol, ProvWipeAlgorithm algorithm,
                         unsigned int flags, const ProvProgress *progress, GError **error);

/**
 * prov_local_copy_sparse:
 * @what: names the destination in messages ("storage volume 'x'")
 * @src_fd: a file or block device, read from offset 0 with pread
 * @dst_fd: a file or block device of at least @length bytes, written from offset 0
 * @length: bytes to copy
 * @dst_zeroed: the destination already reads as zeros (a new thin volume)
 *
 * The copy loop of clone/upload for callers outside this file (the logical backend
 * copying into a new LV).  Holes of a file source and all-zero 4 KiB blocks are not
 * written when @dst_zeroed; otherwise they become zeros by hole punching (on a block
 * device: the kernel's write-zeroes) or, where that is missing, by writing zeros.
 */
bool prov_local_copy_sparse(const char *what, int src_fd, int dst_fd, guint64 length,
                            bool dst_zeroed, const ProvProgress *progress, GError **error);

/**
 * prov_qemu_img_create_command:
 * @pool: pool of the new volume
 * @vol: the new volume (target_path set)
 * @input: source volume for a convert, or NULL for a create
 * @flags: ProvVolCreateFlags
 * @secret_path: file holding the LUKS secret, or NULL
 * @input_secret_path: file holding the input volume's LUKS secret, or NULL
 *
 * Builds the `qemu-img create` / `qemu-img convert` command libvirt would run (its
 * argv is checked against libvirt's storagevolxml2argvdata).  Returns NULL with
 * @error set for combinations libvirt refuses (lazy_refcounts with compat 0.10,
 * legacy qcow encryption, preallocation with a backing store, ...).
 */
ProvCommand *prov_qemu_img_create_command(const ProvPoolDef *pool, const ProvVolDef *vol,
                                          const ProvVolDef *input, unsigned int flags,
                                          const char *secret_path,
                                          const char *input_secret_path, GError **error);

/*
 * Converting with encryption on either side takes two qemu-img runs (libvirt's
 * order): create the target at its capacity, then
 * `qemu-img convert --image-opts -n --target-image-opts ...` into it.
 */
typedef enum {
    PROV_QEMU_IMG_STEP_ONLY,             /* a plain create, or a plain convert */
    PROV_QEMU_IMG_STEP_ENCRYPT_CREATE,   /* step 1 of an encrypted convert */
    PROV_QEMU_IMG_STEP_ENCRYPT_CONVERT,  /* step 2 of an encrypted convert */
} ProvQemuImgStep;

/* Does converting @input into @vol need the two steps above? */
bool prov_qemu_img_needs_two_steps(const ProvVolDef *vol, const ProvVolDef *input);

/**
 * prov_qemu_img_step_command:
 * @step: which command of the sequence
 *
 * Like prov_qemu_img_create_command() (which returns the first command of the
 * sequence: ENCRYPT_CREATE when two steps are needed, else ONLY), for any step.
 */
ProvCommand *prov_qemu_img_step_command(const ProvPoolDef *pool, const ProvVolDef *vol,
                                        const ProvVolDef *input, unsigned int flags,
                                        ProvQemuImgStep step, const char *secret_path,
                                        const char *input_secret_path, GError **error);

/* The volume half of a backend vtable for pools whose volumes are files in the target
 * directory (dir, fs, netfs): use inside a designated initializer. */
#define PROV_LOCAL_VOLUME_CALLBACKS \
    .pool_usage = prov_local_pool_usage, \
    .lookup_vol = prov_local_vol_lookup, \
    .create_vol = prov_local_vol_create, \
    .build_vol = prov_local_vol_build, \
    .build_vol_from = prov_local_vol_build_from, \
    .refresh_vol = prov_local_vol_refresh, \
    .delete_vol = prov_local_vol_delete, \
    .resize_vol = prov_local_vol_resize, \
    .upload_vol = prov_local_vol_upload, \
    .download_vol = prov_local_vol_download, \
    .wipe_vol = prov_local_vol_wipe
