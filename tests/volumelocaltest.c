/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* volumelocaltest.c: dir-pool volumes on a real filesystem, checked with qemu-img. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storage/qcow2.h"
#include "storage/volume_local.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

#define MiB (G_GUINT64_CONSTANT(1024) * 1024)
#define GiB (MiB * 1024)

typedef struct {
    char *dir;
    ProvStoragePool pool;
} Fixture;

/* ---- helpers ---------------------------------------------------------- */

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    f->dir = prov_test_make_tmp_dir("provd-vol-XXXXXX");
    f->pool.def = prov_pool_def_new(PROV_POOL_DIR);
    f->pool.def->name = g_strdup("images");
    f->pool.def->target_path = g_strdup(f->dir);
    f->pool.vols = NULL;
    f->pool.state_dir = NULL;
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    prov_test_remove_tree(f->dir);
    g_free(f->dir);
    prov_pool_def_free(f->pool.def);
    if (f->pool.vols)
        g_ptr_array_unref(f->pool.vols);
}

static char *
pool_file(Fixture *f, const char *name)
{
    return g_build_filename(f->dir, name, NULL);
}

static ProvVolDef *
new_vol(const char *name, int format, guint64 capacity)
{
    ProvVolDef *vol = prov_vol_def_new();

    vol->name = g_strdup(name);
    vol->format = format;
    vol->capacity = capacity;
    vol->has_capacity = true;
    return vol;
}

static bool
create_vol(Fixture *f, ProvVolDef *vol, unsigned int flags, GError **error)
{
    return prov_local_vol_create(&f->pool, vol, error) &&
        prov_local_vol_build(&f->pool, vol, flags, NULL, error);
}

static guint64
file_alloc(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return (guint64)st.st_blocks * 512;
}

static guint64
file_size(const char *path)
{
    struct stat st;

    g_assert_cmpint(stat(path, &st), ==, 0);
    return st.st_size;
}

static char *
file_sha256(const char *path)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
    g_autofree char *buf = g_malloc(MiB);
    PROV_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;

    g_assert_cmpint(fd, >=, 0);
    while ((n = read(fd, buf, MiB)) > 0)
        g_checksum_update(sum, (const guchar *)buf, n);
    g_assert_cmpint(n, ==, 0);
    return g_strdup(g_checksum_get_string(sum));
}

static bool
file_all_zero(const char *path)
{
    g_autofree char *buf = g_malloc(MiB);
    PROV_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n;
    ssize_t i;

    g_assert_cmpint(fd, >=, 0);
    while ((n = read(fd, buf, MiB)) > 0)
        for (i = 0; i < n; i++)
            if (buf[i])
                return false;
    return true;
}

/* Deterministic non-zero bytes: a pattern seeded by @seed. */
static void
write_pattern(const char *path, guint64 offset, guint64 len, guint32 seed)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    g_autofree guint32 *buf = g_malloc(MiB);
    PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    guint64 done = 0;
    gsize i;

    g_assert_cmpint(fd, >=, 0);
    while (done < len) {
        gsize chunk = MIN(MiB, len - done);

        for (i = 0; i < chunk / 4; i++)
            buf[i] = g_rand_int(rand) | 1;
        g_assert_cmpint(pwrite(fd, buf, chunk, offset + done), ==, (ssize_t)chunk);
        done += chunk;
    }
}

static void
write_zeros(const char *path, guint64 offset, guint64 len)
{
    g_autofree char *buf = g_malloc0(len);
    PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(pwrite(fd, buf, len, offset), ==, (ssize_t)len);
}

static void
make_sparse(const char *path, guint64 size)
{
    PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(ftruncate(fd, size), ==, 0);
}

/* Runs a tool through the project's runner; returns its stdout. */
static char *
run_tool(GError **error, const char *program, ...) G_GNUC_NULL_TERMINATED;

static char *
run_tool(GError **error, const char *program, ...)
{
    g_autoptr(ProvCommand) cmd = prov_command_new(program);
    g_autofree char *out = NULL;
    const char *arg;
    va_list ap;

    va_start(ap, program);
    while ((arg = va_arg(ap, const char *)))
        prov_command_add_arg(cmd, arg);
    va_end(ap);
    if (!prov_command_run(cmd, &out, NULL, error))
        return NULL;
    return g_steal_pointer(&out);
}

/* `qemu-img info --output=json` of @path. */
static JsonNode *
qemu_img_info(const char *path)
{
    g_autoptr(ProvCommand) cmd =
        prov_command_new_args(QEMU_IMG, "info", "--output=json", path, NULL);

    return prov_test_command_json(cmd, NULL);
}

static void
assert_qemu_img_check(const char *path, const char *format)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *out = run_tool(&err, QEMU_IMG, "check", "-f", format, path, NULL);

    g_assert_no_error(err);
}

static ProvVolDef *
find_vol(Fixture *f, const char *name)
{
    guint i;

    for (i = 0; f->pool.vols && i < f->pool.vols->len; i++) {
        ProvVolDef *vol = f->pool.vols->pdata[i];

        if (g_str_equal(vol->name, name))
            return vol;
    }
    return NULL;
}

/* Names in the pool directory that are our temp files. */
static guint
count_temp_files(Fixture *f)
{
    g_autoptr(GDir) dir = g_dir_open(f->dir, 0, NULL);
    const char *name;
    guint n = 0;

    while ((name = g_dir_read_name(dir)))
        if (g_str_has_prefix(name, PROV_LOCAL_TEMP_PREFIX))
            n++;
    return n;
}

static ProvVolDef *
probe_existing(Fixture *f, const char *name)
{
    g_autoptr(ProvVolDef) vol = prov_vol_def_new();
    g_autoptr(GError) err = NULL;

    vol->name = g_strdup(name);
    vol->target_path = pool_file(f, name);
    g_assert_true(prov_local_vol_refresh(&f->pool, vol, &err));
    g_assert_no_error(err);
    return g_steal_pointer(&vol);
}

typedef struct {
    guint calls;
    guint64 last_done;
    guint64 last_total;
} ProgressLog;

static void
progress_cb(guint64 done, guint64 total, void *opaque)
{
    ProgressLog *log = opaque;

    g_assert_cmpuint(done, >=, log->last_done);
    log->calls++;
    log->last_done = done;
    log->last_total = total;
}

/* ---- create ------------------------------------------------------------ */

static void
test_raw_sparse(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) vol = new_vol("sparse.img", PROV_FORMAT_RAW, 64 * MiB);
    g_autofree char *path = pool_file(f, "sparse.img");
    g_autoptr(GError) err = NULL;
    struct stat st;

    vol->has_allocation = true;
    vol->allocation = 0;
    g_assert_true(prov_local_vol_create(&f->pool, vol, &err));
    g_assert_no_error(err);
    g_assert_cmpstr(vol->target_path, ==, path);
    g_assert_cmpstr(vol->key, ==, path);
    g_assert_cmpint(vol->type, ==, PROV_VOL_FILE);
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));

    g_assert_true(prov_local_vol_build(&f->pool, vol, 0, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpint(stat(path, &st), ==, 0);
    g_assert_cmpuint(st.st_size, ==, 64 * MiB);
    g_assert_cmpuint((guint64)st.st_blocks * 512, <, MiB);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0600);
    g_assert_cmpuint(count_temp_files(f), ==, 0);

    g_assert_true(prov_local_vol_refresh(&f->pool, vol, &err));
    g_assert_cmpint(vol->format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(vol->capacity, ==, 64 * MiB);
    g_assert_cmpuint(vol->allocation, <, MiB);
    g_assert_cmpuint(vol->perms.mode, ==, 0600);
    g_assert_nonnull(vol->timestamps);
    g_assert_nonnull(vol->timestamps->mtime);
}

static void
test_raw_prealloc(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) full = new_vol("full.img", PROV_FORMAT_RAW, 32 * MiB);
    g_autoptr(ProvVolDef) part = new_vol("part.img", PROV_FORMAT_RAW, 32 * MiB);
    g_autofree char *full_path = pool_file(f, "full.img");
    g_autofree char *part_path = pool_file(f, "part.img");
    g_autoptr(GError) err = NULL;
    ProgressLog log = { 0 };
    ProvProgress progress = { progress_cb, &log };
    struct stat st;

    /* No <allocation>: fully allocated, as libvirt. */
    full->perms.mode = 0640;
    full->perms.uid = getuid();
    full->perms.gid = getgid();
    g_assert_true(prov_local_vol_create(&f->pool, full, &err));
    g_assert_true(prov_local_vol_build(&f->pool, full, 0, &progress, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_alloc(full_path), >=, 32 * MiB);
    g_assert_cmpint(stat(full_path, &st), ==, 0);
    g_assert_cmpuint(st.st_mode & 07777, ==, 0640);
    g_assert_cmpuint(log.last_done, ==, 32 * MiB);
    g_assert_cmpuint(log.last_total, ==, 32 * MiB);

    part->has_allocation = true;
    part->allocation = 8 * MiB;
    g_assert_true(create_vol(f, part, 0, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_size(part_path), ==, 32 * MiB);
    g_assert_cmpuint(file_alloc(part_path), >=, 8 * MiB);
    g_assert_cmpuint(file_alloc(part_path), <, 16 * MiB);
}

/* Raw has no metadata: --prealloc-metadata gives a ready, fully allocated file;
 * other non-qcow2 formats still refuse it and leave nothing behind. */
static void
test_raw_prealloc_metadata(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) vol = new_vol("raw1.img", PROV_FORMAT_RAW, 16 * MiB);
    g_autoptr(ProvVolDef) qed = new_vol("v.qed", PROV_FORMAT_QED, 16 * MiB);
    g_autofree char *path = pool_file(f, "raw1.img");
    g_autofree char *qed_path = pool_file(f, "v.qed");
    g_autoptr(GError) err = NULL;

    g_assert_true(create_vol(f, vol, PROV_VOL_CREATE_PREALLOC_METADATA, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_size(path), ==, 16 * MiB);
    g_assert_cmpuint(file_alloc(path), >=, 16 * MiB);

    g_assert_false(create_vol(f, qed, PROV_VOL_CREATE_PREALLOC_METADATA, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED);
    g_assert_nonnull(strstr(err->message, "metadata preallocation only available with qcow2"));
    g_assert_false(g_file_test(qed_path, G_FILE_TEST_EXISTS));
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

typedef struct {
    const char *name;
    guint64 capacity;
    const char *compat;
    bool lazy;
    guint64 cluster;
    const char *backing;        /* relative to the pool */
    int backing_format;         /* -1: let the define step probe it */
} Qcow2Case;

static const Qcow2Case qcow2_cases[] = {
    { "plain.qcow2", GiB, NULL, false, 0, NULL, -1 },
    { "v2.qcow2", GiB, "0.10", false, 0, NULL, -1 },
    { "lazy.qcow2", 10 * GiB, "1.1", true, 0, NULL, -1 },
    { "small-cluster.qcow2", 100 * MiB, NULL, false, 4096, NULL, -1 },
    { "big-cluster.qcow2", 5 * GiB, NULL, false, 2 * MiB, NULL, -1 },
    { "odd-size.qcow2", 1000 * MiB + 512, NULL, false, 0, NULL, -1 },
    { "overlay.qcow2", 0, NULL, false, 0, "base.raw", PROV_FORMAT_RAW },
    { "overlay2.qcow2", 2 * GiB, NULL, false, 0, "plain.qcow2", -1 },
};

static void
test_qcow2_native(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) base = new_vol("base.raw", PROV_FORMAT_RAW, 8 * MiB);
    g_autoptr(GError) err = NULL;
    guint i;

    base->has_allocation = true;
    g_assert_true(create_vol(f, base, 0, &err));
    g_assert_no_error(err);

    for (i = 0; i < G_N_ELEMENTS(qcow2_cases); i++) {
        const Qcow2Case *tc = &qcow2_cases[i];
        g_autoptr(ProvVolDef) vol = new_vol(tc->name, PROV_FORMAT_QCOW2, tc->capacity);
        g_autofree char *path = pool_file(f, tc->name);
        g_autoptr(GString) log = g_string_new(NULL);
        g_autoptr(JsonNode) info = NULL;
        g_autoptr(ProvVolDef) probed = NULL;
        JsonObject *obj;
        JsonObject *spec;
        guint64 want_capacity = tc->capacity ? tc->capacity : 8 * MiB;

        g_test_message("qcow2 case %s", tc->name);
        vol->compat = g_strdup(tc->compat);
        vol->lazy_refcounts = tc->lazy;
        vol->has_features = tc->lazy;
        vol->cluster_size = tc->cluster;
        vol->backing.path = g_strdup(tc->backing);
        vol->backing.format = tc->backing_format;
        g_assert_true(prov_local_vol_create(&f->pool, vol, &err));
        g_assert_no_error(err);
        /* Native: no command may run. */
        prov_command_set_dry_run(log, NULL, NULL);
        g_assert_true(prov_local_vol_build(&f->pool, vol, 0, NULL, &err));
        prov_command_set_dry_run(NULL, NULL, NULL);
        g_assert_no_error(err);
        g_assert_cmpstr(log->str, ==, "");

        assert_qemu_img_check(path, "qcow2");
        info = qemu_img_info(path);
        obj = json_node_get_object(info);
        spec = json_object_get_object_member(
            json_object_get_object_member(obj, "format-specific"), "data");
        g_assert_cmpstr(json_object_get_string_member(obj, "format"), ==, "qcow2");
        g_assert_cmpuint(json_object_get_int_member(obj, "virtual-size"), ==, want_capacity);
        g_assert_cmpuint(json_object_get_int_member(obj, "cluster-size"), ==,
                         tc->cluster ? tc->cluster : 65536);
        g_assert_cmpstr(json_object_get_string_member(spec, "compat"), ==,
                        tc->compat ? tc->compat : "1.1");
        if (!tc->compat || !g_str_equal(tc->compat, "0.10"))
            g_assert_cmpint(json_object_get_boolean_member(spec, "lazy-refcounts"), ==,
                            tc->lazy);
        if (tc->backing) {
            g_assert_cmpstr(json_object_get_string_member(obj, "backing-filename"), ==,
                            tc->backing);
            g_assert_cmpstr(json_object_get_string_member(obj, "backing-filename-format"), ==,
                            g_str_has_suffix(tc->backing, ".qcow2") ? "qcow2" : "raw");
        } else {
            g_assert_false(json_object_has_member(obj, "backing-filename"));
        }

        /* Our probe agrees with qemu-img. */
        probed = probe_existing(f, tc->name);
        g_assert_cmpint(probed->format, ==, PROV_FORMAT_QCOW2);
        g_assert_cmpuint(probed->capacity, ==, want_capacity);
        g_assert_cmpstr(probed->compat, ==, tc->compat ? tc->compat : "1.1");
        g_assert_cmpint(probed->lazy_refcounts, ==, tc->lazy);
        if (tc->backing) {
            g_autofree char *abs = pool_file(f, tc->backing);

            g_assert_cmpstr(probed->backing.path, ==, abs);
            g_assert_cmpint(probed->backing.format, ==,
                            g_str_has_suffix(tc->backing, ".qcow2") ? PROV_FORMAT_QCOW2 :
                            PROV_FORMAT_RAW);
        }
    }
}

static void
test_qcow2_qemu_img(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) pre = new_vol("pre.qcow2", PROV_FORMAT_QCOW2, 64 * MiB);
    g_autoptr(ProvVolDef) l2 = new_vol("l2.qcow2", PROV_FORMAT_QCOW2, 64 * MiB);
    g_autoptr(ProvVolDef) qed = new_vol("disk.qed", PROV_FORMAT_QED, 64 * MiB);
    g_autofree char *pre_path = pool_file(f, "pre.qcow2");
    g_autofree char *l2_path = pool_file(f, "l2.qcow2");
    g_autoptr(JsonNode) info = NULL;
    g_autoptr(JsonNode) l2_info = NULL;
    g_autoptr(ProvVolDef) probed = NULL;
    g_autoptr(GError) err = NULL;
    static const int other_formats[] = { PROV_FORMAT_VMDK, PROV_FORMAT_VDI };
    JsonObject *spec;
    guint i;

    /* Preallocation goes through qemu-img: the file covers the whole virtual size. */
    pre->has_allocation = true;
    pre->allocation = 0;
    g_assert_true(create_vol(f, pre, PROV_VOL_CREATE_PREALLOC_METADATA, &err));
    g_assert_no_error(err);
    assert_qemu_img_check(pre_path, "qcow2");
    info = qemu_img_info(pre_path);
    g_assert_cmpuint(json_object_get_int_member(json_node_get_object(info), "virtual-size"),
                     ==, 64 * MiB);
    g_assert_cmpuint(file_size(pre_path), >=, 64 * MiB);
    g_assert_cmpuint(count_temp_files(f), ==, 0);

    l2->extended_l2 = true;
    l2->has_features = true;
    g_assert_true(create_vol(f, l2, 0, &err));
    g_assert_no_error(err);
    l2_info = qemu_img_info(l2_path);
    spec = json_object_get_object_member(
        json_object_get_object_member(json_node_get_object(l2_info), "format-specific"),
        "data");
    g_assert_true(json_object_get_boolean_member(spec, "extended-l2"));

    g_assert_true(create_vol(f, qed, 0, &err));
    g_assert_no_error(err);
    probed = probe_existing(f, "disk.qed");
    g_assert_cmpint(probed->format, ==, PROV_FORMAT_QED);
    g_assert_cmpuint(probed->capacity, ==, 64 * MiB);

    /* Other formats qemu-img writes, found again by the probe. */
    for (i = 0; i < G_N_ELEMENTS(other_formats); i++) {
        g_autofree char *name = g_strdup_printf("disk.%s",
                                                prov_file_format_to_string(other_formats[i]));
        g_autoptr(ProvVolDef) vol = new_vol(name, other_formats[i], 64 * MiB);
        g_autoptr(ProvVolDef) found = NULL;

        g_assert_true(create_vol(f, vol, 0, &err));
        g_assert_no_error(err);
        found = probe_existing(f, name);
        g_assert_cmpint(found->format, ==, other_formats[i]);
        g_assert_cmpuint(found->capacity, ==, 64 * MiB);
    }
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

static void
test_exists(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) a = new_vol("a.img", PROV_FORMAT_RAW, MiB);
    g_autoptr(ProvVolDef) again = new_vol("a.img", PROV_FORMAT_RAW, MiB);
    g_autoptr(ProvVolDef) b = new_vol("b.img", PROV_FORMAT_RAW, MiB);
    g_autofree char *b_path = pool_file(f, "b.img");
    g_autoptr(GError) err = NULL;

    g_assert_true(create_vol(f, a, 0, &err));
    g_assert_no_error(err);
    g_assert_false(prov_local_vol_create(&f->pool, again, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST);
    g_assert_cmpstr(err->message, ==, "storage volume 'a.img' already exists");
    g_clear_error(&err);

    /* The name appears between the define step and the build: the build loses. */
    g_assert_true(prov_local_vol_create(&f->pool, b, &err));
    g_assert_true(g_file_set_contents(b_path, "theirs", -1, NULL));
    g_assert_false(prov_local_vol_build(&f->pool, b, 0, NULL, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST);
    g_assert_cmpuint(file_size(b_path), ==, 6);
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

typedef struct {
    const char *what;
    const char *name;
    int format;
    const char *compat;
    bool lazy;
    guint64 cluster;
    const char *backing;
    bool encrypted;
    int code;
    const char *message;
} InvalidCase;

static const InvalidCase invalid_cases[] = {
    { "slash", "a/b", PROV_FORMAT_RAW, NULL, false, 0, NULL, false, PROV_ERR_INVALID_ARG,
      "must not contain '/'" },
    { "dotdot", "..", PROV_FORMAT_RAW, NULL, false, 0, NULL, false, PROV_ERR_INVALID_ARG,
      NULL },
    { "temp prefix", ".provd-tmp-x", PROV_FORMAT_RAW, NULL, false, 0, NULL, false,
      PROV_ERR_INVALID_ARG, "reserved" },
    { "compat on raw", "c.img", PROV_FORMAT_RAW, "1.1", false, 0, NULL, false,
      PROV_ERR_CONFIG_UNSUPPORTED, "compatibility option only available with qcow2" },
    { "lazy on raw", "c.img", PROV_FORMAT_RAW, NULL, true, 0, NULL, false,
      PROV_ERR_CONFIG_UNSUPPORTED, "format features only available with qcow2" },
    { "lazy with 0.10", "c.qcow2", PROV_FORMAT_QCOW2, "0.10", true, 0, NULL, false,
      PROV_ERR_CONFIG_UNSUPPORTED, "lazy_refcounts not supported with compat level 0.10" },
    { "unknown compat", "c.qcow2", PROV_FORMAT_QCOW2, "2.0", false, 0, NULL, false,
      PROV_ERR_CONFIG_UNSUPPORTED, "'2.0'" },
    { "cluster size", "c.qcow2", PROV_FORMAT_QCOW2, NULL, false, 1000, NULL, false,
      PROV_ERR_CONFIG_UNSUPPORTED, "cluster size 1000" },
    { "backing on raw", "c.img", PROV_FORMAT_RAW, NULL, false, 0, "base.raw", false,
      PROV_ERR_INVALID_ARG, "cannot set backing store for raw volume" },
    { "missing backing", "c.qcow2", PROV_FORMAT_QCOW2, NULL, false, 0, "missing.img", false,
      PROV_ERR_SYSTEM_ERROR, "inaccessible backing store volume 'missing.img'" },
    { "encryption", "c.qcow2", PROV_FORMAT_QCOW2, NULL, false, 0, NULL, true,
      PROV_ERR_CONFIG_UNSUPPORTED, "encrypted" },
};

static void
test_validation(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) base = new_vol("base.raw", PROV_FORMAT_RAW, MiB);
    g_autoptr(ProvVolDef) overlay = new_vol("overlay.qcow2", PROV_FORMAT_QCOW2, 0);
    g_autoptr(GError) err = NULL;
    guint i;

    g_assert_true(create_vol(f, base, 0, &err));
    g_assert_no_error(err);
    for (i = 0; i < G_N_ELEMENTS(invalid_cases); i++) {
        const InvalidCase *tc = &invalid_cases[i];
        g_autoptr(ProvVolDef) vol = new_vol(tc->name, tc->format, MiB);

        g_test_message("invalid case: %s", tc->what);
        vol->compat = g_strdup(tc->compat);
        vol->lazy_refcounts = tc->lazy;
        vol->cluster_size = tc->cluster;
        vol->backing.path = g_strdup(tc->backing);
        if (tc->encrypted) {
            vol->encryption = g_new0(ProvVolEncryption, 1);
            vol->encryption->format = g_strdup("luks");
            vol->encryption->secret_uuid = g_strdup("e78d4b51-a2af-485f-b0f5-afca709a80f4");
        }
        g_assert_false(prov_local_vol_create(&f->pool, vol, &err));
        g_assert_nonnull(err);
        g_assert_cmpint(err->code, ==, tc->code);
        if (tc->message && !strstr(err->message, tc->message))
            g_error("'%s': message '%s' lacks '%s'", tc->what, err->message, tc->message);
        g_clear_error(&err);
    }

    /* A relative backing store is resolved against the pool; its format is probed. */
    overlay->backing.path = g_strdup("base.raw");
    g_assert_true(prov_local_vol_create(&f->pool, overlay, &err));
    g_assert_no_error(err);
    g_assert_cmpint(overlay->backing.format, ==, PROV_FORMAT_RAW);
}

/* ---- concurrency and crashes ------------------------------------------- */

static void
test_concurrent_create(Fixture *f, gconstpointer data)
{
    const guint rounds = 8;
    const guint nchildren = 4;
    guint round;

    for (round = 0; round < rounds; round++) {
        g_autofree char *name = g_strdup_printf("race%u.img", round);
        g_autofree char *path = pool_file(f, name);
        pid_t pids[8];
        int barrier[2];
        guint won = 0;
        guint lost = 0;
        guint i;

        g_assert_cmpint(pipe2(barrier, O_CLOEXEC), ==, 0);
        for (i = 0; i < nchildren; i++) {
            pids[i] = fork();
            g_assert_cmpint(pids[i], >=, 0);
            if (pids[i] == 0) {
                g_autoptr(ProvVolDef) vol = new_vol(name, PROV_FORMAT_RAW, 16 * MiB);
                g_autoptr(GError) err = NULL;
                char c;

                close(barrier[1]);
                /* Everybody starts when the parent closes the pipe. */
                if (read(barrier[0], &c, 1) < 0)
                    _exit(3);
                if (create_vol(f, vol, 0, &err))
                    _exit(0);
                if (g_error_matches(err, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_VOL_EXIST))
                    _exit(1);
                g_printerr("child: %s\n", err->message);
                _exit(2);
            }
        }
        close(barrier[0]);
        close(barrier[1]);
        for (i = 0; i < nchildren; i++) {
            int status;

            g_assert_cmpint(waitpid(pids[i], &status, 0), ==, pids[i]);
            g_assert_true(WIFEXITED(status));
            if (WEXITSTATUS(status) == 0)
                won++;
            else if (WEXITSTATUS(status) == 1)
                lost++;
        }
        g_assert_cmpuint(won, ==, 1);
        g_assert_cmpuint(lost, ==, nchildren - 1);
        g_assert_cmpuint(file_size(path), ==, 16 * MiB);
    }
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

/* A build killed at @point: what does the pool show afterwards? */
static void
crash_build_at(Fixture *f, const char *name, const char *point)
{
    int status;
    pid_t pid = fork();

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        g_autoptr(ProvVolDef) vol = new_vol(name, PROV_FORMAT_RAW, 8 * MiB);
        g_autoptr(GError) err = NULL;

        g_setenv("PROVD_TEST_KILL_AT", point, TRUE);
        create_vol(f, vol, 0, &err);
        _exit(0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFSIGNALED(status));
    g_assert_cmpint(WTERMSIG(status), ==, SIGKILL);
}

static void
test_crash(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) retry = new_vol("crash.img", PROV_FORMAT_RAW, MiB);
    g_autoptr(GError) err = NULL;

    crash_build_at(f, "crash.img", "vol-create:before-publish");
    g_assert_cmpuint(count_temp_files(f), ==, 1);
    /* Never shown, and removed: nobody holds its lock. */
    g_assert_true(prov_local_pool_refresh(&f->pool, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(f->pool.vols->len, ==, 0);
    g_assert_cmpuint(count_temp_files(f), ==, 0);
    g_assert_true(create_vol(f, retry, 0, &err));
    g_assert_no_error(err);

    crash_build_at(f, "mid.img", "vol-create:building");
    g_assert_cmpuint(count_temp_files(f), ==, 1);
    g_assert_true(prov_local_pool_refresh(&f->pool, &err));
    g_assert_cmpuint(f->pool.vols->len, ==, 1);
    g_assert_cmpuint(count_temp_files(f), ==, 0);

    crash_build_at(f, "late.img", "vol-create:published");
    g_assert_true(prov_local_pool_refresh(&f->pool, &err));
    g_assert_cmpuint(f->pool.vols->len, ==, 2);
    g_assert_nonnull(find_vol(f, "late.img"));
    g_assert_cmpuint(find_vol(f, "late.img")->capacity, ==, 8 * MiB);
}

/* ---- clone --------------------------------------------------------------- */

/* 64 MiB raw: data at 0 and 40 MiB, written zeros at 10 MiB, holes elsewhere. */
static ProvVolDef *
make_clone_source(Fixture *f)
{
    g_autoptr(ProvVolDef) src = new_vol("src.img", PROV_FORMAT_RAW, 64 * MiB);
    g_autofree char *path = pool_file(f, "src.img");
    g_autoptr(GError) err = NULL;

    src->has_allocation = true;
    g_assert_true(create_vol(f, src, 0, &err));
    g_assert_no_error(err);
    write_pattern(path, 0, MiB, 1);
    write_pattern(path, 40 * MiB, MiB, 2);
    write_zeros(path, 10 * MiB, 2 * MiB);
    g_assert_true(prov_local_vol_refresh(&f->pool, src, &err));
    return g_steal_pointer(&src);
}

static void
test_clone_raw(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) src = make_clone_source(f);
    g_autoptr(ProvVolDef) sparse = new_vol("sparse-clone.img", PROV_FORMAT_RAW, 0);
    g_autoptr(ProvVolDef) full = new_vol("full-clone.img", PROV_FORMAT_RAW, 0);
    g_autoptr(ProvVolDef) big = new_vol("big-clone.img", PROV_FORMAT_RAW, 128 * MiB);
    g_autoptr(ProvVolDef) reflink = new_vol("reflink.img", PROV_FORMAT_RAW, 0);
    g_autofree char *src_path = pool_file(f, "src.img");
    g_autofree char *sparse_path = pool_file(f, "sparse-clone.img");
    g_autofree char *full_path = pool_file(f, "full-clone.img");
    g_autofree char *big_path = pool_file(f, "big-clone.img");
    g_autofree char *src_sum = file_sha256(src_path);
    g_autofree char *sparse_sum = NULL;
    g_autofree char *full_sum = NULL;
    g_autoptr(GError) err = NULL;
    ProgressLog log = { 0 };
    ProvProgress progress = { progress_cb, &log };

    sparse->has_allocation = true;
    sparse->allocation = 0;
    g_assert_true(prov_local_vol_create(&f->pool, sparse, &err));
    g_assert_true(prov_local_vol_build_from(&f->pool, sparse, src, 0, &progress, &err));
    g_assert_no_error(err);
    sparse_sum = file_sha256(sparse_path);
    g_assert_cmpstr(sparse_sum, ==, src_sum);
    g_assert_cmpuint(sparse->capacity, ==, 64 * MiB);
    g_assert_cmpuint(file_size(sparse_path), ==, 64 * MiB);
    /* Only the 2 MiB of data are allocated (the written zeros became a hole too). */
    g_assert_cmpuint(file_alloc(sparse_path), <, 3 * MiB);
    g_assert_cmpuint(log.last_done, ==, 64 * MiB);
    g_assert_cmpuint(log.last_total, ==, 64 * MiB);
    g_test_message("sparse clone: %" G_GUINT64_FORMAT " KiB allocated, %u progress calls",
                   file_alloc(sparse_path) / 1024, log.calls);

    /* No <allocation>: the clone is fully allocated, content identical. */
    g_assert_true(prov_local_vol_create(&f->pool, full, &err));
    g_assert_true(prov_local_vol_build_from(&f->pool, full, src, 0, NULL, &err));
    g_assert_no_error(err);
    full_sum = file_sha256(full_path);
    g_assert_cmpstr(full_sum, ==, src_sum);
    g_assert_cmpuint(file_alloc(full_path), >=, 64 * MiB);

    /* A bigger capacity than the source: data, then zeros. */
    big->has_allocation = true;
    big->allocation = 0;
    g_assert_true(prov_local_vol_create(&f->pool, big, &err));
    g_assert_true(prov_local_vol_build_from(&f->pool, big, src, 0, NULL, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_size(big_path), ==, 128 * MiB);

    /* REFLINK demanded: works only where the filesystem shares extents. */
    g_assert_true(prov_local_vol_create(&f->pool, reflink, &err));
    if (prov_local_vol_build_from(&f->pool, reflink, src, PROV_VOL_CREATE_REFLINK, NULL,
                                  &err)) {
        g_autofree char *reflink_path = pool_file(f, "reflink.img");
        g_autofree char *sum = file_sha256(reflink_path);

        g_test_message("this filesystem supports reflinks");
        g_assert_cmpstr(sum, ==, src_sum);
    } else {
        g_test_message("reflink refused: %s", err->message);
        g_assert_nonnull(strstr(err->message, "reflink not supported on this filesystem"));
        g_clear_error(&err);
    }
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

/* Reflink clone on a small XFS made in a file (mounted through a loop device). */
static void
test_clone_reflink_xfs(Fixture *f, gconstpointer data)
{
    g_autofree char *img = pool_file(f, "xfs.img");
    g_autofree char *mnt = pool_file(f, "mnt");
    g_autofree char *out = NULL;
    g_autoptr(GError) err = NULL;
    g_autoptr(ProvVolDef) src = NULL;
    g_autoptr(ProvVolDef) clone = NULL;
    g_autofree char *src_path = NULL;
    g_autofree char *clone_path = NULL;
    g_autofree char *src_sum = NULL;
    g_autofree char *clone_sum = NULL;
    ProvStoragePool pool = { 0 };

    if (geteuid() != 0 || !g_file_test("/usr/sbin/mkfs.xfs", G_FILE_TEST_IS_EXECUTABLE)) {
        g_test_skip("needs root and mkfs.xfs");
        return;
    }
    make_sparse(img, 320 * MiB);
    g_assert_cmpint(mkdir(mnt, 0700), ==, 0);
    if (!(out = run_tool(&err, "/usr/sbin/mkfs.xfs", "-q", "-m", "reflink=1", img, NULL)) ||
        !(out = (g_free(out), run_tool(&err, MOUNT, "-o", "loop", img, mnt, NULL)))) {
        g_autofree char *why = g_strdup_printf("cannot make an XFS loop mount: %s",
                                               err->message);

        g_test_skip(why);
        return;
    }
    pool.def = prov_pool_def_new(PROV_POOL_FS);
    pool.def->name = g_strdup("xfs");
    pool.def->target_path = g_strdup(mnt);

    src = new_vol("src.img", PROV_FORMAT_RAW, 16 * MiB);
    src->has_allocation = true;
    src_path = g_build_filename(mnt, "src.img", NULL);
    clone_path = g_build_filename(mnt, "clone.img", NULL);
    if (prov_local_vol_create(&pool, src, &err) &&
        prov_local_vol_build(&pool, src, 0, NULL, &err)) {
        write_pattern(src_path, 0, 16 * MiB, 7);
        clone = new_vol("clone.img", PROV_FORMAT_RAW, 0);
        if (prov_local_vol_create(&pool, clone, &err))
            prov_local_vol_build_from(&pool, clone, src, PROV_VOL_CREATE_REFLINK, NULL, &err);
        if (!err) {
            src_sum = file_sha256(src_path);
            clone_sum = file_sha256(clone_path);
        }
    }
    g_clear_pointer(&out, g_free);
    {
        g_autoptr(GError) umount_err = NULL;

        out = run_tool(&umount_err, UMOUNT, mnt, NULL);
        g_assert_no_error(umount_err);
    }
    prov_pool_def_free(pool.def);
    g_assert_no_error(err);
    g_assert_cmpstr(clone_sum, ==, src_sum);
}

static void
test_clone_convert(Fixture *f, gconstpointer data)
{
    g_autofree char *pattern = pool_file(f, "pattern.raw");
    g_autofree char *qcow = pool_file(f, "src.qcow2");
    g_autofree char *copy_path = pool_file(f, "copy.raw");
    g_autofree char *copy2_path = pool_file(f, "copy.qcow2");
    g_autofree char *out = NULL;
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    g_autoptr(ProvVolDef) src = NULL;
    g_autoptr(ProvVolDef) raw_src = NULL;
    g_autoptr(ProvVolDef) copy = new_vol("copy.raw", PROV_FORMAT_RAW, 0);
    g_autoptr(ProvVolDef) copy2 = new_vol("copy.qcow2", PROV_FORMAT_QCOW2, 16 * MiB);
    g_autoptr(JsonNode) info = NULL;
    g_autoptr(GError) err = NULL;

    make_sparse(pattern, 8 * MiB);
    write_pattern(pattern, 0, 3 * MiB, 3);
    write_pattern(pattern, 6 * MiB, MiB, 4);
    out = run_tool(&err, QEMU_IMG, "convert", "-f", "raw", "-O", "qcow2", pattern, qcow, NULL);
    g_assert_no_error(err);
    src = probe_existing(f, "src.qcow2");
    g_assert_cmpint(src->format, ==, PROV_FORMAT_QCOW2);

    /* qcow2 -> raw: same bytes as the raw the qcow2 came from. */
    g_assert_true(prov_local_vol_create(&f->pool, copy, &err));
    g_assert_true(prov_local_vol_build_from(&f->pool, copy, src, 0, NULL, &err));
    g_assert_no_error(err);
    want = file_sha256(pattern);
    got = file_sha256(copy_path);
    g_assert_cmpstr(got, ==, want);

    /* raw -> qcow2, bigger than the source. */
    raw_src = probe_existing(f, "pattern.raw");
    g_assert_true(prov_local_vol_create(&f->pool, copy2, &err));
    g_assert_true(prov_local_vol_build_from(&f->pool, copy2, raw_src, 0, NULL, &err));
    g_assert_no_error(err);
    assert_qemu_img_check(copy2_path, "qcow2");
    info = qemu_img_info(copy2_path);
    g_assert_cmpuint(json_object_get_int_member(json_node_get_object(info), "virtual-size"),
                     ==, 16 * MiB);
    g_clear_pointer(&out, g_free);
    out = run_tool(&err, QEMU_IMG, "compare", "-f", "raw", "-F", "qcow2", pattern, copy2_path,
                   NULL);
    g_assert_no_error(err);
    g_assert_cmpuint(count_temp_files(f), ==, 0);
}

/* ---- resize / wipe / delete ----------------------------------------------- */

static void
test_resize(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) raw = new_vol("r.img", PROV_FORMAT_RAW, 16 * MiB);
    g_autoptr(ProvVolDef) full = new_vol("full.img", PROV_FORMAT_RAW, 8 * MiB);
    g_autoptr(ProvVolDef) qcow = new_vol("q.qcow2", PROV_FORMAT_QCOW2, GiB);
    g_autofree char *raw_path = pool_file(f, "r.img");
    g_autofree char *qcow_path = pool_file(f, "q.qcow2");
    g_autoptr(JsonNode) info = NULL;
    g_autoptr(GError) err = NULL;

    raw->has_allocation = true;
    g_assert_true(create_vol(f, raw, 0, &err));
    g_assert_true(prov_local_vol_resize(&f->pool, raw, 32 * MiB, 0, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_size(raw_path), ==, 32 * MiB);
    g_assert_cmpuint(file_alloc(raw_path), <, MiB);

    g_assert_false(prov_local_vol_resize(&f->pool, raw, 8 * MiB, 0, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_cmpstr(err->message, ==,
                    "storage volume 'r.img': cannot shrink from 32M to 8M without --shrink");
    g_clear_error(&err);
    g_assert_true(prov_local_vol_resize(&f->pool, raw, 8 * MiB, PROV_VOL_RESIZE_SHRINK, &err));
    g_assert_cmpuint(file_size(raw_path), ==, 8 * MiB);
    g_assert_true(prov_local_vol_resize(&f->pool, raw, 24 * MiB, PROV_VOL_RESIZE_ALLOCATE,
                                        &err));
    g_assert_no_error(err);
    g_assert_cmpuint(file_alloc(raw_path), >=, 16 * MiB);

    /* Shrinking below what is allocated is refused, as libvirt does. */
    g_assert_true(create_vol(f, full, 0, &err));
    g_assert_false(prov_local_vol_resize(&f->pool, full, 4 * MiB, PROV_VOL_RESIZE_SHRINK,
                                         &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(err->message, "below the existing allocation"));
    g_clear_error(&err);

    /* qcow2 through qemu-img resize. */
    g_assert_true(create_vol(f, qcow, 0, &err));
    g_assert_true(prov_local_vol_resize(&f->pool, qcow, 2 * GiB, 0, &err));
    g_assert_no_error(err);
    info = qemu_img_info(qcow_path);
    g_assert_cmpuint(json_object_get_int_member(json_node_get_object(info), "virtual-size"),
                     ==, 2 * GiB);
    g_clear_pointer(&info, json_node_unref);
    g_assert_false(prov_local_vol_resize(&f->pool, qcow, 512 * MiB, 0, &err));
    g_assert_nonnull(strstr(err->message, "cannot shrink from 2G to 512M without --shrink"));
    g_clear_error(&err);
    g_assert_true(prov_local_vol_resize(&f->pool, qcow, 512 * MiB + 100,
                                        PROV_VOL_RESIZE_SHRINK, &err));
    g_assert_no_error(err);
    info = qemu_img_info(qcow_path);
    /* Rounded up to a whole sector. */
    g_assert_cmpuint(json_object_get_int_member(json_node_get_object(info), "virtual-size"),
                     ==, 512 * MiB + 512);
    assert_qemu_img_check(qcow_path, "qcow2");
    g_assert_false(prov_local_vol_resize(&f->pool, qcow, 4 * GiB, PROV_VOL_RESIZE_ALLOCATE,
                                         &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_UNSUPPORTED);
}

static void
test_wipe(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) full = new_vol("full.img", PROV_FORMAT_RAW, 8 * MiB);
    g_autoptr(ProvVolDef) sparse = new_vol("sparse.img", PROV_FORMAT_RAW, 8 * MiB);
    g_autoptr(ProvVolDef) scrubbed = new_vol("scrub.img", PROV_FORMAT_RAW, MiB);
    g_autofree char *full_path = pool_file(f, "full.img");
    g_autofree char *sparse_path = pool_file(f, "sparse.img");
    g_autofree char *scrub_path = pool_file(f, "scrub.img");
    g_autoptr(GError) err = NULL;
    ProgressLog log = { 0 };
    ProvProgress progress = { progress_cb, &log };

    g_assert_true(create_vol(f, full, 0, &err));
    write_pattern(full_path, 0, 8 * MiB, 5);
    g_assert_false(file_all_zero(full_path));
    g_assert_true(prov_local_vol_wipe(&f->pool, full, PROV_WIPE_ZERO, 0, &progress, &err));
    g_assert_no_error(err);
    g_assert_true(file_all_zero(full_path));
    g_assert_cmpuint(file_size(full_path), ==, 8 * MiB);
    g_assert_cmpuint(file_alloc(full_path), >=, 8 * MiB);
    g_assert_cmpuint(log.last_done, ==, 8 * MiB);

    sparse->has_allocation = true;
    g_assert_true(create_vol(f, sparse, 0, &err));
    write_pattern(sparse_path, 2 * MiB, MiB, 6);
    g_assert_true(prov_local_vol_wipe(&f->pool, sparse, PROV_WIPE_ZERO, 0, NULL, &err));
    g_assert_true(file_all_zero(sparse_path));
    g_assert_cmpuint(file_size(sparse_path), ==, 8 * MiB);

    g_assert_true(prov_local_vol_wipe(&f->pool, full, PROV_WIPE_RANDOM, 0, NULL, &err));
    g_assert_no_error(err);
    g_assert_false(file_all_zero(full_path));
    g_assert_cmpuint(file_size(full_path), ==, 8 * MiB);

    /* Schneier ends with random passes: the zero file no longer is. */
    g_assert_true(create_vol(f, scrubbed, 0, &err));
    g_assert_true(file_all_zero(scrub_path));
    g_assert_true(prov_local_vol_wipe(&f->pool, scrubbed, PROV_WIPE_SCHNEIER, 0, NULL, &err));
    g_assert_no_error(err);
    g_assert_false(file_all_zero(scrub_path));
    g_assert_cmpuint(file_size(scrub_path), ==, MiB);

    g_assert_false(prov_local_vol_wipe(&f->pool, full, PROV_WIPE_TRIM, 0, NULL, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT);
}

static void
test_delete(Fixture *f, gconstpointer data)
{
    g_autoptr(ProvVolDef) file = new_vol("gone.img", PROV_FORMAT_RAW, MiB);
    g_autoptr(ProvVolDef) dir = new_vol("subdir", PROV_FORMAT_DIR, 0);
    g_autofree char *file_path = pool_file(f, "gone.img");
    g_autofree char *dir_path = pool_file(f, "subdir");
    g_autoptr(GError) err = NULL;
    struct stat st;

    g_assert_true(create_vol(f, file, 0, &err));
    g_assert_false(prov_local_vol_delete(&f->pool, file, PROV_VOL_DELETE_WITH_SNAPSHOTS,
                                         &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT);
    g_assert_cmpstr(err->message, ==,
                    "storage volume 'gone.img': deleting with snapshots is not supported for "
                    "pool type 'dir'");
    g_clear_error(&err);
    g_assert_false(prov_local_vol_delete(&f->pool, file, PROV_VOL_DELETE_ZEROED, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_NO_SUPPORT);
    g_clear_error(&err);
    g_assert_true(g_file_test(file_path, G_FILE_TEST_EXISTS));
    g_assert_true(prov_local_vol_delete(&f->pool, file, 0, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(file_path, G_FILE_TEST_EXISTS));
    /* Already gone is fine. */
    g_assert_true(prov_local_vol_delete(&f->pool, file, 0, &err));
    g_assert_no_error(err);

    g_assert_true(create_vol(f, dir, 0, &err));
    g_assert_no_error(err);
    g_assert_cmpint(dir->type, ==, PROV_VOL_DIR);
    g_assert_cmpint(lstat(dir_path, &st), ==, 0);
    g_assert_true(S_ISDIR(st.st_mode));
    g_assert_cmpuint(st.st_mode & 07777, ==, 0700);
    g_assert_true(prov_local_vol_delete(&f->pool, dir, 0, &err));
    g_assert_no_error(err);
    g_assert_false(g_file_test(dir_path, G_FILE_TEST_EXISTS));
}

/* ---- upload / download ---------------------------------------------------- */

typedef struct {
    int fd;
    GChecksum *sum;
    const char *data;
    gsize len;
} PipeJob;

static gpointer
pipe_reader(gpointer opaque)
{
    PipeJob *job = opaque;
    char buf[65536];
    ssize_t n;

    while ((n = read(job->fd, buf, sizeof(buf))) > 0)
        g_checksum_update(job->sum, (const guchar *)buf, n);
    close(job->fd);
    return NULL;
}

static gpointer
pipe_writer(gpointer opaque)
{
    PipeJob *job = opaque;
    gsize done = 0;

    while (done < job->len) {
        ssize_t n = write(job->fd, job->data + done, job->len - done);

        if (n <= 0)
            break;
        done += n;
    }
    close(job->fd);
    return NULL;
}

static void
test_stream(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *other = g_dir_make_tmp("provd-vol-io-XXXXXX", &err);
    g_autofree char *in_path = g_build_filename(other, "in.bin", NULL);
    g_autofree char *out_path = g_build_filename(other, "out.bin", NULL);
    g_autofree char *part_path = g_build_filename(other, "part.bin", NULL);
    g_autofree char *vol_path = pool_file(f, "up.img");
    g_autoptr(ProvVolDef) vol = new_vol("up.img", PROV_FORMAT_RAW, 16 * MiB);
    g_autofree char *in_sum = NULL;
    g_autofree char *vol_sum = NULL;
    g_autofree char *out_sum = NULL;
    g_autofree char *part_sum = NULL;
    g_autofree char *want_part_sum = NULL;
    g_autofree char *piece = NULL;
    g_autoptr(GChecksum) pipe_sum = g_checksum_new(G_CHECKSUM_SHA256);
    ProgressLog log = { 0 };
    ProvProgress progress = { progress_cb, &log };
    PipeJob job = { 0 };
    GThread *thread;
    int fd;
    int pfd[2];

    g_assert_no_error(err);
    /* in.bin: data, hole, data, written zeros, trailing hole. */
    make_sparse(in_path, 16 * MiB);
    write_pattern(in_path, 0, MiB, 10);
    write_pattern(in_path, 9 * MiB, MiB, 11);
    write_zeros(in_path, 10 * MiB, 2 * MiB);
    in_sum = file_sha256(in_path);

    /* The volume starts full of other data: every zero must really become zero. */
    g_assert_true(create_vol(f, vol, 0, &err));
    write_pattern(vol_path, 0, 16 * MiB, 12);

    fd = open(in_path, O_RDONLY | O_CLOEXEC);
    g_assert_true(prov_local_vol_upload(&f->pool, vol, fd, 0, 0, PROV_VOL_STREAM_SPARSE,
                                        &progress, &err));
    g_assert_no_error(err);
    close(fd);
    vol_sum = file_sha256(vol_path);
    g_assert_cmpstr(vol_sum, ==, in_sum);
    g_assert_cmpuint(file_alloc(vol_path), <, 3 * MiB);
    g_assert_cmpuint(log.last_done, ==, 16 * MiB);
    g_assert_cmpuint(log.last_total, ==, 16 * MiB);

    /* Download into a new file, keeping holes. */
    fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_true(prov_local_vol_download(&f->pool, vol, fd, 0, 0, PROV_VOL_STREAM_SPARSE,
                                          NULL, &err));
    g_assert_no_error(err);
    close(fd);
    out_sum = file_sha256(out_path);
    g_assert_cmpstr(out_sum, ==, in_sum);
    g_assert_cmpuint(file_size(out_path), ==, 16 * MiB);
    g_assert_cmpuint(file_alloc(out_path), <, 3 * MiB);

    /* Download into a pipe without SPARSE: every byte flows. */
    g_assert_cmpint(pipe2(pfd, O_CLOEXEC), ==, 0);
    job.fd = pfd[0];
    job.sum = pipe_sum;
    thread = g_thread_new("reader", pipe_reader, &job);
    g_assert_true(prov_local_vol_download(&f->pool, vol, pfd[1], 0, 0, 0, NULL, &err));
    g_assert_no_error(err);
    close(pfd[1]);
    g_thread_join(thread);
    g_assert_cmpstr(g_checksum_get_string(pipe_sum), ==, in_sum);

    /* offset + length. */
    fd = open(part_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_true(prov_local_vol_download(&f->pool, vol, fd, 9 * MiB, MiB,
                                          PROV_VOL_STREAM_SPARSE, NULL, &err));
    g_assert_no_error(err);
    close(fd);
    g_assert_cmpuint(file_size(part_path), ==, MiB);
    part_sum = file_sha256(part_path);
    {
        g_autofree char *tmp = g_build_filename(other, "want.bin", NULL);

        write_pattern(tmp, 0, MiB, 11);
        want_part_sum = file_sha256(tmp);
    }
    g_assert_cmpstr(part_sum, ==, want_part_sum);
    g_assert_false(prov_local_vol_download(&f->pool, vol, 1, 17 * MiB, 0, 0, NULL, &err));
    g_assert_error(err, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&err);

    /* Upload from a pipe (not seekable, length unknown) at an offset. */
    piece = g_malloc(3 * MiB);
    memset(piece, 0x5a, 3 * MiB);
    g_assert_cmpint(pipe2(pfd, O_CLOEXEC), ==, 0);
    job.fd = pfd[1];
    job.data = piece;
    job.len = 3 * MiB;
    thread = g_thread_new("writer", pipe_writer, &job);
    g_assert_true(prov_local_vol_upload(&f->pool, vol, pfd[0], 4 * MiB, 0, 0, NULL, &err));
    g_assert_no_error(err);
    close(pfd[0]);
    g_thread_join(thread);
    {
        g_autofree char *back = g_malloc(3 * MiB);
        PROV_AUTOCLOSE int vfd = open(vol_path, O_RDONLY | O_CLOEXEC);

        g_assert_cmpint(pread(vfd, back, 3 * MiB, 4 * MiB), ==, (ssize_t)(3 * MiB));
        g_assert_cmpint(memcmp(back, piece, 3 * MiB), ==, 0);
        g_assert_cmpuint(file_size(vol_path), ==, 16 * MiB);
    }

    /* A length beyond the end of a file source stops at its end: 8..9 MiB is left alone. */
    {
        g_autofree char *small = g_build_filename(other, "small.bin", NULL);
        g_autofree char *before = g_malloc(MiB);
        g_autofree char *after = g_malloc(MiB);
        PROV_AUTOCLOSE int vfd = open(vol_path, O_RDONLY | O_CLOEXEC);

        write_pattern(small, 0, MiB, 13);
        g_assert_cmpint(pread(vfd, before, MiB, 8 * MiB), ==, (ssize_t)MiB);
        fd = open(small, O_RDONLY | O_CLOEXEC);
        g_assert_true(prov_local_vol_upload(&f->pool, vol, fd, 7 * MiB, 4 * MiB,
                                            PROV_VOL_STREAM_SPARSE, NULL, &err));
        g_assert_no_error(err);
        close(fd);
        g_assert_cmpint(pread(vfd, after, MiB, 8 * MiB), ==, (ssize_t)MiB);
        g_assert_cmpint(memcmp(before, after, MiB), ==, 0);
    }
    prov_test_remove_tree(other);
}

/* ---- refresh --------------------------------------------------------------- */

static void
test_refresh_mixed(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *outside_dir = g_dir_make_tmp("provd-vol-out-XXXXXX", &err);
    g_autofree char *outside = g_build_filename(outside_dir, "secret.img", NULL);
    g_autofree char *stale = pool_file(f, PROV_LOCAL_TEMP_PREFIX "stale.img.0000abcd");
    g_autofree char *busy = pool_file(f, PROV_LOCAL_TEMP_PREFIX "busy.img.0000abcd");
    g_autofree char *abs_target = pool_file(f, "a.raw");
    g_autofree char *base_path = pool_file(f, "base.raw");
    g_autoptr(ProvVolDef) base = new_vol("base.raw", PROV_FORMAT_RAW, 4 * MiB);
    g_autoptr(ProvVolDef) overlay = new_vol("overlay.qcow2", PROV_FORMAT_QCOW2, 0);
    static const char *const expected[] = {
        ".hidden", "a.raw", "abs-inside", "base.raw", "disguised.qcow2", "inside-link",
        "overlay.qcow2", "subdir",
    };
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    PROV_AUTOCLOSE int busy_fd = -1;
    PROV_AUTOCLOSE int sock = -1;
    ProvVolDef *v;
    guint i;

    g_assert_no_error(err);
    make_sparse(abs_target, MiB);
    base->has_allocation = true;
    g_assert_true(create_vol(f, base, 0, &err));
    overlay->backing.path = g_strdup("base.raw");
    g_assert_true(create_vol(f, overlay, 0, &err));
    g_assert_no_error(err);
    {
        g_autofree char *p = pool_file(f, "disguised.qcow2");

        write_pattern(p, 0, 64 * 1024, 9);
    }
    {
        g_autofree char *p = pool_file(f, ".hidden");

        make_sparse(p, 4096);
    }
    {
        g_autofree char *p = pool_file(f, "subdir");

        g_assert_cmpint(mkdir(p, 0755), ==, 0);
    }
    {
        g_autofree char *p = pool_file(f, "fifo");

        g_assert_cmpint(mkfifo(p, 0600), ==, 0);
    }
    {
        g_autofree char *p = pool_file(f, "sock");

        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        g_strlcpy(addr.sun_path, p, sizeof(addr.sun_path));
        g_assert_cmpint(bind(sock, (struct sockaddr *)&addr, sizeof(addr)), ==, 0);
    }
    {
        g_autofree char *p1 = pool_file(f, "dangling");
        g_autofree char *p2 = pool_file(f, "outside");
        g_autofree char *p3 = pool_file(f, "inside-link");
        g_autofree char *p4 = pool_file(f, "abs-inside");
        g_autofree char *p5 = pool_file(f, "loop");
        g_autofree char *p6 = pool_file(f, "bad\nname");
        g_autofree char *p7 = pool_file(f, "pool-itself");

        make_sparse(outside, MiB);
        g_assert_cmpint(symlink("nonexistent", p1), ==, 0);
        g_assert_cmpint(symlink(outside, p2), ==, 0);
        g_assert_cmpint(symlink("a.raw", p3), ==, 0);
        g_assert_cmpint(symlink(abs_target, p4), ==, 0);
        g_assert_cmpint(symlink("loop", p5), ==, 0);
        g_assert_cmpint(symlink(".", p7), ==, 0);
        make_sparse(p6, 4096);
    }
    make_sparse(stale, MiB);
    make_sparse(busy, MiB);
    busy_fd = open(busy, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(flock(busy_fd, LOCK_EX), ==, 0);

    g_test_expect_message("prov-volume-local", G_LOG_LEVEL_WARNING, "*control characters*");
    g_assert_true(prov_local_pool_refresh(&f->pool, &err));
    g_test_assert_expected_messages();
    g_assert_no_error(err);

    for (i = 0; i < f->pool.vols->len; i++)
        g_test_message("volume %s", ((ProvVolDef *)f->pool.vols->pdata[i])->name);
    g_assert_cmpuint(f->pool.vols->len, ==, G_N_ELEMENTS(expected));
    for (i = 0; i < G_N_ELEMENTS(expected); i++) {
        g_autofree char *path = pool_file(f, expected[i]);

        v = f->pool.vols->pdata[i];
        g_assert_cmpstr(v->name, ==, expected[i]);
        g_assert_cmpstr(v->key, ==, path);
        g_assert_cmpstr(v->target_path, ==, path);
        g_assert_nonnull(v->timestamps);
    }
    v = find_vol(f, "disguised.qcow2");
    g_assert_cmpint(v->format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(v->capacity, ==, 64 * 1024);
    v = find_vol(f, "overlay.qcow2");
    g_assert_cmpint(v->format, ==, PROV_FORMAT_QCOW2);
    g_assert_cmpuint(v->capacity, ==, 4 * MiB);
    g_assert_cmpstr(v->backing.path, ==, base_path);
    g_assert_cmpint(v->backing.format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(v->backing.perms.mode, ==, 0600);
    v = find_vol(f, "subdir");
    g_assert_cmpint(v->type, ==, PROV_VOL_DIR);
    g_assert_cmpint(v->format, ==, PROV_FORMAT_DIR);
    v = find_vol(f, "inside-link");
    g_assert_cmpint(v->format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(v->capacity, ==, MiB);
    v = find_vol(f, "a.raw");
    g_assert_cmpuint(v->capacity, ==, MiB);
    g_assert_cmpuint(v->physical, ==, MiB);
    g_assert_cmpuint(v->allocation, ==, 0);

    g_assert_cmpuint(f->pool.def->capacity, >, 0);
    g_assert_cmpuint(f->pool.def->available, >, 0);
    g_assert_cmpuint(f->pool.def->allocation, ==,
                     f->pool.def->capacity - f->pool.def->available);
    g_assert_false(g_file_test(stale, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(busy, G_FILE_TEST_EXISTS));
    prov_test_remove_tree(outside_dir);
}

/* The perf test drops debug messages: g_test prints each one, 20,000 per refresh. */
static GLogFunc saved_log_handler;
static gpointer saved_log_data;

static void
drop_debug_handler(const char *domain, GLogLevelFlags level, const char *message,
                   gpointer data)
{
    if (level & G_LOG_LEVEL_DEBUG)
        return;
    saved_log_handler(domain, level, message, saved_log_data);
}

static double
time_refresh(Fixture *f)
{
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();

    g_assert_true(prov_local_pool_refresh(&f->pool, &err));
    g_assert_no_error(err);
    return (g_get_monotonic_time() - start) / 1000.0;
}

static void
test_refresh_perf(Fixture *f, gconstpointer data)
{
    const guint per_kind = 10000;
    ProvQcow2Options opts = { .capacity = GiB };
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    double best = 1e9;
    guint nqcow2 = 0;
    guint i;

    saved_log_handler = g_log_set_default_handler(drop_debug_handler, NULL);
    for (i = 0; i < 2 * per_kind; i++) {
        g_autofree char *name = g_strdup_printf(i % 2 ? "vol%05u.qcow2" : "vol%05u.raw", i);
        g_autofree char *path = pool_file(f, name);
        PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        g_assert_cmpint(fd, >=, 0);
        if (i % 2)
            g_assert_true(prov_qcow2_write_empty(fd, &opts, &err));
        else
            g_assert_cmpint(ftruncate(fd, GiB), ==, 0);
    }
    g_test_message("perf: wrote %u files in %.0f ms", 2 * per_kind,
                   (g_get_monotonic_time() - start) / 1000.0);
    for (i = 0; i < 5; i++) {
        double ms = time_refresh(f);

        g_test_message("perf: refresh of %u volumes: %.1f ms", f->pool.vols->len, ms);
        best = MIN(best, ms);
    }
    g_log_set_default_handler(saved_log_handler, saved_log_data);
    g_print("# perf: refresh of a 20000-file dir pool (10k sparse raw, 10k qcow2): best %.1f ms\n",
            best);
    g_assert_cmpuint(f->pool.vols->len, ==, 2 * per_kind);
    for (i = 0; i < f->pool.vols->len; i++) {
        ProvVolDef *v = f->pool.vols->pdata[i];

        g_assert_cmpuint(v->capacity, ==, GiB);
        if (v->format == PROV_FORMAT_QCOW2)
            nqcow2++;
        if (i > 0)
            g_assert_cmpint(g_strcmp0(((ProvVolDef *)f->pool.vols->pdata[i - 1])->name,
                                      v->name), <, 0);
    }
    g_assert_cmpuint(nqcow2, ==, per_kind);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    if (!g_file_test(QEMU_IMG, G_FILE_TEST_IS_EXECUTABLE)) {
        g_print("skipping: %s is not installed\n", QEMU_IMG);
        return 77;
    }
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
    ADD("/volume-local/create/raw-sparse", test_raw_sparse);
    ADD("/volume-local/create/raw-prealloc", test_raw_prealloc);
    ADD("/volume-local/create/raw-prealloc-metadata", test_raw_prealloc_metadata);
    ADD("/volume-local/create/qcow2-native", test_qcow2_native);
    ADD("/volume-local/create/qemu-img", test_qcow2_qemu_img);
    ADD("/volume-local/create/exists", test_exists);
    ADD("/volume-local/create/validation", test_validation);
    ADD("/volume-local/create/concurrent", test_concurrent_create);
    ADD("/volume-local/create/crash", test_crash);
    ADD("/volume-local/clone/raw", test_clone_raw);
    ADD("/volume-local/clone/reflink-xfs", test_clone_reflink_xfs);
    ADD("/volume-local/clone/convert", test_clone_convert);
    ADD("/volume-local/resize", test_resize);
    ADD("/volume-local/wipe", test_wipe);
    ADD("/volume-local/delete", test_delete);
    ADD("/volume-local/stream", test_stream);
    ADD("/volume-local/refresh/mixed", test_refresh_mixed);
    ADD("/volume-local/refresh/perf", test_refresh_perf);
#undef ADD
    return g_test_run();
}
