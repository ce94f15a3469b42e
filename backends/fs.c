/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* fs.c: the 'fs' pool kind: a block device with a filesystem, mounted at the target. */
#define G_LOG_DOMAIN "provd-backend-fs"

#include "config.h"
#include "backends/backends.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "storage/volume_local.h"
#include "util/command.h"
#include "util/error.h"

#define PROV_MOUNT_TIMEOUT_MS (60 * 1000)
#define PROV_MKFS_TIMEOUT_MS (15 * 60 * 1000)

static const char *
fs_device(const ProvPoolDef *def)
{
    const ProvPoolSourceDevice *dev;

    if (def->source.devices->len != 1)
        return NULL;
    dev = g_ptr_array_index(def->source.devices, 0);
    return dev->path;
}

static bool
fs_check_device(const ProvPoolDef *def, dev_t *ret_rdev, GError **error)
{
    const char *device = fs_device(def);
    struct stat st;

    if (!device) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': an fs pool needs exactly one source device",
                    def->name);
        return false;
    }
    /* Relative paths would be resolved against our cwd, and "-x" read as an option. */
    if (!g_path_is_absolute(device)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': source device '%s' is not an absolute path",
                    def->name, device);
        return false;
    }
    if (stat(device, &st) < 0)
        return prov_error_set_errno(error, PROV_STORAGE_ERROR, errno,
                                    "storage pool '%s': source device '%s'", def->name, device);
    if (!S_ISBLK(st.st_mode)) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': source device '%s' is not a block device",
                    def->name, device);
        return false;
    }
    if (ret_rdev)
        *ret_rdev = st.st_rdev;
    return true;
}

/* Undo mountinfo's octal escapes ("\040" for a space). */
static char *
mountinfo_unescape(const char *s)
{
    GString *out = g_string_new(NULL);

    while (*s) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
            s[3] >= '0' && s[3] <= '7') {
            g_string_append_c(out, (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0')));
            s += 4;
        } else {
            g_string_append_c(out, *s++);
        }
    }
    return g_string_free(out, FALSE);
}

/**
 * prov_mount_entry_free:
 * @entry: (nullable): an entry of prov_mountinfo_parse()
 *
 * Frees the entry and its strings.
 */
void
prov_mount_entry_free(ProvMountEntry *entry)
{
    if (!entry)
        return;
    g_free(entry->devno);
    g_free(entry->mount_point);
    g_free(entry->fstype);
    g_free(entry->source);
    g_free(entry);
}

/**
 * prov_mountinfo_parse:
 * @mountinfo: the text of /proc/self/mountinfo
 *
 * One entry per well-formed line, in the file's order (a later entry on the same
 * mount point is mounted on top of an earlier one).  A line looks like (proc(5)):
 *   36 35 7:0 / /var/lib/provd/images rw,nodev,nosuid,noexec shared:1 - ext4 /dev/loop0 rw
 * with any number of optional fields ("shared:1") before the lone "-", and octal
 * escapes ("\040") in paths.  Returns a new array of ProvMountEntry; never NULL.
 */
GPtrArray *
prov_mountinfo_parse(const char *mountinfo)
{
    GPtrArray *entries = g_ptr_array_new_with_free_func((GDestroyNotify)prov_mount_entry_free);
    g_auto(GStrv) lines = g_strsplit(mountinfo, "\n", -1);
    guint i;

    for (i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", -1);
        guint n = g_strv_length(f);
        ProvMountEntry *entry;
        guint sep = 6;

        while (sep < n && !g_str_equal(f[sep], "-"))
            sep++;
        if (sep + 2 >= n)
            continue;
        entry = g_new0(ProvMountEntry, 1);
        entry->devno = g_strdup(f[2]);
        entry->mount_point = mountinfo_unescape(f[4]);
        entry->fstype = mountinfo_unescape(f[sep + 1]);
        entry->source = mountinfo_unescape(f[sep + 2]);
        g_ptr_array_add(entries, entry);
    }
    return entries;
}

/**
 * prov_fs_is_mounted:
 * @mountinfo: the text of /proc/self/mountinfo
 * @target: canonical mount point
 * @rdev: device number of the source device
 *
 * Whether @target is a mount point of the device @rdev.  Matching by device
 * number rather than source path makes /dev/disk/by-* aliases and /dev/mapper
 * names compare equal.
 */
bool
prov_fs_is_mounted(const char *mountinfo, const char *target, dev_t rdev)
{
    g_autoptr(GPtrArray) entries = prov_mountinfo_parse(mountinfo);
    char want[32];
    guint i;

    g_snprintf(want, sizeof(want), "%u:%u", major(rdev), minor(rdev));
    for (i = 0; i < entries->len; i++) {
        const ProvMountEntry *entry = g_ptr_array_index(entries, i);

        if (g_str_equal(entry->devno, want) && g_str_equal(entry->mount_point, target))
            return true;
    }
    return false;
}

static bool
fs_mounted(const ProvPoolDef *def, bool *ret_mounted, GError **error)
{
    g_autofree char *info = NULL;
    g_autofree char *target = NULL;
    dev_t rdev = 0;

    *ret_mounted = false;
    if (!fs_check_device(def, &rdev, error))
        return false;
    if (!g_file_get_contents("/proc/self/mountinfo", &info, NULL, error))
        return false;
    target = realpath(def->target_path, NULL);
    if (!target)
        return true;
    *ret_mounted = prov_fs_is_mounted(info, target, rdev);
    return true;
}

static bool
fs_check_pool(ProvStoragePool *pool, bool *ret_active, GError **error)
{
    return fs_mounted(pool->def, ret_active, error);
}

/* netfs: what each source format adds to the mount options (libvirt's Linux argv). */
static void
netfs_format_options(const ProvPoolDef *def, ProvNetfsFormat fmt, GString *opts)
{
    switch (fmt) {
    case PROV_NETFS_AUTO:
    case PROV_NETFS_NFS:
        if (def->source.protocol_ver)
            g_string_append_printf(opts, ",nfsvers=%s", def->source.protocol_ver);
        break;
    case PROV_NETFS_GLUSTERFS:
        /* libvirt's option for the GlusterFS FUSE client, kept for the same behaviour. */
        g_string_append(opts, ",direct-io-mode=1");
        break;
    case PROV_NETFS_CIFS:
        g_string_append(opts, ",guest");
        break;
    case PROV_NETFS_LAST:
        break;
    }
}

/**
 * prov_fs_mount_command:
 * @def: an fs or netfs pool
 *
 * The command libvirt runs on Linux to start the pool (checked against its
 * storagepoolxml2argvdata):
 *   fs:    mount -o nodev,nosuid,noexec[,<fs:mount_opts>] -t <format> <device> <target>
 *   netfs: mount -o nodev,nosuid,noexec[,<format's options>][,<fs:mount_opts>]
 *          [-t <format>] <source> <target>
 * Guests' images never need device nodes, setuid or exec on the pool filesystem.
 * netfs adds nfsvers=<protocol ver> (nfs, auto), direct-io-mode=1 (glusterfs) or
 * guest (cifs); its 'auto' format gives no -t at all, because `mount -t auto` never
 * tries NFS while a plain mount does.  The source is prov_netfs_mount_source().
 * Returns a new command.
 */
ProvCommand *
prov_fs_mount_command(const ProvPoolDef *def)
{
    g_autoptr(GString) opts = g_string_new("nodev,nosuid,noexec");
    g_autofree char *source = NULL;
    const char *format;
    ProvCommand *cmd = prov_command_new(MOUNT);
    guint i;

    if (def->type == PROV_POOL_NETFS) {
        ProvNetfsFormat fmt = def->source.format < 0 ? PROV_NETFS_AUTO :
                              (ProvNetfsFormat)def->source.format;

        netfs_format_options(def, fmt, opts);
        format = fmt == PROV_NETFS_AUTO ? NULL : prov_netfs_format_to_string(fmt);
        source = prov_netfs_mount_source(def);
    } else {
        format = prov_fs_format_to_string(def->source.format < 0 ? PROV_FS_AUTO :
                                          (ProvFsFormat)def->source.format);
        source = g_strdup(fs_device(def));
    }
    for (i = 0; def->fs_mount_opts && i < def->fs_mount_opts->len; i++) {
        const ProvXmlOption *opt = g_ptr_array_index(def->fs_mount_opts, i);
        g_string_append_printf(opts, ",%s", opt->name);
    }
    prov_command_add_args(cmd, "-o", opts->str, NULL);
    if (format)
        prov_command_add_args(cmd, "-t", format, NULL);
    prov_command_add_args(cmd, source ? source : "", def->target_path, NULL);
    return cmd;
}

static bool
fs_start_pool(ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;
    bool mounted;

    if (!prov_dir_pool_check_target(pool, error) || !fs_mounted(pool->def, &mounted, error))
        return false;
    if (mounted)
        return true;
    cmd = prov_fs_mount_command(pool->def);
    prov_command_set_timeout(cmd, PROV_MOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, NULL, NULL, error)) {
        g_prefix_error(error, "storage pool '%s': cannot mount '%s' on '%s': ",
                       pool->def->name, fs_device(pool->def), pool->def->target_path);
        return false;
    }
    return true;
}

static bool
fs_stop_pool(ProvStoragePool *pool, GError **error)
{
    g_autoptr(ProvCommand) cmd = NULL;
    g_autoptr(GError) local = NULL;
    bool mounted;

    if (!fs_mounted(pool->def, &mounted, &local)) {
        /* The device is gone: nothing of ours can still be mounted from it. */
        g_debug("%s", local->message);
        return true;
    }
    if (!mounted)
        return true;
    cmd = prov_command_new_args(UMOUNT, pool->def->target_path, NULL);
    prov_command_set_timeout(cmd, PROV_MOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, NULL, NULL, error)) {
        g_prefix_error(error, "storage pool '%s': cannot unmount '%s': ", pool->def->name,
                       pool->def->target_path);
        return false;
    }
    return true;
}

/**
 * prov_block_device_probe:
 * @pool_name: the pool, for the message
 * @device: the block device
 * @ret_found: (out): what the device holds ("ext4", "LVM2_member", "dos" for a
 *   partition table, "unknown data"), or NULL when it is empty
 *
 * A low-level blkid probe (no cache), before anything would write over the device.
 * `blkid -p -o export DEV` prints e.g. "TYPE=ext4" for a filesystem or "PTTYPE=dos"
 * for a partition table, and exits 2 when it finds nothing:
 *   DEVNAME=/dev/loop0
 *   UUID=kcHk2N-Za9L-76MU-V1DP-4qjh-5rur-CzIiuN
 *   VERSION=LVM2\ 001
 *   TYPE=LVM2_member
 *   USAGE=raid
 */
bool
prov_block_device_probe(const char *pool_name, const char *device, char **ret_found,
                        GError **error)
{
    g_autoptr(ProvCommand) cmd = prov_command_new_args(BLKID, "-p", "-o", "export", "--",
                                                       device, NULL);
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    int status;
    guint i;

    *ret_found = NULL;
    prov_command_set_timeout(cmd, PROV_MOUNT_TIMEOUT_MS);
    if (!prov_command_run(cmd, &out, &status, error))
        return false;
    if (status == 2)
        return true;
    if (status != 0) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_FAILED,
                    "storage pool '%s': cannot probe source device '%s' (blkid exit %d)",
                    pool_name, device, status);
        return false;
    }
    lines = g_strsplit(out, "\n", -1);
    for (i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "TYPE=") || g_str_has_prefix(lines[i], "PTTYPE=")) {
            *ret_found = g_strdup(strchr(lines[i], '=') + 1);
            return true;
        }
    }
    *ret_found = g_strdup("unknown data");
    return true;
}

/**
 * prov_fs_mkfs_command:
 * @def: an fs pool with a concrete source format
 *
 * `mkfs -t <format> [-F|-f|-I] <device>`: the force flag each mkfs needs to write
 * over an old signature (we only get here once overwriting was allowed).
 */
ProvCommand *
prov_fs_mkfs_command(const ProvPoolDef *def)
{
    ProvFsFormat fmt = (ProvFsFormat)def->source.format;
    ProvCommand *cmd = prov_command_new_args(MKFS, "-t", prov_fs_format_to_string(fmt), NULL);

    if (fmt == PROV_FS_EXT2 || fmt == PROV_FS_EXT3 || fmt == PROV_FS_EXT4)
        prov_command_add_arg(cmd, "-F");
    else if (fmt == PROV_FS_XFS)
        prov_command_add_arg(cmd, "-f");
    else if (fmt == PROV_FS_VFAT)
        prov_command_add_arg(cmd, "-I");
    prov_command_add_arg(cmd, fs_device(def));
    return cmd;
}

/*
 * Build = the target directory plus a filesystem on the device.  A device
 * that already holds a filesystem or partition table is never overwritten
 * unless --overwrite says so (libvirt only formats with an explicit flag; we
 * format an empty device by default, which is what "build" means to users).
 */
static bool
fs_build_pool(ProvStoragePool *pool, unsigned int flags, GError **error)
{
    const ProvPoolDef *def = pool->def;
    g_autoptr(ProvCommand) cmd = NULL;
    g_autofree char *found = NULL;
    bool mounted;

    if (!fs_mounted(def, &mounted, error))
        return false;
    if (mounted) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': source device '%s' is mounted on '%s'",
                    def->name, fs_device(def), def->target_path);
        return false;
    }
    if (def->source.format < 0 || def->source.format == PROV_FS_AUTO) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_CONFIG_UNSUPPORTED,
                    "storage pool '%s': cannot build a filesystem of format 'auto' on '%s'; "
                    "give <format type='ext4'/> or another type in <source>",
                    def->name, fs_device(def));
        return false;
    }
    if (!(flags & PROV_POOL_BUILD_OVERWRITE)) {
        if (!prov_block_device_probe(def->name, fs_device(def), &found, error))
            return false;
        if (found) {
            g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_STORAGE_POOL_BUILT,
                        "storage pool '%s': source device '%s' already holds '%s'; "
                        "use --overwrite to replace it", def->name, fs_device(def), found);
            return false;
        }
    }
    if (!prov_dir_pool_build(pool, flags, error))
        return false;
    cmd = prov_fs_mkfs_command(def);
    prov_command_set_timeout(cmd, PROV_MKFS_TIMEOUT_MS);
    if (!prov_command_run(cmd, NULL, NULL, error)) {
        g_prefix_error(error, "storage pool '%s': cannot make a '%s' filesystem on '%s': ",
                       def->name, prov_fs_format_to_string(def->source.format),
                       fs_device(def));
        return false;
    }
    return true;
}

static bool
fs_refresh_pool(ProvStoragePool *pool, GError **error)
{
    bool mounted;

    if (!fs_mounted(pool->def, &mounted, error))
        return false;
    if (!mounted) {
        g_set_error(error, PROV_STORAGE_ERROR, PROV_ERR_OPERATION_INVALID,
                    "storage pool '%s': '%s' is not mounted on '%s'", pool->def->name,
                    fs_device(pool->def), pool->def->target_path);
        return false;
    }
    return prov_local_pool_refresh(pool, error);
}

const ProvStorageBackend prov_backend_fs = {
    .type = PROV_POOL_FS,
    .check_pool = fs_check_pool,
    .build_pool = fs_build_pool,
    .start_pool = fs_start_pool,
    .refresh_pool = fs_refresh_pool,
    .stop_pool = fs_stop_pool,
    .delete_pool = prov_dir_pool_delete,
    PROV_LOCAL_VOLUME_CALLBACKS,
};
