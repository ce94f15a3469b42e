/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lun.h: SCSI LUNs as volumes, shared by the iscsi and scsi pool kinds. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/backend.h"

/*
 * Every path below is read under @sysfs ("/sys" in production, a fixture tree
 * in tests) and @dev ("/dev"), so the scan is testable without hardware.
 */
typedef struct {
    const char *sysfs;         /* "/sys" */
    const char *dev;           /* "/dev" */
    guint udev_wait_ms;        /* bound for the `udevadm settle` a refresh falls back on */
    guint link_wait_ms;        /* bound for waiting on missing stable links, per refresh */
    bool udev_db;              /* read keys from udev's database before running scsi_id
                                * (off for fixture trees, whose devices udev never saw) */
} ProvLunScanOptions;

#define PROV_LUN_SCAN_OPTIONS_DEFAULT { "/sys", "/dev", 10000, 5000, true }

/**
 * prov_lun_rescan_host:
 * @host: SCSI host number (N of hostN)
 *
 * Writes "- - -" into <sysfs>/class/scsi_host/hostN/scan so the kernel probes
 * for new LUNs (what libvirt and `rescan-scsi-bus` do).
 */
bool prov_lun_rescan_host(const ProvLunScanOptions *opts, guint host, GError **error);

/* Writes "1" into the rescan attribute of every LUN of @host, so the kernel re-reads its
 * capacity (a grown LUN).  A LUN that refuses is skipped (debug log). */
void prov_lun_rescan_devices(const ProvLunScanOptions *opts, guint host);

/**
 * prov_lun_scan_host:
 * @pool: the pool; its def->target_path decides the volume paths (a stable
 *   directory such as /dev/disk/by-path, or /dev for raw sdX names)
 * @host: SCSI host number
 * @ret_missing: (out) (optional): messages for LUNs left out, e.g. "LUN 0:0:0:3
 *   ('/dev/sdd') has no link in '/dev/disk/by-path'", or two LUNs with one key
 *
 * Lists LUNs of type disk (0) and cdrom (5) under the host (from sysfs) as volumes
 * appended to pool->vols: name "unit:B:T:L", target path the entry of the pool's target
 * directory that resolves to the LUN's /dev/sdX (the directory is re-read on every
 * retry, up to link_wait_ms; one bounded `udevadm settle` and one more look only when
 * links are still missing), key the device's stable SCSI identifier (udev's ID_SERIAL
 * when udev got it from scsi_id, else /lib/udev/scsi_id --whitelisted --device=/dev/sdX,
 * falling back to the path),
 * type block, capacity from <sysfs>/block/sdX/size * 512.  Sets the pool's
 * capacity/allocation to the sum of the LUNs.  A LUN without a stable link or
 * with a key seen before is reported in @ret_missing, not fatal.
 */
bool prov_lun_scan_host(ProvStoragePool *pool, const ProvLunScanOptions *opts, guint host,
                        GPtrArray **ret_missing, GError **error);

/**
 * prov_lun_stable_path:
 * @target_dir: e.g. "/dev/disk/by-path"
 * @devpath: e.g. "/dev/sdb"
 *
 * The entry of @target_dir (read fresh) that resolves to the same device as
 * @devpath (st_rdev), preferring the lexically first when several do; NULL if
 * none.  A @target_dir of "/dev" itself returns @devpath.
 */
char *prov_lun_stable_path(const char *target_dir, const char *devpath);

/* A pool target directory must be a stable directory under /dev ("/dev" itself allowed). */
bool prov_lun_check_target(const ProvPoolDef *def, GError **error);

/* ---- additions (appended; nothing above changed) ---------------------------- */

#include "util/command.h"

/* The scsi_id command that gives a LUN's key (exposed for the golden tests). */
ProvCommand *prov_lun_scsi_id_command(const char *devpath);

/* Warns "storage pool 'p': <message>" for each of prov_lun_scan_host()'s @ret_missing
 * (provctl prints them as "warning: ..." lines).  @missing may be NULL. */
void prov_lun_report_missing(const ProvStoragePool *pool, GPtrArray *missing);

/* pool_usage callback of LUN pools: capacity = allocation = the sum of the LUNs the
 * last refresh recorded, available 0 (a reloaded status file carries no sizes). */
bool prov_lun_pool_usage(ProvStoragePool *pool, GError **error);
