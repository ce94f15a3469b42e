/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qcow2.h: native writer of empty qcow2 images (what `qemu-img create -f qcow2` writes). */
#pragma once

#include <glib.h>
#include <stdbool.h>

typedef struct {
    guint64 capacity;          /* virtual size in bytes */
    guint64 cluster_size;      /* 0 = 65536; power of two in 512..2M */
    bool compat_v2;            /* compat 0.10 (version 2) instead of 1.1 (version 3) */
    bool lazy_refcounts;       /* version 3 only */
    const char *backing_path;  /* NULL = none */
    const char *backing_format;   /* NULL = not recorded */
} ProvQcow2Options;

/**
 * prov_qcow2_write_empty:
 * @fd: an empty, writable file
 * @opts: image options
 *
 * Writes header, L1 table, refcount table and refcount block of an image with
 * no data clusters allocated, so that `qemu-img check` reports no errors and
 * `qemu-img info` shows the same virtual size, cluster size, compat and backing
 * file as `qemu-img create` would.  Returns false with @error set on I/O errors
 * or invalid options (names the bad value).
 */
bool prov_qcow2_write_empty(int fd, const ProvQcow2Options *opts, GError **error);
