/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* storagepoolxml2argvtest.c: pool start/build command lines against libvirt's golden files. */
#include <stdio.h>
#include <sys/sysmacros.h>

#include "backends/backends.h"
#include "tests/testutil.h"

static guint passed;
static guint total;

/*
 * fs and netfs pools (one command builder): libvirt's Linux expectation is the
 * "-linux" variant of the file.
 */
static void
test_pool_mount(gconstpointer data)
{
    total++;
    if (prov_test_pool_argv_golden(data, "-linux", prov_fs_mount_command))
        passed++;
}

static void
test_fs_mkfs(void)
{
    static const struct {
        const char *format;
        const char *expected;
    } cases[] = {
        { "ext4", "mkfs \\\n-t ext4 \\\n-F /dev/loop7\n" },
        { "ext3", "mkfs \\\n-t ext3 \\\n-F /dev/loop7\n" },
        { "xfs", "mkfs \\\n-t xfs \\\n-f /dev/loop7\n" },
        { "vfat", "mkfs \\\n-t vfat \\\n-I /dev/loop7\n" },
        { "gfs2", "mkfs \\\n-t gfs2 \\\n/dev/loop7\n" },
    };
    guint i;

    for (i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *xml = g_strdup_printf(
            "<pool type='fs'><name>p</name><source><device path='/dev/loop7'/>"
            "<format type='%s'/></source><target><path>/mnt/p</path></target></pool>",
            cases[i].format);

        prov_test_pool_command_check(xml, prov_fs_mkfs_command, cases[i].expected);
    }
}

/* /proc/self/mountinfo lines as the kernel writes them (proc(5)), octal escapes included. */
static void
test_mountinfo(void)
{
    const char *info =
        "22 1 254:1 / / rw,relatime shared:1 - ext4 /dev/vda1 rw\n"
        "98 22 7:3 / /srv/pool\\040one rw,nosuid,nodev,noexec shared:50 - ext4 /dev/loop3 rw\n"
        "99 22 7:4 /sub /srv/other rw shared:51 - xfs /dev/loop4 rw\n";

    g_assert_true(prov_fs_is_mounted(info, "/srv/pool one", makedev(7, 3)));
    g_assert_false(prov_fs_is_mounted(info, "/srv/pool one", makedev(7, 4)));
    g_assert_false(prov_fs_is_mounted(info, "/srv/pool", makedev(7, 3)));
    g_assert_true(prov_fs_is_mounted(info, "/srv/other", makedev(7, 4)));
    g_assert_false(prov_fs_is_mounted("", "/srv/other", makedev(7, 4)));
}


int
main(int argc, char **argv)
{
    static const char *const netfs_cases[] = {
        "pool-netfs", "pool-netfs-auto", "pool-netfs-protocol-ver", "pool-netfs-ns-mountopts",
        "pool-netfs-gluster", "pool-netfs-cifs",
    };
    guint i;
    int ret;

    g_test_init(&argc, &argv, NULL);
    g_test_add_data_func("/storage/fs/mount/pool-fs", "pool-fs", test_pool_mount);
    for (i = 0; i < G_N_ELEMENTS(netfs_cases); i++) {
        g_autofree char *path = g_strdup_printf("/storage/netfs/mount/%s", netfs_cases[i]);

        g_test_add_data_func(path, netfs_cases[i], test_pool_mount);
    }
    g_test_add_func("/storage/fs/mkfs", test_fs_mkfs);
    g_test_add_func("/storage/fs/mountinfo", test_mountinfo);
    ret = g_test_run();
    printf("conformance: pool xml2argv (fs, netfs) %u/%u passed\n", passed, total);
    return ret;
}
