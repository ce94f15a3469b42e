/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* logicaltest.c: the LVM pool kind: report parsers on real lvs/vgs/pvs output, and golden argv. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backends/backends.h"
#include "backends/logical.h"
#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/*
 * The fixtures in tests/logicaldata/ are what LVM 2.03.16 (Debian 12) printed in
 * the test VM for the fields backends/logical.h asks for: VG vg1 on /dev/loop0 and
 * /dev/loop1 holding a linear LV (lin), an old-style snapshot of it (cowsnap), a
 * striped LV, a two-segment LV (multi), the thin pool provd-thinpool with a thin
 * volume (thin1, 10 MiB written), a thin snapshot activated (thinsnap) and one
 * skipped at activation (skipsnap), an inactive LV and one tagged as an unfinished
 * clone; VG vg2 on /dev/loop3 (empty, with a linear LV, with a user thin pool);
 * VG other on /dev/loop2.  blkid-*.txt end with a line "exit N" (its status).
 *
 * The operation cases run a backend callback with the command runner in dry-run
 * mode, answering each LVM command with a fixture, and compare the commands with
 * tests/logicaldata/<case>.argv (libvirt's wrapped form; the test's temp dir shown
 * as /TMP).  PROV_TEST_REGENERATE=1 rewrites those files.
 */

#define VG_DEFAULT "vg1"
#define MAX_CANNED 6

static char *tmp_root;

/* ---- fixtures --------------------------------------------------------------- */

static char *
fixture_path(const char *name)
{
    return g_build_filename(PROV_TEST_DATA_DIR, "logicaldata", name, NULL);
}

static char *
fixture(const char *name)
{
    g_autofree char *path = fixture_path(name);

    return prov_test_read_required(path);
}

/* Compare @got with logicaldata/@file, or rewrite the file when regenerating. */
static void
check_golden(const char *file, const char *got)
{
    g_autofree char *path = fixture_path(file);

    prov_test_check_golden(path, got);
}

/* ---- parsers ------------------------------------------------------------------ */

static GPtrArray *
parse_lvs_fixture(const char *name, ProvLogicalVg *ret_vg)
{
    g_autofree char *json = fixture(name);
    g_autoptr(GError) error = NULL;
    GPtrArray *lvs = NULL;

    g_assert_true(prov_logical_parse_lvs(json, &lvs, ret_vg, &error));
    g_assert_no_error(error);
    return lvs;
}

static const ProvLogicalLv *
find_lv(GPtrArray *lvs, const char *name)
{
    guint i;

    for (i = 0; i < lvs->len; i++) {
        const ProvLogicalLv *lv = g_ptr_array_index(lvs, i);

        if (g_str_equal(lv->name, name))
            return lv;
    }
    g_error("no LV '%s' in the report", name);
    return NULL;
}

static void
test_parse_lvs(void)
{
    ProvLogicalVg vg = { 0 };
    g_autoptr(GPtrArray) lvs = parse_lvs_fixture("lvs-vg1.json", &vg);
    const ProvLogicalLv *lv;
    const ProvLogicalExtent *ext;

    /* 11 rows, multi has two segments: 10 LVs. */
    g_assert_cmpuint(lvs->len, ==, 10);
    g_assert_cmpuint(vg.size, ==, 528482304);
    g_assert_cmpuint(vg.free, ==, 268435456);
    g_assert_cmpuint(vg.extent_size, ==, 4194304);

    lv = find_lv(lvs, "thin1");
    g_assert_cmpstr(lv->attr, ==, "Vwi-a-tz--");
    g_assert_cmpstr(lv->pool_lv, ==, "provd-thinpool");
    g_assert_cmpint(lv->data_percent, ==, 781);
    g_assert_cmpuint(lv->size, ==, 134217728);
    g_assert_cmpuint(lv->extents->len, ==, 0);

    lv = find_lv(lvs, "multi");
    g_assert_cmpuint(lv->extents->len, ==, 2);
    ext = g_ptr_array_index(lv->extents, 0);
    g_assert_cmpstr(ext->device, ==, "/dev/loop0");
    g_assert_cmpuint(ext->start, ==, 18ull * 4194304);
    g_assert_cmpuint(ext->end, ==, 18ull * 4194304 + 8388608);
    ext = g_ptr_array_index(lv->extents, 1);
    g_assert_cmpstr(ext->device, ==, "/dev/loop1");
    g_assert_cmpuint(ext->start, ==, 2ull * 4194304);

    /* Striped: each PV holds half of the segment. */
    lv = find_lv(lvs, "striped");
    g_assert_cmpuint(lv->extents->len, ==, 2);
    ext = g_ptr_array_index(lv->extents, 1);
    g_assert_cmpstr(ext->device, ==, "/dev/loop1");
    g_assert_cmpuint(ext->end - ext->start, ==, 8388608);

    /* The thin pool's data sub-LV is no PV. */
    lv = find_lv(lvs, "provd-thinpool");
    g_assert_cmpuint(lv->extents->len, ==, 0);
    g_assert_cmpstr(lv->path, ==, "");

    lv = find_lv(lvs, "cowsnap");
    g_assert_cmpstr(lv->origin, ==, "lin");
    g_assert_cmpuint(lv->origin_size, ==, 67108864);
    g_assert_cmpint(lv->data_percent, ==, 0);

    lv = find_lv(lvs, "lin");
    g_assert_cmpint(lv->data_percent, ==, -1);
    g_assert_cmpstr(lv->tags, ==, "");
    g_assert_cmpstr(find_lv(lvs, "building")->tags, ==, PROV_LOGICAL_INCOMPLETE_TAG);
}

/* What the pool shows: hidden LVs, sizes of each kind. */
static void
test_lvs_to_vols(void)
{
    g_autoptr(GPtrArray) lvs = parse_lvs_fixture("lvs-vg1.json", NULL);
    g_autoptr(GPtrArray) vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    g_autoptr(GHashTable) by_name = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(ProvPoolDef) pool = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    ProvVolDef *vol;
    guint i;

    for (i = 0; i < lvs->len; i++) {
        if ((vol = prov_logical_lv_to_vol("vg1", g_ptr_array_index(lvs, i)))) {
            g_ptr_array_add(vols, vol);
            g_hash_table_insert(by_name, vol->name, vol);
        }
    }
    /* Hidden: the thin pool, the inactive LV, the skipped snapshot, the unfinished clone. */
    g_assert_cmpuint(vols->len, ==, 6);
    g_assert_false(g_hash_table_contains(by_name, "provd-thinpool"));
    g_assert_false(g_hash_table_contains(by_name, "inact"));
    g_assert_false(g_hash_table_contains(by_name, "skipsnap"));
    g_assert_false(g_hash_table_contains(by_name, "building"));

    vol = g_hash_table_lookup(by_name, "thin1");
    g_assert_cmpuint(vol->capacity, ==, 134217728);
    /* 7.81 % of 128 MiB */
    g_assert_cmpuint(vol->allocation, ==, 134217728ull * 781 / 10000);
    g_assert_cmpstr(vol->key, ==, "9JLJVF-Yc1C-eN8w-0Po0-mhTq-Bg59-6c5y60");
    g_assert_cmpstr(vol->target_path, ==, "/dev/vg1/thin1");
    g_assert_cmpint(vol->type, ==, PROV_VOL_BLOCK);
    g_assert_null(vol->backing.path);

    vol = g_hash_table_lookup(by_name, "lin");
    g_assert_cmpuint(vol->capacity, ==, 67108864);
    g_assert_cmpuint(vol->allocation, ==, 67108864);

    vol = g_hash_table_lookup(by_name, "cowsnap");
    g_assert_cmpuint(vol->capacity, ==, 67108864);
    g_assert_cmpuint(vol->allocation, ==, 8388608);
    g_assert_cmpstr(vol->backing.path, ==, "/dev/vg1/lin");

    /* The whole listing as the driver records it; each volume valid per libvirt. */
    pool = prov_pool_def_parse_string("<pool type='logical'><name>vg1</name></pool>", 0, &error);
    g_assert_no_error(error);
    for (i = 0; i < vols->len; i++) {
        g_autofree char *one = prov_vol_def_format(pool, g_ptr_array_index(vols, i));
        g_autofree char *msg = NULL;
        g_autofree char *rng = prov_test_conformance_path("storage/schemas/storagevol.rng");

        if (rng && !prov_test_libvirt_schema_valid("storagevol.rng", one, &msg)) {
            g_test_message("not valid per libvirt's storagevol.rng (%s):\n%s", msg, one);
            g_test_fail();
        }
    }
    xml = prov_vol_list_format(pool, vols);
    check_golden("lvs-vg1.vols.xml", xml);
}

static void
test_parse_vgs_pvs(void)
{
    g_autofree char *vgs_json = fixture("vgs-three-used.json");
    g_autofree char *pvs_json = fixture("pvs-three-vgs.json");
    g_autofree char *orphans_json = fixture("pvs-orphans.json");
    g_autoptr(GPtrArray) vgs = NULL;
    g_autoptr(GPtrArray) pvs = NULL;
    g_autoptr(GPtrArray) orphans = NULL;
    g_autoptr(GError) error = NULL;
    const ProvLogicalVg *vg;
    const ProvLogicalPv *pv;

    vgs = prov_logical_parse_vgs(vgs_json, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(vgs->len, ==, 3);
    vg = g_ptr_array_index(vgs, 1);
    g_assert_cmpstr(vg->name, ==, "vg1");
    g_assert_cmpuint(vg->size, ==, 528482304);
    g_assert_cmpuint(vg->free, ==, 268435456);
    g_assert_cmpuint(vg->lv_count, ==, 10);

    pvs = prov_logical_parse_pvs(pvs_json, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(pvs->len, ==, 4);
    pv = g_ptr_array_index(pvs, 2);
    g_assert_cmpstr(pv->pv_name, ==, "/dev/loop2");
    g_assert_cmpstr(pv->vg_name, ==, "other");

    orphans = prov_logical_parse_pvs(orphans_json, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(orphans->len, ==, 2);
    pv = g_ptr_array_index(orphans, 0);
    g_assert_cmpstr(pv->vg_name, ==, "");
}

/* Empty reports are reports; anything else malformed is an error naming the problem. */
static void
test_parse_errors(void)
{
    static const struct {
        const char *json;
        const char *needle;
    } bad[] = {
        { "not json", "cannot parse" },
        { "", "no \"report\"" },
        { "{\"reports\": []}", "no \"report\"" },
        { "{\"report\": [{\"lv\": [{\"lv_name\":\"a\", \"lv_size\":\"12x\"}]}]}", "'lv_size'" },
        { "{\"report\": [{\"lv\": [{\"lv_name\":\"a\", \"data_percent\":\"7.x\"}]}]}",
          "'data_percent'" },
        { "{\"report\": [{\"lv\": [{\"lv_name\":\"a\", \"data_percent\":\"100.01\"}]}]}",
          "'data_percent'" },
        { "{\"report\": [{\"lv\": [{\"lv_size\":\"1\"}]}]}", "no 'lv_name'" },
        { "{\"report\": [{\"lv\": [{\"lv_name\":\"a\", \"devices\":\"/dev/sda(x)\", "
          "\"vg_extent_size\":\"4194304\"}]}]}", "'/dev/sda(x)'" },
        { "{\"report\": [{\"lv\": [{\"lv_name\":\"a\", \"devices\":\"/dev/sda\"}]}]}",
          "'/dev/sda'" },
    };
    g_autofree char *empty = fixture("lvs-vg2-empty.json");
    g_autofree char *missing = fixture("lvs-one-missing.json");
    g_autoptr(GPtrArray) lvs = NULL;
    g_autoptr(GError) error = NULL;
    guint i;

    g_assert_true(prov_logical_parse_lvs(empty, &lvs, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(lvs->len, ==, 0);
    g_clear_pointer(&lvs, g_ptr_array_unref);
    g_assert_true(prov_logical_parse_lvs(missing, &lvs, NULL, &error));
    g_assert_cmpuint(lvs->len, ==, 0);
    g_clear_pointer(&lvs, g_ptr_array_unref);

    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        GPtrArray *out = NULL;

        g_assert_false(prov_logical_parse_lvs(bad[i].json, &out, NULL, &err));
        g_assert_null(out);
        g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_PARSE_FAILED);
        if (!strstr(err->message, bad[i].needle)) {
            g_test_message("'%s': error '%s' does not mention %s", bad[i].json, err->message,
                           bad[i].needle);
            g_test_fail();
        }
    }
}

static void
test_name_check(void)
{
    static const struct {
        const char *name;
        const char *needle;     /* NULL = valid */
    } cases[] = {
        { "vg1", NULL },
        { "My_VG+1.data-x", NULL },
        { "a/b", "must not contain '/'" },
        { "-x", "must not start with '-'" },
        { "--help", "must not start with '-'" },
        { ".", "not allowed" },
        { "..", "not allowed" },
        { "", "must not be empty" },
        { "a b", "characters LVM does not allow" },
        { "caf\xc3\xa9", "characters LVM does not allow" },
        { "x$(reboot)", "characters LVM does not allow" },
        { "a\nb", "characters LVM does not allow" },
    };
    g_autofree char *long_name = g_strnfill(128, 'a');
    g_autofree char *max_name = g_strnfill(127, 'a');
    g_autoptr(GError) err = NULL;
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        bool ok = prov_logical_name_check("volume group", cases[i].name, &error);

        if (!cases[i].needle) {
            g_assert_no_error(error);
            g_assert_true(ok);
            continue;
        }
        g_assert_false(ok);
        g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
        g_assert_nonnull(strstr(error->message, cases[i].needle));
        g_assert_true(g_str_has_prefix(error->message, "volume group name"));
    }
    g_assert_true(prov_logical_name_check("logical volume", max_name, NULL));
    g_assert_false(prov_logical_name_check("logical volume", long_name, &err));
    g_assert_nonnull(strstr(err->message, "longer than 127"));
}

static void
test_dm_names(void)
{
    static const struct {
        const char *dm;
        const char *vg;
        bool in;
    } cases[] = {
        { "vg1-lin", "vg1", true },
        { "vg1-provd--thinpool-tpool", "vg1", true },
        { "vg1-provd--thinpool_tdata", "vg1", true },
        { "my--vg-thin--1", "my-vg", true },
        { "my--vg-thin--1", "my", false },
        { "a--b-x", "a", false },
        { "a-x", "a-b", false },
        { "vg10-lin", "vg1", false },
        { "vg1-", "vg1", false },
        { "vg1", "vg1", false },
        { "", "vg1", false },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        if (prov_logical_dm_name_in_vg(cases[i].dm, cases[i].vg) != cases[i].in) {
            g_test_message("'%s' in VG '%s' should be %d", cases[i].dm, cases[i].vg,
                           cases[i].in);
            g_test_fail();
        }
    }
}

/* libvirt's pool-logical*.argv: pool start is `vgchange -aly <vg>`. */
static void
test_libvirt_start(gconstpointer data)
{
    prov_test_pool_argv_golden(data, "", prov_logical_start_command);
}

static void
test_sources_format(void)
{
    g_autofree char *json = fixture("pvs-three-vgs.json");
    g_autofree char *none = fixture("pvs-orphans.json");
    g_autoptr(GPtrArray) pvs = prov_logical_parse_pvs(json, NULL);
    g_autoptr(GPtrArray) orphans = prov_logical_parse_pvs(none, NULL);
    g_autofree char *xml = prov_logical_sources_format(pvs);
    g_autofree char *empty = prov_logical_sources_format(orphans);

    check_golden("find-sources.xml", xml);
    /* PVs in no VG are no pool source. */
    g_assert_cmpstr(empty, ==, "<sources>\n</sources>\n");
}

/* ---- operations through the dry-run runner -------------------------------------- */

typedef enum {
    OP_BUILD,
    OP_START,
    OP_STOP,
    OP_DELETE,
    OP_REFRESH,
    OP_CHECK,
    OP_FIND,
    OP_VOL_CREATE,
    OP_VOL_DELETE,
    OP_VOL_RESIZE,
    OP_VOL_CLONE,
    OP_VOL_WIPE,
    OP_USAGE,
    OP_VOL_REFRESH,
} Op;

/* The answer to a command: the first entry whose program and argument text match. */
typedef struct {
    const char *prog;        /* basename */
    const char *match;       /* a substring of the arguments joined by spaces; NULL = any */
    const char *fixture;     /* logicaldata file printed on stdout; NULL = nothing */
    int status;              /* exit status (for blkid-*.txt: the file's "exit N") */
} Canned;

typedef enum {
    SRC_NONE,
    SRC_LV,                  /* /dev/<vg>/<src_name> */
    SRC_FILE,                /* a raw file with data and holes in the temp dir */
    SRC_QCOW2,               /* a file the source volume says is qcow2 */
} SrcKind;

typedef enum {
    DST_NONE,
    DST_EMPTY,               /* the new LV is @TMP@/dst.img, reading as zeros */
    DST_GARBAGE,             /* the new LV is @TMP@/dst.img, full of old data */
} DstKind;

typedef struct {
    const char *name;
    Op op;
    const char *vg;          /* NULL = vg1 */
    bool no_devices;         /* the pool lists no <device> */
    unsigned int flags;
    const char *vol;         /* volume operated on */
    guint64 capacity;        /* of a new volume / resize target */
    gint64 allocation;       /* of a new volume; -1 = absent */
    SrcKind src;
    const char *src_name;
    DstKind dst;
    const char *subst[3][2]; /* applied to every fixture; "@TMP@" = the temp dir */
    Canned canned[MAX_CANNED];
    const char *error[4];    /* the operation fails mentioning these; else succeeds */
    int expect;              /* check: 1 active / 0 inactive; refresh: volume count; -1 */
    bool no_command;
} LvCase;

#define NO_VOL NULL, 0, -1, SRC_NONE, NULL, DST_NONE
#define BLKID_EMPTY { "blkid", NULL, "blkid-empty.txt", 0 }

static const LvCase lv_cases[] = {
    /* build: checks first (pvs, blkid per device), then pvcreate each, vgcreate */
    { "build", OP_BUILD, "newvg", false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-none.json", 0 }, BLKID_EMPTY }, { NULL }, -1, false },
    { "build-overwrite", OP_BUILD, "newvg", false, PROV_POOL_BUILD_OVERWRITE, NO_VOL,
      { { NULL } }, { { "pvs", NULL, "pvs-orphans.json", 0 } }, { NULL }, -1, false },
    { "build-refused-ext4", OP_BUILD, "newvg", false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-none.json", 0 }, { "blkid", NULL, "blkid-ext4.txt", 0 } },
      { "'@DEV0@'", "already holds 'ext4'", "--overwrite", NULL }, -1, false },
    { "build-refused-orphan-pv", OP_BUILD, "newvg", false, PROV_POOL_BUILD_NO_OVERWRITE,
      NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-orphans.json", 0 }, { "blkid", NULL, "blkid-pv.txt", 0 } },
      { "'@DEV0@'", "'LVM2_member'", NULL }, -1, false },
    { "build-refused-other-vg", OP_BUILD, "newvg", false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 } },
      { "'@DEV0@'", "already a physical volume of volume group 'vg1'", NULL }, -1, false },
    { "build-refused-other-vg-overwrite", OP_BUILD, "newvg", false, PROV_POOL_BUILD_OVERWRITE,
      NO_VOL, { { NULL } }, { { "pvs", NULL, "pvs-three-vgs.json", 0 } },
      { "'@DEV0@'", "volume group 'vg1'", NULL }, -1, false },
    { "build-refused-vg-exists", OP_BUILD, "vg2", false, PROV_POOL_BUILD_OVERWRITE, NO_VOL,
      { { NULL } }, { { "pvs", NULL, "pvs-three-vgs.json", 0 } },
      { "volume group 'vg2' already exists", NULL }, -1, false },
    { "build-vgcreate-fails", OP_BUILD, "newvg", false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-none.json", 0 }, BLKID_EMPTY, { "vgcreate", NULL, NULL, 5 } },
      { "cannot create volume group 'newvg'", NULL }, -1, false },
    { "build-bad-vg-slash", OP_BUILD, "a/b", false, 0, NO_VOL, { { NULL } }, { { NULL } },
      { "storage pool 'lvpool': volume group name 'a/b' must not contain '/'", NULL }, -1,
      true },
    { "build-bad-vg-dash", OP_BUILD, "-ff", false, 0, NO_VOL, { { NULL } }, { { NULL } },
      { "volume group name '-ff' must not start with '-'", NULL }, -1, true },
    { "build-no-devices", OP_BUILD, "newvg", true, 0, NO_VOL, { { NULL } }, { { NULL } },
      { "needs at least one", NULL }, -1, true },

    /* start: the VG must be on the pool's devices; leftovers of crashed clones go */
    { "start", OP_START, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 }, { "lvs", NULL, "lvs-vg1.json", 0 } },
      { NULL }, -1, false },
    { "start-no-devices", OP_START, "vg2", true, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 }, { "lvs", NULL, "lvs-vg2-linear.json", 0 } },
      { NULL }, -1, false },
    { "start-not-built", OP_START, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-orphans.json", 0 } },
      { "volume group 'vg1' not found", "pool-build", NULL }, -1, false },
    { "start-wrong-devices", OP_START, "vg2", false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 } },
      { "'vg2' is not on any of the pool's source devices", NULL }, -1, false },
    { "start-bad-vg", OP_START, "-x", false, 0, NO_VOL, { { NULL } }, { { NULL } },
      { "must not start with '-'", NULL }, -1, true },

    /* stop: vgchange -aln; a VG gone is stopped, an open LV is an error */
    { "stop", OP_STOP, NULL, false, 0, NO_VOL, { { NULL } }, { { NULL } }, { NULL }, -1,
      false },
    { "stop-busy", OP_STOP, NULL, false, 0, NO_VOL, { { NULL } },
      { { "vgchange", NULL, NULL, 5 }, { "vgs", NULL, "vgs-three-used.json", 0 } },
      { "cannot deactivate volume group 'vg1'", NULL }, -1, false },
    { "stop-vg-gone", OP_STOP, "gone", false, 0, NO_VOL, { { NULL } },
      { { "vgchange", NULL, NULL, 5 }, { "vgs", NULL, "vgs-three-used.json", 0 } },
      { NULL }, -1, false },

    /* delete: vgremove -f, then the PV labels of the pool's devices */
    { "delete", OP_DELETE, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 } }, { NULL }, -1, false },
    { "delete-again", OP_DELETE, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-none.json", 0 } }, { NULL }, -1, false },
    { "delete-pvremove-fails", OP_DELETE, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 }, { "pvremove", NULL, NULL, 5 } },
      { "'vg1' is removed", "'@DEV0@', '@DEV1@'", NULL }, -1, false },

    /* refresh: one lvs; an empty VG needs vgs for its size */
    { "refresh", OP_REFRESH, NULL, false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, 6, false },
    { "refresh-empty-vg", OP_REFRESH, "vg2", false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-vg2-empty.json", 0 }, { "vgs", NULL, "vgs-three.json", 0 } },
      { NULL }, 0, false },
    { "refresh-missing-vg", OP_REFRESH, "nosuchvg", false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-missing-vg.json", 5 } },
      { "cannot list the logical volumes of 'nosuchvg'", NULL }, -1, false },

    /* check: active = the VG has an active LV (or no LV at all); no VG, no pool */
    { "check-active", OP_CHECK, NULL, false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, 1, false },
    { "check-deactivated", OP_CHECK, NULL, false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-vg1-inactive.json", 0 } }, { NULL }, 0, false },
    { "check-empty-vg", OP_CHECK, "vg2", false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-vg2-empty.json", 0 } }, { NULL }, 1, false },
    { "check-missing-vg", OP_CHECK, "nosuchvg", false, 0, NO_VOL, { { NULL } },
      { { "lvs", NULL, "lvs-missing-vg.json", 5 } },
      { "cannot list the logical volumes of 'nosuchvg'", NULL }, 0, false },

    /* pool-info: the VG's sizes from vgs */
    { "pool-usage", OP_USAGE, NULL, false, 0, NO_VOL, { { NULL } },
      { { "vgs", NULL, "vgs-three-used.json", 0 } }, { NULL }, -1, false },
    /* one volume re-read: a thin volume's allocation follows its data_percent */
    { "vol-refresh-thin", OP_VOL_REFRESH, NULL, false, 0, "thin1", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-one-thin.json", 0 } }, { NULL }, -1,
      false },
    { "vol-refresh-inactive", OP_VOL_REFRESH, NULL, false, 0, "inact", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } },
      { "'inact' not found", NULL }, -1, false },

    { "find-sources", OP_FIND, NULL, false, 0, NO_VOL, { { NULL } },
      { { "pvs", NULL, "pvs-three-vgs.json", 0 } }, { NULL }, -1, false },

    /* volumes: linear, or thin when allocation < capacity */
    { "vol-create-linear", OP_VOL_CREATE, NULL, false, 0, "lin", 67108864, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", "vg1/lin", "lvs-one-lin.json", 0 } }, { NULL }, -1,
      false },
    { "vol-create-unaligned", OP_VOL_CREATE, NULL, false, 0, "lin", 10000000, 10000000,
      SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", "vg1/lin", "lvs-one-lin.json", 0 } }, { NULL }, -1, false },
    { "vol-create-thin-new-pool", OP_VOL_CREATE, "vg2", false, 0, "thin1", 134217728, 0,
      SRC_NONE, NULL, DST_NONE, { { "vg1", "vg2" } },
      { { "lvs", "vg2/thin1", "lvs-one-thin.json", 0 },
        { "lvs", NULL, "lvs-vg2-linear.json", 0 } }, { NULL }, -1, false },
    { "vol-create-thin-empty-vg", OP_VOL_CREATE, "vg2", false, 0, "thin1", 134217728, 0,
      SRC_NONE, NULL, DST_NONE, { { "vg1", "vg2" } },
      { { "lvs", "vg2/thin1", "lvs-one-thin.json", 0 },
        { "lvs", NULL, "lvs-vg2-empty.json", 0 }, { "vgs", NULL, "vgs-three.json", 0 } },
      { NULL }, -1, false },
    { "vol-create-thin-user-pool", OP_VOL_CREATE, "vg2", false, 0, "thin1", 134217728, 0,
      SRC_NONE, NULL, DST_NONE, { { "vg1", "vg2" } },
      { { "lvs", "vg2/thin1", "lvs-one-thin.json", 0 },
        { "lvs", NULL, "lvs-vg2-userpool.json", 0 } }, { NULL }, -1, false },
    { "vol-create-thin-grow-pool", OP_VOL_CREATE, "vg2", false, 0, "thin1", 268435456,
      100000000, SRC_NONE, NULL, DST_NONE, { { "vg1", "vg2" } },
      { { "lvs", "vg2/thin1", "lvs-one-thin.json", 0 },
        { "lvs", NULL, "lvs-vg2-userpool.json", 0 } }, { NULL }, -1, false },
    { "vol-create-thin-in-provd-pool", OP_VOL_CREATE, NULL, false, 0, "thin1", 1073741824, 0,
      SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", "vg1/thin1", "lvs-one-thin.json", 0 }, { "lvs", NULL, "lvs-vg1.json", 0 } },
      { NULL }, -1, false },
    { "vol-create-thin-fails", OP_VOL_CREATE, "vg2", false, 0, "thin1", 134217728, 0,
      SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", NULL, "lvs-vg2-linear.json", 0 }, { "lvcreate", "-V", NULL, 5 } },
      { "cannot create logical volume 'vg2/thin1'", NULL }, -1, false },
    { "vol-create-bad-name", OP_VOL_CREATE, NULL, false, 0, "a b", 67108864, -1, SRC_NONE,
      NULL, DST_NONE, { { NULL } }, { { NULL } },
      { "storage volume 'a b': logical volume name 'a b'", NULL }, -1, true },
    { "vol-create-from-thin-backing", OP_VOL_CREATE, NULL, false, 0, "thinsnap", 134217728,
      -1, SRC_LV, "thin1", DST_NONE, { { NULL } },
      { { "lvs", "vg1/thin1", "lvs-one-thin.json", 0 },
        { "lvs", "vg1/thinsnap", "lvs-one-thinsnap.json", 0 } }, { NULL }, -1, false },
    { "vol-create-from-linear-backing", OP_VOL_CREATE, NULL, false, 0, "cowsnap", 67108864,
      8388608, SRC_LV, "lin", DST_NONE, { { NULL } },
      { { "lvs", "vg1/lin", "lvs-one-lin.json", 0 }, { "lvs", NULL, "lvs-vg1.json", 0 } },
      { NULL }, -1, false },

    /* delete */
    { "vol-delete", OP_VOL_DELETE, NULL, false, 0, "striped", 0, -1, SRC_NONE, NULL, DST_NONE,
      { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, -1, false },
    { "vol-delete-open", OP_VOL_DELETE, NULL, false, 0, "lin", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1-open.json", 0 } },
      { "storage volume 'lin' is in use", "'/dev/vg1/lin' is open", NULL }, -1, false },
    { "vol-delete-origin", OP_VOL_DELETE, NULL, false, 0, "lin", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } },
      { "has snapshots ('cowsnap')", "--delete-snapshots", NULL }, -1, false },
    { "vol-delete-origin-with-snapshots", OP_VOL_DELETE, NULL, false,
      PROV_VOL_DELETE_WITH_SNAPSHOTS, "lin", 0, -1, SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, -1, false },
    { "vol-delete-thin", OP_VOL_DELETE, NULL, false, 0, "thin1", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, -1, false },
    /* The snapshots moved to another thin pool: thin1 is provd's pool's last volume. */
    { "vol-delete-last-thin", OP_VOL_DELETE, NULL, false, 0, "thin1", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { "\"pool_lv\":\"provd-thinpool\", \"origin\":\"thin1\"",
                    "\"pool_lv\":\"userpool\", \"origin\":\"thin1\"" } },
      { { "lvs", NULL, "lvs-vg1.json", 0 } }, { NULL }, -1, false },
    { "vol-delete-missing", OP_VOL_DELETE, NULL, false, 0, "nosuch", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } },
      { "'nosuch' not found", NULL }, -1, false },

    /* resize */
    { "vol-resize-grow", OP_VOL_RESIZE, NULL, false, 0, "lin", 134217728, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-one-lin.json", 0 } }, { NULL }, -1,
      false },
    { "vol-resize-shrink", OP_VOL_RESIZE, NULL, false, PROV_VOL_RESIZE_SHRINK, "lin",
      33554432, -1, SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", NULL, "lvs-one-lin.json", 0 } }, { NULL }, -1, false },
    { "vol-resize-shrink-refused", OP_VOL_RESIZE, NULL, false, 0, "lin", 33554432, -1,
      SRC_NONE, NULL, DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-one-lin.json", 0 } },
      { "without --shrink", NULL }, -1, false },
    { "vol-resize-same", OP_VOL_RESIZE, NULL, false, 0, "lin", 67108864, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-one-lin.json", 0 } }, { NULL }, -1,
      false },
    { "vol-resize-thin-allocate", OP_VOL_RESIZE, NULL, false, PROV_VOL_RESIZE_ALLOCATE,
      "thin1", 268435456, -1, SRC_NONE, NULL, DST_NONE, { { NULL } },
      { { "lvs", NULL, "lvs-one-thin.json", 0 } }, { "cannot be preallocated", NULL }, -1,
      false },
    { "vol-resize-snapshot", OP_VOL_RESIZE, NULL, false, 0, "cowsnap", 268435456, -1,
      SRC_NONE, NULL, DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } },
      { "resize its origin 'lin'", NULL }, -1, false },

    /* clone: a thin source is snapshotted; anything else copied into a new LV */
    { "vol-clone-thin-snapshot", OP_VOL_CLONE, NULL, false, 0, "thinsnap", 134217728,
      134217728, SRC_LV, "thin1", DST_NONE, { { NULL } },
      { { "lvs", "vg1/thin1", "lvs-one-thin.json", 0 },
        { "lvs", "vg1/thinsnap", "lvs-one-thinsnap.json", 0 } }, { NULL }, -1, false },
    { "vol-clone-thin-snapshot-grow", OP_VOL_CLONE, NULL, false, 0, "thinsnap", 268435456, 0,
      SRC_LV, "thin1", DST_NONE, { { NULL } },
      { { "lvs", "vg1/thin1", "lvs-one-thin.json", 0 },
        { "lvs", "vg1/thinsnap", "lvs-one-thinsnap.json", 0 } }, { NULL }, -1, false },
    { "vol-clone-file-to-linear", OP_VOL_CLONE, NULL, false, 0, "copy", 0, -1, SRC_FILE, NULL,
      DST_GARBAGE, { { "\"lin\"", "\"copy\"" }, { "/dev/vg1/lin", "@TMP@/dst.img" } },
      { { "lvs", "vg1/copy", "lvs-one-lin.json", 0 } }, { NULL }, -1, false },
    { "vol-clone-file-to-thin", OP_VOL_CLONE, NULL, false, 0, "copy", 0, 0, SRC_FILE, NULL,
      DST_EMPTY, { { "\"thin1\"", "\"copy\"" }, { "/dev/vg1/thin1", "@TMP@/dst.img" } },
      { { "lvs", "vg1/copy", "lvs-one-thin.json", 0 }, { "lvs", NULL, "lvs-vg1.json", 0 } },
      { NULL }, -1, false },
    { "vol-clone-qcow2", OP_VOL_CLONE, NULL, false, 0, "copy", 0, 0, SRC_QCOW2, NULL,
      DST_EMPTY, { { "\"thin1\"", "\"copy\"" }, { "/dev/vg1/thin1", "@TMP@/dst.img" } },
      { { "lvs", "vg1/copy", "lvs-one-thin.json", 0 }, { "lvs", NULL, "lvs-vg1.json", 0 } },
      { NULL }, -1, false },
    { "vol-clone-copy-fails", OP_VOL_CLONE, NULL, false, 0, "copy", 0, -1, SRC_FILE, NULL,
      DST_NONE, { { "\"lin\"", "\"copy\"" }, { "/dev/vg1/lin", "@TMP@/no/such/dev" } },
      { { "lvs", "vg1/copy", "lvs-one-lin.json", 0 } },
      { "storage volume 'copy': cannot open '@TMP@/no/such/dev'", NULL }, -1, false },
    { "vol-clone-reflink", OP_VOL_CLONE, NULL, false, PROV_VOL_CREATE_REFLINK, "copy", 0, -1,
      SRC_FILE, NULL, DST_NONE, { { NULL } }, { { NULL } },
      { "reflink is not supported", NULL }, -1, true },

    /* wipe: the scrub patterns are volume_local's; snapshots are refused */
    { "vol-wipe-nnsa", OP_VOL_WIPE, NULL, false, PROV_WIPE_NNSA, "lin", 0, -1, SRC_NONE, NULL,
      DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-one-lin.json", 0 } }, { NULL }, -1,
      false },
    { "vol-wipe-snapshot", OP_VOL_WIPE, NULL, false, PROV_WIPE_ZERO, "cowsnap", 0, -1,
      SRC_NONE, NULL, DST_NONE, { { NULL } }, { { "lvs", NULL, "lvs-vg1.json", 0 } },
      { "cannot wipe a snapshot", NULL }, -1, false },
};

typedef struct {
    GString *log;
    GPtrArray *argvs;        /* of GStrv */
    const LvCase *tc;
    GHashTable *outputs;     /* fixture name -> substituted text */
} Recorder;

static char *
substitute(const char *text, const LvCase *tc, const char *tmp, const char *dev0,
           const char *dev1)
{
    g_autoptr(GString) s = g_string_new(text);
    guint i;

    for (i = 0; i < G_N_ELEMENTS(tc->subst) && tc->subst[i][0]; i++) {
        g_autoptr(GString) to = g_string_new(tc->subst[i][1]);

        g_string_replace(to, "@TMP@", tmp, 0);
        g_string_replace(s, tc->subst[i][0], to->str, 0);
    }
    if (dev0)
        g_string_replace(s, "/dev/loop0", dev0, 0);
    if (dev1)
        g_string_replace(s, "/dev/loop1", dev1, 0);
    g_string_replace(s, "@TMP@", tmp, 0);
    g_string_replace(s, "@DEV0@", dev0 ? dev0 : "", 0);
    g_string_replace(s, "@DEV1@", dev1 ? dev1 : "", 0);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
recorder_cb(const char *const *argv, const char *input, char **ret_stdout, char **ret_stderr,
            int *ret_status, void *opaque)
{
    Recorder *rec = opaque;
    g_autofree char *prog = g_path_get_basename(argv[0]);
    g_autofree char *args = g_strjoinv(" ", (char **)argv + 1);
    guint i;

    g_ptr_array_add(rec->argvs, g_strdupv((char **)argv));
    *ret_status = 0;
    for (i = 0; i < MAX_CANNED && rec->tc->canned[i].prog; i++) {
        const Canned *c = &rec->tc->canned[i];
        const char *out;

        if (!g_str_equal(c->prog, prog) || (c->match && !strstr(args, c->match)))
            continue;
        *ret_status = c->status;
        if (!c->fixture)
            return;
        out = g_hash_table_lookup(rec->outputs, c->fixture);
        if (g_str_has_suffix(c->fixture, ".txt")) {
            /* blkid-*.txt: stdout, then "exit N" */
            const char *exit_line = strstr(out, "exit ");

            *ret_stdout = g_strndup(out, exit_line - out);
            *ret_status = atoi(exit_line + 5);
        } else {
            *ret_stdout = g_strdup(out);
        }
        return;
    }
}

/* A block device node of a major no driver has (240: "local/experimental use"), so
 * stat() says block device while nothing real can ever be touched through it. */
static char *
make_fake_device(const char *dir, const char *name, unsigned int minor_nr)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);

    if (mknod(path, S_IFBLK | 0600, makedev(240, minor_nr)) < 0)
        return NULL;
    return g_steal_pointer(&path);
}

static char *
pool_xml(const LvCase *tc, const char *dev0, const char *dev1)
{
    g_autoptr(GString) xml = g_string_new("<pool type='logical'>\n  <name>lvpool</name>\n"
                                          "  <source>\n");

    if (!tc->no_devices)
        g_string_append_printf(xml, "    <device path='%s'/>\n    <device path='%s'/>\n",
                               dev0, dev1);
    g_string_append_printf(xml, "    <name>%s</name>\n  </source>\n</pool>\n",
                           tc->vg ? tc->vg : VG_DEFAULT);
    return g_string_free(g_steal_pointer(&xml), FALSE);
}

/* 8 MiB: 1 MiB of data, 3 MiB hole, 1 MiB data, 3 MiB of written zeros. */
static void
make_source_file(const char *path)
{
    g_autofree char *buf = g_malloc(1024 * 1024);
    g_autofree char *zeros = g_malloc0(3 * 1024 * 1024);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    guint i;

    g_assert_cmpint(fd, >=, 0);
    for (i = 0; i < 1024 * 1024; i++)
        buf[i] = (char)(i * 7 + 1);
    g_assert_cmpint(pwrite(fd, buf, 1024 * 1024, 0), ==, 1024 * 1024);
    g_assert_cmpint(pwrite(fd, buf, 1024 * 1024, 4 * 1024 * 1024), ==, 1024 * 1024);
    g_assert_cmpint(pwrite(fd, zeros, 3 * 1024 * 1024, 5 * 1024 * 1024), ==, 3 * 1024 * 1024);
    close(fd);
}

static void
make_dest_file(const char *path, guint64 size, bool garbage)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, (off_t)size), ==, 0);
    if (garbage) {
        g_autofree char *junk = g_malloc(1024 * 1024);
        guint64 off;

        memset(junk, 0xa5, 1024 * 1024);
        for (off = 0; off < size; off += 1024 * 1024)
            g_assert_cmpint(pwrite(fd, junk, 1024 * 1024, (off_t)off), ==, 1024 * 1024);
    }
    close(fd);
}

/* The copy: the source's 8 MiB read back, and (thin) zero blocks left unwritten. */
static void
verify_copy(const LvCase *tc, const char *tmp)
{
    g_autofree char *src = g_build_filename(tmp, "src.img", NULL);
    g_autofree char *dst = g_build_filename(tmp, "dst.img", NULL);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    gsize alen;
    gsize blen;
    struct stat st;

    g_assert_true(g_file_get_contents(src, &a, &alen, NULL));
    g_assert_true(g_file_get_contents(dst, &b, &blen, NULL));
    g_assert_cmpuint(alen, ==, 8 * 1024 * 1024);
    g_assert_cmpuint(blen, >=, alen);
    g_assert_cmpmem(a, alen, b, alen);
    g_assert_cmpint(stat(dst, &st), ==, 0);
    if (tc->dst == DST_EMPTY) {
        /* only the 2 MiB of data were written into the thin volume */
        g_assert_cmpuint((guint64)st.st_blocks * 512, <=, 2 * 1024 * 1024 + 64 * 1024);
    }
}

static void
run_case(gconstpointer data)
{
    const LvCase *tc = data;
    g_autofree char *tmp = prov_test_make_tmp_dir("provd-logicaltest-XXXXXX");
    g_autofree char *dev0 = make_fake_device(tmp, "pv0", 0);
    g_autofree char *dev1 = make_fake_device(tmp, "pv1", 1);
    g_autofree char *xml = NULL;
    g_autofree char *rendered_file = NULL;
    g_autoptr(ProvPoolDef) def = NULL;
    g_autoptr(ProvVolDef) vol = NULL;
    g_autoptr(ProvVolDef) src = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) rendered = g_string_new(NULL);
    const ProvStorageBackend *be = &prov_backend_logical;
    ProvStoragePool pool = { 0 };
    Recorder rec = { 0 };
    bool active = false;
    bool ok = false;
    guint i;

    if (!dev0 || !dev1) {
        g_test_skip("cannot make device nodes here (mknod needs root)");
        prov_test_remove_tree(tmp);
        return;
    }
    xml = pool_xml(tc, dev0, dev1);
    def = prov_pool_def_parse_string(xml, 0, &error);
    g_assert_no_error(error);
    pool.def = def;
    pool.vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    pool.state_dir = tmp;
    pool.root = (char *)"";

    rec.log = g_string_new(NULL);
    rec.argvs = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    rec.tc = tc;
    rec.outputs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    for (i = 0; i < MAX_CANNED && tc->canned[i].prog; i++) {
        g_autofree char *text = NULL;

        if (!tc->canned[i].fixture)
            continue;
        text = fixture(tc->canned[i].fixture);
        g_hash_table_replace(rec.outputs, (char *)tc->canned[i].fixture,
                             substitute(text, tc, tmp, dev0, dev1));
    }

    if (tc->vol) {
        vol = prov_vol_def_new();
        vol->name = g_strdup(tc->vol);
        vol->capacity = tc->capacity;
        vol->has_capacity = tc->capacity > 0;
        vol->allocation = tc->allocation < 0 ? 0 : (guint64)tc->allocation;
        vol->has_allocation = tc->allocation >= 0;
        vol->target_path = g_strdup_printf("/dev/%s/%s", def->source.name, tc->vol);
    }
    if (tc->src != SRC_NONE) {
        src = prov_vol_def_new();
        src->format = PROV_FORMAT_RAW;
        if (tc->src == SRC_LV) {
            src->name = g_strdup(tc->src_name);
            src->target_path = g_strdup_printf("/dev/%s/%s", def->source.name, tc->src_name);
            src->capacity = 134217728;
        } else if (tc->src == SRC_FILE) {
            src->name = g_strdup("src.img");
            src->target_path = g_build_filename(tmp, "src.img", NULL);
            src->capacity = 8 * 1024 * 1024;
            make_source_file(src->target_path);
        } else {
            src->name = g_strdup("src.qcow2");
            src->target_path = g_build_filename(tmp, "src.qcow2", NULL);
            src->format = PROV_FORMAT_QCOW2;
            src->capacity = 1073741824;
            g_assert_true(g_file_set_contents(src->target_path, "QFI\xfb", 4, NULL));
        }
        if (tc->op == OP_VOL_CREATE)
            vol->backing.path = g_strdup(src->target_path);
    }
    if (tc->dst != DST_NONE) {
        g_autofree char *dst = g_build_filename(tmp, "dst.img", NULL);

        make_dest_file(dst, 67108864, tc->dst == DST_GARBAGE);
    }

    prov_command_set_dry_run(rec.log, recorder_cb, &rec);
    switch (tc->op) {
    case OP_BUILD:
        ok = be->build_pool(&pool, tc->flags, &error);
        break;
    case OP_START:
        ok = be->start_pool(&pool, &error);
        break;
    case OP_STOP:
        ok = be->stop_pool(&pool, &error);
        break;
    case OP_DELETE:
        ok = be->delete_pool(&pool, tc->flags, &error);
        break;
    case OP_REFRESH:
        ok = be->refresh_pool(&pool, &error);
        break;
    case OP_CHECK:
        ok = be->check_pool(&pool, &active, &error);
        break;
    case OP_FIND: {
        g_autofree char *found = be->find_pool_sources(NULL, 0, &error);

        ok = found != NULL;
        if (found)
            g_assert_nonnull(strstr(found, "<name>vg1</name>"));
        break;
    }
    case OP_VOL_CREATE:
        ok = be->create_vol(&pool, vol, &error) && be->build_vol(&pool, vol, tc->flags, NULL,
                                                                  &error);
        break;
    case OP_VOL_DELETE:
        ok = be->delete_vol(&pool, vol, tc->flags, &error);
        break;
    case OP_VOL_RESIZE:
        ok = be->resize_vol(&pool, vol, tc->capacity, tc->flags, &error);
        break;
    case OP_VOL_CLONE:
        ok = be->create_vol(&pool, vol, &error) &&
            be->build_vol_from(&pool, vol, src, tc->flags, NULL, &error);
        break;
    case OP_VOL_WIPE:
        ok = be->wipe_vol(&pool, vol, (ProvWipeAlgorithm)tc->flags, 0, NULL, &error);
        break;
    case OP_USAGE:
        ok = be->pool_usage(&pool, &error);
        if (ok) {
            g_assert_cmpuint(def->capacity, ==, 528482304);
            g_assert_cmpuint(def->available, ==, 268435456);
            g_assert_cmpuint(def->allocation, ==, 528482304 - 268435456);
        }
        break;
    case OP_VOL_REFRESH:
        ok = be->refresh_vol(&pool, vol, &error);
        if (ok) {
            g_assert_cmpuint(vol->capacity, ==, 134217728);
            g_assert_cmpuint(vol->allocation, ==, 134217728ull * 781 / 10000);
            g_assert_cmpstr(vol->key, ==, "9JLJVF-Yc1C-eN8w-0Po0-mhTq-Bg59-6c5y60");
        }
        break;
    }
    prov_command_set_dry_run(NULL, NULL, NULL);

    if (tc->error[0]) {
        g_assert_false(ok);
        g_assert_nonnull(error);
        for (i = 0; tc->error[i]; i++) {
            g_autofree char *needle = substitute(tc->error[i], tc, tmp, dev0, dev1);

            if (!strstr(error->message, needle)) {
                g_test_message("error '%s' does not mention '%s'", error->message, needle);
                g_test_fail();
            }
        }
    } else {
        g_assert_no_error(error);
        g_assert_true(ok);
    }
    if (tc->op == OP_CHECK && tc->expect >= 0)
        g_assert_cmpint(active, ==, tc->expect);
    if (tc->op == OP_REFRESH && tc->expect >= 0) {
        g_assert_cmpuint(pool.vols->len, ==, (guint)tc->expect);
        g_assert_cmpuint(def->capacity, >, 0);
        g_assert_cmpuint(def->capacity, ==, def->allocation + def->available);
    }
    if (tc->op == OP_VOL_CREATE && ok)
        g_assert_cmpstr(vol->key, !=, vol->target_path);
    if (tc->op == OP_VOL_CLONE && ok && tc->src == SRC_FILE)
        verify_copy(tc, tmp);

    for (i = 0; i < rec.argvs->len; i++) {
        g_autofree char *line = prov_test_argv_format(g_ptr_array_index(rec.argvs, i));

        g_string_append(rendered, line);
    }
    g_string_replace(rendered, tmp, "/TMP", 0);
    if (tc->no_command) {
        g_assert_cmpstr(rendered->str, ==, "");
    } else {
        g_assert_cmpstr(rendered->str, !=, "");
        rendered_file = g_strdup_printf("%s.argv", tc->name);
        check_golden(rendered_file, rendered->str);
    }

    g_ptr_array_unref(pool.vols);
    g_string_free(rec.log, TRUE);
    g_ptr_array_unref(rec.argvs);
    g_hash_table_unref(rec.outputs);
    prov_test_remove_tree(tmp);
}

int
main(int argc, char **argv)
{
    static const char *const libvirt_start[] = {
        "pool-logical", "pool-logical-create", "pool-logical-noname", "pool-logical-nopath",
    };
    guint i;

    g_test_init(&argc, &argv, NULL);
    tmp_root = prov_test_make_tmp_dir("provd-logicaltest-root-XXXXXX");
    g_test_add_func("/storage/logical/parse/lvs", test_parse_lvs);
    g_test_add_func("/storage/logical/parse/lvs-to-vols", test_lvs_to_vols);
    g_test_add_func("/storage/logical/parse/vgs-pvs", test_parse_vgs_pvs);
    g_test_add_func("/storage/logical/parse/errors", test_parse_errors);
    g_test_add_func("/storage/logical/name-check", test_name_check);
    g_test_add_func("/storage/logical/sources", test_sources_format);
    g_test_add_func("/storage/logical/dm-names", test_dm_names);
    for (i = 0; i < G_N_ELEMENTS(libvirt_start); i++) {
        g_autofree char *path = g_strdup_printf("/storage/logical/libvirt-start/%s",
                                                libvirt_start[i]);

        g_test_add_data_func(path, libvirt_start[i], test_libvirt_start);
    }
    PROV_TEST_ADD_CASES("/storage/logical/argv", lv_cases, name, run_case);
    return prov_test_run_and_remove(tmp_root);
}
