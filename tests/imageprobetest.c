/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* imageprobetest.c: header probing against images made by the real qemu-img, and crafted ones. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "storage/image_probe.h"
#include "tests/testutil.h"
#include "util/command.h"
#include "util/error.h"
#include "util/fileutil.h"

#define MiB (1024ULL * 1024)
#define GiB (1024ULL * MiB)

static char *test_dir;

/* ---- images made by qemu-img --------------------------------------------------- */

typedef struct {
    const char *name;        /* file name in test_dir */
    const char *const *args; /* qemu-img create arguments between "create" and name */
    const char *size;        /* last argument, NULL for none (size from backing) */
    ProvFileFormat format;
    guint64 cluster_size;
    const char *compat;
    bool lazy_refcounts;
    bool extended_l2;
    bool encrypted;
    const char *backing_path;
    ProvFileFormat backing_format;
} QemuImgCase;

#define ARGS(...) ((const char *const[]){ __VA_ARGS__, NULL })
#define SECRET "--object", "secret,id=sec0,data=provd-test"

/* Earlier entries serve as backing files for later ones. */
static const QemuImgCase qemu_img_cases[] = {
    { "base.qcow2", ARGS("-f", "qcow2"), "1G", PROV_FORMAT_QCOW2, 65536, "1.1" },
    { "base.raw", ARGS("-f", "raw"), "64M", PROV_FORMAT_RAW },
    { "plain.qcow2", ARGS("-f", "qcow2"), "10G", PROV_FORMAT_QCOW2, 65536, "1.1" },
    { "v2.qcow2", ARGS("-f", "qcow2", "-o", "compat=0.10"), "10G", PROV_FORMAT_QCOW2, 65536,
      "0.10" },
    { "lazy.qcow2", ARGS("-f", "qcow2", "-o", "lazy_refcounts=on"), "10G", PROV_FORMAT_QCOW2, 65536,
      "1.1", true },
    { "extl2.qcow2", ARGS("-f", "qcow2", "-o", "extended_l2=on"), "10G", PROV_FORMAT_QCOW2, 65536,
      "1.1", false, true },
    { "c4k.qcow2", ARGS("-f", "qcow2", "-o", "cluster_size=4096"), "3G", PROV_FORMAT_QCOW2, 4096,
      "1.1" },
    { "c2m.qcow2", ARGS("-f", "qcow2", "-o", "cluster_size=2M"), "1T", PROV_FORMAT_QCOW2, 2 * MiB,
      "1.1" },
    { "c512.qcow2", ARGS("-f", "qcow2", "-o", "cluster_size=512"), "1G", PROV_FORMAT_QCOW2, 512,
      "1.1" },
    { "odd.qcow2", ARGS("-f", "qcow2"), "1000", PROV_FORMAT_QCOW2, 65536, "1.1" },
    { "over-qcow2.qcow2", ARGS("-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2"), "20G",
      PROV_FORMAT_QCOW2, 65536, "1.1", .backing_path = "base.qcow2",
      .backing_format = PROV_FORMAT_QCOW2 },
    /* No size: qemu-img takes the backing file's. */
    { "over-raw.qcow2", ARGS("-f", "qcow2", "-b", "base.raw", "-F", "raw"), NULL, PROV_FORMAT_QCOW2,
      65536, "1.1", .backing_path = "base.raw", .backing_format = PROV_FORMAT_RAW },
    { "over-v2.qcow2",
      ARGS("-f", "qcow2", "-o", "compat=0.10,cluster_size=512", "-b", "base.qcow2", "-F", "qcow2"),
      "1G", PROV_FORMAT_QCOW2, 512, "0.10", .backing_path = "base.qcow2",
      .backing_format = PROV_FORMAT_QCOW2 },
    { "encrypted.qcow2",
      ARGS("-f", "qcow2", SECRET, "-o",
           "encrypt.format=luks,encrypt.key-secret=sec0,"
           "encrypt.iter-time=10"),
      "1G", PROV_FORMAT_QCOW2, 65536, "1.1", .encrypted = true },
    { "plain.qed", ARGS("-f", "qed"), "1G", PROV_FORMAT_QED },
    /* QED marks a raw backing file "do not probe"; other formats are not recorded. */
    { "over-raw.qed", ARGS("-f", "qed", "-b", "base.raw", "-F", "raw"), "1G", PROV_FORMAT_QED,
      .backing_path = "base.raw", .backing_format = PROV_FORMAT_RAW },
    { "over-qcow2.qed", ARGS("-f", "qed", "-b", "base.qcow2", "-F", "qcow2"), "1G", PROV_FORMAT_QED,
      .backing_path = "base.qcow2", .backing_format = PROV_FORMAT_NONE },
    { "plain.vmdk", ARGS("-f", "vmdk"), "1G", PROV_FORMAT_VMDK },
    { "over.vmdk", ARGS("-f", "vmdk", "-b", "plain.vmdk", "-F", "vmdk"), NULL, PROV_FORMAT_VMDK,
      .backing_path = "plain.vmdk", .backing_format = PROV_FORMAT_NONE },
    { "plain.vdi", ARGS("-f", "vdi"), "1G", PROV_FORMAT_VDI },
    { "dynamic.vpc", ARGS("-f", "vpc"), "1G", PROV_FORMAT_VPC },
    /* A fixed VHD has its footer only at the end. */
    { "fixed.vpc", ARGS("-f", "vpc", "-o", "subformat=fixed"), "64M", PROV_FORMAT_VPC },
    { "plain.luks", ARGS("-f", "luks", SECRET, "-o", "key-secret=sec0,iter-time=10"), "16M",
      PROV_FORMAT_LUKS, .encrypted = true },
    { "plain.raw", ARGS("-f", "raw"), "1G", PROV_FORMAT_RAW },
};

static bool
probe_path(const char *path, ProvImageInfo *info, GError **error)
{
    PROV_AUTOCLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    return prov_image_probe_fd(fd, st.st_size, path, info, error);
}

/* virtual-size as `qemu-img info` reports it. */
static guint64
qemu_img_virtual_size(const char *path, const char *format)
{
    g_autoptr(ProvCommand) cmd =
        prov_command_new_args(QEMU_IMG, "info", "--output=json", "-f", format, path, NULL);
    g_autoptr(JsonNode) root = prov_test_command_json(cmd, NULL);

    return json_object_get_int_member(json_node_get_object(root), "virtual-size");
}

static void
test_probe_qemu_img(gconstpointer data)
{
    const QemuImgCase *tc = data;
    g_autofree char *path = g_build_filename(test_dir, tc->name, NULL);
    g_autoptr(ProvCommand) cmd = prov_command_new_args(QEMU_IMG, "create", "-q", NULL);
    g_autoptr(GError) error = NULL;
    ProvImageInfo info = { 0 };
    guint i;

    if (!prov_test_have_qemu_img("make images with it"))
        return;
    for (i = 0; tc->args[i]; i++)
        prov_command_add_arg(cmd, tc->args[i]);
    prov_command_add_arg(cmd, path);
    if (tc->size)
        prov_command_add_arg(cmd, tc->size);
    /*
     * Relative backing names resolve against the image's directory, not our cwd.
     * LUKS key setup benchmarks PBKDF2 on the thread CPU clock and now and then
     * fails with "Unable to get accurate CPU usage" when a round measures 0 ms:
     * try such a creation up to three times.
     */
    for (i = 0; i < 3; i++) {
        g_clear_error(&error);
        g_unlink(path);
        if (prov_command_run(cmd, NULL, NULL, &error) ||
            !strstr(error->message, "Unable to get accurate CPU usage"))
            break;
    }
    g_assert_no_error(error);

    g_assert_true(probe_path(path, &info, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(prov_file_format_to_string(info.format), ==,
                    prov_file_format_to_string(tc->format));
    if (tc->format == PROV_FORMAT_RAW) {
        struct stat st;

        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpuint(info.virtual_size, ==, st.st_size);
    } else {
        g_assert_cmpuint(info.virtual_size, ==,
                         qemu_img_virtual_size(path, prov_file_format_to_string(tc->format)));
    }
    g_assert_cmpuint(info.cluster_size, ==, tc->cluster_size);
    g_assert_cmpstr(info.compat, ==, tc->compat);
    g_assert_cmpint(info.lazy_refcounts, ==, tc->lazy_refcounts);
    g_assert_cmpint(info.extended_l2, ==, tc->extended_l2);
    g_assert_cmpint(info.encrypted, ==, tc->encrypted);
    g_assert_cmpstr(info.backing_path, ==, tc->backing_path);
    g_assert_cmpstr(prov_file_format_to_string(info.backing_format), ==,
                    prov_file_format_to_string(tc->backing_format));
    prov_image_info_clear(&info);
}

/* ---- crafted files ------------------------------------------------------------- */

static char *
write_file(const char *name, const void *data, gsize len)
{
    char *path = g_build_filename(test_dir, name, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, data, len, &error));
    g_assert_no_error(error);
    return path;
}

static void
put_be32(guint8 *p, guint32 v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static void
put_be64(guint8 *p, guint64 v)
{
    put_be32(p, v >> 32);
    put_be32(p + 4, v);
}

static void
put_le32(guint8 *p, guint32 v)
{
    p[0] = v;
    p[1] = v >> 8;
    p[2] = v >> 16;
    p[3] = v >> 24;
}

static void
put_le64(guint8 *p, guint64 v)
{
    put_le32(p, v);
    put_le32(p + 4, v >> 32);
}

static void
assert_probe_fails(const char *path, const char *expect_in_message)
{
    g_autoptr(GError) error = NULL;
    ProvImageInfo info = { 0 };

    g_assert_false(probe_path(path, &info, &error));
    g_assert_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_PROBE_FAILED);
    /* The message names the file. */
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, expect_in_message));
    /* Nothing was returned. */
    g_assert_cmpint(info.format, ==, PROV_FORMAT_NONE);
    g_assert_null(info.backing_path);
}

static void
probe_ok(const char *path, ProvImageInfo *info)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(probe_path(path, info, &error));
    g_assert_no_error(error);
}

static void
test_probe_truncated_qcow2(void)
{
    guint8 buf[50] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };
    g_autofree char *path = write_file("truncated.qcow2", buf, sizeof(buf));

    assert_probe_fails(path, "qcow2 header is truncated");
}

static void
test_probe_qcow2_corrupt(void)
{
    guint8 buf[4096] = { 0 };
    g_autofree char *bad_version = NULL;
    g_autofree char *bad_cluster = NULL;
    g_autofree char *bad_ext = NULL;
    g_autofree char *bad_backing = NULL;

    memcpy(buf, "QFI\xfb", 4);
    put_be32(buf + 4, 4);
    put_be32(buf + 20, 16);
    bad_version = write_file("version4.qcow2", buf, sizeof(buf));
    assert_probe_fails(bad_version, "unsupported version");

    put_be32(buf + 4, 3);
    put_be32(buf + 20, 30);
    put_be32(buf + 100, 104);
    bad_cluster = write_file("cluster30.qcow2", buf, sizeof(buf));
    assert_probe_fails(bad_cluster, "cluster size");

    /* An extension claiming more bytes than the cluster has. */
    put_be32(buf + 20, 12);
    put_be32(buf + 104, 0x12345678);
    put_be32(buf + 108, 8000);
    bad_ext = write_file("ext.qcow2", buf, sizeof(buf));
    assert_probe_fails(bad_ext, "extension too large");

    /* A backing name running past the end of the file. */
    memset(buf + 104, 0, 8);
    put_be64(buf + 8, 4000);
    put_be32(buf + 16, 200);
    bad_backing = write_file("backing.qcow2", buf, sizeof(buf));
    assert_probe_fails(bad_backing, "truncated");
}

static void
test_probe_random_is_raw(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240601);
    gsize len = 200 * 1024;
    g_autofree guint8 *buf = g_malloc(len);
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };
    gsize i;

    for (i = 0; i < len; i++)
        buf[i] = g_rand_int_range(rand, 0, 256);
    path = write_file("random.img", buf, len);
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(info.virtual_size, ==, len);
    g_assert_null(info.backing_path);
    g_assert_null(info.compat);
    prov_image_info_clear(&info);
}

static void
test_probe_name_ignored(void)
{
    static const char text[] = "just some text, not an image\n";
    g_autofree char *path = write_file("x.qcow2", text, strlen(text));
    g_autofree char *empty = write_file("empty.vmdk", "", 0);
    ProvImageInfo info = { 0 };

    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(info.virtual_size, ==, strlen(text));
    prov_image_info_clear(&info);

    probe_ok(empty, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_RAW);
    g_assert_cmpuint(info.virtual_size, ==, 0);
    prov_image_info_clear(&info);
}

static void
test_probe_iso(void)
{
    g_autofree guint8 *buf = g_malloc0(64 * 1024);
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };

    /* Primary volume descriptor: type 1, "CD001", version 1, at 16 * 2048. */
    buf[32768] = 1;
    memcpy(buf + 32769, "CD001", 5);
    buf[32774] = 1;
    path = write_file("disc.img", buf, 64 * 1024);
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_ISO);
    g_assert_cmpuint(info.virtual_size, ==, 64 * 1024);
    prov_image_info_clear(&info);
}

static void
test_probe_qcow1(void)
{
    guint8 buf[512] = { 0 };
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };

    memcpy(buf, "QFI\xfb", 4);
    put_be32(buf + 4, 1);
    put_be64(buf + 8, 48); /* backing name right after the header */
    put_be32(buf + 16, 8);
    put_be64(buf + 24, 5 * GiB);
    buf[32] = 12;
    buf[33] = 9;
    memcpy(buf + 48, "base.img", 8);
    path = write_file("old.qcow", buf, sizeof(buf));
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_QCOW);
    g_assert_cmpuint(info.virtual_size, ==, 5 * GiB);
    g_assert_cmpstr(info.backing_path, ==, "base.img");
    g_assert_cmpint(info.backing_format, ==, PROV_FORMAT_NONE);
    g_assert_false(info.encrypted);
    prov_image_info_clear(&info);
}

static void
test_probe_bochs(void)
{
    guint8 buf[512] = { 0 };
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };

    memcpy(buf, "Bochs Virtual HD Image", 22);
    memcpy(buf + 32, "Redolog", 7);
    memcpy(buf + 48, "Growing", 7);
    put_le32(buf + 64, 0x00020000);
    put_le32(buf + 68, 512);
    put_le64(buf + 88, 3 * GiB);
    path = write_file("disk.bochs", buf, sizeof(buf));
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_BOCHS);
    g_assert_cmpuint(info.virtual_size, ==, 3 * GiB);
    prov_image_info_clear(&info);
}

static void
test_probe_cloop(void)
{
    static const char preamble[] =
        "#!/bin/sh\n#V2.0 Format\nmodprobe cloop file=$IMAGE && mount -r -t iso9660 "
        "/dev/cloop $1\n";
    guint8 buf[512] = { 0 };
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };

    memcpy(buf, preamble, strlen(preamble));
    put_be32(buf + 128, 64 * 1024);
    put_be32(buf + 132, 100);
    path = write_file("disk.cloop", buf, sizeof(buf));
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_CLOOP);
    g_assert_cmpuint(info.virtual_size, ==, 100 * 64 * 1024);
    prov_image_info_clear(&info);
}

static void
test_probe_dmg(void)
{
    /* Beyond the first 64 KiB, so the trailer needs its own read. */
    gsize len = 128 * 1024;
    g_autofree guint8 *buf = g_malloc0(len);
    g_autofree char *path = NULL;
    guint8 *koly = buf + len - 512;
    ProvImageInfo info = { 0 };

    memcpy(koly, "koly", 4);
    put_be32(koly + 4, 4);
    put_be32(koly + 8, 512);
    put_be64(koly + 492, 2048);
    path = write_file("disk.dmg", buf, len);
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_DMG);
    g_assert_cmpuint(info.virtual_size, ==, 2048 * 512);
    prov_image_info_clear(&info);
}

static void
test_probe_luks2(void)
{
    static const char json[] =
        "{\"keyslots\":{},\"tokens\":{},\"segments\":{\"0\":{\"type\":\"crypt\","
        "\"offset\":\"16777216\",\"size\":\"dynamic\",\"iv_tweak\":\"0\","
        "\"encryption\":\"aes-xts-plain64\",\"sector_size\":512}},\"digests\":{},"
        "\"config\":{\"json_size\":\"12288\",\"keyslots_size\":\"16744448\"}}";
    gsize len = 32 * MiB;
    g_autofree guint8 *buf = g_malloc0(len);
    g_autofree char *path = NULL;
    ProvImageInfo info = { 0 };

    memcpy(buf, "LUKS\xba\xbe", 6);
    buf[7] = 2;
    put_be64(buf + 8, 16384); /* binary header + JSON area */
    memcpy(buf + 4096, json, strlen(json));
    path = write_file("disk.luks2", buf, len);
    probe_ok(path, &info);
    g_assert_cmpint(info.format, ==, PROV_FORMAT_LUKS);
    g_assert_true(info.encrypted);
    g_assert_cmpuint(info.virtual_size, ==, len - 16 * MiB);
    prov_image_info_clear(&info);
}

static void
test_probe_fd_position(void)
{
    g_autofree char *path = g_build_filename(test_dir, "plain.qcow2", NULL);
    g_autoptr(GError) error = NULL;
    PROV_AUTOCLOSE int fd = -1;
    ProvImageInfo info = { 0 };
    struct stat st;

    if (!prov_test_have_qemu_img("make images with it"))
        return;
    /* pread only: the fd's offset stays where the caller left it. */
    fd = open(path, O_RDONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fstat(fd, &st), ==, 0);
    g_assert_cmpint(lseek(fd, 12345, SEEK_SET), ==, 12345);
    g_assert_true(prov_image_probe_fd(fd, st.st_size, "plain.qcow2", &info, &error));
    g_assert_cmpint(info.format, ==, PROV_FORMAT_QCOW2);
    g_assert_cmpint(lseek(fd, 0, SEEK_CUR), ==, 12345);
    prov_image_info_clear(&info);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    test_dir = prov_test_make_tmp_dir("imageprobetest-XXXXXX");

    PROV_TEST_ADD_CASES("/image-probe/qemu-img", qemu_img_cases, name, test_probe_qemu_img);
    /* Registered after the cases above, whose plain.qcow2 it reads. */
    g_test_add_func("/image-probe/qemu-img/fd-position", test_probe_fd_position);
    g_test_add_func("/image-probe/truncated-qcow2", test_probe_truncated_qcow2);
    g_test_add_func("/image-probe/corrupt-qcow2", test_probe_qcow2_corrupt);
    g_test_add_func("/image-probe/random-is-raw", test_probe_random_is_raw);
    g_test_add_func("/image-probe/name-ignored", test_probe_name_ignored);
    g_test_add_func("/image-probe/iso", test_probe_iso);
    g_test_add_func("/image-probe/qcow1", test_probe_qcow1);
    g_test_add_func("/image-probe/bochs", test_probe_bochs);
    g_test_add_func("/image-probe/cloop", test_probe_cloop);
    g_test_add_func("/image-probe/dmg", test_probe_dmg);
    g_test_add_func("/image-probe/luks2", test_probe_luks2);

    return prov_test_run_and_remove(test_dir);
}
