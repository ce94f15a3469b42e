/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* qcow2test.c: native empty qcow2 images, checked by the real `qemu-img check` and `info`. */
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "storage/qcow2.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

#define KiB 1024ULL
#define MiB (1024ULL * KiB)
#define GiB (1024ULL * MiB)
#define TiB (1024ULL * GiB)
#define PiB (1024ULL * TiB)

typedef struct {
    const char *name;
    guint64 capacity;
    guint64 cluster_size; /* 0 = default */
    bool compat_v2;
    bool lazy_refcounts;
    const char *backing_path; /* relative to the test directory unless absolute */
    const char *backing_format;
    guint64 want_size; /* virtual-size qemu-img reports */
} Qcow2Case;

static const Qcow2Case qcow2_cases[] = {
    { "empty", 0, 0, false, false, NULL, NULL, 0 },
    { "1M", 1 * MiB, 0, false, false, NULL, NULL, 1 * MiB },
    { "10G", 10 * GiB, 0, false, false, NULL, NULL, 10 * GiB },
    { "1T", 1 * TiB, 0, false, false, NULL, NULL, 1 * TiB },
    { "1P", 1 * PiB, 0, false, false, NULL, NULL, 1 * PiB },
    { "17G+512", 17 * GiB + 512, 0, false, false, NULL, NULL, 17 * GiB + 512 },
    /* QEMU rounds the size up to whole 512-byte sectors. */
    { "odd-1000", 1000, 0, false, false, NULL, NULL, 1024 },
    { "odd-17G+1", 17 * GiB + 1, 0, false, false, NULL, NULL, 17 * GiB + 512 },
    { "cluster-512", 1 * GiB, 512, false, false, NULL, NULL, 1 * GiB },
    /* The largest size 512-byte clusters allow: a 32 MiB L1 table, 257 refcount blocks. */
    { "cluster-512-max", 128 * GiB, 512, false, false, NULL, NULL, 128 * GiB },
    { "cluster-4096", 10 * GiB, 4096, false, false, NULL, NULL, 10 * GiB },
    { "cluster-8192", 10 * GiB, 8192, false, false, NULL, NULL, 10 * GiB },
    { "cluster-2M", 1 * TiB, 2 * MiB, false, false, NULL, NULL, 1 * TiB },
    { "compat-0.10", 10 * GiB, 0, true, false, NULL, NULL, 10 * GiB },
    { "compat-0.10-cluster-512", 1 * GiB, 512, true, false, NULL, NULL, 1 * GiB },
    { "compat-0.10-empty", 0, 0, true, false, NULL, NULL, 0 },
    { "lazy-refcounts", 10 * GiB, 0, false, true, NULL, NULL, 10 * GiB },
    { "backing-qcow2", 10 * GiB, 0, false, false, "base.qcow2", "qcow2", 10 * GiB },
    { "backing-raw", 1 * GiB, 0, false, false, "base.raw", "raw", 1 * GiB },
    { "backing-no-format", 10 * GiB, 0, false, false, "base.qcow2", NULL, 10 * GiB },
    { "backing-relative-subdir", 10 * GiB, 0, false, false, "../images/base.qcow2", "qcow2",
      10 * GiB },
    { "backing-absolute", 10 * GiB, 0, false, false, "@/base.qcow2", "qcow2", 10 * GiB },
    { "backing-v2", 10 * GiB, 0, true, false, "base.qcow2", "qcow2", 10 * GiB },
    { "backing-cluster-512", 1 * GiB, 512, false, false, "base.raw", "raw", 1 * GiB },
    { "backing-lazy-2M", 1 * TiB, 2 * MiB, false, true, "base.qcow2", "qcow2", 1 * TiB },
};

static char *test_dir; /* holds images/ (the images) and the backing files */

/* The backing path as the case writes it into the header. */
static char *
case_backing_path(const Qcow2Case *tc)
{
    if (!tc->backing_path)
        return NULL;
    if (tc->backing_path[0] == '@')
        return g_strconcat(test_dir, tc->backing_path + 1, NULL);
    return g_strdup(tc->backing_path);
}

static void
write_native(const char *path, const Qcow2Case *tc)
{
    g_autofree char *backing = case_backing_path(tc);
    ProvQcow2Options opts = {
        .capacity = tc->capacity,
        .cluster_size = tc->cluster_size,
        .compat_v2 = tc->compat_v2,
        .lazy_refcounts = tc->lazy_refcounts,
        .backing_path = backing,
        .backing_format = tc->backing_format,
    };
    g_autoptr(GError) error = NULL;
    PROV_AUTOCLOSE int fd = -1;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_true(prov_qcow2_write_empty(fd, &opts, &error));
    g_assert_no_error(error);
}

/*
 * Informative only: is the native image byte-identical to `qemu-img create`'s?
 * (Differences are allowed; the layout may legitimately differ with small clusters.)
 */
static void
compare_with_qemu_img(const char *native, const Qcow2Case *tc)
{
    g_autofree char *ref = g_strconcat(native, ".ref", NULL);
    g_autofree char *backing = case_backing_path(tc);
    g_autoptr(ProvCommand) cmd =
        prov_command_new_args(QEMU_IMG, "create", "-q", "-f", "qcow2", "-o", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    gsize alen = 0;
    gsize blen = 0;

    /* qemu-img >= 6.1 refuses a backing file without a backing format. */
    if (backing && !tc->backing_format)
        return;
    prov_command_add_arg_format(cmd, "cluster_size=%" G_GUINT64_FORMAT ",compat=%s%s",
                                tc->cluster_size ? tc->cluster_size : 65536,
                                tc->compat_v2 ? "0.10" : "1.1",
                                tc->lazy_refcounts ? ",lazy_refcounts=on" : "");
    if (backing)
        prov_command_add_args(cmd, "-b", backing, "-F", tc->backing_format, NULL);
    prov_command_add_arg(cmd, ref);
    prov_command_add_arg_format(cmd, "%" G_GUINT64_FORMAT, tc->capacity);
    if (!prov_command_run(cmd, NULL, NULL, &error)) {
        g_test_message("%s: qemu-img create failed: %s", tc->name, error->message);
        return;
    }
    g_assert_true(g_file_get_contents(native, &a, &alen, NULL));
    g_assert_true(g_file_get_contents(ref, &b, &blen, NULL));
    if (alen == blen && memcmp(a, b, alen) == 0)
        g_test_message("%s: byte-identical to qemu-img create", tc->name);
    else
        g_test_message("%s: differs from qemu-img create (%" G_GSIZE_FORMAT " vs %" G_GSIZE_FORMAT
                       " bytes)",
                       tc->name, alen, blen);
    g_unlink(ref);
}

static void
test_qcow2_case(gconstpointer data)
{
    const Qcow2Case *tc = data;
    g_autofree char *file_name = g_strdup_printf("%s.qcow2", tc->name);
    g_autofree char *path = g_build_filename(test_dir, "images", file_name, NULL);
    g_autofree char *backing = case_backing_path(tc);
    g_autoptr(ProvCommand) check = NULL;
    g_autoptr(ProvCommand) info = NULL;
    g_autoptr(JsonNode) check_root = NULL;
    g_autoptr(JsonNode) info_root = NULL;
    JsonObject *obj;
    JsonObject *specific;
    JsonObject *specific_data;
    int status = -1;

    if (!prov_test_have_qemu_img("check images with it"))
        return;
    write_native(path, tc);

    /* check: exit 0 = clean, 2 = corruptions, 3 = leaked clusters. */
    check = prov_command_new_args(QEMU_IMG, "check", "-f", "qcow2", "--output=json", path, NULL);
    check_root = prov_test_command_json(check, &status);
    obj = json_node_get_object(check_root);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpint(json_object_get_int_member(obj, "check-errors"), ==, 0);
    g_assert_cmpint(json_object_get_int_member_with_default(obj, "corruptions", 0), ==, 0);
    g_assert_cmpint(json_object_get_int_member_with_default(obj, "leaks", 0), ==, 0);

    info = prov_command_new_args(QEMU_IMG, "info", "-f", "qcow2", "--output=json", path, NULL);
    info_root = prov_test_command_json(info, &status);
    obj = json_node_get_object(info_root);
    g_assert_cmpint(status, ==, 0);
    g_assert_cmpstr(json_object_get_string_member(obj, "format"), ==, "qcow2");
    g_assert_cmpuint(json_object_get_int_member(obj, "virtual-size"), ==, tc->want_size);
    g_assert_cmpuint(json_object_get_int_member(obj, "cluster-size"), ==,
                     tc->cluster_size ? tc->cluster_size : 65536);
    g_assert_false(json_object_get_boolean_member_with_default(obj, "dirty-flag", false));
    g_assert_cmpstr(json_object_get_string_member_with_default(obj, "backing-filename", NULL), ==,
                    backing);
    g_assert_cmpstr(json_object_get_string_member_with_default(obj, "backing-filename-format",
                                                               NULL),
                    ==, tc->backing_format);

    specific = json_object_get_object_member(obj, "format-specific");
    g_assert_nonnull(specific);
    specific_data = json_object_get_object_member(specific, "data");
    g_assert_nonnull(specific_data);
    g_assert_cmpstr(json_object_get_string_member(specific_data, "compat"), ==,
                    tc->compat_v2 ? "0.10" : "1.1");
    g_assert_cmpint(json_object_get_boolean_member_with_default(specific_data, "lazy-refcounts",
                                                                false),
                    ==, tc->lazy_refcounts);
    g_assert_cmpint(json_object_get_int_member(specific_data, "refcount-bits"), ==, 16);
    g_assert_false(json_object_get_boolean_member_with_default(specific_data, "corrupt", false));
    g_assert_false(
        json_object_get_boolean_member_with_default(specific_data, "extended-l2", false));

    compare_with_qemu_img(path, tc);
    g_unlink(path);
}

typedef struct {
    const char *name;
    ProvQcow2Options opts;
    int code;
    const char *message;
} Qcow2BadCase;

static const Qcow2BadCase qcow2_bad_cases[] = {
    { "cluster-1000",
      { .capacity = GiB, .cluster_size = 1000 },
      PROV_ERR_INVALID_ARG,
      "qcow2 cluster size '1000' must be a power of two between 512 and 2097152" },
    { "cluster-256",
      { .capacity = GiB, .cluster_size = 256 },
      PROV_ERR_INVALID_ARG,
      "qcow2 cluster size '256' must be a power of two between 512 and 2097152" },
    { "cluster-4M",
      { .capacity = GiB, .cluster_size = 4 * MiB },
      PROV_ERR_INVALID_ARG,
      "qcow2 cluster size '4194304' must be a power of two between 512 and 2097152" },
    { "lazy-v2",
      { .capacity = GiB, .compat_v2 = true, .lazy_refcounts = true },
      PROV_ERR_CONFIG_UNSUPPORTED,
      "lazy_refcounts requires compat 1.1" },
    { "too-large-512",
      { .capacity = 129 * GiB, .cluster_size = 512 },
      PROV_ERR_INVALID_ARG,
      "qcow2 capacity '138512695296' is too large for cluster size '512'" },
    { "too-large",
      { .capacity = G_MAXUINT64 },
      PROV_ERR_INVALID_ARG,
      "qcow2 capacity '18446744073709551615' is too large" },
    { "format-without-backing",
      { .capacity = GiB, .backing_format = "raw" },
      PROV_ERR_INVALID_ARG,
      "qcow2 backing format 'raw' given without a backing file" },
    { "format-too-long",
      { .capacity = GiB, .backing_path = "b", .backing_format = "abcdefghijklmnop" },
      PROV_ERR_INVALID_ARG,
      "qcow2 backing format 'abcdefghijklmnop' must have 1 to 15 bytes" },
    { "empty-backing",
      { .capacity = GiB, .backing_path = "" },
      PROV_ERR_INVALID_ARG,
      "qcow2 backing file name '' must have 1 to 1023 bytes" },
};

static void
test_qcow2_bad(gconstpointer data)
{
    const Qcow2BadCase *tc = data;
    g_autofree char *path = g_build_filename(test_dir, "images", "bad.qcow2", NULL);
    g_autoptr(GError) error = NULL;
    PROV_AUTOCLOSE int fd = -1;
    struct stat st;

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_false(prov_qcow2_write_empty(fd, &tc->opts, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, tc->code);
    g_assert_cmpstr(error->message, ==, tc->message);
    /* Nothing was written. */
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(st.st_size, ==, 0);
    g_unlink(path);
}

static void
test_qcow2_long_backing(void)
{
    g_autofree char *path = g_build_filename(test_dir, "images", "long.qcow2", NULL);
    g_autofree char *name_1023 = g_strnfill(1023, 'b');
    g_autofree char *name_1024 = g_strnfill(1024, 'b');
    ProvQcow2Options opts = { .capacity = GiB, .backing_format = "raw" };
    g_autoptr(GError) error = NULL;
    PROV_AUTOCLOSE int fd = -1;

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);

    /* 1024 bytes is over QEMU's limit. */
    opts.backing_path = name_1024;
    g_assert_false(prov_qcow2_write_empty(fd, &opts, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
    g_clear_error(&error);

    /* 1023 bytes fit a 64 KiB cluster but not a 512-byte one. */
    opts.backing_path = name_1023;
    opts.cluster_size = 512;
    g_assert_false(prov_qcow2_write_empty(fd, &opts, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_INVALID_ARG);
    g_assert_nonnull(strstr(error->message, "does not fit in a 512-byte cluster"));
    g_clear_error(&error);

    opts.cluster_size = 0;
    g_assert_true(prov_qcow2_write_empty(fd, &opts, &error));
    g_assert_no_error(error);
    g_unlink(path);
}

static void
test_qcow2_not_empty(void)
{
    g_autofree char *path = g_build_filename(test_dir, "images", "full.qcow2", NULL);
    ProvQcow2Options opts = { .capacity = GiB };
    g_autoptr(GError) error = NULL;
    PROV_AUTOCLOSE int fd = -1;

    fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "old", 3), ==, 3);
    g_assert_false(prov_qcow2_write_empty(fd, &opts, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_INTERNAL_ERROR);
    g_unlink(path);
}

/* Not asserted: how much faster the native writer is than running qemu-img create. */
static void
test_qcow2_speed(void)
{
    const guint count = 100;
    g_autofree char *dir = g_build_filename(test_dir, "speed", NULL);
    ProvQcow2Options opts = { .capacity = 10 * GiB };
    gint64 start;
    double native_ms;
    double qemu_ms;
    guint i;

    if (!prov_test_have_qemu_img("check images with it"))
        return;
    g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);

    start = g_get_monotonic_time();
    for (i = 0; i < count; i++) {
        g_autofree char *path = g_strdup_printf("%s/native-%u.qcow2", dir, i);
        g_autoptr(GError) error = NULL;
        PROV_AUTOCLOSE int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        g_assert_cmpint(fd, >=, 0);
        g_assert_true(prov_qcow2_write_empty(fd, &opts, &error));
    }
    native_ms = (g_get_monotonic_time() - start) / 1000.0;

    start = g_get_monotonic_time();
    for (i = 0; i < count; i++) {
        g_autofree char *path = g_strdup_printf("%s/qemu-%u.qcow2", dir, i);
        g_autoptr(ProvCommand) cmd =
            prov_command_new_args(QEMU_IMG, "create", "-q", "-f", "qcow2", path, "10G", NULL);
        g_autoptr(GError) error = NULL;

        g_assert_true(prov_command_run(cmd, NULL, NULL, &error));
    }
    qemu_ms = (g_get_monotonic_time() - start) / 1000.0;

    g_test_message("%u x 10G qcow2: native %.1f ms (%.3f ms each), qemu-img create %.1f ms "
                   "(%.2f ms each), ratio %.0fx",
                   count, native_ms, native_ms / count, qemu_ms, qemu_ms / count,
                   qemu_ms / MAX(native_ms, 0.001));
    g_printerr("# speed: %u x 10G qcow2: native %.1f ms, qemu-img create %.1f ms (%.0fx)\n", count,
               native_ms, qemu_ms, qemu_ms / MAX(native_ms, 0.001));

    for (i = 0; i < count; i++) {
        g_autofree char *a = g_strdup_printf("%s/native-%u.qcow2", dir, i);
        g_autofree char *b = g_strdup_printf("%s/qemu-%u.qcow2", dir, i);

        g_unlink(a);
        g_unlink(b);
    }
    g_rmdir(dir);
}

static void
make_backing_files(void)
{
    g_autofree char *images = g_build_filename(test_dir, "images", NULL);
    g_autofree char *base_qcow2 = g_build_filename(test_dir, "base.qcow2", NULL);
    g_autofree char *base_raw = g_build_filename(test_dir, "base.raw", NULL);
    g_autofree char *sub_qcow2 = g_build_filename(images, "base.qcow2", NULL);
    g_autofree char *img_raw = g_build_filename(images, "base.raw", NULL);
    const char *qcow2_paths[] = { base_qcow2, sub_qcow2 };
    ProvQcow2Options opts = { .capacity = 10 * GiB };
    g_autoptr(GError) error = NULL;
    guint i;

    g_assert_cmpint(g_mkdir(images, 0700), ==, 0);
    /* Relative backing names resolve against the image's directory, images/. */
    for (i = 0; i < G_N_ELEMENTS(qcow2_paths); i++) {
        PROV_AUTOCLOSE int fd = open(qcow2_paths[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

        g_assert_cmpint(fd, >=, 0);
        g_assert_true(prov_qcow2_write_empty(fd, &opts, &error));
    }
    g_assert_true(g_file_set_contents(base_raw, "", 0, NULL));
    g_assert_true(g_file_set_contents(img_raw, "", 0, NULL));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_dir = prov_test_make_tmp_dir("qcow2test-XXXXXX");
    make_backing_files();

    PROV_TEST_ADD_CASES("/qcow2/create", qcow2_cases, name, test_qcow2_case);
    PROV_TEST_ADD_CASES("/qcow2/bad", qcow2_bad_cases, name, test_qcow2_bad);
    g_test_add_func("/qcow2/long-backing", test_qcow2_long_backing);
    g_test_add_func("/qcow2/not-empty", test_qcow2_not_empty);
    g_test_add_func("/qcow2/speed", test_qcow2_speed);

    return prov_test_run_and_remove(test_dir);
}
