/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* backends.h: the backend vtables and the helpers dir-like pool kinds share. */
#pragma once

#include "storage/backend.h"

extern const ProvStorageBackend prov_backend_dir;
extern const ProvStorageBackend prov_backend_fs;

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
