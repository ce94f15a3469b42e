/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.c: the explicit table of implemented pool kinds (no dlsym, no constructors). */
#include "backends/backends.h"

const ProvStorageBackend *const prov_storage_backends[] = {
    &prov_backend_dir,
    &prov_backend_fs,
    NULL,
};
