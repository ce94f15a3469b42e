/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* luntest.c: the SCSI LUN scan, stable paths and scsi adapters on fixture sysfs trees. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "backends/backends.h"
#include "backends/lun.h"
#include "storage/storage_conf.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"

/*
 * Fixture trees are described in tests/lundata/NAME.tree (format in hosts.tree) and
 * made afresh in a temp dir for each test, so symlinks need not live in git.  The
 * "/dev" of a fixture holds plain files, matched by inode; one test makes real
 * block device nodes to check the st_rdev match.  scsi_id and udevadm run through
 * the command runner's dry-run seam with canned answers.
 */

#define ROOT_PLACEHOLDER "@ROOT@"

static char *scratch_dir;

/* ---- fixture trees ------------------------------------------------------------ */

static void
tree_mkparent(const char *path)
{
    g_autofree char *parent = g_path_get_dirname(path);

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
}

/* Builds the tree described by @spec under @root (see tests/lundata/hosts.tree). */
static void
tree_build(const char *root, const char *spec)
{
    g_auto(GStrv) lines = g_strsplit(spec, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(g_strstrip(lines[i]), " ", 3);
        g_autofree char *path = NULL;

        if (!f[0] || !*f[0] || f[0][0] == '#')
            continue;
        if (!f[1])
            g_error("bad fixture line '%s'", lines[i]);
        path = g_build_filename(root, f[1], NULL);
        if (g_str_equal(f[0], "d")) {
            g_assert_cmpint(g_mkdir_with_parents(path, 0755), ==, 0);
        } else if (g_str_equal(f[0], "f")) {
            g_autofree char *text = f[2] ? g_strconcat(f[2], "\n", NULL) : g_strdup("");
            g_autoptr(GError) error = NULL;

            tree_mkparent(path);
            g_file_set_contents(path, text, -1, &error);
            g_assert_no_error(error);
        } else if (g_str_equal(f[0], "l") && f[2]) {
            tree_mkparent(path);
            if (symlink(f[2], path) < 0)
                g_error("symlink '%s' -> '%s': %s", path, f[2], g_strerror(errno));
        } else {
            g_error("bad fixture line '%s'", lines[i]);
        }
    }
}

static char *
tree_spec(const char *name)
{
    g_autofree char *path = g_build_filename(PROV_TEST_DATA_DIR, "lundata", name, NULL);

    return prov_test_read_required(path);
}

/* ---- a fixture: tree, pool, dry-run runner ------------------------------------ */

typedef struct {
    char *root;
    char *sysfs;
    char *dev;
    ProvLunScanOptions opts;
    ProvStoragePool pool;
    GString *log;
    GHashTable *scsi_ids;     /* device basename -> canned scsi_id stdout ("" = none) */
} Fixture;

static void
fixture_dry_run(const char *const *argv, const char *input, char **ret_stdout,
                char **ret_stderr, int *ret_status, void *opaque)
{
    Fixture *fx = opaque;
    g_autofree char *prog = g_path_get_basename(argv[0]);
    guint i;

    *ret_status = 0;
    if (!g_str_equal(prog, "scsi_id"))
        return;
    /* Like the real tool: the identifier and a newline, or exit 1 and nothing. */
    *ret_status = 1;
    for (i = 1; argv[i]; i++) {
        if (g_str_has_prefix(argv[i], "--device=")) {
            g_autofree char *base = g_path_get_basename(argv[i] + strlen("--device="));
            const char *id = g_hash_table_lookup(fx->scsi_ids, base);

            if (id && *id) {
                *ret_stdout = g_strconcat(id, "\n", NULL);
                *ret_status = 0;
            }
        }
    }
}

/* scsi_id prints @id for device @dev (NULL: exit 1, no identifier). */
static void
fixture_set_id(Fixture *fx, const char *dev, const char *id)
{
    g_hash_table_insert(fx->scsi_ids, g_strdup(dev), g_strdup(id ? id : ""));
}

/* A fresh copy of tests/lundata/@tree, a SCSI pool 'p' targeting @target_rel in it,
 * and the dry-run runner with scsi_id answers for sda, sdc, sdd and sde. */
static void
fixture_init(Fixture *fx, const char *tree, const char *target_rel)
{
    g_autofree char *tmpl = g_build_filename(scratch_dir, "lunXXXXXX", NULL);
    g_autofree char *spec = tree_spec(tree);

    memset(fx, 0, sizeof(*fx));
    fx->root = g_mkdtemp(g_steal_pointer(&tmpl));
    g_assert_nonnull(fx->root);
    tree_build(fx->root, spec);
    fx->sysfs = g_build_filename(fx->root, "sys", NULL);
    fx->dev = g_build_filename(fx->root, "dev", NULL);
    fx->opts.sysfs = fx->sysfs;
    fx->opts.dev = fx->dev;
    fx->opts.udev_wait_ms = 10000;
    fx->opts.link_wait_ms = 200;
    fx->pool.def = prov_pool_def_new(PROV_POOL_SCSI);
    fx->pool.def->name = g_strdup("p");
    fx->pool.def->target_path = g_build_filename(fx->root, target_rel, NULL);
    fx->pool.vols = g_ptr_array_new_with_free_func((GDestroyNotify)prov_vol_def_free);
    fx->pool.state_dir = g_build_filename(fx->root, "run", NULL);
    g_assert_cmpint(g_mkdir_with_parents(fx->pool.state_dir, 0755), ==, 0);
    fx->log = g_string_new(NULL);
    fx->scsi_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    fixture_set_id(fx, "sda", "36000000000000001");
    fixture_set_id(fx, "sdc", "36000000000000003");
    fixture_set_id(fx, "sdd", "36000000000000004");
    fixture_set_id(fx, "sde", "36000000000000005");
    prov_command_set_dry_run(fx->log, fixture_dry_run, fx);
}

static void
fixture_clear(Fixture *fx)
{
    prov_command_set_dry_run(NULL, NULL, NULL);
    prov_test_remove_tree(fx->root);
    g_free(fx->root);
    g_free(fx->sysfs);
    g_free(fx->dev);
    prov_pool_def_free(fx->pool.def);
    g_ptr_array_unref(fx->pool.vols);
    g_free(fx->pool.state_dir);
    g_string_free(fx->log, TRUE);
    g_hash_table_unref(fx->scsi_ids);
}

/* g_test_add() set-up and tear-down: hosts.tree, the pool's target path as test data. */
static void
fixture_setup(Fixture *fx, gconstpointer target_rel)
{
    fixture_init(fx, "hosts.tree", target_rel);
}

static void
fixture_teardown(Fixture *fx, gconstpointer unused)
{
    fixture_clear(fx);
}

#define LUN_TEST_ADD(path, target_rel, func) \
    g_test_add((path), Fixture, (target_rel), fixture_setup, (func), fixture_teardown)

/* @text with the fixture root shown as @ROOT@ (golden files and messages). */
static char *
fixture_relative(const Fixture *fx, const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, fx->root, -1);

    return g_strjoinv(ROOT_PLACEHOLDER, parts);
}

static char *
fixture_path(const Fixture *fx, const char *rel)
{
    return g_build_filename(fx->root, rel, NULL);
}

/* The scan's messages as one string, "; "-joined, root replaced. */
static char *
missing_text(const Fixture *fx, GPtrArray *missing)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < missing->len; i++) {
        g_autofree char *rel = fixture_relative(fx, g_ptr_array_index(missing, i));

        g_string_append_printf(out, "%s%s", i ? "; " : "", rel);
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* name|path|key|capacity per volume, one per line, root replaced. */
static char *
vols_text(const Fixture *fx)
{
    g_autoptr(GString) out = g_string_new(NULL);
    guint i;

    for (i = 0; i < fx->pool.vols->len; i++) {
        const ProvVolDef *vol = g_ptr_array_index(fx->pool.vols, i);
        g_autofree char *line = NULL;

        g_assert_cmpint(vol->type, ==, PROV_VOL_BLOCK);
        g_assert_cmpuint(vol->allocation, ==, vol->capacity);
        line = g_strdup_printf("%s|%s|%s|%" G_GUINT64_FORMAT "\n", vol->name,
                               vol->target_path, vol->key, vol->capacity);
        g_string_append(out, line);
    }
    return fixture_relative(fx, out->str);
}

static bool
fixture_scan(Fixture *fx, guint host, GPtrArray **ret_missing, GError **error)
{
    return prov_lun_scan_host(&fx->pool, &fx->opts, host, ret_missing, error);
}

/* Compares the commands the scan ran with tests/lundata/@name (PROV_TEST_REGENERATE=1
 * rewrites it), in libvirt's wrapped argv form, the fixture root shown as @ROOT@. */
static void
assert_argv_golden(const Fixture *fx, const char *name)
{
    g_autofree char *path = g_build_filename(PROV_TEST_DATA_DIR, "lundata", name, NULL);
    g_auto(GStrv) lines = g_strsplit(fx->log->str, "\n", -1);
    g_autoptr(GString) got = g_string_new(NULL);
    g_autofree char *rel = NULL;
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) argv = NULL;
        g_autofree char *wrapped = NULL;
        g_autoptr(GError) error = NULL;

        if (!*lines[i])
            continue;
        g_shell_parse_argv(lines[i], NULL, &argv, &error);
        g_assert_no_error(error);
        wrapped = prov_test_argv_format((const char *const *)argv);
        g_string_append(got, wrapped);
    }
    rel = fixture_relative(fx, got->str);
    prov_test_check_golden(path, rel);
}

/* ---- the scan ------------------------------------------------------------------ */

/* Scans @host, which must succeed, and compares the volumes found (vols_text) and the
 * messages (missing_text) with @want_vols and @want_missing. */
static void
fixture_scan_check(Fixture *fx, guint host, const char *want_vols, const char *want_missing)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *vols = NULL;
    g_autofree char *msgs = NULL;

    g_assert_true(fixture_scan(fx, host, &missing, &error));
    g_assert_no_error(error);
    vols = vols_text(fx);
    g_assert_cmpstr(vols, ==, want_vols);
    msgs = missing_text(fx, missing);
    g_assert_cmpstr(msgs, ==, want_missing);
}

/* scsi_id missing or timing out: the path is the key, the refresh goes on. */
static void
scsi_id_broken(const char *const *argv, const char *input, char **ret_stdout,
               char **ret_stderr, int *ret_status, void *opaque)
{
    g_autofree char *prog = g_path_get_basename(argv[0]);

    *ret_status = g_str_equal(prog, "scsi_id") ? 127 : 0;
    if (*ret_status)
        *ret_stderr = g_strdup("scsi_id: not found\n");
}

typedef struct {
    const char *name;
    const char *target;         /* relative to the fixture root */
    guint host;
    guint link_wait_ms;         /* 0: the fixture's 200 ms */
    const char *same_id_as_sda; /* this device's scsi_id prints sda's identifier */
    bool scsi_id_broken;
    const char *vols;           /* vols_text() */
    const char *missing;        /* missing_text() */
    guint64 capacity;           /* the pool's; allocation the same, available 0 */
    const char *argv_golden;    /* tests/lundata/ file of the commands run, or NULL */
} ScanCase;

static const ScanCase scan_cases[] = {
    /* Disk and CD-ROM LUNs in (bus, target, lun) order; the tape (2:0:0:2) is not a
     * volume, sdf belongs to host3.  The CD-ROM has no identifier: its path is its key.
     * One settle (a link is missing), one scsi_id per volume found. */
    { "by-id", "dev/disk/by-id", 2, 0, NULL, false,
      "unit:0:0:0|@ROOT@/dev/disk/by-id/scsi-36000000000000001|36000000000000001|1048576\n"
      "unit:0:0:1|@ROOT@/dev/disk/by-id/scsi-1QEMU_CD-ROM|"
      "@ROOT@/dev/disk/by-id/scsi-1QEMU_CD-ROM|0\n"
      "unit:0:0:10|@ROOT@/dev/disk/by-id/scsi-36000000000000003|36000000000000003|2097152\n"
      "unit:1:0:0|@ROOT@/dev/disk/by-id/scsi-36000000000000005|36000000000000005|8192\n",
      "LUN 2:0:0:3 has no block device; "
      "LUN 2:0:1:0 ('@ROOT@/dev/sdd') has no link in '@ROOT@/dev/disk/by-id'",
      1048576 + 2097152 + 8192, "scan-by-id.argv" },
    /* Target "/dev" itself (here: the fixture's dev dir): raw sdX names, no link needed,
     * so the long link wait is never waited for. */
    { "raw-dev", "dev", 2, 60000, NULL, false,
      "unit:0:0:0|@ROOT@/dev/sda|36000000000000001|1048576\n"
      "unit:0:0:1|@ROOT@/dev/sr0|@ROOT@/dev/sr0|0\n"
      "unit:0:0:10|@ROOT@/dev/sdc|36000000000000003|2097152\n"
      "unit:0:1:0|@ROOT@/dev/sdd|36000000000000004|4096\n"
      "unit:1:0:0|@ROOT@/dev/sde|36000000000000005|8192\n",
      "LUN 2:0:0:3 has no block device",
      1048576 + 2097152 + 4096 + 8192, NULL },
    /* by-uuid does not exist at all yet: every LUN is reported, the refresh succeeds. */
    { "target-absent", "dev/disk/by-uuid", 2, 50, NULL, false, "",
      "LUN 2:0:0:0 ('@ROOT@/dev/sda') has no link in '@ROOT@/dev/disk/by-uuid'; "
      "LUN 2:0:0:1 ('@ROOT@/dev/sr0') has no link in '@ROOT@/dev/disk/by-uuid'; "
      "LUN 2:0:0:3 has no block device; "
      "LUN 2:0:0:10 ('@ROOT@/dev/sdc') has no link in '@ROOT@/dev/disk/by-uuid'; "
      "LUN 2:0:1:0 ('@ROOT@/dev/sdd') has no link in '@ROOT@/dev/disk/by-uuid'; "
      "LUN 2:1:0:0 ('@ROOT@/dev/sde') has no link in '@ROOT@/dev/disk/by-uuid'",
      0, NULL },
    /* A host without LUNs is an empty pool. */
    { "empty-host", "dev/disk/by-id", 1, 0, NULL, false, "", "", 0, NULL },
    /* Two LUNs with one identifier: the first is kept, the second reported, the refresh
     * goes on (libvirt's refresh fails as a whole and the pool is stopped). */
    { "duplicate-key", "dev/disk/by-id", 2, 0, "sdc", false,
      "unit:0:0:0|@ROOT@/dev/disk/by-id/scsi-36000000000000001|36000000000000001|1048576\n"
      "unit:0:0:1|@ROOT@/dev/disk/by-id/scsi-1QEMU_CD-ROM|"
      "@ROOT@/dev/disk/by-id/scsi-1QEMU_CD-ROM|0\n"
      "unit:1:0:0|@ROOT@/dev/disk/by-id/scsi-36000000000000005|36000000000000005|8192\n",
      "LUN 2:0:0:3 has no block device; "
      "LUN 2:0:0:10 ('@ROOT@/dev/disk/by-id/scsi-36000000000000003') has the "
      "same key '36000000000000001' as volume 'unit:0:0:0'; "
      "LUN 2:0:1:0 ('@ROOT@/dev/sdd') has no link in '@ROOT@/dev/disk/by-id'",
      1048576 + 8192, NULL },
    /* scsi_id missing or timing out: the path is the key, the refresh goes on. */
    { "scsi-id-fails", "dev", 2, 0, NULL, true,
      "unit:0:0:0|@ROOT@/dev/sda|@ROOT@/dev/sda|1048576\n"
      "unit:0:0:1|@ROOT@/dev/sr0|@ROOT@/dev/sr0|0\n"
      "unit:0:0:10|@ROOT@/dev/sdc|@ROOT@/dev/sdc|2097152\n"
      "unit:0:1:0|@ROOT@/dev/sdd|@ROOT@/dev/sdd|4096\n"
      "unit:1:0:0|@ROOT@/dev/sde|@ROOT@/dev/sde|8192\n",
      "LUN 2:0:0:3 has no block device",
      1048576 + 2097152 + 4096 + 8192, NULL },
};

static void
test_scan(gconstpointer data)
{
    const ScanCase *c = data;
    Fixture fx;

    fixture_init(&fx, "hosts.tree", c->target);
    if (c->link_wait_ms)
        fx.opts.link_wait_ms = c->link_wait_ms;
    if (c->same_id_as_sda)
        fixture_set_id(&fx, c->same_id_as_sda, g_hash_table_lookup(fx.scsi_ids, "sda"));
    if (c->scsi_id_broken)
        prov_command_set_dry_run(fx.log, scsi_id_broken, NULL);
    fixture_scan_check(&fx, c->host, c->vols, c->missing);
    g_assert_cmpuint(fx.pool.def->capacity, ==, c->capacity);
    g_assert_cmpuint(fx.pool.def->allocation, ==, fx.pool.def->capacity);
    g_assert_cmpuint(fx.pool.def->available, ==, 0);
    if (c->argv_golden)
        assert_argv_golden(&fx, c->argv_golden);
    fixture_clear(&fx);
}

/*
 * Five LUNs lack a link in by-path: the refresh waits once for all of them (libvirt
 * waits up to 10 s for each), then reports each one.
 */
static void
test_scan_wait_bounded(Fixture *fx, gconstpointer unused)
{
    gint64 start;
    gint64 elapsed_ms;

    fx->opts.link_wait_ms = 400;
    start = g_get_monotonic_time();
    fixture_scan_check(fx, 2,
                       "unit:0:0:0|@ROOT@/dev/disk/by-path/pseudo-scsi-0:0:0:0|"
                       "36000000000000001|1048576\n",
                       "LUN 2:0:0:1 ('@ROOT@/dev/sr0') has no link in "
                       "'@ROOT@/dev/disk/by-path'; "
                       "LUN 2:0:0:3 has no block device; "
                       "LUN 2:0:0:10 ('@ROOT@/dev/sdc') has no link in "
                       "'@ROOT@/dev/disk/by-path'; "
                       "LUN 2:0:1:0 ('@ROOT@/dev/sdd') has no link in "
                       "'@ROOT@/dev/disk/by-path'; "
                       "LUN 2:1:0:0 ('@ROOT@/dev/sde') has no link in "
                       "'@ROOT@/dev/disk/by-path'");
    elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    /* Waiting per LUN would take 5 x 400 ms; leave room for a loaded machine. */
    g_assert_cmpint(elapsed_ms, >=, 400);
    g_assert_cmpint(elapsed_ms, <, 3 * 400);
}

typedef struct {
    const Fixture *fx;
    guint delay_ms;
} LateLinks;

static gpointer
late_links_thread(gpointer data)
{
    const LateLinks *late = data;
    static const char *const devs[] = { "sr0", "sdc", "sdd", "sde" };
    guint i;

    g_usleep(late->delay_ms * 1000);
    for (i = 0; i < G_N_ELEMENTS(devs); i++) {
        g_autofree char *rel = g_strdup_printf("dev/disk/by-path/late-%s", devs[i]);
        g_autofree char *link = fixture_path(late->fx, rel);
        g_autofree char *target = g_strdup_printf("../../%s", devs[i]);

        if (symlink(target, link) < 0)
            g_error("symlink '%s': %s", link, g_strerror(errno));
    }
    return NULL;
}

/* Links that udev makes while we wait are found: each retry reads the directory anew
 * (libvirt's loop keeps reading one exhausted directory stream and never sees them). */
static void
test_scan_late_links(Fixture *fx, gconstpointer unused)
{
    LateLinks late;
    GThread *thread;
    gint64 start;
    gint64 elapsed_ms;

    fx->opts.link_wait_ms = 20000;
    late.fx = fx;
    late.delay_ms = 150;
    start = g_get_monotonic_time();
    thread = g_thread_new("late-links", late_links_thread, &late);
    fixture_scan_check(fx, 2,
                       "unit:0:0:0|@ROOT@/dev/disk/by-path/pseudo-scsi-0:0:0:0|"
                       "36000000000000001|1048576\n"
                       "unit:0:0:1|@ROOT@/dev/disk/by-path/late-sr0|"
                       "@ROOT@/dev/disk/by-path/late-sr0|0\n"
                       "unit:0:0:10|@ROOT@/dev/disk/by-path/late-sdc|"
                       "36000000000000003|2097152\n"
                       "unit:0:1:0|@ROOT@/dev/disk/by-path/late-sdd|36000000000000004|4096\n"
                       "unit:1:0:0|@ROOT@/dev/disk/by-path/late-sde|36000000000000005|8192\n",
                       "LUN 2:0:0:3 has no block device");
    elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    g_thread_join(thread);
    g_assert_cmpint(elapsed_ms, >=, 150);
    g_assert_cmpint(elapsed_ms, <, 5000);
}

/* A target that is not a directory is an error, not six missing links. */
static void
test_scan_target_not_dir(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *msg = NULL;

    g_assert_false(fixture_scan(fx, 2, &missing, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED);
    msg = fixture_relative(fx, error->message);
    g_assert_true(g_str_has_prefix(msg, "storage pool 'p': cannot read target path "
                                        "'@ROOT@/dev/sda': "));
    g_assert_null(missing);
    g_assert_cmpuint(fx->pool.vols->len, ==, 0);
}

static void
test_scan_no_host(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false(fixture_scan(fx, 9, &missing, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_cmpstr(error->message, ==, "storage pool 'p': SCSI host 'host9' does not exist");
    g_assert_null(missing);
}

/* A LUN the last refresh found and this one does not is reported as gone. */
static void
test_scan_gone(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GPtrArray) before = g_ptr_array_new_with_free_func((GDestroyNotify)
                                                                 prov_vol_def_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *record = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *msgs = NULL;
    static const char *const names[] = { "unit:0:0:0", "unit:0:0:7", "unit:0:1:0" };
    guint i;

    /* The driver's record of the previous refresh (run/provd/storage/NAME.vols). */
    for (i = 0; i < G_N_ELEMENTS(names); i++) {
        ProvVolDef *vol = prov_vol_def_new();

        vol->name = g_strdup(names[i]);
        vol->key = g_strdup_printf("key%u", i);
        vol->type = PROV_VOL_BLOCK;
        vol->target_path = g_strdup_printf("/dev/disk/by-id/old-%u", i);
        g_ptr_array_add(before, vol);
    }
    xml = prov_vol_list_format(fx->pool.def, before);
    record = g_build_filename(fx->pool.state_dir, "p.vols", NULL);
    g_assert_true(g_file_set_contents(record, xml, -1, NULL));

    g_assert_true(fixture_scan(fx, 2, &missing, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fx->pool.vols->len, ==, 4);
    msgs = missing_text(fx, missing);
    /* unit:0:1:0 is still there (only its link is missing): not "gone". */
    g_assert_cmpstr(msgs, ==,
                    "LUN 2:0:0:3 has no block device; "
                    "LUN 2:0:1:0 ('@ROOT@/dev/sdd') has no link in '@ROOT@/dev/disk/by-id'; "
                    "volume 'unit:0:0:7' ('/dev/disk/by-id/old-1') is gone since the last "
                    "refresh");
}

/* pool-info of a LUN pool: the sizes the last refresh recorded, no rescan. */
static void
test_pool_usage(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *record = NULL;
    g_autofree char *xml = NULL;

    fx->pool.def->capacity = 77;
    g_assert_true(prov_lun_pool_usage(&fx->pool, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fx->pool.def->capacity, ==, 77);   /* no record yet: unchanged */

    g_assert_true(fixture_scan(fx, 2, &missing, &error));
    g_assert_no_error(error);
    xml = prov_vol_list_format(fx->pool.def, fx->pool.vols);
    record = g_build_filename(fx->pool.state_dir, "p.vols", NULL);
    g_assert_true(g_file_set_contents(record, xml, -1, NULL));
    fx->pool.def->capacity = 0;
    fx->pool.def->allocation = 0;
    fx->pool.def->available = 5;
    g_ptr_array_set_size(fx->pool.vols, 0);
    g_string_truncate(fx->log, 0);
    g_assert_true(prov_lun_pool_usage(&fx->pool, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fx->pool.def->capacity, ==, 1048576 + 2097152 + 8192);
    g_assert_cmpuint(fx->pool.def->allocation, ==, fx->pool.def->capacity);
    g_assert_cmpuint(fx->pool.def->available, ==, 0);
    g_assert_cmpstr(fx->log->str, ==, "");             /* nothing ran */
}

/* Keys already in the pool (an earlier host of the same pool) count as seen. */
static void
test_scan_key_in_pool(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;
    ProvVolDef *vol = prov_vol_def_new();

    vol->name = g_strdup("unit:0:0:5");
    vol->key = g_strdup("36000000000000005");
    vol->type = PROV_VOL_BLOCK;
    vol->capacity = 100;
    g_ptr_array_add(fx->pool.vols, vol);
    g_assert_true(fixture_scan(fx, 2, &missing, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(fx->pool.vols->len, ==, 4);
    g_assert_cmpuint(missing->len, ==, 3);
    g_assert_nonnull(strstr(g_ptr_array_index(missing, 2),
                            "has the same key '36000000000000005' as volume 'unit:0:0:5'"));
    /* The pool's size is the sum over all its volumes. */
    g_assert_cmpuint(fx->pool.def->capacity, ==, 100 + 1048576 + 2097152);
}

/*
 * udev is waited for through the links themselves; `udevadm settle` runs only when some
 * are still missing after that wait (once, its bound rounded up to whole seconds), and
 * never with a bound of 0.  Host 1's LUNs all have links; host 2's sdd has none.
 */
static void
test_scan_settle_bound(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;

    fx->opts.udev_wait_ms = 2500;
    g_assert_true(fixture_scan(fx, 1, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(fx->log->str, ==, "");
    g_assert_true(fixture_scan(fx, 2, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(fx->log->str, UDEVADM " settle --timeout=3\n"));
    g_assert_null(strstr(strchr(fx->log->str, '\n'), "settle"));
    g_string_truncate(fx->log, 0);
    fx->opts.udev_wait_ms = 0;
    g_assert_true(fixture_scan(fx, 2, NULL, &error));
    g_assert_no_error(error);
    g_assert_null(strstr(fx->log->str, "settle"));
}

/* The tree scsi_debug made in the test VM (captured by tests/vm/vmtest_scsi.py). */
static void
test_scan_captured(void)
{
    g_autofree char *ids_path = g_build_filename(PROV_TEST_DATA_DIR, "lundata",
                                                 "scsi_debug.scsi_id", NULL);
    g_autofree char *ids = prov_test_read_required(ids_path);
    g_autofree char *want_path = g_build_filename(PROV_TEST_DATA_DIR, "lundata",
                                                  "scsi_debug.vols", NULL);
    g_autofree char *want = prov_test_read_required(want_path);
    g_auto(GStrv) lines = g_strsplit(ids, "\n", -1);
    g_autoptr(GPtrArray) missing = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *vols = NULL;
    guint host = 0;
    Fixture fx;
    guint i;

    fixture_init(&fx, "scsi_debug.tree", "dev/disk/by-id");
    g_hash_table_remove_all(fx.scsi_ids);
    /* "host N" then "sdX ID" lines: the scsi_id output for each disk, as captured. */
    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 2);

        if (f[0] && f[1] && g_str_equal(f[0], "host"))
            host = (guint)g_ascii_strtoull(f[1], NULL, 10);
        else if (f[0] && f[1])
            fixture_set_id(&fx, f[0], f[1]);
    }
    g_assert_cmpuint(host, >, 0);
    g_assert_true(fixture_scan(&fx, host, &missing, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(missing->len, ==, 0);
    vols = vols_text(&fx);
    g_assert_cmpstr(vols, ==, want);
    fixture_clear(&fx);
}

/* ---- stable paths -------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *target;     /* relative to the fixture root, or absolute */
    const char *devpath;    /* relative to the fixture root, or absolute */
    const char *want;       /* relative to the fixture root, absolute, or NULL */
} StablePathCase;

static const StablePathCase stable_path_cases[] = {
    { "lexically-first", "dev/disk/by-id", "dev/sda", "dev/disk/by-id/scsi-36000000000000001" },
    { "partition", "dev/disk/by-id", "dev/sda1", "dev/disk/by-id/scsi-36000000000000001-part1" },
    { "by-path", "dev/disk/by-path", "dev/sda", "dev/disk/by-path/pseudo-scsi-0:0:0:0" },
    { "no-link", "dev/disk/by-id", "dev/sdd", NULL },
    { "no-device", "dev/disk/by-id", "dev/sdz", NULL },
    { "no-directory", "dev/disk/by-uuid", "dev/sda", NULL },
    /* "/dev" itself: the device path unchanged, whether or not it exists. */
    { "dev-itself", "/dev", "/dev/sdzz", "/dev/sdzz" },
    { "dev-itself-slash", "/dev/", "/dev/sdzz", "/dev/sdzz" },
};

static char *
case_path(const Fixture *fx, const char *p)
{
    return g_path_is_absolute(p) ? g_strdup(p) : fixture_path(fx, p);
}

static void
test_stable_path(gconstpointer data)
{
    const StablePathCase *c = data;
    g_autofree char *target = NULL;
    g_autofree char *devpath = NULL;
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    Fixture fx;

    fixture_init(&fx, "hosts.tree", "dev");
    target = case_path(&fx, c->target);
    devpath = case_path(&fx, c->devpath);
    want = c->want ? case_path(&fx, c->want) : NULL;
    got = prov_lun_stable_path(target, devpath);
    g_assert_cmpstr(got, ==, want);
    fixture_clear(&fx);
}

/* Real device nodes match by device number, even when the entry is not a link. */
static void
test_stable_path_block_nodes(void)
{
    g_autofree char *root = prov_test_make_tmp_dir("lunnodes-XXXXXX");
    g_autofree char *dir = g_build_filename(root, "by-path", NULL);
    g_autofree char *dev = g_build_filename(root, "sdz", NULL);
    g_autofree char *same = g_build_filename(dir, "b-same-device", NULL);
    g_autofree char *other = g_build_filename(dir, "a-other-device", NULL);
    g_autofree char *chr = g_build_filename(dir, "0-char-same-number", NULL);
    g_autofree char *got = NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    if (mknod(dev, S_IFBLK | 0600, makedev(8, 240)) < 0) {
        g_autofree char *why = g_strdup_printf("mknod needs CAP_MKNOD: %s", g_strerror(errno));

        g_test_skip(why);
        prov_test_remove_tree(root);
        return;
    }
    g_assert_cmpint(mknod(same, S_IFBLK | 0600, makedev(8, 240)), ==, 0);
    g_assert_cmpint(mknod(other, S_IFBLK | 0600, makedev(8, 241)), ==, 0);
    g_assert_cmpint(mknod(chr, S_IFCHR | 0600, makedev(8, 240)), ==, 0);
    got = prov_lun_stable_path(dir, dev);
    g_assert_cmpstr(got, ==, same);
    prov_test_remove_tree(root);
}

/* ---- rescan, target check --------------------------------------------------------- */

static void
test_rescan(Fixture *fx, gconstpointer unused)
{
    g_autofree char *scan = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(prov_lun_rescan_host(&fx->opts, 2, &error));
    g_assert_no_error(error);
    scan = fixture_path(fx, "sys/class/scsi_host/host2/scan");
    g_assert_true(g_file_get_contents(scan, &text, NULL, NULL));
    g_assert_cmpstr(text, ==, "- - -");
    g_assert_false(prov_lun_rescan_host(&fx->opts, 9, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED);
    g_assert_cmpstr(error->message, ==, "SCSI host 'host9' does not exist");
}

typedef struct {
    const char *name;
    const char *target;
    const char *error;      /* NULL: accepted */
} TargetCase;

static const TargetCase target_cases[] = {
    { "dev", "/dev", NULL },
    { "by-path", "/dev/disk/by-path", NULL },
    { "by-id", "/dev/disk/by-id", NULL },
    { "tmp", "/tmp/x", "storage pool 'p': target path '/tmp/x' is not under /dev" },
    { "devices", "/devices/x", "storage pool 'p': target path '/devices/x' is not under /dev" },
    { "dotdot", "/dev/../tmp", "storage pool 'p': target path '/dev/../tmp' is not under /dev" },
    { "relative", "dev/disk", "storage pool 'p': target path 'dev/disk' is not under /dev" },
};

static void
test_check_target(gconstpointer data)
{
    const TargetCase *c = data;
    g_autoptr(ProvPoolDef) def = prov_pool_def_new(PROV_POOL_SCSI);
    g_autoptr(GError) error = NULL;

    def->name = g_strdup("p");
    def->target_path = g_strdup(c->target);
    if (!c->error) {
        g_assert_true(prov_lun_check_target(def, &error));
        g_assert_no_error(error);
        return;
    }
    g_assert_false(prov_lun_check_target(def, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED);
    g_assert_cmpstr(error->message, ==, c->error);
}

/* ---- scsi adapters --------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *adapter;    /* the <adapter> element */
    guint host;
    int code;               /* 0: success */
    const char *error;
} AdapterCase;

#define PARENT(uid, dom, bus, slot, fn) \
    "<adapter type='scsi_host'><parentaddr unique_id='" uid "'><address domain='" dom \
    "' bus='" bus "' slot='" slot "' function='" fn "'/></parentaddr></adapter>"

static const AdapterCase adapter_cases[] = {
    { "name", "<adapter type='scsi_host' name='host3'/>", 3, 0, NULL },
    { "legacy-name", "<adapter name='host2'/>", 2, 0, NULL },
    { "scsi_host-prefix", "<adapter type='scsi_host' name='scsi_host1'/>", 1, 0, NULL },
    { "name-no-host", "<adapter type='scsi_host' name='host9'/>", 0,
      PROV_ERR_OPERATION_FAILED, "storage pool 'p': SCSI host 'host9' does not exist" },
    { "name-not-host", "<adapter type='scsi_host' name='sda'/>", 0,
      PROV_ERR_CONFIG_UNSUPPORTED,
      "storage pool 'p': invalid adapter name 'sda' (expected 'hostN')" },
    { "name-trailing", "<adapter type='scsi_host' name='host3x'/>", 0,
      PROV_ERR_CONFIG_UNSUPPORTED,
      "storage pool 'p': invalid adapter name 'host3x' (expected 'hostN')" },
    { "name-no-number", "<adapter type='scsi_host' name='host'/>", 0,
      PROV_ERR_CONFIG_UNSUPPORTED,
      "storage pool 'p': invalid adapter name 'host' (expected 'hostN')" },
    { "parent-ahci-port1", PARENT("1", "0x0000", "0x00", "0x1f", "0x2"), 0, 0, NULL },
    { "parent-ahci-port2", PARENT("2", "0x0000", "0x00", "0x1f", "0x2"), 1, 0, NULL },
    { "parent-virtio", PARENT("0", "0", "0", "4", "0"), 3, 0, NULL },
    { "parent-virtio-other-slot", PARENT("0", "0", "0", "0x14", "0"), 4, 0, NULL },
    { "parent-wrong-uid", PARENT("5", "0", "0", "4", "0"), 0, PROV_ERR_OPERATION_FAILED,
      "storage pool 'p': no SCSI host with unique_id '5' at PCI address '0000:00:04.0'" },
    { "parent-no-device", PARENT("0", "0", "0", "9", "0"), 0, PROV_ERR_OPERATION_FAILED,
      "storage pool 'p': no SCSI host with unique_id '0' at PCI address '0000:00:09.0'" },
    { "fc_host", "<adapter type='fc_host' wwnn='2001001b32a9da4e' wwpn='2101001b32a9da4e'/>",
      0, PROV_ERR_NO_SUPPORT,
      "storage pool 'p': 'fc_host' adapters (NPIV vHBAs) are not supported yet; name the "
      "SCSI host instead (<adapter type='scsi_host' name='hostN'/>)" },
};

static void
test_adapter(gconstpointer data)
{
    const AdapterCase *c = data;
    g_autofree char *xml = g_strdup_printf("<pool type='scsi'><name>p</name><source>%s"
                                           "</source><target><path>/dev/disk/by-path</path>"
                                           "</target></pool>", c->adapter);
    g_autoptr(ProvPoolDef) def = NULL;
    g_autoptr(GError) error = NULL;
    guint host = 12345;
    Fixture fx;

    def = prov_pool_def_parse_string(xml, 0, &error);
    g_assert_no_error(error);
    fixture_init(&fx, "hosts.tree", "dev");
    if (c->code == 0) {
        g_assert_true(prov_scsi_adapter_host(def, fx.sysfs, &host, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(host, ==, c->host);
    } else {
        g_assert_false(prov_scsi_adapter_host(def, fx.sysfs, &host, &error));
        g_assert_error(error, PROV_STORAGE_ERROR, c->code);
        g_assert_cmpstr(error->message, ==, c->error);
        g_assert_cmpuint(host, ==, 12345);
    }
    fixture_clear(&fx);
}

/* LUNs are made on the storage side: the pool is read-only, its listings cached. */
static void
test_backend_readonly(void)
{
    const ProvStorageBackend *b = prov_storage_backend_for_type(PROV_POOL_SCSI);

    g_assert_true(b == &prov_backend_scsi);
    g_assert_true(b->cache_volumes);
    g_assert_nonnull(b->refresh_pool);
    g_assert_nonnull(b->check_pool);
    g_assert_nonnull(b->start_pool);
    g_assert_true(b->pool_usage == prov_lun_pool_usage);
    g_assert_null(b->build_pool);
    g_assert_null(b->delete_pool);
    g_assert_null(b->create_vol);
    g_assert_null(b->build_vol);
    g_assert_null(b->delete_vol);
    g_assert_null(b->resize_vol);
    g_assert_nonnull(b->upload_vol);
    g_assert_nonnull(b->download_vol);
    g_assert_nonnull(b->wipe_vol);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    scratch_dir = prov_test_make_tmp_dir("luntest-XXXXXX");

    PROV_TEST_ADD_CASES("/lun/scan", scan_cases, name, test_scan);
    LUN_TEST_ADD("/lun/scan/wait-bounded", "dev/disk/by-path", test_scan_wait_bounded);
    LUN_TEST_ADD("/lun/scan/late-links", "dev/disk/by-path", test_scan_late_links);
    LUN_TEST_ADD("/lun/scan/target-not-dir", "dev/sda", test_scan_target_not_dir);
    LUN_TEST_ADD("/lun/scan/no-host", "dev/disk/by-id", test_scan_no_host);
    LUN_TEST_ADD("/lun/scan/key-in-pool", "dev/disk/by-id", test_scan_key_in_pool);
    LUN_TEST_ADD("/lun/scan/gone", "dev/disk/by-id", test_scan_gone);
    LUN_TEST_ADD("/lun/pool-usage", "dev/disk/by-id", test_pool_usage);
    LUN_TEST_ADD("/lun/scan/settle-bound", "dev/disk/by-id", test_scan_settle_bound);
    g_test_add_func("/lun/scan/captured-scsi-debug", test_scan_captured);
    PROV_TEST_ADD_CASES("/lun/stable-path", stable_path_cases, name, test_stable_path);
    g_test_add_func("/lun/stable-path/block-nodes", test_stable_path_block_nodes);
    LUN_TEST_ADD("/lun/rescan", "dev", test_rescan);
    PROV_TEST_ADD_CASES("/lun/check-target", target_cases, name, test_check_target);
    PROV_TEST_ADD_CASES("/scsi/adapter", adapter_cases, name, test_adapter);
    g_test_add_func("/scsi/backend/read-only", test_backend_readonly);

    return prov_test_run_and_remove(scratch_dir);
}
