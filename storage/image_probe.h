/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* image_probe.h: find a disk image's real format from its header, never from its name. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/storage_conf.h"

typedef struct {
    ProvFileFormat format;     /* RAW when nothing else matches */
    guint64 virtual_size;      /* from the header; file size for raw */
    char *backing_path;        /* as written in the header (may be relative), or NULL */
    ProvFileFormat backing_format;   /* from the header extension, NONE if not stated */
    guint64 cluster_size;      /* qcow2: bytes, else 0 */
    char *compat;              /* qcow2: "0.10" (v2) or "1.1" (v3), else NULL */
    bool lazy_refcounts;
    bool extended_l2;
    bool encrypted;            /* qcow2 AES/LUKS or a LUKS container */
} ProvImageInfo;

void prov_image_info_clear(ProvImageInfo *info);

/**
 * prov_image_probe_fd:
 * @fd: open image, positioned anywhere (pread is used)
 * @file_size: st_size of the file
 * @name: file name for messages
 *
 * Reads at most one header block.  Recognises qcow2, qcow, qed, vmdk (sparse),
 * vdi, vpc/vhd, iso9660, luks, bochs, cloop, dmg; anything else is raw.  A truncated
 * or corrupt header of a recognised format is an error (PROV_ERR_STORAGE_PROBE_FAILED).
 */
bool prov_image_probe_fd(int fd, guint64 file_size, const char *name, ProvImageInfo *ret_info,
                         GError **error);
