/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* registry.c: the explicit table of implemented pool kinds (no dlsym, no constructors). */
#include "backends/backends.h"

const ProvStorageBackend *const prov_storage_backends[] = {
    &prov_backend_dir,
    &prov_backend_fs,
    &prov_backend_iscsi,
    &prov_backend_logical,
    &prov_backend_netfs,
    &prov_backend_scsi,
    NULL,
};
