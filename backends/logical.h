/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* logical.h: the 'logical' (LVM2) pool kind's parsers and command builders, for its tests. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "storage/backend.h"
#include "util/command.h"

/* The thin pool provd creates in a volume group for the first sparse volume. */
#define PROV_LOGICAL_THIN_POOL "provd-thinpool"
/* LV tag of a volume still being filled by a clone: hidden, removed at pool start. */
#define PROV_LOGICAL_INCOMPLETE_TAG "provd_incomplete"

/* The fields provd asks lvs, vgs and pvs for (--reportformat json). */
#define PROV_LOGICAL_LVS_FIELDS "lv_name,lv_uuid,lv_path,lv_size,lv_attr,lv_tags,pool_lv," \
    "origin,origin_size,data_percent,segtype,stripes,seg_size,devices,vg_extent_size," \
    "vg_size,vg_free"
#define PROV_LOGICAL_VGS_FIELDS "vg_name,vg_size,vg_free,vg_extent_size,lv_count"
#define PROV_LOGICAL_PVS_FIELDS "pv_name,vg_name"

/* One physical extent range of an LV on a PV (from lvs `devices`). */
typedef struct {
    char *device;
    guint64 start;
    guint64 end;
} ProvLogicalExtent;

/* One logical volume as lvs reports it, its segment rows merged. */
typedef struct {
    char *name;
    char *uuid;
    char *path;              /* lv_path; "" for thin pools */
    char attr[11];           /* lv_attr, e.g. "Vwi-a-tz--" (see lvs(8)) */
    char *tags;              /* comma separated */
    char *pool_lv;           /* thin pool of a thin volume, else "" */
    char *origin;            /* snapshot origin, else "" */
    guint64 size;            /* lv_size in bytes */
    guint64 origin_size;     /* 0 when not reported */
    int data_percent;        /* hundredths of a percent; -1 when not reported */
    GPtrArray *extents;      /* of ProvLogicalExtent* */
} ProvLogicalLv;

void prov_logical_lv_free(ProvLogicalLv *lv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvLogicalLv, prov_logical_lv_free)

typedef struct {
    char *name;
    guint64 size;
    guint64 free;
    guint64 extent_size;
    guint lv_count;
} ProvLogicalVg;

void prov_logical_vg_free(ProvLogicalVg *vg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvLogicalVg, prov_logical_vg_free)

typedef struct {
    char *pv_name;
    char *vg_name;           /* "" for a PV in no volume group */
} ProvLogicalPv;

void prov_logical_pv_free(ProvLogicalPv *pv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ProvLogicalPv, prov_logical_pv_free)

/**
 * prov_logical_parse_lvs:
 * @json: stdout of `lvs --reportformat json --units b --nosuffix -o PROV_LOGICAL_LVS_FIELDS`
 * @ret_lvs: (out): a new array of ProvLogicalLv*, in report order
 * @ret_vg: (out) (optional): the VG's size and free space from the first row; left
 *   untouched when the report has no rows
 *
 * Fields missing from a row count as empty.  Returns false with a PROV_ERR_PARSE_FAILED
 * error naming the field for text that is not an LVM report or a malformed number.
 */
bool prov_logical_parse_lvs(const char *json, GPtrArray **ret_lvs, ProvLogicalVg *ret_vg,
                            GError **error);
/* `vgs --reportformat json --units b --nosuffix -o PROV_LOGICAL_VGS_FIELDS`: ProvLogicalVg*. */
GPtrArray *prov_logical_parse_vgs(const char *json, GError **error);
/* `pvs --reportformat json -o PROV_LOGICAL_PVS_FIELDS`: ProvLogicalPv*. */
GPtrArray *prov_logical_parse_pvs(const char *json, GError **error);

/**
 * prov_logical_lv_to_vol:
 * @vg: the volume group's name
 *
 * The volume provd shows for @lv, or NULL for LVs it hides: thin pools, inactive LVs
 * and clones still being filled.  Capacity and allocation: a thin volume allocates
 * data_percent of its size; an old-style snapshot shows its origin's size and
 * allocates its copy-on-write space; any other LV allocates its whole size.
 * Permissions are not filled (they need the device node; see the backend).
 */
ProvVolDef *prov_logical_lv_to_vol(const char *vg, const ProvLogicalLv *lv);

/**
 * prov_logical_name_check:
 * @what: "volume group" or "logical volume"
 *
 * LVM's rule for VG and LV names: letters, digits and '+', '_', '.', '-', not
 * starting with '-', not '.' or '..', at most 127 characters.  Checked before any
 * name reaches an LVM command line, so a name can never be read as an option.
 */
bool prov_logical_name_check(const char *what, const char *name, GError **error);

/* find-storage-pool-sources: the <sources> document for the PVs @pvs (ProvLogicalPv*). */
char *prov_logical_sources_format(GPtrArray *pvs);

/* Does device-mapper device @dm_name (sysfs dm/name) belong to VG @vg? */
bool prov_logical_dm_name_in_vg(const char *dm_name, const char *vg);

/* `vgchange -aly VG`: pool start, as libvirt runs it. */
ProvCommand *prov_logical_start_command(const ProvPoolDef *def);
